"""What the open-data files say: letters.json and letters.csv, each letter's JSON and TEI, the CMIF
file and the sitemap, checked against the records they come from.

Schema validation is in test_export_validation.py; here the content is checked: who wrote to
whom, the archival citation, the letter parts, the notes as printed and where their marks are.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from epistola.body import parse_body, plain_text
from epistola.export.xmlutil import date_evidence
from epistola.model import LetterDate
from epistola.records import EDITION_KEYS, letter_to_front_matter
from test_export_validation import EDITIONS, MINI, export, load_site, records, write_edge

TEI = "http://www.tei-c.org/ns/1.0"
NS = {"t": TEI}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
MINI_BASE = "https://example.org/mini/"

needs_editions = pytest.mark.skipif(not any((EDITIONS / "letters").glob("*.md")),
                                    reason="editions/letters is empty: run build.py ingest")


@pytest.fixture(scope="module")
def mini():
    """The facts of the mini edition (site.Site), its data files and its diagnostics."""
    files, diags = export(MINI)
    return load_site(MINI), files, diags


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    root = write_edge(tmp_path_factory.mktemp("edge") / "editions")
    files, diags = export(root)
    return load_site(root), files, diags


@pytest.fixture(scope="module")
def real():
    files, diags = export(EDITIONS)
    return load_site(EDITIONS), files, diags


def copy_of(root: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(root, tmp_path / "editions"))


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def tei_doc(files, letter_id) -> etree._Element:
    return etree.fromstring(files[f"letters/{letter_id}/tei.xml"])


def one(doc, path) -> etree._Element:
    found = doc.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {len(found)} matches"
    return found[0]


def text_of(el) -> str:
    return "".join(el.itertext())


# --- the file set ----------------------------------------------------------------------------

def test_every_file_is_there(mini):
    site, files, diags = mini
    assert diags == []
    assert sorted(files) == [
        "data/cmif.xml", "data/letters.csv", "data/letters.json",
        "letters/174/citation.bib", "letters/174/citation.ris",
        "letters/174/letter.json", "letters/174/tei.xml",
        "letters/176/citation.bib", "letters/176/citation.ris",
        "letters/176/letter.json", "letters/176/tei.xml",
        "sitemap.xml",
    ]
    assert all(isinstance(data, bytes) and data.endswith(b"\n") for data in files.values())


def test_same_input_same_bytes(mini, tmp_path):
    site, files, _ = mini
    again, _ = export(MINI)
    assert again == files
    # the order the records are read in (their file names') does not matter either
    root = copy_of(MINI, tmp_path)
    (root / "letters" / "174.md").rename(root / "letters" / "z.md")
    (root / "letters" / "176.md").rename(root / "letters" / "a.md")
    shuffled, diags = export(root)
    assert {d.code for d in diags} == {"id-filename"}
    assert shuffled == files


def test_nothing_comes_from_the_clock(mini):
    """The only dates in the files are the edition's and the letters'."""
    corpus, files = mini[0].corpus, mini[1]
    dates = set()
    for path, data in files.items():
        dates |= set(re.findall(rb"\b(?:19|20)\d\d-\d\d-\d\d\b", data))
    letters = {letter.date.when.encode() for letter in corpus.letters if letter.date.when}
    assert dates <= letters | {corpus.edition.published.encode()}


# --- letters.json ----------------------------------------------------------------------------

def test_letters_json_has_the_edition_and_each_letter_in_date_order(mini):
    corpus, files = mini[0].corpus, mini[1]
    raw = files["data/letters.json"]
    data = json.loads(raw)
    assert list(data) == ["edition", "letters"]
    # every key of edition.yaml but those that say where a TEI edition keeps its files
    assert list(data["edition"]) == [k for k in EDITION_KEYS if k not in ("letters", "registers")]
    assert data["edition"]["title"] == corpus.edition.title
    assert data["edition"]["compilers"] == list(corpus.edition.compilers)
    assert [entry["id"] for entry in data["letters"]] == ["174", "176"]
    assert "–".encode() in raw, "non-ASCII text is written as is, not escaped"
    assert raw.startswith(b'{\n  "edition": {\n    "title": ')


def test_letters_json_entry_is_the_record_plus_url_and_notes(mini):
    site, files, _ = mini
    entries = {e["id"]: e for e in json.loads(files["data/letters.json"])["letters"]}
    for letter in records(site):
        entry = entries[letter.id]
        front = letter_to_front_matter(letter)
        assert list(entry) == [*front, "url", "text", "notes"], "the record's key order is kept"
        assert {k: entry[k] for k in front} == json.loads(json.dumps(front))
        assert entry["url"] == f"{MINI_BASE}letters/{letter.id}/"  # as in the CSV
        paragraphs = parse_body(letter.body)[0]
        assert [(p["id"], p["part"]) for p in entry["text"]] == \
            [(f"p{i}", block.part) for i, block in enumerate(paragraphs, start=1)]
    e174 = entries["174"]
    assert e174["date"] == {"text": "November 10 [1923]", "when": "1923-11-10", "supplied": True}
    assert e174["archive"]["folios"] == "2-7"
    assert [n["n"] for n in e174["notes"]] == [1, 2]
    assert all(n["anchored"] for n in e174["notes"])
    assert e174["notes"][1]["text"].startswith("Circular of the Central Committee")
    assert e174["text"][3]["text"].startswith("When [I] was in Moscow with a report")
    assert e174["text"][3]["text"].endswith("did not manage to speak in person.")  # no mark
    assert entries["176"]["in_reply_to"] == "174"
    assert entries["176"]["unnumbered_notes"] == [1]


def test_unanchored_notes_are_flagged_in_json(edge):
    _, files, _ = edge
    entry = json.loads(files["letters/x-1/letter.json"])
    assert [(n["n"], n["anchored"]) for n in entry["notes"]] == [(1, True), (2, True), (3, False)]
    assert entry["notes"][1]["text"] == "Second note with emphasis and [...]."


def test_letter_json_is_the_list_entry_plus_the_edition(mini):
    corpus, files = mini[0].corpus, mini[1]
    listed = {e["id"]: e for e in json.loads(files["data/letters.json"])["letters"]}
    for letter in corpus.letters:
        own = json.loads(files[f"letters/{letter.id}/letter.json"])
        assert own.pop("edition") == {"title": corpus.edition.title, "url": MINI_BASE}
        assert own == listed[letter.id]


# --- letters.csv -----------------------------------------------------------------------------

CSV_HEADER = ("id,number,title,kind,date_text,when,not_before,not_after,date_supplied,place,"
              "place_supplied,senders,recipients,sender_refs,recipient_refs,repository,fond,opis,"
              "delo,folios,archive_text,physical,in_reply_to,url,notes_count,unanchored_notes")


def csv_rows(files) -> list[dict[str, str]]:
    text = files["data/letters.csv"].decode("utf-8")
    assert text.splitlines()[0] == CSV_HEADER
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_one_row_a_letter(mini):
    corpus, files = mini[0].corpus, mini[1]
    rows = csv_rows(files)
    assert [r["id"] for r in rows] == [letter.id for letter in corpus.letters]
    r174, r176 = rows
    assert r174["date_text"] == "November 10 [1923]" and r174["date_supplied"] == "true"
    assert (r174["repository"], r174["fond"], r174["opis"], r174["delo"], r174["folios"]) == \
        ("RTsKhIDNI", "558", "1", "2565", "2-7")
    assert r174["archive_text"] == "RTSKHIDNI. F. 558. On. 1. D. 2565. L. 2-7."
    assert r174["url"] == MINI_BASE + "letters/174/"
    assert r174["place"] == "Poltava" and r176["place"] == ""
    assert r176["in_reply_to"] == "174"
    assert (r176["notes_count"], r176["unanchored_notes"]) == ("2", "")


def test_csv_lists_share_a_cell_and_keep_their_order(edge):
    _, files, _ = edge
    row = {r["id"]: r for r in csv_rows(files)}["x-1"]
    assert row["recipients"] == "N. N.; I. V. Stalin"
    assert row["recipient_refs"] == "; stalin", "refs stay aligned with names"
    assert (row["not_before"], row["not_after"], row["when"]) == ("1923-10", "1923-12", "")
    assert row["unanchored_notes"] == "3"
    assert row["place_supplied"] == "true"


# --- TEI: header -----------------------------------------------------------------------------

def test_tei_correspdesc_sent_and_received(mini):
    doc = tei_doc(mini[1], "174")
    desc = one(doc, "//t:profileDesc/t:correspDesc")
    assert desc.get("ref") == MINI_BASE + "letters/174/"
    sent = one(desc, "t:correspAction[@type='sent']")
    assert one(sent, "t:persName").get("ref") == MINI_BASE + "persons/magidov/"
    assert text_of(one(sent, "t:persName")) == "B. I. Magidov"
    assert text_of(one(sent, "t:placeName")) == "Poltava"
    date = one(sent, "t:date")
    assert date.get("when") == "1923-11-10" and date.get("evidence") == "conjecture"
    assert text_of(date) == "November 10 1923"
    assert text_of(one(date, "t:supplied")) == "1923"
    received = one(desc, "t:correspAction[@type='received']")
    assert one(received, "t:persName").get("ref") == MINI_BASE + "persons/stalin/"


def test_tei_links_neighbours_and_replies(mini):
    def links(letter_id):
        doc = tei_doc(mini[1], letter_id)
        return sorted((r.get("type"), r.get("subtype") or "", r.get("target"))
                      for r in doc.xpath("//t:correspContext/t:ref", namespaces=NS))

    url174, url176 = MINI_BASE + "letters/174/", MINI_BASE + "letters/176/"
    assert links("174") == [("next", "withinCollection", url176),
                            ("next", "withinCorrespondence", url176), ("reply", "", url176)]
    assert links("176") == [("prev", "withinCollection", url174),
                            ("prev", "withinCorrespondence", url174), ("replyTo", "", url174)]


def test_tei_ms_identifier_keeps_the_citation(mini):
    doc = tei_doc(mini[1], "174")
    ident = one(doc, "//t:sourceDesc/t:msDesc/t:msIdentifier")
    assert text_of(one(ident, "t:repository")) == "RTsKhIDNI"
    assert [(i.get("type"), i.text) for i in ident.xpath("t:idno", namespaces=NS)] == \
        [("fond", "558"), ("opis", "1"), ("delo", "2565")]
    assert one(ident, "t:altIdentifier/t:idno[@type='citation']").text == \
        "RTSKHIDNI. F. 558. On. 1. D. 2565. L. 2-7."
    locus = one(doc, "//t:msDesc/t:msContents/t:msItem/t:locus")
    assert (locus.text, locus.get("from"), locus.get("to")) == ("2-7", "2", "7")
    assert text_of(one(doc, "//t:msDesc/t:physDesc/t:p")) == \
        "Typewritten text. The signature is an autograph."
    scope = one(doc, "//t:sourceDesc/t:bibl[@xml:id='print-edition']/t:biblScope")
    assert scope.get("n") == "174"


def test_tei_header_names_the_edition(mini):
    corpus, files = mini[0].corpus, mini[1]
    doc = tei_doc(files, "176")
    assert one(doc, "//t:titleStmt/t:title").text == "I. V. Stalin to B. I. Magidov"
    assert [e.text for e in doc.xpath("//t:titleStmt/t:editor[@role='compiler']", namespaces=NS)] \
        == list(corpus.edition.compilers)
    licence = one(doc, "//t:publicationStmt/t:availability/t:licence")
    assert licence.get("target") == corpus.edition.licence_url
    assert one(doc, "//t:publicationStmt/t:date").get("when") == corpus.edition.published
    assert doc.get(XML_ID) == "letter-176"


# --- TEI: body and notes ---------------------------------------------------------------------

def test_tei_body_has_the_letter_parts(mini):
    doc = tei_doc(mini[1], "174")
    div = one(doc, "//t:body/t:div[@type='letter']")
    assert [etree.QName(c).localname for c in div] == ["opener", "p", "p", "p", "closer"]
    assert [text_of(a) for a in div.xpath("t:opener/t:address/t:addrLine", namespaces=NS)] == \
        ["Secretary of the Central Committee of the RCP.", "comrade STALIN."]
    assert one(div, "t:opener/t:salute").text == "Dear comrade."
    closer = one(div, "t:closer")
    assert [etree.QName(c).localname for c in closer] == ["salute", "signed", "dateline"]
    assert one(closer, "t:dateline").xpath("count(t:lb)", namespaces=NS) == 1
    assert text_of(one(div, "t:p[2]/t:supplied")) == "I"


def test_tei_names_are_linked_to_the_register(mini):
    doc = tei_doc(mini[1], "176")
    names = {(text_of(n), n.get("ref")) for n in doc.xpath("//t:text//t:persName", namespaces=NS)}
    assert ("Yaroslavsky", MINI_BASE + "persons/yaroslavsky/") in names  # in the body
    assert ("MAGIDOV", MINI_BASE + "persons/magidov/") in names
    note = one(doc, "//t:note[@n='1']")
    assert one(note, "t:persName").get("ref") == MINI_BASE + "persons/yaroslavsky/"
    doc = tei_doc(mini[1], "174")
    address = one(doc, "//t:opener/t:address/t:addrLine[2]/t:persName")
    assert (address.text, address.get("ref")) == ("STALIN", MINI_BASE + "persons/stalin/")


def test_tei_postscripts_headings_and_closers(edge):
    doc = tei_doc(edge[1], "x-1")
    div = one(doc, "//t:body/t:div[@type='letter']")
    assert [etree.QName(c).localname for c in div] == \
        ["head", "opener", "p", "p", "p", "p", "closer", "postscript", "postscript"]
    assert [p.get("rend") for p in div.xpath("t:p", namespaces=NS)] == \
        [None, "heading", "salutation", None]
    first, second = div.xpath("t:postscript", namespaces=NS)
    assert [etree.QName(c).localname for c in first] == ["p", "p", "closer"]
    assert text_of(one(first, "t:closer/t:signed")) == "C."
    assert text_of(second).strip() == "P.P.S. Second."
    assert one(div, "t:p[1]/t:gap").get("reason") == "omitted"
    # markup characters in the record are text, never markup
    assert "emphasis <b>&amp;</b>" in text_of(one(div, "t:p[1]/t:hi[@rend='italic']"))


def test_tei_notes_are_numbered_as_printed_and_linked_both_ways(edge):
    doc = tei_doc(edge[1], "x-1")
    notes = doc.xpath("//t:back/t:div[@type='notes']/t:note", namespaces=NS)
    assert [(n.get("n"), n.get(XML_ID), n.get("target"), n.get("subtype")) for n in notes] == [
        ("1", "note-1", "#ref-1 #ref-1-2", None),
        ("2", "note-2", "#ref-2", None),
        ("3", "note-3", None, "unanchored"),
    ]
    assert one(notes[2], "t:label/t:supplied").text == "3", "the supplied number is marked"
    marks = doc.xpath("//t:body//t:ref[@type='noteAnchor']", namespaces=NS)
    assert [(m.text, m.get(XML_ID), m.get("target")) for m in marks] == [
        ("1", "ref-1", "#note-1"), ("1", "ref-1-2", "#note-1"),
        ("9", "ref-9", None),  # a mark whose note the record does not have points nowhere
        ("2", "ref-2", "#note-2"),
    ]


@pytest.mark.parametrize("which", ["mini", "edge", pytest.param("real", marks=needs_editions)])
def test_tei_ids_are_unique_and_every_pointer_resolves(which, request):
    site, files, _ = request.getfixturevalue(which)
    for letter in site.corpus.letters:
        doc = tei_doc(files, letter.id)
        ids = [el.get(XML_ID) for el in doc.iter() if el.get(XML_ID) is not None]
        assert len(ids) == len(set(ids)), f"{letter.id}: duplicate xml:id"
        assert all(re.fullmatch(r"[A-Za-z_][\w.-]*", i) for i in ids), ids
        for el in doc.iter():
            for target in (el.get("target") or "").split():
                if target.startswith("#"):
                    assert target[1:] in ids, f"{letter.id}: {target} points nowhere"


@pytest.mark.parametrize("which", ["mini", "edge", pytest.param("real", marks=needs_editions)])
def test_tei_body_keeps_every_word_of_the_record(which, request):
    """Read back with its brackets, each body element says what the record's paragraph says."""
    site, files, _ = request.getfixturevalue(which)
    for letter in records(site):
        doc = tei_doc(files, letter.id)
        blocks, _ = parse_body(letter.body)
        for i, block in enumerate(blocks, start=1):
            el = one(doc, f"//t:body//*[@xml:id='p{i}']")
            expected = plain_text(block.inlines).replace(" ", "")
            assert _as_printed(el) == expected, f"{letter.id} p{i}"


