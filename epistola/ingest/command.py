"""`python build.py ingest SOURCE... [--editions DIR] [--force]`: sources -> editions/.

Reads each source, runs the pure ingest, and writes one record per letter plus edition.yaml and
persons.yaml. Editors' corrections are never lost: a manifest (editions/.ingest-manifest.json)
keeps the SHA-256 of the bytes ingest last wrote to each file. A file whose bytes differ from that
was edited by hand; ingest refuses to overwrite it (an error naming the file) unless --force,
which first keeps a backup under editions/.backup/. persons.yaml is curated by hand: its entries
are kept verbatim and only refs it lacks are appended. edition.yaml is left alone while what the
sources say about the collection (title, compilers, year, source) still agrees with it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable
from ..frozen import FrozenMap

from ..diagnostics import Diagnostic, error, has_errors, note, warning
from ..fs import display_path, read_bytes, read_text, write_bytes_atomic
from ..model import Edition, Letter, Person
from ..records import (
    dump_edition,
    dump_letter,
    dump_persons,
    parse_edition,
    parse_letter,
    parse_persons,
)
from .core import Ingested, ingest_text
from .merge import (
    EDITION_LANGUAGE,
    add_copy,
    add_text,
    language_of,
    merged_record,
    refresh,
    same_document,
    span_lines,
    translation_first,
    with_roles,
    wording_differences,
)

MANIFEST = ".ingest-manifest.json"
BACKUPS = ".backup"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Existing:
    """A letter record already in the editions folder."""

    relative: str
    letter: Letter
    text: str
    edited: bool
    """Its bytes differ from what ingest last wrote: the editors changed it."""


@dataclass
class Record:
    """A letter record ingest will write: a document of this run, or a record it continues."""

    letter: Letter
    existing: Existing | None = None
    refreshed: bool = False
    """Read again from a source the record came from: its body is ingest's reading again."""
    added: bool = False
    """A further text or copy was added."""


@dataclass(frozen=True)
class Plan:
    """What ingest would write: relative path -> bytes."""

    files: dict[str, bytes]
    persons: tuple[Person, ...]
    edition: Edition | None
    merges: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    """Records the editors changed with texts or copies added: relative path -> (the bytes the
    merge was made from, the merged bytes)."""
    kept: int = 0
    """Records left as the editors had them because what was new could not be merged safely."""


def plan(results: list[Ingested], diags: list[Diagnostic], existing: dict[str, Existing] | None = None,
         sources: dict[str, list[str]] | None = None) -> Plan:
    """All sources' records as files: every copy and text of one document in one letter, the
    records already in the editions folder continued under their ids."""
    existing = existing or {}
    sources = sources or {}
    records: list[Record] = []
    claimed: set[str] = set()
    persons: dict[str, Person] = {}
    edition = _edition(results)
    for result in results:
        for letter in result.letters:
            _take(letter, records, existing, claimed, sources, diags)
        for person in result.persons:
            persons[person.ref] = _merge_person(persons.get(person.ref), person)
    files: dict[str, bytes] = {}
    merges: dict[str, tuple[bytes, bytes]] = {}
    kept = 0
    for record in records:
        letter = with_roles(record.letter)
        relative = f"letters/{letter.id}.md"
        ex = record.existing
        if ex is not None and ex.edited and record.added and not record.refreshed:
            text = merged_record(ex.text, ex.relative, ex.letter, letter)
            if text is None:
                kept += 1
                diags.append(warning(display_path(Path(ex.relative)), 1, "edited by hand, and what "
                                     "this ingest adds to it (a further text or copy of the "
                                     "document) cannot be put in without touching the editors' "
                                     "changes; it was left as it is: add it by hand or run with "
                                     "--force", "ingest-merge-refused"))
                continue
            merges[relative] = (ex.text.encode(), text.encode())
            continue
        if ex is not None and not record.added and not record.refreshed:
            continue  # matched, nothing new
        files[relative] = dump_letter(letter).encode()
    if edition is not None:
        files["edition.yaml"] = dump_edition(edition).encode()
    return Plan(files, tuple(persons.values()), edition, merges, kept)


