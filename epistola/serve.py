"""`python build.py serve`: build, serve the site on 127.0.0.1, rebuild on every save, reload pages.

The loop an editor works in: save a record, see the letter change in the browser. Three parts:

- a watcher that is told by the system (inotify, FSEvents, ReadDirectoryChangesW: watchfiles)
  when something under editions/ or templates/ (assets included) changes, waits until the
  changes stop for a moment (an editor's save can touch several files), compares the files'
  times, sizes and inodes with those the site was built from, and rebuilds when they differ;
- an HTTP server (threaded, quiet, 127.0.0.1 only) that serves the built site and adds to every
  HTML page it sends a small script listening to /__epistola/events (server-sent events). The
  files on disk never contain that script: the built site stays deployable as it is;
- when the latest build failed, every page request is answered with the diagnostic lines instead
  of the stale page, until a save fixes them; the open page then reloads to the fixed site.

A rebuild puts the new pages and exports live and tells the open pages first; the search index
(Pagefind, seconds for a year of letters) is made afterwards beside the site and swapped in
whole. Until then the site keeps the index it had, which is current for every letter but the
saved ones; a newer save interrupts the indexing, and the build after it makes the index.

Progress lines are written only when stderr is a terminal; diagnostics always are.
"""

from __future__ import annotations

import contextlib
import gc
import html
import http.server
import os
import signal
import stat
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence, TextIO
from urllib.parse import unquote, urlsplit

import watchfiles

from . import fs
from .diagnostics import Diagnostic, EpistolaError, error, has_errors, in_order
from .search import Interrupted

EVENTS_PATH = "/__epistola/events"
#: Injected before </body> of every HTML page the server sends (never written to disk).
RELOAD_SCRIPT = (
    b'<script>(function(){if(!window.EventSource)return;'
    b'var s=new EventSource("' + EVENTS_PATH.encode() + b'");'
    b's.addEventListener("reload",function(){s.close();location.reload();});})();</script>\n'
)
#: Changes must stop for this long (milliseconds) before a rebuild starts (a save may touch
#: several files, within a millisecond or two; the watcher looks once or twice a span, so a
#: save is seen 25-50 ms after it ends).
SETTLE_MS = 25
#: With no change reported for this long (milliseconds), the watcher compares the files anyway.
WAKE_MS = 2000
#: After this long without a change (milliseconds), the cycle collector goes through what the
#: builds left (a full pass over a large edition's objects is slow: a save would wait for it).
COLLECT_AFTER_MS = 30_000
HEARTBEAT_SECONDS = 15.0
#: How long the watcher waits after a build for the open pages to be told to reload, before it
#: goes on (saving the caches, indexing).
TELL_PAGES_SECONDS = 0.5

Builder = Callable[[], list[Diagnostic]]
Snapshot = frozenset[tuple[str, int, int, int, int]]
#: Builds the site; given the snapshot of the watched folders taken just before (the build may
#: take it for its own look at its inputs).
Rebuilder = Callable[[Snapshot], list[Diagnostic]]
#: Makes the search index; stops early when the callable it is given says so.
Indexer = Callable[[Callable[[], bool]], list[Diagnostic]]


# --- what the watcher looks at ------------------------------------------------------------------

def scratch_file(name: str) -> bool:
    """Editors' swap, backup and lock files."""
    return name.startswith((".#", ".~")) or name.endswith(("~", ".swp", ".swx", ".tmp")) \
        or name in (".DS_Store", "4913")


def in_hidden_folder(relative: str) -> bool:
    """A path under a watched folder that lies in a hidden folder (snapshot leaves those out)."""
    return any(part.startswith(".") for part in relative.split(os.sep)[:-1])


def snapshot(folders: Iterable[Path]) -> frozenset[tuple[str, int, int, int, int]]:
    """(path, mtime_ns, ctime_ns, size, inode) of every file under the folders: equal
    snapshots, nothing changed (the change time catches a write that kept size and mtime)."""
    found: set[tuple[str, int, int, int, int]] = set()
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if scratch_file(name):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found.add((path, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino))
    return frozenset(found)


