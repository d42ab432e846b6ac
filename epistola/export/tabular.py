"""The letters as data: data/letters.json, data/letters.csv and letters/<id>/letter.json.

The JSON keeps the record's own key order (the front matter of editions/letters/<id>.md), adds the
letter's URL and its notes as plain text (editorial brackets kept as printed), and is written the
same way every time: UTF-8, two-space indent, a newline at the end.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..anchors import letter_url
from ..body import parse_inline, plain_text
from ..corpus import Corpus, Memo, memoized_each
from ..model import Letter
from ..records import EDITION_KEYS, letter_to_front_matter
from .xmlutil import base_url, letter_href

CSV_COLUMNS = (
    "id", "number", "title", "kind", "date_text", "when", "not_before", "not_after",
    "date_supplied", "place", "place_supplied", "senders", "recipients", "sender_refs",
    "recipient_refs", "repository", "fond", "opis", "delo", "folios", "archive_text", "physical",
    "in_reply_to", "url", "notes_count", "unanchored_notes",
)
#: How several values share one CSV cell.
LIST_SEPARATOR = "; "


def to_json(data: Any) -> bytes:
    return (_dumps(data) + "\n").encode("utf-8")


#: Strings and other single values as JSON, by json's C encoder (with one value to write, it
#: makes no closures).
_SCALAR = json.JSONEncoder(ensure_ascii=False).encode


def _dumps(data: Any, indent: str = "") -> str:
    """json.dumps(data, ensure_ascii=False, indent=2), written out. json writes indented text
    with its pure-Python encoder, whose nested functions form a reference cycle at every call:
    with the cycle collector off for the build, each one stayed (14,000 in the build process
    at 10,000 letters, 20 MiB)."""
    if isinstance(data, dict) and all(isinstance(key, str) for key in data):
        if not data:
            return "{}"
        inner = indent + "  "
        return "{\n" + ",\n".join(f"{inner}{_SCALAR(key)}: {_dumps(value, inner)}"
                                   for key, value in data.items()) + f"\n{indent}}}"
    if isinstance(data, (list, tuple)):
        if not data:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _dumps(value, inner) for value in data) + f"\n{indent}]"
    if isinstance(data, dict):  # keys other than strings: as json writes them (never here)
        return json.dumps(data, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)
    return _SCALAR(data)


def edition_entry(corpus: Corpus) -> dict[str, Any]:
    """edition.yaml as data, every key present (null when unset) in the record's key order."""
    out: dict[str, Any] = {}
    for key in EDITION_KEYS:
        value = getattr(corpus.edition, key)
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def letter_entry(corpus: Corpus, letter: Letter) -> dict[str, Any]:
    """A letter's entry in letters.json: its front matter, its URL (relative to the site root) and
    its notes as printed, each flagged when the body has no mark for it."""
    entry = letter_to_front_matter(letter)
    entry["url"] = letter_url(letter.id)
    entry["notes"] = [{"n": note.n, "text": plain_text(parse_inline(note.text)),
                       "anchored": note.anchored} for note in corpus.notes(letter)]
    return entry


def letters_json(corpus: Corpus, memo: Memo | None = None) -> bytes:
    """The same bytes as to_json({"edition": ..., "letters": [...]}), put together from each
    letter's entry as JSON text, which `memo` keeps for the next build."""
    if not corpus.letters:
        return to_json({"edition": edition_entry(corpus), "letters": []})
    # each entry kept as UTF-8: the file is joined as bytes, not encoded whole (32 MB at
    # 10,000 letters) again for every build
    entries = memoized_each(
        memo, "json-entry-utf8", corpus.letters,
        lambda letter: ("    " + _dumps(letter_entry(corpus, letter)).replace("\n", "\n    "))
        .encode("utf-8"), register=False)
    edition = _dumps(edition_entry(corpus)).replace("\n", "\n  ").encode("utf-8")
    return b''.join((b'{\n  "edition": ', edition, b',\n  "letters": [\n', b",\n".join(entries),
                     b"\n  ]\n}\n"))


def letter_json(corpus: Corpus, letter: Letter) -> bytes:
    """One letter's JSON download: its letters.json entry and the edition it belongs to."""
    entry = letter_entry(corpus, letter)
    entry["edition"] = {"title": corpus.edition.title, "url": base_url(corpus.edition)}
    return to_json(entry)


def letters_csv(corpus: Corpus, memo: Memo | None = None) -> bytes:
    """One row a letter, in date order; lists joined with "; "; the URL is absolute, so the file
    still leads to the letter when it is opened away from the site. `memo` keeps each row."""
    rows = [_csv_line(CSV_COLUMNS).encode("utf-8")]
    rows += memoized_each(
        memo, "csv-row-utf8", corpus.letters,
        lambda letter: _csv_line([_cell(v) for v in _csv_row(corpus, letter)]).encode("utf-8"),
        corpus.edition.base_url, register=False)
    return b"".join(rows)


def _csv_line(values: Any) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def _csv_row(corpus: Corpus, letter: Letter) -> list[Any]:
    notes = corpus.notes(letter)
    archive = letter.archive
    date = letter.date
    return [
        letter.id, letter.number, letter.title, letter.kind,
        date.text, date.when, date.not_before, date.not_after, date.supplied,
        letter.place.name if letter.place else None,
        letter.place.supplied if letter.place else False,
        LIST_SEPARATOR.join(c.name for c in letter.senders),
        LIST_SEPARATOR.join(c.name for c in letter.recipients),
        LIST_SEPARATOR.join(c.ref or "" for c in letter.senders),
        LIST_SEPARATOR.join(c.ref or "" for c in letter.recipients),
        archive.repository if archive else None,
        archive.fond if archive else None,
        archive.opis if archive else None,
        archive.delo if archive else None,
        archive.folios if archive else None,
        archive.text if archive else None,
        letter.physical, letter.in_reply_to,
        letter_href(corpus.edition, letter.id),
        len(notes),
        LIST_SEPARATOR.join(str(note.n) for note in notes if not note.anchored),
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
