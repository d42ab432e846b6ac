"""The build, as one recipe: read every record, take the inventory, check it, render everything in
memory, and only then write, into a fresh folder swapped in when all went well.

    load_editions -> build_corpus -> checks -> render_site (+ exports) -> write, index, swap in

A build with errors (or warnings, with --strict) writes nothing, so the previous site stays
byte-identical. Builds are incremental (incremental.py): the fresh folder is the site before last,
brought up to date, and only the pages whose inputs changed are rendered again.
"""

from __future__ import annotations

import datetime
import gc
import os
from functools import partial
from typing import Callable
from pathlib import Path

from . import fs
from .corpus import build_corpus
from .diagnostics import Diagnostic, EpistolaError, error, has_errors
from .export import export_files
from .render import render_site
from .incremental import BuildCache, make_files, prefill_memo
from .records import parse_letter, parse_persons
from .search import index_site
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
              progress: Callable[[str], None] | None = None) -> list[Diagnostic]:
    """Build (write=True) or check (write=False) the edition; return every diagnostic.

    A build is incremental (incremental.py): it renders only what changed since the last build
    into `out` and reuses the rest, with a result byte-identical to a clean build. `cache` keeps
    the caches in memory between builds (serve); incremental=False renders everything.
    search=False leaves the search index out (benchmarks). progress, when given, is told each
    stage's name (progress.BUILD_STAGES) as the build reaches it.
    """
    # A build makes millions of small objects and almost no reference cycles: the cycle
    # collector would scan the whole corpus again and again for nothing (seconds at 10,000
    # letters). Reference counting frees the rest as usual.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_build(editions, out, write, strict, templates, search, cache, incremental,
                          progress or _no_progress)
    finally:
        if collecting:
            gc.enable()


def _no_progress(stage: str) -> None:
    pass


def _run_build(editions: Path, out: Path, write: bool, strict: bool, templates: Path | None,
               search: bool, cache: BuildCache | None, incremental: bool,
               progress: Callable[[str], None]) -> list[Diagnostic]:
    if write and incremental and cache is None:
        cache = BuildCache(out)
    if not write:
        cache = None
    if cache is None or not editions.is_dir():  # (no editions: load_editions says so)
        diags = _build(editions, out, write, strict, templates, search, cache, progress)
    else:
        with fs.build_lock(out):  # the caches describe the site: one build at a time from the start
            diags = _build(editions, out, write, strict, templates, search, cache, progress)
    progress("done")
    return diags


def _build(editions: Path, out: Path, write: bool, strict: bool, templates: Path | None,
           search: bool, cache: BuildCache | None, progress: Callable[[str], None]) -> list[Diagnostic]:
    parse, parse_register = parse_letter, parse_persons
    folder = templates or DEFAULT_TEMPLATES
    inputs = None
    if cache is not None:
        cache.load()
        inputs = cache.read_inputs([editions, folder], search, strict)
        if cache.up_to_date(inputs, search):  # nothing changed since the last build
            cache.last_made = frozenset()
            return list(cache.diagnostics)
        cache.load_memo()
        parse = partial(cache.parse_letter, parse=parse_letter)
        parse_register = partial(cache.parse_persons, parse=parse_persons)
    progress("reading records")
    files, diags = fs.load_editions(editions, parse, parse_register)
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
    if not write or has_errors(diags, strict):
        return diags

    progress("writing the site")
    if plan is not None:
        cache.pending = (inputs, diags)
        found = plan.write(site, out, search, index_site, strict, has_errors)
        return sorted(set(diags) | set(found))
    with fs.build_lock(out):
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