def _edition(results: list[Ingested]) -> Edition | None:
    """The collection as the sources describe it; a source in the edition's language first."""
    found = [r.edition for r in results if r.edition is not None]
    preferred = [e for e in found if e.language == EDITION_LANGUAGE]
    return (preferred or found or [None])[0]


def _take(letter: Letter, records: list[Record], existing: dict[str, Existing], claimed: set[str],
          sources: dict[str, list[str]], diags: list[Diagnostic]) -> None:
    """A document of a source: a new record, or one more copy or text of a record."""
    target = next((r for r in records if same_document(r.letter, letter)), None)
    if target is None:
        ex = next((e for key, e in existing.items() if key not in claimed
                   and same_document(e.letter, letter)), None)
        if ex is not None:
            claimed.add(ex.letter.id)
            target = Record(ex.letter, ex)
            records.append(target)
    if target is None:
        taken = {r.letter.id for r in records} | {k for k in existing if k not in claimed}
        records.append(Record(replace(letter, id=_free_id(letter.id, taken))))
        return
    _merge_into(target, letter, sources, diags)


def _free_id(letter_id: str, taken: set[str]) -> str:
    """The id, or the id with a suffix when another document has it."""
    base, k, out = letter_id, 2, letter_id
    while out in taken:
        out, k = f"{base}-{k}", k + 1
    return out


def _merge_into(target: Record, letter: Letter, sources: dict[str, list[str]],
                diags: list[Diagnostic]) -> None:
    current = target.letter
    file = letter.source.file if letter.source else None
    if language_of(current) == language_of(letter):
        if current.source is not None and file == current.source.file:
            target.letter, target.refreshed = refresh(current, letter), True
            return
        _report_differences(current, current.source, letter, sources, diags)
        merged = add_copy(current, letter)
    else:
        rewritable = target.existing is None or not target.existing.edited
        if language_of(letter) == EDITION_LANGUAGE and rewritable and \
                not any(t.language == EDITION_LANGUAGE for t in current.texts):
            # the translation arrives at an original: it reads first, the original beside it
            merged = translation_first(current, letter)
        else:
            merged, copied = add_text(current, letter)
            if copied is not None:
                _report_differences(current, copied.source, letter, sources, diags)
            elif merged != current and any(t.source and t.source.file == file for t in current.texts):
                target.refreshed = True
    target.added = target.added or (merged != current and not target.refreshed)
    target.letter = merged


def _report_differences(letter: Letter, first, copy: Letter, sources: dict[str, list[str]],
                        diags: list[Diagnostic]) -> None:
    if first is None or copy.source is None:
        return
    lines_a = sources.get(first.file)
    lines_b = sources.get(copy.source.file)
    if lines_a is None:
        text, _ = read_text(Path(first.file), first.file)
        lines_a = text.splitlines() if text is not None else None
    if lines_a is None or lines_b is None:
        return
    label = f"No. {letter.number}" if letter.number is not None else f"'{letter.title}'"
    diags.extend(wording_differences(label, (first.file, span_lines(lines_a, first)),
                                     (copy.source.file, span_lines(lines_b, copy.source))))


def _merge_person(known: Person | None, person: Person) -> Person:
    """One register entry from what several sources say of a person: further printed forms
    become variants, Cyrillic forms go to names_other."""
    if known is None:
        return person
    forms = [f for f in (person.name, *person.variants)
             if f != known.name and f not in known.variants]
    other = {k: tuple(v) for k, v in known.names_other.items()}
    for language, names in person.names_other.items():
        other[language] = tuple(dict.fromkeys(other.get(language, ()) + tuple(names)))
    return replace(known, variants=known.variants + tuple(forms),
                   names_other=FrozenMap(other))


def load_records(root: Path, manifest: dict[str, str], diags: list[Diagnostic]) -> dict[str, Existing]:
    """The letter records in the editions folder that read, by id."""
    out: dict[str, Existing] = {}
    folder = root / "letters"
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.md")):
        data = read_bytes(path)
        if data is None:
            continue
        relative = f"letters/{path.name}"
        text = data.decode("utf-8", "replace")
        letter, _ = parse_letter(text, display_path(path))
        if letter is None:
            continue
        edited = manifest.get(relative) != sha256(data)
        out[letter.id] = Existing(display_path(path), letter, text, edited)
    return out


