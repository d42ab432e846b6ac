"""Open data, all generated from the records: JSON, CSV, TEI P5 per letter, CMIF and the sitemap.

Pure: `export_files(corpus)` returns the files as bytes keyed by their path relative to the site
root, and what it could not do as diagnostics; the build writes them beside the pages. The same
corpus always gives the same bytes: every date comes from edition.yaml (or from the build date the
caller passes, taken from SOURCE_DATE_EPOCH), never from the clock.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from typing import Any, Callable

from ..anchors import letter_url
from ..corpus import Corpus, Memo, memoized_each
from ..diagnostics import Diagnostic, warning
from ..model import Edition, Letter
from ..records import is_iso_date, letter_to_front_matter
from .cmif import CMIF_PATH, cmif_xml
from .sitemap import sitemap_xml
from .tabular import letter_json, letters_csv, letters_json
from .tei import letter_tei
from .xmlutil import NOT_XML

__all__ = ["export_files", "LETTERS_JSON", "LETTERS_CSV", "CMIF_PATH", "SITEMAP", "tei_path",
           "json_path"]

LETTERS_JSON = "data/letters.json"
LETTERS_CSV = "data/letters.csv"
SITEMAP = "sitemap.xml"


def tei_path(letter_id: str) -> str:
    """Where a letter's TEI file is, relative to the site root."""
    return letter_url(letter_id) + "tei.xml"


def json_path(letter_id: str) -> str:
    """Where a letter's JSON file is, relative to the site root."""
    return letter_url(letter_id) + "letter.json"


def export_files(corpus: Corpus, build_date: str | None = None,
                 wanted: Callable[[str], bool] | None = None, memo: Memo | None = None,
                 check: bool = True, sink: Callable[[str, bytes], None] | None = None
                 ) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Every open-data file of the edition, keyed by path relative to the site root.

    build_date (ISO 8601, e.g. from SOURCE_DATE_EPOCH) stands in for edition.yaml's `published`
    when that is not set; without either, cmif.xml (which must carry a date) is left out and the
    sitemap has no lastmod, with a warning saying how to fix it. With `wanted`, only the files
    whose path it accepts are made (an incremental build reuses the others); the diagnostics are
    the same either way. `memo` keeps per-letter pieces of the files that list all letters.
    check=False leaves out the look for characters XML cannot hold (a pass over every letter)
    when the caller has its diagnostics from another call. With `sink`, each file is handed to
    it as soon as it is made and not kept (the dict comes back empty).
    """
    want = wanted or (lambda path: True)
    diags: list[Diagnostic] = _unsafe_characters(corpus, memo) if check else []
    edition = corpus.edition
    files: dict[str, bytes] = {}
    put = sink or files.__setitem__
    if want(LETTERS_JSON):
        put(LETTERS_JSON, letters_json(corpus, memo))
    if want(LETTERS_CSV):
        put(LETTERS_CSV, letters_csv(corpus, memo))
    for letter in corpus.letters:
        if want(json_path(letter.id)):
            put(json_path(letter.id), letter_json(corpus, letter))
        if want(tei_path(letter.id)):
            put(tei_path(letter.id), letter_tei(corpus, letter))

    date = edition.published or build_date
    if date is not None and not is_iso_date(date):
        diags.append(warning(_edition_path(corpus), 1, f"published '{date}' is not a date in ISO "
                             "8601 form (YYYY-MM-DD); cmif.xml and the sitemap need one",
                             "export-bad-date"))
        date = None
    if date is None:
        diags.append(warning(_edition_path(corpus), 1, "edition.yaml has no 'published' date, so "
                             f"{CMIF_PATH} (which must carry one) is not written; add "
                             "'published: YYYY-MM-DD'", "export-no-date"))
    elif want(CMIF_PATH):
        put(CMIF_PATH, cmif_xml(corpus, date, memo))
    if not (edition.editors or edition.compilers):
        diags.append(warning(_edition_path(corpus), 1, "edition.yaml names no 'editors' or "
                             "'compilers'; the TEI and CMIF files name nobody responsible for "
                             "them; add 'editors: [NAME]'", "export-no-editors"))
    if want(SITEMAP):
        put(SITEMAP, sitemap_xml(corpus, date))
    return files, diags


def _unsafe_characters(corpus: Corpus, memo: Memo | None = None) -> list[Diagnostic]:
    """A warning for edition.yaml and for each letter whose text holds a character XML cannot
    (a control character pasted from elsewhere, or written as a YAML escape); the XML files
    show U+FFFD in its place. `memo` keeps each letter's answer for the next build."""
    found = [_unsafe_warning(_edition_path(corpus), 1, key, "the TEI and CMIF files show", m)
             for key, value in _edition_fields(corpus.edition) for m in _first_unsafe(value)][:1]
    return found + [d for found in memoized_each(memo, "xml-characters", corpus.letters,
                                                 _unsafe_in, register=False) for d in found]


def _unsafe_in(letter: Letter) -> list[Diagnostic]:
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
    """The fields of edition.yaml, by key."""
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


def _edition_path(corpus: Corpus) -> str:
    """edition.yaml beside the letters folder the records were read from."""
    for letter in corpus.letters:
        if letter.path:
            return posixpath.join(posixpath.dirname(posixpath.dirname(letter.path)), "edition.yaml")
    return "edition.yaml"
