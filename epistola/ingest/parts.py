"""The body of a letter -> paragraphs, each marked with the letter part it is.

The source has one paragraph a line (or, in some layouts, paragraphs separated by blank lines).
An editor marks what the letter's own form tells: the address ("T. Stalin", "Tov. Stalin."), the
salutation ("Dear comrade St[alin]!"), section headings ("1. Pro domo sua", "2. Household."),
the closing ("With comradely greetings, N. Krestinsky."), the signature ("Arvid", "A[rvid].",
"I. Stalin."), the dateline ("Berlin, 1.XI.1923"; "Poltava" over "November 10th. G.") and
postscripts ("PS ...", "PSS ..."). The Russian original's forms are read alike ("Т. Сталин.",
"Дорогой тов. Магидов!", "С приветом", "Жму руку", "И. Сталин.", "22/ХI–23 г."). Each rule is
small and looks only where that part can stand. Pure functions; never raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .dates import Dateline, parse_dateline, split_note_mark
from .segment import SourceLine


@dataclass(frozen=True)
class Para:
    """A paragraph of the body: its source lines (pieces of lines, for a split salutation)."""

    lines: tuple[SourceLine, ...]
    part: str | None = None
    dateline: Dateline | None = None
    place: str | None = None
    """A place named by a place line next to a dateline ("Poltava")."""
    mark: int | None = None
    """A note mark glued to the end of a dateline ("10/Х-33 г.2"): the note's number."""

    @property
    def text(self) -> str:
        return " ".join(line.text.strip() for line in self.lines)

    @property
    def first(self) -> int:
        return self.lines[0].n


_SALUTATION = re.compile(r"^(?:Dear|My dear|Respected|Esteemed|Deeply respected|Hello|Greetings|"
                         r"Good day|Дорог(?:ой|ая|ие)|Милый|Милая|Уважаем(?:ый|ая|ые)|"
                         r"Многоуважаем(?:ый|ая)|Глубокоуважаем(?:ый|ая)|Здравствуй(?:те)?|Привет|"
                         r"Товарищи!)(?![\w])", re.I)
_SHORT_EXCLAMATION = re.compile(r"^[^.!?]{1,40}!$")
ADDRESS = re.compile(r"^(?:T\.|Tov\.|To\b|Comrade\b|comrade\b|Comrades\b|Copies\b|Copy\b|"
                      r"Secretary\b|Chairman\b|In the\b|To the\b|Т\.|Тов\.|Товарищу|Товарищам|"
                      r"Секретарю|Председателю|Членам|Копия|Копии|В ЦК|В Политбюро|Всем\b)")
_HEADING = re.compile(r"^(?:\d{1,2}|[IVXL]{1,6})\.\s+[A-ZА-ЯЁ\[]")
_POSTSCRIPT = re.compile(r"^(?:P\.\s?S\.(?:\s?S\.)?|P\.\s?P\.\s?S\.|PSS|PPS|PS|N\.\s?B\.|NB|"
                         r"Р\.\s?S\.|П\.\s?С\.)(?=[\s.:,]|$)")
_CLOSING = re.compile(r"\b(?:greetings|regards|yours|respectfully|shake (?:your )?hands?|"
                      r"I shake|salute|embrace|kisses|hugs?|farewell|goodbye)\b|"
                      r"(?<!\w)(?:[Сс] (?:товарищеским |коммунистическим |комприветом)?приветом|"
                      r"[Пп]ривет\w*|[Жж]му руку|[Кк]репко жму|[Оо]бнимаю|[Цц]елую|"
                      r"[Вв]сего хорошего|[Уу]важающий)(?!\w)", re.I)
_NAME_WORD = re.compile(r"^(?:[A-ZА-ЯЁ\[][\w\[\]'’.-]*|[A-ZА-ЯЁ]?\[[\w.]+\][\w.]*)$")
_MARK_TAIL = re.compile(r"\s*\d{1,3}\s*([.,]?)\s*$")
_REGISTRATION = re.compile(r"^(?:№|No\.?)\s?\d{1,5}$")
_PLACE = re.compile(r"^[A-ZА-ЯЁ][\w'’-]+(?:[ -][A-ZА-ЯЁ][\w'’-]+){0,2}\.?$")


