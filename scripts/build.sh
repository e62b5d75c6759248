#!/usr/bin/env bash
# scripts/build.sh [release|sanitize]: configure and build crosswalk with
# CMake on all cores. release -> build/ (optimised, warnings are errors);
# sanitize -> build-asan/ (debug, AddressSanitizer + UBSan, warnings are
# errors). The CLI ends up at build/crosswalk or build-asan/crosswalk.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-release}
case "$mode" in
release)
    dir=build
    flags=(-DCMAKE_BUILD_TYPE=Release -DCW_WERROR=ON -DCW_SANITIZE=OFF)
    ;;
sanitize)
    dir=build-asan
    flags=(-DCMAKE_BUILD_TYPE=Debug -DCW_WERROR=ON -DCW_SANITIZE=ON)
    ;;
-h | --help)
    echo "usage: scripts/build.sh [release|sanitize]"
    exit 0
    ;;
*)
    echo "usage: scripts/build.sh [release|sanitize]" >&2
    exit 2
    ;;
esac

command -v cmake >/dev/null 2>&1 || {
    echo "build: ERROR: cmake not found; run scripts/setup.sh" >&2
    exit 1
}
jobs=$(nproc 2>/dev/null || echo 2)

echo "build: $mode -> $dir/ ($jobs jobs)"
cmake -S . -B "$dir" "${flags[@]}"
cmake --build "$dir" --parallel "$jobs"
echo "build: $mode OK: $dir/crosswalk"
