"""A letter as a reference for a reference manager: RIS (letters/<id>/citation.ris) and BibTeX
(letters/<id>/citation.bib), made from the facts of the build like every other file.

RIS calls a letter a personal communication (PCOMM), which Zotero, EndNote and Citavi read as a
letter; BibTeX has no letter type, so it is a @misc with the recipients in its note.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..anchors import letter_url
from ..display import date_display, join_names, normalised_citation
from .xmlutil import absolute

Read = Callable[..., Any]


def _fields(read: Read, letter_id: str) -> dict[str, Any]:
    from ..pages import translated

    edition = read("edition")
    letter = read("letter", letter_id)
    date = letter.date.when or letter.date.not_before or ""
    return {
        "title": letter.title, "senders": [c.name for c in letter.senders],
        "recipients": [c.name for c in letter.recipients], "date": date,
        "date_text": date_display(letter.date), "edition": edition.title,
        "compilers": list(edition.compilers), "publisher": edition.publisher,
        "url": absolute(edition, letter_url(letter.id)), "number": letter.number,
        "archive": normalised_citation(letter.archive) if letter.archive else None,
        "language": letter.language or edition.language,
        "translation": translated(edition, letter), "id": letter.id,
        "published": edition.published,
    }


def letter_ris(read: Read, letter_id: str) -> bytes:
    f = _fields(read, letter_id)
    lines = ["TY  - PCOMM", f"TI  - {f['title']}"]
    lines += [f"AU  - {name}" for name in f["senders"]]
    lines += [f"A2  - {name}" for name in f["recipients"]]
    if f["date"]:
        parts = f["date"].split("-")
        lines.append(f"PY  - {parts[0]}")
        lines.append(f"DA  - {'/'.join(parts + [''] * (3 - len(parts)))}/")
    lines.append(f"T2  - {f['edition']}")
    lines += [f"ED  - {name}" for name in f["compilers"]]
    if f["publisher"]:
        lines.append(f"PB  - {f['publisher']}")
    if f["number"] is not None:
        lines.append(f"M1  - No. {f['number']}")
    if f["archive"]:
        lines.append(f"AN  - {f['archive']}")
    if f["translation"]:
        lines.append(f"N1  - {f['translation']}")
    lines.append(f"LA  - {f['language']}")
    lines.append(f"UR  - {f['url']}")
    lines.append("ER  - ")
    return ("\r\n".join(_one_line(line) for line in lines) + "\r\n").encode("utf-8")


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&#$_^~])")


def _bib(text: str) -> str:
    """A value for a BibTeX field: TeX's special characters escaped, on one line."""
    def escape(m: re.Match) -> str:
        char = m.group(1)
        return {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(char, "\\" + char)
    return _BIBTEX_SPECIAL.sub(escape, " ".join(text.split()))


def letter_bibtex(read: Read, letter_id: str) -> bytes:
    f = _fields(read, letter_id)
    note = f"Letter to {join_names(f['recipients'])}" if f["recipients"] else "Letter"
    if f["number"] is not None:
        note += f"; No. {f['number']} of the edition"
    if f["translation"]:
        note += f"; {f['translation']}"
    if f["archive"]:
        note += f"; {f['archive']}"
    fields = [("title", f"{{{_bib(f['title'])}}}")]
    if f["senders"]:
        fields.append(("author", "{" + " and ".join(_bib(name) for name in f["senders"]) + "}"))
    if f["date"]:
        fields.append(("year", f["date"][:4]))
        if len(f["date"]) >= 7:
            fields.append(("month", str(int(f["date"][5:7]))))
        fields.append(("date", f"{{{f['date']}}}"))
    fields.append(("howpublished", f"{{In: {_bib(f['edition'])}}}"))
    if f["compilers"]:
        fields.append(("editor", "{" + " and ".join(_bib(name) for name in f["compilers"]) + "}"))
    if f["publisher"]:
        fields.append(("publisher", f"{{{_bib(f['publisher'])}}}"))
    fields.append(("note", f"{{{_bib(note)}}}"))
    fields.append(("url", f"{{{f['url']}}}"))
    if f["published"]:
        fields.append(("urldate", f"{{{f['published']}}}"))
    fields.append(("language", f"{{{f['language']}}}"))
    key = "letter-" + re.sub(r"[^a-z0-9-]", "", f["id"])
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n".encode("utf-8")