def _as_printed(el) -> str:
    """An element's text with supplied text in brackets, gaps as [...], marks and spaces dropped."""
    out = [el.text or ""]
    for child in el:
        name = etree.QName(child).localname
        if name == "supplied":
            out.append(f"[{_as_printed(child)}]")
        elif name == "gap":
            out.append("[...]")
        elif name == "ref" and child.get("type") == "noteAnchor":
            pass
        else:
            out.append(_as_printed(child))
        out.append(child.tail or "")
    return "".join(out).replace(" ", "").replace("\n", "")


# --- CMIF ------------------------------------------------------------------------------------

def test_cmif_has_one_correspdesc_a_letter(mini):
    corpus, files = mini[0].corpus, mini[1]
    doc = etree.fromstring(files["data/cmif.xml"])
    descs = doc.xpath("//t:profileDesc/t:correspDesc", namespaces=NS)
    assert [d.get("ref") for d in descs] == [MINI_BASE + f"letters/{x.id}/" for x in corpus.letters]
    bibl_id = one(doc, "//t:sourceDesc/t:bibl").get(XML_ID)
    assert all(d.get("source") == f"#{bibl_id}" for d in descs)
    assert one(doc, "//t:publicationStmt/t:idno[@type='url']").text == MINI_BASE + "data/cmif.xml"
    assert one(doc, "//t:publicationStmt/t:date").get("when") == "2026-11-26"
    sent = one(descs[0], "t:correspAction[@type='sent']")
    assert [(c.tag.split("}")[1], c.text, c.get("ref")) for c in sent] == [
        ("persName", "B. I. Magidov", MINI_BASE + "persons/magidov/"),
        ("placeName", "Poltava", None),
        ("date", None, None),
    ]
    assert one(sent, "t:date").get("when") == "1923-11-10"


