"""What one build keeps for the next, in one versioned file beside the site.

The store says what the site in the output folder was made from:

- `records`: for each record file, its size, times and inode, the digest of its text, and what
  the analysis made of it (the letter's summary, the digests of its summary and its text, its
  diagnostics), so that an unchanged record is neither read nor parsed again;
- `registers`: the same for edition.yaml and each register file;
- `facts`: every fact a page read (site.py), numbered, with its fingerprint as the last build
  saw it;
- `pages`: for each file of the site, the numbers of the facts it read and the digest of its
  bytes;
- `joined`: for each file joined from pieces (pages.Joined), where each piece stands in it.

On disk it is three pickles: the stamp, a small head (what a build with nothing to do needs:
the inputs' digest, the diagnostics, the counts) and the body. The body is read only when the
head does not settle the build, and each record is kept in it as its own pickle, so that saving
the store pickles again only the records that changed.

It is discarded, with a one-line notice, when it was written by another version of the store
or by other code (engine.digest.code_fingerprint): the next build is then a clean one, and never
fails because of it. Nothing outside this module knows how the store is laid out on disk.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from array import array
from bisect import bisect_right
from itertools import accumulate
from typing import Any, Iterable, Mapping, NamedTuple

from ..diagnostics import Diagnostic, note
from . import collector
from .digest import code_fingerprint
from .writer import write_file_atomic

#: Bump when the meaning or layout of what is stored changes.
STORE_VERSION = 2
#: The folder of the stores, beside the output folder; one file per output folder.
STORE_FOLDER = ".epistola-store"


class RecordState(NamedTuple):
    """What a build knows of one letter record."""

    stat: tuple[int, int, int, int] | None
    """Size, modification time (ns), inode and change time (ns) when it was read (None: read
    it again)."""
    text: str
    """Digest of the file's bytes."""
    names: str
    """Digest of what the analysis read besides the record (the name index, the edition's
    year)."""
    summary: Any
    """Its letters.Summary (None when the record could not be read)."""
    summary_digest: str
    reading_digest: str
    diagnostics: tuple[Diagnostic, ...]
    """What reading, analysing and checking it alone found."""


class FileState(NamedTuple):
    """What a build knows of edition.yaml or a register file."""

    stat: tuple[int, int, int, int] | None
    text: str
    value: Any
    """The parsed edition, or the register's entries."""
    diagnostics: tuple[Diagnostic, ...]


