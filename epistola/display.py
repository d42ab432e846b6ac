"""How values read on a page: dates in words, archival citations spelt out, lists of names.

Pure functions over records, shared by the pages and the exports.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from .ingest.names import CYRILLIC, transliterate
from .model import RECEIPT_READING, ArchiveRef, LetterDate

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def iso_display(iso: str) -> str:
    """"1923-11-01" -> "1 November 1923"; "1923-11" -> "November 1923"; "1923" -> "1923"."""
    parts = iso.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return iso


def date_display(date: LetterDate) -> str:
    """The normalised date in words, for readers; the printed form is shown beside it."""
    if date.when:
        return iso_display(date.when)
    if date.not_before and date.not_after:
        return f"between {iso_display(date.not_before)} and {iso_display(date.not_after)}"
    if date.not_before:
        return f"not before {iso_display(date.not_before)}"
    if date.not_after:
        return f"not after {iso_display(date.not_after)}"
    return "undated"


#: How a TEI letter's date was arrived at (@evidence, @cert, a date read from the receipt),
#: in words for the letter page; the other readings are plain from the date in words itself.
_READING_WORDS = {
    "internal": "dated from internal evidence",
    "external": "dated from external evidence",
    "conjecture": "date conjectured by the editors",
    RECEIPT_READING: "dated by its receipt",
}


def date_reading(date: LetterDate) -> str | None:
    """How the editors arrived at a date, in words, when the date in words does not say it:
    "dated from internal evidence; certainty low"."""
    said = []
    for token in (date.reading or "").split(","):
        token = token.strip()
        if token in _READING_WORDS:
            said.append(_READING_WORDS[token])
        elif token.startswith("certainty "):
            said.append(token.replace(" ", ": ", 1))
    return "; ".join(said) or None


_DATE_WORD = re.compile(r"[^\W_]+")


def printed_differs(date: LetterDate) -> bool:
    """Whether the printed date says more than the date in words does (brackets the editors
    added, Roman numerals, another order of words, a range): "November 1, 1923" says no more
    than "1 November 1923", "November 10 [1923]" does."""
    if "[" in date.text or date.when is None:
        return date.text.strip() != date_display(date)
    printed = sorted(w.casefold().lstrip("0") for w in _DATE_WORD.findall(date.text))
    shown = sorted(w.casefold().lstrip("0") for w in _DATE_WORD.findall(date_display(date)))
    return printed != shown


def date_range_text(date: LetterDate) -> str:
    """The normalised date as ISO text for tables and exports: "1923-11-01" or
    "1923-11-01/1923-11-05"."""
    if date.when:
        return date.when
    if date.not_before or date.not_after:
        return f"{date.not_before or '..'}/{date.not_after or '..'}"
    return ""


def folio_text(folios: str) -> str:
    """"1-5" -> "folios 1–5"; "1" -> "folio 1"; "56-56v." -> "folios 56–56v"."""
    value = folios.strip().rstrip(".")
    value = re.sub(r"\s*[-–]\s*", "–", value)
    plural = "–" in value or "," in value
    return f"{'folios' if plural else 'folio'} {value}"


@lru_cache(maxsize=1 << 16)
def archive_gloss(ref: ArchiveRef) -> str:
    """A Russian archival citation spelt out: "fond 558, inventory 2, file 137, folios 1–5"."""
    parts = []
    if ref.fond:
        parts.append(f"fond {ref.fond}")
    if ref.opis:
        parts.append(f"inventory {ref.opis}")
    if ref.delo:
        parts.append(f"file {ref.delo}")
    if ref.folios:
        parts.append(folio_text(ref.folios))
    return ", ".join(parts)


#: The archives Russian editions of the 1990s cite, by the abbreviation they print: (the name
#: spelt out, the archive's present name and abbreviation when it has changed).
REPOSITORIES = {
    "RTsKhIDNI": ("Russian Centre for the Preservation and Study of Documents of Recent History",
                  "since 1999 the Russian State Archive of Socio-Political History (RGASPI)"),
    "РЦХИДНИ": ("Russian Centre for the Preservation and Study of Documents of Recent History",
                "since 1999 the Russian State Archive of Socio-Political History (RGASPI)"),
    "RGASPI": ("Russian State Archive of Socio-Political History", None),
    "РГАСПИ": ("Russian State Archive of Socio-Political History", None),
    "TsKhSD": ("Centre for the Preservation of Contemporary Documentation",
               "since 1999 the Russian State Archive of Contemporary History (RGANI)"),
    "ЦХСД": ("Centre for the Preservation of Contemporary Documentation",
             "since 1999 the Russian State Archive of Contemporary History (RGANI)"),
    "RGANI": ("Russian State Archive of Contemporary History", None),
    "APRF": ("Archive of the President of the Russian Federation", None),
    "АПРФ": ("Archive of the President of the Russian Federation", None),
    "GARF": ("State Archive of the Russian Federation", None),
    "ГАРФ": ("State Archive of the Russian Federation", None),
}


def repository_name(repository: str) -> str | None:
    """"RTsKhIDNI" -> "Russian Centre for ... (RTsKhIDNI), since 1999 the Russian State Archive
    of Socio-Political History (RGASPI)"; None for an archive the edition does not know."""
    known = REPOSITORIES.get(repository)
    if known is None:
        return None
    name, now = known
    return f"{name}{', ' + now if now else ''}"


def normalised_citation(ref: ArchiveRef) -> str:
    """An archival citation as the abbreviations are usually printed ("F. 558. Op. 2. D. 137.
    L. 1–5."), whatever the source printed (a translation's "On." for "Оп."); the citation as
    printed stays in the record."""
    if ref.by_shelfmark:  # (no abbreviations to normalise: the citation as the source gives it)
        return ref.text or f"{ref.holder}, {ref.shelfmark}"
    parts = [ref.repository]
    for label, value in (("F.", ref.fond), ("Op.", ref.opis), ("D.", ref.delo)):
        if value:
            parts.append(f"{label} {value}")
    if ref.folios:
        parts.append("L. " + re.sub(r"\s*[-–]\s*", "–", ref.folios.strip().rstrip(".")))
    if len(parts) == 1:
        return ref.text or ref.repository
    return ". ".join(parts) + "."


def citation_differs(ref: ArchiveRef) -> bool:
    """The citation as printed says something the normalised one does not (beyond spacing and
    dashes): then the page shows it too."""
    def words(text: str) -> list[str]:
        return [w.casefold() for w in _DATE_WORD.findall(text)]
    return bool(ref.text) and words(ref.text) != words(normalised_citation(ref))


@lru_cache(maxsize=1 << 16)
def archive_anchor(repository: str, fond: str = "", opis: str = "", delo: str = "") -> str:
    """Id of an archival file in the concordance: "rtskhidni-f558-op1-d2565"; letters with
    accents and Cyrillic spelt in Latin letters ("salzburg-universitatsbibliothek"). A fond,
    opis or delo the id cannot spell as it is (spaces, punctuation) gets a short digest of it,
    so that "B 17 (2)" and "B 17-2", or "32323 I" and "32323-I", two files, are two ids."""
    slug = _ascii_slug(repository) or "archive"
    for prefix, value in (("f", fond), ("op", opis), ("d", delo)):
        if value:
            piece = _ascii_slug(value)
            if piece != value.casefold():
                piece += "-" + hashlib.blake2b(value.encode(), digest_size=3).hexdigest()
            slug += f"-{prefix}{piece}"
    return slug


def _ascii_slug(text: str) -> str:
    if CYRILLIC.search(text):
        text = transliterate(text)
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def join_names(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