def paragraphs(lines: list[SourceLine]) -> list[Para]:
    """Lines -> paragraphs: one a line; but where blank lines separate paragraphs, lines a
    paragraph was wrapped into are joined again."""
    groups: list[list[SourceLine]] = [[]]
    for line in lines:
        if line.blank:
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(line)
    groups = [g for g in groups if g]
    blank_separated = len(groups) > 1 and any(
        a.blank for a in lines[1:-1]) and any(len(g) > 1 for g in groups)
    out: list[Para] = []
    for group in groups:
        if not blank_separated:
            out.extend(Para((line,)) for line in group)
            continue
        current: list[SourceLine] = []
        for line in group:
            if current and not _wrapped(current[-1].text, line.text):
                out.append(Para(tuple(current)))
                current = []
            current.append(line)
        out.append(Para(tuple(current)))
    return out


def _wrapped(previous: str, line: str) -> bool:
    """Whether line continues the paragraph that previous broke off (hard-wrapped text)."""
    previous = previous.rstrip()
    if not previous:
        return False
    return previous[-1] not in ".!?:»\"”)" or line.lstrip()[:1].islower()


def _name_like(text: str) -> bool:
    """A signature: a name, initials or a pseudonym, perhaps with a note number after it."""
    text = _MARK_TAIL.sub(r"\1", text.strip())
    if ":" in text:
        text = text.rsplit(":", 1)[1]
    text = text.strip().rstrip(".").strip()
    if not text or len(text) > 40:
        return False
    words = text.split()
    return len(words) <= 4 and all(_NAME_WORD.match(w) for w in words)


def _is_signature(text: str) -> bool:
    return len(text) <= 120 and _name_like(text)


def _is_closing(text: str) -> bool:
    return len(text) <= 80 and bool(_CLOSING.search(text))


def mark_opener(paras: list[Para]) -> list[Para]:
    """Address lines before the salutation; the salutation itself, split from the text that
    follows it on the same line ("Dear comrade St[alin]! I am replying...")."""
    salutation = None
    for i, para in enumerate(paras[:6]):
        if para.part is not None:
            continue
        if _SALUTATION.match(para.text) or _SHORT_EXCLAMATION.match(para.text):
            salutation = i
            break
        if len(para.text) > 160:
            break
    out = list(paras)
    for i in range(salutation if salutation is not None else min(len(out), 2)):
        if out[i].part is None and len(out[i].lines) == 1:
            dateline, mark = dateline_and_mark(out[i].text, None)
            if dateline is not None:
                out[i] = replace(out[i], part="dateline", dateline=dateline, mark=mark)
    if salutation is None:
        first = next((i for i, p in enumerate(out) if p.part is None), None)
        if first is not None and ADDRESS.match(out[first].text) and len(out[first].text) <= 80 \
                and first + 1 < len(out):
            out[first] = replace(out[first], part="address")
        return out
    address = [i for i in range(salutation) if out[i].part is None]
    if address and all(len(out[i].text) <= 120 for i in address):
        lines = tuple(line for i in address for line in out[i].lines)
        merged = Para(lines, "address")
        out = [p for i, p in enumerate(out) if i not in address]
        out.insert(address[0], merged)
        salutation -= len(address) - 1
    para = out[salutation]
    head, tail = _split_salutation(para.lines[0])
    pieces = [Para((head,), "salutation")]
    if tail is not None:
        pieces.append(Para((tail,) + para.lines[1:]))
    elif len(para.lines) > 1:
        pieces.append(Para(para.lines[1:]))
    out[salutation:salutation + 1] = pieces
    return out