class FactTable:
    """Every fact the pages of a site read, numbered, with its fingerprint in the last build.

    A page's facts are kept as the numbers of its facts packed in bytes (pack): a site's hundred
    thousand pages read two million facts, and bytes are read, saved and searched (ids) at a
    fraction of the cost of as many tuples. Numbers are only ever added; prune renumbers."""

    def __init__(self, facts: Iterable[tuple] = (), prints: Iterable[Any] = ()):
        self.facts: list[tuple] = list(facts)
        self.prints: list[Any] = list(prints)
        self.number = {fact: n for n, fact in enumerate(self.facts)}
        self._families: dict[frozenset[str], tuple[list[int], int]] = {}

    def __reduce__(self):
        return (FactTable, (self.facts, self.prints))

    def numbers_of(self, families: frozenset[str]) -> list[int]:
        """The numbers of the facts of these families (kept: facts are only ever added, so
        the list grows with the table; serve asks after every save)."""
        known = self._families.get(families)
        if known is None:
            known = self._families[families] = ([], 0)
        numbers, seen = known
        facts = self.facts
        numbers += [n for n in range(seen, len(facts)) if facts[n][0] in families]
        self._families[families] = (numbers, len(facts))
        return numbers

    def __len__(self) -> int:
        return len(self.facts)

    def pack(self, facts: Iterable[tuple], prints: Mapping[tuple, Any]) -> bytes:
        """The numbers of `facts`, packed; a fact not yet in the table is added with its print
        from `prints`."""
        number, out = self.number, array(_CODE)
        for fact in facts:
            n = number.get(fact)
            if n is None:
                n = number[fact] = len(self.facts)
                self.facts.append(fact)
                self.prints.append(prints.get(fact))
            out.append(n)
        return out.tobytes()

    @staticmethod
    def ids(packed: bytes) -> memoryview:
        """The numbers packed in `packed`."""
        return memoryview(packed).cast(_CODE)

    @staticmethod
    def readers(pages: Mapping[str, tuple[bytes, str]], numbers: set[int]) -> set[str] | None:
        """The paths of `pages` whose facts hold any of a few `numbers` (None for more than
        FEW_FACTS). The pages' packed facts are searched as one run of bytes, not page by
        page: an edit to one letter leaves a hundred thousand pages as they were."""
        if len(numbers) > FEW_FACTS:
            return None
        paths = list(pages)
        packs = [packed for packed, _ in pages.values()]
        ends = list(accumulate(map(len, packs)))
        run = b"".join(packs)
        return {paths[bisect_right(ends, at)] for at in _found(run, numbers)}

    def unpack(self, packed: bytes) -> tuple[tuple, ...]:
        facts = self.facts
        return tuple(facts[n] for n in self.ids(packed))

    def prune(self, pages: dict[str, tuple[bytes, str]]) -> "FactTable":
        """This table, or, once the facts no page of `pages` reads are a fifth of it, a table of
        only the facts they read, with `pages` renumbered to it (in place)."""
        live = sorted(set().union(*(self.ids(packed) for packed, _ in pages.values())))
        if len(self.facts) <= len(live) * 5 // 4:
            return self
        table = FactTable([self.facts[n] for n in live], [self.prints[n] for n in live])
        renumber = dict(zip(live, range(len(live))))
        for path, (packed, made) in pages.items():
            pages[path] = (array(_CODE, [renumber[n] for n in self.ids(packed)]).tobytes(), made)
        return table


#: Four-byte numbers (array typecode "I" is at least 2 bytes; "L" at least 4).
_CODE = "I" if array("I").itemsize >= 4 else "L"
_SIZE = array(_CODE).itemsize

#: Up to how many changed facts a search of the packed bytes beats unpacking every page.
FEW_FACTS = 32


def _found(packed: bytes, numbers: Iterable[int]) -> list[int]:
    """Where the packed `numbers` stand in `packed` (byte offsets). A match counts only on a
    number's boundary: the bytes of one number can also appear across two."""
    found = []
    for one in (array(_CODE, [n]).tobytes() for n in numbers):
        at = packed.find(one)
        while at >= 0:
            if at % _SIZE == 0:
                found.append(at)
            at = packed.find(one, at + 1)
    return found


