"""A raw transcription -> edition metadata, letter records, persons and diagnostics.

`ingest_text` is pure: text in, records and diagnostics out. A document is read by an ordered list
of small rules (DOCUMENT_RULES), each taking what it can from the lines still unread and saying
what it could not read. Diagnostics point at the line of the source file an editor would check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ..body import escape_markdown
from ..citations import split_archive_line
from ..diagnostics import Diagnostic, warning
from ..model import (
    ArchiveRef,
    Correspondent,
    Edition,
    Letter,
    LetterDate,
    Note,
    Person,
    Place,
    SourceSpan,
)
from .dates import ParsedDate, parse_date, parse_dateline, parse_short_date
from .headers import Heading, Party, initials, normalise_initials, parse_heading, person_ref, slug
from .notes import (
    Candidate,
    NoteDef,
    apply_marks,
    candidates,
    identified_site,
    parse_notes,
    place_marks,
    stray_sites,
)
from .parts import Para, mark_parts, paragraphs
from .segment import NOTES_HEADING, Block, SourceLine, segment, source_lines

UNKNOWN = "[unknown]"


@dataclass(frozen=True)
class Ingested:
    """What one source yields."""

    edition: Edition | None
    letters: tuple[Letter, ...]
    persons: tuple[Person, ...]
    diagnostics: tuple[Diagnostic, ...]


@dataclass
class Doc:
    """A document while its rules read it: the lines not yet read and what was found."""

    path: str
    block: Block
    rest: list[SourceLine]
    diags: list[Diagnostic] = field(default_factory=list)
    heading: Heading | None = None
    date: ParsedDate | None = None
    opening_dateline: Para | None = None
    archive: ArchiveRef | None = None
    physical: str | None = None
    archive_line: int = 0
    note_lines: list[SourceLine] = field(default_factory=list)
    has_notes_section: bool = False
    paras: list[Para] = field(default_factory=list)
    body: str = ""
    notes: tuple[Note, ...] = ()
    unnumbered: tuple[int, ...] = ()
    place: Place | None = None

    def warn(self, line: int, message: str, code: str) -> None:
        self.diags.append(warning(self.path, line, message, code))

    @property
    def label(self) -> str:
        return f"No. {self.block.number}" if self.block.number is not None else "the document"

    @property
    def year(self) -> int | None:
        if self.date is None:
            return None
        iso = self.date.date.when or self.date.date.not_before or self.date.date.not_after
        return int(iso[:4]) if iso else None


# --- document rules, in order ----------------------------------------------------------------

def rule_heading(doc: Doc) -> None:
    """The first line names sender(s) and recipient(s)."""
    _skip_blank(doc)
    if not doc.rest:
        doc.warn(doc.block.first, f"{doc.label} has no text after its number (page cut off?)",
                 "source-cut-off")
        return
    line = doc.rest[0]
    heading = parse_heading(line.text)
    if heading is None:
        if parse_date(line.text) is not None:
            doc.warn(line.n, f"{doc.label} has no heading naming sender and recipient; fill in "
                     "'senders' and 'recipients' in the record", "header-unreadable")
            return
        doc.warn(line.n, f"cannot tell sender from recipient in the heading '{line.text.strip()}'"
                 " (expected 'X to Y' or 'X - Y'); the heading is kept as the title and both "
                 "parties are left unknown", "header-unreadable")
        doc.heading = Heading("letter", (Party(UNKNOWN),), (Party(UNKNOWN),), line.text.strip())
    else:
        doc.heading = heading
    doc.rest.pop(0)


def rule_date(doc: Doc) -> None:
    """The line under the heading dates the document."""
    _skip_blank(doc)
    if not doc.rest:
        return
    line = doc.rest[0]
    parsed = parse_date(line.text) or _short_date(line.text)
    if parsed is None:
        text = line.text.strip()
        looks_like_date = len(text) <= 60 and bool(
            re.search(r"\b(1[6-9]|20)\d\d\b|\b(?:January|February|March|April|May|June|July|"
                      r"August|September|October|November|December)\b", text))
        if looks_like_date:
            doc.warn(line.n, f"cannot read the date '{text}'; it is kept as printed: add 'when' "
                     "or 'not_before'/'not_after' to the record", "date-unreadable")
            doc.date = ParsedDate(LetterDate(text, supplied="[" in text))
            doc.rest.pop(0)
        else:
            doc.warn(line.n, f"{doc.label} has no date line under its heading; recorded as "
                     "undated", "date-missing")
        return
    doc.date = parsed
    doc.rest.pop(0)
    d = parsed.date
    if parsed.approximate:
        span = d.when or f"{d.not_before or '…'} to {d.not_after or '…'}"
        doc.warn(line.n, f"the date '{d.text}' is approximate; recorded as {span}",
                 "date-approximate")
    elif d.supplied:
        doc.warn(line.n, f"the date '{d.text}' was partly supplied by the editors (in brackets); "
                 f"recorded as {d.when} with supplied: true", "date-supplied")


def _short_date(text: str) -> ParsedDate | None:
    """A date line printed as the writer abbreviated it ("10/1 1926"), when it names a year."""
    parsed = parse_short_date(text)
    return parsed if parsed is not None and parsed.date.when else None


def rule_second_date(doc: Doc) -> None:
    """A short date line under the date is the writer's own dating ("22/XI-23")."""
    _skip_blank(doc)
    if not doc.rest:
        return
    line = doc.rest[0]
    dateline = parse_dateline(line.text, doc.year)
    if dateline is None:
        return
    doc.opening_dateline = Para((line,), "dateline", dateline)
    doc.rest.pop(0)


