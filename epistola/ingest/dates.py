"""Dates as the collection prints them -> LetterDate (ISO 8601 day, month, year or range).

The date line under a heading: "November 1, 1923", "November 10 [1923]" (year supplied by the
editors), "[late January 1918]" (a range, not a day), "[not earlier than May 5, 1924]",
"November 5-7, 1923", "[previously May 4, 1918]" (the translation's "not later than"), "January
15 (28), 1918" (Old Style, New Style in brackets), "[summer of 1921]". The Russian original prints
the same forms: "24 января 1923 г.", "[не ранее 5 мая 1924 г.]", "15 (28) января 1918 г.",
"31 дня августа 1918 г.". Datelines written in the letter itself: "Berlin, 1.XI.1923", "22/XI-23",
"22/ХI–23 г." (a Cyrillic Х for the Roman ten), "27/II", "10/1 1926", "November 10th. G." (г.,
"year").

A date the source does not give plainly is the editors' reading, and says which: `reading` is "not
later than", "not earlier than", "before", "after", "Old Style", "span" or "season". Pure
functions; never raise.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from ..model import LetterDate

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
         r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9,
          "X": 10, "XI": 11, "XII": 12}

#: Russian month names in the cases a date uses them (genitive "24 января", nominative "январь
#: 1923", prepositional "в январе") and their abbreviations, by month number.
RU_MONTHS: dict[str, int] = {}
for _number, _forms in enumerate((
        "январь января январе янв", "февраль февраля феврале февр фев",
        "март марта марте мар", "апрель апреля апреле апр", "май мая мае",
        "июнь июня июне июн", "июль июля июле июл", "август августа августе авг",
        "сентябрь сентября сентябре сент сен", "октябрь октября октябре окт",
        "ноябрь ноября ноябре нояб ноя", "декабрь декабря декабре дек"), start=1):
    for _form in _forms.split():
        RU_MONTHS[_form] = _number

#: Russian words of a date -> the English words the parser below reads. Longer phrases first.
_RU_PHRASES = (
    ("не позднее", "not later than"), ("не позже", "not later than"),
    ("не ранее", "not earlier than"), ("не раньше", "not earlier than"),
    ("не до", "not before"), ("не после", "not after"),
    ("первая половина", "first half of"), ("первой половине", "first half of"),
    ("вторая половина", "second half of"), ("второй половине", "second half of"),
    ("первая декада", "first decade of"), ("вторая декада", "second decade of"),
    ("третья декада", "third decade of"),
)
_RU_WORDS = {
    "ранее": "before", "раньше": "before", "до": "before", "прежде": "before",
    "после": "after", "позднее": "after", "позже": "after",
    "около": "about", "примерно": "about", "приблизительно": "about",
    "между": "between", "и": "and",
    "начало": "beginning of", "начала": "beginning of", "начале": "beginning of",
    "середина": "middle of", "середины": "middle of", "середине": "middle of",
    "конец": "end of", "конца": "end of", "конце": "end of",
    "весна": "spring", "весной": "spring", "весны": "spring",
    "лето": "summer", "летом": "summer", "лета": "summer",
    "осень": "autumn", "осенью": "autumn", "осени": "autumn",
    "зима": "winter", "зимой": "winter", "зимы": "winter",
}
#: Words a Russian date carries that the reading does without: "г." (year), "дня" ("31 дня
#: августа"), "в" ("в конце января"), "числа".
_RU_SILENT = {"г", "гг", "год", "года", "годах", "году", "дня", "в", "во", "числа", "ст", "н", "с"}

#: Parts of a month an approximate date may name, as (first day, last day or None for the end).
_PERIODS = {
    "early": (1, 10), "beginning of": (1, 10), "the beginning of": (1, 10), "start of": (1, 10),
    "mid": (11, 20), "mid-": (11, 20), "middle of": (11, 20), "the middle of": (11, 20),
    "late": (21, None), "end of": (21, None), "the end of": (21, None),
    "first half of": (1, 15), "the first half of": (1, 15),
    "second half of": (16, None), "the second half of": (16, None),
    "first decade of": (1, 10), "second decade of": (11, 20), "third decade of": (21, None),
}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11),
            "winter": (1, 2)}
_APPROX = re.compile(r"^(?:approximately|approx\.|about|around|circa|ca?\.|c\.)\s+", re.I)
#: Bounds the editors give, each with the reading it records and whether the bound itself is
#: included ("not later than May 4" may be May 4; "before May 4" is May 3 at the latest).
_BOUNDS = (
    (re.compile(r"^(?:not later than|no later than|not after|previously|by)\s+", re.I),
     "not_after", "not later than", True),
    (re.compile(r"^(?:before|prior to|earlier than)\s+", re.I), "not_after", "before", False),
    (re.compile(r"^(?:not earlier than|no earlier than|not before)\s+", re.I),
     "not_before", "not earlier than", True),
    (re.compile(r"^(?:after|later than)\s+", re.I), "not_before", "after", False),
)
_YEAR_MARK = re.compile(r"(?:[\s.]+|(?<=\d))(?:g|G|г|yr|year)\.?\s*$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
#: Cyrillic letters typed for the Latin ones of a Roman month: "ХI" (Х is Cyrillic).
_ROMAN_LOOKALIKES = str.maketrans({"Х": "X", "х": "X", "І": "I", "і": "I", "Ӏ": "I", "У": "V"})


@dataclass(frozen=True)
class ParsedDate:
    """A date read from text, with what an editor should know about it."""

    date: LetterDate
    approximate: bool = False
    """The printed date is a period or an approximation ("[late January 1918]", "about")."""


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    if not 1 <= year <= 9999:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= _last_day(year, month):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _year(text: str, default_century: int = 1900) -> int | None:
    if not text.isdigit():
        return None
    value = int(text)
    if len(text) == 2:
        return default_century + value
    if len(text) == 4:
        return value
    return None


def _unbracket(text: str) -> tuple[str, bool]:
    """The date with the editors' brackets removed, and whether there were any."""
    supplied = "[" in text or "]" in text
    return re.sub(r"[\[\]]", "", text).strip(), supplied


