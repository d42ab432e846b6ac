"""Endnotes: the "Notes:" section, the marks in the text that call them, and lost marks.

Machine translation glues note numbers into words and drops some of them. Definitions come as
"1 At the top...", "2On September 7", "4Myasnikov returned", "11 . In October"; a definition that
lost its number gets it from its place between its neighbours. In the text a mark is a number
where a number makes no sense: "T. Stalin 1 .", "I 3should", "Group 3was", "Moscow4 .",
"Hamburg performed 7.". A number is a mark only if a note of that number exists and the marks
so far still rise ("paragraphs 1 and 2" after mark 7 is text); quantities, dates, list items and
section numbers are never marks ("11,000 rifles", "1 1/2", "1) informed", "1. Pro domo sua").

Where the source lost a mark, a careful editor looks for its trace: a stray space before a full
stop ("have spoken out .") between the neighbouring marks, or the abbreviation a note identifies
("A.I." for "A. I. Rykov."). The ingest reports that place; it never inserts a mark itself.
Pure functions; never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import MONTHS, RU_MONTHS
from .segment import SourceLine

_DEF = re.compile(r"^(?P<n>\d{1,3})(?:\s*\.)?(?:\s+|(?=[A-Z\u0410-\u042f«“\"'(\[]))(?P<text>\S.*)$")


@dataclass(frozen=True)
class NoteDef:
    n: int
    text: str
    """The note as printed, number removed (several source lines joined by a space)."""
    line: int
    """Source line of the definition."""
    numbered: bool
    """False when the source lost the number and it was supplied from the note's position."""


@dataclass(frozen=True)
class NoteIssue:
    line: int
    message: str
    code: str


def parse_notes(lines: list[SourceLine], mark_hints: set[int] | None = None
                ) -> tuple[list[NoteDef], list[NoteIssue]]:
    """The lines of a "Notes:" section -> definitions, numbered as printed.

    mark_hints are numbers the text seems to mark; they decide whether text after the last
    numbered note is a further, unnumbered note or the last note's next paragraph.
    """
    hints = mark_hints or set()
    issues: list[NoteIssue] = []
    items: list[tuple[SourceLine, int | None, str]] = []
    last = 0
    pending = 0
    for line in lines:
        if line.blank:
            continue
        text = line.text.strip()
        m = _DEF.match(text)
        n = int(m["n"]) if m else None
        # a number is a definition's number only when it continues the sequence (allowing for
        # the unnumbered notes before it and one note the source may have lost altogether)
        if n is not None and last < n <= last + pending + 2:
            items.append((line, n, m["text"].strip()))
            last, pending = n, 0
        else:
            items.append((line, None, text))
            pending += 1

    notes: list[NoteDef] = []
    i = 0
    prev_n = 0
    while i < len(items):
        line, n, text = items[i]
        if n is not None:
            notes.append(NoteDef(n, text, line.n, True))
            prev_n = n
            i += 1
            continue
        run_start = i
        while i < len(items) and items[i][1] is None:
            i += 1
        run = items[run_start:i]
        next_n = items[i][1] if i < len(items) else None
        if next_n is not None:
            missing = next_n - prev_n - 1
        else:
            missing = 0
            for k in range(1, len(run) + 1):
                if prev_n + k in hints or prev_n == 0:
                    missing = k
                else:
                    break
        if missing <= 0:
            if notes:  # further paragraphs of the note before
                last_note = notes[-1]
                joined = " ".join([last_note.text] + [t for _, _, t in run])
                notes[-1] = NoteDef(last_note.n, joined, last_note.line, last_note.numbered)
            elif i < len(items):  # text before note 1: its beginning, cut from its number
                issues.append(NoteIssue(run[0][0].n, "text stands before the first numbered note "
                                        "and is kept as the beginning of that note; check it",
                                        "note-ambiguous"))
                line, n, text = items[i]
                items[i] = (line, n, " ".join([t for _, _, t in run] + [text]))
            continue
        if missing < len(run):
            issues.append(NoteIssue(run[0][0].n, f"{len(run)} unnumbered lines stand where "
                                    f"{missing} note(s) are missing: the first {missing} were "
                                    "taken as notes and the rest as their continuation; check "
                                    "the split", "note-ambiguous"))
        for k, (line, _, text) in enumerate(run):
            if k < missing:
                number = prev_n + k + 1
                notes.append(NoteDef(number, text, line.n, False))
            else:
                last_note = notes[-1]
                notes[-1] = NoteDef(last_note.n, last_note.text + " " + text, last_note.line,
                                    last_note.numbered)
        if next_n is not None and missing > len(run):
            issues.append(NoteIssue(run[-1][0].n, f"notes {prev_n + len(run) + 1}–{next_n - 1} "
                                    "are missing from the source", "note-missing"))
        prev_n = notes[-1].n
    return notes, issues


