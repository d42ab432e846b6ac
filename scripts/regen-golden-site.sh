#!/usr/bin/env bash
# Regenerate the golden site (tests/golden/site/): the bundled edition (editions/) as a clean
# build writes it, search index left out, dated by SOURCE_DATE_EPOCH as tests/test_golden_site.py
# dates it. Run it after an intended change to the output, and review the diff it shows before
# committing it.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
[ -x "$py" ] || py=python3
golden=tests/golden/site

SOURCE_DATE_EPOCH=1700000000 "$py" - "$golden" <<'PY' || exit 1
import shutil
import sys
from pathlib import Path

from epistola.diagnostics import has_errors
from epistola.engine.recipe import make_all

files, diagnostics = make_all(Path("editions"))
if has_errors(diagnostics):
    print("\n".join(map(str, diagnostics)), file=sys.stderr)
    sys.exit("regen-golden-site: the bundled edition has errors; nothing written")
golden = Path(sys.argv[1])
shutil.rmtree(golden, ignore_errors=True)
for path, data in sorted(files.items()):
    target = golden / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
print(f"regen-golden-site: {len(files)} files written to {golden}")
PY
git --no-pager diff --stat -- "$golden" 2>/dev/null || true
git status --short --untracked-files=all -- "$golden" 2>/dev/null | grep '^??' || true
