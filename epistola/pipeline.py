"""The build, as one recipe: read every record, take the inventory, check it, render everything in
memory, and only then write, into a fresh folder swapped in when all went well.

    load_editions -> build_corpus -> checks -> render_site (+ exports) -> write, index, swap in

A build with errors (or warnings, with --strict) writes nothing, so the previous site stays
byte-identical. Builds are incremental (incremental.py): the fresh folder is the site before last,
brought up to date, and only the pages whose inputs changed are rendered again.
"""

from __future__ import annotations

import datetime
import errno
import os
from functools import partial
from typing import Callable
from pathlib import Path

from . import fs
from .corpus import build_corpus
from .diagnostics import Diagnostic, EpistolaError, error, has_errors
from .export import LETTERS_JSON, export_files
from .render import render_site
from .incremental import (BuildCache, cycle_collector_paused, make_files, prefill_memo,
                          unsaved_caches)
from .records import parse_letter, parse_persons
from .search import Interrupted, index_site
from .validate import check_corpus

#: The templates shipped with Epistola.
DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
                try:  # through fs: an unreadable asset is one diagnostic line, not a traceback
                    data = fs.read_bytes(path)
                except EpistolaError as exc:
                    diags.append(exc.diagnostic)
                    continue
                if data is not None:
                    assets[path.relative_to(asset_folder).as_posix()] = data
    return templates, assets, diags


def run_build(editions: Path, out: Path, write: bool = True, strict: bool = False,
              templates: Path | None = None, search: bool = True,
              cache: BuildCache | None = None, incremental: bool = True,
              progress: Callable[[str], None] | None = None,
              defer_search: bool = False, taken: frozenset | None = None,
              prime: bool = False) -> list[Diagnostic]:
    """Build (write=True) or check (write=False) the edition; return every diagnostic.

    A build is incremental (incremental.py): it renders only what changed since the last build
    into `out` and reuses the rest, with a result byte-identical to a clean build. `cache` keeps
    the caches in memory between builds (serve); incremental=False renders everything.
    search=False leaves the search index out (benchmarks). progress, when given, is told each
    stage's name (progress.BUILD_STAGES) as the build reaches it.

    defer_search (serve, with a cache): the new pages and exports go live with the search index
    of the site before, and index_later then makes the new index and swaps it in, so that an
    editor sees a saved letter before Pagefind has indexed its year again. `taken` (serve): the
    snapshot of editions/ and the templates folder (incremental.snapshot) the watcher took a
    moment ago, which the build uses instead of looking at every file again.

    prime (serve, with a cache, while it waits for the first save): everything a build does up
    to writing the site, even when nothing changed, and nothing written to the site: the
    records, the memo and the results over all letters are then in memory for the first save,
    and the spare folder holds the live site (BuildCache.fill_spare).
    """
    with cycle_collector_paused():
        return _run_build(editions, out, write, strict, templates, search, cache, incremental,
                          progress or _no_progress, defer_search, taken, prime)


#: The cache of the last build that made its own: kept after the build, so that a command-line
#: process can end without freeing millions of objects one by one (a second at 10,000 letters;
#: build.py ends with os._exit once everything is written and flushed).
_kept: BuildCache | None = None


def _no_progress(stage: str) -> None:
    pass


def _run_build(editions: Path, out: Path, write: bool, strict: bool, templates: Path | None,
               search: bool, cache: BuildCache | None, incremental: bool,
               progress: Callable[[str], None], defer_search: bool,
               taken: frozenset | None, prime: bool) -> list[Diagnostic]:
    global _kept
    if write and incremental and cache is None:
        cache = _kept = BuildCache(out)
    if not write:
        cache = None
    try:
        if write:
            fs.check_out_folder(out, {"editions": editions,
                                      "templates": templates or DEFAULT_TEMPLATES}, LETTERS_JSON)
        if cache is None or not editions.is_dir():  # (no editions: load_editions says so)
            diags = _build(editions, out, write, strict, templates, search, cache, progress)
        else:
            with fs.build_lock(out):  # the caches describe the site: one build at a time
                diags = _build(editions, out, write, strict, templates, search, cache,
                               progress, defer_search, taken, prime)
    except OSError as exc:  # (a record that cannot be read is a diagnostic of its own)
        raise EpistolaError(stopped_by(exc, out)) from None
    progress("done")
    return diags


def stopped_by(exc: OSError, out: Path) -> Diagnostic:
    """The line that reports a build stopped by the system (a full disk, a folder it may not
    write): the site is still the one before, as every file went to a folder beside it."""
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