def refreshed(seen: frozenset[tuple[str, int, int, int, int]], changed: Iterable[str],
              folders: Sequence[Path]) -> frozenset[tuple[str, int, int, int, int]]:
    """The snapshot of the folders, from `seen` and the paths the system says changed since (a
    look at those files, not at every file): a whole new snapshot when a path is a folder, or
    one gone that held files, or lies outside the folders or below a symbolic link to a folder
    (which snapshot does not follow), for then files may have come or gone without a word of
    their own, or the two looks would not agree."""
    roots = [(os.path.join(os.path.abspath(f), ""), str(f), os.path.realpath(f)) for f in folders]
    known = {entry[0]: entry for entry in seen}
    now = dict(known)
    for path in changed:
        found = next(((path[len(root):], folder, real) for root, folder, real in roots
                      if path.startswith(root)), None)
        if found is None:
            return snapshot(folders)
        relative, folder, real = found
        if in_hidden_folder(relative):
            continue
        shown = os.path.join(folder, relative)
        if os.path.realpath(os.path.dirname(shown)) != \
                os.path.normpath(os.path.join(real, os.path.dirname(relative))):
            return snapshot(folders)
        try:
            st = os.stat(shown)
        except OSError:
            if shown not in known:
                inside = os.path.join(shown, "")
                if any(p.startswith(inside) for p in known):
                    return snapshot(folders)
            now.pop(shown, None)
            continue
        if not stat.S_ISREG(st.st_mode):
            return snapshot(folders)
        if scratch_file(os.path.basename(shown)):
            continue
        now[shown] = (shown, st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
    return frozenset(now.values())



# --- shared state between the watcher and the request handlers -----------------------------------

@dataclass
class ServeState:
    """The outcome of the latest build, and a condition to wait for the next one on."""

    generation: int = 0
    failed: tuple[Diagnostic, ...] | None = None
    """The diagnostics of the latest build when it failed; None when the site is current."""
    stopping: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)
    listening: int = 0
    """Open pages waiting for the next build (event streams)."""
    told: int = 0
    """Of those, the ones told of the latest build (or opened since)."""

    def publish(self, failed: tuple[Diagnostic, ...] | None) -> None:
        with self.changed:
            self.failed = failed
            self.generation += 1
            self.told = 0
            self.changed.notify_all()

    def wait_told(self, timeout: float) -> None:
        """Until every open page has been told of the latest build, or timeout seconds: what the
        watcher does next (saving the store) would keep the event streams from sending."""
        with self.changed:
            generation = self.generation
            self.changed.wait_for(lambda: self.told >= self.listening or self.stopping
                                  or self.generation != generation, timeout=timeout)

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


def error_page(diagnostics: Sequence[Diagnostic]) -> bytes:
    """The page shown instead of the site while the latest build has failed."""
    from .cli import cause_first
    lines = "\n".join(html.escape(str(d)) for d in sorted(diagnostics, key=cause_first)) \
        or "(no diagnostics)"
    errors = sum(d.level == "error" for d in diagnostics)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Build failed</title>\n<style>body{font:1rem/1.5 system-ui,sans-serif;margin:2rem;"
        "color:#1a1a1a}pre{white-space:pre-wrap;background:#fff4f4;border-left:4px solid #b00020;"
        "padding:1rem;font-size:.9rem}</style>\n</head>\n<body>\n<main>\n"
        "<h1>The build failed</h1>\n"
        f"<p>{errors} error{'s' if errors != 1 else ''} (with <code>--strict</code>, warnings "
        "count too). Fix the files named below and save: this page reloads by itself.</p>\n"
        f"<pre id=\"diagnostics\">{lines}</pre>\n</main>\n</body>\n</html>\n"
    ).encode("utf-8")


def inject_reload(page: bytes) -> bytes:
    at = page.lower().rfind(b"</body>")
    return page + RELOAD_SCRIPT if at < 0 else page[:at] + RELOAD_SCRIPT + page[at:]


# --- HTTP ----------------------------------------------------------------------------------------

