"""Dates as the collection prints them -> LetterDate (ISO 8601 day, month, year or range).

The date line under a heading: "November 1, 1923", "November 10 [1923]" (year supplied by the
editors), "[late January 1918]" (a range, not a day), "[not earlier than May 5, 1924]",
"November 5-7, 1923". Datelines written in the letter itself: "Berlin, 1.XI.1923", "22/XI-23",
"27/II", "10/1 1926", "November 10th. G." (г., "year"). Pure functions; never raise.
"""

from __future__ import annotations

import calendar
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
_BEFORE = re.compile(r"^(?:not later than|no later than|not after|before|by)\s+", re.I)
_AFTER = re.compile(r"^(?:not earlier than|no earlier than|not before|after)\s+", re.I)
_YEAR_MARK = re.compile(r"(?:[\s.]+|(?<=\d))(?:g|G|yr|year)\.?\s*$")


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


_DAY_MONTH_YEAR = re.compile(
    rf"^(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)?\s+)?"
    rf"(?P<m>{_MONTH})(?:\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*[-–]\s*(?P<d4>\d{{1,2}})"
    rf"(?:st|nd|rd|th)?)?)?[,.]?(?:\s+(?P<y>\d{{4}}))?$", re.I)
_YEAR_ONLY = re.compile(r"^(?P<y>\d{4})$")
_YEAR_RANGE = re.compile(r"^(?P<y1>\d{4})\s*[-–]\s*(?P<y2>\d{4})$")
_PERIOD = re.compile(rf"^(?P<p>[a-z -]+?)\s*(?P<m>{_MONTH})(?:,?\s+(?P<y>\d{{4}}))?$", re.I)
_SEASON = re.compile(r"^(?P<s>spring|summer|autumn|fall|winter)(?:\s+of)?,?\s+(?P<y>\d{4})$", re.I)
_BETWEEN_DAYS = re.compile(rf"^between\s+(?P<m>{_MONTH})\s+(?P<a>\d{{1,2}})\s+and\s+(?P<b>\d{{1,2}})"
                           r"(?P<y>,?\s+\d{4})?$", re.I)
_YEAR_PERIOD = re.compile(r"^(?P<p>early|the beginning of|beginning of|mid|mid-|the middle of|middle of|"
                          r"late|the end of|end of)\s*(?P<y>\d{4})$", re.I)
_YEAR_PERIODS = {"early": (1, 4), "beginning of": (1, 4), "the beginning of": (1, 4),
                 "mid": (5, 8), "mid-": (5, 8), "middle of": (5, 8), "the middle of": (5, 8),
                 "late": (9, 12), "end of": (9, 12), "the end of": (9, 12)}
