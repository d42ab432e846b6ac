"""The search index without a browser: which pages go into which bundle, what the pages give the
index, a byte-identical index for identical pages, and a rebuild that re-indexes only the year
whose pages changed. The index itself is made by the pinned Pagefind binary."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import cbor2
import pytest
from lxml import html as lxml_html

from conftest import MINI_EDITION
from epistola.engine.recipe import load
from epistola.pages import search_names
from epistola.search import MANIFEST, PAGEFIND_DIR, UNDATED, glob_for, index_site, plan_bundles
from synthetic import write_edition


def page(year: str | None) -> bytes:
    sort = f' data-pagefind-sort="date:{year}-05-01 000000001"' if year else ' data-pagefind-sort="date:9999 x"'
    return f'<html lang="en"><body><article data-pagefind-body{sort}><p id="p1">x</p></article></body></html>'.encode()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def pages_only(site: Path, target: Path) -> Path:
    """A copy of a built site without its index: what the build hands to index_site."""
    shutil.copytree(site, target, ignore=shutil.ignore_patterns(PAGEFIND_DIR))
    return target


# --- planning (pure) -----------------------------------------------------------------------------

def test_letters_go_into_the_bundle_of_their_year_and_the_register_comes_last():
    pages = {"letters/3/index.html": page("1923"), "letters/1/index.html": page("1917"),
             "letters/2/index.html": page(None), "letters/4/index.html": page("1917"),
             "persons/stalin/index.html": b"<html><body>S</body></html>",
             "about/index.html": page("1917"), "letters/index.html": page("1917")}
    bundles = plan_bundles(pages, "en", "1.5.2")
    assert [(b.name, b.kind, b.folder, b.pages) for b in bundles] == [
        ("1917", "letters", "pagefind/years/1917/", ("letters/1/index.html", "letters/4/index.html")),
        ("1923", "letters", "pagefind/years/1923/", ("letters/3/index.html",)),
        (UNDATED, "letters", "pagefind/years/undated/", ("letters/2/index.html",)),
        ("register", "register", "pagefind/register/", ("persons/stalin/index.html",)),
    ]


def test_a_year_larger_than_the_limit_is_split_in_date_order():
    def dated(day: int, number: int) -> bytes:
        return (f'<article data-pagefind-body data-pagefind-sort="date:1923-03-{day:02d} '
                f'{number:09d}">').encode()
    # file names sort differently from dates: the parts must follow the dates
    pages = {f"letters/{chr(ord('a') + i)}/index.html": dated(28 - 3 * i, i) for i in range(7)}
    bundles = plan_bundles(pages, "en", "1.5.2", limit=3)
    assert [b.name for b in bundles] == ["1923-1", "1923-2", "1923-3"]
    assert [b.pages for b in bundles] == [
        ("letters/g/index.html", "letters/f/index.html", "letters/e/index.html"),
        ("letters/d/index.html", "letters/c/index.html", "letters/b/index.html"),
        ("letters/a/index.html",)]


def test_a_changed_page_changes_the_digest_of_its_own_bundle_only():
    pages = {f"letters/{i}/index.html": page(str(1912 + i % 3)) for i in range(9)}
    before = {b.name: b.digest for b in plan_bundles(pages, "en", "1.5.2")}
    pages["letters/4/index.html"] += b"<!-- edited -->"  # 1912 + 4 % 3 = 1913
    after = {b.name: b.digest for b in plan_bundles(pages, "en", "1.5.2")}
    assert [name for name in before if before[name] != after[name]] == ["1913"]
    # the indexer's version and the language are part of what a bundle is made from
    assert {b.digest for b in plan_bundles(pages, "en", "1.6.0")}.isdisjoint(after.values())
    assert {b.digest for b in plan_bundles(pages, "ru", "1.5.2")}.isdisjoint(after.values())


def test_the_glob_names_exactly_the_pages_of_a_bundle():
    assert glob_for(["letters/1/index.html"]) == "letters/1/index.html"
    assert glob_for(["letters/1/index.html", "letters/22/index.html"]) == \
        "{letters/1/index.html,letters/22/index.html}"


def test_a_letter_is_found_by_every_register_form_of_whoever_wrote_received_or_is_named_in_it():
    site, _ = load(MINI_EDITION)
    names = {letter.id: search_names(site.read, letter) for letter in site.corpus.letters}
    assert names["174"] == ("B. I. Magidov", "Boris Iosifovich Magidov", "Magidov", "MAGIDOV",
                            "B. Magidov", "I. V. Stalin", "Iosif Vissarionovich Stalin", "Stalin",
                            "STALIN", "I. Stalin", "St[alin]")
    # No. 176 names Yaroslavsky in its text: he is found there, not in No. 174
    assert "Yaroslavsky" in names["176"] and "E. M. Yaroslavsky" in names["176"]
    assert "Yaroslavsky" not in names["174"]


# --- what the built pages give the index ---------------------------------------------------------

def test_letter_pages_index_the_text_and_notes_but_not_navigation_headers_or_footers(mini_site):
    for path in sorted((mini_site / "letters").glob("*/index.html")):
        doc = lxml_html.parse(str(path))
        bodies = doc.xpath("//*[@data-pagefind-body]")
        assert len(bodies) == 1 and bodies[0].tag == "article", path
        body = bodies[0]
        for outside in ("//header", "//footer", '//nav[@aria-label="Site"]', '//nav[@class="letter-nav"]'):
            for element in doc.xpath(outside):
                assert body not in element.iterancestors() and element not in body.iterdescendants(), (path, outside)
        assert body.xpath('.//section[@class="letter-text"]/p[@id="p1"]'), path
        assert body.xpath('.//section[@role="doc-endnotes"]//li[@id="note-1"]'), path
        attributes = " ".join(body.xpath(".//@data-pagefind-filter | @data-pagefind-filter"))
        for facet in ("kind:", "year:", "fond:", "sender", "recipient"):
            assert facet in attributes, (path, facet)
        assert body.xpath('@data-pagefind-sort')[0].startswith("date:1923-11-")


def test_every_build_writes_the_index_with_a_bundle_per_year_and_one_for_the_register(mini_site):
    manifest = json.loads((mini_site / PAGEFIND_DIR / MANIFEST).read_text(encoding="utf-8"))
    assert [(b["name"], b["kind"], b["pages"]) for b in manifest["bundles"]] == [
        ("1923", "letters", 2), ("register", "register", 3)]
    assert manifest["language"] == "en"
    for i, b in enumerate(manifest["bundles"]):
        folder = mini_site / PAGEFIND_DIR / b["path"]
        files = sorted(p.name for p in folder.iterdir() if p.is_file())
        # the first bundle, which the search page opens, carries Pagefind's worker and WebAssembly
        runtime = ["pagefind-worker.js", "wasm.en.pagefind"] if i == 0 else []
        assert files == sorted(["pagefind-entry.json", *runtime, *(p.name for p in folder.glob("*.pf_meta"))])
        assert len(list(folder.glob("*.pf_meta"))) == 1
    for name in ("pagefind.js", "pagefind-highlight.js", "pagefind-worker.js", "wasm.en.pagefind"):
        assert (mini_site / PAGEFIND_DIR / name).is_file(), name


def _fragments(bundle: Path) -> dict[str, dict]:
    """The pages of a bundle as Pagefind stored them (url -> fragment with its content)."""
    out = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        fragment = json.loads(raw[len(b"pagefind_dcd"):])
        out[fragment["url"]] = fragment
    return out


def test_the_index_holds_the_words_of_the_letter_not_the_page_furniture(mini_site):
    """Result excerpts read as the letter: no note numbers glued to words, no field labels, no
    editorial flags, no titles of other letters."""
    fragments = _fragments(mini_site / PAGEFIND_DIR / "years" / "1923")
    assert sorted(fragments) == ["/letters/174/", "/letters/176/"]
    magidov, stalin = fragments["/letters/174/"]["content"], fragments["/letters/176/"]["content"]
    assert "(in October), you were on vacation" in magidov
    assert "the circular on excesses." in magidov
    assert "the work of the Donbass. For example" in stalin
    for content in (magidov, stalin):
        # (the field labels as they would stand before their values: "Archive " alone is in
        # the name of an archive, "the Russian State Archive of ...")
        for furniture in ("From ", "Date ", "Archive RT", "Description ", "Answered by",
                          "In reply to", "Number supplied", "Mark lost", "Notes.", "Text."):
            assert furniture not in content, furniture
    assert "10 November 1923" not in stalin  # the date of No. 174, named in "In reply to"
    register = _fragments(mini_site / PAGEFIND_DIR / "register")
    assert register and all(url.startswith("/persons/") for url in register)
    for url, fragment in register.items():
        for label in ("Full name", "Dates", "Identification", "Named in the letters as"):
            assert label not in fragment["content"], (url, label)


def _filter_values(bundle: Path) -> dict[str, list[str]]:
    out = {}
    for path in sorted((bundle / "filter").glob("*.pf_filter")):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        name, values = cbor2.loads(raw[len(b"pagefind_dcd"):])
        out[name] = [v[0] for v in values]
        # the file is named after its content, so a change can never hide behind an old name
        assert path.stem == f"en_{hashlib.sha256(path.read_bytes()).hexdigest()[:7]}"
    return out


def test_the_same_pages_give_a_byte_identical_index(mini_site, tmp_path):
    first = pages_only(mini_site, tmp_path / "one")
    second = pages_only(mini_site, tmp_path / "two")
    assert index_site(first) == []
    assert index_site(second) == []
    assert tree(first / PAGEFIND_DIR) == tree(second / PAGEFIND_DIR)
    assert tree(first / PAGEFIND_DIR) == tree(mini_site / PAGEFIND_DIR)
    values = _filter_values(first / PAGEFIND_DIR / "years" / "1923")
    assert set(values) == {"fond", "kind", "place", "recipient", "sender", "year"}
    assert all(v == sorted(v) for v in values.values()), values


def _tmpfs_folder() -> Path:
    """/dev/shm when it is a tmpfs, which lists a folder's files newest first."""
    mounts = Path("/proc/mounts").read_text(encoding="utf-8").split("\n")
    if not any(line.split()[1:3] == ["/dev/shm", "tmpfs"] for line in mounts if line.strip()):
        pytest.skip("needs /dev/shm on a tmpfs")
    return Path("/dev/shm")


