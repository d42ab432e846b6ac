"""The search index: Pagefind bundles written into a built site, with no network and no server.

Letters are indexed in one bundle per year (`pagefind/years/<year>/`), the register in its own
(`pagefind/register/`). The search page reads `pagefind/bundles.json`, opens one Pagefind
instance per bundle and joins their results itself: per-year bundles already come back in date
order, so joining them in year order gives the whole edition in date order, which Pagefind's own
`mergeIndex` does not keep (it re-sorts merged results by score).

Indexing year by year keeps the indexer's memory bounded by the largest year rather than the
whole edition, and lets a rebuild copy every bundle whose pages did not change from the site it
replaces: an edited letter re-indexes its own year only.

What goes into the index is said by the pages themselves, with Pagefind's attributes:
`data-pagefind-body` around the letter text and notes (navigation, headers and footers stay
outside it), `data-pagefind-meta` for title, number, date and the names a letter can be found
by, `data-pagefind-filter` for the facets and `data-pagefind-sort="date:…"` for date order.
"""

from __future__ import annotations

import concurrent.futures
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

import cbor2

from .diagnostics import Diagnostic, error, warning
from .fs import display_path, link_or_copy
from .model import LETTER_ID, PERSON_REF

#: Where the bundles and their manifest live, relative to the site root.
PAGEFIND_DIR = "pagefind"
MANIFEST = "bundles.json"
#: Bundle of letters without a year.
UNDATED = "undated"
#: What a bundle keeps of what Pagefind writes: its index. The files the browser runs are kept
#: once, in pagefind/ (the script and the highlighter), and in the first bundle, which the search
#: page opens first and Pagefind loads its worker and WebAssembly from. Pagefind's prebuilt user
#: interfaces are not used.
_KEEP = re.compile(r"^(pagefind-entry\.json|pagefind\..+\.pf_meta)$")
_RUNTIME = re.compile(r"^(pagefind\.js|pagefind-highlight\.js|pagefind-worker\.js|wasm\..+\.pagefind)$")
_FIRST_BUNDLE = re.compile(r"^(pagefind-worker\.js|wasm\..+\.pagefind)$")
_KEEP_DIRS = ("index", "fragment", "filter")
_LETTER_PAGE = re.compile(rf"^letters/({LETTER_ID.pattern})/index\.html$")
_REGISTER_PAGE = re.compile(rf"^persons/({PERSON_REF.pattern})/index\.html$")
_SORT_DATE = re.compile(rb'data-pagefind-sort="date:([^"]*)"')
#: Most pages indexed in one Pagefind run. Pagefind holds about 1 MB a letter page while it
#: indexes, so a year with more letters than this is split, in date order, to stay under 1 GB.
MAX_BUNDLE = 800
_HTML_LANG = re.compile(rb'<html[^>]*\slang="([A-Za-z]{2,3})(?:-[A-Za-z0-9-]+)?"')


@dataclass(frozen=True, slots=True)
class Bundle:
    """One Pagefind index: a set of pages indexed together into one folder."""

    name: str
    """"register", a year ("1923") or "undated"; "1923-2" for the second part of a large year."""
    kind: str
    """"letters" or "register"."""
    folder: str
    """Folder of the bundle relative to the site root, with a trailing slash."""
    pages: tuple[str, ...]
    """The HTML files of the bundle, relative to the site root, sorted."""
    digest: str
    """Hash of everything the bundle is made from: pages, language and indexer version."""


#: How canonicalise_bundle writes a bundle: a bundle written another way (by an older Epistola)
#: is indexed again, not reused, so that an incremental build still equals a clean one.
CANONICAL_FORM = 2


def pagefind_version() -> str:
    try:
        from importlib.metadata import version
        return version("pagefind-bin")
    except Exception:  # noqa: BLE001 - the version only keys the reuse of old bundles
        return "unknown"