_BETWEEN = re.compile(r"^between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.I)


def _simple(text: str, year_hint: int | None) -> tuple[str | None, str | None, str | None]:
    """(when, not_before, not_after) for an unbracketed date; all None when unreadable."""
    text = _YEAR_MARK.sub("", text.strip().rstrip(".").strip())
    m = _YEAR_ONLY.match(text)
    if m:
        return _iso(int(m["y"])), None, None
    m = _YEAR_RANGE.match(text)
    if m and int(m["y1"]) < int(m["y2"]):
        return None, _iso(int(m["y1"])), _iso(int(m["y2"]))
    m = _DAY_MONTH_YEAR.match(text)
    if m and not (m["d1"] and m["d3"]):
        month = _month_number(m["m"])
        year = int(m["y"]) if m["y"] else year_hint
        first = m["d1"] or m["d3"]
        last = m["d2"] or m["d4"]
        if month is None or year is None:
            return None, None, None
        if first is None:
            return _iso(year, month), None, None
        if last is None:
            return _iso(year, month, int(first)), None, None
        a, b = _iso(year, month, int(first)), _iso(year, month, int(last))
        if a and b and a < b:
            return None, a, b
        return None, None, None
    m = _YEAR_PERIOD.match(text)
    if m:
        year = int(m["y"])
        first, last = _YEAR_PERIODS[m["p"].lower()]
        return None, _iso(year, first, 1), _iso(year, last, _last_day(year, last))
    m = _SEASON.match(text)
    if m:
        year = int(m["y"])
        first, last = _SEASONS[m["s"].lower()]
        return None, _iso(year, first, 1), _iso(year, last, _last_day(year, last))
    m = _PERIOD.match(text)
    if m and m["p"].strip().lower() in _PERIODS:
        month = _month_number(m["m"])
        year = int(m["y"]) if m["y"] else year_hint
        if month is None or year is None:
            return None, None, None
        first, last = _PERIODS[m["p"].strip().lower()]
        last = last or _last_day(year, month)
        return None, _iso(year, month, first), _iso(year, month, last)
    return None, None, None


def parse_date(text: str, year_hint: int | None = None) -> ParsedDate | None:
    """A date line as printed -> ParsedDate, or None when it is not a date.

    year_hint completes a date printed without a year ("November 10th. G.").
    """
    printed = " ".join(text.replace("\u00a0", " ").split())
    if not printed or len(printed) > 80:
        return None
    plain, supplied = _unbracket(printed)
    plain = plain.strip(" .,;")
    approximate = False
    m = _APPROX.match(plain)
    if m:
        approximate = True
        plain = plain[m.end():]
    plain = _BETWEEN_DAYS.sub(r"\g<m> \g<a>-\g<b>\g<y>", plain)
    m = _BETWEEN.match(plain)
    if m:
        b_when, _, b_after = _simple(m["b"], year_hint)
        end = b_when or b_after
        end_year = int(end[:4]) if end else year_hint
        a_when, a_before, _ = _simple(m["a"], end_year)
        start = a_when or a_before
        if start is None and end is not None and m["a"].strip().isdigit():
            start = _iso(int(end[:4]), int(end[5:7]), int(m["a"])) if len(end) == 10 else None
        if start and end and start < end:
            return ParsedDate(LetterDate(printed, None, start, _range_end(end), supplied), True)
        return None
    for pattern, key in ((_BEFORE, "not_after"), (_AFTER, "not_before")):
        m = pattern.match(plain)
        if m:
            when, lo, hi = _simple(plain[m.end():], year_hint)
            bound = when or (hi if key == "not_after" else lo)
            if bound is None:
                return None
            if key == "not_after":
                bound = _range_end(bound)
            return ParsedDate(LetterDate(printed, supplied=supplied, **{key: bound}), True)
    when, lo, hi = _simple(plain, year_hint)
    if when:
        return ParsedDate(LetterDate(printed, when, supplied=supplied), approximate)
    if lo and hi:
        return ParsedDate(LetterDate(printed, None, lo, hi, supplied), True)
    return None


def _range_end(iso: str) -> str:
    """The last day a year or month stands for, for the end of a range."""
    if len(iso) == 4:
        return f"{iso}-12-31"
    if len(iso) == 7:
        year, month = int(iso[:4]), int(iso[5:7])
        return f"{iso}-{_last_day(year, month):02d}"
    return iso


# --- datelines written in the letter --------------------------------------------------------

_NUMERIC = re.compile(
    r"^(?P<d>\d{1,2})\s*[./]\s*(?P<m>[IVX]{1,4}|\d{1,2})(?:\s*[./ -]\s*(?P<y>\d{4}|\d{2}))?"
    r"(?:\s*(?:g|G|yr)\.?)?\.?$")
_PLACE_DATE = re.compile(r"^(?P<place>[A-Z][\w'’-]+(?:[ -][A-Z][\w'’-]+){0,2}),\s*(?P<date>.+)$")


@dataclass(frozen=True)
class Dateline:
    """A dateline as the writer put it: "Berlin, 1.XI.1923", "22/XI-23", "Poltava"."""

    place: str | None
    date: ParsedDate | None


def parse_short_date(text: str, year_hint: int | None = None) -> ParsedDate | None:
    """A date as a writer abbreviates it: "1.XI.1923", "22/XI-23", "27/II", "10/1 1926"."""
    printed = " ".join(text.replace("\u00a0", " ").split())
    plain, supplied = _unbracket(printed)
    m = _NUMERIC.match(plain)
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
