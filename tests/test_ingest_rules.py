"""The ingest rules, one fixture file each: input and expected output side by side."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from epistola.body import escape_markdown, note_marks, parse_body
from epistola.ingest.core import ingest_text
from epistola.ingest.dates import parse_date, parse_dateline
from epistola.ingest.headers import parse_heading
from epistola.ingest.notes import apply_marks, parse_notes, place_marks
from epistola.ingest.parts import mark_parts, paragraphs
from epistola.ingest.segment import source_lines

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def marks_in(body: str) -> list[int]:
    """The note numbers marked in a record's body, in reading order."""
    return note_marks(parse_body(body)[0])


def cases(name):
    found = read_fixture_file(FIXTURES / name)
    return pytest.mark.parametrize("line,title,given,expected", found, ids=[c[1] for c in found])


def lines_of(text):
    return text.rstrip("\n").split("\n")


@cases("headers.txt")
def test_headers(line, title, given, expected):
    h = parse_heading(given.strip("\n"))
    if h is None:
        got = ["(unreadable)"]
    else:
        got = [f"kind: {h.kind}"]
        got += [f"sender: {p.name}{' (org)' if p.organisation else ''}" for p in h.senders]
        got += [f"recipient: {p.name}{' (org)' if p.organisation else ''}" for p in h.recipients]
        got.append(f"title: {h.title}")
        got += [f"date: {h.date}"] * (h.date is not None)
        got += ["warning: the reading is a guess"] * (h.doubt is not None)
    assert got == lines_of(expected)


@cases("dates.txt")
def test_dates(line, title, given, expected):
    parsed = parse_date(given.strip("\n"))
    if parsed is None:
        got = ["(not a date)"]
    else:
        d = parsed.date
        assert d.text == given.strip("\n")
        got = [f"when: {d.when}" if d.when else
               f"range: {d.not_before or '(open)'} .. {d.not_after or '(open)'}"]
        got += [f"alternative: {d.alternative}"] * (d.alternative is not None)
        got += [f"reading: {d.reading}"] * (d.reading is not None)
        got += ["supplied"] * d.supplied + ["approximate"] * parsed.approximate
    assert got == lines_of(expected)


@cases("datelines.txt")
def test_datelines(line, title, given, expected):
    found = parse_dateline(given.strip("\n"), 1923)
    if found is None or found.date is None:
        got = ["(not a dateline)"]
    else:
        got = [f"place: {found.place or '(none)'}", f"date: {found.date.date.when}"]
    assert got == lines_of(expected)


@cases("note-marks.txt")
def test_note_marks(line, title, given, expected):
    first, *paragraph_lines = lines_of(given)
    defined = {int(n) for n in first.removeprefix("notes:").split()}
    marks = place_marks(paragraph_lines, defined)
    got = [apply_marks(text, marks.get(i, []), escape_markdown)
           for i, text in enumerate(paragraph_lines)]
    assert got == lines_of(expected)


@cases("notes-sections.txt")
def test_notes_sections(line, title, given, expected):
    notes, issues = parse_notes(source_lines(given.rstrip("\n")))
    got = [f"{n.n}{'' if n.numbered else ' (unnumbered)'}: {n.text}" for n in notes]
    assert got == lines_of(expected)


@cases("parts.txt")
def test_parts(line, title, given, expected):
    paras = mark_parts(paragraphs(source_lines(given.rstrip("\n"))), 1923)
    got = [(f"{{.{p.part}}} " if p.part else "")
           + (" / ".join(x.text for x in p.lines) if p.part in ("address", "dateline") else p.text)
           for p in paras]
    assert got == lines_of(expected)


def summary(text: str) -> list[str]:
    """A document as a historian would check it against the printed page."""
    result = ingest_text(text, "source.txt")
    out = []
    for l in result.letters:
        d = l.date
        date = d.when or f"{d.not_before or '(open)'} .. {d.not_after or '(open)'}"
        out += [
            f"id: {l.id}" + (f" (No. {l.number})" if l.number is not None else ""),
            f"kind: {l.kind}",
            f"title: {l.title}",
            "senders: " + "; ".join(f"{c.name} ({c.ref})" for c in l.senders),
            "recipients: " + "; ".join(f"{c.name} ({c.ref})" for c in l.recipients),
            f"date: {d.text} = {date}" + (" supplied" if d.supplied else ""),
            f"place: {l.place.name if l.place else '(none)'}",
            "archive: " + (f"{l.archive.repository} F. {l.archive.fond} op. {l.archive.opis} "
                           f"d. {l.archive.delo} l. {l.archive.folios}" if l.archive else "(none)"),
            f"physical: {l.physical or '(none)'}",
            "notes: " + (" ".join(str(n.n) for n in l.notes) or "(none)")
            + " | marks: " + (" ".join(map(str, marks_in(l.body))) or "(none)")
            + (" | unnumbered: " + " ".join(map(str, l.unnumbered_notes)) if l.unnumbered_notes else ""),
            f"lines: {l.source.first}-{l.source.last}",
        ]
    out += [f"{d.line}: {d.level} [{d.code}]" for d in result.diagnostics]
    return out


@cases("documents.txt")
def test_documents(line, title, given, expected):
    assert summary(given) == lines_of(expected)
