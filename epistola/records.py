"""Record files <-> records: editions/letters/<id>.md, persons.yaml and edition.yaml.

Pure functions over text. Reading keeps the line of every key so diagnostics can point at it;
writing uses a fixed key order and layout, so `dump_letter(parse_letter(t)) == t` for every
record this module wrote, and an editor's diff shows only what the editor changed.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .diagnostics import Diagnostic, error, warning
from .frozen import FrozenMap
from .model import (
    DOCUMENT_KINDS,
    RECIPIENT_ROLES,
    LETTER_ID,
    TEXT_ROLES,
    PERSON_REF,
    ArchiveRef,
    Correspondent,
    Edition,
    Letter,
    LetterDate,
    Note,
    Person,
    Place,
    SourceSpan,
    Text,
)

LETTER_KEYS = (
    "id", "number", "title", "kind", "senders", "recipients", "date", "place", "archive",
    "physical", "in_reply_to", "source", "unnumbered_notes", "printed", "language", "role", "texts",
)
_FURTHER_KEYS = ("printed", "language", "role", "texts")
_FIRST_KEYS = tuple(k for k in LETTER_KEYS if k not in _FURTHER_KEYS)
#: The keys of an entry of `texts:`, in the order they are written.
TEXT_KEYS = ("language", "role", "title", "date", "archive", "physical", "source",
             "unnumbered_notes", "printed")
_REQUIRED = ("id", "title", "senders", "recipients", "date")
_NOTE_DEF = re.compile(r"^\[\^(\d+)\]:[ \t]?(.*)$")
#: The line that opens a further text of the letter below the body and its notes: "::: text ru".
TEXT_SECTION = re.compile(r"^::: text (?P<language>[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_ISO_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


class _Dumper(yaml.SafeDumper):
    """Block style at the top, flow style inside; never wraps long lines."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML writes NEL and the Unicode line and paragraph separators raw in a quoted scalar,
    # where reading folds them into a space: double quotes write them as escapes (\N, \L, \P)
    style = '"' if any(c in value for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _yaml_value(value: Any) -> str:
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, allow_unicode=True,
                     sort_keys=False, width=1 << 30)
    return text.removesuffix("\n...\n").rstrip("\n")


def _yaml_block(value: dict) -> str:
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=False, allow_unicode=True,
                     sort_keys=False, width=1 << 30)
    return "".join("  " + line + "\n" for line in text.splitlines())


