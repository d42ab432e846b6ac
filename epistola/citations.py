"""Archival citations as printed in Russian documentary editions, read into ArchiveRef values.

A citation names a repository, then the fond (F.), the opis or inventory (Op., which machine
translation often renders "On."), the delo or file (D.) and the folios (L.):
"RTSKHIDNI. F. 558. On. 2. D. 137. L. 1-5." Notes cite with commas too
("RTSKHIDNI, F. 76, Op. 3, D. 162, L. 14") and abbreviate a citation that repeats the previous one
with "Ibid.": "Ibid. D. 561. L. 56-56v." keeps the repository, fond and opis and replaces what it
names. "Ibid." after a bibliographic reference ("(Source. 1995. No. 5. P. 138)") refers to that
book, not to an archive, and yields nothing.

The Russian original cites the same way: "РЦХИДНИ. Ф. 558. Оп. 1. Д. 2565. Л. 1." (the archive's
name of 1991–1999) or "РГАСПИ. Ф. 558. Оп. 11. Д. 79. Л. 38." (its present name), at times with a
Latin O in "Oп." or no full stop after the archive's name; folios "Л. 56–56 об." (verso);
"Там же" is Ibid. A Russian citation keeps its repository in Cyrillic, as printed.

Pure functions over text; they never raise on any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .model import ArchiveRef

#: Canonical spelling of each repository known by several spellings. The key is the name in
#: upper case with everything but letters removed, so "RTSKHIDNI", "RTsKhIDNI" and "RCKhIDNI" meet.
#: RGASPI is the archive's name since 1999; the edition cites it by its 1996 name.
_REPOSITORIES = {
    "RTSKHIDNI": "RTsKhIDNI",
    "RCKHIDNI": "RTsKhIDNI",
    "RTSHIDNI": "RTsKhIDNI",
    "RCHIDNI": "RTsKhIDNI",
    "RGASPI": "RTsKhIDNI",
    "TSKHSD": "TsKhSD",
    "TSHSD": "TsKhSD",
    "RGANI": "RGANI",
    "GARF": "GARF",
    "TSGAOR": "TsGAOR",
    "APRF": "APRF",
    "RGVA": "RGVA",
    "TSGASA": "TsGASA",
    "RGAE": "RGAE",
    "RGVIA": "RGVIA",
    "TSAFSB": "TsA FSB",
    "TSAFSBRF": "TsA FSB",
    # the Russian names, each kept in Cyrillic
    "РЦХИДНИ": "РЦХИДНИ",
    "РГАСПИ": "РГАСПИ",
    "ЦХСД": "ЦХСД",
    "РГАНИ": "РГАНИ",
    "ГАРФ": "ГАРФ",
    "ЦГАОР": "ЦГАОР",
    "АПРФ": "АП РФ",
    "РГВА": "РГВА",
    "ЦГАСА": "ЦГАСА",
    "РГАЭ": "РГАЭ",
    "РГВИА": "РГВИА",
    "ЦАФСБ": "ЦА ФСБ",
    "ЦАФСБРФ": "ЦА ФСБ",
    "ЦПА": "ЦПА",
    "ЦПАИМЛ": "ЦПА ИМЛ",
}

#: A word of an archive's name: an acronym with at least two capitals ("GARF", "RTsKhIDNI", "TsA",
#: "РГАСПИ", "АП").
_REPO_WORD = (r"(?:[A-Z]{2,}|[A-Z][a-z]{0,2}[A-Z][A-Za-z]*|[А-ЯЁ]{2,}|[А-ЯЁ][а-яё]{0,2}[А-ЯЁ]"
              r"[А-ЯЁа-яё]*)(?![A-Za-zА-ЯЁа-яё])")
_REPO = rf"(?<![A-Za-zА-ЯЁа-яё]){_REPO_WORD}(?:[ ]{_REPO_WORD}){{0,2}}"
#: A fond, opis or delo: "558", "1/s" (a secret inventory; "1/с" in Russian), "R-130", "17a".
_NUM = r"(?:[A-ZА-ЯЁ]-?)?\d+(?:[a-zа-яё](?![A-Za-zА-ЯЁа-яё]))?(?:/[a-zа-яё]{1,2}(?![A-Za-zА-ЯЁа-яё]))?"
_FOLIO = r"\d+(?:[ ]?(?:v|ob|rev|об)(?![A-Za-zА-ЯЁа-яё])\.?)?"
_FOLIOS = rf"{_FOLIO}(?:[ ]*[-–—][ ]*{_FOLIO})?(?:[ ]*,[ ]*{_FOLIO}(?:[ ]*[-–—][ ]*{_FOLIO})?)*"

#: The fields of a citation, in their hierarchical order.
_LEVELS = ("fond", "opis", "delo", "folios")
_FIELD = {
    "fond": re.compile(rf"[FФ]\.[ ]?(?P<v>{_NUM})"),
    "opis": re.compile(rf"[OО][pnп]\.[ ]?(?P<v>{_NUM})"),
    "delo": re.compile(rf"[DД]\.[ ]?(?P<v>{_NUM})"),
    "folios": re.compile(rf"(?:Ll?|LL|Лл?)\.[ ]?(?P<v>{_FOLIOS})"),
}
_SEP = re.compile(r"[ ]*[.,;][ ]*|[ ]+")
_REPO_HEAD = re.compile(rf"(?P<repo>{_REPO})(?:[ ]*[.,][ ]*|[ ]+)(?=[FФ]\.[ ]?\d|[FФ]\.[ ]?[A-ZА-ЯЁ]-?\d)")
_IBID = re.compile(r"(?<![A-Za-zА-ЯЁа-яё])(?:Ibid|Ibidem|[ТT]ам[ ]?же)(?![A-Za-zА-ЯЁа-яё])\.?")
#: A page reference after "Ibid.": it cites a publication, not an archive ("Ibid., pp. 128-129",
#: "Там же. С. 128–129").
_PAGES = re.compile(r"[ ]*[.,]?[ ]*(?:pp?|P|S|C|С|Стр|стр)\.[ ]?\d")
#: A bibliographic reference: a year, perhaps an issue, then a page ("1995. No. 5. P. 138",
#: "1995. № 5. С. 138").
_BIBLIO = re.compile(r"(?<!\d)(?:1[6-9]|20)\d\d[.,][ ]*(?:(?:No\.|№|Вып\.)[ ]?\d+[.,][ ]*)?"
                     r"(?:pp?|P|S|C|С|Стр|стр)\.[ ]?\d")


def _repository_key(name: str) -> str:
    return re.sub(r"[^A-ZА-ЯЁ]", "", name.upper())


def normalise_repository(name: str) -> str:
    """The canonical spelling of a repository name; unknown names are kept as printed."""
    return _REPOSITORIES.get(_repository_key(name), name.strip())


def _known(name: str) -> bool:
    return _repository_key(name) in _REPOSITORIES


def _fields(text: str, pos: int) -> tuple[dict[str, str], int]:
    """The citation fields that follow at pos, in hierarchical order; and where they end."""
    found: dict[str, str] = {}
    end = pos
    cursor = pos
    for level in _LEVELS:
        m = _FIELD[level].match(text, cursor)
        if m is None:
            continue
        value = m.group("v").strip()
        if level == "folios":
            value = value.rstrip(".").strip()
        found[level] = value
        end = m.end()
        sep = _SEP.match(text, end)
        cursor = sep.end() if sep else end
    if found and end < len(text) and text[end] == ".":
        end += 1
    return found, end


def _full_at(text: str, pos: int) -> tuple[ArchiveRef, int] | None:
    """A complete citation (repository first) starting exactly at pos."""
    head = _REPO_HEAD.match(text, pos)
    if head is None:
        return None
    fields, end = _fields(text, head.end())
    if "fond" not in fields:
        return None
    repo = head.group("repo")
    if not _known(repo) and not ({"opis", "delo"} & fields.keys()):
        return None  # an unknown name needs more than a fond to count as an archive
    ref = ArchiveRef(repository=normalise_repository(repo), text=text[pos:end].strip(), **fields)
    return ref, end


def _ibid_at(text: str, pos: int, previous: ArchiveRef | None
             ) -> tuple[ArchiveRef | None, int, bool] | None:
    """An "Ibid." at pos: (ref or None, end, refers_to_archive). None when there is no Ibid."""
    m = _IBID.match(text, pos)
    if m is None:
        return None
    sep = _SEP.match(text, m.end())
    cursor = sep.end() if sep else m.end()
    fields, end = _fields(text, cursor)
    if not fields:
        if _PAGES.match(text, m.end()):
            return None, m.end(), False  # "Ibid., pp. 128-129": a publication
        if previous is None:
            return None, m.end(), False
        return replace(previous, text=text[pos:m.end()].strip()), m.end(), True
    if previous is None:
        return None, end, False
    first = min(_LEVELS.index(level) for level in fields)
    kept = {level: getattr(previous, level) for level in _LEVELS[:first]}
    new = {level: fields.get(level) for level in _LEVELS[first:]}
    ref = ArchiveRef(repository=previous.repository, text=text[pos:end].strip(), **kept, **new)
    return ref, end, True


def parse_citation(text: str, previous: ArchiveRef | None = None) -> ArchiveRef | None:
    """One citation, e.g. "RTSKHIDNI. F. 558. On. 2. D. 137. L. 1-5." or "Ibid. L. 17".

    "Ibid." resolves against previous; without one it yields None, as does text that is not an
    archival citation. Surrounding spaces and parentheses are ignored.
    """
    stripped = text.strip().strip("()").strip()
    if not stripped:
        return None
    full = _full_at(stripped, 0)
    if full is not None:
        return full[0]
    ibid = _ibid_at(stripped, 0, previous)
    if ibid is not None and ibid[2]:
        return ibid[0]
    return None


@dataclass(frozen=True, slots=True)
class Citation:
    """An archival citation found inside a text."""

    start: int
    """Offset of its first character in the text."""
    end: int
    """Offset just after its last character: text[start:end] == ref.text."""
    ref: ArchiveRef


#: Where a citation, an "Ibid." or a bibliographic year can start: every pattern above begins with
#: an ASCII capital or with the 1 or 2 of a year. Jumping between these keeps the scan off the
#: other characters, which are most of a note.
_CANDIDATE = re.compile(r"[A-ZА-ЯЁ12]")


def _scan(text: str, previous: ArchiveRef | None) -> tuple[list[Citation], ArchiveRef | None]:
    found: list[Citation] = []
    pos = 0  # everything before pos belongs to a citation already read
    for candidate in _CANDIDATE.finditer(text):
        at = candidate.start()
        if at < pos:
            continue
        if text[at] in "12":
            if _BIBLIO.match(text, at) and (at == 0 or not text[at - 1].isdigit()):
                previous = None  # a publication is now the thing "Ibid." refers to
            continue
        if at and text[at - 1].isalpha():
            continue
        full = _full_at(text, at)
        if full is not None:
            ref, end = full
            found.append(Citation(at, at + len(ref.text), ref))
            previous = ref
            pos = end
            continue
        ibid = _ibid_at(text, at, previous)
        if ibid is not None:
            ref, end, archival = ibid
            if archival and ref is not None:
                found.append(Citation(at, at + len(ref.text), ref))
                previous = ref
            else:
                previous = None
            pos = max(end, at + 1)
    return found, previous


def find_citations(text: str, previous: ArchiveRef | None = None) -> list[Citation]:
    """Every archival citation in a note's text, in order, each "Ibid." resolved against the
    reference before it (previous, when the text starts with one)."""
    return _scan(text, previous)[0]


def last_reference(text: str, previous: ArchiveRef | None = None) -> ArchiveRef | None:
    """What an "Ibid." right after text refers to: its last archival citation, or None when a
    publication was cited after it. Pass it on to read the next note."""
    return _scan(text, previous)[1]


def split_archive_line(line: str) -> tuple[ArchiveRef | None, str | None]:
    """A letter's archival line -> the citation and the physical description after it.

    "RTSKHIDNI. F. 558. On. 1. D. 2565. L. 2-7. Typewritten text. The signature is an autograph."
    gives the citation (text up to "L. 2-7.") and "Typewritten text. The signature is an
    autograph.". A line that does not start with a citation gives (None, None).
    """
    stripped = line.strip()
    full = _full_at(stripped, 0)
    if full is None:
        return None, None
    ref, end = full
    rest = stripped[end:].strip(" ,;")
    return ref, rest or None