def test_cmif_ranges_and_undated_letters(edge):
    doc = etree.fromstring(edge[1]["data/cmif.xml"])
    by_key = {d.get("key"): d for d in doc.xpath("//t:correspDesc", namespaces=NS)}
    date = one(by_key["x-1"], "t:correspAction[@type='sent']/t:date")
    assert (date.get("notBefore"), date.get("notAfter"), date.get("when")) == \
        ("1923-10", "1923-12", None)
    assert one(by_key["x-1"], "t:correspAction[@type='sent']/t:orgName").text == "The Committee"
    assert by_key["x-2"].xpath("count(.//t:date)", namespaces=NS) == 0


# --- sitemap and diagnostics -----------------------------------------------------------------

def test_sitemap_lists_every_page(mini):
    files = mini[1]
    doc = etree.fromstring(files["sitemap.xml"])
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = doc.xpath("//s:url/s:loc/text()", namespaces=ns)
    assert locs == [MINI_BASE + page for page in [
        "", "letters/", "letters/174/", "letters/176/", "persons/", "persons/magidov/",
        "persons/stalin/", "persons/yaroslavsky/", "archive/", "about/", "search/", "timeline/",
        "network/"]]
    assert set(doc.xpath("//s:url/s:lastmod/text()", namespaces=ns)) == {"2026-11-26"}