@dataclass
class Store:
    records: dict[str, RecordState] = field(default_factory=dict)
    files: dict[str, FileState] = field(default_factory=dict)
    facts: FactTable = field(default_factory=FactTable)
    """Each fact (family, key) a page read, numbered, with its fingerprint in the last build."""
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """Path (or "path#piece" of a joined file) -> (the facts it read, packed: FactTable.pack;
    digest of its bytes)."""
    joined: dict[str, tuple[tuple[Any, int, int], ...]] = field(default_factory=dict)
    """Joined file -> (item, offset, length) of each piece in it, in order."""
    indexed: dict[str, Any] = field(default_factory=dict)
    """What the search index was made from (engine.index)."""
    inventory: str = ""
    """A digest of everything the whole-edition facts are made from (recipe.py): when it is
    the same, only the facts of a letter's own text can have changed."""
    checked: tuple[str, tuple[Diagnostic, ...]] = ("", ())
    """What the checks across records found, and a digest of what they went through."""
    listed: tuple[tuple[int, Any, str], ...] = ()
    """(kind, key, path) of each page of the site, as the inventory lists them."""
    frames: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Joined file -> its frame (recipe._frame): its items, and what comes before and after."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """The whole diagnostics of the last build."""
    inputs: Any = None
    """A digest of every input of the last successful build (its files' names and times, the
    options): when it is the same, nothing changed."""
    counts: tuple[int, dict[str, int]] = (0, {})
    """The letters and register entries of the last build, for its summary line."""
    pending: Any = field(default=None, repr=False, compare=False)
    """Reads the body when it has not been read yet (complete)."""
    pickled: dict[str, tuple[RecordState, bytes]] = field(default_factory=dict, repr=False,
                                                          compare=False)
    """Each record as read from the file, with its pickle (saved again as it is)."""

    def complete(self) -> list[Diagnostic]:
        """Read the body, when only the head was read; a body that cannot be read leaves the
        store empty, with a notice."""
        if self.pending is None:
            return []
        read, self.pending = self.pending, None
        return read(self)


_HEAD = ("inputs", "diagnostics", "counts")
_BODY = ("files", "facts", "pages", "joined", "indexed", "inventory", "checked", "listed", "frames")


def store_path(out: Path) -> Path:
    return out.parent / STORE_FOLDER / f"{out.name or 'site'}.pickle"


def _stamp() -> tuple[int, str]:
    return STORE_VERSION, code_fingerprint()


_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError,
               ValueError, IndexError, KeyError)


def load(out: Path) -> tuple[Store, list[Diagnostic]]:
    """The store of the site in `out`, or an empty one (with a notice when one was there but
    cannot be used). A site folder that is gone means an empty store too. Only the head is
    read here; Store.complete reads the rest."""
    path = store_path(out)
    if not out.is_dir():
        return Store(), []
    try:
        with open(path, "rb") as handle:
            if pickle.load(handle) != _stamp():
                return Store(), [_notice(path, "it was written by another version of Epistola")]
            head = pickle.load(handle)
            at, seen = handle.tell(), _identity(handle)
        store = Store(**dict(zip(_HEAD, head)))
    except FileNotFoundError:
        return Store(), []
    except _UNREADABLE as exc:
        return Store(), [_notice(path, f"it cannot be read ({exc.__class__.__name__})")]

    def read_body(store: Store) -> list[Diagnostic]:
        try:
            with collector.paused(), open(path, "rb") as handle:
                if _identity(handle) == seen:
                    handle.seek(at)
                else:  # another build saved its store since the head was read: its head too
                    if pickle.load(handle) != _stamp():
                        raise ValueError("another version")
                    for name, value in zip(_HEAD, pickle.load(handle)):
                        setattr(store, name, value)
                body, records = pickle.load(handle)
                for name, value in zip(_BODY, body):
                    setattr(store, name, value)
                loads = pickle.loads
                store.pickled = {shown: (loads(data), data) for shown, data in records.items()}
                store.records = {shown: state for shown, (state, _) in store.pickled.items()}
        except _UNREADABLE as exc:
            fresh = Store()
            for name in (*_BODY, "records", "pickled", *_HEAD):
                setattr(store, name, getattr(fresh, name))
            return [_notice(path, f"it cannot be read ({exc.__class__.__name__})")]
        return []

    store.pending = read_body
    return store, []


def _identity(handle: Any) -> tuple[int, int, int]:
    st = os.fstat(handle.fileno())
    return st.st_ino, st.st_size, st.st_mtime_ns


def _notice(path: Path, why: str) -> Diagnostic:
    return note(str(path), 1, f"the build store is set aside, for {why}: this build makes "
                   "every page again", "store-discarded")


def save(out: Path, store: Store) -> None:
    """Write the store atomically (a reader sees the old one or the new one)."""
    store.complete()
    path = store_path(out)
    with collector.paused():
        dumps = pickle.dumps
        records = {}
        pickled = {}
        for shown, state in store.records.items():
            known = store.pickled.get(shown)
            data = known[1] if known is not None and known[0] is state else \
                dumps(state, protocol=5)
            records[shown] = data
            pickled[shown] = (state, data)
        store.pickled = pickled
        data = b"".join((dumps(_stamp(), protocol=5),
                         dumps(tuple(getattr(store, name) for name in _HEAD), protocol=5),
                         dumps((tuple(getattr(store, name) for name in _BODY), records),
                               protocol=5)))
    write_file_atomic(path, data)


def forget(out: Path) -> None:
    """Remove the store: the next build is a clean one."""
    try:
        os.unlink(store_path(out))
    except FileNotFoundError:
        pass