def _register_persons(root: Path) -> tuple[Person, ...]:
    data = read_bytes(root / "persons.yaml")
    if data is None:
        return ()
    persons, _ = parse_persons(data.decode("utf-8", "replace"), "persons.yaml")
    return tuple(persons)


def _new_forms(existing: list[Person], persons: tuple[Person, ...]) -> dict[str, dict[str, tuple[str, ...]]]:
    """For each entry of the register, the forms in other scripts it does not list yet."""
    by_ref = {p.ref: p for p in existing}
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for person in persons:
        entry = by_ref.get(person.ref)
        if entry is None:
            continue
        for language, names in person.names_other.items():
            have = entry.names_other.get(language, ())
            new = tuple(n for n in names if n not in have)
            if new:
                out.setdefault(person.ref, {})[language] = have + new
    return out


def _add_forms(text: str, existing: list[Person], forms: dict[str, dict[str, tuple[str, ...]]]
               ) -> str | None:
    """The register's text with each entry's names_other line written or extended, every other
    line as it was; None when an entry is not written in a form that allows it."""
    lines = text.split("\n")
    starts = sorted(p.line for p in existing)
    for person in sorted(existing, key=lambda p: -p.line):
        if person.ref not in forms:
            continue
        other = {k: list(v) for k, v in person.names_other.items()}
        other.update({k: list(v) for k, v in forms[person.ref].items()})
        value = "{" + ", ".join(f"{k}: [{', '.join(_flow(n) for n in v)}]"
                                for k, v in other.items()) + "}"
        end = next((s - 1 for s in starts if s > person.line), len(lines)) - 1
        while end > person.line - 1 and (not lines[end].strip() or lines[end].lstrip().startswith("#")):
            end -= 1
        own = [i for i in range(person.line, end + 1) if re.match(r"^\s+names_other\s*:", lines[i])]
        if own:
            i = own[0]
            if not re.match(r"^\s+names_other\s*:\s*\{.*\}\s*$", lines[i]):
                return None
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i] = f"{indent}names_other: {value}"
        else:
            if end < person.line or not lines[end].startswith((" ", "\t")):
                return None  # "ref: Name" on one line: no mapping to add a key to
            indent = lines[end][: len(lines[end]) - len(lines[end].lstrip())]
            lines.insert(end + 1, f"{indent}names_other: {value}")
    merged = "\n".join(lines)
    reread, problems = parse_persons(merged, "persons.yaml")
    if any(p.level == "error" for p in problems) or len(reread) != len(existing):
        return None
    for before, after in zip(sorted(existing, key=lambda p: p.ref), sorted(reread, key=lambda p: p.ref)):
        if replace(before, names_other=after.names_other) != after:
            return None
    return merged


def _flow(name: str) -> str:
    """A name as a YAML flow scalar (quoted when it needs it)."""
    return name if re.fullmatch(r"[^\s\[\]{},:#'\"&*!|>%@`][^\[\]{},:#]*", name) and \
        not name.endswith(" ") else json.dumps(name, ensure_ascii=False)


@dataclass
class Counts:
    documents: int = 0
    written: int = 0
    unchanged: int = 0
    kept: int = 0


def run_ingest(sources: list[Path], editions: Path, force: bool = False,
               report: Callable[[str], None] | None = None) -> list[Diagnostic]:
    """Ingest the sources into the editions folder; return every diagnostic. The line that
    sums the run up goes to `report` (by default printed on stderr)."""
    started = time.perf_counter()
    counts = Counts()
    diags: list[Diagnostic] = []
    try:
        return _ingest(sources, editions, force, counts, diags)
    finally:
        line = summary(counts, diags, time.perf_counter() - started)
        if report is not None:
            report(line)
        else:
            print(line, file=sys.stderr)


