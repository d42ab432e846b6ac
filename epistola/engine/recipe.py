"""The one recipe `check`, `build` and `serve` all run; a clean build is this recipe with an empty
store.

    read the records      (a record unchanged since the store was written is not read again)
    analyse the changed   (letters.analyse, validate.check_letter: per letter)
    take the inventory    (corpus.build_corpus, validate.check_corpus: from summaries)
    plan                  (the pages whose facts changed: site.py, pages.py)
    make                  (those pages, and the pieces of the joined data files)
    write                 (all of it or nothing: writer.py; check writes nothing)
    index                 (the search index of what changed: index.py)
    keep                  (the store, for the next build)

A build with errors (or warnings, with --strict) writes nothing, so the site stays as it was.
"""

from __future__ import annotations

import datetime
import errno
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable

from jinja2 import TemplateError

from .. import fs
from ..corpus import build_corpus
from ..diagnostics import Diagnostic, EpistolaError, error, has_errors, warning
from ..letters import Reading, analyse
from ..model import REGISTERS, Edition, Person
from ..names import name_index
from ..pages import JOINED, Joined, pages_of, publication_date
from ..records import is_iso_date, parse_edition, parse_letter, parse_register
from ..site import BY_DIGEST, Site
from ..templating import environment, template_diagnostic
from ..validate import check_corpus, check_edition_files, check_letter
from . import store as stores
from .digest import digest
from .store import FileState, RecordState, Store
from .writer import Writer

#: The templates shipped with Epistola.
DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
#: A record changed less than this long (ns) before it was read may change again within the
#: same tick of the file system's clock: its size and times are not trusted next time.
SETTLED_NS = 2_000_000_000
_MISSING = object()


@dataclass(frozen=True)
class Options:
    editions: Path
    out: Path
    templates: Path = DEFAULT_TEMPLATES
    write: bool = True
    """False for `check`: everything is made and checked, nothing is written."""
    strict: bool = False
    search: bool = True
    """False leaves the search index out (benchmarks, serve before its deferred index)."""


@dataclass
class Outcome:
    """What a build did."""

    diagnostics: list[Diagnostic]
    letters: int = 0
    entries: dict[str, int] = field(default_factory=dict)
    """Register -> its number of entries."""
    made: list[str] = field(default_factory=list)
    """The files written (or, for check, that would be)."""
    removed: list[str] = field(default_factory=list)
    analysed: list[str] = field(default_factory=list)
    """The record files read and analysed again."""
    unchanged: bool = False
    """Nothing had changed since the last build."""
    written: bool = False
    search_pending: bool = False
    """The pages changed but the search index was left for later (Options.search False)."""
    seconds: float = 0.0
    first: bool = False
    """The store was empty: every record was read (a first or clean build)."""
    fresh_paths: set[str] = field(default_factory=set)
    """The input files this build read anew (their diagnostics are news)."""


# --- reading the inputs --------------------------------------------------------------------------