def _month_number(word: str) -> int | None:
    return MONTHS.get(word.lower().rstrip("."))


def english_words(text: str) -> str:
    """A Russian date in the English words the parser reads ("24 января 1923 г." -> "24 January
    1923"); text without Cyrillic letters as it is."""
    if not _CYRILLIC.search(text):
        return text
    out = text.lower()
    for phrase, english in _RU_PHRASES:
        out = out.replace(phrase, english)

    def word(m: re.Match) -> str:
        w = m.group(1)
        if w in RU_MONTHS:
            return calendar.month_name[RU_MONTHS[w]]
        if w in _RU_WORDS:
            return _RU_WORDS[w]
        if w in _RU_SILENT:
            return ""
        return m.group(0)

    out = re.sub(r"(?<![\w])([а-яё]+)\.?", word, out)
    return " ".join(out.split()).strip(" ,")


_DAY_MONTH_YEAR = re.compile(
    rf"^(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–—]\s*(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)?\s+)?"
    rf"(?P<m>{_MONTH})(?:\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–—]\s*(?P<d4>\d{{1,2}})"
    rf"(?:st|nd|rd|th)?)?)?[,.]?(?:\s+(?P<y>\d{{4}}))?$", re.I)
_YEAR_ONLY = re.compile(r"^(?P<y>\d{4})$")
_YEAR_RANGE = re.compile(r"^(?P<y1>\d{4})\s*[-–—/]\s*(?P<y2>\d{4}|\d{2})$")
_PERIOD = re.compile(rf"^(?P<p>[a-z -]+?)\s*(?P<m>{_MONTH})(?:,?\s+(?P<y>\d{{4}}))?$", re.I)
_SEASON = re.compile(r"^(?:the\s+)?(?P<s>spring|summer|autumn|fall|winter)(?:\s+of)?,?\s+"
                     r"(?P<y>\d{4})$", re.I)
_BETWEEN_DAYS = re.compile(rf"^between\s+(?P<m>{_MONTH})\s+(?P<a>\d{{1,2}})\s+and\s+(?P<b>\d{{1,2}})"
                           r"(?P<y>,?\s+\d{4})?$", re.I)
_YEAR_PERIOD = re.compile(r"^(?P<p>early|the beginning of|beginning of|mid|mid-|the middle of|middle of|"
                          r"late|the end of|end of)\s*(?P<y>\d{4})$", re.I)
_YEAR_PERIODS = {"early": (1, 4), "beginning of": (1, 4), "the beginning of": (1, 4),
                 "mid": (5, 8), "mid-": (5, 8), "middle of": (5, 8), "the middle of": (5, 8),
                 "late": (9, 12), "end of": (9, 12), "the end of": (9, 12)}
