"""The search index without a browser: the documents the build writes for it, bundles that are
the same bytes whatever order the file system lists the documents in, segments in date order, and
updates that index only what changed (a recent bundle, folded into its segment when it grows).
The index itself is made by the pinned Pagefind binary."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import MINI_EDITION
from epistola import search
from epistola.engine import index as engine_index
from epistola.engine import recipe
from epistola.search import (DOCUMENTS, MANIFEST, PAGEFIND_DIR, Labels, canonical_bundle,
                             directory_bundle, document_info, facet_table, facet_totals, name_words,
                             plan_segments, unpack, unpack_json, vocabularies_of_directory)

from synthetic import write_edition


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def index_tree(site: Path) -> dict[str, bytes]:
    """The index, documents left out."""
    return {k: v for k, v in tree(site / PAGEFIND_DIR).items() if not k.startswith("documents/")}


def manifest(site: Path) -> dict:
    return json.loads((site / PAGEFIND_DIR / MANIFEST).read_text(encoding="utf-8"))


def build(editions: Path, site: Path) -> recipe.Outcome:
    outcome = recipe.build(editions, site)
    problems = [str(d) for d in outcome.diagnostics if d.level == "error" or d.code.startswith("search")]
    assert not problems, problems
    return outcome


def edit(editions: Path, letter_id: str, word: str) -> None:
    """Add a word to the first sentence of a letter's second paragraph."""
    record = editions / "letters" / f"{letter_id}.md"
    text = record.read_text(encoding="utf-8")
    body = text.index("\n---\n") + 5
    at = text.index(". ", text.index("\n\n", body + 1) + 2)
    record.write_text(text[:at] + f" {word}" + text[at:], encoding="utf-8")


def fragment(site: Path, bundle: str, page: int) -> dict:
    data = gzip.decompress((site / PAGEFIND_DIR / bundle / "fragment" / f"{page}.pf_fragment").read_bytes())
    return json.loads(data[len(b"pagefind_dcd"):])


# --- the documents -------------------------------------------------------------------------------

def test_a_letters_document_holds_its_text_in_plain_words_with_an_anchor_where_each_paragraph_and_note_begins(mini_site):
    doc = (mini_site / DOCUMENTS / "letters" / "176.html").read_bytes()
    tree_ = lxml_html.fromstring(doc)
    [body] = tree_.xpath("//*[@data-pagefind-body]")
    anchors = body.xpath(".//span[@id]")
    assert [a.get("id") for a in anchors][:2] == ["p1", "p2"]
    assert any(a.get("id") == "note-1" for a in anchors)
    assert all(not (a.text or "").strip() and len(a) == 0 for a in anchors), "an anchor holds text"
    text = body.text_content()
    assert "the work of the Donbass. For example" in text
    assert "<sup" not in doc.decode() and "doc-noteref" not in doc.decode()  # no note numbers
    for furniture in ("Cite this note", "Everything cited from this file", "Answered by"):
        assert furniture not in text
    meta = {m.get("data-pagefind-meta").split("[")[0]: m.get("content")
            for m in tree_.xpath("//meta[@data-pagefind-meta]")}
    assert meta["url"] == "letters/176/" and meta["number"] == "176" and meta["kind"] == "letter"
    # every name form of whoever wrote, received or is named in it, each word once
    names = meta["names"].split()
    assert "Stalin" in names and "Vissarionovich" in names and "Yaroslavsky" in names
    assert len(names) == len({n.casefold() for n in names})


def test_a_document_carries_its_place_in_the_edition_and_its_facet_values(mini_site):
    info = document_info((mini_site / DOCUMENTS / "letters" / "174.html").read_bytes())
    assert info.kind == "letter" and info.key.startswith("1923-11-")
    facets = dict(info.facets)
    assert facets["sender"] == ("B. I. Magidov",) and facets["recipient"] == ("I. V. Stalin",)
    assert facets["year"] == ("1923",)
    assert facets["kind"] == ("letter",)
    person = document_info((mini_site / DOCUMENTS / "persons" / "stalin.html").read_bytes())
    assert (person.kind, person.key) == ("person", "stalin")


