"""The disk on the way in, and the folders around the site.

Reading turns bytes into text with a diagnostic instead of a traceback. The site folder is
checked before a build writes into it, and locked while it does; the files themselves go in
through engine/writer.py.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from .diagnostics import Diagnostic, EpistolaError, error


def read_text(path: Path, shown: str | None = None) -> tuple[str | None, list[Diagnostic]]:
    """The file's text (UTF-8, BOM and CRLF tolerated), or None and a diagnostic."""
    shown = shown or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [error(shown, 1, f"cannot read file: {exc.strerror}", "io")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [error(shown, line, f"not valid UTF-8 (byte {data[exc.start]:#04x} at offset "
                                         f"{exc.start}): save the file as UTF-8", "encoding")]


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def letter_files(root: Path, globs: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(path, path as messages show it) of each letter record under root: the Markdown records
    in letters/, then the files each of `globs` (edition.yaml's `letters`, relative to root:
    "data/editions/*.xml") names, each in name order."""
    files = _records_in(root / "letters", ".md")
    seen = {path for path, _ in files}
    folders_shown: dict[str, str] = {}  # resolved once a folder, not once a letter
    for pattern in globs:
        for path in sorted(str(p) for p in root.glob(pattern) if p.is_file()):
            if path in seen:
                continue
            seen.add(path)
            folder, name = os.path.split(path)
            if os.path.islink(path):
                shown = display_path(Path(path))
            else:
                if folder not in folders_shown:
                    folders_shown[folder] = display_path(Path(folder))
                shown = _joined(folders_shown[folder], name)
            files.append((path, shown))
    return files


def _joined(folder_shown: str, name: str) -> str:
    return name if folder_shown == "." else f"{folder_shown}{os.sep}{name}"


def _records_in(folder: Path, suffix: str) -> list[tuple[str, str]]:
    folder_shown = display_path(folder)  # resolved once, not once a letter
    try:  # names, not Paths, sorted: ten thousand Path comparisons take a tenth of a second
        entries = sorted(((e.name, e.is_symlink()) for e in os.scandir(folder)
                          if e.name.endswith(suffix)))
    except OSError:
        return []
    files = []
    for name, is_link in entries:
        if is_link:
            shown = display_path(folder / name)
        else:
            shown = _joined(folder_shown, name)
        files.append((f"{folder}{os.sep}{name}", shown))
    return files


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """One build at a time per output folder; a second one fails with a clear message."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EpistolaError(f"{display_path(lock_path)}:1: error: another build is writing "
                                f"{display_path(out)} right now; wait for it to finish [locked]") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_out_folder(out: Path, inputs: Mapping[str, Path], mark: str) -> None:
    """Refuse a site folder a build must not replace. A build swaps in a new folder for `out`
    and deletes what `out` held: it must not be, hold or lie in one of the inputs (what ->
    folder), and a folder that holds files must be a site a build made: one with `mark`, a
    file every build writes."""
    def refuse(why: str, advice: str, shown: str | None = None) -> EpistolaError:
        return EpistolaError(error(shown or display_path(out), 1, f"the site folder {why}, and "
                                   f"a build replaces the whole folder: {advice}", "out-folder"))

    own_folder = "build into a folder of its own, e.g. --out site"
    try:
        target = out.resolve()
        sources = {what: folder.resolve() for what, folder in inputs.items()}
    except RuntimeError:  # (Path.resolve on a loop of symbolic links)
        raise refuse("or an input folder is a loop of symbolic links", own_folder,
                     str(out)) from None
    if out.is_symlink():  # (the link would be replaced by a folder, and its target left stale)
        raise refuse("is a symbolic link", f"give --out the folder it points to "
                     f"({display_path(target)})", str(out))
    for what, folder in inputs.items():
        source = sources[what]
        relation = ("is" if target == source else "holds" if source.is_relative_to(target)
                    else "lies in" if target.is_relative_to(source) else None)
        if relation is not None:
            raise refuse(f"{relation} the {what} folder ({display_path(folder)})", own_folder)
    if Path.cwd().resolve().is_relative_to(target):
        raise refuse("holds the current folder", own_folder)
    if os.path.ismount(target):  # (a folder swapped in by rename cannot take its place)
        raise refuse("is a mount point", "mount the folder above it, or build into a folder "
                     "inside it")
    if target.exists() and not target.is_dir():
        raise refuse("is a file", "give --out a new or empty folder")
    try:
        holds_files = target.is_dir() and any(target.iterdir())
    except OSError:
        holds_files = False  # (the build then says why it cannot write there)
    if holds_files and not (target / mark).is_file():
        raise refuse(f"holds files no build made (it has no {mark})", "give --out a new or "
                     "empty folder, or move those files away")


#: What systems leave in a folder one looks at (a Finder, an Explorer): not worth a refusal.
_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def foreign_entries(out: Path, made: Iterable[str]) -> Diagnostic | None:
    """The refusal of a site folder that holds, at its top, a file or folder that neither this
    build nor the one before made (a CNAME, a .git): the swap would take it away with the old
    site. `made`: the paths those builds write (and pagefind/, which builds without search
    drop)."""
    try:
        names = set(os.listdir(out))
    except FileNotFoundError:
        return None
    left = names - {"pagefind"} - _LITTER
    for path in made:  # (tens of thousands: stop once every name is accounted for)
        if not left:
            return None
        left.discard(path.partition("/")[0])
    if not left:
        return None
    extra = sorted(left)
    shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
    return error(display_path(out), 1, f"the site folder holds {shown}, which no build made, "
                 "and a build replaces the whole folder: move it away (a file to publish belongs "
                 "in templates/assets/)", "out-folder")


def exchange(new: Path, old: Path) -> None:
    """Put the folder `new` where `old` is, and `old` (when it exists) where `new` was: in one
    atomic step where the system can (Linux renameat2), so readers never find neither."""
    if old.exists() and _rename_exchange(new, old):
        return
    parking = new.with_name(new.name + ".old")
    if parking.exists():
        shutil.rmtree(parking)
    if old.exists():
        os.rename(old, parking)
    os.rename(new, old)
    if parking.exists():
        os.rename(parking, new)


def _rename_exchange(a: Path, b: Path) -> bool:
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def link_or_copy(source: str | Path, target: str | Path) -> bool:
    """Hard-link source as target (True); copy it, with its times, when the file system cannot
    (False). Neither side is ever written in place afterwards, so sharing the file is safe."""
    try:
        os.link(source, target)
        return True
    except OSError:
        shutil.copy2(source, target)
        return False


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no such file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EpistolaError(error(display_path(path), 1, f"cannot read file: {exc.strerror}",
                                  "io")) from None


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write a file so that a reader sees the old bytes or the new ones, never half of them;
    a failure is one diagnostic line."""
    from .engine.writer import write_file_atomic
    try:
        write_file_atomic(path, data)
    except OSError as exc:
        raise EpistolaError(error(display_path(path), 1, f"cannot write file: {exc.strerror}",
                                  "io")) from None
