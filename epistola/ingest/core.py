"""A raw transcription -> edition metadata, letter records, persons and diagnostics.

`ingest_text` is pure: text in, records and diagnostics out. A document is read by an ordered list
of small rules (DOCUMENT_RULES), each taking what it can from the lines still unread and saying
what it could not read. Diagnostics point at the line of the source file an editor would check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ..frozen import FrozenMap
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
from .dates import Dateline, ParsedDate, parse_date, parse_short_date, split_note_mark
from .headers import (
    Heading,
    Party,
    initials,
    is_person_name,
    normalise_initials,
    parse_heading,
    person_ref,
    slug,
    surname,
)
from .names import is_cyrillic, latin_key, transliterate
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
from .parts import ADDRESS, Para, dateline_and_mark, mark_parts, paragraphs
from .segment import NOTES_HEADING, Block, SourceLine, segment, source_lines

UNKNOWN = "[unknown]"


@dataclass(frozen=True)
class Ingested:
    """What one source yields."""

    edition: Edition | None
    letters: tuple[Letter, ...]
    persons: tuple[Person, ...]
    diagnostics: tuple[Diagnostic, ...]
    unmatched: bool = False
    """Some Russian name found no entry among the persons ingest was told of; read again with
    the persons of the other sources, it may."""


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
    author: Party | None = None
    """The author's name a reprint prints above the heading ("Сталин И.В.")."""
    printed: list[str] = field(default_factory=list)
    """Where the text was printed, as the page names it ("Источник: …")."""
    place_line: SourceLine | None = None

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
    """The first line names sender(s) and recipient(s); a reprint puts its author's name above
    a heading that names the recipient alone ("Сталин И.В." / "Письмо Б.И. Магидову")."""
    _skip_blank(doc)
    if not doc.rest:
        doc.warn(doc.block.first, f"{doc.label} has no text after its number (page cut off?)",
                 "source-cut-off")
        return
    author = author_name(doc.rest[0].text)
    if author is not None and len(doc.rest) > 1:
        following = next((x for x in doc.rest[1:] if not x.blank), None)
        if following is not None and parse_heading(following.text) is not None:
            doc.author = Party(author)
            doc.rest.pop(0)
            _skip_blank(doc)
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
        if heading.doubt:
            doc.warn(line.n, heading.doubt, "header-ambiguous")
        if heading.date:
            doc.date = parse_date(heading.date)
            if doc.date is not None:
                _report_date(doc, line.n, doc.date)
    doc.rest.pop(0)


def author_name(text: str) -> str | None:
    """The author's name alone on a line above a heading: "Сталин И.В.", "J. V. Stalin"."""
    text = text.strip()
    m = _SURNAME_FIRST.match(text)
    if m and not _SURNAME_FIRST_TRAP.search(text):
        return normalise_initials(f"{m['initials'].strip()} {m['surname']}")
    if _INITIALS_NAME.match(text):
        return normalise_initials(text.rstrip("."))
    return None


_SURNAME_FIRST = re.compile(r"^(?P<surname>[A-ZА-ЯЁ][a-zа-яё'’\-]+)\s+(?P<initials>(?:[A-ZА-ЯЁ][a-zа-яё]?"
                            r"\.\s*){1,3})$")
_SURNAME_FIRST_TRAP = re.compile(r"^(?:Tov|Тов|Т)\b")
_INITIALS_NAME = re.compile(r"^(?:[A-ZА-ЯЁ][a-zа-яё]?\.\s*){1,3}[A-ZА-ЯЁ][a-zа-яё'’\-]+\.?$")


