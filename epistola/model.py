"""The records of an edition: small frozen values that carry no settings and do no I/O.

Every value that came from a file keeps where it came from (path and line), so that any message
about it can point at the line an editor has to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from .frozen import FrozenMap, by_fields

LETTER_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PERSON_REF = LETTER_ID

#: Letter parts a paragraph of the body can be marked as, with `{.part}` on the line before it.
LETTER_PARTS = ("address", "salutation", "heading", "dateline", "closing", "signature", "postscript")
#: Kinds of document in a correspondence edition.
DOCUMENT_KINDS = ("letter", "telegram", "note", "memorandum")
#: What a recipient is to a letter (TEI Correspondence SIG): the addressee, a copy recipient
#: ("with copies to"), or someone the letter was forwarded to.
RECIPIENT_ROLES = ("to", "cc", "forwarded")
#: What a text of a letter is: the original, or a translation of it.
TEXT_ROLES = ("original", "translation")
#: The registers of an edition, each with its own file and pages (persons/, places/, organisations/).
REGISTERS = ("persons", "places", "organisations", "works")

_EMPTY: Mapping[str, int] = FrozenMap()
_NO_IDS: Mapping[str, str] = FrozenMap()
_NO_FORMS: Mapping[str, tuple[str, ...]] = FrozenMap()


@by_fields
@dataclass(frozen=True, slots=True)
class SourceSpan:
    """Where something stands in a file: the path as given and its first and last line (1-based)."""

    file: str
    first: int
    last: int


@by_fields
@dataclass(frozen=True, slots=True)
class Correspondent:
    """A sender or recipient as the letter names it."""

    name: str
    """The name as printed in the heading, e.g. "G. L. Pyatakov"."""
    ref: str | None = None
    """Key of the person in the register (persons.yaml), or None for an unidentified party."""
    role: str = "to"
    """For a recipient, one of RECIPIENT_ROLES; a sender keeps "to" (unused)."""
    register: str = "persons"
    """The register `ref` points into: "persons", or "organisations" for a body (the Central
    Committee as sender or addressee)."""


#: LetterDate.reading of a letter dated only by its receipt (a TEI header that dates no sending).
RECEIPT_READING = "not after its receipt"


@by_fields
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
    reading: str | None = None
    """How the editors read a date the source does not give plainly, when they did: "not later
    than", "Old Style", "span", "season", "inferred"; the TEI evidence/cert of a TEI letter."""
    alternative: str | None = None
    """The other reading of a date printed in two styles: the Old Style day of "January 15 (28),
    1918" ("1918-01-15") beside `when`, the New Style one."""

    @property
    def sort_key(self) -> str:
        """A string that sorts letters in date order; undated letters sort last."""
        return self.when or self.not_before or self.not_after or "9999"


@by_fields
@dataclass(frozen=True, slots=True)
class Place:
    """Where a letter was written."""

    name: str
    supplied: bool = False
    """True when the editors inferred the place; the source does not state it."""
    ref: str | None = None
    """Key of the place in the places register (places.yaml), or None."""


@by_fields
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
    settlement: str | None = None
    """Where the repository is (TEI msIdentifier/settlement): "Moscow", "Wien"."""
    shelfmark: str | None = None
    """A shelfmark that is not a fond/opis/delo citation (TEI msIdentifier/idno)."""

    @property
    def by_shelfmark(self) -> bool:
        """Cited by a shelfmark (as most archives outside Russia are), not by fond, opis and
        delo."""
        return bool(self.shelfmark) and not (self.fond or self.opis or self.delo)

    @property
    def holder(self) -> str:
        """The repository, after its town when the citation names one ("Cambridge, University
        Library"): two "University Library"s are two repositories."""
        if self.settlement and not re.search(rf"\b{re.escape(self.settlement)}\b", self.repository):
            return f"{self.settlement}, {self.repository}"
        return self.repository

    @property
    def file_key(self) -> tuple[str, str, str, str]:
        """The archival file (delo) this citation belongs to, for the concordance. A citation by
        shelfmark alone is kept as (holder, "", "", shelfmark): the shelfmark is its file."""
        if self.by_shelfmark:  # ("B\xa08" and "B 8" are one file)
            return (" ".join(self.holder.split()), "", "", " ".join((self.shelfmark or "").split()))
        return (self.holder, self.fond or "", self.opis or "", self.delo or "")


@by_fields
@dataclass(frozen=True, slots=True)
class Note:
    """An editorial endnote, numbered as printed."""

    n: int
    text: str
    """Markdown text of the note; editorial brackets kept as printed."""
    line: int = field(default=0, compare=False)
    """Line of the definition in the record file (0 when not from a file)."""
    inlines: tuple | None = None
    """The note already parsed (body.Inline), for a source that is not Markdown (TEI); None
    when `text` is Markdown to be parsed."""
    kind: str = "note"
    """"note" for an editorial endnote; "commentary" for a TEI commentary note."""


