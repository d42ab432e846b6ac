"""A raw transcription -> site header, collection lines and one block of lines per document.

The collection prints each document under its number ("No. 173"); a page copied from the web
starts with the site's navigation ("Marx-Engels | Lenin | Stalin | Home Page") and the
collection's title lines. Pure functions; never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: A document's number on a line of its own: "No. 173", "No 12", "№ 5".
DOC_NUMBER = re.compile(r"^(?:No\.?|Nos?\.|№)\s*(?P<n>\d{1,5})\s*\.?$")
#: The site navigation line: several short items joined by " | ".
SITE_HEADER = re.compile(r"^[^|]{1,40}(?:\s\|\s[^|]{1,40}){2,}$")
NOTES_HEADING = re.compile(r"^(?:Notes?|Endnotes|Comments|Notes and comments)\s*:?\s*$", re.I)


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
    """Source line where the document starts (its number line)."""


@dataclass(frozen=True)
class Segments:
    site_header: tuple[SourceLine, ...] = ()
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


def segment(lines: list[SourceLine]) -> Segments:
    header: list[SourceLine] = []
    collection: list[SourceLine] = []
    blocks: list[Block] = []
    current: list[SourceLine] | None = None
    number: int | None = None
    first = 0
    for line in lines:
        text = line.text.strip()
        m = DOC_NUMBER.match(text)
        if m:
            if current is not None:
                blocks.append(Block(number, tuple(current), first))
            current, number, first = [], int(m["n"]), line.n
            continue
        if current is None:
            if SITE_HEADER.match(text) and not collection:
                header.append(line)
            elif not line.blank:
                collection.append(line)
            continue
        current.append(line)
    if current is not None:
        blocks.append(Block(number, tuple(current), first))
    return Segments(tuple(header), tuple(collection), tuple(blocks))
