"""A raw transcription -> the lines before the first document and one block of lines per document.

The collection prints each document under its number ("No. 173", "Number 3", "No.3", "№ 167"); a
page copied from the web starts with the page's title ("to Stalin from Magidov"), the site's
navigation ("Marx-Engels | Lenin | Stalin | Home Page") and the collection's title lines. A page
that holds one document may print no number at all: the document then starts at its heading, the
line that names sender and recipient above the date ("B. I. Magidov to I. V. Stalin" / "November
10 [1923]"), or at the author's name above a reprint's heading ("Сталин И.В." / "Письмо Б.И.
Магидову" / "22 ноября 1923 года"). Pure functions; never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

#: A document's number on a line of its own: "No. 173", "No 12", "No.3", "Number 3", "№ 5".
DOC_NUMBER = re.compile(r"^(?:No\.?|Nos?\.|Number|№|N°)\s*(?P<n>\d{1,5})\s*\.?$", re.I)
#: The site navigation line: several short items joined by " | ".
SITE_HEADER = re.compile(r"^[^|]{1,40}(?:\s\|\s[^|]{1,40}){2,}$")
#: The line that opens the notes: "Notes:", "Примечания", or a rule of underscores or dashes.
NOTES_HEADING = re.compile(r"^(?:(?:Notes?|Endnotes|Comments|Notes and comments|Примечани[ея]|"
                           r"Комментари[ий]|Комментарии и примечания)\s*:?|_{3,}|[-–—]{5,})\s*$",
                           re.I)


@dataclass(frozen=True)
class SourceLine:
    """One line of the source: its 1-based number and its text (no-break spaces made plain)."""

    n: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Block:
    """The lines of one document, from its number (if any) to the line before the next one."""

    number: int | None
    lines: tuple[SourceLine, ...]
    """Lines after the number line (or all lines when there is no number)."""
    first: int
    """Source line where the document starts (its number line, or its first line)."""


@dataclass(frozen=True)
class Segments:
    site_header: tuple[SourceLine, ...] = ()
    """The page's title and the site's navigation line."""
    collection: tuple[SourceLine, ...] = ()
    """Lines before the first document: the collection's title, year, compilers."""
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def source_lines(text: str) -> list[SourceLine]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [SourceLine(i, _clean(line)) for i, line in enumerate(text.split("\n"), start=1)]


def _clean(line: str) -> str:
    """No-break and other odd spaces become plain spaces; trailing space goes."""
    line = re.sub(r"[\u00a0\u2007\u202f\u2009\u200a\t]", " ", line)
    line = line.replace("\u200b", "").replace("\ufeff", "")
    return line.rstrip()


def _next_texts(lines: list[SourceLine], i: int, count: int) -> list[str]:
    """The next `count` non-blank lines after index i."""
    out = []
    for line in lines[i + 1:]:
        if not line.blank:
            out.append(line.text.strip())
            if len(out) == count:
                break
    return out


def segment(lines: list[SourceLine], heading: Callable[[str], object] | None = None,
            date: Callable[[str], object] | None = None,
            author: Callable[[str], bool] | None = None) -> Segments:
    """Lines -> the page's header, the collection lines and the documents.

    heading and date say whether a line is a heading or a date line (the rules of headers.py and
    dates.py); author whether it is an author's name above a heading. Without them only
    numbered documents are found.
    """
    starts = _numbered_starts(lines, heading, date)
    if not starts and heading is not None and date is not None:
        first = _first_heading(lines, heading, date, author)
        starts = [(first, None)] if first is not None else []
    if not starts:
        header, collection = _preamble(lines)
        return Segments(header, collection, ())
    header, collection = _preamble(lines[:starts[0][0]])
    blocks = []
    for k, (i, number) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        body = lines[i + 1:stop] if number is not None else lines[i:stop]
        blocks.append(Block(number, tuple(body), lines[i].n))
    return Segments(header, collection, tuple(blocks))


def _numbered_starts(lines: list[SourceLine], heading, date) -> list[tuple[int, int | None]]:
    """Each line that is a document's number: followed by a heading, or by a line and a date,
    or by nothing (a page cut off). "№98" under a telegram's signature numbers no document."""
    out = []
    for i, line in enumerate(lines):
        m = DOC_NUMBER.match(line.text.strip())
        if m is None:
            continue
        after = _next_texts(lines, i, 2)
        if heading is not None and date is not None and after and not (
                heading(after[0]) or (len(after) > 1 and date(after[1]))
                or DOC_NUMBER.match(after[0])):
            continue
        out.append((i, int(m["n"])))
    return out


def _first_heading(lines: list[SourceLine], heading, date, author) -> int | None:
    """The first line that is a heading with a date under it (or in it): where a page's only
    document starts; the author's name above it belongs to the document."""
    nav = next((k for k, line in enumerate(lines) if SITE_HEADER.match(line.text.strip())), -1)
    for i, line in enumerate(lines):
        text = line.text.strip()
        if i <= nav or not text or len(text) > 300:
            continue  # the page's title above the navigation ("from Stalin to Lenin") is no heading
        found = heading(text)
        if not found:
            continue
        if not (getattr(found, "date", None) or any(date(t) for t in _next_texts(lines, i, 2))):
            continue
        before = [j for j in range(i - 1, -1, -1) if not lines[j].blank][:1]
        if before and author is not None and author(lines[before[0]].text.strip()):
            return before[0]
        return i
    return None


def _preamble(lines: list[SourceLine]) -> tuple[tuple[SourceLine, ...], tuple[SourceLine, ...]]:
    """The lines before the first document: the page's title and navigation (up to and with the
    navigation line), then the collection's lines."""
    content = [line for line in lines if not line.blank]
    nav = next((k for k, line in enumerate(content) if SITE_HEADER.match(line.text.strip())), None)
    if nav is None:
        return (), tuple(content)
    return tuple(content[:nav + 1]), tuple(content[nav + 1:])