def rule_notes_section(doc: Doc) -> None:
    """Everything after the "Notes:" line is the notes."""
    for i, line in enumerate(doc.rest):
        if NOTES_HEADING.match(line.text.strip()):
            doc.note_lines = doc.rest[i + 1:]
            doc.rest = doc.rest[:i]
            doc.has_notes_section = True
            return


def rule_archive(doc: Doc) -> None:
    """The archival line ends the text: citation and physical description."""
    for i in range(len(doc.rest) - 1, -1, -1):
        line = doc.rest[i]
        ref, physical = split_archive_line(line.text)
        if ref is None:
            continue
        extra = " ".join(x.text.strip() for x in doc.rest[i + 1:] if not x.blank)
        doc.archive = ref
        doc.physical = " ".join(p for p in (physical, extra) if p) or None
        doc.archive_line = line.n
        doc.rest = doc.rest[:i]
        return
    last = _last_content_line(doc.block) or doc.block.first
    doc.warn(last, f"{doc.label} has no archival line"
             + ("" if doc.has_notes_section else " and no notes")
             + "; the page may be cut off here: check the record against the printed edition",
             "source-cut-off")


def rule_body(doc: Doc) -> None:
    """The lines left are the letter: paragraphs and their letter parts."""
    paras = paragraphs(doc.rest)
    paras = mark_parts(paras, doc.year)
    if doc.opening_dateline is not None:
        paras.insert(0, doc.opening_dateline)
    if not paras:
        doc.warn(doc.block.first, f"{doc.label} has no text", "source-cut-off")
    doc.paras = paras
    doc.place = _place(paras)
    _check_datelines(doc)