def rule_date(doc: Doc) -> None:
    """The line under the heading dates the document (unless the heading did)."""
    if doc.date is not None:
        return
    _skip_blank(doc)
    if not doc.rest:
        return
    line = doc.rest[0]
    parsed = parse_date(line.text) or _short_date(line.text)
    if parsed is None:
        marked = split_note_mark(line.text)
        if marked is not None:
            parsed = parse_date(marked[0]) or _short_date(marked[0])
            if parsed is not None:  # "Не ранее 26 декабря 1932 г.1": the date line stays in
                doc.opening_dateline = Para((line,), "dateline", Dateline(None, parsed),
                                            mark=marked[1])  # the body, to carry its note mark
    if parsed is None:
        text = line.text.strip()
        looks_like_date = len(text) <= 60 and bool(
            re.search(r"\b(1[6-9]|20)\d\d\b|\b(?:January|February|March|April|May|June|July|"
                      r"August|September|October|November|December)\b", text)
            or re.search(r"(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|"
                         r"ноябр|декабр)\w*\s+\d{4}", text, re.I))
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
    _report_date(doc, line.n, parsed)


def _report_date(doc: Doc, line: int, parsed: ParsedDate) -> None:
    d = parsed.date
    if d.alternative:
        doc.warn(line, f"the date '{d.text}' is printed in the Old Style and the New Style; "
                 f"recorded as {d.when} (New Style) with {d.alternative} (Old Style) as the "
                 "alternative", "date-two-styles")
    elif parsed.approximate:
        span = d.when or f"{d.not_before or '…'} to {d.not_after or '…'}"
        reading = f" (the editors' reading: {d.reading})" if d.reading else ""
        doc.warn(line, f"the date '{d.text}' is approximate{reading}; recorded as {span}",
                 "date-approximate")
    elif d.supplied:
        doc.warn(line, f"the date '{d.text}' was partly supplied by the editors (in brackets); "
                 f"recorded as {d.when} with supplied: true", "date-supplied")


def _short_date(text: str) -> ParsedDate | None:
    """A date line printed as the writer abbreviated it ("10/1 1926"), when it names a year."""
    parsed = parse_short_date(text)
    return parsed if parsed is not None and parsed.date.when else None


#: What a page of a reprint or of an archive's site prints between the heading and the text:
#: "Источник:" and its book, "Архив:" and the archival line, "Датировка:", "Метки:".
_METADATA = re.compile(r"^(?P<key>Источник|Архив|Тип документа|Государство|Датировка|Метки|"
                       r"Реквизиты|Опубликовано|Публикуется по|Печатается по|Source|Archive|"
                       r"Published)(?:\s*:\s*(?P<value>.*)|\s*)$", re.I)
#: A site's own remark on its typography, which is no part of the document.
_SITE_REMARK = re.compile(r"^(?:Красным шрифтом|Жирным шрифтом|Курсивом обозначен|"
                          r"\[\d+\]\s*[-–—]\s*конец страницы)", re.I)


def rule_metadata(doc: Doc) -> None:
    """A reprint's or an archive site's lines about the document: where it was printed goes to
    `printed`, its archival line to `archive`; the site's remarks are dropped."""
    while True:
        _skip_blank(doc)
        if not doc.rest:
            return
        text = doc.rest[0].text.strip()
        if _SITE_REMARK.match(text):
            doc.rest.pop(0)
            continue
        m = _METADATA.match(text)
        if m is None:
            return
        key, line = m["key"].lower(), doc.rest.pop(0)
        value = [m["value"].strip()] if (m["value"] or "").strip() else []
        while len(value) < 4:
            nxt = next((x for x in doc.rest if not x.blank), None)
            if nxt is None or not _continues(value, nxt.text.strip()):
                break
            while doc.rest[0].blank:
                doc.rest.pop(0)
            value.append(doc.rest.pop(0).text.strip())
        joined = " ".join(value).strip()
        if not joined:
            continue
        if key in ("архив", "archive"):
            ref, physical = split_archive_line(joined)
            if ref is not None:
                doc.archive, doc.physical, doc.archive_line = ref, physical, line.n
                continue
        if key in ("источник", "source", "опубликовано", "published", "публикуется по",
                   "печатается по", "архив", "archive"):
            doc.printed.append(joined)


def _continues(value: list[str], text: str) -> bool:
    """Whether a line goes on with a metadata value: the value's first line after its key, or
    the rest of a reference wrapped onto the next line ("… Научно-издательская" / "компания
    “Северная корона”, 2004. С. 182–183.")."""
    if _METADATA.match(text) or _SITE_REMARK.match(text):
        return False
    if not value:
        return not _is_date_line(text) and dateline_and_mark(text, None)[0] is None
    last = value[-1]
    return not last.endswith((".", "!", "?")) and (text[:1].islower() or last.endswith(("-", "–", ":")))


