"""One note-mark parser for every view of a note: an escaped mark `\\[^2]` is text, not a mark, so
note 2 is unanchored on the page, in `check`, in letters.json and letters.csv, and in the TEI,
all alike (they once disagreed: the data files called it anchored)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from epistola.engine.recipe import check, make_all

MINI = Path(__file__).parent / "fixtures" / "mini-edition"
TEI = {"t": "http://www.tei-c.org/ns/1.0"}
ESCAPED = r"the circular on excesses\[^2]."


@pytest.fixture(scope="module")
def escaped(tmp_path_factory) -> Path:
    """The mini edition with the only mark of note 2 of No. 174 escaped."""
    editions = Path(shutil.copytree(MINI, tmp_path_factory.mktemp("escaped") / "editions"))
    record = editions / "letters" / "174.md"
    text = record.read_text(encoding="utf-8")
    assert text.count("[^2]") == 2  # the mark and the definition
    record.write_text(text.replace("the circular on excesses[^2].", ESCAPED), encoding="utf-8")
    return editions


@pytest.fixture(scope="module")
def files(escaped) -> dict[str, bytes]:
    made, _ = make_all(escaped)
    return made


def test_the_page_shows_the_escaped_mark_as_text_and_the_note_as_unanchored(files):
    doc = lxml.html.fromstring(files["letters/174/index.html"])
    assert doc.xpath('//a[@href="#note-2"]') == [] and doc.xpath('//a[@href="#note-1"]')
    assert "the circular on excesses[^2]." in doc.xpath('//section[@class="letter-text"]')[0] \
        .text_content()
    assert not doc.xpath('//*[contains(@class, "supplied")][contains(., "^2")]')  # not the editors'
    note = doc.get_element_by_id("note-2")
    assert "unanchored" in note.get("class")
    assert note.xpath('.//a[@role="doc-backlink"]') == []


def test_check_warns_that_the_note_has_no_mark(escaped, tmp_path):
    outcome = check(escaped, tmp_path / "site")
    found = [(Path(d.path).name, d.code) for d in outcome.diagnostics if d.level != "note"]
    assert found == [("174.md", "note-unanchored")]
    assert any("note 2 has no mark [^2]" in d.message for d in outcome.diagnostics)


def test_letters_json_and_letter_json_call_the_note_unanchored(files):
    listed = {e["id"]: e for e in json.loads(files["data/letters.json"])["letters"]}
    own = json.loads(files["letters/174/letter.json"])
    for entry in (listed["174"], own):
        assert [(n["n"], n["anchored"]) for n in entry["notes"]] == [(1, True), (2, False)]


def test_letters_csv_lists_the_note_as_unanchored(files):
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(files["data/letters.csv"].decode(),
                                                           newline=""))}
    assert rows["174"]["unanchored_notes"] == "2"


def test_the_tei_has_no_anchor_for_the_note_and_flags_it(files):
    doc = etree.fromstring(files["letters/174/tei.xml"])
    anchors = doc.xpath("//t:body//t:ref[@type='noteAnchor']/@target", namespaces=TEI)
    assert anchors == ["#note-1"]
    [note] = doc.xpath("//t:back//t:note[@n='2']", namespaces=TEI)
    assert note.get("subtype") == "unanchored" and note.get("target") is None
    # kept as written, as text: an escaped bracket is the text's own, not the editors'
    assert "excesses[^2]." in "".join(doc.xpath("//t:body//text()", namespaces=TEI))
    assert not doc.xpath("//t:body//t:supplied[contains(., '^2')]", namespaces=TEI)


def test_an_unescaped_mark_anchors_the_note_in_every_view():
    """The same checks hold the other way on the edition as it is."""
    made, diags = make_all(MINI)
    assert not [d for d in diags if d.level != "note"]
    page = lxml.html.fromstring(made["letters/174/index.html"])
    assert page.xpath('//a[@href="#note-2"]')
    entry = json.loads(made["letters/174/letter.json"])
    assert [n["anchored"] for n in entry["notes"]] == [True, True]
    tei = etree.fromstring(made["letters/174/tei.xml"])
    assert tei.xpath("//t:body//t:ref[@type='noteAnchor']/@target", namespaces=TEI) == \
        ["#note-1", "#note-2"]