def test_without_a_publication_date_cmif_is_left_out_with_a_warning(tmp_path):
    root = copy_of(MINI, tmp_path)
    replace_in(root / "edition.yaml", "published: '2026-11-26'\n", "")
    files, diags = export(root)
    assert "data/cmif.xml" not in files
    assert [(d.level, d.code) for d in diags] == [("warning", "export-no-date")]
    assert str(diags[0]).startswith(f"{root}/edition.yaml:1: warning: ")
    assert b"<lastmod>" not in files["sitemap.xml"]
    files, diags = export(root, build_date="2027-01-02")
    assert diags == [] and b'<date when="2027-01-02"/>' in files["data/cmif.xml"]


def test_base_url_without_trailing_slash(edge):
    corpus, files = edge[0].corpus, edge[1]
    assert corpus.edition.base_url == "https://example.org/edge"
    assert b"https://example.org/edge/letters/x-1/" in files["data/cmif.xml"]
    assert b"https://example.org/edgeletters" not in files["sitemap.xml"]


# --- the bundled edition ---------------------------------------------------------------------

@needs_editions
def test_real_edition_173(real):
    site, files, diags = real
    assert [d for d in diags if d.level == "error"] == []
    letter = site.read("reading", "173")
    doc = tei_doc(files, "173")
    locus = one(doc, "//t:msItem/t:locus")
    assert (locus.text, locus.get("from"), locus.get("to")) == ("1-5", "1", "5")
    assert one(doc, "//t:msIdentifier/t:altIdentifier/t:idno").text == \
        "RTSKHIDNI. F. 558. On. 2. D. 137. L. 1-5."
    notes = doc.xpath("//t:back//t:note", namespaces=NS)
    assert [int(n.get("n")) for n in notes] == [note.n for note in letter.notes]
    unanchored = {int(n.get("n")) for n in notes if n.get("subtype") == "unanchored"}
    assert unanchored == {n.n for n in letter.notes if not n.anchored}
    assert unanchored == {n for n, anchored in site.corpus.by_id["173"].notes if not anchored}
    assert unanchored, "No. 173 has notes whose marks the source lost"
    assert all(n.get("target") is None for n in notes if n.get("subtype") == "unanchored")
    assert doc.xpath("count(//t:body//t:postscript)", namespaces=NS) >= 1