#: Four pages with a filter, a sort key, metadata and words in several spellings (Pagefind
#: keeps "café" and "cafè" as other forms of "cafe", each with pages of its own, in the order
#: it met them).
VARIANT_PAGES = {
    f"p{i}.html": (f'<html lang="en"><body data-pagefind-sort="date:1923-0{i}" '
                   f'data-pagefind-filter="sender:{"Stalin" if i % 2 else "Magidov"}" '
                   f'data-pagefind-meta="title:Letter {i}"><p>{text} in letter {i}</p>'
                   '</body></html>')
    for i, text in zip((1, 2, 3, 4), ("the café", "a naïve cafè", "the cafe", "naive words"))}


def _meaning(bundle: Path) -> dict:
    """What a bundle says, with each page named by its fragment (its content), not its number:
    two indexes that differ only in how they number the pages mean the same."""
    from epistola.search import _unpack

    meta = _unpack(next(bundle.glob("*.pf_meta")).read_bytes())
    hashes = [hash_ for hash_, _count in meta[1]]

    def pages(listed):  # each page number is the difference to the one before it
        found, at = {}, 0
        for number, *positions in listed:
            at += number
            found[hashes[at]] = positions
        return found

    words = {}
    for chunk in sorted((bundle / "index").iterdir()):
        for word, listed, variants in _unpack(chunk.read_bytes())[0]:
            words[word] = (pages(listed), {form: pages(more) for form, more in variants})
    filters = {}
    for chunk in sorted((bundle / "filter").iterdir()):
        name, values = _unpack(chunk.read_bytes())
        filters[name] = {value: {hashes[n] for n in listed} for value, listed in values}
    sorts = {name: [hashes[n] for n in order] for name, order in meta[4]}
    return {"words": words, "filters": filters, "sorts": sorts, "pages": sorted(meta[1])}