# --- marks in the text -----------------------------------------------------------------------

#: Words after which a number is a quantity, a date or a reference, never a note mark.
_NOT_BEFORE_MARK = frozenset("""
no. no nos. № platform platforms paragraph paragraphs point points item items issue issues article
articles clause clauses page pages p. pp. part parts section sections chapter chapters volume vol.
number numbers of and or to from than about approximately by for on in at the a an with over
under only all after before each every per is are was were be been his her its their our my your
some these those first last next nearly almost around up down into until till since within among
between f. d. l. op. on. st. s. t. total roughly approx. ca. c.
№№ пункт пункта пункте пункты пунктов статья статьи статье ст. стр. с. т. л. лл. д. ф. оп. гл.
глава главы том тома вып. выпуск ч. часть части от в во на с со по до к ко и или из за около
примерно почти более менее свыше всего лишь только уже из-за через под над при о об после
перед между каждые каждый №
""".split())
_ABBREVIATIONS = frozenset("etc tov comrade com ibid cf resp approx тов см ср др пр гг".split())
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b|-?(?:й|я|го|е|х|м|ми)\b")
#: Words after which a number is a quantity: "5 тыс.", "10 млн", "3 руб.".
_UNITS = frozenset("тыс тысяч тысячи млн миллионов миллиона млрд руб рублей рубля коп пуд пудов "
                   "чел человек верст км час часов мин дней дня лет года".split())
_DIGITS = re.compile(r"(?<![\d])\d+(?![\d])")


@dataclass(frozen=True)
class Candidate:
    """A number in a paragraph that may be a note mark."""

    n: int
    start: int
    end: int
    strong: bool
    """Only a mark makes sense here (" 1 .", "3should", "Moscow4 ."); a weak one could be a
    quantity ("5 should" after an abbreviation)."""
    glued_before: bool
    """The number is glued to the word after it ("3should")."""


def _previous_word(before: str) -> str:
    words = before.split()
    return words[-1] if words else ""


def _is_sentence_end(word: str) -> bool:
    """"resignation." ends a sentence; "A.D.Ts.", "etc.", "T." do not."""
    if not word.endswith("."):
        return False
    core = word[:-1]
    if "." in core or len(core) < 3 or not core.isalpha():
        return False
    return core.lower() not in _ABBREVIATIONS


def candidates(text: str) -> list[Candidate]:
    """Numbers in a paragraph that could be note marks, weakest forms included."""
    out: list[Candidate] = []
    for m in _DIGITS.finditer(text):
        c = _candidate(text, m.start(), m.end())
        if c is not None:
            out.append(c)
    m = _NUMBER_WORD.search(text)
    if m:  # "Hello, dear Vladimir Ilyich! one": the translation wrote the mark out as a word
        out.append(Candidate(_NUMBER_WORDS.index(m.group(1).lower()) + 1, m.start(1), m.end(1),
                             False, False))
    return out


