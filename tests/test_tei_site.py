"""The TEI letters on the built site, against an independent reading of the same files.

tests/tei_reference.py reads each TEI letter with plain XPath (not the project's reader); here
every letter page of a site built from the TEI edition is held against that reading:

- every word of the letter's text is on its page, in order (compared as one run of characters,
  so that a word a line break splits in the file and the page joins still counts once);
- every commentary note is on the page, its mark in the text links to it and it links back;
- every entity reference of the text and the notes is a link to a register page the site has;
- the senders and addressees are named at the top of the page.

On the committed sample always; on the whole edition when EPISTOLA_TEI_CORPUS names its folder
(an unpacked schnitzler-briefe-data with an edition.yaml, as bench/tei_bench.py prepares it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from lxml import html

from epistola.engine.recipe import make_all
from tei_reference import read_letter

ROOT = Path(__file__).resolve().parent
SAMPLE = ROOT / "fixtures" / "schnitzler-briefe"
WORD = re.compile(r"[^\W_]+")
REGISTER_OF = {"person": "persons", "place": "places", "organisation": "organisations",
               "work": "works"}


def _letter_id(path: Path) -> str:
    return path.stem.lower()


def _page_words(data: bytes) -> str:
    """The words of the letter's text on its page, run together (note marks, the legend and
    the hidden labels of page breaks left out)."""
    text = html.fromstring(data).xpath('//section[contains(@class, "letter-text")]')[0]
    for el in text.xpath('.//details | .//sup | .//*[contains(@class, "visually-hidden")]'):
        el.drop_tree()
    return "".join(WORD.findall(" ".join(p.text_content() for p in text.xpath(".//p"))))


def _check(files: dict[str, bytes], letter_file: Path) -> list[str]:
    reading = read_letter(letter_file.read_bytes())
    letter_id = _letter_id(letter_file)
    data = files[f"letters/{letter_id}/index.html"]
    page = html.fromstring(data)
    problems = []

    expected = "".join(reading.words)
    shown = _page_words(data)
    if shown != expected:
        at = next((i for i, (a, b) in enumerate(zip(shown, expected)) if a != b),
                  min(len(shown), len(expected)))
        problems.append(f"text differs at character {at}: page {shown[at - 20:at + 20]!r}, "
                        f"file {expected[at - 20:at + 20]!r}")

    notes = page.xpath('//*[@role="doc-endnotes"]//li[starts-with(@id, "note-")]')
    if len(notes) != len(reading.notes):
        problems.append(f"{len(notes)} notes on the page, {len(reading.notes)} in the file")
    for note in notes:
        n = note.get("id")
        marks = page.xpath(f'//a[@role="doc-noteref"][@href="#{n}"]')
        backs = note.xpath('.//a[@role="doc-backlink"]')
        if not marks or not backs or backs[0].get("href") != f"#{marks[0].get('id')}":
            problems.append(f"{n} is not linked both ways")

    hrefs = {a.get("href") for a in page.xpath("//a[@href]")}
    for kind, ref in reading.entities:
        register = REGISTER_OF.get(kind)
        if register is None:  # (an event: the edition has no register of events)
            continue
        href = f"../../{register}/{ref}/"
        if href not in hrefs:
            problems.append(f"{kind} {ref} is not linked")
        elif f"{register}/{ref}/index.html" not in files:
            problems.append(f"{kind} {ref} links to a page the site does not have")

    top = page.xpath('//dl[contains(@class, "letter-meta")]')[0].text_content()
    for name, _ in (*reading.senders, *reading.addressees):
        if " ".join(name.split()) not in " ".join(top.split()):
            problems.append(f"correspondent {name!r} is not named at the top")
    return problems


@pytest.fixture(scope="module")
def sample_site() -> dict[str, bytes]:
    files, diags = make_all(SAMPLE)
    assert not [d for d in diags if d.level == "error"], diags
    return files


@pytest.mark.parametrize("letter_file", sorted((SAMPLE / "data" / "editions").glob("*.xml")),
                         ids=lambda p: p.stem)
def test_every_word_note_and_name_of_a_tei_letter_is_on_its_page(sample_site, letter_file):
    assert _check(sample_site, letter_file) == []


def test_the_sample_has_a_page_for_every_letter(sample_site):
    letters = sorted((SAMPLE / "data" / "editions").glob("*.xml"))
    assert len(letters) > 25
    for path in letters:
        assert f"letters/{_letter_id(path)}/index.html" in sample_site
        assert f"letters/{_letter_id(path)}/tei.xml" in sample_site
        assert sample_site[f"letters/{_letter_id(path)}/source.xml"] == path.read_bytes()


CORPUS = os.environ.get("EPISTOLA_TEI_CORPUS")


@pytest.mark.skipif(not CORPUS, reason="EPISTOLA_TEI_CORPUS names no unpacked TEI edition")
def test_the_whole_tei_edition_on_its_pages():
    corpus = Path(CORPUS)
    files, diags = make_all(corpus)
    assert not [d for d in diags if d.level == "error"]
    failures = {}
    for path in sorted(corpus.glob("data/editions/*.xml")):
        problems = _check(files, path)
        if problems:
            failures[path.name] = problems
    assert not failures, f"{len(failures)} letters differ; first: {list(failures.items())[:5]}"