def rule_second_date(doc: Doc) -> None:
    """A short date line under the date is the writer's own dating ("22/XI-23")."""
    if doc.opening_dateline is not None:
        return
    _skip_blank(doc)
    if not doc.rest:
        return
    line = doc.rest[0]
    dateline, mark = dateline_and_mark(line.text, doc.year)
    if dateline is None:
        return
    doc.opening_dateline = Para((line,), "dateline", dateline, mark=mark)
    doc.rest.pop(0)


_PLACE_LINE = re.compile(r"^(?:[A-ZА-ЯЁ][a-zа-яё'’-]+)(?:[ -][A-ZА-ЯЁ][a-zа-яё'’-]+){0,2}\.?$")


def rule_place(doc: Doc) -> None:
    """A single-document page may print the place on a line of its own under the date
    ("Tsaritsyn", "Москва."), above the text."""
    _skip_blank(doc)
    if len(doc.rest) < 2 or doc.place is not None:
        return
    text = doc.rest[0].text.strip()
    if not _PLACE_LINE.match(text) or ADDRESS.match(text):
        return
    named = {surname(p.name).lower()[:5] for p in (doc.heading.senders + doc.heading.recipients)
             } if doc.heading else set()
    if text.rstrip(".").split()[-1].lower()[:5] in named:
        return  # "Stalin." over the text is the address, not a place
    doc.place = Place(text.rstrip("."))
    doc.place_line = doc.rest.pop(0)


def rule_notes_section(doc: Doc) -> None:
    """Everything after the "Notes:" line is the notes."""
    for i, line in enumerate(doc.rest):
        if NOTES_HEADING.match(line.text.strip()):
            doc.note_lines = doc.rest[i + 1:]
            doc.rest = doc.rest[:i]
            doc.has_notes_section = True
            return


def rule_archive(doc: Doc) -> None:
    """The archival line ends the text: citation and physical description; the book a reprint
    names just above it ("Большевистское руководство. Переписка. 1912–1927. С. 46.") is where
    the text was printed."""
    for i in range(len(doc.rest) - 1, -1, -1):
        line = doc.rest[i]
        ref, physical = split_archive_line(line.text)
        if ref is None:
            continue
        after = [x for x in doc.rest[i + 1:] if not x.blank]
        signed = len(after) == 1 and _is_signature_line(after[0].text)
        if not doc.has_notes_section and after and _NOTE_START.match(after[0].text.strip()):
            doc.note_lines, after = after, []  # notes under the archival line, with no heading
            doc.has_notes_section = True
        extra = "" if signed else " ".join(x.text.strip() for x in after)
        doc.archive = ref
        doc.physical = " ".join(p for p in (physical, extra) if p) or None
        doc.archive_line = line.n
        doc.rest = doc.rest[:i]
        _take_printed_references(doc)
        if signed:  # a page that prints the signature under the archival line ("Ваш Сталин.")
            doc.rest.extend(after)
        return
    _take_printed_references(doc)
    if doc.archive is not None:
        return
    last = _last_content_line(doc.block) or doc.block.first
    doc.warn(last, f"{doc.label} has no archival line"
             + ("" if doc.has_notes_section else " and no notes")
             + "; the page may be cut off here: check the record against the printed edition",
             "source-cut-off")


#: A bibliographic reference on a line of its own: a year and a page ("Источник. 1995. № 5.
#: С. 117–118.", "Военные архивы России. 1993. Вып. 1. С. 410.").
_PRINTED_REFERENCE = re.compile(r"(?:1[89]|20)\d\d\b.{0,40}(?:\b[СCPS]|\bpp?|\bСтр)\.\s?\d+(?:\s?[-–—]\s?\d+)?"
                                r"\.?\s*$")


#: The first line of a note: its number, then text ("1 10 ноября 1923 г. Политбюро …").
_NOTE_START = re.compile(r"^1\s*\.?\s*(?:\D|\d{1,2}\s+\S)")