def plan_bundles(pages: Mapping[str, bytes], language: str, version: str,
                 limit: int = MAX_BUNDLE) -> list[Bundle]:
    """Which pages go into which bundle (pure).

    `pages` maps each letter and register page (relative path) to its bytes. A letter goes into
    the bundle of the year its `data-pagefind-sort="date:…"` starts with; register pages into
    "register". Bundles come in the order the search page joins them: years ascending, letters
    without a year after them, the register last. A group of more than `limit` pages is split
    into parts of `limit` in sort order ("1923-1", "1923-2"), so joining the parts keeps it.
    """
    groups: dict[str, list[tuple[bytes, str]]] = {}
    for path in sorted(pages):
        if _LETTER_PAGE.match(path):
            m = _SORT_DATE.search(pages[path])
            key = m.group(1) if m else b"9999"
            year = key[:4].decode() if key[:4].isdigit() and key[:4] != b"9999" else UNDATED
            groups.setdefault(year, []).append((key, path))
        elif _REGISTER_PAGE.match(path):
            groups.setdefault("register", []).append((b"", path))
    order = sorted((g for g in groups if g.isdigit()), key=int)
    order += [g for g in (UNDATED, "register") if g in groups]
    bundles = []
    for group in order:
        members = [path for _, path in sorted(groups[group])]
        parts = [members[i:i + limit] for i in range(0, len(members), limit)]
        for i, part in enumerate(parts, start=1):
            name = group if len(parts) == 1 else f"{group}-{i}"
            h = hashlib.sha256(f"{version}\n{language}\n".encode())
            for path in part:
                h.update(path.encode() + b"\n" + hashlib.sha256(pages[path]).digest())
            kind = "register" if group == "register" else "letters"
            folder = f"{PAGEFIND_DIR}/{name}/" if kind == "register" else f"{PAGEFIND_DIR}/years/{name}/"
            bundles.append(Bundle(name, kind, folder, tuple(part), h.hexdigest()))
    return bundles


