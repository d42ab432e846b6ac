"""All letters' summaries -> one inventory: order, neighbours, correspondences, replies, who wrote
to whom, who is named where, and the archive concordance.

Pure: takes the edition, the letters' summaries (letters.analyse) and the register entries, and
returns a Corpus and diagnostics. Everything a page needs to know about other letters is here,
computed from summaries alone (never from another letter's text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Iterable, Mapping

from .diagnostics import Diagnostic, error
from .letters import Mention, Summary
from .model import ArchiveRef, Edition, Person
from .names import REGISTER_OF


# --- archive concordance ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """One document or note citation kept in an archival file."""

    letter_id: str
    folios: str | None
    text: str
    """The citation as printed."""
    note: int | None = None
    """None for the letter's own archival reference; the note number for a citation in a note."""


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """An archival file (delo) with everything the edition cites from it."""

    repository: str
    fond: str
    opis: str
    delo: str
    entries: tuple[ArchiveEntry, ...]


@lru_cache(maxsize=1 << 16)
def natural_key(text: str | None) -> tuple:
    """"2565" after "137", "56v" after "56": numbers compare as numbers."""
    # ASCII digits only: "²" and other Unicode digits sort as text, since int() refuses them
    return tuple((0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p.casefold())
                 for p in re.findall(r"[0-9]+|[^0-9]+", text or ""))


def _file_order(key: tuple[str, str, str, str]) -> tuple:
    """Archive order of a file's key (ArchiveRef.file_key): numbers compare as numbers."""
    return (key[0].casefold(), *(natural_key(part) for part in key[1:]))


def concordance(letters: Iterable[Summary]) -> tuple[ArchiveFile, ...]:
    """Letters and note citations grouped by repository, fond, opis and delo, in archive order."""
    files: dict[tuple[str, str, str, str], list[ArchiveEntry]] = {}
    for letter in letters:
        cited: list[tuple[int | None, ArchiveRef]] = []
        if letter.archive is not None:
            cited.append((None, letter.archive))
        cited.extend(letter.cited)
        for note, ref in cited:
            key = ref.file_key
            files.setdefault(key, []).append(ArchiveEntry(letter.id, ref.folios, ref.text, note))
    out = []
    for key in sorted(files, key=_file_order):
        entries = sorted(files[key], key=lambda e: (natural_key(e.folios), e.note is not None,
                                                    e.letter_id, e.note or 0))
        out.append(ArchiveFile(*key, entries=tuple(entries)))
    return tuple(out)


# --- the corpus ------------------------------------------------------------------------------

def correspondents_key(letter: Summary) -> frozenset[str]:
    """The parties of a letter, whichever wrote: letters with the same key form a correspondence."""
    return frozenset(c.ref or f"name:{c.name}" for c in (*letter.senders, *letter.recipients))


