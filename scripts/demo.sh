#!/usr/bin/env bash
# demo.sh -- run the main job on the bundled sample data: an Impactive
# message export (CSV dumps of the export tables) becomes Organizer
# text-interaction import files, checked against Organizer's rules.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/crosswalk
[ -x "$bin" ] || { echo "demo: $bin is missing; run scripts/build.sh first" >&2; exit 2; }
s=pipelines/samples/impactive
out=out/demo
rm -rf "$out"
echo "== crosswalk run: Impactive messages -> Organizer text interactions"
set +e
"$bin" run pipelines/impactive_to_organizer_text \
    --input "$s/messages.csv" --input contacts="$s/contacts.csv" \
    --input taggings="$s/taggings.csv" --input profiles="$s/profiles.csv" \
    --out-dir "$out" --set tz=America/New_York \
    --summary-json "$out.summary.json"
rc=$?
set -e
# 0: every record written; 1: finished, some records rejected (expected
# here: the sample holds a contact whose phone is shared by two profiles).
[ "$rc" -le 1 ] || { echo "demo: run failed with exit code $rc" >&2; exit "$rc"; }
echo
echo "== crosswalk validate: the output against Organizer's import rules"
"$bin" validate --schema organizer/text_interactions "$out"/text_interactions*.csv
echo
echo "== $out/text_interactions.csv"
cat "$out"/text_interactions*.csv
if [ -f "$out/rejects.csv" ]; then
    echo
    echo "== $out/rejects.csv (every rejected record, with its reason)"
    cat "$out/rejects.csv"
fi