def manifest(bundles: Iterable[Bundle], language: str) -> bytes:
    """pagefind/bundles.json: what the search page loads, in the order it joins results."""
    data = {
        "language": language,
        "bundles": [{"name": b.name, "path": b.folder.removeprefix(PAGEFIND_DIR + "/"),
                     "kind": b.kind,
                     "pages": len(b.pages), "digest": b.digest} for b in bundles],
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode()


def glob_for(pages: Iterable[str]) -> str:
    """A Pagefind --glob matching exactly these pages."""
    pages = list(pages)
    if len(pages) == 1:
        return pages[0]
    return "{" + ",".join(pages) + "}"


def _site_pages(site_dir: Path) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    for sub in ("letters", "persons"):
        for path in sorted((site_dir / sub).glob("*/index.html")):
            rel = path.relative_to(site_dir).as_posix()
            if _LETTER_PAGE.match(rel) or _REGISTER_PAGE.match(rel):
                pages[rel] = path.read_bytes()
    return pages


def _site_language(site_dir: Path) -> str:
    """The language the search page asks Pagefind for: its own `<html lang>`."""
    for page in ("search/index.html", "index.html"):
        path = site_dir / page
        if path.is_file():
            m = _HTML_LANG.search(path.read_bytes()[:2048])
            if m:
                return m.group(1).decode().lower()
    return "en"


def _previous_site(site_dir: Path) -> Path | None:
    """The site a build in the staging folder `.site.new` replaces (`site`), if there is one."""
    name = site_dir.name
    if name.startswith(".") and name.endswith(".new"):
        live = site_dir.parent / name[1:-4]
        if live.is_dir():
            return live
    return None


def _old_bundles(previous: Path | None) -> dict[str, Path]:
    """Bundle digest -> the previous site's copy of that bundle (made from exactly the same
    input), for the bundles it holds."""
    if previous is None:
        return {}
    try:
        old = json.loads((previous / PAGEFIND_DIR / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = {}
    for entry in old.get("bundles", []) if isinstance(old, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("digest"), str):
            folder = previous / PAGEFIND_DIR / str(entry.get("path", ""))
            if (folder / "pagefind-entry.json").is_file():
                found[entry["digest"]] = folder
    return found


def _prune(folder: Path, runtime: Path) -> None:
    """Leave in a fresh bundle only its index: move the files the browser runs to `runtime`
    (once), and drop Pagefind's prebuilt UIs and the WebAssembly of unused languages."""
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    wasm = {f"wasm.{info['wasm']}.pagefind" for info in entry["languages"].values()}
    for item in sorted(folder.iterdir()):
        if item.is_dir():
            if item.name not in _KEEP_DIRS:
                shutil.rmtree(item)
        elif _KEEP.match(item.name):
            continue
        elif _RUNTIME.match(item.name) and (not item.name.startswith("wasm.") or item.name in wasm) \
                and not (runtime / item.name).exists():
            item.rename(runtime / item.name)
        else:
            item.unlink()


def _run_pagefind(site_dir: Path, bundle: Bundle, language: str, out: Path,
                  interrupted: Callable[[], bool] | None = None) -> str | None:
    """Index one bundle with the pinned Pagefind binary. Returns an error message or None."""
    try:
        from pagefind_bin import get_executable
        binary = str(get_executable())
    except (ImportError, FileNotFoundError):
        return "the Pagefind binary was not found; install the pinned version with pip install 'pagefind[bin]==1.5.2'"
    out = out.resolve()
    args = [binary, "--site", str(site_dir.resolve()), "--glob", glob_for(bundle.pages),
            "--output-path", str(out), "--force-language", language, "--silent"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    try:
        proc = subprocess.Popen(args, cwd=site_dir, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        return f"cannot run Pagefind: {exc.strerror}"
    with proc:
        while True:
            try:
                stdout, stderr = proc.communicate(timeout=None if interrupted is None else 0.5)
                break
            except subprocess.TimeoutExpired:
                if interrupted():
                    proc.kill()
                    proc.communicate()
                    raise Interrupted from None
    if proc.returncode != 0:
        lines = [l for l in (stderr + stdout).splitlines() if l.strip()]
        return f"Pagefind failed on the {bundle.name} bundle: {lines[-1] if lines else proc.returncode}"
    return None


class Interrupted(Exception):
    """index_site stopped because its caller asked it to."""


def index_site(site_dir: Path, previous: Path | None = None, output: Path | None = None,
               interrupted: Callable[[], bool] | None = None) -> list[Diagnostic]:
    """Write the Pagefind index of a built site into site_dir/pagefind/ (or into `output`).

    `previous` is the site this build replaces; bundles whose pages are unchanged are taken from
    it (hard-linked: no file of an index is ever written again in place) instead of being indexed
    again. By default it is the live site beside a staging folder named `.site.new`. `output`
    lets the index of a live site be made beside it and swapped in afterwards (serve).
    `interrupted` is asked between bundles and while Pagefind runs; when it says so, Pagefind
    is stopped and Interrupted raised (the output folder is then left unfinished).
    """
    shown = display_path(site_dir / PAGEFIND_DIR)
    pages = _site_pages(site_dir)
    if not pages:
        return [warning(shown, 1, "no letter or register pages to index; the search page will "
                                  "find nothing", "search-empty")]
    language = _site_language(site_dir)
    bundles = plan_bundles(pages, language, f"{pagefind_version()} {CANONICAL_FORM}",
                           MAX_BUNDLE)
    del pages
    if previous is None:
        previous = _previous_site(site_dir)
    root = output if output is not None else site_dir / PAGEFIND_DIR
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    old_bundles = _old_bundles(previous)
    diags: list[Diagnostic] = []
    # each bundle is canonicalised in a thread while Pagefind indexes the next one
    with concurrent.futures.ThreadPoolExecutor(1) as canonicaliser:
        made: list[tuple[Bundle, concurrent.futures.Future]] = []
        for bundle in bundles:
            if interrupted is not None and interrupted():
                raise Interrupted
            target = root / bundle.folder[len(PAGEFIND_DIR) + 1:]
            old = old_bundles.get(bundle.digest)
            if old is not None:
                shutil.copytree(old, target, copy_function=link_or_copy,
                                ignore=lambda _, names: [n for n in names if _RUNTIME.match(n)])
                continue
            problem = _run_pagefind(site_dir, bundle, language, target, interrupted)
            if problem is not None:
                diags.append(error(shown, 1, problem, "search-index"))
                return diags
            _prune(target, root)
            made.append((bundle, canonicaliser.submit(canonicalise_bundle, target)))
        for bundle, done in made:
            try:
                done.result()
            except (ValueError, KeyError, IndexError, TypeError, cbor2.CBORError) as exc:
                diags.append(warning(shown, 1, f"the {bundle.name} bundle is left as Pagefind "
                                     f"wrote it and may differ from build to build ({exc})",
                                     "search-unstable"))
    if not (root / "pagefind.js").exists() and previous is not None:  # every bundle was reused
        for item in sorted((previous / PAGEFIND_DIR).iterdir()):
            if item.is_file() and _RUNTIME.match(item.name):
                link_or_copy(item, root / item.name)
    first = root / bundles[0].folder[len(PAGEFIND_DIR) + 1:]
    for item in sorted(root.iterdir()):
        if _FIRST_BUNDLE.match(item.name) and not (first / item.name).exists():
            link_or_copy(item, first / item.name)
    (root / MANIFEST).write_bytes(manifest(bundles, language))
    return diags


_SIGNATURE = b"pagefind_dcd"


def _unpack(data: bytes):
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:  # (a file cut short or not gzip at all)
        raise ValueError(f"not a Pagefind data file: {exc}") from None
    if not raw.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind data file")
    return cbor2.loads(raw[len(_SIGNATURE):])


def _pack(value) -> bytes:
    # (level 6, not Pagefind's 9: files 0.4 % larger, made in half the time)
    return gzip.compress(_SIGNATURE + cbor2.dumps(value), compresslevel=6, mtime=0)


def _name(prefix: str, data: bytes, length: int) -> str:
    return f"{prefix}_{hashlib.sha256(data).hexdigest()[:length]}"


def canonicalise_bundle(folder: Path) -> None:
    """Make a bundle byte-identical for identical input, on any machine.

    Pagefind 1.5 numbers the pages in the order it finds them in the folders, which is the file
    system's order (ext4 and tmpfs list the same folder differently), and writes the values of
    each filter in hash-map order, which changes from run to run; the names of the index,
    filter and metadata files are hashes of their content. Here the pages are numbered in the
    order of their fragments' names (hashes of their content) and the numbers replaced wherever
    they stand: in the metadata's page list and sort orders (which hold distinct values: each
    letter's date sort key ends with its number or id), in the index (each word's pages and
    those of its other forms) and in the filters, whose values are sorted too. The files are
    then renamed after their new content. Everything else Pagefind writes is already stable.
    The files are read with the codec Pagefind uses (gzip around CBOR), and all are read and
    checked before the first is written: a file of another shape raises ValueError (or
    KeyError, IndexError, TypeError) and leaves the bundle as Pagefind wrote it.
    """
    entry_path = folder / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    gone: list[Path] = []
    made: dict[Path, bytes] = {}
    for language, info in entry["languages"].items():
        meta_path = folder / f"pagefind.{info['hash']}.pf_meta"
        meta = _unpack(meta_path.read_bytes())
        _version, pages, chunks, filters, sorts = meta[:5]
        order = sorted(range(len(pages)), key=lambda i: (pages[i][0], i))
        number = {old: new for new, old in enumerate(order)}
        meta[1] = [pages[i] for i in order]
        meta[4] = [[name, [number[p] for p in listed]] for name, listed in sorts]
        names: set[str] = set()
        for chunk in chunks:
            path = folder / "index" / f"{chunk[2]}.pf_index"
            [words] = _unpack(path.read_bytes())
            for word in words:
                word[1] = _renumbered(word[1], number)
                for variant in word[2]:
                    variant[1] = _renumbered(variant[1], number)
                word[2].sort(key=lambda variant: variant[0])  # (Pagefind: as it met them)
            chunk[2] = _moved(path, _pack([words]), language, 7, ".pf_index", names, gone, made)
        renamed = []
        for filter_name, chunk in filters:
            path = folder / "filter" / f"{chunk}.pf_filter"
            name, values = _unpack(path.read_bytes())
            values = sorted([value, sorted(number[p] for p in listed)] for value, listed in values)
            renamed.append([filter_name, _moved(path, _pack([name, values]), language, 7,
                                                ".pf_filter", names, gone, made)])
        meta[3] = sorted(renamed)
        info["hash"] = _moved(meta_path, _pack(meta), language, 10, ".pf_meta", names, gone, made)
    for path in gone:
        path.unlink()
    for path, data in made.items():
        path.write_bytes(data)
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
                          encoding="utf-8")


def _renumbered(pages: list, number: dict[int, int]) -> list:
    """A word's pages ([page, positions, positions in the metadata]) under their new numbers,
    in the order of those numbers. Each page stands as the difference to the page before it,
    as Pagefind writes them."""
    at, absolute = 0, []
    for page in pages:
        at += page[0]
        absolute.append([number[at], *page[1:]])
    absolute.sort(key=lambda page: page[0])
    before = 0
    for page in absolute:
        page[0], before = page[0] - before, page[0]
    return absolute


def _moved(path: Path, data: bytes, language: str, length: int, suffix: str, names: set[str],
           gone: list[Path], made: dict[Path, bytes]) -> str:
    """Plan to replace `path` by a file named after `data` (lengthened, as Pagefind does, if
    the name is taken); the new name."""
    name = _name(language, data, length)
    while name in names:
        length += 1
        name = _name(language, data, length)
    names.add(name)
    gone.append(path)
    prefix = "pagefind." if suffix == ".pf_meta" else ""
    made[path.with_name(f"{prefix}{name}{suffix}")] = data
    return name
