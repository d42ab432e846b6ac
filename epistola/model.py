"""The records of an edition: small frozen values that carry no settings and do no I/O.

Every value that came from a file keeps where it came from (path and line), so that any message
about it can point at the line an editor has to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

LETTER_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PERSON_REF = LETTER_ID

#: Letter parts a paragraph of the body can be marked as, with `{.part}` on the line before it.
LETTER_PARTS = ("address", "salutation", "heading", "dateline", "closing", "signature", "postscript")
#: Kinds of document in a correspondence edition.
DOCUMENT_KINDS = ("letter", "telegram", "note", "memorandum")

_EMPTY: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """Where something stands in a file: the path as given and its first and last line (1-based)."""

    file: str
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class Correspondent:
    """A sender or recipient as the letter names it."""

    name: str
    """The name as printed in the heading, e.g. "G. L. Pyatakov"."""
    ref: str | None = None
    """Key of the person in the register (persons.yaml), or None for an unidentified party."""


@dataclass(frozen=True, slots=True)
class LetterDate:
    """The date of a letter as printed, and its normalised form (ISO 8601)."""

    text: str
    """The date as printed, editorial brackets included: "November 10 [1923]"."""
    when: str | None = None
    """The exact day (or month, or year) when it is known: "1923-11-01", "1923-11", "1923"."""
    not_before: str | None = None
    """Start of the range when only a range is known ("[late January 1918]")."""
    not_after: str | None = None
    """End of that range."""
    supplied: bool = False
    """True when the editors supplied part of the date (the printed text has it in brackets)."""

    @property
    def sort_key(self) -> str:
        """A string that sorts letters in date order; undated letters sort last."""
        return self.when or self.not_before or self.not_after or "9999"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a letter was written."""

    name: str
    supplied: bool = False
    """True when the editors inferred the place; the source does not state it."""


@dataclass(frozen=True, slots=True)
class ArchiveRef:
    """An archival citation: repository, fond, opis (inventory), delo (file), list (folios)."""

    repository: str
    fond: str | None = None
    opis: str | None = None
    delo: str | None = None
    folios: str | None = None
    text: str = ""
    """The citation verbatim, as printed."""

    @property
    def file_key(self) -> tuple[str, str, str, str]:
        """The archival file (delo) this citation belongs to, for the concordance."""
        return (self.repository, self.fond or "", self.opis or "", self.delo or "")


@dataclass(frozen=True, slots=True)
class Note:
    """An editorial endnote, numbered as printed."""

    n: int
    text: str
    """Markdown text of the note; editorial brackets kept as printed."""
    line: int = field(default=0, compare=False)
    """Line of the definition in the record file (0 when not from a file)."""


@dataclass(frozen=True, slots=True)
class Letter:
    """One document of the edition, as its record in editions/letters/<id>.md states it."""

    id: str
    """URL slug; unique in the edition; matches LETTER_ID."""
    number: int | None
    """Number in the printed collection, or None."""
    title: str
    senders: tuple[Correspondent, ...]
    recipients: tuple[Correspondent, ...]
    date: LetterDate
    place: Place | None
    archive: ArchiveRef | None
    physical: str | None
    """Physical description as printed: "Typewritten text. The signature is an autograph."."""
    body: str
    """The letter text in Markdown: paragraphs, `{.part}` markers and `[^n]` note marks."""
    notes: tuple[Note, ...] = ()
    kind: str = "letter"
    in_reply_to: str | None = None
    """Id of the letter this one answers."""
    source: SourceSpan | None = None
    """Where the letter stands in the raw transcription it was ingested from."""
    unnumbered_notes: tuple[int, ...] = ()
    """Notes whose number the source lost and the editors supplied from their position."""
    path: str = field(default="", compare=False)
    """The record file this letter was read from ("" when built in memory)."""
    body_line: int = field(default=0, compare=False)
    """Line of the record file on which the body starts."""
    key_lines: Mapping[str, int] = field(default_factory=lambda: _EMPTY, compare=False, hash=False, repr=False)
    """Line of each front-matter key in the record file, for diagnostics."""

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


@dataclass(frozen=True, slots=True)
class Person:
    """An entry of the persons register (editions/persons.yaml)."""

    ref: str
    name: str
    """Name as the edition displays it: "G. L. Pyatakov"."""
    sort_name: str | None = None
    """Name for alphabetical order: "Pyatakov, Georgy Leonidovich"."""
    full_name: str | None = None
    variants: tuple[str, ...] = ()
    """Other spellings, pseudonyms and forms as printed: "Arvid", "Ar[vid]"."""
    description: str | None = None
    """A one-line identification."""
    dates: str | None = None
    """Life dates as the editors give them: "1890–1937"."""
    kind: str = "person"
    """"person" or "organisation"."""
    line: int = field(default=0, compare=False)

    @property
    def sort_key(self) -> str:
        return (self.sort_name or self.name).casefold()


@dataclass(frozen=True, slots=True)
class Edition:
    """The edition as a whole (editions/edition.yaml)."""

    title: str
    compilers: tuple[str, ...] = ()
    year: int | None = None
    publisher: str | None = None
    source: str | None = None
    """Bibliographic description of the printed source."""
    description: str | None = None
    language: str = "en"
    base_url: str = "https://example.org/"
    """Absolute URL the site is published at; used in sitemap, CMIF and citations."""
    licence: str | None = None
    licence_url: str | None = None
    translation: str | None = None
    """Statement on the translation and its source."""
    editors: tuple[str, ...] = ()
    """Editors of this digital edition."""
    published: str | None = None
    """Date of this edition's publication (ISO 8601), used instead of the wall clock."""