#: libyaml's loader when PyYAML was built with it (about ten times faster), else the pure one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_and_load(text: str) -> tuple[Any, Any]:
    """The YAML node tree (with the line of every key) and the data, from one parse."""
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def normalise_text(text: str) -> str:
    """Newlines as \\n, no byte-order mark: records edited on any system read the same."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# --- letters ---------------------------------------------------------------------------------

def letter_to_front_matter(letter: Letter) -> dict[str, Any]:
    """The front-matter keys of a letter as plain data (also the letter's entry in letters.json)."""
    date: dict[str, Any] = {"text": letter.date.text}
    for key in ("when", "not_before", "not_after", "alternative"):
        if getattr(letter.date, key) is not None:
            date[key] = getattr(letter.date, key)
    if letter.date.supplied:
        date["supplied"] = True
    if letter.date.reading is not None:
        date["reading"] = letter.date.reading
    place = _place_data(letter.place)
    archive = None
    if letter.archive is not None:
        a = letter.archive
        archive = {"repository": a.repository, "fond": a.fond, "opis": a.opis, "delo": a.delo,
                   "folios": a.folios, "text": a.text}
    data: dict[str, Any] = {
        "id": letter.id,
        "number": letter.number,
        "title": letter.title,
        "kind": letter.kind,
        "senders": [_correspondent(c) for c in letter.senders],
        "recipients": [_correspondent(c) for c in letter.recipients],
        "date": date,
        "place": place,
        "archive": archive,
        "physical": letter.physical,
        "in_reply_to": letter.in_reply_to,
        "source": _sources(letter.source, letter.also_from),
    }
    # the keys below are written only when they say something, so that a record without them
    # reads and writes as it always did
    if letter.unnumbered_notes:
        data["unnumbered_notes"] = list(letter.unnumbered_notes)
    if letter.printed:
        data["printed"] = list(letter.printed)
    if letter.language is not None:
        data["language"] = letter.language
    if letter.role is not None:
        data["role"] = letter.role
    if letter.texts:
        data["texts"] = [_text_entry(t) for t in letter.texts]
    return data


def _span(span: SourceSpan) -> dict[str, Any]:
    return {"file": span.file, "lines": [span.first, span.last]}


def _sources(source: SourceSpan | None, also_from: tuple[SourceSpan, ...]) -> Any:
    """One {file, lines} for a document read once; a list when ingest read several copies."""
    if source is None:
        return [_span(s) for s in also_from] or None
    if not also_from:
        return _span(source)
    return [_span(source)] + [_span(s) for s in also_from]


def _text_entry(text: Text) -> dict[str, Any]:
    """A further text's metadata, as `texts:` lists it (its body and notes are in its section)."""
    entry: dict[str, Any] = {"language": text.language, "role": text.role}
    for key, value in (("title", text.title), ("date", text.date_text),
                       ("archive", text.archive_text), ("physical", text.physical)):
        if value is not None:
            entry[key] = value
    if text.source is not None or text.also_from:
        entry["source"] = _sources(text.source, text.also_from)
    if text.unnumbered_notes:
        entry["unnumbered_notes"] = list(text.unnumbered_notes)
    if text.printed:
        entry["printed"] = list(text.printed)
    return entry


def _correspondent(c: Correspondent) -> dict[str, Any]:
    """{name, ref}, or {name, organisation} for a body; and its role when not the addressee."""
    data: dict[str, Any] = {"name": c.name}
    data["organisation" if c.register == "organisations" else "ref"] = c.ref
    if c.role != "to":
        data["role"] = c.role
    return data


def _place_data(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    data: dict[str, Any] = {"name": place.name}
    if place.ref is not None:
        data["ref"] = place.ref
    if place.supplied:
        data["supplied"] = True
    return data


def dump_letter(letter: Letter) -> str:
    """The record file of a letter."""
    out = ["---\n"]
    for key, value in letter_to_front_matter(letter).items():
        if key == "archive" and value is not None:
            out.append("archive:\n" + _yaml_block(value))
        elif key == "texts":
            out.append("texts:\n" + "".join(_yaml_list_item(entry) for entry in value))
        else:
            out.append(f"{key}: {_yaml_value(value)}\n")
    out.append("---\n")
    out.append(_body_and_notes(letter.body, letter.notes))
    out.extend(text_section(text) for text in letter.texts)
    return "".join(out)


def text_entry(text: Text) -> str:
    """A further text's entry under `texts:`, as dump_letter writes it."""
    return _yaml_list_item(_text_entry(text))


def text_section(text: Text) -> str:
    """A further text's section below the body, as dump_letter writes it."""
    return f"\n::: text {text.language}\n" + _body_and_notes(text.body, text.notes)


def _body_and_notes(body: str, notes: tuple[Note, ...]) -> str:
    out = []
    body = body.strip("\n")
    if body:
        out.append("\n" + body + "\n")
    for note in notes:
        out.append(f"\n[^{note.n}]: {note.text}\n")
    return "".join(out)


def _yaml_list_item(entry: dict[str, Any]) -> str:
    """One entry of a block list, each key on its own line: "  - language: ru\n    role: …"."""
    lines = [f"{key}: {_yaml_value(value)}" for key, value in entry.items()]
    return "".join(("  - " if i == 0 else "    ") + line + "\n" for i, line in enumerate(lines))


def parse_letter(text: str, path: str) -> tuple[Letter | None, list[Diagnostic]]:
    """Read a record file. Returns the letter (None when it cannot be read) and what is wrong."""
    diags: list[Diagnostic] = []
    text = normalise_text(text)
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, [error(path, 1, "a record must start with a '---' line opening its YAML front "
                                     "matter", "record-no-front-matter")]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        return None, [error(path, 1, "the YAML front matter is not closed: add a '---' line after "
                                     "it", "record-no-front-matter")]
    front_text = "\n".join(lines[1:end])
    try:
        node, data = _compose_and_load(front_text)
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc, 1)
        return None, [error(path, line, f"YAML error in front matter: {problem}", "yaml")]
    if not isinstance(data, dict):
        return None, [error(path, 2, "the front matter must be a mapping of keys to values",
                            "record-front-matter")]
    key_lines = {k.value: k.start_mark.line + 2 for k, _ in node.value} if node is not None else {}

    def at(key: str) -> int:
        return key_lines.get(key, 1)

    # a record of one text is told the keys it has always had; one that uses the keys of
    # further texts is told those too
    told = LETTER_KEYS if any(k in data for k in _FURTHER_KEYS) else _FIRST_KEYS
    for key in data:
        if key not in LETTER_KEYS:
            diags.append(warning(path, at(str(key)), f"unknown key '{key}' (known: "
                                 f"{', '.join(told)})", "record-unknown-key"))
    missing = [k for k in _REQUIRED if data.get(k) in (None, "", [])]
    for key in missing:
        diags.append(error(path, 2, f"required key '{key}' is missing or empty", "record-missing-key"))
    if missing:
        return None, diags

    letter_id = str(data["id"])
    if not LETTER_ID.fullmatch(letter_id):
        diags.append(error(path, at("id"), f"id '{letter_id}' must be lower-case letters, digits "
                           "and single hyphens ([a-z0-9-]+)", "record-bad-id"))
        return None, diags

    number = data.get("number")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
        diags.append(error(path, at("number"), f"number must be a whole number or null, not "
                           f"{number!r}", "record-bad-number"))
        number = None

    kind = str(data.get("kind") or "letter")
    if kind not in DOCUMENT_KINDS:
        diags.append(warning(path, at("kind"), f"unknown kind '{kind}' (known: "
                             f"{', '.join(DOCUMENT_KINDS)})", "record-unknown-kind"))

    senders = _parse_correspondents(data["senders"], "senders", path, at("senders"), diags)
    recipients = _parse_correspondents(data["recipients"], "recipients", path, at("recipients"), diags)
    date = _parse_date(data["date"], path, at("date"), diags)
    place = _parse_place(data.get("place"), path, at("place"), diags)
    archive = _parse_archive(data.get("archive"), path, at("archive"), diags)
    sources = _parse_sources(data.get("source"), path, at("source"), diags)
    in_reply_to = data.get("in_reply_to")
    if in_reply_to is not None:
        in_reply_to = str(in_reply_to)
    unnumbered = _note_numbers(data.get("unnumbered_notes"), "unnumbered_notes", path,
                               at("unnumbered_notes"), diags)
    physical = data.get("physical")
    printed = _strings(data.get("printed"), "printed", path, at("printed"), diags)
    language = _language(data.get("language"), path, at("language"), diags)
    role = _role(data.get("role"), path, at("role"), diags)

    sections = _sections(lines, end + 1)
    body_start, body_stop = sections[0][1], sections[0][2]
    body, notes = _split_body_and_notes(lines, body_start, body_stop)
    texts = _parse_texts(data.get("texts"), sections[1:], lines, path, at("texts"), diags)
    if date is None or senders is None or recipients is None:
        return None, diags
    letter = Letter(
        id=letter_id, number=number, title=str(data["title"]), kind=kind,
        senders=senders, recipients=recipients, date=date, place=place, archive=archive,
        physical=None if physical is None else str(physical), body=body, notes=notes,
        in_reply_to=in_reply_to, source=sources[0] if sources else None,
        also_from=tuple(sources[1:]), unnumbered_notes=unnumbered, printed=printed,
        language=language, role=role, texts=texts,
        path=path, body_line=_body_line(lines, body_start, body_stop),
        key_lines=FrozenMap(key_lines),
    )
    return letter, diags


def _note_numbers(value: Any, key: str, path: str, line: int,
                  diags: list[Diagnostic]) -> tuple[int, ...]:
    value = value or []
    if not isinstance(value, list) or not all(isinstance(n, int) and not isinstance(n, bool)
                                              for n in value):
        diags.append(error(path, line, f"{key} must be a list of note numbers", "record-bad-notes"))
        return ()
    return tuple(value)


def _strings(value: Any, key: str, path: str, line: int, diags: list[Diagnostic]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return tuple(str(v) for v in value)
    diags.append(warning(path, line, f"{key} must be a list of lines of text", "record-bad-value"))
    return ()


def _language(value: Any, path: str, line: int, diags: list[Diagnostic]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _LANGUAGE.fullmatch(value):
        return value
    diags.append(warning(path, line, f"language {value!r} is not a language tag such as 'en' or "
                         "'ru'; it is ignored", "record-bad-language"))
    return None


def _role(value: Any, path: str, line: int, diags: list[Diagnostic]) -> str | None:
    if value is None:
        return None
    if value in TEXT_ROLES:
        return str(value)
    diags.append(warning(path, line, f"role {value!r} is not one of {', '.join(TEXT_ROLES)}; it "
                         "is ignored", "record-bad-role"))
    return None


def _sections(lines: list[str], start: int) -> list[tuple[str | None, int, int]]:
    """The body's section and each further text's, as (language, first line index, end index):
    the body runs from start to the first `::: text LANG` line, each text from the line after its
    own to the next such line or the end of the file."""
    out: list[tuple[str | None, int, int]] = []
    language, first = None, start
    for i in range(start, len(lines)):
        m = TEXT_SECTION.match(lines[i])
        if m:
            out.append((language, first, i))
            language, first = m["language"], i + 1
    out.append((language, first, len(lines)))
    return out


def _parse_texts(value: Any, sections: list[tuple[str | None, int, int]], lines: list[str],
                 path: str, line: int, diags: list[Diagnostic]) -> tuple[Text, ...]:
    """The further texts: each entry of `texts:` with the body and notes of the section of its
    language (in order, when two share one)."""
    entries = value if isinstance(value, list) else []
    if value is not None and not isinstance(value, list):
        diags.append(error(path, line, "texts must be a list of {language, role, title, date, "
                           "archive, physical, source}", "record-bad-texts"))
    unused = list(sections)
    texts: list[Text] = []
    for entry in entries:
        if not isinstance(entry, dict) or _language(entry.get("language"), path, line, diags) is None:
            diags.append(error(path, line, f"each of texts needs a language: {entry!r}",
                               "record-bad-texts"))
            continue
        language = str(entry["language"])
        role = _role(entry.get("role"), path, line, diags) or "translation"
        section = next((s for s in unused if s[0] == language), None)
        body, notes, body_line = "", (), 0
        if section is None:
            diags.append(warning(path, line, f"the text in '{language}' has no section '::: text "
                                 f"{language}' below the body; it is read as empty",
                                 "record-text-missing"))
        else:
            unused.remove(section)
            body, notes = _split_body_and_notes(lines, section[1], section[2])
            body_line = _body_line(lines, section[1], section[2])
        sources = _parse_sources(entry.get("source"), path, line, diags)

        def s(key: str) -> str | None:
            v = entry.get(key)
            return None if v is None else str(v)

        texts.append(Text(
            language=language, role=role, body=body, notes=notes,
            unnumbered_notes=_note_numbers(entry.get("unnumbered_notes"), "unnumbered_notes",
                                           path, line, diags),
            title=s("title"), date_text=s("date"), archive_text=s("archive"),
            physical=s("physical"), source=sources[0] if sources else None,
            also_from=tuple(sources[1:]), body_line=body_line,
            printed=_strings(entry.get("printed"), "printed", path, line, diags)))
    for language, first, stop in unused:
        diags.append(warning(path, first, f"the section '::: text {language}' has no entry in "
                             "texts: in the front matter; it is read as a translation",
                             "record-text-unlisted"))
        body, notes = _split_body_and_notes(lines, first, stop)
        texts.append(Text(language=str(language), role="translation", body=body, notes=notes,
                          body_line=_body_line(lines, first, stop)))
    return tuple(texts)


def _body_line(lines: list[str], start: int, stop: int | None = None) -> int:
    for i in range(start, len(lines) if stop is None else stop):
        if lines[i].strip():
            return i + 1
    return start + 1


def _split_body_and_notes(lines: list[str], start: int, stop: int | None = None
                          ) -> tuple[str, tuple[Note, ...]]:
    """Body lines up to the first note definition that opens a paragraph; notes after it."""
    rest = lines[start:stop]
    first_note = None
    for i, line in enumerate(rest):
        if _NOTE_DEF.match(line) and (i == 0 or not rest[i - 1].strip()):
            first_note = i
            break
    body_lines = rest if first_note is None else rest[:first_note]
    body = "\n".join(body_lines).strip("\n")
    notes: list[Note] = []
    if first_note is not None:
        current: list[str] | None = None
        n = line_no = 0
        for i, line in enumerate(rest[first_note:], start=start + first_note + 1):
            m = _NOTE_DEF.match(line)
            if m:
                if current is not None:
                    notes.append(Note(n, "\n".join(current).strip(), line_no))
                n, line_no, current = int(m.group(1)), i, [m.group(2)]
            elif current is not None:
                current.append(line)
        if current is not None:
            notes.append(Note(n, "\n".join(current).strip(), line_no))
    return body, tuple(notes)


def _parse_correspondents(value: Any, key: str, path: str, line: int,
                          diags: list[Diagnostic]) -> tuple[Correspondent, ...] | None:
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        diags.append(error(path, line, f"{key} must be a list of {{name, ref}}", "record-bad-person"))
        return None
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(Correspondent(item, None))
        elif isinstance(item, dict) and item.get("name"):
            register = "organisations" if "organisation" in item else "persons"
            ref = item.get("organisation" if register == "organisations" else "ref")
            if ref is not None and not PERSON_REF.fullmatch(str(ref)):
                what = "organisation" if register == "organisations" else "person"
                diags.append(error(path, line, f"{what} ref '{ref}' must match [a-z0-9-]+",
                                   "record-bad-ref"))
                ref = None
            role = str(item.get("role") or "to")
            if role not in RECIPIENT_ROLES or (role != "to" and key == "senders"):
                diags.append(error(path, line, f"role '{role}' of {item['name']} is not one of "
                                   f"{', '.join(RECIPIENT_ROLES)} (to: addressee, cc: copy "
                                   "recipient, forwarded: sent on to); senders have none",
                                   "record-bad-role"))
                role = "to"
            out.append(Correspondent(str(item["name"]), None if ref is None else str(ref),
                                     role=role, register=register))
        else:
            diags.append(error(path, line, f"each of {key} needs a name: {item!r}", "record-bad-person"))
    return tuple(out)


def is_iso_date(value: str) -> bool:
    """A well-formed ISO 8601 day, month or year that exists in the calendar."""
    if not _ISO_DATE.match(value):
        return False
    if len(value) == 10:
        import datetime
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return False
    return True


def _parse_date(value: Any, path: str, line: int, diags: list[Diagnostic]) -> LetterDate | None:
    if isinstance(value, str):
        value = {"text": value}
    if not isinstance(value, dict) or not value.get("text"):
        diags.append(error(path, line, "date must be a mapping with 'text' and 'when' or "
                           "'not_before'/'not_after'", "record-bad-date"))
        return None
    iso = {}
    for key in ("when", "not_before", "not_after", "alternative"):
        v = value.get(key)
        if v is not None:
            v = str(v)
            if not is_iso_date(v):
                diags.append(error(path, line, f"date.{key} '{v}' is not a real date in ISO 8601 "
                                   "form (YYYY, YYYY-MM or YYYY-MM-DD)", "date-invalid"))
                v = None
        iso[key] = v
    if iso["not_before"] and iso["not_after"] and iso["not_before"] > iso["not_after"]:
        diags.append(error(path, line, f"date range ends ({iso['not_after']}) before it starts "
                           f"({iso['not_before']})", "date-range"))
    reading = value.get("reading")
    return LetterDate(text=str(value["text"]), supplied=bool(value.get("supplied")),
                      reading=None if reading is None else str(reading), **iso)


def _parse_place(value: Any, path: str, line: int, diags: list[Diagnostic]) -> Place | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Place(value)
    if isinstance(value, dict) and value.get("name"):
        ref = value.get("ref")
        if ref is not None and not PERSON_REF.fullmatch(str(ref)):
            diags.append(error(path, line, f"place ref '{ref}' must match [a-z0-9-]+",
                               "record-bad-ref"))
            ref = None
        return Place(str(value["name"]), bool(value.get("supplied")),
                     None if ref is None else str(ref))
    diags.append(error(path, line, "place must be null or a mapping with 'name'", "record-bad-place"))
    return None


def _parse_archive(value: Any, path: str, line: int, diags: list[Diagnostic]) -> ArchiveRef | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value.get("repository"):
        diags.append(error(path, line, "archive must be null or a mapping with 'repository', 'fond', "
                           "'opis', 'delo', 'folios', 'text'", "record-bad-archive"))
        return None

    def s(key: str) -> str | None:
        v = value.get(key)
        return None if v is None else str(v)

    return ArchiveRef(repository=str(value["repository"]), fond=s("fond"), opis=s("opis"),
                      delo=s("delo"), folios=s("folios"), text=s("text") or "")


def _parse_sources(value: Any, path: str, line: int, diags: list[Diagnostic]) -> list[SourceSpan]:
    """`source:` as one {file, lines} or a list of them (every copy ingest read)."""
    if value is None:
        return []
    out = []
    for item in value if isinstance(value, list) else [value]:
        try:
            first, last = item["lines"]
            out.append(SourceSpan(str(item["file"]), int(first), int(last)))
        except (TypeError, KeyError, ValueError):
            diags.append(warning(path, line, "source must be {file: PATH, lines: [FIRST, LAST]} "
                                 "or a list of them", "record-bad-source"))
    return out


# --- registers (persons, places, organisations) ----------------------------------------------

#: The keys of a register entry, in the order a dumped register writes them.
REGISTER_KEYS = ("name", "sort_name", "full_name", "dates", "kind", "variants", "names_other",
                 "description", "coordinates", "later_names", "ids", "ids_source")
PERSON_KEYS = REGISTER_KEYS


def dump_register(entries: list[Person]) -> str:
    """A register file (persons.yaml, places.yaml, organisations.yaml) in the fixed key order."""
    out = []
    for p in entries:
        entry = {"name": p.name, "sort_name": p.sort_name, "full_name": p.full_name,
                 "dates": p.dates, "kind": p.kind if p.kind != _default_kind(p.register) else None,
                 "variants": list(p.variants) or None,
                 "names_other": {k: list(v) for k, v in p.names_other.items()} or None,
                 "description": p.description,
                 "coordinates": list(p.coordinates) if p.coordinates is not None else None,
                 "later_names": list(p.later_names) or None,
                 "ids": dict(p.ids) or None, "ids_source": p.ids_source}
        out.append(f"{p.ref}:\n")
        for key, value in entry.items():
            if value is not None:
                out.append(f"  {key}: {_yaml_value(value)}\n")
    return "".join(out)


def dump_persons(persons: list[Person]) -> str:
    return dump_register(persons)


def _default_kind(register: str) -> str:
    return {"persons": "person", "places": "place", "organisations": "organisation"}.get(register,
                                                                                      "person")


def parse_register(text: str, path: str, register: str = "persons"
                   ) -> tuple[list[Person], list[Diagnostic]]:
    """Read a register file: each ref mapped to its entry (a name alone, or a mapping of
    REGISTER_KEYS)."""
    text = normalise_text(text)
    try:
        node, data = _compose_and_load(text)
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc, 0)
        return [], [error(path, line, f"YAML error: {problem}", "yaml")]
    if data is None:
        return [], []
    if not isinstance(data, dict):
        return [], [error(path, 1, f"the {register} register must map each ref to its entry",
                          f"{register}-format")]
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    entries, diags = [], []
    what = {"persons": "person", "places": "place", "organisations": "organisation"}.get(
        register, "entry")
    for ref, entry in data.items():
        line = lines.get(ref, 1)
        ref = str(ref)
        if not PERSON_REF.fullmatch(ref):
            diags.append(error(path, line, f"{what} ref '{ref}' must match [a-z0-9-]+",
                               "record-bad-ref"))
            continue
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict) or not entry.get("name"):
            diags.append(error(path, line, f"{what} '{ref}' needs a name", f"{register}-format"))
            continue
        for key in entry:
            if key not in REGISTER_KEYS:
                diags.append(warning(path, line, f"unknown key '{key}' for {what} '{ref}' (known: "
                                     f"{', '.join(REGISTER_KEYS)})", f"{register}-unknown-key"))

        def s(key: str) -> str | None:
            v = entry.get(key)
            return None if v is None else str(v)

        def strings(key: str) -> tuple[str, ...]:
            v = entry.get(key) or []
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list):
                diags.append(error(path, line, f"{key} of {what} '{ref}' must be a list",
                                   f"{register}-format"))
                return ()
            return tuple(str(x) for x in v)

        other: dict[str, tuple[str, ...]] = {}
        raw_other = entry.get("names_other") or {}
        if isinstance(raw_other, dict):
            for lang, forms in raw_other.items():
                forms = [forms] if isinstance(forms, str) else forms
                if isinstance(forms, list):
                    other[str(lang)] = tuple(str(f) for f in forms)
        else:
            diags.append(error(path, line, f"names_other of {what} '{ref}' must map a language "
                               "to its forms: {ru: [Сталин]}", f"{register}-format"))
        ids: dict[str, str] = {}
        raw_ids = entry.get("ids") or {}
        if isinstance(raw_ids, dict):
            ids = {str(k): str(v) for k, v in raw_ids.items() if v is not None}
        else:
            diags.append(error(path, line, f"ids of {what} '{ref}' must map a scheme to an ID: "
                               "{wikidata: Q855}", f"{register}-format"))
        coordinates = None
        raw_xy = entry.get("coordinates")
        if raw_xy is not None:
            try:
                lat, lon = (float(v) for v in raw_xy)
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
                coordinates = (lat, lon)
            except (TypeError, ValueError):
                diags.append(error(path, line, f"coordinates of {what} '{ref}' must be [latitude, "
                                   "longitude] in degrees", f"{register}-format"))
        entries.append(Person(
            ref=ref, name=str(entry["name"]), sort_name=s("sort_name"), full_name=s("full_name"),
            variants=strings("variants"), description=s("description"), dates=s("dates"),
            kind=s("kind") or _default_kind(register), line=line, register=register,
            ids=FrozenMap(dict(sorted(ids.items()))), ids_source=s("ids_source"),
            coordinates=coordinates, later_names=strings("later_names"),
            names_other=FrozenMap(other)))
    return entries, diags