def _is_signature_line(text: str) -> bool:
    return signer(text) is not None and len(text.strip()) <= 40


def _take_printed_references(doc: Doc) -> None:
    """Up to two bibliographic lines at the end of the text are where it was printed."""
    taken: list[str] = []
    while doc.rest and len(taken) < 2:
        while doc.rest and doc.rest[-1].blank:
            doc.rest.pop()
        if not doc.rest:
            break
        text = doc.rest[-1].text.strip()
        if len(text) > 250 or not _PRINTED_REFERENCE.search(text):
            break
        taken.insert(0, text)
        doc.rest.pop()
    doc.printed.extend(taken)


def rule_body(doc: Doc) -> None:
    """The lines left are the letter: paragraphs and their letter parts."""
    paras = paragraphs(doc.rest)
    paras = mark_parts(paras, doc.year)
    if doc.place_line is not None and doc.place is not None:
        paras.insert(0, Para((doc.place_line,), "dateline", place=doc.place.name))
    if doc.opening_dateline is not None:
        paras.insert(0, doc.opening_dateline)
    if not paras:
        doc.warn(doc.block.first, f"{doc.label} has no text", "source-cut-off")
    doc.paras = paras
    doc.place = doc.place or _place(paras)
    _check_datelines(doc)


def rule_sender(doc: Doc) -> None:
    """A heading that names the recipient alone: the sender is the author above it, or the one
    who signed."""
    if doc.heading is None or doc.heading.senders:
        return
    if doc.author is not None:
        sender, where = doc.author, f"the author's name above the heading, '{doc.author.name}'"
    else:
        signed = next((p for p in doc.paras if p.part == "signature"), None)
        name = signer(signed.text) if signed is not None else None
        if name is None:
            doc.warn(doc.block.first, f"the heading '{doc.heading.title}' names no sender and "
                     "no one signed; fill in 'senders' in the record", "header-no-sender")
            sender, where = Party(UNKNOWN), None
        else:
            sender, where = Party(name), f"the signature '{signed.text}'"
    if where is not None and doc.author is None:
        doc.warn(doc.paras[0].first if doc.paras else doc.block.first,
                 f"the heading '{doc.heading.title}' names no sender; taken from {where}",
                 "header-sender-signature")
    h = doc.heading
    doc.heading = Heading(h.kind, (sender,), h.recipients, h.title, h.doubt, h.date)


def signer(signature: str) -> str | None:
    """The name a signature gives: "I. Stalin." -> "I. Stalin"; "Ваш Сталин." -> "Сталин"."""
    text = re.sub(r"\s*\d{1,3}\s*[.,]?\s*$", "", signature.strip())
    text = re.sub(r"^(?:Yours|Your|Ваш|Ваша|Твой|Твоя|Уважающий Вас|With greetings|С приветом)"
                  r"[,\s]+", "", text, flags=re.I)
    if ":" in text:
        text = text.rsplit(":", 1)[1]
    text = text.strip(" .,")
    return text if text and is_person_name(text) else None