_BETWEEN = re.compile(r"^between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.I)
#: Two dates of one document, the Old Style one and the New Style one in brackets: "January 15
#: (28), 1918", "15 (28) January 1918", "December 30, 1917 (January 12, 1918)".
_TWO_STYLES = re.compile(r"^(?P<a>[^()]*?)\s*\((?P<b>[^()]+)\)\s*(?P<c>[^()]*)$")
#: The same with a slash: "January 15/28, 1918", "15/28 January 1918".
_SLASH_DAYS = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*(\d{1,2})(?![\d/.])")
#: A span across two months: "May 30 - June 2, 1920", "30 May - 2 June 1920".
_SPAN = re.compile(r"^(?P<a>.+?)\s*[-–—]\s*(?P<b>.+)$")

#: What each kind of range _simple reads is, as the date's reading (None: a plain date).
_KIND_READING = {"span": "span", "season": "season", "period": None, "day": None}


def _simple(text: str, year_hint: int | None) -> tuple[str | None, str | None, str | None, str]:
    """(when, not_before, not_after, kind) for an unbracketed date; when, not_before and not_after
    all None when unreadable. kind is "day" (a day, month or year), "span", "season" or
    "period"."""
    text = _YEAR_MARK.sub("", text.strip().rstrip(".").strip())
    m = _YEAR_ONLY.match(text)
    if m:
        return _iso(int(m["y"])), None, None, "day"
    m = _YEAR_RANGE.match(text)
    if m:
        end = int(m["y2"]) if len(m["y2"]) == 4 else int(m["y1"][:2] + m["y2"])
        if int(m["y1"]) < end:
            return None, _iso(int(m["y1"])), _iso(end), "span"
    m = _DAY_MONTH_YEAR.match(text)
    if m and not (m["d1"] and m["d3"]):
        month = _month_number(m["m"])
        year = int(m["y"]) if m["y"] else year_hint
        first = m["d1"] or m["d3"]
        last = m["d2"] or m["d4"]
        if month is None or year is None:
            return None, None, None, "day"
        if first is None:
            return _iso(year, month), None, None, "day"
        if last is None:
            return _iso(year, month, int(first)), None, None, "day"
        a, b = _iso(year, month, int(first)), _iso(year, month, int(last))
        if a and b and a < b:
            return None, a, b, "span"
        return None, None, None, "day"
    m = _YEAR_PERIOD.match(text)
    if m:
        year = int(m["y"])
        first, last = _YEAR_PERIODS[m["p"].lower()]
        return None, _iso(year, first, 1), _iso(year, last, _last_day(year, last)), "period"
    m = _SEASON.match(text)
    if m:
        year = int(m["y"])
        first, last = _SEASONS[m["s"].lower()]
        return None, _iso(year, first, 1), _iso(year, last, _last_day(year, last)), "season"
    m = _PERIOD.match(text)
    if m and m["p"].strip().lower() in _PERIODS:
        month = _month_number(m["m"])
        year = int(m["y"]) if m["y"] else year_hint
        if month is None or year is None:
            return None, None, None, "day"
        first, last = _PERIODS[m["p"].strip().lower()]
        last = last or _last_day(year, month)
        return None, _iso(year, month, first), _iso(year, month, last), "period"
    return None, None, None, "day"


def parse_date(text: str, year_hint: int | None = None) -> ParsedDate | None:
    """A date line as printed -> ParsedDate, or None when it is not a date.

    year_hint completes a date printed without a year ("November 10th. G.").
    """
    printed = " ".join(text.replace("\u00a0", " ").split())
    if not printed or len(printed) > 100:
        return None
    plain, supplied = _unbracket(printed)
    plain = english_words(plain).strip(" .,;")
    approximate = False
    m = _APPROX.match(plain)
    if m:
        approximate = True
        plain = plain[m.end():]
    for read in (_between, _bounded, _two_styles, _cross_month_span):
        found = read(plain, printed, supplied, year_hint)
        if found is not None:
            return found
    when, lo, hi, kind = _simple(plain, year_hint)
    if when:
        return ParsedDate(LetterDate(printed, when, supplied=supplied), approximate)
    if lo and hi:
        return ParsedDate(LetterDate(printed, None, lo, hi, supplied, _KIND_READING[kind]), True)
    return None


def _between(plain: str, printed: str, supplied: bool, year_hint: int | None) -> ParsedDate | None:
    """"between November 1 and 10, 1923": a span."""
    days = _BETWEEN_DAYS.match(plain)
    if days is not None:
        _, start, end, _ = _simple(days.expand(r"\g<m> \g<a>-\g<b>\g<y>"), year_hint)
        if start and end:
            return ParsedDate(LetterDate(printed, None, start, end, supplied, "span"), True)
        return None
    m = _BETWEEN.match(plain)
    if m is None:
        return None
    b_when, _, b_after, _ = _simple(m["b"], year_hint)
    end = b_when or b_after
    end_year = int(end[:4]) if end else year_hint
    a_when, a_before, _, _ = _simple(m["a"], end_year)
    start = a_when or a_before
    if start is None and end is not None and m["a"].strip().isdigit():
        start = _iso(int(end[:4]), int(end[5:7]), int(m["a"])) if len(end) == 10 else None
    if start and end and start < end:
        return ParsedDate(LetterDate(printed, None, start, _range_end(end), supplied, "span"), True)
    return None


def _bounded(plain: str, printed: str, supplied: bool, year_hint: int | None) -> ParsedDate | None:
    """"[not earlier than May 5, 1924]", "[previously May 4, 1918]", "[before …]", "[after …]"."""
    for pattern, key, reading, inclusive in _BOUNDS:
        m = pattern.match(plain)
        if m is None:
            continue
        rest = plain[m.end():]
        styles = _two_styles(rest, rest, False, year_hint)
        if styles is not None:  # "not later than January 15 (28), 1918": the New Style day
            when, lo, hi = styles.date.when, None, None
        else:
            when, lo, hi, _ = _simple(rest, year_hint)
        bound = when or (hi if key == "not_after" else lo)
        if bound is None:
            return None
        if not inclusive:
            bound = _step(bound, -1 if key == "not_after" else 1)
        if key == "not_after":
            bound = _range_end(bound)
        return ParsedDate(LetterDate(printed, supplied=supplied, reading=reading,
                                     **{key: bound}), True)
    return None


def _two_styles(plain: str, printed: str, supplied: bool, year_hint: int | None
                ) -> ParsedDate | None:
    """A day printed in the Old Style and the New Style: `when` is the New Style day and
    `alternative` the Old Style one. None unless the two are the 10 to 13 days apart the two
    calendars were."""
    if "(" not in plain:
        if not re.search(_MONTH, plain, re.I):
            return None
        plain = _SLASH_DAYS.sub(r"\1 (\2)", plain, count=1)
    m = _TWO_STYLES.match(plain)
    if m is None:
        return None
    a, b, tail = m["a"].strip(" ,"), m["b"].strip(" ,"), m["c"].strip(" ,")
    if not a or not b:
        return None
    year = _year_in(tail) or _year_in(b) or _year_in(a) or year_hint
    first = _day(f"{a} {tail}" if tail and not _year_in(a) else a, year)
    if first is None:
        return None
    if b.isdigit():
        second = _following_day(first, int(b))
    else:
        second = _day(f"{b} {tail}" if tail and not _year_in(b) else b, first.year)
        if second is not None and second < first and not _year_in(b):
            second = second.replace(year=second.year + 1) if _valid_next_year(second) else None
    if second is None:
        return None
    old, new = sorted((first, second))
    if not 10 <= (new - old).days <= 13:
        return None
    return ParsedDate(LetterDate(printed, new.isoformat(), supplied=supplied, reading="Old Style",
                                 alternative=old.isoformat()))


def _cross_month_span(plain: str, printed: str, supplied: bool, year_hint: int | None
                      ) -> ParsedDate | None:
    """"May 30 - June 2, 1920", "30 мая - 2 июня 1920 г.": a span across two months."""
    m = _SPAN.match(plain)
    if m is None or not (re.search(_MONTH, m["a"], re.I) and re.search(_MONTH, m["b"], re.I)):
        return None
    year = _year_in(m["b"]) or _year_in(m["a"]) or year_hint
    end = _day(m["b"], year)
    start = _day(m["a"], end.year if end is not None and not _year_in(m["a"]) else year)
    if start is None or end is None:
        return None
    if start > end and not _year_in(m["a"]):
        start = start.replace(year=start.year - 1) if start.year > 1 else start
    if start >= end:
        return None
    return ParsedDate(LetterDate(printed, None, start.isoformat(), end.isoformat(), supplied,
                                 "span"), True)


def _year_in(text: str) -> int | None:
    m = re.search(r"(?<!\d)(\d{4})(?!\d)", text)
    return int(m.group(1)) if m else None


def _day(text: str, year: int | None) -> datetime.date | None:
    when, _, _, _ = _simple(text, year)
    if when is None or len(when) != 10:
        return None
    return datetime.date.fromisoformat(when)


def _following_day(first: datetime.date, day: int) -> datetime.date | None:
    """The day numbered `day` on or after `first`, in its month or the next."""
    year, month = first.year, first.month
    if day < first.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    iso = _iso(year, month, day)
    return datetime.date.fromisoformat(iso) if iso else None


def _valid_next_year(day: datetime.date) -> bool:
    return day.year < 9999 and not (day.month == 2 and day.day == 29)


def _step(iso: str, days: int) -> str:
    """The day, month or year just before (days -1) or after (+1) one given at that precision."""
    try:
        if len(iso) == 10:
            return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=days)).isoformat()
        if len(iso) == 7:
            year, month = int(iso[:4]), int(iso[5:7]) + days
            year, month = (year - 1, 12) if month == 0 else (year + 1, 1) if month == 13 else (year, month)
            return _iso(year, month) or iso
        return _iso(int(iso) + days) or iso
    except (ValueError, OverflowError):
        return iso