def rule_notes_and_marks(doc: Doc) -> None:
    """Note definitions, the marks that call them, and the marks the source lost."""
    units = _units(doc.paras)
    texts = [line.text.strip() for line in units]
    skip = frozenset(u for u in range(len(units))
                     if doc.paras[_unit_para(doc.paras, u)].part == "dateline")
    hints = {c.n for u, text in enumerate(texts) if u not in skip for c in candidates(text)}
    defs, issues = parse_notes(doc.note_lines, hints)
    for issue in issues:
        doc.warn(issue.line, issue.message, issue.code)
    defined = {d.n for d in defs}
    marks = place_marks(texts, defined, skip)
    doc.body = _body(doc.paras, [apply_marks(text, marks.get(u, []), escape_markdown)
                                 for u, text in enumerate(texts)])
    doc.notes = tuple(Note(d.n, escape_markdown(d.text)) for d in defs)
    doc.unnumbered = tuple(d.n for d in defs if not d.numbered)
    anchored = {c.n for cs in marks.values() for c in cs}
    for d in defs:
        if not d.numbered:
            doc.warn(d.line, f"note {d.n} has no number in the source; numbered {d.n} from its "
                     f"place {_between(d.n, defs)}", "note-unnumbered")
    _report_lost_marks(doc, defs, anchored, units, texts, marks)


DOCUMENT_RULES: tuple[Callable[[Doc], None], ...] = (
    rule_heading, rule_date, rule_second_date, rule_notes_section, rule_archive, rule_body,
    rule_notes_and_marks,
)


# --- helpers for the rules -------------------------------------------------------------------

def _skip_blank(doc: Doc) -> None:
    while doc.rest and doc.rest[0].blank:
        doc.rest.pop(0)


def _units(paras: list[Para]) -> list[SourceLine]:
    return [line for p in paras for line in p.lines]


def _unit_para(paras: list[Para], unit: int) -> int:
    for i, p in enumerate(paras):
        if unit < len(p.lines):
            return i
        unit -= len(p.lines)
    return len(paras) - 1


def _body(paras: list[Para], texts: list[str]) -> str:
    out = []
    u = 0
    for p in paras:
        lines = texts[u:u + len(p.lines)]
        u += len(p.lines)
        joiner = "\n" if p.part in ("address", "dateline", "signature", "closing") else " "
        text = joiner.join(lines)
        out.append(f"{{.{p.part}}}\n{text}" if p.part else text)
    return "\n\n".join(out)


def _place(paras: list[Para]) -> Place | None:
    for p in paras:
        if p.part != "dateline":
            continue
        if p.dateline is not None and p.dateline.place:
            return Place(p.dateline.place)
        if p.place:
            return Place(p.place)
    return None


def _check_datelines(doc: Doc) -> None:
    if doc.date is None or doc.date.date.when is None or len(doc.date.date.when) != 10:
        return
    for p in doc.paras:
        d = p.dateline.date if p.dateline is not None else None
        if d is not None and d.date.when and len(d.date.when) == 10 \
                and d.date.when != doc.date.date.when:
            doc.warn(p.first, f"the dateline '{p.text}' says {d.date.when} but the date line "
                     f"says {doc.date.date.when}; check which is right", "date-mismatch")


def _between(n: int, defs: list[NoteDef]) -> str:
    numbers = [d.n for d in defs]
    lower = [x for x in numbers if x < n]
    higher = [x for x in numbers if x > n]
    if lower and higher:
        return f"between notes {max(lower)} and {min(higher)}"
    if higher:
        return f"before note {min(higher)}"
    if lower:
        return f"after note {max(lower)}"
    return "as the only note"


def _report_lost_marks(doc: Doc, defs: list[NoteDef], anchored: set[int], units: list[SourceLine],
                       texts: list[str], marks: dict[int, list[Candidate]]) -> None:
    position = {c.n: (u, c.start) for u, cs in marks.items() for c in cs}
    strays = stray_sites(texts)
    used: set[tuple[int, int]] = set()
    for d in defs:
        if d.n in anchored:
            continue
        site = identified_site(d.text, texts)
        if site is None:
            lo = max((position[n] for n in position if n < d.n), default=(-1, -1))
            hi = min((position[n] for n in position if n > d.n), default=(len(units), 0))
            for s in strays:
                key = (s.paragraph, s.offset)
                if lo < key < hi and key not in used:
                    site = s
                    used.add(key)
                    break
        if site is not None:
            doc.warn(units[site.paragraph].n, f"note {d.n} has no mark in the text (the source "
                     f"lost it); it most likely stood after \"{site.context}\" ({site.reason}); "
                     f"add [^{d.n}] there in the record if the printed edition confirms it",
                     "note-unanchored")
        else:
            lower = [n for n in position if n < d.n]
            higher = [n for n in position if n > d.n]
            where = ("between the marks of notes "
                     f"{max(lower)} and {min(higher)}" if lower and higher else
                     f"after the mark of note {max(lower)}" if lower else
                     f"before the mark of note {min(higher)}" if higher else "anywhere")
            doc.warn(d.line, f"note {d.n} has no mark in the text (the source lost it); it stood "
                     f"{where}; it is kept as an unanchored note", "note-unanchored")


