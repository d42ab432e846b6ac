"""What one build keeps for the next, in one versioned file beside the site.

The store says what the site in the output folder was made from:

- `records`: for each record file, its size, times and inode, the digest of its text, and what
  the analysis made of it (the letter's summary, the digests of its summary and its text, its
  diagnostics), so that an unchanged record is neither read nor parsed again;
- `registers`: the same for edition.yaml and each register file;
- `facts`: the fingerprint of every fact a page read (site.py), as the last build saw it;
- `pages`: for each file of the site, the facts it read and the digest of its bytes;
- `joined`: for each file joined from pieces (pages.Joined), where each piece stands in it.

It is discarded, with a one-line notice, when it was written by another version of the store
or by other code (engine.digest.code_fingerprint): the next build is then a clean one, and never
fails because of it. Nothing outside this module knows how the store is laid out on disk.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..diagnostics import Diagnostic, note
from .digest import code_fingerprint
from .writer import write_file_atomic

#: Bump when the meaning or layout of what is stored changes.
STORE_VERSION = 1
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


@dataclass
class Store:
    records: dict[str, RecordState] = field(default_factory=dict)
    files: dict[str, FileState] = field(default_factory=dict)
    facts: dict[tuple, Any] = field(default_factory=dict)
    """(family, key) -> its fingerprint in the last build."""
    pages: dict[str, tuple[tuple, str]] = field(default_factory=dict)
    """Path (or "path#piece" of a joined file) -> (the facts it read, digest of its bytes)."""
    joined: dict[str, tuple[tuple[Any, int, int], ...]] = field(default_factory=dict)
    """Joined file -> (item, offset, length) of each piece in it, in order."""
    indexed: dict[str, Any] = field(default_factory=dict)
    """What the search index was made from (engine.index)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """The whole diagnostics of the last build."""
    inputs: Any = None
    """A digest of every input of the last successful build (its files' names and times, the
    options): when it is the same, nothing changed."""
    counts: tuple[int, dict[str, int]] = (0, {})
    """The letters and register entries of the last build, for its summary line."""


def store_path(out: Path) -> Path:
    return out.parent / STORE_FOLDER / f"{out.name or 'site'}.pickle"


def _stamp() -> tuple[int, str]:
    return STORE_VERSION, code_fingerprint()


def load(out: Path) -> tuple[Store, list[Diagnostic]]:
    """The store of the site in `out`, or an empty one (with a notice when one was there but
    cannot be used). A site folder that is gone means an empty store too."""
    path = store_path(out)
    if not out.is_dir():
        return Store(), []
    try:
        with open(path, "rb") as handle:
            stamp = pickle.load(handle)
            if stamp != _stamp():
                return Store(), [_notice(path, "it was written by another version of Epistola")]
            store = pickle.load(handle)
    except FileNotFoundError:
        return Store(), []
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError,
            ValueError, IndexError) as exc:
        return Store(), [_notice(path, f"it cannot be read ({exc.__class__.__name__})")]
    if not isinstance(store, Store):
        return Store(), [_notice(path, "it holds something else")]
    return store, []


def _notice(path: Path, why: str) -> Diagnostic:
    return note(str(path), 1, f"the build store is set aside, for {why}: this build makes "
                   "every page again", "store-discarded")


def save(out: Path, store: Store) -> None:
    """Write the store atomically (a reader sees the old one or the new one)."""
    path = store_path(out)
    data = pickle.dumps(_stamp(), protocol=5) + pickle.dumps(store, protocol=5)
    write_file_atomic(path, data)


def forget(out: Path) -> None:
    """Remove the store: the next build is a clean one."""
    try:
        os.unlink(store_path(out))
    except FileNotFoundError:
        pass
