"""A document's heading -> kind, senders and recipients.

Forms the translation uses: "G. L. Pyatakov to I. V. Stalin", "I. V. Stalin - B. I. Magidov",
"N. N. Krestinsky to I. V. Stalin, F. E. Dzerzhinsky, M. A. Trilisser, V. R. Menzhinsky",
"Telegram of G. E. Zinoviev to I. V. Stalin, L. B. Kamenev", "G. E. Zinoviev, N. I. Bukharin -
I. V. Stalin", "The Politburo of the Central Committee of the RCP(b) to L. D. Trotsky". Where the
translation lost the preposition two names stand side by side ("Telegram to G. K. Ordzhonikidze
G. V. Chicherin"): the original ("Телеграмма Г. К. Орджоникидзе Г. В. Чичерину") names the sender
first, so the first is read as the sender, with a warning.

Forms the Russian original uses: "А. М. Назаретян — Г. К. Орджоникидзе.", "Сталин — Кагановичу,
Молотову" (recipients in the dative), "Телеграмма И. В. Сталина В. И. Ленину" (the sender in the
genitive), "Письмо Б. И. Магидову" (the recipient alone, under the author's name), and headings
that end with the date ("Сталин — Кагановичу 19 августа 1932 г."). A Russian name is recorded in
the nominative ("Кагановичу" -> "Каганович"); the title keeps the heading as printed.
Pure functions; never raise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..model import DOCUMENT_KINDS
from .dates import parse_date
from .names import dative_forms, genitive_forms, is_cyrillic, looks_dative, transliterate

#: Words that open a heading and name the kind of document ("Telegram of X to Y").
_KIND_PREFIX = re.compile(
    r"^(?:(?P<kind>letter|telegram|cipher telegram|note|notes|memorandum|memo|report|statement)"
    r"s?\s+(?:of|from|by)\s+|from\s+)", re.I)
#: A kind followed by "to", or by the names alone: the recipient, or two names side by side.
_KIND_TO = re.compile(
    r"^(?P<kind>letter|telegram|cipher telegram|note|notes|memorandum|memo|report|statement)"
    r"s?(?:\s+to)?\s+(?=\S)", re.I)
_KINDS = {"letter": "letter", "telegram": "telegram", "cipher telegram": "telegram",
          "note": "note", "notes": "note", "memorandum": "memorandum", "memo": "memorandum",
          "report": "memorandum", "statement": "memorandum"}
_RU_KINDS = (
    ("докладная записка", "memorandum"), ("записка по прямому проводу", "note"),
    ("разговор по прямому проводу", "telegram"), ("шифротелеграмма", "telegram"),
    ("шифрованная телеграмма", "telegram"), ("телеграмма", "telegram"), ("шифровка", "telegram"),
    ("телефонограмма", "telegram"), ("письмо-записка", "note"), ("записка", "note"),
    ("письмо", "letter"), ("заявление", "memorandum"), ("доклад", "memorandum"),
    ("рапорт", "memorandum"), ("открытка", "letter"), ("из письма", "letter"),
    ("из телеграммы", "telegram"), ("из записки", "note"),
)
_TO = re.compile(r"\s+to\s+")
#: A remark in brackets at the end of a heading, of two words or more: "(by direct wire)".
_REMARK = re.compile(r"\s*\((?=[^()]*\s)[^()]*\)\s*\.?$")
_DASH = re.compile(r"\s+[-–—]\s+|\s*[–—]\s*")
_LIST_SEP = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_RU_LIST_SEP = re.compile(r"\s*,\s*(?:и\s+)?|\s+и\s+")
_UPPER = "A-ZА-ЯЁ"
_LOWER = "a-zа-яё"
#: An initial: "G.", "Ya.", "Я.", "Дж.".
_INITIAL = rf"[{_UPPER}][{_LOWER}]?\."
#: Initials then a surname: "G. L. Pyatakov", "A.V.Kvashonkin", "L. D. [Trotsky]", "Б.И. Магидову".
_PERSON = re.compile(rf"^(?:{_INITIAL}\s*){{1,3}}\s*\[?[{_UPPER}][\w'’\-\[\]]+\]?$")
#: A surname or pseudonym alone: "Stalin", "Koba", "MAGIDOV", "Кагановичу".
_SURNAME = re.compile(rf"^\[?[{_UPPER}][\w'’\-]+\]?$")
#: A surname then the initials, as a reprint heads a page with its author: "Сталин И.В.".
_SURNAME_FIRST = re.compile(rf"^(?P<surname>[{_UPPER}][\w'’\-]+)\s+(?P<initials>(?:{_INITIAL}\s*){{1,3}})$")
#: Names one after another with nothing between them: "G. K. Ordzhonikidze G. V. Chicherin".
_NAME_IN_RUN = re.compile(rf"(?:{_INITIAL}\s*){{0,3}}\[?[{_UPPER}][\w'’\-\[\]]+\]?")
#: Words of an institution, not a person: "Central Committee", "ЦК РКП(б)", "Политбюро".
_INSTITUTION = re.compile(
    r"\b(?:Committee|Politburo|Orgburo|Bureau|Council|Commission|Soviet|Party|Presidium|"
    r"Comintern|Sovnarkom|Executive|Secretariat|members|comrades|RCP|AUCP|CPSU|CC)\b|\(b\)|"
    r"(?:^|\s)(?:ЦК|ЦКК|ЦИК|ВЦИК|СНК|СТО|РВС|РВСР|ПБ|ИККИ|ГПУ|ОГПУ|НКВД|СНК|Совнарком\w*|"
    r"Политбюро|Оргбюро|Секретариат\w*|Коминтерн\w*|Президиум\w*|Реввоенсовет\w*|"
    r"член\w*|товарищ(?:ам|ей)|комитет\w*|совет\w*|бюро|комисси\w*|губком\w*|обком\w*|"
    r"крайком\w*)(?=\s|$|[,.(])", re.I)
#: What a Russian heading adds after the names: its subject ("о высылке …", "по поводу …").
_RU_SUBJECT = re.compile(r"\s+(?:о|об|обо|по поводу|по вопросу|в связи с|с просьбой|"
                         r"с предложением|с сообщением|с информацией|с критикой|с протестом)\s.*$",
                         re.I)
#: Forms of address before a name: "т. Сталину", "тов. Молотову", "товарищу Кирову".
_RU_ADDRESS = re.compile(r"^(?:т\.|тов\.|товарищу|товарищ|гр\.)\s*", re.I)


@dataclass(frozen=True)
class Party:
    """A sender or recipient as the heading names it."""

    name: str
    """The name as the heading prints it, a Russian one in the nominative ("Каганович" for
    "Кагановичу")."""
    organisation: bool = False
    alternatives: tuple[str, ...] = ()
    """Other nominatives a declined Russian name may stand for ("Кобе": "Коба", then "Кобе")."""


@dataclass(frozen=True)
class Heading:
    kind: str
    senders: tuple[Party, ...]
    """Empty when the heading names the recipient alone ("Письмо Б. И. Магидову")."""
    recipients: tuple[Party, ...]
    title: str
    """An English heading with its sender/recipient separator written " to "; a Russian one
    as printed."""
    doubt: str | None = None
    """Why the reading is a guess, for a warning: two names side by side, no preposition."""
    date: str | None = None
    """A date printed at the end of the heading line ("Сталин — Кагановичу 19 августа 1932 г.")."""


def is_person_name(text: str) -> bool:
    text = text.strip()
    return bool(_PERSON.match(text) or _SURNAME.match(text) or _SURNAME_FIRST.match(text)) \
        and not _INSTITUTION.search(text)


def _parties(text: str) -> tuple[Party, ...]:
    text = text.strip(" .,;:")
    if not text:
        return ()
    pieces = [p for p in _LIST_SEP.split(text) if p]
    if all(is_person_name(p) for p in pieces):
        return tuple(Party(p) for p in pieces)
    if is_person_name(text):
        return (Party(text),)
    # An institution may itself contain "and" or commas ("the Central Committee and the Central
    # Control Commission"); split only where a person's name stands on its own.
    out: list[Party] = []
    pending: list[str] = []
    for piece in re.split(r"\s*,\s*", text):
        if is_person_name(piece):
            if pending:
                out.append(Party(", ".join(pending), organisation=True))
                pending = []
            out.append(Party(piece))
        else:
            pending.append(piece)
    if pending:
        out.append(Party(", ".join(pending), organisation=True))
    return tuple(out)


def split_heading_date(text: str) -> tuple[str, str | None]:
    """A heading that ends with its date -> (heading, date as printed); (text, None) otherwise."""
    words = text.split(" ")
    for i in range(1, len(words)):
        tail = " ".join(words[i:])
        if not re.match(r"^[\[(]?(?:\d|не\b|not\b|около|about|между|between|конец|начало|"
                        r"[Jj]an|[Ff]eb|[Mm]ar|[Aa]pr|[Mm]ay|[Jj]un|[Jj]ul|[Aa]ug|[Ss]ep|[Oo]ct|"
                        r"[Nn]ov|[Dd]ec)", tail, re.I):
            continue
        if parse_date(tail.strip(" .,()")) is not None:
            head = " ".join(words[:i]).rstrip(" .,;(")
            return (head, tail.strip(" ,()")) if head else (text, None)
    return text, None


def parse_heading(line: str) -> Heading | None:
    """A heading -> Heading; None when no sender and recipient can be told apart."""
    text = " ".join(line.replace("\u00a0", " ").split()).strip()
    if not text or len(text) > 300 or parse_date(text) is not None:
        return None
    text, date = split_heading_date(text)
    bare = _REMARK.sub("", text)  # "(by direct wire)", "(по прямому проводу)"
    if is_cyrillic(text):
        heading = _russian_heading(bare)
        if heading is not None and bare != text:
            heading = Heading(heading.kind, heading.senders, heading.recipients,
                              _strip_stop(text), heading.doubt)
    else:
        heading = _english_heading(bare)
    if heading is None:
        return None
    if date is not None:
        heading = Heading(heading.kind, heading.senders, heading.recipients, heading.title,
                          heading.doubt, date)
    return heading


def _english_heading(text: str) -> Heading | None:
    kind = "letter"
    prefix = ""
    if not _KIND_PREFIX.match(text) and _KIND_TO.match(text):
        return _names_side_by_side(text)
    m = _KIND_PREFIX.match(text)
    if m:
        if m["kind"]:
            kind = _kind(m["kind"])
        prefix = text[:m.end()]
        text = text[m.end():]
    split = _TO.search(text) or _DASH.search(text)
    if split is None:
        return _names_side_by_side(prefix + text)
    senders = _parties(text[:split.start()])
    recipients = _parties(text[split.end():])
    if not senders or not recipients:
        return None
    title = prefix + text[:split.start()].strip() + " to " + _strip_stop(text[split.end():])
    return Heading(kind, senders, recipients, title.strip())


def _names_side_by_side(text: str) -> Heading | None:
    """"Telegram to G. K. Ordzhonikidze G. V. Chicherin" (the preposition lost in translation),
    "Telegram to V. I. Lenin" (the recipient alone)."""
    m = _KIND_TO.match(text)
    kind = _kind(m["kind"]) if m else "letter"
    rest = _strip_stop(text[m.end():] if m else text)
    names = _run_of_names(rest)
    if names is None:
        if m and re.search(r"\sto\s", text[:m.end()] + " ") and _INSTITUTION.search(rest):
            return Heading(kind, (), (Party(rest, organisation=True),), text.strip().rstrip("."))
        return None
    said_to = bool(m) and bool(re.search(r"\sto\s", text[:m.end()] + " "))
    if len(names) == 1:
        if not m:
            return None
        return Heading(kind, (), (Party(names[0]),), text.strip().rstrip("."))
    if not all(_PERSON.match(n) for n in names):
        return None  # "Moscow Kremlin" is no pair of persons
    if "," in rest.split(names[1])[0] and said_to:
        # "Telegram to I. V. Stalin, L. B. Kamenev": several recipients, no sender
        return Heading(kind, (), tuple(Party(n) for n in names), text.strip().rstrip("."))
    senders, recipients = (Party(names[0]),), tuple(Party(n) for n in names[1:])
    reading = f"{names[0]} to {', '.join(names[1:])}"
    title = (m["kind"] + " of " if m else "") + reading
    doubt = (f"the heading '{text}' names {names[0]} and {', '.join(names[1:])} side by side, "
             "the preposition lost in translation; read sender first, as the original prints "
             f"such a heading: {reading}; check it against the printed edition")
    return Heading(kind, senders, recipients, title.strip(), doubt)


def _run_of_names(text: str) -> list[str] | None:
    """The names of a text made only of names (separated by spaces, commas, "and" or "и")."""
    names = [m.group(0).strip() for m in _NAME_IN_RUN.finditer(text)]
    rest = _NAME_IN_RUN.sub(" ", text)
    if not names or re.sub(r"[\s,]|\band\b|\bи\b", "", rest):
        return None
    if any(_INSTITUTION.search(n) for n in names):
        return None
    return names


def _kind(word: str) -> str:
    kind = _KINDS.get(word.lower(), "letter")
    return kind if kind in DOCUMENT_KINDS else "letter"


def _strip_stop(text: str) -> str:
    """A final full stop after a name goes ("G. K. Ordzhonikidze."), one after an initial stays."""
    text = text.strip()
    if text.endswith(".") and not re.search(rf"(?:^|\s){_INITIAL}$", text):
        return text[:-1].rstrip()
    return text


# --- Russian headings ------------------------------------------------------------------------

def _russian_heading(text: str) -> Heading | None:
    title = _strip_stop(text)
    kind, rest = "letter", title
    kind_found = False
    for word, value in _RU_KINDS:
        if rest.lower().startswith(word + " "):
            kind, rest, kind_found = value, rest[len(word) + 1:], True
            break
    rest = _RU_SUBJECT.sub("", rest)
    split = _DASH.search(rest)
    if split is not None:
        senders = _ru_parties(rest[:split.start()], "nominative")
        recipients = _ru_parties(re.sub(r"^(?:в|во)\s+", "", rest[split.end():].strip()), "dative")
        if not senders or not recipients:
            return None
        return Heading(kind, senders, recipients, title)
    return _ru_declined(rest, kind, kind_found, title)


def _ru_declined(rest: str, kind: str, kind_found: bool, title: str) -> Heading | None:
    """"Телеграмма И. В. Сталина В. И. Ленину": who is who is told by the case of each name,
    a recipient being in the dative."""
    names = [m.group(0).strip() for m in _NAME_IN_RUN.finditer(rest)]
    names = [n for n in names if not _INSTITUTION.search(n) and not _is_abbreviation(n)]
    with_initials = [n for n in names if re.match(_INITIAL, n)]
    if with_initials:
        names = with_initials
    if not names or not kind_found:
        return None
    dative = [i for i, n in enumerate(names) if looks_dative(_surname_of(n))]
    if not dative:
        if len(names) == 1:
            return None
        first = 1  # two names, neither in a case that tells: the sender comes first
        doubt = (f"the heading '{title}' does not tell by case who wrote to whom; read as "
                 f"the sender first: {names[0]} to {', '.join(names[1:])}")
    else:
        first, doubt = dative[0], None
    senders = tuple(_ru_party(n, "genitive") for n in names[:first])
    recipients = tuple(_ru_party(n, "dative") for n in names[first:])
    return Heading(kind, senders, recipients, title, doubt)


def _ru_parties(text: str, case: str) -> tuple[Party, ...]:
    text = text.strip(" .,;:")
    if not text:
        return ()
    if _INSTITUTION.search(text) and not _run_of_names(text):
        # "Политбюро ЦК РКП(б)", "членам Политбюро"; a person beside it after a comma
        out: list[Party] = []
        for piece in _RU_LIST_SEP.split(text):
            piece = _RU_ADDRESS.sub("", piece.strip())
            if not piece:
                continue
            if is_person_name(piece):
                out.append(_ru_party(piece, case))
            elif out and out[-1].organisation:
                out[-1] = Party(f"{out[-1].name}, {piece}", organisation=True)
            else:
                out.append(Party(piece, organisation=True))
        return tuple(out)
    pieces = [_RU_ADDRESS.sub("", p.strip()) for p in _RU_LIST_SEP.split(text) if p.strip()]
    if pieces and all(is_person_name(p) for p in pieces):
        return tuple(_ru_party(p, case) for p in pieces)
    names = _run_of_names(text)
    if names:
        return tuple(_ru_party(n, case) for n in names)
    return ()


def _ru_party(name: str, case: str) -> Party:
    """A Russian name as a party: in the nominative, with the other nominatives it may be."""
    first = _ru_name(name, case)
    others = nominative_forms(_ru_name(name, "nominative"), case)
    return Party(first, alternatives=tuple(f for f in others if f != first))


def _ru_name(name: str, case: str) -> str:
    """A Russian name in the nominative, initials spaced: "Б.И. Магидову" -> "Б. И. Магидов",
    "Сталин И.В." -> "И. В. Сталин"."""
    name = _RU_ADDRESS.sub("", name.strip(" .,")).strip()
    m = _SURNAME_FIRST.match(name)
    if m:
        name = f"{m['initials'].strip()} {m['surname']}"
    name = normalise_initials(name)
    surname = _surname_of(name)
    if case == "dative":
        nominative = dative_forms(surname)[0]
    elif case == "genitive":
        nominative = genitive_forms(surname)[0]
    else:
        nominative = surname
    return name[: len(name) - len(surname)] + nominative if surname else name


def nominative_forms(name: str, case: str) -> list[str]:
    """Every nominative a declined Russian name may stand for, likeliest first."""
    surname = _surname_of(name)
    if not surname:
        return [name]
    forms = dative_forms(surname) if case == "dative" else genitive_forms(surname) \
        if case == "genitive" else [surname]
    head = name[: len(name) - len(surname)]
    return [head + f for f in forms]


def _surname_of(name: str) -> str:
    m = re.search(r"[\w'’\-]+\]?$", name.strip(" .,"))
    return m.group(0).rstrip("]") if m else ""


_ABBREVIATIONS = frozenset("ЦК ЦКК ВКП РКП ГПУ ОГПУ СНК ПБ РВС РВСР ИККИ ВЦИК ЦИК СТО НКВД НКИД "
                           "ВСНХ КП КПГ РСДРП ЦО".split())


def _is_abbreviation(word: str) -> bool:
    """"ЦК", "ВКП(б)", "ОГПУ": an institution's initials, not a name."""
    core = word.replace("(б)", "").strip("()[]")
    return core.isupper() and (core in _ABBREVIATIONS or not re.search("[АЕЁИОУЫЭЮЯAEIOUY]", core))