_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
#: A number written out as a word at the end of a paragraph, after the end of a sentence.
_NUMBER_WORD = re.compile(r"(?<=[.!?]) (one|two|three|four|five|six|seven|eight|nine|ten)\s*\.?$",
                          re.I)


def _candidate(text: str, s: int, e: int) -> Candidate | None:
    digits = text[s:e]
    if len(digits) > 3 or digits.startswith("0"):
        return None
    n = int(digits)
    before, after = text[:s], text[e:]
    if not before.strip():
        return None  # a number opening a paragraph: "1. Pro domo sua", "2 Berlin districts"
    if re.match(r"[.,:/][\dIVXLC]|/|\s*[-–—]\s*\d|\s+\d|\s*%|\s*,\s*\d|\)|[-–—]\w", after):
        return None  # 11,000 / 1.XI / 19/X / 29-31 / 1 1/2 / 40% / 200, 300 / 1) / 5-year
    if re.search(r"(?:\d\s*[,./:–—-]\s*|[(/№#§$£]|[-–—])$", before):
        return None  # 300, 500 / (20 million / No.5 / 19/X / twenty-5
    if _ORDINAL.match(after):
        return None  # 15th, 3rd
    glued_after = before[-1].isalpha() or before[-1] == "]"
    glued_before = after[:1].isalpha()
    if glued_after and glued_before:
        return None  # a code such as "A4b"
    if glued_before:
        # "I 3should", "Group 3was": the digit stands alone before a lower-case word
        if not before.endswith(" ") or not after[:1].islower():
            return None
        return Candidate(n, s, e, True, True)
    if glued_after:
        # "Moscow4 .": a word, the digit, then punctuation or the end of the line
        if re.match(r"\s*(?:[.,;:!?)»”]|$)|\s+[-–—]\s", after):
            return Candidate(n, s, e, True, False)
        # "комиссии Дзержинского1 и": the original's superscript before the next word
        if before[-1].islower() and re.match(r"\s[а-яёa-z]", after) and len(digits) <= 2:
            return Candidate(n, s, e, False, False)
        return None
    word = _previous_word(before).lstrip("([«\"'“‘")
    if word.lower() in _NOT_BEFORE_MARK or word.lower().rstrip(",") in _NOT_BEFORE_MARK:
        return None
    if word.lower() in MONTHS or word.lower().rstrip(".") in MONTHS:
        return None  # "October 31"
    following = after.split()[0].lower().strip(".,;:") if after.split() else ""
    if following in RU_MONTHS or following in MONTHS or following in _UNITS:
        return None  # "24 января", "5 May", "10 тыс."
    if before.endswith(" ") and _is_sentence_end(word):
        return None  # a sentence opening with a number: "resignation. 2 Berlin districts"
    if not before.endswith(" ") and before[-1] not in ").,;:!?\"'”»’":
        return None
    if re.match(r"\s*(?:[.,;:!?)]|$)", after):
        return Candidate(n, s, e, True, False)  # " 1 .", "performed 7.", "etc. 2"
    if re.match(r"\s+\S", after):
        return Candidate(n, s, e, False, False)  # "A.D.Ts. 5 should"
    return None


def choose_marks(found: list[tuple[int, Candidate]], defined: set[int]) -> set[tuple[int, int]]:
    """From (paragraph index, candidate) pairs in reading order, the marks: numbers with a note,
    rising through the text, chosen to keep as many strong candidates as possible.

    Returns the chosen (paragraph index, start offset) pairs.
    """
    items = [(p, c) for p, c in found if c.n in defined]
    if not items:
        return set()
    # score: (weight of strong and weak marks, fewer note numbers skipped); higher is better
    best = [((3 if c.strong else 1), -(c.n - 1)) for _, c in items]
    back = [-1] * len(items)
    for j, (_, cj) in enumerate(items):
        gain = 3 if cj.strong else 1
        for i in range(j):
            ci = items[i][1]
            if ci.n < cj.n:
                score = (best[i][0] + gain, best[i][1] - (cj.n - ci.n - 1))
                if score > best[j]:
                    best[j], back[j] = score, i
    j = max(range(len(items)), key=lambda k: (best[k], -k))
    chosen = set()
    while j != -1:
        p, c = items[j]
        chosen.add((p, c.start))
        j = back[j]
    return chosen


