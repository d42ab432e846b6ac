"""The ingest never raises on any text: it returns records and diagnostics instead. Whatever it
returns is a record that writes and reads back equal, with a body that reads as printed."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epistola.body import escape_markdown, parse_body, plain_text
from epistola.ingest.core import ingest_text
from epistola.ingest.dates import parse_date, parse_dateline, parse_short_date
from epistola.ingest.headers import parse_heading
from epistola.ingest.notes import apply_marks, parse_notes, place_marks
from epistola.ingest.parts import mark_parts, paragraphs
from epistola.ingest.segment import source_lines
from epistola.records import dump_letter, parse_letter

# pieces of the collection's layouts, so that generated sources reach every rule
_PIECES = [
    "No. 1", "No. 2", "No. 17", "Notes:", "G. L. Pyatakov to I. V. Stalin", "I. V. Stalin - B. I. Magidov",
    "Telegram of A. B. Cde to D. E. Fgh, I. J. Klm", "November 1, 1923", "November 10 [1923]",
    "[late January 1918]", "22/XI-23", "27/II", "Berlin, 1.XI.1923", "Poltava", "T. Stalin 1 .",
    "Dear comrade St[alin]! I am replying", "1. Pro domo sua", "1) Party.", "Arvid 10 .",
    "I 3should", "Moscow4 .", "have spoken out .", "PS I am", "PSS The", "A[rvid].",
    "RTSKHIDNI. F. 558. On. 2. D. 137. L. 1-5. Typewritten text.", "1 At the top", "2On September",
    "11 . In October", "(Ibid. D. 561. L. 56-56v.)", "Marx-Engels | Lenin | Stalin | Home Page",
    "Compiled by: A.V.Kvashonkin", "Collection of documents 1996.", "\u00a0", "", "{.address}",
    "[^1]: x", "*", "_", "\\", "[", "]", "With comradely greetings, N. Krestinsky.",
]
_line = st.one_of(st.sampled_from(_PIECES), st.text(max_size=30),
                  st.lists(st.sampled_from(_PIECES + [" ", "1", "2 ", " 3 .", "."]), max_size=6)
                  .map("".join))
_sources = st.one_of(st.text(max_size=400), st.lists(_line, max_size=40).map("\n".join))
_settings = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@_settings
@given(_sources)
def test_ingest_never_raises_and_returns_sound_records(text):
    result = ingest_text(text, "source.txt")
    total = len(source_lines(text))
    for d in result.diagnostics:
        assert d.path == "source.txt" and 1 <= d.line <= total
        assert d.level == "warning"
        assert "\n" not in str(d)
    ids = [letter.id for letter in result.letters]
    assert len(ids) == len(set(ids))
    for letter in result.letters:
        dumped = dump_letter(letter)
        parsed, diags = parse_letter(dumped, "letter.md")
        assert [d for d in diags if d.level == "error"] == []
        assert parsed == letter
        blocks, problems = parse_body(letter.body)
        assert problems == []
        marked = {i.n for b in blocks for i in b.inlines if i.kind == "noteref"}
        assert marked <= {n.n for n in letter.notes}  # a mark always has its note


@_settings
@given(_line)
def test_line_parsers_never_raise(line):
    parse_heading(line)
    parse_date(line)
    parse_date(line, 1923)
    parse_short_date(line, 1923)
    parse_dateline(line, 1923)


@_settings
@given(st.lists(_line, max_size=12), st.sets(st.integers(0, 20), max_size=8))
def test_note_and_part_rules_never_raise(lines, defined):
    source = source_lines("\n".join(lines))
    notes, issues = parse_notes(source, defined)
    assert [n.n for n in notes] == sorted({n.n for n in notes})  # rising, no duplicates
    mark_parts(paragraphs(source), 1923)
    texts = [line.text.strip() for line in source]
    marks = place_marks(texts, defined)
    chosen = [c.n for p in sorted(marks) for c in sorted(marks[p], key=lambda c: c.start)]
    assert chosen == sorted(set(chosen)) and set(chosen) <= defined
    for i, text in enumerate(texts):
        apply_marks(text, marks.get(i, []), escape_markdown)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=60))
def test_escaped_text_reads_back_as_printed(text):
    """A source line with no marks becomes body Markdown that renders as the same text."""
    line = " ".join(text.split())
    if not line:
        return
    blocks, problems = parse_body(apply_marks(line, [], escape_markdown))
    assert problems == []
    assert plain_text(blocks[0].inlines) == line