# --- person refs -----------------------------------------------------------------------------

def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens (Cyrillic transliterated)."""
    if is_cyrillic(text):
        text = transliterate(text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def surname(name: str) -> str:
    """The surname of "G. L. Pyatakov" (brackets dropped: "L. D. [Trotsky]" -> "Trotsky")."""
    words = re.sub(r"[\[\]]", "", name).replace(".", ". ").split()
    return words[-1] if words else name


def initials(name: str) -> str:
    """"G. L." of "G. L. Pyatakov"; "" when the name has none."""
    words = re.sub(r"[\[\]]", "", name).replace(".", ". ").split()
    return " ".join(w for w in words[:-1] if re.fullmatch(_INITIAL, w))


def person_ref(party: Party) -> str:
    """Register key: the surname for a person ("stalin"), a short slug for an organisation."""
    if party.organisation:
        words = [w for w in slug(party.name).split("-") if w not in ("the", "of", "and", "for")]
        return "-".join(words[:5]) or "unknown"
    return slug(surname(party.name)) or "unknown"


def normalise_initials(name: str) -> str:
    """"A.V.Kvashonkin" -> "A. V. Kvashonkin"; "Б.И. Магидов" -> "Б. И. Магидов"."""
    return re.sub(rf"\b([{_UPPER}][{_LOWER}]?\.)\s*(?=[{_UPPER}])", r"\1 ", name).strip()
