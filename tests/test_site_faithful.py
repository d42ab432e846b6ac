"""The published letter pages say what the printed edition says: read back from the built site, each
letter's text and notes hold exactly the words and punctuation of its section of the source, in
the same order, with only the note numbers taken out (they become note marks and note numbers).

The source is cut into letters here with nothing but its "No. N" lines, so this test does not lean
on the ingest code it checks.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import lxml.html
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "sources" / "bolshevik-correspondence-1923-nos-173-176.txt"

# Note marks as the printed text has them, in reading order (issue: "marks in the body for notes
# 1, 2, 3, 5, 6, 7, 10, 11, 12 and for no other number").
MARKS = {"173": [1, 2, 3, 5, 6, 7, 10, 11, 12], "174": [1, 2], "175": [1, 2, 3, 4], "176": [1, 2]}
UNANCHORED = {"173": [4, 8, 9], "174": [], "175": [], "176": []}

# A note line starts with its number, sometimes glued to the text ("2On September") or followed by
# a stray period ("11 . In October"); two notes lost their number altogether.
NOTE_NUMBER = re.compile(r"(\d+)(?:\s*\.(?=\s))?\s*")


def tokens(text: str) -> list[str]:
    """Words, numbers and punctuation marks, each a token; spacing does not count, so "Moscow4 ."
    and "Moscow." differ only by the token "4"."""
    return re.findall(r"[^\W\d_]+|\d+|[^\w\s]", text)


def sections() -> dict[str, list[str]]:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if re.fullmatch(r"No\. \d+", line.strip())]
    return {lines[s].split()[1]: lines[s:e] for s, e in zip(starts, starts[1:] + [len(lines)])}


def split_section(section: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(header, text lines, archival line, note lines) of one letter's section."""
    archive = next(i for i, line in enumerate(section) if line.startswith("RTSKHIDNI"))
    notes = section.index("Notes:")
    assert notes == archive + 1
    return section[:3], section[3:archive], [section[archive]], section[notes + 1:]


def text_of(element) -> str:
    """Text content with a space for each line break (an address keeps its lines as <br>)."""
    element = lxml.html.fromstring(lxml.html.tostring(element))
    for br in element.iter("br"):
        br.tail = " " + (br.tail or "")
    return element.text_content()


def without_marks(paragraph) -> tuple[str, list[int]]:
    paragraph = lxml.html.fromstring(lxml.html.tostring(paragraph))
    numbers = []
    for sup in paragraph.xpath('.//sup[a[@role="doc-noteref"]]'):
        numbers.append(int(sup.xpath("a")[0].text_content()))
        sup.drop_tree()
    return text_of(paragraph), numbers


def differences(printed: list[str], published: list[str]) -> list[tuple[str, list[str], list[str]]]:
    matcher = difflib.SequenceMatcher(a=printed, b=published, autojunk=False)
    return [(op, printed[i1:i2], published[j1:j2])
            for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"]


@pytest.fixture(scope="module")
def pages(edition_site) -> dict[str, lxml.html.HtmlElement]:
    return {letter_id: lxml.html.fromstring((edition_site / "letters" / letter_id / "index.html").read_bytes())
            for letter_id in MARKS}


def test_the_source_has_the_four_letters():
    assert sorted(sections()) == sorted(MARKS)


@pytest.mark.parametrize("letter_id", sorted(MARKS))
def test_letter_text_is_the_printed_text_less_its_note_numbers(pages, letter_id):
    _, text_lines, _, _ = split_section(sections()[letter_id])
    printed = tokens(" ".join(text_lines))
    doc = pages[letter_id]
    published, marks = [], []
    for paragraph in doc.xpath('//section[contains(@class, "letter-text")]/p'):
        text, numbers = without_marks(paragraph)
        published += tokens(text)
        marks += numbers
    assert marks == MARKS[letter_id]
    # The only tokens the page may lack are the note numbers of the marks, in the order printed;
    # nothing added, nothing else lost, nothing repeated.
    diff = differences(printed, published)
    assert all(op == "delete" and len(lost) == 1 and lost[0].isdigit() for op, lost, _ in diff), diff
    assert [int(lost[0]) for _, lost, _ in diff] == MARKS[letter_id]


@pytest.mark.parametrize("letter_id", sorted(MARKS))
def test_notes_are_the_printed_notes_numbered_as_printed(pages, letter_id):
    _, _, _, note_lines = split_section(sections()[letter_id])
    notes = pages[letter_id].xpath('//*[@role="doc-endnotes"]//li[starts-with(@id, "note-")]')
    assert len(notes) == len(note_lines)
    for position, (line, note) in enumerate(zip(note_lines, notes), start=1):
        number = NOTE_NUMBER.match(line)
        n = int(note.get("id").removeprefix("note-"))
        assert n == position  # this source numbers its notes 1, 2, 3 ... in each letter
        flags = note.xpath('string(.//*[@class="note-flags"])')
        if number:
            assert int(number.group(1)) == n
            printed = tokens(line[number.end():])
            assert "Number supplied" not in flags
        else:  # printed without its number: the number is the editors'
            printed = tokens(line)
            assert "Number supplied by the editors" in flags
        published = tokens(text_of(note.xpath('.//p[@class="note-text"]')[0]))
        assert published == printed, (n, differences(printed, published))
        unanchored = n in UNANCHORED[letter_id]
        assert ("unanchored" in (note.get("class") or "")) == unanchored
        assert ("Mark lost in the source" in flags) == unanchored
        assert bool(note.xpath('.//a[@role="doc-backlink"]')) == (not unanchored)


@pytest.mark.parametrize("letter_id", sorted(MARKS))
def test_heading_archive_and_description_as_printed(pages, letter_id):
    header, _, archive, _ = split_section(sections()[letter_id])
    doc = pages[letter_id]
    number, title, date = header
    h1 = doc.xpath("//h1")[0].text_content()
    assert tokens(h1) == tokens(number) + tokens(title.replace(" - ", " to "))
    meta = doc.xpath('//dl[@class="letter-meta"]')[0]
    # the date as printed stands beside the date in the edition's style where it says more;
    # elsewhere the two say the same, in another order
    shown = meta.xpath('string(.//dt[text()="Date"]/following-sibling::dd[1]'
                       '//span[@class="printed"])')
    if shown:
        assert shown == f"as printed: {date}"
    else:
        shown = meta.xpath('string(.//dt[text()="Date"]/following-sibling::dd[1]//time)')
        assert sorted(tokens(shown)) == sorted(t for t in tokens(date) if t != ","), (shown, date)
    # the archival line as printed, beside the citation in the usual abbreviations when they
    # differ by more than the case of the archive's name and the dash of the folios; then the
    # description
    cited = meta.xpath('.//dt[text()="Archive"]/following-sibling::dd[1]')[0]
    printed = cited.xpath('string(.//span[@class="printed"])').removeprefix("as printed: ") \
        or cited.xpath('string(.//span[@class="verbatim"])')
    description = meta.xpath('string(.//dt[text()="Description"]/following-sibling::dd[1])')

    def loosely(text: str) -> list[str]:
        return tokens(text.casefold().replace("\u2013", "-"))

    assert loosely(printed + " " + description) == loosely(archive[0])