# --- the document as a record ----------------------------------------------------------------

def read_document(block: Block, path: str) -> tuple[Doc, list[Party]]:
    doc = Doc(path, block, list(block.lines))
    for rule in DOCUMENT_RULES:
        rule(doc)
    parties = list(doc.heading.senders + doc.heading.recipients) if doc.heading else []
    return doc, parties


def _correspondents(parties: tuple[Party, ...], refs: dict[Party, str]) -> tuple[Correspondent, ...]:
    return tuple(Correspondent(p.name, refs.get(p)) for p in parties)


def _letter_id(doc: Doc, taken: set[str]) -> str:
    if doc.block.number is not None:
        base = str(doc.block.number)
    else:
        date = doc.date.date.sort_key if doc.date else "9999"
        date = "undated" if date == "9999" else date
        who = slug(doc.heading.senders[0].name.split()[-1]) if doc.heading else ""
        base = "-".join(x for x in (date, who) if x) or "document"
    letter_id, k = base, 2
    while letter_id in taken:
        letter_id, k = f"{base}-{k}", k + 1
    taken.add(letter_id)
    return letter_id


def assign_refs(parties: list[Party]) -> dict[Party, str]:
    """Register keys: the surname; people who share one are told apart by their initials."""
    by_ref: dict[str, list[Party]] = {}
    for p in parties:
        if p.name == UNKNOWN:
            continue
        by_ref.setdefault(person_ref(p), []).append(p)
    refs: dict[Party, str] = {}
    for ref, group in by_ref.items():
        people = {initials(p.name) for p in group if not p.organisation} - {""}
        if len(people) <= 1 or any(p.organisation for p in group):
            for p in group:
                refs[p] = ref
            continue
        for p in group:
            own = initials(p.name)
            refs[p] = f"{ref}-{slug(own)}" if own else ref
    return refs


def register(parties: list[Party], refs: dict[Party, str]) -> tuple[Person, ...]:
    """A persons register entry for every sender and recipient, in order of first appearance."""
    names: dict[str, list[Party]] = {}
    for p in parties:
        if p in refs:
            names.setdefault(refs[p], []).append(p)
    out = []
    for ref, group in names.items():
        forms = list(dict.fromkeys(p.name for p in group))
        name = max(forms, key=lambda f: (len(initials(f)), -forms.index(f)))
        organisation = any(p.organisation for p in group)
        sort_name = None
        if not organisation:
            own = initials(name)
            surname = name.replace("[", "").replace("]", "").split()[-1]
            sort_name = f"{surname}, {own}" if own else None
        out.append(Person(ref=ref, name=name, sort_name=sort_name,
                          variants=tuple(f for f in forms if f != name),
                          kind="organisation" if organisation else "person"))
    return tuple(out)


_COMPILERS = re.compile(r"^(?:Compiled by|Compilers?|Comp\.|Compiled)\s*:?\s*(?P<names>.+)$", re.I)
_COLLECTION_LINE = re.compile(r"\b(?:collection|documents|correspondence|edition|volume|vol\.|"
                              r"publish\w*|press|series|(?:1[89]|20)\d\d)\b", re.I)