class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder; HTML pages get the reload script; a failed build gets its page."""

    state: ServeState  # set on the subclass made for each server

    def log_message(self, format: str, *args) -> None:  # quiet: no line per request
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            self._events()
            return
        failed = self.state.failed
        if failed is not None and (path.endswith("/") or path.endswith(".html")):
            self._send(500, inject_reload(error_page(failed)))
            return
        file = Path(self.translate_path(self.path))
        if file.is_dir():
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            file = file / "index.html"
        if file.suffix == ".html" and file.is_file():
            self._send_file(200, file)
        elif not file.exists() and unquote(path).endswith(("/", ".html")) \
                and (Path(self.directory) / "404.html").is_file():
            self._send_file(404, Path(self.directory) / "404.html")
        elif self.command == "HEAD":
            super().do_HEAD()
        else:
            super().do_GET()

    def _send_file(self, status: int, file: Path) -> None:
        try:
            data = file.read_bytes()
        except OSError:  # swapped out between the check and the read: the next request sees it
            self.send_error(503, "the site is being rebuilt; reload in a moment")
            return
        self._send(status, inject_reload(data))

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: one `reload` event after each build, until the server stops."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        state = self.state
        with state.changed:
            seen = state.generation
            state.listening += 1
            state.told += 1  # it shows this build already
        try:
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            while True:
                with state.changed:
                    state.changed.wait_for(lambda: state.stopping or state.generation != seen,
                                           timeout=HEARTBEAT_SECONDS)
                    if state.stopping:
                        return
                    current = state.generation
                if current != seen:
                    self.wfile.write(f"event: reload\ndata: {current}\n\n".encode())
                    self.wfile.flush()
                    with state.changed:
                        seen = current
                        if current == state.generation:
                            state.told += 1
                            state.changed.notify_all()
                else:
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
        except OSError:  # the page went away
            return
        finally:
            with state.changed:
                state.listening -= 1
                if seen == state.generation:
                    state.told -= 1
                state.changed.notify_all()

    def do_HEAD(self) -> None:
        self.do_GET()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(out: Path, port: int, state: ServeState) -> http.server.ThreadingHTTPServer:
    handler = type("SiteHandler", (Handler,), {"state": state})
    try:
        return _Server(("127.0.0.1", port), partial(handler, directory=str(out)))
    except OSError as exc:
        raise EpistolaError(error("serve", 1, f"cannot listen on 127.0.0.1:{port} "
                                  f"({exc.strerror or exc}); pass another --port",
                                  "serve-port")) from None


# --- the loop ------------------------------------------------------------------------------------

class Progress:
    """Progress lines on a terminal; nothing in CI or when output goes to a file."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.live = stream.isatty()
        self._shown: dict[str, frozenset[Diagnostic]] = {}
        """What the last build (or index) of each kind printed: a save is answered with what
        it changed, not with every warning of the edition again."""

    def start(self, what: str) -> float:
        if self.live:
            self.stream.write(f"\r\x1b[K{what}…")
            self.stream.flush()
        return time.perf_counter()

    def done(self, started: float, diagnostics: Sequence[Diagnostic], failed: bool,
             what: str = "built") -> None:
        if self.live:
            took = time.perf_counter() - started
            self.stream.write(f"\r\x1b[K{'build failed' if failed else what} in {took:.2f} s\n")
        before = self._shown.get(what, frozenset())
        repeated = 0
        for d in diagnostics:
            if d in before:
                repeated += 1
            else:
                print(d, file=self.stream)
        if repeated:
            print(f"({repeated:,} more as reported before)", file=self.stream)
        self._shown[what] = frozenset(diagnostics)
        self.stream.flush()