def _split_salutation(line: SourceLine) -> tuple[SourceLine, SourceLine | None]:
    text = line.text.strip()
    bang = text.find("!")
    if 0 <= bang < len(text) - 1 and bang <= 80:
        m = re.match(r"^(.{1,80}?!)\s+(?=\S)", text)
    elif bang == len(text) - 1:
        m = None  # the whole line is the salutation: "Dear comrade. MAGIDOV!"
    else:
        m = re.match(r"^((?:Dear|My dear)[^.!?]{0,60}[.,])\s+(?=[A-Z])", text)
        if m and len(text) - m.end() < 20:
            m = None
    if m and len(text) > m.end() and not _MARK_ONLY.match(text[m.end():]):
        return SourceLine(line.n, m.group(1)), SourceLine(line.n, text[m.end():])
    return line, None


#: What may follow a salutation on its line and is only its note mark: "1 .", "one".
_MARK_ONLY = re.compile(r"^(?:\d{1,2}\s*\.?|one|two|three)$", re.I)


def mark_postscripts(paras: list[Para]) -> list[Para]:
    return [replace(p, part="postscript") if p.part is None and _POSTSCRIPT.match(p.text) else p
            for p in paras]


def mark_closers(paras: list[Para], year: int | None) -> list[Para]:
    """Walk back from the end of the letter and of each postscript over its short closing lines:
    dateline, place line, signature, closing formula."""
    out = list(paras)
    ends = [i - 1 for i, p in enumerate(out) if p.part == "postscript" and i > 0] + [len(out) - 1]
    for end in ends:
        i = end
        while i >= 0 and out[i].part is None:
            para = out[i]
            text = para.text
            dateline, mark = dateline_and_mark(text, year) if len(para.lines) == 1 else (None, None)
            if dateline is not None:
                out[i] = replace(para, part="dateline", dateline=dateline, mark=mark)
            elif _PLACE.match(text) and _beside_bare_date(out, i, year):
                out[i] = replace(para, part="dateline", place=text.rstrip("."))
            elif _is_signature(text):
                out[i] = replace(para, part="signature")
            elif _is_closing(text):
                out[i] = replace(para, part="closing")
            elif not _REGISTRATION.match(text):
                break  # a telegram's number under the signature ("№98") is passed over
            i -= 1
    return _merge_datelines(out)


def dateline_and_mark(text: str, year: int | None) -> tuple[Dateline | None, int | None]:
    """A dateline, and the note mark glued to its end if it has one ("10/Х-33 г.2")."""
    dateline = parse_dateline(text, year)
    if dateline is not None:
        return dateline, None
    split = split_note_mark(text, year)
    if split is None:
        return None, None
    return parse_dateline(split[0], year), split[1]


def _beside_bare_date(paras: list[Para], i: int, year: int | None) -> bool:
    for j in (i - 1, i + 1):
        if 0 <= j < len(paras):
            d = parse_dateline(paras[j].text, year)
            if d is not None and d.place is None:
                return True
    return False


def _merge_datelines(paras: list[Para]) -> list[Para]:
    """A place line and the date beside it make one dateline ("Poltava" / "November 10th. G.")."""
    out: list[Para] = []
    for para in paras:
        prev = out[-1] if out else None
        if (prev is not None and prev.part == "dateline" and para.part == "dateline"
                and (prev.place is not None) != (para.place is not None)
                and (prev.dateline is None) != (para.dateline is None)):
            out[-1] = Para(prev.lines + para.lines, "dateline", prev.dateline or para.dateline,
                           prev.place or para.place, prev.mark or para.mark)
        else:
            out.append(para)
    return out


def mark_headings(paras: list[Para]) -> list[Para]:
    """Section headings inside the letter: "1. Pro domo sua", "2. Household.", "1. Party."."""
    out = []
    for p in paras:
        text = p.text
        if (p.part is None and len(p.lines) == 1 and _HEADING.match(text) and len(text) <= 60
                and len(text.split()) <= 7):
            p = replace(p, part="heading")
        out.append(p)
    return out


def mark_parts(paras: list[Para], year: int | None) -> list[Para]:
    """All part rules, in order."""
    paras = mark_postscripts(paras)
    paras = mark_opener(paras)
    paras = mark_closers(paras, year)
    return mark_headings(paras)