@dataclass(frozen=True)
class Corpus:
    edition: Edition
    letters: tuple[Summary, ...]
    """All letters in date order (then number, then id)."""
    registers: Mapping[str, Mapping[str, Person]] = field(default_factory=dict)
    """Register ("persons", "places", "organisations") -> ref -> entry, in ref order."""
    by_id: Mapping[str, Summary] = field(default_factory=dict)
    register_paths: Mapping[str, str] = field(default_factory=dict)
    """Register -> its file as messages name it."""

    @property
    def persons(self) -> Mapping[str, Person]:
        return self.registers.get("persons", MappingProxyType({}))

    def entry(self, kind: str, ref: str) -> Person | None:
        """The register entry an inline kind ("person", "place", "organisation") and ref name."""
        return self.registers.get(REGISTER_OF.get(kind, kind), {}).get(ref)

    @cached_property
    def positions(self) -> Mapping[str, int]:
        return {letter.id: i for i, letter in enumerate(self.letters)}

    def neighbours(self, letter_id: str) -> tuple[str | None, str | None]:
        """Ids of the previous and next letter in date order."""
        i = self.positions[letter_id]
        return (self.letters[i - 1].id if i > 0 else None,
                self.letters[i + 1].id if i + 1 < len(self.letters) else None)

    @cached_property
    def replies(self) -> Mapping[str, tuple[str, ...]]:
        """Letter id -> ids of the letters that answer it, in date order."""
        found: dict[str, list[str]] = {}
        for letter in self.letters:
            if letter.in_reply_to and letter.in_reply_to in self.by_id:
                found.setdefault(letter.in_reply_to, []).append(letter.id)
        return {k: tuple(v) for k, v in found.items()}

    @cached_property
    def _chains(self) -> Mapping[str, tuple[tuple[str, ...], int]]:
        """Letter id -> the ids of its correspondence and its place in it."""
        chains: dict[frozenset[str], list[str]] = {}
        for letter in self.letters:
            chains.setdefault(correspondents_key(letter), []).append(letter.id)
        out = {}
        for chain in chains.values():
            chain = tuple(chain)
            for i, letter_id in enumerate(chain):
                out[letter_id] = (chain, i)
        return out

    def correspondence(self, letter_id: str) -> tuple[str, ...]:
        """The ids of the letters exchanged between the same parties (either way), in date
        order."""
        found = self._chains.get(letter_id)
        return found[0] if found is not None else (letter_id,)

    def correspondence_neighbours(self, letter_id: str) -> tuple[str | None, str | None]:
        """Previous and next letter between the same parties."""
        chain, i = self._chains.get(letter_id, ((letter_id,), 0))
        return (chain[i - 1] if i > 0 else None, chain[i + 1] if i + 1 < len(chain) else None)

    @cached_property
    def by_sender(self) -> Mapping[tuple[str, str], tuple[str, ...]]:
        """(register, ref) -> ids of the letters the person or body wrote (or co-signed), in
        date order."""
        found: dict[tuple[str, str], list[str]] = {}
        for letter in self.letters:
            for key in dict.fromkeys((p.register, p.ref) for p in letter.senders if p.ref):
                found.setdefault(key, []).append(letter.id)
        return {key: tuple(ids) for key, ids in found.items()}

    @cached_property
    def by_recipient(self) -> Mapping[tuple[str, str], tuple[tuple[str, str], ...]]:
        """(register, ref) -> (letter id, role) of the letters the person or body received, as
        addressee ("to"), copy recipient ("cc") or by forwarding, in date order."""
        found: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for letter in self.letters:
            roles: dict[tuple[str, str], str] = {}
            for p in letter.recipients:
                if p.ref:
                    roles.setdefault((p.register, p.ref), p.role)
            for key, role in roles.items():
                found.setdefault(key, []).append((letter.id, role))
        return {key: tuple(ids) for key, ids in found.items()}

    @cached_property
    def written_at(self) -> Mapping[str, tuple[str, ...]]:
        """Place ref -> ids of the letters written there, in date order."""
        found: dict[str, list[str]] = {}
        for letter in self.letters:
            if letter.place is not None and letter.place.ref:
                found.setdefault(letter.place.ref, []).append(letter.id)
        return {ref: tuple(ids) for ref, ids in found.items()}

    @cached_property
    def received_at(self) -> Mapping[str, tuple[str, ...]]:
        """Place ref -> ids of the letters received there, in date order."""
        found: dict[str, list[str]] = {}
        for letter in self.letters:
            if letter.place_received is not None and letter.place_received.ref:
                found.setdefault(letter.place_received.ref, []).append(letter.id)
        return {ref: tuple(ids) for ref, ids in found.items()}

    @cached_property
    def mentions(self) -> Mapping[tuple[str, str], tuple[Mention, ...]]:
        """(inline kind, ref) -> every paragraph and note naming the entry, in letter order."""
        found: dict[tuple[str, str], list[Mention]] = {}
        for letter in self.letters:
            for kind, ref, mention in letter.named:
                found.setdefault((kind, ref), []).append(mention)
        return {key: tuple(m) for key, m in sorted(found.items())}

    def mentioned(self, letter_id: str, kind: str = "person") -> tuple[str, ...]:
        """The refs of the entries of a kind a letter's paragraphs and notes name, in ref order."""
        return tuple(sorted({ref for k, ref, _ in self.by_id[letter_id].named if k == kind}))

    @cached_property
    def archive_files(self) -> tuple[ArchiveFile, ...]:
        """The archive concordance."""
        return concordance(self.letters)

    @cached_property
    def archive_index(self) -> Mapping[tuple[str, str, str, str], ArchiveFile]:
        """(repository, fond, opis, delo) -> the archival file."""
        return {(f.repository, f.fond, f.opis, f.delo): f for f in self.archive_files}

    def notes_citing(self, letter_id: str) -> Mapping[int, tuple[tuple[str, str, str, str], ...]]:
        """Note number -> the archival files the note cites, in the order of the concordance,
        for each note of a letter that cites one (from the letter alone: a page that shows one
        letter does not wait for the whole concordance)."""
        letter = self.by_id.get(letter_id)
        if letter is None:
            return {}
        cited = sorted(((ref.file_key, ref.folios, note) for note, ref in letter.cited),
                       key=lambda c: (_file_order(c[0]), c[0], natural_key(c[1]), c[2]))
        found: dict[int, list[tuple[str, str, str, str]]] = {}
        for key, _, note in cited:
            keys = found.setdefault(note, [])
            if key not in keys:
                keys.append(key)
        return {n: tuple(keys) for n, keys in found.items()}

    @cached_property
    def year_of(self) -> Mapping[str, str]:
        """Letter id -> the year it is listed under."""
        return {letter.id: year_of(letter) for letter in self.letters}

    @cached_property
    def years(self) -> Mapping[str, tuple[str, ...]]:
        """Year ("1923", or "undated") -> ids of its letters, in date order."""
        found: dict[str, list[str]] = {}
        for letter in self.letters:
            found.setdefault(year_of(letter), []).append(letter.id)
        return {year: tuple(ids) for year, ids in found.items()}


def year_of(letter: Summary) -> str:
    """The year a letter is listed under: the first four digits of its date, or "undated"."""
    key = letter.date.sort_key
    return key[:4] if key[:4].isdigit() and key[:4] != "9999" else "undated"


def build_corpus(edition: Edition, letters: Iterable[Summary],
                 entries: Iterable[Person] = (), register_paths: Mapping[str, str] | None = None
                 ) -> tuple[Corpus, list[Diagnostic]]:
    """The inventory of every letter, in date order; a duplicate id is an error, and the second
    letter with it is left out."""
    diags: list[Diagnostic] = []
    by_id: dict[str, Summary] = {}
    for letter in letters:
        other = by_id.get(letter.id)
        if other is not None:
            diags.append(error(letter.path, letter.line_of("id"), f"duplicate id '{letter.id}' "
                               f"(other instance in {other.path}:{other.line_of('id')}); give one "
                               "of them another id", "duplicate-id"))
            continue
        by_id[letter.id] = letter
    ordered = tuple(sorted(by_id.values(), key=lambda s: s.sort_key))
    registers: dict[str, dict[str, Person]] = {}
    for entry in sorted(entries, key=lambda e: (e.register, e.ref)):
        registers.setdefault(entry.register, {})[entry.ref] = entry
    corpus = Corpus(
        edition=edition, letters=ordered,
        registers=MappingProxyType({k: MappingProxyType(v) for k, v in registers.items()}),
        by_id=MappingProxyType(by_id),
        register_paths=MappingProxyType(dict(register_paths or {})),
    )
    return corpus, diags