def parse_persons(text: str, path: str) -> tuple[list[Person], list[Diagnostic]]:
    return parse_register(text, path, "persons")


def yaml_problem(exc: yaml.YAMLError, offset: int) -> tuple[int, str]:
    """The line a YAML error began on (1-based, `offset` lines before the YAML text) and its
    message. An unclosed bracket or quote is noticed lines later (the problem mark): the line
    named is where the broken construct began (the context mark), and the message says where it
    was noticed."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if problem_mark is None:
        return offset + 1, problem
    noticed = problem_mark.line + 1 + offset
    if context_mark is not None and context_mark.line < problem_mark.line:
        began = context_mark.line + 1 + offset
        context = getattr(exc, "context", None)
        what = f" ({context})" if context else ""
        return began, f"{problem}{what}, noticed at line {noticed}"
    return noticed, problem


# --- edition ---------------------------------------------------------------------------------

EDITION_KEYS = ("title", "compilers", "year", "publisher", "source", "description", "translation",
                "editors", "language", "base_url", "licence", "licence_url", "published", "letters",
                "registers")


def dump_edition(edition: Edition) -> str:
    out = []
    for key in EDITION_KEYS:
        value = getattr(edition, key)
        if isinstance(value, tuple):
            value = list(value)
        if value not in (None, [], ()):
            out.append(f"{key}: {_yaml_value(value)}\n")
    return "".join(out)


def parse_edition(text: str, path: str) -> tuple[Edition | None, list[Diagnostic]]:
    text = normalise_text(text)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc, 0)
        return None, [error(path, line, f"YAML error: {problem}", "yaml")]
    if not isinstance(data, dict) or not data.get("title"):
        return None, [error(path, 1, "edition.yaml needs at least a 'title'", "edition-format")]
    diags = [warning(path, 1, f"unknown key '{k}' in edition.yaml", "edition-unknown-key")
             for k in data if k not in EDITION_KEYS]

    def tup(key: str) -> tuple[str, ...]:
        v = data.get(key) or []
        return tuple(str(x) for x in ([v] if isinstance(v, str) else v))

    def s(key: str) -> str | None:
        v = data.get(key)
        return None if v is None else str(v)

    year = data.get("year")
    edition = Edition(
        title=str(data["title"]), compilers=tup("compilers"),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        publisher=s("publisher"), source=s("source"), description=s("description"),
        translation=s("translation"), editors=tup("editors"), language=s("language") or "en",
        base_url=s("base_url") or "https://example.org/", licence=s("licence"),
        licence_url=s("licence_url"), published=s("published"), letters=tup("letters"),
        registers=tup("registers"),
    )
    return edition, diags