@by_fields
@dataclass(frozen=True, slots=True)
class Text:
    """A further text of a letter beside the one in its record's body: the Russian original
    beside the English translation, say. Each text keeps its own notes and its language."""

    language: str
    """BCP 47 tag: "ru", "en", "de"."""
    role: str
    """One of TEXT_ROLES."""
    body: str
    """Markdown, as Letter.body."""
    notes: tuple[Note, ...] = ()
    unnumbered_notes: tuple[int, ...] = ()
    title: str | None = None
    """The heading as this text prints it: "Г. Л. Пятаков — И. В. Сталину"."""
    date_text: str | None = None
    """The date as this text prints it: "1 ноября 1923 г."."""
    archive_text: str | None = None
    """The archival line as this text prints it."""
    physical: str | None = None
    source: SourceSpan | None = None
    body_line: int = field(default=0, compare=False)
    also_from: tuple[SourceSpan, ...] = ()
    """Further copies of this text that ingest read (another page or site with the same text)."""
    printed: tuple[str, ...] = ()
    """Where this text was printed, as bibliographic lines ("Источник: …")."""


@by_fields
@dataclass(frozen=True, slots=True)
class Revision:
    """A change recorded in the letter's own history (TEI revisionDesc/change)."""

    when: str | None
    who: str | None
    text: str


@by_fields
@dataclass(frozen=True, slots=True)
class Related:
    """Another letter named in the letter's context (TEI correspContext/ref)."""

    type: str
    """"previous", "next", "previous-in-corresp", "next-in-corresp", "reply-to", ..."""
    target: str
    """The other letter's id in this edition when it is one, else the target as given."""
    label: str = ""


@by_fields
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
    language: str | None = None
    """Language of the body (BCP 47); None: the edition's language."""
    role: str | None = None
    """What the body's text is (TEXT_ROLES) when the letter has further texts or says so."""
    texts: tuple[Text, ...] = ()
    """Further texts of the same letter (an original beside a translation)."""
    blocks: tuple | None = None
    """The body already parsed (body.Block), for a source that is not Markdown (a TEI letter);
    None when `body` is Markdown to be parsed."""
    place_received: Place | None = None
    """Where the letter was received, when the source says (TEI correspAction type=received)."""
    printed: tuple[str, ...] = ()
    """Printed editions of the letter, as bibliographic lines (TEI listBibl)."""
    revisions: tuple[Revision, ...] = ()
    related: tuple[Related, ...] = ()
    facsimiles: tuple[str, ...] = ()
    """Images of the pages (TEI pb/@facs), in page order."""
    register_entries: tuple = field(default=(), repr=False)
    """The persons the letter's own file describes (Person records from a TEI letter's
    back/listPerson), for an edition with no persons register of its own."""
    also_from: tuple[SourceSpan, ...] = ()
    """Further copies of the body's text that ingest read besides `source` (the same document
    on a monthly page and on its own page, or on two sites)."""

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


@by_fields
@dataclass(frozen=True, slots=True)
class Person:
    """An entry of a register: a person (persons.yaml), a place (places.yaml) or an organisation
    (organisations.yaml); `register` says which."""

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
    register: str = "persons"
    """One of REGISTERS."""
    ids: Mapping[str, str] = field(default_factory=lambda: _NO_IDS, hash=False)
    """Authority IDs by scheme: {"wikidata": "Q855", "gnd": "118642499", "viaf": "…",
    "geonames": "…", "pmb": "…"}."""
    ids_source: str | None = None
    """Where the editors confirmed the IDs (a catalogue record, with the date looked up)."""
    coordinates: tuple[float, float] | None = None
    """A place's latitude and longitude (WGS 84), when known."""
    later_names: tuple[str, ...] = ()
    """An organisation's later names, in order: "RCP(b)" -> "AUCP(b)" -> "CPSU"."""
    names_other: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _NO_FORMS, hash=False)
    """Forms in other scripts or languages, by language: {"ru": ("Сталин", "Коба")}; they link
    mentions like the variants."""
    aliases: tuple[str, ...] = ()
    """Other keys letters use for this entry besides `ref` (a TEI entry's @n, which
    `persName/@key` may point at)."""

    @property
    def sort_key(self) -> str:
        return (self.sort_name or self.name).casefold()


@by_fields
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
    letters: tuple[str, ...] = ()
    """Globs of TEI letter files, relative to the edition folder: ("data/editions/*.xml",)."""
    registers: tuple[str, ...] = ()
    """TEI files holding listPerson, listPlace, listOrg or listBibl, relative to the edition
    folder."""
