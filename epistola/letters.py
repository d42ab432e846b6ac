"""One letter, read once: its parsed text (Reading) and what every other page reads of it (Summary).

Pure. `analyse(letter, names)` parses the body and notes, finds the note marks and the names of
the registers, and returns:

- a `Reading`, which only the letter's own files (page, TEI, JSON) need: the record, its parsed
  paragraphs and notes, and where each names someone;
- a `Summary`, which the lists, registers, neighbours, concordance and exports read: everything
  but the text. The whole edition's inventory (corpus.py) is made from summaries alone, so a
  build that remakes one letter never reads the others' text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from . import anchors
from .body import Block, Inline, note_marks, parse_body, parse_inline, plain_text
from .citations import find_citations, last_reference
from .diagnostics import Diagnostic, error
from .frozen import by_fields
from .model import ArchiveRef, Correspondent, Letter, LetterDate, Note, Place, Text
from .names import NameIndex, apply_names, find_names, linked_targets
from .tei import named_forms, person_forms


@by_fields
@dataclass(frozen=True, slots=True)
class NoteView:
    """A note with what the body says about it."""

    n: int
    text: str
    anchored: bool
    """True when the body has a mark for this note."""
    number_supplied: bool
    """True when the source lost the number and the editors supplied it."""
    line: int = 0
    inlines: tuple[Inline, ...] = ()
    """The note's text parsed, names not yet linked."""


class Mention(NamedTuple):
    """A place in a letter where a register entry is named (a tuple: a summary holds many, and
    the build store keeps every summary)."""

    letter_id: str
    anchor: str
    """Id of the paragraph ("p3") or note ("note-2") that names the entry."""
    in_note: bool
    n: int
    """Paragraph index (1-based) or note number."""


@by_fields
@dataclass(frozen=True, slots=True)
class Summary:
    """What the pages and files of other letters and of the registers read of a letter."""

    id: str
    number: int | None
    title: str
    kind: str
    date: LetterDate
    place: Place | None
    place_received: Place | None
    archive: ArchiveRef | None
    physical: str | None
    senders: tuple[Correspondent, ...]
    recipients: tuple[Correspondent, ...]
    in_reply_to: str | None
    notes: tuple[tuple[int, bool], ...]
    """(number, anchored) of each note, as printed."""
    named: tuple[tuple[str, str, Mention], ...]
    """(inline kind, ref, place) of each paragraph and note that names a register entry, in
    reading order: "person", "stalin", Mention(..., "p3", ...)."""
    cited: tuple[tuple[int, ArchiveRef], ...]
    """(note number, archival reference) of each archival citation in the notes, "Ibid."
    resolved."""
    path: str = ""
    """The record file the letter was read from, for diagnostics."""
    lines: tuple[tuple[str, int], ...] = ()
    """Line of each front-matter key in the record file, for diagnostics."""
    language: str | None = None
    role: str | None = None
    """What the letter's own text is (an original, a translation), when the record says."""
    source: tuple = ()
    """Where the letter stands in the transcriptions it was ingested from (model.SourceSpan),
    the body's first."""
    related: tuple = ()
    """The letter's context (model.Related): previous and next letters, replies."""
    entries: tuple = ()
    """Register entries the letter's own file describes (a TEI letter's back/listPerson,
    listPlace, listOrg, listBibl)."""
    person_forms: tuple[tuple[str, str, str], ...] = ()
    """(ref, "header" or "text", spelling) of each naming of a person in a TEI letter's markup,
    for an edition whose persons come from its letters (tei.persons_from_forms)."""
    named_forms: tuple[tuple[str, str, str], ...] = ()
    """(register, ref, spelling) of each naming of a place, body or work in a TEI letter's
    markup, for an entry that neither an index nor a letter's own list describes
    (tei.entries_named_only)."""
    unhandled: tuple[tuple[str, int], ...] = ()
    """Elements of a TEI letter the reader does not know, with how often they occur (shown as
    their text)."""

    def line_of(self, key: str) -> int:
        for name, line in self.lines:
            if name == key:
                return line
        return 1

    @property
    def sort_key(self) -> tuple:
        """Date order, then number, then id: the order of the edition."""
        return (self.date.sort_key, self.number if self.number is not None else 1 << 30, self.id)


@by_fields
@dataclass(frozen=True, slots=True)
class Reading:
    """A letter's text as its own files show it: the record, the paragraphs and notes parsed,
    and each of them with the register entries it names linked (names.find_names, then
    names.apply_names: one per paragraph, then one per note); the letter's further texts (an
    original beside a translation) read the same way."""

    letter: Letter
    blocks: tuple[Block, ...]
    notes: tuple[NoteView, ...]
    linked: tuple[tuple[Inline, ...], ...]
    texts: tuple["TextReading", ...] = ()
    prefix: str = ""
    """What the anchors of this text's paragraphs and notes begin with ("" for the body)."""

    def paragraphs(self) -> list[tuple[Inline, ...]]:
        """Each paragraph's inlines with its names linked."""
        return list(self.linked[:len(self.blocks)])

    def note_inlines(self) -> list[tuple[Inline, ...]]:
        """Each note's inlines with its names linked."""
        return list(self.linked[len(self.blocks):])


