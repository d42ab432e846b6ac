"""Values held between two stages of a build, the first few in memory and the rest on disk.

Each process of a build analyses its share of the letters, then makes their pages; the reading
of a letter (its parsed and analysed text) is kept from the one to the other, so that no text is
parsed twice. For a large edition that is tens of thousands of readings in each process, more
memory than the rest of the build. `Spill` holds the first `room` of them as they are and
pickles the rest into an unnamed temporary file (beside the site: the system's temporary folder
may be held in memory), from which each is read back when its pages are made (a pickle is read
back in a fraction of the time it takes to parse the text again).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import IO, Generic, Hashable, TypeVar

T = TypeVar("T")


class Spill(Generic[T]):
    """Key -> value, the first `room` values in memory, the others pickled to a file."""

    def __init__(self, room: int, folder: Path | None = None):
        self.room = room
        self.folder = folder
        """Where the file is made (None: the system's temporary folder)."""
        self._held: dict[Hashable, T] = {}
        self._spilled: dict[Hashable, tuple[IO[bytes], int, int]] = {}
        self._file: IO[bytes] | None = None
        self._owner = 0  # the process that opened _file (a forked one writes a file of its own)
        self._end = 0

    def __setitem__(self, key: Hashable, value: T) -> None:
        self._spilled.pop(key, None)
        if key in self._held or len(self._held) < self.room:
            self._held[key] = value
            return
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if self._file is None or self._owner != os.getpid():
                self._file = tempfile.TemporaryFile(dir=self.folder)
                self._owner, self._end = os.getpid(), 0
            os.pwrite(self._file.fileno(), data, self._end)  # (positioned: no offset is shared)
        except OSError as exc:  # (a full disk names no file: the folder is the one to free)
            if exc.filename is None:
                exc.filename = str(self.folder or tempfile.gettempdir())
            raise
        self._spilled[key] = (self._file, self._end, len(data))
        self._end += len(data)

    def get(self, key: Hashable, default: T | None = None) -> T | None:
        try:
            return self._held[key]
        except KeyError:
            pass
        place = self._spilled.get(key)
        if place is None:
            return default
        handle, at, size = place
        return pickle.loads(os.pread(handle.fileno(), size, at))

    def pop(self, key: Hashable, default: T | None = None) -> T | None:
        value = self.get(key, default)
        self.discard(key)
        return value

    def discard(self, key: Hashable) -> None:
        """Let the value go, unread."""
        self._held.pop(key, None)
        self._spilled.pop(key, None)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._held or key in self._spilled

    def __len__(self) -> int:
        return len(self._held) + len(self._spilled)