def test_published_pages_carry_no_index_metadata_only_what_the_highlighter_reads(mini_site):
    page = (mini_site / "letters" / "176" / "index.html").read_text(encoding="utf-8")
    assert "data-pagefind-body" in page and "data-pagefind-ignore" in page
    for attribute in ("data-pagefind-filter", "data-pagefind-sort", "data-pagefind-meta"):
        assert attribute not in page


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory) -> Path:
    """The test edition with the Russian original beside the translation of No. 176, built."""
    import dataclasses

    from epistola.model import Note, Text
    from epistola.records import dump_letter, parse_letter

    base = tmp_path_factory.mktemp("bilingual")
    shutil.copytree(MINI_EDITION, base / "editions")
    record = base / "editions" / "letters" / "176.md"
    letter, diags = parse_letter(record.read_text(encoding="utf-8"), str(record))
    assert letter is not None, diags
    original = Text(language="ru", role="original", body="Дорогой товарищ, работа Донбасса[^1].",
                    notes=(Note(1, "Примечание о шахтёрах."),))
    record.write_text(dump_letter(dataclasses.replace(letter, language="en", role="translation",
                                                      texts=(original,))), encoding="utf-8")
    build(base / "editions", base / "site")
    return base


def test_a_further_text_is_indexed_with_its_own_anchors(bilingual):
    doc = (bilingual / "site" / DOCUMENTS / "letters" / "176.html").read_text(encoding="utf-8")
    assert '<span id="ru-p1"></span>Дорогой товарищ, работа Донбасса.' in doc
    assert '<span id="ru-note-1"></span>Примечание о шахтёрах.' in doc
    assert '<span id="p1"></span>' in doc  # and the translation's own, as before


def test_name_words_keep_each_word_once():
    assert name_words(["I. V. Stalin", "Stalin", "STALIN", "Iosif Vissarionovich Stalin", "St[alin]"]) \
        == "I. V. Stalin Iosif Vissarionovich St[alin]"


# --- planning and the pure parts -----------------------------------------------------------------

def test_letters_are_cut_into_segments_as_even_as_can_be():
    assert plan_segments([], 3) == []
    assert plan_segments(list("abcdefg"), 3) == [(0, 2), (2, 4), (4, 7)]
    assert plan_segments(list("ab"), 3) == [(0, 2)]


def test_facet_tables_number_values_most_frequent_first_and_keep_numbers_when_values_are_added():
    letters = [{"sender": ["B"], "year": ["1923"]}, {"sender": ["A", "B"], "year": ["1924"]}]
    labels = Labels.of(letters)
    assert labels.values["sender"] == ["B", "A"]
    assert facet_table(letters, labels)["sender"] == [0, [1, 0]]
    assert facet_table(letters, labels)["place"] == [None, None]
    labels.id("sender", "C")  # a value an update brings
    assert labels.values["sender"] == ["B", "A", "C"]
    assert facet_totals(letters + [{"sender": ["C"]}], labels)["sender"] == [2, 1, 1]


def _tmpfs_folder() -> Path:
    """/dev/shm when it is a tmpfs, which lists a folder's files newest first."""
    mounts = Path("/proc/mounts").read_text(encoding="utf-8").split("\n")
    if not any(line.split()[1:3] == ["/dev/shm", "tmpfs"] for line in mounts if line.strip()):
        pytest.skip("needs /dev/shm on a tmpfs")
    return Path("/dev/shm")


#: Pages with a key, metadata, and words in several spellings (Pagefind keeps "café" and "cafè"
#: as other forms of "cafe", each with pages of its own, in the order it met them).
VARIANT_PAGES = {
    f"p{i}.html": (f'<html lang="en"><body><article data-pagefind-body data-pagefind-sort="key:k{i}">'
                   f'<h1 data-pagefind-meta="title">Letter {i}</h1><p><span id="p1"></span>{text} in '
                   f'letter {i}</p></article></body></html>')
    for i, text in zip((1, 2, 3, 4), ("the café", "a naïve cafè", "the cafe", "naive words"))}


