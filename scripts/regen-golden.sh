#!/usr/bin/env bash
# Regenerate the golden diagnostics of the deliberately broken edition
# (tests/fixtures/broken-edition.expected) after an intended change to a check or a message.
# The summary line `check` ends with (it holds the time taken) is left out.
# Review the diff it shows before committing it.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
[ -x "$py" ] || py=python3
expected=tests/fixtures/broken-edition.expected
printed=$(mktemp)
trap 'rm -f "$printed"' EXIT

env -u SOURCE_DATE_EPOCH "$py" build.py check --editions tests/fixtures/broken-edition 2> "$printed"
status=$?
if [ "$status" -ne 1 ]; then
  echo "regen-golden: expected exit status 1 from the broken edition, got $status" >&2
  exit 1
fi
if ! tail -n 1 "$printed" | grep -q '^check: '; then
  echo "regen-golden: the output does not end with the summary line of check" >&2
  exit 1
fi
sed '$d' "$printed" > "$expected"
echo "regen-golden: $(wc -l < "$expected") diagnostics written to $expected"
git --no-pager diff --stat -- "$expected" 2>/dev/null || true
