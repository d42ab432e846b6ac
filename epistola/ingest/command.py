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
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, error, has_errors, warning
from ..fs import display_path, read_bytes, read_text, write_bytes_atomic
from ..model import Edition, Letter, Person
from ..records import dump_edition, dump_letter, dump_persons, parse_edition, parse_persons
from .core import Ingested, ingest_text

MANIFEST = ".ingest-manifest.json"
BACKUPS = ".backup"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Plan:
    """What ingest would write: relative path -> bytes."""

    files: dict[str, bytes]
    persons: tuple[Person, ...]
    edition: Edition | None


def plan(results: list[Ingested], diags: list[Diagnostic]) -> Plan:
    """All sources' records as files, checking that no two letters share an id."""
    files: dict[str, bytes] = {}
    seen: dict[str, Letter] = {}
    persons: dict[str, Person] = {}
    edition = None
    for result in results:
        edition = edition or result.edition
        for letter in result.letters:
            other = seen.get(letter.id)
            if other is not None:
                src = letter.source
                where = f"{other.source.file}:{other.source.first}" if other.source else "?"
                diags.append(error(src.file if src else "?", src.first if src else 1,
                                   f"a second document with id '{letter.id}' (other instance in "
                                   f"{where}); give one of them another number",
                                   "duplicate-id"))
                continue
            seen[letter.id] = letter
            files[f"letters/{letter.id}.md"] = dump_letter(letter).encode()
        for person in result.persons:
            if person.ref not in persons:
                persons[person.ref] = person
            else:
                known = persons[person.ref]
                forms = [f for f in (person.name, *person.variants)
                         if f != known.name and f not in known.variants]
                if forms:
                    persons[person.ref] = Person(known.ref, known.name, known.sort_name,
                                                 known.full_name, known.variants + tuple(forms),
                                                 known.description, known.dates, known.kind)
    if edition is not None:
        files["edition.yaml"] = dump_edition(edition).encode()
    return Plan(files, tuple(persons.values()), edition)


def run_ingest(sources: list[Path], editions: Path, force: bool = False) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    results: list[Ingested] = []
    for source in sources:
        shown = display_path(source)
        text, problems = read_text(source, shown)
        diags += problems
        if text is not None:
            result = ingest_text(text, shown)
            diags += result.diagnostics
            results.append(result)
    if not results or has_errors(diags):
        return diags
    planned = plan(results, diags)
    if has_errors(diags):
        return diags
    writer = Writer(editions, force, diags)
    for relative, data in sorted(planned.files.items()):
        if relative == "edition.yaml":
            writer.edition(data, planned.edition)
        else:
            writer.put(relative, data)
    writer.persons(planned.persons)
    writer.save_manifest()
    return diags


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

    def put(self, relative: str, data: bytes) -> None:
        """Write data unless the file holds hand edits (then refuse, or back up with --force)."""
        path = self.root / relative
        current = read_bytes(path)
        if current == data:
            self.manifest[relative] = sha256(data)
            return
        if current is not None and self.edited_by_hand(relative, current):
            if not self.force:
                self.diags.append(error(self.shown(relative), 1, "edited by hand since ingest "
                                        "last wrote it, so it was not overwritten; keep the edits, "
                                        "or run ingest with --force to replace it (a backup is "
                                        "kept)", "ingest-edited"))
                return
            backup = self.backup(relative, current)
            self.diags.append(warning(self.shown(relative), 1, "edited by hand; overwritten "
                                      f"because of --force, after keeping a backup in {backup}",
                                      "ingest-backup"))
        write_bytes_atomic(path, data)
        self.manifest[relative] = sha256(data)

    def backup(self, relative: str, current: bytes) -> str:
        target = self.root / BACKUPS / f"{relative}.{sha256(current)[:8]}"
        write_bytes_atomic(target, current)
        return display_path(target)

    def edition(self, data: bytes, edition: Edition | None) -> None:
        """edition.yaml: editors add licence, base URL, publication date; keep their file while
        the sources still say the same about the collection."""
        path = self.root / "edition.yaml"
        current = read_bytes(path)
        if current is not None and current != data and self.edited_by_hand("edition.yaml", current):
            existing, _ = parse_edition(current.decode("utf-8", "replace"), self.shown("edition.yaml"))
            if existing is not None and edition is not None and (
                    (existing.title, existing.compilers, existing.year, existing.source)
                    == (edition.title, edition.compilers, edition.year, edition.source)):
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
        if not missing:
            return
        if text and not text.endswith("\n"):
            text += "\n"
        self.put(relative, (text + dump_persons(missing)).encode())

    def save_manifest(self) -> None:
        if self.manifest == self.original and (self.root / MANIFEST).exists():
            return
        data = json.dumps({"files": dict(sorted(self.manifest.items()))}, indent=2,
                          ensure_ascii=False) + "\n"
        write_bytes_atomic(self.manifest_path, data.encode())