def _pagefind(site: Path, out: Path) -> dict[str, bytes]:
    from pagefind_bin import get_executable

    subprocess.run([str(get_executable()), "--site", str(site), "--output-path", str(out),
                    "--force-language", "en", "--silent"], check=True)
    return engine_index._read_bundle(out)


def test_a_bundle_is_the_same_bytes_whatever_order_the_file_system_lists_the_documents_in(tmp_path):
    """Pagefind numbers the pages in the order it finds them, which is the file system's: the
    same pages written in two orders on a tmpfs are listed in two orders. Canonical, both are
    byte-identical, numbered in the order of their keys, and still say what Pagefind said."""
    made = []
    raw = []
    with tempfile.TemporaryDirectory(dir=_tmpfs_folder()) as folder:
        for name, order in (("forward", sorted(VARIANT_PAGES)),
                            ("backward", sorted(VARIANT_PAGES, reverse=True))):
            site = Path(folder) / name
            site.mkdir()
            for page_name in order:
                (site / page_name).write_text(VARIANT_PAGES[page_name], encoding="utf-8")
            files = _pagefind(site, tmp_path / name)
            raw.append({k: v for k, v in files.items() if k.startswith("index/")})
            made.append(canonical_bundle(files, compact=False))
    assert raw[0] != raw[1], "Pagefind numbered the pages alike: no test"
    forward, backward = made
    assert forward.files == backward.files and forward.name == backward.name
    assert forward.vocabulary == backward.vocabulary
    entry = json.loads(forward.files["pagefind-entry.json"])
    meta = unpack(forward.files[f"pagefind.{entry['languages']['en']['hash']}.pf_meta"])
    assert [page[0] for page in meta[1]] == ["0", "1", "2", "3"]
    assert meta[3] == [] and meta[4] == []  # no filters, no sort orders: the page has its own
    # page n is the document with the n-th key
    for n in range(4):
        content = json.loads(gzip.decompress(forward.files[f"fragment/{n}.pf_fragment"])[12:])
        assert content["content"].endswith(f"letter {n + 1}.")
    words = {}
    for chunk in meta[2]:
        for word, pages, variants in unpack(forward.files[f"index/{chunk[2]}.pf_index"])[0]:
            words[word] = (pages, {form: p for form, p in variants})
    assert set(words["cafe"][1]) == {"café", "cafè"}