def _range_end(iso: str) -> str:
    """The last day a year or month stands for, for the end of a range."""
    if len(iso) == 4:
        return f"{iso}-12-31"
    if len(iso) == 7:
        year, month = int(iso[:4]), int(iso[5:7])
        return f"{iso}-{_last_day(year, month):02d}"
    return iso


# --- a note mark glued to a date -------------------------------------------------------------

#: A note number right after a date: "10/Х-33 г.2", "19/VIII. 32.1", "[previously May 4, 1918] 1".
_TRAILING_MARK = re.compile(r"^(?P<date>.*?(?:[.\])]|\bг|\d{4}))[ ]?(?P<n>[1-9]\d?)$")


def split_note_mark(text: str, year_hint: int | None = None) -> tuple[str, int] | None:
    """A date line or dateline that ends in a note mark -> (the line without it, the note
    number); None when the line is not a date with a mark after it."""
    line = text.rstrip()
    m = _TRAILING_MARK.match(line)
    if m is None:
        return None
    date = m["date"]
    if m["date"][-1].isdigit() and " " not in line[m.end("date"):m.start("n")]:
        return None  # "November 1, 19231" is no date with a mark
    if parse_date(date, year_hint) is None and parse_dateline(date, year_hint) is None:
        return None
    return date, int(m["n"])