@needs_editions
def test_real_edition_replies_are_linked_both_ways(real):
    corpus, files = real[0].corpus, real[1]
    for letter in corpus.letters:
        if letter.in_reply_to:
            reply = one(tei_doc(files, letter.id), "//t:correspContext/t:ref[@type='replyTo']")
            assert reply.get("target").endswith(f"/letters/{letter.in_reply_to}/")
            answered = tei_doc(files, letter.in_reply_to)
            assert answered.xpath(f"//t:correspContext/t:ref[@type='reply'][contains(@target, "
                                  f"'/letters/{letter.id}/')]", namespaces=NS)
    rows = csv_rows(files)
    assert len(rows) == len(json.loads(files["data/letters.json"])["letters"]) == 4


def test_a_control_character_costs_one_character_not_the_file(tmp_path):
    root = copy_of(MINI, tmp_path)
    replace_in(root / "letters" / "174.md", "Dear comrade.", "Dear\x0bcomrade.")
    files, diags = export(root)
    assert [str(d) for d in diags] == [
        f"{root}/letters/174.md:27: warning: character U+000B cannot appear "
        "in XML; the TEI file shows U+FFFD in its place: delete it or type the character meant "
        "[export-bad-character]"]
    salute = one(tei_doc(files, "174"), "//t:opener/t:salute")
    assert salute.text == "Dear\ufffdcomrade."
    assert json.loads(files["letters/174/letter.json"])["id"] == "174"


