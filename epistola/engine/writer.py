"""The one writer: every file goes into the site through it, all of a build's files or none.

Two ways, one interface (`put`, `remove`, then `commit` or `abort`):

- **in place**, when the site folder holds the site the store describes: each new file is
  written beside its target under a temporary name; `commit` renames them all over their
  targets, then removes the files the build no longer makes. Until `commit`, the site is as it
  was; a failure while writing (a full disk) removes the temporary files.
- **staged**, for a first build or one with no store: the whole site is written into a fresh
  folder beside the output folder, which `commit` swaps in (two renames), so readers see the old
  site or the new one, never half of each.

Paths never leave the output folder: each is checked before anything is written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import threading
from pathlib import Path
from typing import Iterable

from ..diagnostics import EpistolaError

#: The suffix of a file written but not yet renamed over its target.
PENDING = ".epistola-new"
#: The suffix of a link to a large file a build replaced, until its blocks are freed.
DISPLACED = ".epistola-old"
#: A file this large (bytes) is freed after the site is live, not while it is replaced.
LARGE = 1 << 20
#: A part of a file put_parts writes: bytes, or a range of another file (path, start, size).
Part = bytes | tuple[str, int, int]


def check_relative(relative: str) -> list[str]:
    """The parts of a site path, refusing anything that could land outside the site folder."""
    parts = relative.split("/")
    if (not relative or relative.startswith("/") or "\\" in relative or "\x00" in relative
            or any(p in ("", ".", "..") for p in parts)):
        raise EpistolaError(f"refusing to write outside the output folder: {relative!r}")
    return parts


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write one file so that a reader sees the old bytes or the new ones, never half of them
    (the store, a record written by ingest)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}{PENDING}"
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class Writer:
    """The files of one build going into `out`."""

    def __init__(self, out: Path, staged: bool, fresh: bool = True):
        self.out = out
        self.staged = staged
        self.root = out.parent / f".{out.name}.new" if staged else out
        self._resolved_out = out.resolve() if out.exists() else None
        self._pending: list[tuple[str, str]] = []  # (temporary, target) of each file put
        self._removed: list[str] = []
        self._large: set[str] = set()  # targets of the files put of LARGE bytes or more
        self._displaced: list[str] = []  # links to the large files commit replaced
        self._folders: set[str] = set()
        self._checked: set[str] = set()
        self._spool = None  # (this process's spool file, opened when first needed)
        if fresh:  # (one a stopped build left)
            shutil.rmtree(_spool_folder(out), ignore_errors=True)
        if staged and fresh:  # (a worker process writes into the folder this one made)
            shutil.rmtree(self.root, ignore_errors=True)
            self.root.mkdir(parents=True)

    def spec(self) -> tuple[Path, bool]:
        """How a worker process makes a writer into the same folder (Writer(*spec, fresh=False))."""
        return self.out, self.staged

    @property
    def folder(self) -> Path:
        """Where the files are until commit: the staging folder, or the site itself."""
        return self.root

    def _target(self, relative: str) -> str:
        parts = check_relative(relative)
        folder = "/".join(parts[:-1])
        if folder not in self._checked:
            full = self.root.joinpath(*parts[:-1])
            full.mkdir(parents=True, exist_ok=True)
            if not full.resolve().is_relative_to(self.root.resolve()):
                raise EpistolaError(f"refusing to write outside the output folder: {relative!r}")
            self._checked.add(folder)
        target = os.path.join(self.root, *parts)
        if os.path.islink(target):  # (never write through a link to somewhere else)
            raise EpistolaError(f"refusing to write through a symbolic link: {relative!r}")
        return target

    def put(self, relative: str, data: bytes) -> None:
        target = self._target(relative)
        written = target if self.staged else f"{target}{PENDING}"
        try:
            with open(written, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            if not self.staged:  # (abort knows only the files written whole)
                Path(written).unlink(missing_ok=True)
            if exc.filename is None:  # (a full disk refuses the write, which names no file)
                exc.filename = target
            raise
        if not self.staged:
            self._pending.append((written, target))
            if len(data) >= LARGE:
                self._large.add(target)

    def put_parts(self, relative: str, parts: list[Part]) -> None:
        """A file made of bytes and of (file, start, size) ranges of other files: the pieces
        of a joined file from the spool files (`spool`), or from the file as it stands in the
        site. The ranges are copied by the kernel (copy_file_range; where there is none, read
        and written a few megabytes at a time), not read whole into memory: a data file of many
        megabytes, of which one letter's piece changed."""
        target = self._target(relative)
        written = target if self.staged else f"{target}{PENDING}"
        size = 0
        try:
            with contextlib.ExitStack() as sources, open(written, "wb") as handle:
                opened: dict[str, int] = {}
                for part in parts:
                    if isinstance(part, bytes):
                        handle.write(part)
                        size += len(part)
                        continue
                    source, start, length = part
                    if source not in opened:
                        opened[source] = sources.enter_context(open(source, "rb")).fileno()
                    handle.flush()
                    _copy_range(opened[source], handle.fileno(), start, length)
                    size += length
        except OSError as exc:
            if not self.staged:
                Path(written).unlink(missing_ok=True)
            if exc.filename is None:
                exc.filename = target
            raise
        if not self.staged:
            self._pending.append((written, target))
            if size >= LARGE:
                self._large.add(target)

    def spool(self, data: bytes) -> tuple[str, int, int]:
        """Keep bytes in this process's spool file, beside the site, until `put_parts` takes
        them: the pieces of the joined data files (hundreds of megabytes for a large edition)
        are neither held in memory nor sent between processes. Returns their range."""
        if self._spool is None:
            folder = _spool_folder(self.out)
            folder.mkdir(exist_ok=True)
            self._spool = open(folder / str(os.getpid()), "ab")
        start = self._spool.tell()
        self._spool.write(data)
        self._spool.flush()
        return self._spool.name, start, len(data)

    def take_pending(self) -> list[tuple[str, str]]:
        """The files this process wrote and not yet renamed (a worker hands them on)."""
        pending, self._pending = self._pending, []
        return pending

    def adopt(self, pending: list[tuple[str, str]]) -> None:
        """Files a worker process wrote, to be renamed (or removed) with this writer's own."""
        self._pending += pending

    def discard(self, relatives: Iterable[str]) -> None:
        """Leave the site as it was when a worker process failed or was stopped: the files it
        may have written under these paths, and not handed on, are removed (in place; a staged
        site goes whole with abort)."""
        if self.staged:
            return
        for relative in relatives:
            Path(os.path.join(self.out, *check_relative(relative)) + PENDING).unlink(
                missing_ok=True)

    def remove(self, relative: str) -> None:
        """A file of the last build this build no longer makes (in place only)."""
        check_relative(relative)
        if not self.staged:
            self._removed.append(relative)

    def commit(self) -> None:
        if self.staged:
            _swap_in(self.root, self.out)
            return
        for written, target in self._pending:
            if target in self._large:  # (its blocks are freed in tidy, once the site is live)
                aside = f"{target}{DISPLACED}"
                try:
                    with contextlib.suppress(FileNotFoundError):  # (one a build left, stopped)
                        os.unlink(aside)
                    os.link(target, aside)
                    self._displaced.append(aside)
                except OSError:  # (no such file yet, or a file system without hard links)
                    pass
            os.replace(written, target)
        self._pending.clear()
        for relative in self._removed:
            target = self.out.joinpath(*relative.split("/"))
            try:
                target.unlink()
            except FileNotFoundError:
                continue
            _prune_empty(target.parent, self.out)

    def abort(self) -> None:
        """Leave the site as it was: drop everything written so far."""
        self._drop_spools()
        if self.staged:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for written, _ in self._pending:
            try:
                os.unlink(written)
            except FileNotFoundError:
                pass
        self._pending.clear()

    def tidy(self) -> None:
        """After commit, with the new site live: the site it replaced is removed (tens of
        thousands of files take a while to delete; a site that cannot be removed now is
        removed next time)."""
        self._drop_spools()
        if self.staged:
            shutil.rmtree(_replaced(self.out), ignore_errors=True)
        elif self._displaced:  # (deleting a file of a hundred megabytes takes a while)
            displaced, self._displaced = self._displaced, []
            threading.Thread(target=_unlink_all, args=(displaced,)).start()

    def _drop_spools(self) -> None:
        """The spool files of every process of the build: their pieces are in place (tidy), or
        the build is given up (abort)."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None
        shutil.rmtree(_spool_folder(self.out), ignore_errors=True)


def _spool_folder(out: Path) -> Path:
    return out.parent / f".{out.name}.spool"


def _unlink_all(paths: list[str]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:  # (the next build's commit tries again: see DISPLACED)
            pass


def _copy_range(source: int, target: int, start: int, size: int) -> None:
    """Append `size` bytes of `source` from `start` to `target` (at its current offset)."""
    at = os.lseek(target, 0, os.SEEK_CUR)
    kernel = hasattr(os, "copy_file_range")  # (Linux; elsewhere: read and write)
    while size > 0:
        done = 0
        if kernel:
            try:
                done = os.copy_file_range(source, target, size, start, at)
            except OSError as exc:  # (a file system or kernel without it)
                if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                    raise
                kernel = False
        if not kernel:
            done = os.pwrite(target, os.pread(source, min(size, 1 << 24), start), at)
        if done <= 0:
            raise OSError(errno.EIO, "the file being spliced ended early")
        start, at, size = start + done, at + done, size - done
    os.lseek(target, at, os.SEEK_SET)


def _replaced(out: Path) -> Path:
    """Where a staged build moves the site it replaces."""
    return out.parent / f".{out.name}.old"


def _swap_in(staging: Path, out: Path) -> None:
    """Replace out with staging in two renames, so readers see the old site or the new one."""
    old = _replaced(out)
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        os.rename(out, old)
    os.rename(staging, out)


def _prune_empty(folder: Path, root: Path) -> None:
    """Remove folders the removed files left empty, up to the site folder."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