def test_the_index_is_the_same_whatever_order_the_file_system_lists_the_pages_in(tmp_path):
    """Pagefind numbers the pages in the order it finds them, which is the file system's: the
    same pages written in two orders on a tmpfs are listed in two orders. Canonicalised, both
    indexes are byte-identical and still say what Pagefind said."""
    from pagefind_bin import get_executable

    from epistola.search import canonicalise_bundle

    bundles = []
    with tempfile.TemporaryDirectory(dir=_tmpfs_folder()) as folder:
        for name, order in (("forward", sorted(VARIANT_PAGES)),
                            ("backward", sorted(VARIANT_PAGES, reverse=True))):
            site = Path(folder) / name
            site.mkdir()
            for page_name in order:
                (site / page_name).write_text(VARIANT_PAGES[page_name], encoding="utf-8")
            out = tmp_path / name
            subprocess.run([str(get_executable()), "--site", str(site), "--output-path",
                            str(out), "--silent"], check=True)
            bundles.append(out)
    forward, backward = bundles
    said = _meaning(forward)
    assert set(said["words"]["cafe"][1]) == {"café", "cafè"}, "no pages of their own for the "\
        "other spellings"
    assert said == _meaning(backward)
    raw = {name: data for name, data in tree(forward).items() if name.startswith("index/")}
    assert raw != {name: data for name, data in tree(backward).items()
                   if name.startswith("index/")}, "the pages were numbered alike: no test"

    for bundle in bundles:
        canonicalise_bundle(bundle)
    assert tree(forward) == tree(backward)
    assert _meaning(forward) == said


