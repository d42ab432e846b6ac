"""The letters as data: data/letters.json, data/letters.csv and letters/<id>/letter.json.

The JSON keeps the record's own key order (the front matter of editions/letters/<id>.md), adds the
letter's URL and its notes as plain text (editorial brackets kept as printed), and is written the
same way every time: UTF-8, two-space indent, a newline at the end.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable

from ..anchors import paragraph_id
from ..body import plain_text
from ..letters import Reading, Summary
from ..model import Edition
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

Read = Callable[..., Any]


def to_json(data: Any) -> bytes:
    """UTF-8 JSON, two-space indent, a newline at the end."""
    return (_dumps(data) + "\n").encode("utf-8")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def edition_entry(edition: Edition) -> dict[str, Any]:
    """edition.yaml as data, every key present (null when unset) in the record's key order;
    the keys that say where a TEI edition keeps its files are the build's business."""
    out: dict[str, Any] = {}
    for key in EDITION_KEYS:
        if key in ("letters", "registers"):
            continue
        value = getattr(edition, key)
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def letter_entry(reading: Reading, edition: Edition) -> dict[str, Any]:
    """A letter's entry in letters.json: its front matter, its address (absolute, as in the
    CSV: the file still leads to the letter away from the site), its text as plain paragraphs
    (with their anchors and letter parts) and its notes as printed, each flagged when the body
    has no mark for it."""
    entry = letter_to_front_matter(reading.letter)
    entry["url"] = letter_href(edition, reading.letter.id)
    entry["text"] = _paragraphs(reading)
    entry["notes"] = _notes(reading)
    if reading.texts:
        entry["texts"] = [{"language": t.text.language, "role": t.text.role, "title": t.text.title,
                           "date": t.text.date_text, "archive": t.text.archive_text,
                           "text": _paragraphs(t), "notes": _notes(t)} for t in reading.texts]
    return entry


def _paragraphs(reading: Any) -> list[dict[str, Any]]:
    return [{"id": paragraph_id(i, reading.prefix), "part": block.part,
             "text": plain_text(inlines)}
            for i, (block, inlines) in enumerate(zip(reading.blocks, reading.paragraphs()),
                                                 start=1)]


def _notes(reading: Any) -> list[dict[str, Any]]:
    return [{"n": note.n, "text": plain_text(note.inlines), "anchored": note.anchored}
            for note in reading.notes]


# letters.json is joined from pieces, one a letter (pages.Joined): the same bytes as
# to_json({"edition": ..., "letters": [...]})

def letters_json_head(read: Read) -> bytes:
    edition = _dumps(edition_entry(read("edition"))).replace("\n", "\n  ")
    return ('{\n  "edition": ' + edition + ',\n  "letters": [\n').encode("utf-8")


def letters_json_piece(read: Read, letter_id: str) -> bytes:
    entry = letter_entry(read("reading", letter_id), read("edition"))
    return ("    " + _dumps(entry).replace("\n", "\n    ")).encode("utf-8")


LETTERS_JSON_BETWEEN = b",\n"
LETTERS_JSON_TAIL = b"\n  ]\n}\n"


def letters_json_empty(read: Read) -> bytes:
    return to_json({"edition": edition_entry(read("edition")), "letters": []})


def letter_json(read: Read, letter_id: str) -> bytes:
    """One letter's JSON download: its letters.json entry and the edition it belongs to."""
    edition = read("edition")
    entry = letter_entry(read("reading", letter_id), edition)
    entry["edition"] = {"title": edition.title, "url": base_url(edition)}
    return to_json(entry)


def letters_csv_head(read: Read) -> bytes:
    return _csv_line(CSV_COLUMNS).encode("utf-8")


def letters_csv_piece(read: Read, letter_id: str) -> bytes:
    """One row a letter, in date order; lists joined with "; "; the URL is absolute, so the file
    still leads to the letter when it is opened away from the site."""
    letter = read("letter", letter_id)
    return _csv_line([_cell(v) for v in _csv_row(read("edition"), letter)]).encode("utf-8")


def _csv_line(values: Any) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def _csv_row(edition: Edition, letter: Summary) -> list[Any]:
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
        letter_href(edition, letter.id),
        len(letter.notes),
        LIST_SEPARATOR.join(str(n) for n, anchored in letter.notes if not anchored),
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