def read_collection(lines: tuple[SourceLine, ...], path: str, diags: list[Diagnostic]
                    ) -> Edition | None:
    """The collection's title, year, compilers and bibliographic description from the lines
    before the first document; any other line there is a page cut off above it."""
    if not lines:
        return None
    title_line = lines[0].text.strip()
    if len(title_line) > 160:
        diags.append(warning(path, lines[0].n, "the text before the first document does not start "
                             "with the collection's title; it is not part of any letter (page cut "
                             "off?) and was skipped", "source-skipped"))
        return None
    title = title_line.rstrip(".").strip()
    compilers: tuple[str, ...] = ()
    year = None
    described = [title_line]
    for line in lines[1:]:
        text = line.text.strip()
        m = _COMPILERS.match(text)
        if m:
            compilers = tuple(normalise_initials(c) for c in re.split(r"\s*,\s*|\s+and\s+",
                                                                       m["names"].rstrip(".")) if c)
            continue
        if len(text) <= 160 and _COLLECTION_LINE.search(text):
            y = re.search(r"\b(1[89]\d\d|20\d\d)\s*\.?$", text)
            if y and year is None:
                year = int(y.group(1))
            described.append(text)
            continue
        diags.append(warning(path, line.n, "a line before the first document is not part of any "
                             "letter (page cut off?); it was skipped", "source-skipped"))
    source = " ".join(d if d.endswith(".") else d + "." for d in described)
    return Edition(title=title, compilers=compilers, year=year, source=source)


def ingest_text(text: str, path: str) -> Ingested:
    """A raw transcription -> records. path is how diagnostics and records name the source."""
    diags: list[Diagnostic] = []
    segments = segment(source_lines(text))
    edition = read_collection(segments.collection, path, diags)
    if not segments.blocks:
        diags.append(warning(path, 1, "no document found (expected a line 'No. N' before each "
                             "document)", "source-no-documents"))
    docs: list[Doc] = []
    parties: list[Party] = []
    for block in _split_unnumbered(segments.blocks):
        doc, found = read_document(block, path)
        docs.append(doc)
        parties.extend(found)
        diags.extend(doc.diags)
    refs = assign_refs(parties)
    letters = []
    taken: set[str] = set()
    for doc in docs:
        if doc.heading is None and not doc.paras:
            continue
        heading = doc.heading or Heading("letter", (Party(UNKNOWN),), (Party(UNKNOWN),),
                                         f"{doc.label}")
        date = doc.date.date if doc.date else LetterDate("[undated]")
        last = max([line.n for line in doc.block.lines] or [doc.block.first])
        last = _last_content_line(doc.block) or last
        letters.append(Letter(
            id=_letter_id(doc, taken), number=doc.block.number, title=heading.title,
            kind=heading.kind, senders=_correspondents(heading.senders, refs),
            recipients=_correspondents(heading.recipients, refs), date=date, place=doc.place,
            archive=doc.archive, physical=doc.physical, body=doc.body, notes=doc.notes,
            source=SourceSpan(path, doc.block.first, last), unnumbered_notes=doc.unnumbered,
        ))
    persons = register(parties, refs)
    diags.sort(key=lambda d: (d.path, d.line))
    return Ingested(edition, tuple(letters), persons, tuple(diags))


def _last_content_line(block: Block) -> int | None:
    for line in reversed(block.lines):
        if not line.blank:
            return line.n
    return None


def _split_unnumbered(blocks: tuple[Block, ...]) -> list[Block]:
    """A document printed without a number starts after the notes of the one before it, with a
    heading line followed by a date line."""
    out: list[Block] = []
    for block in blocks:
        lines = list(block.lines)
        start = 0
        number = block.number
        first = block.first
        in_notes = False
        for i, line in enumerate(lines):
            if NOTES_HEADING.match(line.text.strip()):
                in_notes = True
                continue
            if not in_notes or i + 1 >= len(lines):
                continue
            if parse_heading(line.text) is not None and parse_date(lines[i + 1].text) is not None:
                out.append(Block(number, tuple(lines[start:i]), first))
                start, number, first, in_notes = i, None, line.n, False
        out.append(Block(number, tuple(lines[start:]), first))
    return out
