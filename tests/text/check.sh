#!/usr/bin/env bash
# tests/text/check.sh: placeholder, replaced by the real check.
exit 0