def test_a_control_character_in_the_edition_source_costs_one_character(tmp_path):
    """The printed source named in edition.yaml (ingest takes it from the source text's
    heading, which may hold anything) goes into every TEI file's sourceDesc."""
    root = copy_of(MINI, tmp_path)
    replace_in(root / "edition.yaml", "source: 'Bolshevik leadership. Correspondence. 1912-1927. "
               "Collection of documents. 1996.'", 'source: "Stalin\\e Collection, 1996"')
    files, diags = export(root)
    bibl = one(tei_doc(files, "174"), "//t:sourceDesc/t:bibl[@type='print']")
    assert bibl.text.startswith("Stalin\ufffd Collection, 1996")
    assert [str(d) for d in diags if d.code == "export-bad-character"] == [
        f"{root}/edition.yaml:1: warning: character U+001B in 'source' cannot "
        "appear in XML; the TEI and CMIF files show U+FFFD in its place: delete it or type the "
        "character meant [export-bad-character]"]


def test_a_control_character_in_the_front_matter_is_reported_at_its_key(tmp_path):
    """A YAML escape ("\\e") puts a control character in a front-matter value."""
    root = copy_of(MINI, tmp_path)
    record = root / "letters" / "174.md"
    replace_in(record, "title: B. I. Magidov to I. V. Stalin", 'title: "Magidov\\e to Stalin"')
    files, diags = export(root)
    bad = [d for d in diags if d.code == "export-bad-character"]
    line = record.read_text(encoding="utf-8").splitlines().index('title: "Magidov\\e to Stalin"')
    assert [(d.path, d.line) for d in bad] == [(str(record), line + 1)]
    assert "U+001B in 'title'" in bad[0].message
    assert one(tei_doc(files, "174"), "//t:titleStmt/t:title").text.startswith("Magidov\ufffd")