def watch(folders: Sequence[Path], build: Rebuilder, state: ServeState, strict: bool,
          progress: Progress, stop: threading.Event,
          seen: Snapshot | None = None,
          index: Indexer | None = None) -> None:
    """Rebuild after every settled change under folders, until stop is set. `seen` is the
    snapshot the current site was built from (taken before that build, so that no save is lost).
    `index`, when given, brings the search index up to date after each build has gone live; a
    newer save interrupts it, and the build after that save makes it."""
    if seen is None:
        seen = snapshot(folders)

    def interrupted() -> bool:
        return stop.is_set() or snapshot(folders) != seen

    diags: Sequence[Diagnostic] = ()
    failed = state.failed is not None
    # The system's watcher keeps the changes made while a build or the index runs: they come
    # out of the next step. It starts at the first step (before it, the files are compared
    # once) and may miss what some file systems (network mounts) do not report: every WAKE_MS
    # without a change, the files are compared all the same.
    changes = _changes(folders, stop)
    uncollected = False  # what builds dropped since the cycle collector last looked
    quiet = 0  # WAKE_MS spans without a change, in a row
    try:
        while True:
            if index is not None and not failed and not stop.is_set():
                _index(partial(index, interrupted), state, strict, progress, diags)
            now = snapshot(folders)
            while now == seen and not stop.is_set():  # nothing new, unless only a swap file
                batch = next(changes, None)
                if batch is None:  # stopped
                    return
                quiet = 0 if batch else quiet + 1
                if uncollected and quiet * WAKE_MS >= COLLECT_AFTER_MS:  # the editor paused
                    _collect_cycles()
                    uncollected = False
                # the files the system named, or all of them when it said nothing for a while
                now = refreshed(seen, [path for _, path in batch], folders) if batch \
                    else snapshot(folders)
            if stop.is_set():
                return
            seen = now  # taken before the build: a save during the build triggers another one
            diags, failed = _rebuild(partial(build, now), state, strict, progress, "rebuilding")
            uncollected = True
    finally:
        changes.close()


def _changes(folders: Sequence[Path], stop: threading.Event) -> Iterator[set]:
    """Batches of changes under folders, and an empty batch every WAKE_MS without one; the
    system's notices (watchfiles), or watchfiles' own polling where the system refuses more
    watches."""
    options = dict(watch_filter=_watched(folders), step=SETTLE_MS, stop_event=stop,
                   rust_timeout=WAKE_MS, yield_on_timeout=True, raise_interrupt=False)
    try:
        yield from watchfiles.watch(*folders, **options)
    except OSError:  # e.g. the limit on inotify watches reached
        yield from watchfiles.watch(*folders, **options, force_polling=True)