def _ingest(sources: list[Path], editions: Path, force: bool, counts: Counts,
            diags: list[Diagnostic]) -> list[Diagnostic]:
    read: list[tuple[str, str]] = []
    for source in sources:
        shown = display_path(source)
        text, problems = read_text(source, shown)
        diags += problems
        if text is not None:
            read.append((shown, text))
    if not read or has_errors(diags):
        return diags
    known = _register_persons(editions)
    results = [ingest_text(text, shown, known) for shown, text in read]
    if any(r.unmatched for r in results):
        # a Russian name may be a person another source of this run names in translation
        more = known + tuple(p for r in results for p in r.persons)
        results = [ingest_text(text, shown, more) if r.unmatched else r
                   for r, (shown, text) in zip(results, read)]
    for result in results:
        diags += result.diagnostics
    counts.documents = sum(len(r.letters) for r in results)
    writer = Writer(editions, force, diags)
    existing = load_records(editions, writer.manifest, diags)
    planned = plan(results, diags, existing, {shown: text.split("\n") for shown, text in read})
    counts.kept += planned.kept
    if has_errors(diags):
        return diags
    for relative, data in sorted(planned.files.items()):
        if relative == "edition.yaml":
            writer.edition(data, planned.edition)
        else:
            _count(counts, writer.put(relative, data))
    for relative, (base, data) in sorted(planned.merges.items()):
        _count(counts, writer.merge(relative, base, data))
    writer.persons(planned.persons)
    writer.save_manifest()
    return diags


def _count(counts: Counts, outcome: str) -> None:
    if outcome == "written":
        counts.written += 1
    elif outcome == "unchanged":
        counts.unchanged += 1
    else:
        counts.kept += 1


def summary(counts: Counts, diags: list[Diagnostic], seconds: float) -> str:
    """The line ingest ends with: what it found and wrote, and how many problems it reported."""
    errors = sum(d.level == "error" for d in diags)
    warnings = sum(d.level == "warning" for d in diags)
    parts = [f"{counts.documents} document{'s' * (counts.documents != 1)} found",
             f"{counts.written} record{'s' * (counts.written != 1)} written"]
    if counts.unchanged:
        parts.append(f"{counts.unchanged} unchanged")
    parts.append(f"{counts.kept} left as the editors had them")
    return (f"ingest: {', '.join(parts)}: {errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)} ({seconds:.2f} s)")