def _build(editions: Path, out: Path, write: bool, strict: bool, templates: Path | None,
           search: bool, cache: BuildCache | None, progress: Callable[[str], None],
           defer_search: bool = False, taken: frozenset | None = None,
           prime: bool = False) -> list[Diagnostic]:
    parse, parse_register = parse_letter, parse_persons
    later = search and defer_search and cache is not None
    if later:
        search = False
    folder = templates or DEFAULT_TEMPLATES
    inputs = None
    if cache is not None:
        cache.flush()  # a build before that left its caches unsaved
        cache.save_later = later
        cache.load()
        inputs = cache.read_inputs([editions, folder], search, strict, taken=taken)
        if prime:
            pass  # the work is the point
        elif later and cache.up_to_date(cache.inputs_token(True, strict), True):
            cache.last_made = frozenset()  # nothing changed since the last build with its index
            return list(cache.diagnostics)
        elif cache.up_to_date(inputs, search):  # nothing changed since the last build
            cache.last_made = frozenset()
            if later:  # but it had no index (or not one of these pages)
                cache.search_pending = cache.inputs_token(True, strict)
            return list(cache.diagnostics)
        cache.load_memo()
        parse = partial(cache.parse_letter, parse=parse_letter)
        parse_register = partial(cache.parse_persons, parse=parse_persons)
    progress("reading records")
    if cache is not None:
        cache.read_ahead(editions)
    files, diags = fs.load_editions(editions, parse, parse_register,
                                    cache.known_record if cache is not None else None)
    if files.edition is None:
        return sorted(diags)
    persons_path = fs.display_path(editions / "persons.yaml")
    if cache is not None:
        cache.start(files.persons)
        if files.edition is not None:
            prefill_memo(cache.memo, files.edition, files.letters, files.persons, persons_path)
    progress("checking")
    corpus, d = build_corpus(files.edition, files.letters, files.persons, persons_path,
                             memo=cache.memo if cache is not None else None)
    diags += d
    diags += check_corpus(corpus, persons_path, memo=cache.memo if cache is not None else None)

    progress("rendering pages and exports")
    page_templates, assets, d = load_templates(folder)
    diags += d
    date, d = build_date()
    diags += d
    if cache is not None:
        plan = cache.plan(corpus, page_templates, assets, date)
        made = make_files(plan, corpus, date, page_templates, assets, fs.display_path(folder),
                          cache.memo)
        data, site, clashes = made.data, made.site, made.clashes
        diags += made.diagnostics
    else:
        plan = None
        data, d = export_files(corpus, date)
        diags += d
        site, d = render_site(corpus, page_templates, assets, exports=data.keys(),
                              build_date=date, templates_folder=fs.display_path(folder))
        diags += d
        clashes = data.keys() & site.keys()
    for path in sorted(clashes):
        diags.append(error(path, 1, "an open-data file and a page would be written to the same "
                           "path; rename the template or the export", "path-clash"))
    site = {**data, **site}
    diags = sorted(set(diags))
    if prime and cache is not None and not has_errors(diags, strict):
        cache.fill_spare()
    if not write or has_errors(diags, strict) or prime:
        return diags

    progress("writing the site")
    if plan is not None:
        cache.pending = (inputs, diags)
        found = plan.write(site, out, search, index_site, strict, has_errors, keep_index=later)
        if later and not has_errors(found, strict):
            cache.search_pending = cache.inputs_token(True, strict)
        return sorted(set(diags) | set(found))
    with fs.build_lock(out):
        refused = fs.foreign_entries(out, site)
        if refused is not None:
            return sorted({*diags, refused})
        staging = fs.staging_folder(out)
        try:
            fs.write_tree(staging, site)
            found = index_site(staging) if search else []
        except BaseException:
            fs.discard(staging)
            raise
        diags = sorted(set(diags) | set(found))
        if has_errors(found, strict):
            fs.discard(staging)  # the previous site stays as it was
            return diags
        fs.swap_in(staging, out)
    return diags


def index_later(out: Path, cache: BuildCache, strict: bool = False,
                interrupted: Callable[[], bool] | None = None) -> list[Diagnostic]:
    """After a build with defer_search: make the search index of the live site in the cache
    folder and swap it in for the one the site took over. Returns its diagnostics; with errors
    the site keeps its older index, and the next build makes it again. When `interrupted` says
    so (a newer save), it stops and leaves the index to the next call."""
    try:
        return _index_later(out, cache, strict, interrupted)
    except OSError as exc:
        raise EpistolaError(stopped_by(exc, out)) from None


def _index_later(out: Path, cache: BuildCache, strict: bool,
                 interrupted: Callable[[], bool] | None) -> list[Diagnostic]:
    if cache.unsaved:
        with fs.build_lock(out):  # the caches describe the site: no other build meanwhile
            cache.flush()  # the build's caches, saved after the reload it sent
    inputs, cache.search_pending = cache.search_pending, None
    if inputs is None:
        return []
    with fs.build_lock(out):
        fresh = _index_folder(cache)  # (index_site empties it first)
        swapped = False
        try:
            diags = index_site(out, previous=out, output=fresh, interrupted=interrupted)
            if has_errors(diags, strict):
                return diags
            fs.exchange(fresh, out / "pagefind")
            swapped = True
        except Interrupted:
            cache.search_pending = inputs
            return []
        except OSError:
            cache.search_pending = inputs  # (the next save tries again)
            raise
        finally:
            if not swapped:
                fs.discard(fresh)  # an unfinished or failed index
        # `fresh` now holds the index before: it is removed by the next call or when serve
        # stops, not now, while a save made at this moment waits for the build lock (13,000
        # files at 10,000 letters, 0.09 s)
        try:
            cache.searched(inputs, diags)
        except OSError as exc:  # the new index is live: only the next build does more work
            diags = [*diags, unsaved_caches(exc, cache)]
    return diags


def discard_old_index(cache: BuildCache) -> None:
    """Remove the search index that index_later's last swap took out of the site."""
    fs.discard(_index_folder(cache))


def _index_folder(cache: BuildCache) -> Path:
    """Where index_later makes the new index, which then holds the one it replaced."""
    return cache.folder / "pagefind.new"
