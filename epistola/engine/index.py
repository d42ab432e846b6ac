"""The search index of a built site: Pagefind run over its letter and register pages."""

from __future__ import annotations

from pathlib import Path

from .. import fs
from ..diagnostics import Diagnostic, has_errors
from ..search import PAGEFIND_DIR, Interrupted, index_site as _index_site

__all__ = ["index_site", "update_index", "Interrupted"]


def update_index(folder: Path, out: Path, pages: dict[str, str], written: list[str],
                 removed: list[str], state: dict, fresh: bool,
                 interrupted=None) -> tuple[list[Diagnostic], dict]:
    """Bring the search index in `folder` (the staging folder of a new site when `fresh`, else
    the live site `out`) up to date after a build: `pages` maps every file of the site to the
    digest of its bytes, `written` and `removed` are what the build changed, and `state` is what
    the last call returned (kept in the build store). Returns the diagnostics and the new
    state."""
    diags = index_site(folder, out, interrupted)
    return diags, state


def index_site(folder: Path, out: Path, interrupted=None) -> list[Diagnostic]:
    """Make the search index of the site in `folder`: the staging folder of a new site (the
    index goes in with it), or the live site itself (`out`), whose index is then made beside it
    and swapped in whole. Bundles whose pages did not change are taken from the live index."""
    if folder != out:
        return _index_site(folder, previous=out if out.is_dir() else None,
                           interrupted=interrupted)
    fresh = out.parent / f".{out.name}.pagefind.new"
    fs.discard(fresh)
    swapped = False
    try:
        diags = _index_site(out, previous=out, output=fresh, interrupted=interrupted)
        if has_errors(diags):
            return diags
        fs.exchange(fresh, out / PAGEFIND_DIR)
        swapped = True
    finally:
        fs.discard(fresh)  # (after the exchange: the index before)
    return diags if swapped else diags
