"""The validation gate: every consistency check over a whole edition, as diagnostics.

Pure: takes a letter's Reading (letters.analyse) or the Corpus (corpus.build_corpus) and returns
diagnostics, one line each, `path:line: level: message [code]`. Reading a record already reports
what one file alone can say (YAML errors, malformed dates, bad ids, invalid UTF-8: records.py),
analysing it what is wrong with its body markup (an unknown {.part}: letters.py), and
build_corpus duplicate ids; the checks here look at a note mark against the note definitions
and a date against its own printed text (check_letter), and across records: a person ref
against the register, a reply against the letter it answers (check_corpus). `check`, `build`
and `serve` all run them.

Levels: an error is something the site would render wrong or not at all (a link to nothing, a note
mark pointing nowhere, two notes with one id); a warning is legitimate but must be visible to the
editors (a note whose mark the source lost, a person in the register no letter names).

Codes (stable; tests and editors rely on them):

    person-unknown          a sender or recipient ref that is not in its register (persons.yaml,
                            or organisations.yaml for a body)
    person-unused           an entry of persons.yaml that no letter names or mentions (warning)
    note-mark-undefined     a mark [^n] in the body with no definition [^n]: below it
    note-unanchored         a note with no mark in the body (warning)
    note-duplicate          two definitions with one number
    note-order              note definitions not in ascending order (warning)
    note-mark-order         note marks first appearing out of ascending order (warning)
    note-unnumbered-unknown a number in unnumbered_notes with no such note
    date-conflict           `when` outside its own not_before/not_after
    date-text-mismatch      the normalised date contradicts the year or month printed in date.text
    date-after-source       the letter is dated after the printed collection was published
    date-supplied-unflagged brackets in the printed date but no `supplied: true` (warning)
    reply-unknown           in_reply_to names no letter of the edition (a warning for a TEI letter,
                            whose correspContext may point outside the edition)
    reply-self              a letter that answers itself
    reply-before-original   a reply dated before the letter it answers (warning)
    number-duplicate        two letters with one printed number (warning)
    id-filename             a record whose id differs from its file name (warning)
    edition-url             base_url or licence_url in edition.yaml that is not an http(s) URL
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
import re
from pathlib import PurePosixPath
from typing import Any, Iterable
from urllib.parse import urlsplit

from .body import note_marks_with_lines
from .corpus import Corpus
from .diagnostics import Diagnostic, error, warning
from .export.xmlutil import NOT_XML
from .letters import Reading, Summary
from .model import Edition, Letter
from .records import is_iso_date, letter_to_front_matter

_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH_NAME = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b", re.IGNORECASE)
_ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
#: A month in Roman numerals between a day and a year: "1.XI.1923", "22/XI-23".
_ROMAN_MONTH = re.compile(r"(?<=\d[./])(" + "|".join(reversed(_ROMAN_MONTHS)) + r")(?=[./-]\d)")


def check_letter(reading: Reading, edition_year: int | None) -> list[Diagnostic]:
    """The checks that read one letter (and the edition's year) only: its notes and their marks,
    its date, its file name, characters XML cannot hold."""
    return (_check_notes(reading) + _check_date(reading, edition_year)
            + _check_file_name(reading) + _unsafe_in(reading.letter))


def check_edition_files(edition: Edition, edition_path: str, build_date: str | None
                        ) -> list[Diagnostic]:
    """What edition.yaml lacks for the open data: a publication date (cmif.xml must carry one),
    someone responsible for the TEI and CMIF files, characters XML can hold."""
    diags = [_unsafe_warning(edition_path, 1, key, "the TEI and CMIF files show", m)
             for key, value in _edition_fields(edition) for m in _first_unsafe(value)][:1]
    date = edition.published or build_date
    if date is not None and not is_iso_date(date):
        diags.append(warning(edition_path, 1, f"published '{date}' is not a date in ISO 8601 "
                             "form (YYYY-MM-DD); cmif.xml and the sitemap need one",
                             "export-bad-date"))
        date = None
    if date is None:
        diags.append(warning(edition_path, 1, "edition.yaml has no 'published' date, so "
                             "data/cmif.xml (which must carry one) is not written; add "
                             "'published: YYYY-MM-DD'", "export-no-date"))
    if not (edition.editors or edition.compilers):
        diags.append(warning(edition_path, 1, "edition.yaml names no 'editors' or "
                             "'compilers'; the TEI and CMIF files name nobody responsible for "
                             "them; add 'editors: [NAME]'", "export-no-editors"))
    return diags


def _unsafe_in(letter: Letter) -> list[Diagnostic]:
    """A warning for a letter whose text holds a character XML cannot (a control character
    pasted from elsewhere, or written as a YAML escape); the XML files show U+FFFD for it."""
    shown = letter.path or letter.id
    for key, value in letter_to_front_matter(letter).items():
        for m in _first_unsafe(value):
            return [_unsafe_warning(shown, letter.line_of(key), key, "the TEI file shows", m)]
    places = [(letter.body, letter.body_line)]
    places += [(note.text, note.line) for note in letter.notes]
    for text, first_line in places:
        m = NOT_XML.search(text)
        if m:
            line = first_line + text.count("\n", 0, m.start()) if first_line else 1
            return [_unsafe_warning(shown, line, None, "the TEI file shows", m)]
    return []


def _edition_fields(edition: Edition) -> list[tuple[str, Any]]:
    return [(f.name, getattr(edition, f.name)) for f in dataclasses.fields(edition)]


def _first_unsafe(value: Any) -> list[re.Match]:
    """The first character XML cannot hold in a value read from YAML (strings, lists, maps)."""
    if isinstance(value, str):
        m = NOT_XML.search(value)
        return [m] if m else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _first_unsafe(item)
            if found:
                return found
    return []


def _unsafe_warning(path: str, line: int, key: str | None, shown_by: str, m: re.Match
                    ) -> Diagnostic:
    where = f" in '{key}'" if key else ""
    return warning(path, line, f"character U+{ord(m.group()):04X}{where} cannot appear in XML; "
                   f"{shown_by} U+FFFD in its place: delete it or type the character meant",
                   "export-bad-character")


def check_corpus(corpus: Corpus, edition_path: str = "edition.yaml",
                 unreadable: Unreadable | None = None) -> list[Diagnostic]:
    """Every check across records: a correspondent's ref against the register, a reply against
    the letter it answers, printed numbers, register entries no letter names, edition.yaml.

    `unreadable` says which register files and record files could not be read (their own
    errors say why): what only follows from that (refs to a register that could not be read, a
    reply to a record that could not be read) is left out, so that the cause stands alone."""
    unreadable = unreadable or Unreadable()
    diags: list[Diagnostic] = []
    persons_path = corpus.register_paths.get("persons", "persons.yaml")
    people = "persons" not in unreadable.registers
    for letter in corpus.letters:
        diags += _check_people(letter, corpus, unreadable.registers)
        if letter.in_reply_to not in unreadable.records:
            diags += _check_reply(letter, corpus)
    diags += _check_numbers(corpus)
    if people:
        diags += _check_unused_persons(corpus, persons_path)
    diags += _check_edition(corpus, edition_path)
    return diags


@dataclass(frozen=True)
class Unreadable:
    """What could not be read at all: registers by name, record files by the id their name
    gives."""

    registers: frozenset[str] = frozenset()
    records: frozenset[str] = frozenset()


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = _closest(word, candidates)
    return f"; did you mean '{close}'?" if close else ""


# --- persons -------------------------------------------------------------------------------------

def _check_people(letter: Summary, corpus: Corpus, skipped: frozenset[str]) -> list[Diagnostic]:
    """Each sender's and recipient's ref against the register it points into (persons, or
    organisations for a body); a register in `skipped` could not be read, so is not asked."""
    diags = []
    for key, role, people in (("senders", "sender", letter.senders),
                              ("recipients", "recipient", letter.recipients)):
        for person in people:
            register = person.register
            entries = corpus.registers.get(register, {})
            if person.ref is None or person.ref in entries or register in skipped:
                continue
            path = corpus.register_paths.get(register, f"{register}.yaml")
            by_name = sorted(p.ref for p in entries.values()
                             if person.name in (p.name, p.full_name, *p.variants))
            if by_name:
                hint = f"; did you mean '{by_name[0]}'?"
            else:
                hint = _did_you_mean(person.ref, entries)
                if not hint:
                    hint = f"; add '{person.ref}' to {path}"
            diags.append(error(letter.path, letter.line_of(key),
                               f"{role} '{person.name}' has ref '{person.ref}', which is not in "
                               f"{path}{hint}", "person-unknown"))
    return diags


def _check_unused_persons(corpus: Corpus, persons_path: str) -> list[Diagnostic]:
    """A register entry that is no party to any letter and that the text names nowhere (by the
    same name linking the pages use, corpus.mentions)."""
    used = {c.ref for letter in corpus.letters for c in (*letter.senders, *letter.recipients)}
    used |= {ref for kind, ref in corpus.mentions if kind == "person"}
    return [warning(persons_path, person.line or 1,
                    f"person '{person.ref}' ({person.name}) is named in no letter or note under "
                    "any of its names; remove the entry or add the spelling the text uses to its "
                    "variants", "person-unused")
            for person in corpus.persons.values() if person.ref not in used]


# --- notes ---------------------------------------------------------------------------------------

def _check_notes(reading: Reading) -> list[Diagnostic]:
    letter = reading.letter
    diags = []
    path = letter.path
    defined: dict[int, int] = {}
    for note in letter.notes:
        if note.n in defined:
            diags.append(error(path, note.line, f"note {note.n} is defined twice (other definition "
                               f"at {path}:{defined[note.n]}); give one of them its own number or "
                               "merge them", "note-duplicate"))
        else:
            defined[note.n] = note.line
    previous = None
    for note in letter.notes:
        if previous is not None and note.n < previous.n:
            diags.append(warning(path, note.line, f"note {note.n} comes after note {previous.n} "
                                 f"(line {previous.line}); keep the definitions in printed order",
                                 "note-order"))
        previous = note

    first_mark: dict[int, int] = {}
    order: list[int] = []
    for n, line in note_marks_with_lines(reading.blocks):
        line_no = letter.body_line + line
        if n not in first_mark:
            first_mark[n] = line_no
            order.append(n)
        if n not in defined:
            known = ", ".join(str(k) for k in sorted(defined)) or "none"
            diags.append(error(path, line_no, f"note mark [^{n}] has no definition "
                               f"(notes defined: {known}); add a line '[^{n}]: ...' at the end "
                               "or correct the number", "note-mark-undefined"))
    highest = 0
    for n in order:
        if n < highest:
            diags.append(warning(path, first_mark[n], f"note mark [^{n}] first appears after mark "
                                 f"[^{highest}]; check the numbers against the printed text",
                                 "note-mark-order"))
        highest = max(highest, n)
    for note in letter.notes:
        if note.n not in first_mark and defined.get(note.n) == note.line:
            diags.append(warning(path, note.line, f"note {note.n} has no mark [^{note.n}] in the "
                                 "text; it is shown as unanchored (add the mark where it belongs "
                                 "if the source lost it)", "note-unanchored"))
    for n in letter.unnumbered_notes:
        if n not in defined:
            diags.append(error(path, letter.line_of("unnumbered_notes"), f"unnumbered_notes lists "
                               f"{n}, but there is no note {n}{_did_you_mean_number(n, defined)}",
                               "note-unnumbered-unknown"))
    return diags


def _did_you_mean_number(n: int, defined: Iterable[int]) -> str:
    known = sorted(defined)
    return f" (notes defined: {', '.join(map(str, known))})" if known else " (the letter has no notes)"


# --- dates ---------------------------------------------------------------------------------------

def _check_date(reading: Reading, year: int | None) -> list[Diagnostic]:
    letter = reading.letter
    diags = []
    date = letter.date
    path, line = letter.path, letter.line_of("date")
    if date.when is not None:
        if date.not_before is not None and _before(date.when, date.not_before):
            diags.append(error(path, line, f"date.when {date.when} is before date.not_before "
                               f"{date.not_before}; correct one of them or drop the range",
                               "date-conflict"))
        if date.not_after is not None and _before(date.not_after, date.when):
            diags.append(error(path, line, f"date.when {date.when} is after date.not_after "
                               f"{date.not_after}; correct one of them or drop the range",
                               "date-conflict"))

    if date.when is not None:
        # a TEI letter's printed date is the transcription, which its editors may have dated
        # otherwise on purpose: said, but no reason to stop the build
        level = warning if letter.blocks is not None else error
        diags += _check_printed(date.when, date.text, path, line, level)
    for key in ("when", "not_before", "not_after"):
        value = getattr(date, key)
        if value is not None and year is not None and int(value[:4]) > year:
            diags.append(error(path, line, f"date.{key} {value} is after {year}, the year the "
                               "printed collection appeared; check the year",
                               "date-after-source"))
    if "[" in date.text and not date.supplied:
        diags.append(warning(path, line, f"date '{date.text}' has editorial brackets; add "
                             "'supplied: true' to the date", "date-supplied-unflagged"))
    return diags


def _before(a: str, b: str) -> bool:
    """ISO date a is wholly before b, at the precision both share ("1923" is not before "1923-11")."""
    n = min(len(a), len(b))
    return a[:n] < b[:n]


def _check_printed(when: str, text: str, path: str, line: int, level=error) -> list[Diagnostic]:
    """`when` against the year and month the printed date states ("November 1, 1923", "1.XI.1923")."""
    diags = []
    years = sorted(set(_YEAR.findall(text)))
    if years and when[:4] not in years:
        diags.append(level(path, line, f"date.when {when} contradicts the printed date '{text}' "
                           f"(year {' or '.join(years)}); correct one of them", "date-text-mismatch"))
    months = {_MONTHS.index(m.lower()) + 1 for m in _MONTH_NAME.findall(text)}
    months |= {_ROMAN_MONTHS.index(m) + 1 for m in _ROMAN_MONTH.findall(text)}
    if len(months) == 1 and len(when) >= 7:
        month = months.pop()
        if int(when[5:7]) != month:
            diags.append(level(path, line, f"date.when {when} contradicts the printed date "
                               f"'{text}' (month {_MONTHS[month - 1].capitalize()}); correct one "
                               "of them", "date-text-mismatch"))
    return diags


# --- links between letters -----------------------------------------------------------------------

def _check_reply(letter: Summary, corpus: Corpus) -> list[Diagnostic]:
    target = letter.in_reply_to
    if target is None:
        return []
    path, line = letter.path, letter.line_of("in_reply_to")
    if target == letter.id:
        return [error(path, line, f"letter '{letter.id}' is recorded as a reply to itself; set "
                      "in_reply_to to the letter it answers, or null", "reply-self")]
    original = corpus.by_id.get(target)
    if original is None and letter.path.endswith(".xml"):
        # a TEI letter's correspContext may point at a letter another edition holds, or one not
        # yet edited: said, but the page simply names no letter it answers
        return [warning(path, line, f"the letter this one answers, '{target}', is not in the "
                        "edition; its page links to no letter it answers", "reply-unknown")]
    if original is None:
        hint = _did_you_mean(target, (i for i in corpus.by_id if i != letter.id))
        return [error(path, line, f"in_reply_to '{target}' names no letter of the edition (no "
                      f"letters/{target}.md with id '{target}'){hint}", "reply-unknown")]
    mine, theirs = letter.date.sort_key, original.date.sort_key
    if mine != "9999" and theirs != "9999" and _before(mine, theirs):
        return [warning(path, line, f"letter '{letter.id}' ({mine}) answers letter "
                        f"'{original.id}' at {original.path}:{original.line_of('date')}, which is "
                        f"dated later ({theirs}); check both dates and in_reply_to",
                        "reply-before-original")]
    return []


def _check_numbers(corpus: Corpus) -> list[Diagnostic]:
    seen: dict[int, Summary] = {}
    diags = []
    for letter in sorted(corpus.letters, key=lambda x: (x.path, x.id)):
        if letter.number is None:
            continue
        other = seen.get(letter.number)
        if other is None:
            seen[letter.number] = letter
            continue
        diags.append(warning(letter.path, letter.line_of("number"), f"number {letter.number} is "
                             f"also the number of letter '{other.id}' ({other.path}:"
                             f"{other.line_of('number')}); printed numbers are unique",
                             "number-duplicate"))
    return diags


def _check_edition(corpus: Corpus, edition_path: str) -> list[Diagnostic]:
    """Links the pages print from edition.yaml must go to the web, never run script."""
    if corpus.edition is None:
        return []
    diags = []
    for key in ("base_url", "licence_url"):
        value = getattr(corpus.edition, key)
        if value is None:
            continue
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            diags.append(error(edition_path, 1, f"{key} '{value}' is not a web address; give an "
                               "absolute http:// or https:// URL", "edition-url"))
    return diags


def _check_file_name(reading: Reading) -> list[Diagnostic]:
    letter = reading.letter
    if not letter.path or not letter.path.endswith(".md"):
        return []
    stem = PurePosixPath(letter.path).stem
    if stem == letter.id:
        return []
    return [warning(letter.path, letter.line_of("id"), f"id '{letter.id}' differs from the file "
                    f"name '{stem}.md'; rename the file to '{letter.id}.md' so the two agree",
                    "id-filename")]