@by_fields
@dataclass(frozen=True, slots=True)
class TextReading:
    """A further text of a letter, read like the body (Reading): its anchors carry its
    language ("ru-p3", "ru-note-2")."""

    text: Text
    blocks: tuple[Block, ...]
    notes: tuple[NoteView, ...]
    linked: tuple[tuple[Inline, ...], ...]

    @property
    def prefix(self) -> str:
        return self.text.language

    paragraphs = Reading.paragraphs
    note_inlines = Reading.note_inlines


def _read_text(body: str, notes: tuple[Note, ...], unnumbered: tuple[int, ...],
               blocks: tuple | None, names: NameIndex, path: str, first_line: int
               ) -> tuple[tuple[Block, ...], tuple[NoteView, ...], tuple[tuple, ...],
                          list[Diagnostic]]:
    """A body and its notes, parsed, marks found, names found and linked."""
    diags: list[Diagnostic] = []
    if blocks is not None:  # a source that is not Markdown gives its body parsed
        parsed = tuple(blocks)
    else:
        parsed, problems = parse_body(body)
        diags += [error(path, first_line + p.line, p.message, p.code) for p in problems]
    marked = set(note_marks(parsed))
    views = tuple(NoteView(note.n, note.text, note.n in marked, note.n in unnumbered, note.line,
                           _note_inlines(note)) for note in notes)
    # a source that marks its names itself (TEI) is not searched for more
    search = names if blocks is None else NameIndex()
    linked = tuple(apply_names(inlines, find_names(inlines, search))
                   for inlines in (*(block.inlines for block in parsed),
                                   *(note.inlines for note in views)))
    return parsed, views, linked, diags


def analyse(letter: Letter, names: NameIndex, unhandled: tuple[tuple[str, int], ...] = ()
            ) -> tuple[Reading, Summary, list[Diagnostic]]:
    """Read one letter: its Reading, its Summary, and what is wrong with its body markup.
    `unhandled`: what the reader of a TEI letter did not know (kept in the summary)."""
    blocks, notes, linked, diags = _read_text(letter.body, letter.notes, letter.unnumbered_notes,
                                             letter.blocks, names, letter.path, letter.body_line)
    texts = []
    for text in letter.texts:
        parts = _read_text(text.body, text.notes, text.unnumbered_notes, None, names,
                           letter.path, text.body_line)
        diags += parts[3]
        texts.append(TextReading(text, *parts[:3]))
    reading = Reading(letter, blocks, notes, linked, tuple(texts))

    named: list[tuple[str, str, Mention]] = []
    for read in (reading, *reading.texts):
        prefix = read.prefix
        places = [Mention(letter.id, anchors.paragraph_id(i, prefix), False, i)
                  for i in range(1, len(read.blocks) + 1)]
        places += [Mention(letter.id, anchors.note_id(note.n, prefix), True, note.n)
                   for note in read.notes]
        for mention, inlines in zip(places, read.paragraphs() + read.note_inlines()):
            for kind, ref in dict.fromkeys(linked_targets(inlines)):
                named.append((kind, ref, mention))
    summary = Summary(
        id=letter.id, number=letter.number, title=letter.title, kind=letter.kind,
        date=letter.date, place=letter.place, place_received=letter.place_received,
        archive=letter.archive, physical=letter.physical,
        senders=letter.senders, recipients=letter.recipients, in_reply_to=letter.in_reply_to,
        notes=tuple((note.n, note.anchored) for note in notes), named=tuple(named),
        cited=cited_in_notes(letter, notes), path=letter.path,
        lines=tuple(letter.key_lines.items()), language=letter.language, role=letter.role,
        source=tuple(s for s in (letter.source, *letter.also_from,
                                 *(t for text in letter.texts for t in (text.source, *text.also_from)))
                     if s is not None),
        related=letter.related, entries=letter.register_entries,
        person_forms=person_forms(letter) if letter.blocks is not None else (),
        named_forms=named_forms(letter) if letter.blocks is not None else (),
        unhandled=unhandled)
    return reading, summary, diags


def _note_inlines(note: Note) -> tuple[Inline, ...]:
    return tuple(note.inlines) if note.inlines is not None else parse_inline(note.text)


def cited_in_notes(letter: Letter, notes: tuple[NoteView, ...]) -> tuple[tuple[int, ArchiveRef], ...]:
    """(note number, archival reference) of every archival citation in the notes, "Ibid."
    resolved against the citation before it (the letter's own reference for its first note,
    as the printed edition reads)."""
    found: list[tuple[int, ArchiveRef]] = []
    previous = letter.archive
    for note in notes:
        text = note.text if note.text else plain_text(note.inlines)
        for citation in find_citations(text, previous):
            found.append((note.n, citation.ref))
        previous = last_reference(text, previous)
    return tuple(found)