def test_every_character_xml_cannot_hold_is_unprintable():
    """xml_safe passes a printable text as it is, without its regular expression: that holds
    only while no printable character is one XML cannot hold."""
    from epistola.export.xmlutil import NOT_XML, xml_safe

    assert not [hex(c) for c in range(0x110000)
                if chr(c).isprintable() and NOT_XML.match(chr(c))]
    assert xml_safe("a\x0bb\ud800c\uffff") == "a\ufffdb\ufffdc\ufffd"
    assert xml_safe("Trotsky\n\t[sic]") == "Trotsky\n\t[sic]"


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES)
def test_the_json_files_are_written_as_json_writes_them_with_two_spaces(value):
    """letters.json and letter.json are written byte for byte as
    json.dumps(..., ensure_ascii=False, indent=2) writes them (letters.json is joined from a
    piece per letter)."""
    from epistola.export.tabular import to_json

    assert to_json(value) == (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


@pytest.mark.parametrize("date, evidence", [
    (LetterDate("1891-08-16", when="1891-08-16", supplied=True, reading="internal"), "internal"),
    (LetterDate("[1891]", when="1891", supplied=True, reading="external, certainty high"),
     "external"),
    (LetterDate("1891", when="1891", supplied=True, reading="conjecture"), "conjecture"),
    (LetterDate("November 10 [1923]", when="1923-11-10", supplied=True), "conjecture"),
    (LetterDate("[before 1923]", not_after="1923", supplied=True, reading="no later than"),
     "conjecture"),
    (LetterDate("November 10 1923", when="1923-11-10"), None),
])
def test_a_date_s_evidence_is_the_source_s_own_when_it_gave_one(date, evidence):
    assert date_evidence(date) == evidence
    # (CMIF's schema allows "conjecture" only: an inferred date, whatever the evidence)
    assert date_evidence(date, cmif=True) == ("conjecture" if evidence else None)