@pytest.fixture(scope="module")
def many_years(tmp_path_factory, build_site) -> Path:
    """A small synthetic edition spread over many years, built with its index."""
    editions = write_edition(tmp_path_factory.mktemp("years") / "editions", 40, seed=3)
    return build_site(editions, editions.parent / "site")


def test_a_rebuild_reindexes_only_the_year_whose_pages_changed(many_years, tmp_path):
    previous = many_years
    manifest = json.loads((previous / PAGEFIND_DIR / MANIFEST).read_text(encoding="utf-8"))
    years = [b for b in manifest["bundles"] if b["kind"] == "letters"]
    assert len(years) >= 5
    for b in manifest["bundles"]:  # a mark that only a copy of the old bundle can carry
        (previous / PAGEFIND_DIR / b["path"] / "copied-from-before").write_text(b["name"])

    # one letter of one year edited, as an editor's correction would
    edited = years[2]["name"]
    staging = pages_only(previous, tmp_path / ".site.new")
    letter = next(p for p in sorted((staging / "letters").glob("*/index.html"))
                  if f'data-pagefind-sort="date:{edited}-'.encode() in p.read_bytes())
    text = letter.read_text(encoding="utf-8").replace('<p id="p1"', '<p id="p1" data-edited', 1)
    letter.write_text(text.replace("</article>", "<p>Zebrafish.</p></article>", 1), encoding="utf-8")

    assert index_site(staging, previous) == []
    after = json.loads((staging / PAGEFIND_DIR / MANIFEST).read_text(encoding="utf-8"))
    changed = [b["name"] for b, a in zip(manifest["bundles"], after["bundles"]) if b["digest"] != a["digest"]]
    assert changed == [edited]
    for b in after["bundles"]:
        copied = (staging / PAGEFIND_DIR / b["path"] / "copied-from-before").exists()
        assert copied == (b["name"] != edited), b["name"]
    # and the whole index is the one a clean build of the same pages writes
    clean = pages_only(staging, tmp_path / "clean")
    assert index_site(clean) == []
    for marker in (staging / PAGEFIND_DIR).rglob("copied-from-before"):
        marker.unlink()
    assert tree(clean / PAGEFIND_DIR) == tree(staging / PAGEFIND_DIR)


def test_bundles_written_in_another_canonical_form_are_indexed_again(many_years, tmp_path,
                                                                     monkeypatch):
    """An index made by an Epistola that canonicalised its bundles otherwise is not reused: a
    build after an upgrade equals a clean one."""
    import epistola.search as search

    staging = pages_only(many_years, tmp_path / ".site.new")
    monkeypatch.setattr(search, "CANONICAL_FORM", search.CANONICAL_FORM + 1)
    indexed = []
    run_pagefind = search._run_pagefind
    monkeypatch.setattr(search, "_run_pagefind",
                        lambda site, bundle, *rest: indexed.append(bundle.name)
                        or run_pagefind(site, bundle, *rest))
    assert index_site(staging, many_years) == []
    before = json.loads((many_years / PAGEFIND_DIR / MANIFEST).read_text(encoding="utf-8"))
    assert indexed == [b["name"] for b in before["bundles"]]


def test_the_live_site_beside_a_staging_folder_is_the_one_reused(many_years, tmp_path):
    live = tmp_path / "site"
    shutil.copytree(many_years, live)
    first = json.loads((live / PAGEFIND_DIR / MANIFEST).read_text(encoding="utf-8"))["bundles"][0]
    (live / PAGEFIND_DIR / first["path"] / "copied-from-before").write_text("x")
    staging = pages_only(live, tmp_path / ".site.new")
    assert index_site(staging) == []
    assert (staging / PAGEFIND_DIR / first["path"] / "copied-from-before").exists()


# --- failures are one line each -----------------------------------------------------------------

def test_a_site_without_letters_or_persons_is_a_warning(tmp_path):
    (tmp_path / "about").mkdir()
    (tmp_path / "about" / "index.html").write_text("<html><body>About</body></html>")
    diags = index_site(tmp_path)
    assert [(d.level, d.code) for d in diags] == [("warning", "search-empty")]


def test_a_missing_pagefind_binary_is_one_error_not_a_traceback(mini_site, tmp_path, monkeypatch):
    import pagefind_bin

    def missing():
        raise FileNotFoundError("no binary")

    monkeypatch.setattr(pagefind_bin, "get_executable", missing)
    staging = pages_only(mini_site, tmp_path / "site")
    diags = index_site(staging)
    assert [(d.level, d.code) for d in diags] == [("error", "search-index")]
    assert "pip install" in diags[0].message
    assert "\n" not in str(diags[0])