def place_marks(texts: list[str], defined: set[int], skip: frozenset[int] = frozenset(),
                given: tuple[tuple[int, Candidate], ...] = ()) -> dict[int, list[Candidate]]:
    """The note marks in a letter's paragraphs (paragraph index -> its marks): candidates of
    every paragraph but those in skip, and the given ones (a mark glued to a dateline), filtered
    by choose_marks."""
    found = [(p, c) for p, text in enumerate(texts) if p not in skip for c in candidates(text)]
    found = sorted(found + list(given), key=lambda pc: (pc[0], pc[1].start))
    chosen = choose_marks(found, defined)
    marks: dict[int, list[Candidate]] = {}
    for p, c in found:
        if (p, c.start) in chosen:
            marks.setdefault(p, []).append(c)
    return marks


def apply_marks(text: str, marks: list[Candidate], escape) -> str:
    """The paragraph as body Markdown: text escaped, chosen numbers written `[^n]`, the spaces
    that only separated the number from its word or punctuation removed."""
    out: list[str] = []
    pos = 0
    for c in sorted(marks, key=lambda c: c.start):
        cut = c.start
        while cut > pos and text[cut - 1] == " ":
            cut -= 1
        end = c.end
        rest = text[end:]
        stripped = rest.lstrip(" ")
        if stripped[:1] in tuple(".,;:!?)") or not stripped:
            end += len(rest) - len(stripped)
        if stripped[:1] == "." and text[cut - 1:cut] == "." and stripped[1:2] != ".":
            end += 1  # "armistice.1 .": one full stop, not two
        out.append(escape(text[pos:cut]))
        out.append(f"[^{c.n}]")
        if c.glued_before:
            out.append(" ")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


# --- where a lost mark stood -----------------------------------------------------------------

#: A space before punctuation, where a number between them was lost: "have spoken out .".
_STRAY = re.compile(r"(?<=[^\W\d_]|[\])”\"'])( +)([.,;:!?])(?![.\d])")
_NAME_NOTE = re.compile(r"^(?P<initials>(?:[A-Z][a-z]?\.\s*){1,3})(?P<surname>[A-Z][\w'’-]+)\.?$")


@dataclass(frozen=True)
class Site:
    """A place in the text where a lost mark probably stood."""

    paragraph: int
    offset: int
    """Offset in the paragraph text just after which the mark stood."""
    context: str
    """The words before the place, as printed."""
    reason: str


def context_before(text: str, offset: int, words: int = 4) -> str:
    return " ".join(text[:offset].split()[-words:])


def stray_sites(paragraphs: list[str]) -> list[Site]:
    out = []
    for p, text in enumerate(paragraphs):
        for m in _STRAY.finditer(text):
            out.append(Site(p, m.start(), context_before(text, m.start()),
                            f'a stray "{m.group(0)}" is left there'))
    return out


def identified_site(note_text: str, paragraphs: list[str]) -> Site | None:
    """For a note that identifies a person by name ("A. I. Rykov."), the place in the text where
    the person's initials stand on their own ("instead of A.I. e.")."""
    m = _NAME_NOTE.match(note_text.strip())
    if m is None:
        return None
    letters = re.findall(r"[A-Z][a-z]?", m["initials"])
    pattern = r"(?<![\w.])" + r"\.\s?".join(map(re.escape, letters)) + r"\.(?!\s?[A-Z][a-z]?\.)"
    for p, text in enumerate(paragraphs):
        found = re.search(pattern, text)
        if found:
            return Site(p, found.end(), found.group(0),
                        f'the note identifies "{note_text.strip()}"')
    return None