def test_a_compact_bundle_keeps_one_location_a_page_weighted_with_all_of_the_words_weights(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_text(
        '<html lang="en"><body><article data-pagefind-body data-pagefind-sort="key:a">'
        "<p>plenum plenum plenum other words plenum</p></article></body></html>")
    files = _pagefind(site, tmp_path / "out")
    full = canonical_bundle(files, compact=False)
    compact = canonical_bundle(files, compact=True)
    lengths = canonical_bundle(files, compact=True, lengths=True)

    def postings(bundle, word):
        entry = json.loads(bundle.files["pagefind-entry.json"])
        meta = unpack(bundle.files[f"pagefind.{entry['languages']['en']['hash']}.pf_meta"])
        for chunk in meta[2]:
            for w, pages, _ in unpack(bundle.files[f"index/{chunk[2]}.pf_index"])[0]:
                if w == word:
                    return pages
    assert postings(full, "plenum") == [[0, [-25, 0, 1, 1, 3], []]]  # weight 24, at 0, 1, 2, 5
    assert postings(compact, "plenum") == [[0, [-97, 0], []]]  # four times the weight, at 0
    assert postings(lengths, "plenum") == [[0, [-97, 0 * search.LENGTH_SCALE + 6], []]]


def test_the_directory_lists_each_word_with_the_bundles_holding_it_and_reads_back():
    vocabularies = [[("plenum", 3), ("tifli", 1)], [("plenum", 2)], [("stalin", 1)]]
    bundle = directory_bundle(vocabularies, "en", "1.5.2")
    assert vocabularies_of_directory(bundle.files) == [list(v) for v in vocabularies]
    entry = json.loads(bundle.files["pagefind-entry.json"])
    meta = unpack(bundle.files[f"pagefind.{entry['languages']['en']['hash']}.pf_meta"])
    [chunk] = meta[2]
    [plenum, stalin, tifli] = unpack(bundle.files[f"index/{chunk[2]}.pf_index"])[0]
    # a location says the word's length and how many of the bundle's pages hold it
    assert plenum[1] == [[0, [6 * search.DIRECTORY_SCALE + 3], []], [1, [6 * search.DIRECTORY_SCALE + 2], []]]
    assert entry["languages"]["en"]["wasm"] == "x/../../../wasm.en"


# --- building the index --------------------------------------------------------------------------

def test_a_build_writes_segments_a_register_a_directory_and_the_runtime_once(mini_site):
    m = manifest(mini_site)
    assert m["letters"] == 2 and m["language"] == "en" and m["recent"] is None
    [segment] = m["segments"]
    assert segment["pages"] == 2 and re.fullmatch(r"letters/[0-9a-f]{16}/", segment["path"])
    assert m["register"]["pages"] == 3 and m["directory"]["path"].startswith("directory/")
    root = mini_site / PAGEFIND_DIR
    for name in ("pagefind.js", "pagefind-worker.js", "pagefind-highlight.js", "wasm.en.pagefind"):
        assert (root / name).is_file(), name
    folder = root / segment["path"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["epistola.pf_json", "fragment", "index", "pagefind-entry.json", "pagefind-worker.js",
         next(p.name for p in folder.glob("*.pf_meta"))])
    # the WebAssembly a bundle names is the one copy in pagefind/
    wasm = json.loads((folder / "pagefind-entry.json").read_text())["languages"]["en"]["wasm"]
    resolved = (folder / f"wasm.{wasm}.pagefind").resolve()
    assert resolved == (root / "wasm.en.pagefind").resolve()
    # pages in date order: No. 174 (10 November 1923), then No. 176
    assert fragment(mini_site, segment["path"], 0)["meta"]["url"] == "letters/174/"
    assert fragment(mini_site, segment["path"], 1)["meta"]["url"] == "letters/176/"
    side = unpack_json((folder / "epistola.pf_json").read_bytes())
    facets = unpack_json((root / m["facets"]).read_bytes())
    recipients = [facets["values"]["recipient"][i] for i in side["facets"]["recipient"]]
    assert recipients == ["I. V. Stalin", "B. I. Magidov"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A synthetic edition of 60 letters over many years, in segments of 20 letters."""
    base = tmp_path_factory.mktemp("small")
    write_edition(base / "editions", 60, seed=3)
    patch = pytest.MonkeyPatch()
    patch.setattr(search, "SEGMENT_LETTERS", 20)
    build(base / "editions", base / "site")
    yield base, patch
    patch.undo()


def copy_site(base: Path, target: Path) -> tuple[Path, Path]:
    """A copy of the edition, its site and its build store, to change."""
    shutil.copytree(base / "editions", target / "editions")
    shutil.copytree(base / "site", target / "site")
    shutil.copytree(base / ".epistola-store", target / ".epistola-store")
    return target / "editions", target / "site"


def test_letters_are_indexed_in_segments_in_date_order(small):
    base, _ = small
    m = manifest(base / "site")
    assert [s["pages"] for s in m["segments"]] == [20, 20, 20]
    firsts = [s["first"] for s in m["segments"]]
    assert firsts == sorted(firsts)
    # the directory names every segment holding a word
    root = base / "site" / PAGEFIND_DIR
    vocabularies = vocabularies_of_directory(engine_index._read_bundle(root / m["directory"]["path"]))
    assert len(vocabularies) == 4  # three segments, then the register
    assert all(dict(v).get("the") for v in vocabularies[:3])


def test_the_same_documents_give_the_same_index(small, tmp_path):
    base, _ = small
    editions, site = copy_site(base, tmp_path)
    shutil.rmtree(site)
    shutil.rmtree(tmp_path / ".epistola-store")
    build(editions, site)
    assert index_tree(site) == index_tree(base / "site")


def test_one_letter_changed_is_indexed_alone_into_the_recent_bundle(small, tmp_path, monkeypatch):
    base, _ = small
    editions, site = copy_site(base, tmp_path)
    before = manifest(site)
    runs = []
    run_pagefind = engine_index._Index.run_pagefind
    monkeypatch.setattr(engine_index._Index, "run_pagefind",
                        lambda self, docs, language: runs.append(list(docs)) or run_pagefind(self, docs, language))
    edit(editions, "130", "zebrafish")
    build(editions, site)
    assert runs == [["letters/130.html"]]
    after = manifest(site)
    assert after["segments"] == before["segments"] and after["directory"] == before["directory"]
    assert after["recent"]["pages"] == 1 and after["letters"] == 60
    recent = site / PAGEFIND_DIR / after["recent"]["path"]
    side = unpack_json((recent / "epistola.pf_json").read_bytes())
    where = next((k, i) for k, s in enumerate(after["segments"])
                 for i in range(s["pages"])
                 if fragment(site, s["path"], i)["meta"]["url"] == "letters/130/")
    assert side["supersedes"] == [list(where)]
    assert side["place"] == [[where[0], where[1]]]  # its date did not change: before itself
    assert "zebrafish" in fragment(site, after["recent"]["path"], 0)["content"]
    # the folders of an index stay for one more update (a search page may still be reading
    # them), then go
    first = site / PAGEFIND_DIR / after["recent"]["path"]
    edit(editions, "131", "yakhair")
    build(editions, site)
    assert first.is_dir()
    edit(editions, "132", "zqcrow")
    build(editions, site)
    assert not first.exists()


def test_a_change_that_leaves_every_document_alone_leaves_the_index_alone(small, tmp_path):
    base, _ = small
    editions, site = copy_site(base, tmp_path)
    before = index_tree(site)
    edition = editions / "edition.yaml"
    text = edition.read_text(encoding="utf-8")
    edition.write_text(re.sub(r"^title: (.*)$", r"title: \1, revised", text, count=1, flags=re.M),
                       encoding="utf-8")
    outcome = build(editions, site)
    assert len(outcome.made) > 60, "the pages were not made again: no test"
    assert index_tree(site) == before


def test_new_and_deleted_letters_go_through_the_recent_bundle(small, tmp_path):
    base, _ = small
    editions, site = copy_site(base, tmp_path)
    answered = set(re.findall(r"^in_reply_to: '?([\w-]+)'?$", "\n".join(
        p.read_text(encoding="utf-8") for p in (editions / "letters").glob("*.md")), re.M))
    gone = next(str(i) for i in range(110, 160) if str(i) not in answered)
    (editions / "letters" / f"{gone}.md").unlink()
    shutil.copy(editions / "letters" / "140.md", editions / "letters" / "new-one.md")
    text = (editions / "letters" / "new-one.md").read_text(encoding="utf-8")
    (editions / "letters" / "new-one.md").write_text(
        re.sub(r'^id: .*$', 'id: new-one', re.sub(r"^number: .*$", "number: null", text, flags=re.M),
               flags=re.M), encoding="utf-8")
    build(editions, site)
    m = manifest(site)
    assert m["letters"] == 60 and m["recent"]["pages"] == 1 and m["recent"]["removed"] == 1
    side = unpack_json((site / PAGEFIND_DIR / m["recent"]["path"] / "epistola.pf_json").read_bytes())
    assert side["supersedes"] == [None]
    assert len(side["removed"]) == 1


def test_when_the_recent_bundle_grows_its_letters_are_folded_into_their_segment(small, tmp_path, monkeypatch):
    base, _ = small
    editions, site = copy_site(base, tmp_path)
    monkeypatch.setattr(search, "RECENT_LETTERS", 2)
    before = manifest(site)
    for letter_id, word in (("103", "zqalpha"), ("105", "zqbeta")):
        edit(editions, letter_id, word)
        build(editions, site)
    assert manifest(site)["recent"]["pages"] == 2
    edit(editions, "150", "zqgamma")
    build(editions, site)
    after = manifest(site)
    # the first segment, which held two of the three, was indexed again with them
    assert after["recent"]["pages"] == 1
    assert after["segments"][0] != before["segments"][0]
    assert after["segments"][1:] == before["segments"][1:]
    first = after["segments"][0]["path"]
    contents = " ".join(fragment(site, first, i)["content"] for i in range(20))
    assert "zqalpha" in contents and "zqbeta" in contents
    # the directory knows the new words where they now are
    vocabularies = vocabularies_of_directory(
        engine_index._read_bundle(site / PAGEFIND_DIR / after["directory"]["path"]))
    assert dict(vocabularies[0]).get("zqalpha") == 1
    # every letter is found in one place: its segment, or the recent bundle that stands in for it
    side = unpack_json((site / PAGEFIND_DIR / after["recent"]["path"] / "epistola.pf_json").read_bytes())
    superseded = {tuple(x) for x in side["supersedes"] if x} | {tuple(x) for x in side["removed"]}
    urls = [fragment(site, s["path"], i)["meta"]["url"] for k, s in enumerate(after["segments"])
            for i in range(s["pages"]) if (k, i) not in superseded]
    urls += [fragment(site, after["recent"]["path"], j)["meta"]["url"] for j in range(after["recent"]["pages"])]
    assert sorted(urls) == sorted(f"letters/{p.stem}/" for p in (editions / "letters").glob("*.md"))


def test_a_change_to_the_register_indexes_the_register_again(small, tmp_path):
    import yaml

    base, _ = small
    editions, site = copy_site(base, tmp_path)
    before = manifest(site)
    persons = editions / "persons.yaml"
    data = yaml.safe_load(persons.read_text(encoding="utf-8"))
    ref = sorted(data)[0]
    data[ref]["variants"] = [*data[ref].get("variants", []), "Zqkoba"]
    persons.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    build(editions, site)
    after = manifest(site)
    assert after["register"] != before["register"] and after["directory"] != before["directory"]
    vocabularies = vocabularies_of_directory(
        engine_index._read_bundle(site / PAGEFIND_DIR / after["directory"]["path"]))
    assert dict(vocabularies[-1]).get("zqkoba") == 1


def test_an_index_the_state_does_not_describe_is_made_again_whole(small, tmp_path):
    base, _ = small
    editions, site = copy_site(base, tmp_path)
    (site / PAGEFIND_DIR / MANIFEST).write_text("{}", encoding="utf-8")
    edit(editions, "130", "zebrafish")
    build(editions, site)
    m = manifest(site)
    assert m["recent"] is None and m["letters"] == 60


# --- failures are one line each -----------------------------------------------------------------

def test_a_missing_pagefind_binary_is_one_error_not_a_traceback(tmp_path, monkeypatch):
    import pagefind_bin

    def missing():
        raise FileNotFoundError("no binary")

    monkeypatch.setattr(pagefind_bin, "get_executable", missing)
    shutil.copytree(MINI_EDITION, tmp_path / "editions")
    outcome = recipe.build(tmp_path / "editions", tmp_path / "site")
    found = [d for d in outcome.diagnostics if d.code == "search-index"]
    assert [(d.level, d.code) for d in found] == [("error", "search-index")]
    assert "pip install" in found[0].message and "\n" not in str(found[0])


def test_an_edition_without_letters_or_persons_is_a_warning(tmp_path):
    site = tmp_path / "site"
    (site / PAGEFIND_DIR).mkdir(parents=True)
    diags, state = engine_index.update_index(site, site, {"index.html": "x"}, [], [], {}, fresh=True)
    assert [(d.level, d.code) for d in diags] == [("warning", "search-empty")]
    assert json.loads((site / PAGEFIND_DIR / MANIFEST).read_text())["letters"] == 0


def test_a_search_document_that_cannot_be_read_is_one_error(small, tmp_path):
    base, _ = small
    editions, site = copy_site(base, tmp_path)
    pages = {p.relative_to(site).as_posix(): "x" for p in (site / DOCUMENTS).rglob("*.html")}
    (site / DOCUMENTS / "letters" / "130.html").write_bytes(b"<html>no head</html>")
    diags, _ = engine_index.update_index(site, site, pages, [], [], {}, fresh=True)
    assert [(d.level, d.code) for d in diags] == [("error", "search-index")]
    assert "letters/130.html" in diags[0].message