# --- datelines written in the letter --------------------------------------------------------

_NUMERIC = re.compile(
    r"^(?P<d>\d{1,2})\s*[./]\s*(?P<m>[IVX]{1,4}|\d{1,2})(?:\s*[./ \-–—]\s*(?P<y>\d{4}|\d{2}))?"
    r"(?:\s*(?:g|G|г|yr)\.?)?\.?$")
_PLACE_DATE = re.compile(r"^(?P<place>[A-ZА-ЯЁ][\w'’-]+(?:[ -][A-ZА-ЯЁ][\w'’-]+){0,2}),\s*"
                         r"(?P<date>.+)$")


@dataclass(frozen=True)
class Dateline:
    """A dateline as the writer put it: "Berlin, 1.XI.1923", "22/XI-23", "Poltava"."""

    place: str | None
    date: ParsedDate | None


def parse_short_date(text: str, year_hint: int | None = None) -> ParsedDate | None:
    """A date as a writer abbreviates it: "1.XI.1923", "22/XI-23", "27/II", "10/1 1926",
    "22/ХI–23 г."."""
    printed = " ".join(text.replace("\u00a0", " ").split())
    plain, supplied = _unbracket(printed)
    m = _NUMERIC.match(_roman_letters(plain))
    if m:
        day = int(m["d"])
        month = _ROMAN.get(m["m"]) if not m["m"].isdigit() else int(m["m"])
        year = _year(m["y"]) if m["y"] else year_hint
        if month is None:
            return None
        if year is None:
            return ParsedDate(LetterDate(printed, supplied=supplied), True) if 1 <= day <= 31 \
                and 1 <= month <= 12 else None
        when = _iso(year, month, day)
        if when is None:
            return None
        return ParsedDate(LetterDate(printed, when, supplied=supplied or not m["y"]))
    return parse_date(text, year_hint)


def _roman_letters(text: str) -> str:
    """Cyrillic letters typed for Roman numerals read as Latin ones, in a short numeric date."""
    if not re.search(r"\d\s*[./]\s*[ХхІіIVX]", text):
        return text
    return re.sub(r"(?<=[./])\s*[ХхІіӀУIVX]+", lambda m: m.group(0).translate(_ROMAN_LOOKALIKES),
                  text)


def parse_dateline(text: str, year_hint: int | None = None) -> Dateline | None:
    """A line that is only a dateline, with or without a place; None for anything else."""
    line = " ".join(text.replace("\u00a0", " ").split())
    if not line or len(line) > 60:
        return None
    date = parse_short_date(line, year_hint)
    if date is not None:
        return Dateline(None, date)
    m = _PLACE_DATE.match(line)
    if m:
        date = parse_short_date(m["date"], year_hint)
        if date is not None:
            return Dateline(m["place"], date)
    return None