class Writer:
    """Writes into the editions folder, protecting what editors changed by hand."""

    def __init__(self, root: Path, force: bool, diags: list[Diagnostic]):
        self.root = root
        self.force = force
        self.diags = diags
        self.manifest_path = root / MANIFEST
        self.manifest: dict[str, str] = self._load_manifest()
        self.original = dict(self.manifest)

    def _load_manifest(self) -> dict[str, str]:
        data = read_bytes(self.manifest_path)
        if data is None:
            return {}
        try:
            value = json.loads(data.decode("utf-8"))
            files = value["files"]
            if isinstance(files, dict) and all(isinstance(v, str) for v in files.values()):
                return {str(k): v for k, v in files.items()}
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            pass
        self.diags.append(warning(display_path(self.manifest_path), 1, "the ingest manifest "
                                  "cannot be read; every existing file is treated as edited by "
                                  "hand", "ingest-manifest"))
        return {}

    def shown(self, relative: str) -> str:
        return display_path(self.root / relative)

    def edited_by_hand(self, relative: str, current: bytes) -> bool:
        return self.manifest.get(relative) != sha256(current)

    def put(self, relative: str, data: bytes) -> str:
        """Write data unless the file holds hand edits (then refuse, or back up with --force).
        Returns "written", "unchanged" or "refused"."""
        path = self.root / relative
        current = read_bytes(path)
        if current == data:
            self.manifest[relative] = sha256(data)
            return "unchanged"
        if current is not None and self.edited_by_hand(relative, current):
            if not self.force:
                self.diags.append(error(self.shown(relative), 1, "edited by hand since ingest "
                                        "last wrote it, so it was not overwritten; keep the edits, "
                                        "or run ingest with --force to replace it (a backup is "
                                        "kept)", "ingest-edited"))
                return "refused"
            backup = self.backup(relative, current)
            self.diags.append(warning(self.shown(relative), 1, "edited by hand; overwritten "
                                      f"because of --force, after keeping a backup in {backup}",
                                      "ingest-backup"))
        write_bytes_atomic(path, data)
        self.manifest[relative] = sha256(data)
        return "written"

    def merge(self, relative: str, base: bytes, data: bytes,
              added: str = "a further text or copy of the document was added to it") -> str:
        """A file the editors changed, with what the sources add put around their changes
        (a further text or copy of a document; new persons or forms of a name): written when
        the file still holds the bytes the merge was made from. The manifest keeps its old
        digest, so the file stays theirs."""
        path = self.root / relative
        current = read_bytes(path)
        if current != base:
            self.diags.append(warning(self.shown(relative), 1, "changed while ingest ran; left "
                                      "as it is", "ingest-merge-refused"))
            return "refused"
        if current == data:
            return "unchanged"
        write_bytes_atomic(path, data)
        self.diags.append(warning(self.shown(relative), 1, f"edited by hand; {added}, the "
                                  "editors' changes kept as they were", "ingest-merged"))
        return "written"

    def backup(self, relative: str, current: bytes) -> str:
        target = self.root / BACKUPS / f"{relative}.{sha256(current)[:8]}"
        write_bytes_atomic(target, current)
        return display_path(target)

    def edition(self, data: bytes, edition: Edition | None) -> None:
        """edition.yaml: editors add licence, base URL, publication date; keep their file while
        the sources still say the same about the collection."""
        path = self.root / "edition.yaml"
        current = read_bytes(path)
        if current is not None and current != data and self.edited_by_hand("edition.yaml", current) \
                and not self.force:
            existing, _ = parse_edition(current.decode("utf-8", "replace"), self.shown("edition.yaml"))
            if existing is not None and edition is not None and (
                    (existing.title, existing.compilers, existing.year, existing.source)
                    != (edition.title, edition.compilers, edition.year, edition.source)):
                # (a page in another language names the same collection in its own words)
                self.diags.append(note(self.shown("edition.yaml"), 1, "the editors' file is "
                                       "kept; these sources describe the collection as "
                                       f"{edition.source or edition.title!r} (run ingest with "
                                       "--force to replace the file, a backup is kept)",
                                       "ingest-edition-kept"))
            return
        self.put("edition.yaml", data)

    def persons(self, persons: tuple[Person, ...]) -> None:
        """persons.yaml: existing entries verbatim; refs it lacks appended."""
        relative = "persons.yaml"
        current = read_bytes(self.root / relative)
        if current is None:
            self.put(relative, dump_persons(list(persons)).encode())
            return
        text = current.decode("utf-8", "replace")
        existing, problems = parse_persons(text, self.shown(relative))
        if any(p.level == "error" for p in problems):
            self.diags.extend(problems)
            self.diags.append(error(self.shown(relative), 1, "cannot add the new senders and "
                                    "recipients to the persons register until it reads again",
                                    "ingest-persons"))
            return
        known = {p.ref for p in existing}
        missing = [p for p in persons if p.ref not in known]
        forms = _new_forms(existing, persons)
        if not missing and not forms:
            return
        merged = _add_forms(text, existing, forms) if forms else text
        if merged is None:
            refs = ", ".join(sorted(forms))
            self.diags.append(warning(self.shown(relative), 1, f"the Russian forms of {refs} "
                                      "could not be added to names_other without rewriting the "
                                      "editors' entries; add them by hand", "ingest-persons"))
            merged = text
        if missing:
            if merged and not merged.endswith("\n"):
                merged += "\n"
            merged += dump_persons(missing)
        if merged == text:
            return
        if self.edited_by_hand(relative, current):  # the editors' entries stay as they are
            added = ", ".join(p.ref for p in missing)
            what = (f"the new persons {added} were added" if missing else "") + \
                (" and " if missing and forms else "") + \
                (f"the new forms of {', '.join(sorted(forms))} were added to names_other"
                 if forms else "")
            self.merge(relative, current, merged.encode(), what)
        else:
            self.put(relative, merged.encode())

    def save_manifest(self) -> None:
        if self.manifest == self.original and (self.root / MANIFEST).exists():
            return
        data = json.dumps({"files": dict(sorted(self.manifest.items()))}, indent=2,
                          ensure_ascii=False) + "\n"
        write_bytes_atomic(self.manifest_path, data.encode())
