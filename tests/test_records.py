"""Record files round-trip: what is written reads back equal, and what is read writes back the
same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epistola.body import escape_markdown
from epistola.model import (
    DOCUMENT_KINDS,
    LETTER_ID,
    LETTER_PARTS,
    ArchiveRef,
    Correspondent,
    Letter,
    LetterDate,
    Note,
    Place,
    SourceSpan,
)
from epistola.records import dump_letter, parse_letter

ROOT = Path(__file__).resolve().parent.parent

# printable text on one line: no control characters and no line or paragraph separators
_line = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=40)
_name = _line.filter(lambda s: s.strip() != "")
_slug = st.from_regex(LETTER_ID, fullmatch=True).filter(lambda s: len(s) <= 30)
_iso = st.dates().map(lambda d: d.isoformat()) | st.integers(1000, 2100).map(str)


@st.composite
def letter_dates(draw):
    text = draw(_name)
    supplied = draw(st.booleans())
    if draw(st.booleans()):
        return LetterDate(text, draw(_iso), supplied=supplied)
    a, b = sorted([draw(st.dates()), draw(st.dates())])
    return LetterDate(text, None, a.isoformat(), b.isoformat(), supplied)


@st.composite
def bodies(draw, note_numbers):
    paragraphs = []
    for _ in range(draw(st.integers(0, 5))):
        text = escape_markdown(draw(_name).strip())
        if not text:
            continue
        if note_numbers and draw(st.booleans()):
            text += f"[^{draw(st.sampled_from(note_numbers))}]"
        part = draw(st.none() | st.sampled_from(LETTER_PARTS))
        paragraphs.append(f"{{.{part}}}\n{text}" if part else text)
    return "\n\n".join(paragraphs)


@st.composite
def letters(draw):
    numbers = draw(st.lists(st.integers(1, 300), unique=True, max_size=4))
    notes = tuple(Note(n, escape_markdown(draw(_line).strip())) for n in numbers)
    correspondent = st.builds(Correspondent, _name, st.none() | _slug)
    archive = st.none() | st.builds(ArchiveRef, _name, st.none() | _line, st.none() | _line,
                                    st.none() | _line, st.none() | _line, _line)
    return Letter(
        id=draw(_slug), number=draw(st.none() | st.integers(0, 10_000)), title=draw(_name),
        senders=tuple(draw(st.lists(correspondent, min_size=1, max_size=3))),
        recipients=tuple(draw(st.lists(correspondent, min_size=1, max_size=3))),
        date=draw(letter_dates()), place=draw(st.none() | st.builds(Place, _name, st.booleans())),
        archive=draw(archive), physical=draw(st.none() | _line), body=draw(bodies(numbers)),
        notes=notes, kind=draw(st.sampled_from(DOCUMENT_KINDS)), in_reply_to=draw(st.none() | _slug),
        source=draw(st.none() | st.builds(SourceSpan, _name, st.integers(1, 10**5),
                                          st.integers(1, 10**5))),
        unnumbered_notes=tuple(draw(st.lists(st.sampled_from(numbers), unique=True))
                               if numbers else ()),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(letters())
def test_parse_of_dump_is_the_letter(letter):
    text = dump_letter(letter)
    parsed, diags = parse_letter(text, "letter.md")
    assert [d for d in diags if d.level == "error"] == []
    assert parsed == letter
    assert dump_letter(parsed) == text


@pytest.mark.parametrize("breaking", ["\x85", "\u2028", "\u2029"], ids=["NEL", "LS", "PS"])
def test_unicode_line_breaks_in_front_matter_survive_the_round_trip(breaking):
    # YAML reads these as line breaks: written raw in a quoted scalar they fold into a space
    letter = Letter(id="1", number=1, title=f"0{breaking}0", senders=(Correspondent("A"),),
                    recipients=(Correspondent("B"),), date=LetterDate("1923", "1923"),
                    place=None, archive=None, body="", physical=f"a{breaking} b")
    text = dump_letter(letter)
    parsed, diags = parse_letter(text, "letter.md")
    assert diags == []
    assert (parsed.title, parsed.physical) == (letter.title, letter.physical)
    assert dump_letter(parsed) == text


def committed_records():
    return sorted((ROOT / "editions" / "letters").glob("*.md")) + sorted(
        (ROOT / "tests" / "fixtures" / "mini-edition" / "letters").glob("*.md"))


@pytest.mark.parametrize("path", committed_records(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_committed_records_write_back_the_same_bytes(path):
    text = path.read_text(encoding="utf-8")
    letter, diags = parse_letter(text, str(path))
    assert letter is not None, diags
    assert dump_letter(letter) == text


def test_there_are_committed_records():
    assert len(committed_records()) >= 4