def _collect_cycles() -> None:
    """What builds left is frozen for the cycle collector (_run); the reference cycles among
    what they dropped (json's encoder makes some for every file) are collected here, once the
    editor has paused."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _watched(folders: Sequence[Path]) -> Callable[[object, str], bool]:
    """The changes worth a look: snapshot's files (no editors' swap files, nothing in a hidden
    folder)."""
    roots = [os.path.join(os.path.abspath(f), "") for f in folders]

    def keep(change: object, path: str) -> bool:
        for root in roots:
            if path.startswith(root) and in_hidden_folder(path[len(root):]):
                return False
        # A folder moved in or out may have any name, and its files say nothing: one moved in
        # is looked at; one gone can no longer be told from a file, and refreshed finds out
        # whether it held any (a swap file gone costs a look in memory).
        return not scratch_file(os.path.basename(path)) or change == watchfiles.Change.deleted \
            or os.path.isdir(path)

    return keep


def _run(build: Builder) -> list[Diagnostic]:
    # What a build leaves (the store: millions of objects in a large edition) lives until the
    # next build and holds no reference cycles: frozen, the cycle collector never goes through
    # it again, and its first pass after a build does not hold up the reload.
    gc.disable()
    try:
        return build()
    except EpistolaError as exc:
        d = exc.diagnostic
        return [d if isinstance(d, Diagnostic) else error("build", 1, str(d), "build")]
    finally:
        gc.freeze()
        gc.enable()


def _rebuild(build: Builder, state: ServeState, strict: bool, progress: Progress,
             what: str) -> tuple[list[Diagnostic], bool]:
    """Build and tell the open pages (a failed build shows in the browser)."""
    started = progress.start(what)
    diags = _run(build)
    failed = has_errors(diags, strict)
    state.publish(tuple(diags) if failed else None)
    progress.done(started, diags, failed)
    state.wait_told(TELL_PAGES_SECONDS)
    return diags, failed


def _index(index: Builder, state: ServeState, strict: bool, progress: Progress,
           diags: Sequence[Diagnostic]) -> None:
    """Make the search index of the live site; its failure shows in the browser too."""
    started = progress.start("indexing for search")
    found = _run(index)
    failed = has_errors(found, strict)
    progress.done(started, found, failed, "search index made")
    if failed:
        state.publish(tuple(in_order([*diags, *found])))


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl+C and SIGTERM stop the loop cleanly (only possible in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve(editions: Path, out: Path, port: int, build: Rebuilder, watched: Sequence[Path],
          strict: bool = False, stop: threading.Event | None = None,
          on_ready: Callable[[str], None] | None = None, progress: Progress | None = None,
          index: Indexer | None = None) -> int:
    """Build, serve and rebuild until stop is set (or Ctrl+C); the core of run_serve. `index`,
    when given, makes the search index after each build is live."""
    stop = stop or threading.Event()
    progress = progress or Progress()
    state = ServeState()
    seen = snapshot(watched)
    _rebuild(partial(build, seen), state, strict, progress, "building")  # index: once served
    server = make_server(out, port, state)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="epistola-serve", daemon=True)
    thread.start()
    try:
        print(f"Serving {out} at {url} (watching {', '.join(str(f) for f in watched)}; "
              "Ctrl+C to stop)", flush=True)
        if on_ready is not None:
            on_ready(url)
        with _stop_on_signals(stop):
            watch(watched, build, state, strict, progress, stop, seen, index)
    finally:
        state.stop()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return 0


def run_serve(editions: Path, out: Path, port: int, strict: bool, templates: Path | None) -> int:
    """`python build.py serve`: the command-line entry (cli.py)."""
    from .engine import store as stores
    from .engine.index import search_documents, update_index
    from .engine.recipe import DEFAULT_TEMPLATES, Options, run, stopped_by, warm

    folder = templates or DEFAULT_TEMPLATES
    if not editions.is_dir():
        raise EpistolaError(error(str(editions), 1, "editions folder not found; run 'python "
                                  "build.py ingest SOURCE' first or pass --editions DIR",
                                  "no-editions"))
    fs.check_out_folder(out, {"editions": editions, "templates": folder}, "data/letters.json")
    # kept in memory: each rebuild redoes only what a save changed; on disk after each build
    kept: dict = {"store": None, "written": [], "removed": []}

    def build(taken: Snapshot) -> list[Diagnostic]:
        first = kept["store"] is None
        options = Options(editions, out, folder, write=True, strict=strict, search=first,
                          seen=taken)
        try:
            with fs.build_lock(out):
                outcome, store = run(options, kept["store"])
                if outcome.written:
                    kept["store"] = store
                    # (saved after the reload: index below; a settled build changed nothing)
                    kept["unsaved"] = kept.get("unsaved") or not outcome.settled
                    if outcome.search_pending:  # (the index follows the reload, too)
                        kept["written"] += outcome.made
                        kept["removed"] += outcome.removed
        except OSError as exc:
            raise EpistolaError(stopped_by(exc, out)) from None
        return outcome.diagnostics

    def index(interrupted: Callable[[], bool]) -> list[Diagnostic]:
        # the search index first, then the store: the new text is findable the sooner
        store = kept["store"]
        if store is None:
            return []
        found: list[Diagnostic] = []
        try:
            with fs.build_lock(out):
                if kept["written"] or kept["removed"]:
                    pages = search_documents(store.pages, store.listed)
                    found, state = update_index(out, out, pages, kept["written"], kept["removed"],
                                                store.indexed, fresh=False, interrupted=interrupted)
                    if not has_errors(found, strict):
                        store.indexed = state
                        kept["written"], kept["removed"] = [], []
                        kept["unsaved"] = True
                if kept.get("unsaved"):
                    _save(stores, out, store)
                    kept["unsaved"] = False
                elif not kept.get("warm"):  # (what the first save needs, made before it)
                    kept["warm"] = True
                    if not store.complete() and store.records:  # (not a store set aside)
                        warm(Options(editions, out, folder, write=True, strict=strict,
                                     search=False), store)
                        search_documents(store.pages, store.listed)
        except Interrupted:
            return []
        except OSError as exc:
            raise EpistolaError(stopped_by(exc, out)) from None
        return found

    try:
        return serve(editions, out, port, build, [editions, folder], strict=strict, index=index)
    finally:
        if kept["store"] is not None and kept.get("unsaved"):
            try:
                with fs.build_lock(out):
                    _save(stores, out, kept["store"])
            except EpistolaError:  # (another build holds the lock: its own store stands)
                pass


def _save(stores, out: Path, store) -> None:
    """The store for the next process; a store that cannot be saved is removed, so that the next
    build trusts nothing it cannot check."""
    try:
        stores.save(out, store)
    except OSError:
        stores.forget(out)