def rule_notes_and_marks(doc: Doc) -> None:
    """Note definitions, the marks that call them, and the marks the source lost."""
    units = _units(doc.paras)
    texts = [line.text.strip() for line in units]
    skip = frozenset(u for u in range(len(units))
                     if doc.paras[_unit_para(doc.paras, u)].part == "dateline")
    glued = tuple(_dateline_mark(doc.paras[_unit_para(doc.paras, u)], u, texts[u]) for u in skip)
    glued = tuple(g for g in glued if g is not None)
    hints = {c.n for u, text in enumerate(texts) if u not in skip for c in candidates(text)}
    hints |= {c.n for _, c in glued}
    defs, issues = parse_notes(doc.note_lines, hints)
    for issue in issues:
        doc.warn(issue.line, issue.message, issue.code)
    defined = {d.n for d in defs}
    marks = place_marks(texts, defined, skip, glued)
    doc.body = _body(doc.paras, [apply_marks(text, marks.get(u, []), _escape)
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
    rule_heading, rule_date, rule_metadata, rule_second_date, rule_place, rule_notes_section,
    rule_archive, rule_body, rule_sender, rule_notes_and_marks,
)


def _dateline_mark(para: Para, unit: int, text: str) -> tuple[int, Candidate] | None:
    """The mark glued to the end of a dateline ("10/Х-33 г.2"), as a candidate of its line."""
    if para.mark is None or len(para.lines) != 1:
        return None
    m = re.search(rf"{para.mark}$", text)
    if m is None:
        return None
    return unit, Candidate(para.mark, m.start(), m.end(), True, False)


def _escape(text: str) -> str:
    """Source text as body Markdown; a line that would open a further text's section
    ("::: text ru") is escaped so that it stays text."""
    text = escape_markdown(text)
    return "\\" + text if text.startswith(":::") else text


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


def _correspondents(parties: tuple[Party, ...], refs: dict[Party, tuple[str, str]]
                    ) -> tuple[Correspondent, ...]:
    """Each party with its register key; a Russian name in the form the register matched."""
    return tuple(Correspondent(name, ref) for ref, name in (refs.get(p, (None, p.name))
                                                            for p in parties))


def _letter_id(doc: Doc, senders: tuple[Correspondent, ...],
               recipients: tuple[Correspondent, ...], taken: set[str]) -> str:
    """The printed number; for a document without one, its date and its first sender and
    recipient ("1918-05-04-stalin-chicherin"), so that the same page gives the same id again."""
    if doc.block.number is not None:
        base = str(doc.block.number)
    else:
        date = doc.date.date.sort_key if doc.date else "9999"
        date = "undated" if date == "9999" else date
        who = [_id_word(c) for c in (senders[:1] + recipients[:1]) if c.name != UNKNOWN]
        base = "-".join(x for x in (date, *who) if x) or "document"
    letter_id, k = base, 2
    while letter_id in taken:
        letter_id, k = f"{base}-{k}", k + 1
    taken.add(letter_id)
    return letter_id


def _id_word(c: Correspondent) -> str:
    """A person's surname ("stalin", transliterated from "Сталин"); an institution's first word."""
    if c.ref and not is_person_name(c.name):
        return c.ref.split("-")[0]
    return slug(surname(c.name))


class Register:
    """The persons ingest knows already (persons.yaml, the other sources), found by any form of
    their names: a Russian name by its transliteration and the register's variants ("Назаретян"
    is "Nazaretyan", "Коба" is Stalin when "Koba" is a variant) or by its names_other."""

    def __init__(self, persons: tuple[Person, ...]):
        self.by_key: dict[str, list[Person]] = {}
        for person in persons:
            if person.kind != "person":
                continue
            forms = [person.name, person.full_name or "", *person.variants]
            forms += [f for fs in person.names_other.values() for f in fs]
            keys = {latin_key(surname(f)) for f in forms if f.strip()}
            for key in keys - {""}:
                self.by_key.setdefault(key, []).append(person)

    def find(self, party: Party, case_forms: list[str]) -> tuple[Person, str] | None:
        """The register entry of a Russian name and the nominative form that matched it."""
        for form in case_forms:
            found = list(dict.fromkeys(self.by_key.get(latin_key(surname(form)), [])))
            if len(found) > 1:
                own = _latin_initials(form)
                found = [p for p in found if own and own == _latin_initials(p.name)] or found
            if len(found) == 1:
                return found[0], form
        return None


def _latin_initials(name: str) -> str:
    return "".join(w[0] for w in initials(transliterate(name)).split())


def assign_refs(parties: list[Party], known: tuple[Person, ...] = ()
                ) -> tuple[dict[Party, tuple[str, str]], bool]:
    """Register keys: a Russian name's entry in the register of known persons when it has one;
    else the surname (transliterated), people who share one told apart by their initials.
    Returns each party's (ref, name as recorded) and whether a Russian name matched nobody."""
    register_ = Register(known)
    by_ref: dict[str, list[Party]] = {}
    refs: dict[Party, tuple[str, str]] = {}
    unmatched = False
    for p in parties:
        if p.name == UNKNOWN or p in refs:
            continue
        if is_cyrillic(p.name) and not p.organisation:
            found = register_.find(p, [p.name, *p.alternatives])
            if found is not None:
                refs[p] = (found[0].ref, found[1])
                continue
            unmatched = True
        by_ref.setdefault(person_ref(p), []).append(p)
    for ref, group in by_ref.items():
        people = {initials(transliterate(p.name)) for p in group if not p.organisation} - {""}
        if len(people) <= 1 or any(p.organisation for p in group):
            for p in group:
                refs[p] = (ref, p.name)
            continue
        for p in group:
            own = initials(transliterate(p.name))
            refs[p] = (f"{ref}-{slug(own)}" if own else ref, p.name)
    return refs, unmatched


def register(parties: list[Party], refs: dict[Party, tuple[str, str]],
             known: tuple[Person, ...] = ()) -> tuple[Person, ...]:
    """A persons register entry for every sender and recipient, in order of first appearance;
    a Russian name gives the translation's spelling as the name and the Cyrillic forms in
    names_other (for a person known already, only those)."""
    names: dict[str, list[str]] = {}
    kinds: dict[str, bool] = {}
    for p in parties:
        if p in refs:
            ref, name = refs[p]
            names.setdefault(ref, []).append(name)
            kinds[ref] = kinds.get(ref, False) or p.organisation
    known_refs = {k.ref: k for k in known}
    out = []
    for ref, forms in names.items():
        forms = list(dict.fromkeys(forms))
        cyrillic = [f for f in forms if is_cyrillic(f)]
        latin = [f for f in forms if not is_cyrillic(f)]
        other = {"ru": tuple(cyrillic)} if cyrillic and not kinds[ref] else {}
        if ref in known_refs:
            k = known_refs[ref]
            out.append(Person(ref=ref, name=k.name, sort_name=k.sort_name, kind=k.kind,
                              names_other=FrozenMap(other)))
            continue
        pool = latin or [transliterate(f) for f in cyrillic]
        name = max(pool, key=lambda f: (len(initials(f)), -pool.index(f)))
        organisation = kinds[ref]
        if organisation and not latin:
            name = cyrillic[0]
        sort_name = None
        if not organisation:
            own = initials(name)
            last = name.replace("[", "").replace("]", "").split()[-1]
            sort_name = f"{last}, {own}" if own else None
        out.append(Person(ref=ref, name=name, sort_name=sort_name,
                          variants=tuple(f for f in pool if f != name),
                          kind="organisation" if organisation else "person",
                          names_other=FrozenMap(other)))
    return tuple(out)


_COMPILERS = re.compile(r"^(?:Compiled by|Compilers?|Comp\.|Compiled|Составители|Составитель|"
                        r"Сост\.)\s*:?\s*(?P<names>.+)$", re.I)
_COLLECTION_LINE = re.compile(r"\b(?:collection|documents|correspondence|edition|volume|vol\.|"
                              r"publish\w*|press|series|(?:1[89]|20)\d\d|сборник|документ\w*|"
                              r"переписка|издание|том|выпуск)\b", re.I)
#: A line of the page around the document, not the collection's: "Stalin Correspondences",
#: "Библиотека Михаила Грачева", "Предыдущая публикация". Short, and no sentence ends in it.
_PAGE_LINE = re.compile(r"^[^.!?…]{1,60}$|^.{1,60}[^.!?…:;,]$")


def read_collection(lines: tuple[SourceLine, ...], path: str, diags: list[Diagnostic]
                    ) -> Edition | None:
    """The collection's title, year, compilers and bibliographic description from the lines
    before the first document; a line of running text there is a page cut off above it."""
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
    collection = bool(_COLLECTION_LINE.search(title_line))
    for line in lines[1:]:
        text = line.text.strip()
        m = _COMPILERS.match(text)
        if m:
            compilers = tuple(normalise_initials(c) for c in re.split(r"\s*,\s*|\s+and\s+|\s+и\s+",
                                                                       m["names"].rstrip(".")) if c)
            collection = True
            continue
        if len(text) <= 160 and _COLLECTION_LINE.search(text):
            y = re.search(r"\b(1[89]\d\d|20\d\d)\s*\.?$", text)
            if y and year is None:
                year = int(y.group(1))
            described.append(text)
            collection = True
            continue
        if _PAGE_LINE.match(text) and not re.search(r"[a-zа-яё]{2}[.!?…]\s+\S", text):
            continue  # the site's own line: a section name, a link
        diags.append(warning(path, line.n, "a line before the first document is not part of any "
                             "letter (page cut off?); it was skipped", "source-skipped"))
    if not collection:
        return None
    source = " ".join(d if d.endswith(".") else d + "." for d in described)
    return Edition(title=title, compilers=compilers, year=year, source=source,
                   language="ru" if is_cyrillic(title) else "en")


def ingest_text(text: str, path: str, known: tuple[Person, ...] = ()) -> Ingested:
    """A raw transcription -> records. path is how diagnostics and records name the source;
    known are the persons of the register, which Russian names are matched against."""
    diags: list[Diagnostic] = []
    segments = segment(source_lines(text), heading=parse_heading, date=_is_date_line,
                       author=lambda t: author_name(t) is not None)
    edition = read_collection(segments.collection, path, diags)
    if not segments.blocks:
        diags.append(warning(path, 1, "no document found (expected a line 'No. N' before each "
                             "document, or a heading naming sender and recipient above a date "
                             "line)", "source-no-documents"))
    docs: list[Doc] = []
    parties: list[Party] = []
    for block in _split_unnumbered(segments.blocks):
        doc, found = read_document(block, path)
        docs.append(doc)
        parties.extend(found)
        diags.extend(doc.diags)
    refs, unmatched = assign_refs(parties, known)
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
        senders = _correspondents(heading.senders, refs)
        recipients = _correspondents(heading.recipients, refs)
        russian = _is_russian(doc)
        letters.append(Letter(
            id=_letter_id(doc, senders, recipients, taken), number=doc.block.number,
            title=heading.title, kind=heading.kind, senders=senders, recipients=recipients,
            date=date, place=doc.place, archive=doc.archive, physical=doc.physical, body=doc.body,
            notes=doc.notes, source=SourceSpan(path, doc.block.first, last),
            unnumbered_notes=doc.unnumbered, printed=tuple(doc.printed),
            language="ru" if russian else None, role="original" if russian else None,
        ))
    persons = register(parties, refs, known)
    diags.sort(key=lambda d: (d.path, d.line))
    return Ingested(edition, tuple(letters), persons, tuple(diags), unmatched)


def _is_date_line(text: str) -> bool:
    return parse_date(text) is not None or _short_date(text) is not None


def _is_russian(doc: Doc) -> bool:
    """Whether the document is printed in Russian: more Cyrillic letters than Latin ones."""
    text = " ".join(line.text for line in doc.block.lines)
    cyrillic = len(re.findall(r"[\u0400-\u04ff]", text))
    return cyrillic > len(re.findall(r"[A-Za-z]", text))


def _last_content_line(block: Block) -> int | None:
    for line in reversed(block.lines):
        if not line.blank:
            return line.n
    return None


def _split_unnumbered(blocks: tuple[Block, ...]) -> list[Block]:
    """A document printed without a number starts after the notes (or the archival line) of the
    one before it, with a heading line followed by a date line."""
    out: list[Block] = []
    for block in blocks:
        lines = list(block.lines)
        start = 0
        number = block.number
        first = block.first
        ended = False
        for i, line in enumerate(lines):
            if NOTES_HEADING.match(line.text.strip()) or split_archive_line(line.text)[0]:
                ended = True
                continue
            if not ended or i + 1 >= len(lines) or line.blank:
                continue
            following = next((x for x in lines[i + 1:] if not x.blank), None)
            if following is None:
                continue
            heading = parse_heading(line.text)
            if heading is not None and heading.senders and (
                    heading.date or _is_date_line(following.text)):
                out.append(Block(number, tuple(lines[start:i]), first))
                start, number, first, ended = i, None, line.n, False
        out.append(Block(number, tuple(lines[start:]), first))
    return out
