"""The golden site: the bundled edition as a clean build writes it (the search index left out),
committed under tests/golden/site/ (the documents made for
the indexer included) so that every change to the output shows in a diff.

After an intended change, regenerate it with `bash scripts/regen-golden-site.sh` and review the
diff; an unintended one fails here, naming the files that differ.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from epistola.diagnostics import has_errors
from epistola.engine.recipe import make_all

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "site"
#: The date the golden site was built on (scripts/regen-golden-site.sh sets the same).
SOURCE_DATE_EPOCH = "1700000000"
REGENERATE = "if the change is intended, run scripts/regen-golden-site.sh and review the diff"


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        files, diags = make_all(ROOT / "editions")
    assert not has_errors(diags), [str(d) for d in diags]
    return files


def golden() -> dict[str, bytes]:
    return {p.relative_to(GOLDEN).as_posix(): p.read_bytes()
            for p in sorted(GOLDEN.rglob("*")) if p.is_file()}


def test_the_golden_site_holds_the_whole_site():
    files = golden()
    assert len(files) > 50
    for page in ("index.html", "letters/173/index.html", "letters/176/tei.xml",
                 "persons/stalin/index.html", "archive/index.html", "data/letters.json",
                 "data/cmif.xml", "sitemap.xml", "assets/edition.css"):
        assert page in files, page
    # the documents made for the indexer are the build's; the index Pagefind makes of them is not
    assert any(path.startswith("pagefind/documents/") for path in files)
    assert not any(path.startswith("pagefind/") and not path.startswith("pagefind/documents/")
                   for path in files)


def test_the_site_is_the_golden_site_file_for_file(built):
    expected = golden()
    assert sorted(built) == sorted(expected), (
        f"files made but not in the golden site: {sorted(set(built) - set(expected))}; "
        f"in the golden site but not made: {sorted(set(expected) - set(built))}; {REGENERATE}")
    differ = [path for path in sorted(built) if built[path] != expected[path]]
    if differ:
        first = differ[0]
        diff = difflib.unified_diff(
            expected[first].decode("utf-8", "replace").splitlines(),
            built[first].decode("utf-8", "replace").splitlines(),
            f"golden/{first}", f"built/{first}", lineterm="", n=1)
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"{len(differ)} files differ from the golden site: {differ[:10]}; "
                    f"{REGENERATE}\n{shown}", pytrace=False)