def _stat(path: str | Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _settled(stat: tuple[int, int, int] | None) -> tuple[int, int, int] | None:
    """The stat to keep: None for a file changed a moment ago (read it again next time)."""
    if stat is None or time.time_ns() - stat[1] < SETTLED_NS:
        return None
    return stat


def _read_state(path: Path, store: Store, parse: Callable[[str, str], tuple[Any, list]],
                fresh: dict[str, FileState]) -> FileState | None:
    """edition.yaml or a register file: from the store when unchanged, else read and parsed."""
    shown = fs.display_path(path)
    stat = _stat(path)
    if stat is None:
        return None
    known = store.files.get(shown)
    if known is not None and known.stat == stat:
        fresh[shown] = known
        return known
    text, diags = fs.read_text(path, shown)
    if text is None:
        state = FileState(_settled(stat), "", None, tuple(diags))
    else:
        value, d = parse(text, shown)
        state = FileState(_settled(stat), digest(text), value, tuple(diags + d))
    fresh[shown] = state
    return state


def build_date() -> tuple[str | None, list[Diagnostic]]:
    """The build date from SOURCE_DATE_EPOCH (reproducible builds), or None: never the clock."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return None, []
    try:
        stamp = datetime.datetime.fromtimestamp(int(value), tz=datetime.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None, [error("SOURCE_DATE_EPOCH", 1, f"'{value}' is not a number of seconds since "
                            "1970-01-01; unset it or give a whole number", "source-date-epoch")]
    return stamp.date().isoformat(), []


def load_templates(folder: Path) -> tuple[dict[str, str], dict[str, bytes], list[Diagnostic]]:
    """The page templates (*.html) and the assets (assets/*) of a templates folder."""
    diags: list[Diagnostic] = []
    templates: dict[str, str] = {}
    assets: dict[str, bytes] = {}
    if not folder.is_dir():
        return {}, {}, [error(fs.display_path(folder), 1, "templates folder not found",
                              "templates-missing")]
    for path in sorted(folder.glob("*.html")):
        text, d = fs.read_text(path, fs.display_path(path))
        diags += d
        if text is not None:
            templates[path.name] = text
    asset_folder = folder / "assets"
    if asset_folder.is_dir():
        for path in sorted(asset_folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                try:  # an unreadable asset is one diagnostic line, not a traceback
                    data = fs.read_bytes(path)
                except EpistolaError as exc:
                    diags.append(exc.diagnostic)
                    continue
                if data is not None:
                    assets[path.relative_to(asset_folder).as_posix()] = data
    return templates, assets, diags


_REFERENCE = re.compile(r"""{%-?\s*(?:extends|include|import|from)\s+(?:"([^"]*)"|'([^']*)'|(\S+))""")


def template_closures(templates: dict[str, str]) -> dict[str, str]:
    """Template name -> digest of it and every template it extends, includes or imports; a
    reference that is not a plain name counts as every template."""
    refs: dict[str, set[str] | None] = {}
    for name, source in templates.items():
        found: set[str] | None = set()
        for m in _REFERENCE.finditer(source):
            target = m.group(1) or m.group(2)
            if target is None:
                found = None
                break
            found.add(target)
        refs[name] = found
    out = {}
    for name in templates:
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            found = refs.get(current, set())
            if found is None:
                seen = set(templates)
                break
            todo += [t for t in found if t in templates]
        out[name] = digest(*[(t, templates[t]) for t in sorted(seen)])
    return out


# --- the recipe ----------------------------------------------------------------------------------

class _Build:
    """One run of the recipe: what it read, what it made."""

    def __init__(self, options: Options, store: Store):
        self.o = options
        self.store = store
        self.diags: list[Diagnostic] = []
        self.outcome = Outcome([])

    # reading and analysing --------------------------------------------------------------------

    def read(self) -> Site | None:
        o, store = self.o, self.store
        self.outcome.first = not store.records
        files: dict[str, FileState] = {}
        edition_path = o.editions / "edition.yaml"
        state = _read_state(edition_path, store, parse_edition, files)
        if state is None:
            self.diags.append(error(fs.display_path(edition_path), 1, "edition.yaml is missing",
                                    "edition-missing"))
            return None
        self.diags += state.diagnostics
        edition: Edition | None = state.value
        if edition is None:
            return None
        entries: list[Person] = []
        paths: dict[str, str] = {}
        for register in REGISTERS:
            path = o.editions / f"{register}.yaml"
            paths[register] = fs.display_path(path)

            def parse(text: str, shown: str, register: str = register) -> tuple[Any, list]:
                return parse_register(text, shown, register)

            state = _read_state(path, store, parse, files)
            if state is not None:
                self.diags += state.diagnostics
                entries += state.value or []
        self.outcome.fresh_paths |= {shown for shown, state in files.items()
                                     if store.files.get(shown) is not state}
        store.files = files
        names, d = name_index(entries, paths)
        self.diags += d
        self.entries = entries
        self.names = names
        self.register_paths = paths
        self.entry_digests = {(e.register, e.ref): digest(e) for e in entries}
        self.names_digest = digest(tuple(sorted(names.targets.items())))
        self.edition = edition
        self.edition_digest = digest(edition)
        context = digest(self.names_digest, edition.year)

        records: dict[str, RecordState] = {}
        self.readings: dict[str, Reading] = {}
        self.paths_of: dict[str, str] = {}  # letter id -> record file (shown)
        for path, shown in fs.letter_files(o.editions):
            stat = _stat(path)
            known = store.records.get(shown)
            if known is not None and stat is not None and known.stat == stat \
                    and known.names == context:
                records[shown] = known
                continue
            text, d = fs.read_text(Path(path), shown)
            if text is None:
                records[shown] = RecordState(None, "", context, None, "", "", tuple(d))
                continue
            text_digest = digest(text)
            if known is not None and known.text == text_digest and known.names == context:
                known.stat = _settled(stat)
                records[shown] = known
                continue
            records[shown] = self.analyse(text, shown, _settled(stat), text_digest, context)
            self.outcome.analysed.append(shown)
        store.records = records
        self.outcome.fresh_paths |= set(self.outcome.analysed)
        summaries = []
        for shown, state in records.items():
            self.diags += state.diagnostics
            if state.summary is not None:
                summaries.append(state.summary)
                self.paths_of.setdefault(state.summary.id, shown)
        corpus, d = build_corpus(edition, summaries, entries, paths)
        self.diags += d
        self.diags += check_corpus(corpus, fs.display_path(edition_path))
        self.summary_digests = {state.summary.id: state.summary_digest
                                for state in records.values() if state.summary is not None}
        self.reading_digests = {state.summary.id: state.reading_digest
                                for state in records.values() if state.summary is not None}
        self.outcome.letters = len(corpus.letters)
        self.outcome.entries = {r: len(corpus.registers.get(r, {})) for r in REGISTERS
                                if (o.editions / f"{r}.yaml").exists()}

        templates, assets, d = load_templates(o.templates)
        self.diags += d
        date, d = build_date()
        self.diags += d
        self.diags += check_edition_files(edition, fs.display_path(edition_path), date)
        self.templates = templates
        self.closures = template_closures(templates)
        self.asset_digests = {name: digest(data) for name, data in assets.items()}
        return Site(corpus, self.reading, date, templates, assets, names)

    def analyse(self, text: str, shown: str, stat: tuple[int, int, int] | None,
                text_digest: str, context: str) -> RecordState:
        letter, diags = parse_letter(text, shown)
        if letter is None:
            return RecordState(stat, text_digest, context, None, "", "", tuple(diags))
        reading, summary, d = analyse(letter, self.names)
        diags += d
        diags += check_letter(reading, self.edition.year)
        self.readings[letter.id] = reading
        return RecordState(stat, text_digest, context, summary, digest(summary),
                           digest(text_digest, shown, self.names_digest), tuple(diags))

    def reading(self, letter_id: str) -> Reading:
        """A letter's text: as analysed in this build, or read and analysed again."""
        found = self.readings.get(letter_id)
        if found is not None:
            return found
        shown = self.paths_of[letter_id]
        path = self.o.editions / "letters" / Path(shown).name
        text, d = fs.read_text(path, shown)
        if text is None:
            raise EpistolaError(d[0])
        letter, d = parse_letter(text, shown)
        if letter is None:
            raise EpistolaError(d[0])
        found = self.readings[letter_id] = analyse(letter, self.names)[0]
        return found

    # what changed ---------------------------------------------------------------------------

    def fingerprint(self, site: Site, fact: tuple) -> Any:
        family, key = fact
        try:
            if family == "letter":
                return self.summary_digests[key]
            if family == "reading":
                return self.reading_digests[key]
            if family == "entry":
                return self.entry_digests.get(key)
            if family == "edition":
                return self.edition_digest
            if family == "names":
                return self.names_digest
            if family == "template":
                return self.closures.get(key)
            if family == "asset":
                return self.asset_digests.get(key)
            return site.read(family, key)
        except KeyError:
            return _MISSING

    def changed_facts(self, site: Site) -> set[tuple]:
        return {fact for fact, before in self.store.facts.items()
                if self.fingerprint(site, fact) != before}

    # making -----------------------------------------------------------------------------------

    def make(self, site: Site) -> dict[str, bytes]:
        """The files whose facts changed (every file, with an empty store), as {path: bytes};
        the store's pages and facts brought up to date."""
        store = self.store
        changed = self.changed_facts(site)
        env = environment(site.templates)
        facts: dict[tuple, Any] = {}
        pages: dict[str, tuple[tuple, str]] = {}
        files: dict[str, bytes] = {}

        def stale(path: str) -> bool:
            known = store.pages.get(path)
            return known is None or any(fact in changed for fact in known[0])

        def make_one(path: str, make: Callable[[Callable[..., Any]], bytes],
                     template: str | None = None) -> bytes | None:
            read_facts: dict[tuple, None] = {}
            if template is not None:
                read_facts[("template", template)] = None

            def read(family: str, key: Hashable = "") -> Any:
                read_facts[(family, key)] = None
                return site.read(family, key)

            try:
                data = make(read)
            except TemplateError as exc:
                self.diags.append(template_diagnostic(exc, template or path,
                                                      fs.display_path(self.o.templates)))
                return None
            deps = tuple(read_facts)
            for fact in deps:
                if fact not in facts:
                    facts[fact] = self.fingerprint(site, fact)
            pages[path] = (deps, digest(data))
            return data

        def keep(path: str) -> None:
            deps, made = store.pages[path]
            pages[path] = (deps, made)
            for fact in deps:
                if fact not in facts:
                    facts[fact] = store.facts.get(fact)

        read_all = site.read  # (what exists is not a page's dependency)
        for kind, key, path in pages_of(read_all, site.templates):
            if not stale(path):
                keep(path)
                continue
            data = make_one(path, lambda read: kind.make(read, key, env), kind.template)
            if data is not None and (path not in store.pages or store.pages[path][1] != pages[path][1]):
                files[path] = data
        for joined in JOINED:
            self.join(site, joined, stale, make_one, keep, files, pages)
        self.facts, self.pages = facts, pages
        return files

    def join(self, site: Site, joined: Joined, stale: Callable[[str], bool],
             make_one: Callable, keep: Callable, files: dict[str, bytes],
             pages: dict[str, tuple[tuple, str]]) -> None:
        """A data file joined from pieces: the pieces whose facts changed are made again, the
        others are taken from the file as the last build wrote it."""
        store = self.store
        frame_path = f"{joined.path}#"
        frame: dict[str, Any] = {}

        def make_frame(read: Callable[..., Any]) -> bytes:
            exists = joined.exists(read)
            items = tuple(joined.items(read)) if exists else ()
            frame["exists"], frame["items"] = exists, items
            if not exists:
                return b""
            if not items:
                return joined.empty(read)
            frame["head"], frame["tail"] = joined.head(read), joined.tail(read)
            return frame["head"] + b"\0" + frame["tail"]

        if make_one(frame_path, make_frame) is None:
            return
        if not frame["exists"]:
            return
        if not frame["items"]:
            data = joined.empty(site.read)
            if store.pages.get(joined.path, ((), None))[1] != digest(data):
                files[joined.path] = data
            pages[joined.path] = ((), digest(data))
            return
        old_places = {item: (start, size) for item, start, size in store.joined.get(joined.path, ())}
        old_file = None
        pieces: list[bytes] = []
        places: list[tuple[Any, int, int]] = []
        any_made = store.pages.get(frame_path, ((), None))[1] != pages[frame_path][1]
        at = len(frame["head"])
        for item in frame["items"]:
            piece_path = f"{joined.path}#{item}"
            piece = None
            if not stale(piece_path) and item in old_places:
                if old_file is None:
                    old_file = self._old_file(joined.path)
                start, size = old_places[item]
                if old_file is not None and start + size <= len(old_file):
                    piece = old_file[start:start + size]
                    keep(piece_path)
            if piece is None:
                piece = make_one(piece_path, lambda read, item=item: joined.piece(read, item))
                if piece is None:
                    return
                any_made = True
            if pieces:
                at += len(joined.between)
            pieces.append(piece)
            places.append((item, at, len(piece)))
            at += len(piece)
        self.joined[joined.path] = tuple(places)
        if not any_made and tuple(i for i, _, _ in places) == tuple(
                i for i, _, _ in store.joined.get(joined.path, ())) and joined.path in store.pages:
            pages[joined.path] = store.pages[joined.path]
            return
        data = frame["head"] + joined.between.join(pieces) + frame["tail"]
        made = digest(data)
        if store.pages.get(joined.path, ((), None))[1] != made:
            files[joined.path] = data
        pages[joined.path] = ((), made)

    def _old_file(self, path: str) -> bytes | None:
        try:
            return (self.o.out / path).read_bytes()
        except OSError:
            return None

    # the whole --------------------------------------------------------------------------------

    def run(self) -> Outcome:
        started = time.perf_counter()
        o, store = self.o, self.store
        self.joined: dict[str, tuple] = {}
        site = self.read()
        outcome = self.outcome
        if site is None:
            outcome.diagnostics = sorted(set(self.diags))
            return outcome
        files = self.make(site)
        diags = sorted(set(self.diags))
        outcome.diagnostics = diags
        made_paths = {path for path in self.pages if "#" not in path}
        removed = sorted(path for path in store.pages if "#" not in path and path not in made_paths)
        outcome.made = sorted(files)
        outcome.removed = removed
        if not o.write or has_errors(diags, o.strict):
            outcome.seconds = time.perf_counter() - started
            return outcome
        staged = not store.pages or not o.out.is_dir()
        writer = Writer(o.out, staged)
        try:
            if staged:  # (the whole site, since the folder is new)
                refused = fs.foreign_entries(o.out, made_paths)
                if refused is not None:
                    writer.abort()
                    outcome.diagnostics = sorted({*diags, refused})
                    return outcome
            for path in sorted(files):
                writer.put(path, files[path])
            for path in removed:
                writer.remove(path)
            if staged and o.search:
                self.index(writer.folder, changed=None)
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        outcome.written = True
        store.pages, store.facts, store.joined = self.pages, self.facts, self.joined
        if not staged and (files or removed):
            if o.search:
                self.index(o.out, changed=[p for p in files if p.endswith("index.html")])
            else:
                outcome.search_pending = True
        store.diagnostics = tuple(outcome.diagnostics)
        outcome.seconds = time.perf_counter() - started
        return outcome

    def index(self, folder: Path, changed: list[str] | None) -> None:
        from .index import index_site
        found = index_site(folder, self.o.out)
        self.outcome.diagnostics = sorted(set(self.outcome.diagnostics) | set(found))


def build(editions: Path, out: Path, templates: Path | None = None, strict: bool = False,
          search: bool = True) -> Outcome:
    """`build`: bring the site in `out` up to date with the editions, under the build lock,
    and keep the store for the next build."""
    options = Options(editions, out, templates or DEFAULT_TEMPLATES, write=True, strict=strict,
                      search=search)
    _no_editions(editions)
    fs.check_out_folder(out, {"editions": editions, "templates": options.templates},
                        "data/letters.json")
    try:
        with fs.build_lock(out):
            outcome, store = run(options)
            if outcome.written:
                try:
                    stores.save(out, store)
                except OSError as exc:  # the site is built: only the next build does more work
                    outcome.diagnostics.append(warning(
                        fs.display_path(stores.store_path(out)), 1, f"the build store was not "
                        f"saved ({exc.strerror or exc}); the site is built, and the next build "
                        "makes every page again", "store-unsaved"))
                    stores.forget(out)
    except OSError as exc:
        raise EpistolaError(stopped_by(exc, out)) from None
    return outcome


def check(editions: Path, out: Path, templates: Path | None = None,
          strict: bool = False) -> Outcome:
    """`check`: every check of a build, and every page made, with nothing written."""
    options = Options(editions, out, templates or DEFAULT_TEMPLATES, write=False, strict=strict)
    _no_editions(editions)
    try:
        return run(options)[0]
    except OSError as exc:
        raise EpistolaError(stopped_by(exc, out)) from None


def _no_editions(editions: Path) -> None:
    if not editions.is_dir():
        raise EpistolaError(error(fs.display_path(editions), 1, "editions folder not found; run "
                                  "'python build.py ingest SOURCE' first or pass --editions DIR",
                                  "no-editions"))


def stopped_by(exc: OSError, out: Path) -> Diagnostic:
    """The line that reports a build stopped by the system (a full disk, a folder it may not
    write): the site is still the one before, as nothing was renamed into it."""
    path = exc.filename if isinstance(exc.filename, (str, bytes, os.PathLike)) else out
    hint = _SYSTEM_HINTS.get(exc.errno, "")
    return error(fs.display_path(Path(os.fsdecode(path))), 1,
                 f"{exc.strerror or exc}; the build stopped and left {fs.display_path(out)} as "
                 f"it was{hint}", "io")


_SYSTEM_HINTS = {
    errno.ENOSPC: ": free some space and build again",
    errno.EDQUOT: ": free some space and build again",
    errno.EACCES: ": check who may write there",
    errno.EPERM: ": check who may write there",
    errno.EROFS: ": build into a folder on a writable disk (--out)",
}


def run(options: Options, store: Store | None = None) -> tuple[Outcome, Store]:
    """Check or build (Options.write) with the store given (serve keeps one in memory), or with
    the one kept beside the site. Returns what the build did and the store it leaves, which the
    caller saves (keep) after a build that wrote."""
    notices: list[Diagnostic] = []
    if store is None:
        store, notices = stores.load(options.out)
    build = _Build(options, store)
    outcome = build.run()
    outcome.diagnostics = sorted(set(outcome.diagnostics) | set(notices))
    return outcome, store
