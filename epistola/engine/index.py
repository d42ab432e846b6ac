"""The search index of a built site: Pagefind run over the search documents the build wrote
(pagefind/documents/), its output made canonical (search.py) and written into pagefind/.

One entry, `update_index`, called after every build that wrote something:

- a first or clean build (`fresh`), or one whose stored state does not describe the index on
  disk, indexes every document: the letters in date-ordered segments, one Pagefind run each (so
  that the indexer's memory is bounded by a segment), then the register, then the directory;
- any other build looks at which documents changed and indexes only those, into the small
  *recent* bundle the search page prefers for them; when that bundle holds more than
  search.RECENT_LETTERS letters, the segment most of them belong to is indexed again with them
  and they leave it (a fold). A change to the register indexes the register again. When a
  quarter of the letters changed at once, everything is indexed again.

Every bundle is written into a folder named after its content, which is never written again;
`manifest.json`, written last and atomically, says which folders make the index. The folders of
the index before are kept until the next update (a search page opened before may still ask for
them), then removed.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import cbor2

from .. import fs, search
from ..diagnostics import Diagnostic, error, warning
from ..search import (DOCUMENTS, FORM, MANIFEST, PAGEFIND_DIR, Bundle, Interrupted,
                      Labels, canonical_bundle,
                      directory_bundle, document_info, document_of, facet_table, facet_totals,
                      pack_json, place_of, plan_segments, vocabularies_of_directory)
from .kept import Kept
from .writer import write_file_atomic

__all__ = ["update_index", "Interrupted"]

#: The files the browser runs, kept once in pagefind/.
RUNTIME = ("pagefind.js", "pagefind-worker.js", "pagefind-highlight.js")
#: When this share of the letters changed at once, everything is indexed again.
FULL_SHARE = 0.25
#: Folders of pagefind/ that hold bundles (each bundle a folder named after its content).
GROUPS = ("letters", "recent", "register", "directory", "facets")


def pagefind_version() -> str:
    try:
        from importlib.metadata import version
        return version("pagefind-bin")
    except Exception:  # noqa: BLE001 - the version only keys the stored state
        return "unknown"


@dataclass
class _Segment:
    name: str
    bound: str
    """The lowest key this segment takes ("" for the first)."""
    ids: list[str]
    keys: list[str]


@dataclass
class _State:
    """What the index in pagefind/ holds (kept in the build store between builds)."""

    form: tuple
    language: str
    letters: dict[str, tuple[str, str, tuple]]
    """Letter id -> (digest of its document, its key, its facets) for every letter indexed."""
    segments: list[_Segment]
    recent: list[str]
    """Letters whose document is newer than their segment's (or that have none), in key order."""
    removed: list[str]
    """Letters gone from the edition that a segment still holds."""
    persons: dict[str, str]
    """Person ref -> digest of its document."""
    labels: dict[str, list[str]]
    names: dict[str, str | None] = field(default_factory=dict)
    """Folder of the recent bundle, the register, the directory and the facets file."""
    manifest: str = ""
    """The manifest as written (the index on disk is this state's only while it is)."""
    previous: list[str] = field(default_factory=list)
    """Folders of the index before this one, removed at the next update."""

    def where(self) -> dict[str, tuple[int, int]]:
        found = {}
        for k, segment in enumerate(self.segments):
            for i, letter_id in enumerate(segment.ids):
                found[letter_id] = (k, i)
        return found

    def copy(self) -> "_State":
        """A copy an update may change (its lists and mappings its own; the letters' tuples,
        which no update changes, shared)."""
        return _State(self.form, self.language, dict(self.letters),
                      [_Segment(s.name, s.bound, s.ids, s.keys) for s in self.segments],
                      list(self.recent), list(self.removed), dict(self.persons),
                      {g: list(v) for g, v in self.labels.items()}, dict(self.names),
                      self.manifest, list(self.previous))

    def as_dict(self) -> dict[str, Any]:
        return {"form": self.form, "language": self.language, "letters": self.letters,
                "segments": [(s.name, s.bound, s.ids, s.keys) for s in self.segments],
                "recent": self.recent, "removed": self.removed, "persons": self.persons,
                "labels": self.labels, "names": self.names, "manifest": self.manifest,
                "previous": self.previous}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "_State":
        return cls(tuple(data["form"]), data["language"], dict(data["letters"]),
                   [_Segment(*s) for s in data["segments"]], list(data["recent"]),
                   list(data["removed"]), dict(data["persons"]), dict(data["labels"]),
                   dict(data["names"]), data["manifest"], list(data["previous"]))


def _form() -> tuple:
    return (FORM, pagefind_version(), search.SEGMENT_LETTERS)


# --- the entry -----------------------------------------------------------------------------------

def search_documents(pages: Mapping[str, tuple[bytes, str]],
                     listed: tuple[tuple[int, Any, str], ...]) -> dict[str, str]:
    """The search documents among a build's pages (store.Store.pages), as the listing of the
    site's pages (store.Store.listed) names them: path -> the digest of its bytes, as
    update_index takes them."""
    return {path: pages[path][1] for path in _documents_listed(listed) if path in pages}


#: The last listing this process looked through, with the search documents it lists: serve
#: indexes after every save, and a listing of a large edition has a hundred thousand pages.
_documents_made: Kept[tuple[str, ...]] = Kept(by_identity=True)


def _documents_listed(listed: tuple[tuple[int, Any, str], ...]) -> tuple[str, ...]:
    prefix = f"{DOCUMENTS}/"
    return _documents_made.get((listed,), lambda: tuple(path for _, _, path in listed
                                                         if path.startswith(prefix)))


def update_index(folder: Path, out: Path, pages: dict[str, str], written: list[str],
                 removed: list[str], state: dict, fresh: bool,
                 interrupted: Callable[[], bool] | None = None) -> tuple[list[Diagnostic], dict]:
    """Bring the search index in `folder` (the staging folder of a new site when `fresh`, else
    the live site `out`) up to date after a build: `pages` maps the search documents
    (search_documents), or every file of the site, to the digest of its bytes; `written` and
    `removed` are what the build changed, and `state` is what the last call returned (kept in
    the build store). Returns the diagnostics and the new state.
    What changed for the index is told by the digests of the search documents against those
    the state holds (so that builds whose index was left for later add up).
    `interrupted` is asked between steps and while Pagefind runs: when it says so, the index is
    left as the last manifest describes it and Interrupted is raised."""
    index = _Index(folder, pages, interrupted)
    try:
        old = None if fresh else _usable(state, folder)
        if old is None:
            new = index.everything()
        else:
            new = index.update(old)
    except _Failed as failed:
        return [failed.diagnostic], {} if fresh else state
    finally:
        index.clean_work()
    return index.diags, new.as_dict() if new is not None else {}


def _usable(state: Mapping[str, Any] | None, folder: Path) -> "_State | None":
    """The stored state when it describes the index in `folder`, else None."""
    if not state:
        return None
    try:
        found = _State.from_dict(state)
    except (KeyError, TypeError, ValueError):
        return None
    if found.form != _form():
        return None
    try:
        manifest = (folder / PAGEFIND_DIR / MANIFEST).read_bytes()
    except OSError:
        return None
    if _text_digest(manifest) != found.manifest:
        return None
    return found


def _text_digest(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()


class _Failed(Exception):
    def __init__(self, diagnostic: Diagnostic):
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


# --- making the index ----------------------------------------------------------------------------

class _Index:
    def __init__(self, folder: Path, pages: Mapping[str, str],
                 interrupted: Callable[[], bool] | None):
        self.folder = folder
        self.root = folder / PAGEFIND_DIR
        self.shown = fs.display_path(self.root)
        self.interrupted = interrupted
        self.diags: list[Diagnostic] = []
        self.work = folder.parent / f".{folder.name}.search-work"
        self.letters: dict[str, str] = {}
        self.persons: dict[str, str] = {}
        for path, made in pages.items():
            found = document_of(path)
            if found is not None:
                (self.letters if found[0] == "letters" else self.persons)[found[1]] = made
        self.runs = 0

    # steps ------------------------------------------------------------------------------------

    def check(self) -> None:
        if self.interrupted is not None and self.interrupted():
            raise Interrupted

    def fail(self, message: str) -> "_Failed":
        return _Failed(error(self.shown, 1, message, "search-index"))

    def read_info(self, kind: str, key: str):
        path = self.folder / (f"{DOCUMENTS}/{kind}/{key}.html")
        try:
            return document_info(path.read_bytes())
        except (OSError, ValueError, KeyError) as exc:
            raise self.fail(f"cannot read the search document {DOCUMENTS}/{kind}/{key}.html "
                            f"({exc}); build again with a clean site folder") from None

    def clean_work(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    # the whole index --------------------------------------------------------------------------

    def everything(self) -> "_State | None":
        """Index every document: the state of the new index."""
        if not self.letters and not self.persons:
            self.diags.append(warning(self.shown, 1, "no letters or persons to index; the search "
                                      "page will find nothing", "search-empty"))
        infos = {i: self.read_info("letters", i) for i in sorted(self.letters)}
        language = next(iter(infos.values())).language if infos else self.site_language()
        ordered = sorted(infos, key=lambda i: infos[i].key)
        keys = [infos[i].key for i in ordered]
        facets = {i: infos[i].facets for i in ordered}
        labels = Labels.of(dict(facets[i]) for i in ordered)
        state = _State(_form(), language,
                       {i: (self.letters[i], infos[i].key, infos[i].facets) for i in ordered},
                       [], [], [], dict(self.persons), labels.values)
        vocabularies = []

        def finish_segment(first: int, end: int, output: Path) -> None:
            ids = ordered[first:end]
            bundle = self.canonical(output, compact=True)
            bundle.files["epistola.pf_json"] = pack_json(
                {"facets": facet_table([dict(facets[i]) for i in ids], labels)})
            name = self.put("letters", bundle)
            state.segments.append(_Segment(name, "" if first == 0 else keys[first], ids,
                                           keys[first:end]))
            vocabularies.append(bundle.vocabulary)

        # each segment is made canonical while Pagefind indexes the next
        with concurrent.futures.ThreadPoolExecutor(1) as worker:
            pending = None
            for first, end in plan_segments(keys, search.SEGMENT_LETTERS):
                self.check()
                output = self.run_pagefind([f"letters/{i}.html" for i in ordered[first:end]],
                                           language)
                if pending is not None:
                    pending.result()
                pending = worker.submit(finish_segment, first, end, output)
            if pending is not None:
                pending.result()
        self.check()
        register = self.register(state)
        if register is not None:
            vocabularies.append(register.vocabulary)
        state.names["recent"] = None
        self.directory(state, vocabularies)
        self.finish(state, labels, everything=True)
        return state

    def site_language(self) -> str:
        for ref in sorted(self.persons)[:1]:
            return self.read_info("persons", ref).language
        return "en"

    def register(self, state: _State) -> Bundle | None:
        refs = sorted(self.persons)
        if not refs:
            state.names["register"] = None
            return None
        bundle = self.pagefind([f"persons/{ref}.html" for ref in refs], state.language,
                               compact=False)
        state.names["register"] = self.put("register", bundle)
        state.persons = dict(self.persons)
        return bundle

    def directory(self, state: _State, vocabularies: Sequence[Sequence[tuple[str, int]]]) -> None:
        if not vocabularies:
            state.names["directory"] = None
            return
        self.check()
        entry = json.loads((self.root / "letters" / state.segments[0].name / "pagefind-entry.json")
                           .read_text(encoding="utf-8")) if state.segments else \
            json.loads((self.root / "register" / state.names["register"] / "pagefind-entry.json")
                       .read_text(encoding="utf-8"))
        bundle = directory_bundle(vocabularies, state.language, entry["version"],
                                  entry.get("include_characters", []))
        state.names["directory"] = self.put("directory", bundle)

    # an update --------------------------------------------------------------------------------

    def update(self, state: _State) -> _State:
        """Index what changed since `state`: the state of the new index.

        First the changed letters go into the recent bundle and the new manifest is written:
        from then on the search finds their new text. Then, while the recent bundle holds too
        many letters, segments are folded, one at a time, each with a manifest of its own; when
        asked to stop meanwhile, the index stays as the last manifest says."""
        changed = sorted(i for i, made in self.letters.items()
                         if state.letters.get(i, ("",))[0] != made)
        gone = sorted(i for i in state.letters if i not in self.letters)
        persons_changed = self.persons != state.persons
        if not changed and not gone and not persons_changed:
            self.remove_stale(state)
            return state
        if len(changed) + len(gone) > max(search.RECENT_LETTERS, FULL_SHARE * len(self.letters)) \
                or (not state.segments and len(state.recent) + len(changed) > search.RECENT_LETTERS):
            return self.everything()
        state = state.copy()
        where = state.where()
        for i in gone:
            del state.letters[i]
            if i in state.recent:
                state.recent.remove(i)
            if i in where and i not in state.removed:
                state.removed.append(i)
        for i in changed:
            info = self.read_info("letters", i)
            state.letters[i] = (self.letters[i], info.key, info.facets)
            if i not in state.recent:
                state.recent.append(i)
            if i in state.removed:
                state.removed.remove(i)
        state.recent.sort(key=lambda i: state.letters[i][1])
        labels = Labels(state.labels)
        if persons_changed:
            self.check()
            vocabularies = self.old_vocabularies(state)
            had_register = bool(state.names.get("register"))
            register = self.register(state)
            if had_register:
                vocabularies.pop()
            if register is not None:
                vocabularies.append(register.vocabulary)
            self.directory(state, vocabularies)
        if len(state.recent) <= 2 * search.RECENT_LETTERS:  # (many: folded first, below)
            self.check()
            self.recent(state, labels)
            self.finish(state, labels, everything=False)
        while len(state.recent) > search.RECENT_LETTERS:
            if self.interrupted is not None and self.interrupted():
                break
            trial = state.copy()
            labels = Labels(trial.labels)
            try:
                vocabularies = self.old_vocabularies(trial)
                self.fold(trial, labels, vocabularies)
                self.directory(trial, vocabularies)
                self.check()
                self.recent(trial, labels)
            except Interrupted:
                break
            self.finish(trial, labels, everything=False)
            state = trial
        return state

    def old_vocabularies(self, state: _State) -> list[list[tuple[str, int]]]:
        """The vocabularies of the segments (then the register) as the directory lists them."""
        name = state.names.get("directory")
        if not name:
            return []
        files = _read_bundle(self.root / "directory" / name)
        return vocabularies_of_directory(files)

    def fold(self, state: _State, labels: Labels, vocabularies: list) -> None:
        """Index again the segment most recent letters belong to, with them."""
        firsts = [s.bound for s in state.segments[1:]]
        keys = [s.keys for s in state.segments]
        counts: dict[int, int] = {}
        for i in state.recent:
            k, _ = place_of(state.letters[i][1], firsts, keys)
            counts[k] = counts.get(k, 0) + 1
        k = min(counts, key=lambda k: (-counts[k], k))
        segment = state.segments[k]
        low = segment.bound
        high = state.segments[k + 1].bound if k + 1 < len(state.segments) else None
        recent = set(state.recent)
        members = [i for i in segment.ids
                   if i in state.letters and i not in recent]
        moving = [i for i in state.recent
                  if state.letters[i][1] >= low and (high is None or state.letters[i][1] < high)]
        members += moving
        members.sort(key=lambda i: state.letters[i][1])
        state.removed = [i for i in state.removed if i not in set(segment.ids)]
        state.recent = [i for i in state.recent if i not in set(moving)]
        parts = plan_segments([state.letters[i][1] for i in members], search.SEGMENT_LETTERS) \
            if len(members) > 2 * search.SEGMENT_LETTERS else [(0, len(members))]
        made: list[_Segment] = []
        made_vocabularies = []
        for first, end in parts:
            if first == end:
                continue
            ids = members[first:end]
            bundle = self.pagefind([f"letters/{i}.html" for i in ids], state.language,
                                   compact=True)
            bundle.files["epistola.pf_json"] = pack_json(
                {"facets": facet_table([dict(state.letters[i][2]) for i in ids], labels)})
            name = self.put("letters", bundle)
            made.append(_Segment(name, low if first == 0 else state.letters[ids[0]][1], ids,
                                 [state.letters[i][1] for i in ids]))
            made_vocabularies.append(bundle.vocabulary)
        if not made:  # (every letter of it is gone)
            del state.segments[k]
            del vocabularies[k]
            if k == 0 and state.segments:
                state.segments[0].bound = ""
            return
        state.segments[k:k + 1] = made
        vocabularies[k:k + 1] = made_vocabularies

    def recent(self, state: _State, labels: Labels) -> None:
        """The recent bundle and what the search page needs to know of it."""
        where = state.where()
        if not state.recent and not state.removed:
            state.names["recent"] = None
            return
        firsts = [s.bound for s in state.segments[1:]]
        keys = [s.keys for s in state.segments]
        ids = state.recent
        side = {
            "facets": facet_table([dict(state.letters[i][2]) for i in ids], labels),
            "place": [list(place_of(state.letters[i][1], firsts, keys)) if state.segments
                      else [0, 0] for i in ids],
            "supersedes": [list(where[i]) if i in where else None for i in ids],
            "removed": sorted(list(where[i]) for i in state.removed if i in where),
        }
        if ids:
            bundle = self.pagefind([f"letters/{i}.html" for i in ids], state.language,
                                   compact=True, lengths=True)
        else:
            bundle = Bundle({})
        bundle.files["epistola.pf_json"] = pack_json(side)
        state.names["recent"] = self.put("recent", bundle)

    # writing ----------------------------------------------------------------------------------

    def finish(self, state: _State, labels: Labels, everything: bool) -> None:
        """The facets file, the runtime, the manifest; then what no manifest needs is removed."""
        state.labels = labels.values
        where = state.where()
        current = [state.letters[i][2] for i in state.letters]
        totals = facet_totals((dict(f) for f in current), labels)
        facets = Bundle({"facets.pf_json": pack_json({"values": labels.values, "totals": totals})})
        state.names["facets"] = self.put("facets", facets)
        self.runtime(state.language)
        segments = [{"path": f"letters/{s.name}/", "pages": len(s.ids),
                     "first": s.keys[0][:10] if s.keys else "",
                     "last": s.keys[-1][:10] if s.keys else "",
                     "years": _years_of(state, s.ids)}
                    for s in state.segments]
        names = state.names
        manifest = {
            "form": FORM,
            "language": state.language,
            "letters": len(state.letters),
            "segments": segments,
            "recent": {"path": f"recent/{names['recent']}/", "pages": len(state.recent),
                       "removed": len([i for i in state.removed if i in where])}
            if names.get("recent") else None,
            "register": {"path": f"register/{names['register']}/", "pages": len(state.persons)}
            if names.get("register") else None,
            "directory": {"path": f"directory/{names['directory']}/"}
            if names.get("directory") else None,
            "facets": f"facets/{names['facets']}/facets.pf_json",
        }
        data = (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
        previous = _folders_of(self.root, state.manifest)
        write_file_atomic(self.root / MANIFEST, data)
        state.manifest = _text_digest(data)
        state.previous = previous
        self.remove_stale(state)

    def remove_stale(self, state: _State) -> None:
        """Remove every bundle folder neither this manifest nor the one before names."""
        keep = set(_folders_of(self.root, state.manifest)) | set(state.previous)
        for group in GROUPS:
            base = self.root / group
            if not base.is_dir():
                continue
            for item in sorted(base.iterdir()):
                if f"{group}/{item.name}" not in keep:
                    shutil.rmtree(item, ignore_errors=True) if item.is_dir() else item.unlink()
        for item in sorted(self.root.iterdir()):
            if item.name in GROUPS or item.name in RUNTIME or item.name == MANIFEST \
                    or item.name == "documents" or item.name.startswith("wasm."):
                continue
            shutil.rmtree(item, ignore_errors=True) if item.is_dir() else item.unlink()

    def put(self, group: str, bundle: Bundle) -> str:
        """Write a bundle into pagefind/<group>/<its name>/ (unless a bundle of that name, the
        same bytes, is there already); its name."""
        name = bundle.name
        target = self.root / group / name
        if target.is_dir():
            return name
        temporary = self.root / group / f".{name}.new"
        shutil.rmtree(temporary, ignore_errors=True)
        made: set[Path] = set()
        for relative, data in sorted(bundle.files.items()):
            path = temporary / relative
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(data)
        if group in ("letters", "recent", "register", "directory"):
            worker = self.work / "runtime" / "pagefind-worker.js"
            if worker.is_file():
                fs.link_or_copy(worker, temporary / "pagefind-worker.js")
        os.rename(temporary, target)
        return name

    def runtime(self, language: str) -> None:
        """pagefind.js and what it loads, once, in pagefind/ (taken from a Pagefind run)."""
        source = self.work / "runtime"
        if not source.is_dir():
            if all((self.root / name).is_file() for name in RUNTIME) \
                    and (self.root / f"wasm.{language}.pagefind").is_file():
                return
            self.pagefind([], language, compact=True)  # (a run only for its runtime)
        for item in sorted(source.iterdir()):
            target = self.root / item.name
            data = item.read_bytes()
            if not target.is_file() or target.read_bytes() != data:
                write_file_atomic(target, data)

    # Pagefind ---------------------------------------------------------------------------------

    def pagefind(self, documents: Sequence[str], language: str, compact: bool,
                 lengths: bool = False) -> Bundle:
        """Run Pagefind over these documents (relative to pagefind/documents/): the canonical
        bundle of what it wrote."""
        return self.canonical(self.run_pagefind(documents, language), compact, lengths)

    def run_pagefind(self, documents: Sequence[str], language: str) -> Path:
        """Run Pagefind over these documents (relative to pagefind/documents/): the folder it
        wrote into."""
        self.runs += 1
        run = self.work / f"run-{self.runs}"
        source, output = run / "documents", run / "bundle"
        shutil.rmtree(run, ignore_errors=True)
        source.mkdir(parents=True)
        folders: set[Path] = set()
        for relative in documents:
            target = source / relative
            if target.parent not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.add(target.parent)
            fs.link_or_copy(self.root / "documents" / relative, target)
        if not documents:  # (for the runtime alone)
            (source / "empty.html").write_text(
                f'<html lang="{language}"><body><p data-pagefind-body data-pagefind-sort="key:0">'
                "x</p></body></html>", encoding="utf-8")
        self._run(source, output, language)
        self._keep_runtime(output, language)
        shutil.rmtree(source, ignore_errors=True)
        return output

    def canonical(self, output: Path, compact: bool, lengths: bool = False) -> Bundle:
        """The canonical bundle of what Pagefind wrote into `output` (which is then removed)."""
        files = _read_bundle(output)
        shutil.rmtree(output.parent, ignore_errors=True)
        try:
            return canonical_bundle(files, compact, lengths)
        except (ValueError, KeyError, IndexError, TypeError, cbor2.CBORError) as exc:
            raise self.fail(f"Pagefind wrote an index this Epistola cannot read ({exc}); install "
                            "the pinned version with pip install 'pagefind[bin]==1.5.2'") from None

    def _keep_runtime(self, output: Path, language: str) -> None:
        runtime = self.work / "runtime"
        if runtime.is_dir():
            return
        runtime.mkdir(parents=True)
        for name in (*RUNTIME, f"wasm.{language}.pagefind"):
            if (output / name).is_file():
                fs.link_or_copy(output / name, runtime / name)

    def _run(self, source: Path, output: Path, language: str) -> None:
        try:
            from pagefind_bin import get_executable
            binary = str(get_executable())
        except (ImportError, FileNotFoundError):
            raise self.fail("the Pagefind binary was not found; install the pinned version "
                            "with pip install 'pagefind[bin]==1.5.2'") from None
        args = [binary, "--site", str(source.resolve()), "--output-path", str(output.resolve()),
                "--force-language", language, "--silent"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
        try:
            proc = subprocess.Popen(args, cwd=source, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        except OSError as exc:
            raise self.fail(f"cannot run Pagefind: {exc.strerror}") from None
        with proc:
            while True:
                try:
                    stdout, stderr = proc.communicate(
                        timeout=None if self.interrupted is None else 0.05)
                    break
                except subprocess.TimeoutExpired:
                    if self.interrupted():
                        proc.kill()
                        proc.communicate()
                        raise Interrupted from None
        if proc.returncode != 0:
            lines = [line for line in (stderr + stdout).splitlines() if line.strip()]
            raise self.fail(f"Pagefind failed: {lines[-1] if lines else proc.returncode}")


def _years_of(state: _State, ids: Sequence[str]) -> dict[str, int]:
    """A segment's letters by year: a search page with a year ticked leaves out the segments
    without it, and estimates from the others by their share of it."""
    years = Counter(year for i in ids if i in state.letters  # (not a letter removed since)
                    for year in dict(state.letters[i][2]).get("year", ()))
    return dict(sorted(years.items()))


def _read_bundle(folder: Path) -> dict[str, bytes]:
    """The files of a bundle Pagefind wrote (or of a canonical one) that make its index."""
    files: dict[str, bytes] = {}
    for item in folder.iterdir():
        if item.is_file() and (item.name == "pagefind-entry.json" or item.suffix == ".pf_meta"):
            files[item.name] = item.read_bytes()
    for sub in ("index", "fragment"):
        if (folder / sub).is_dir():
            for item in (folder / sub).iterdir():
                files[f"{sub}/{item.name}"] = item.read_bytes()
    return files


def _folders_of(root: Path, digest: str) -> list[str]:
    """The bundle folders ("letters/<name>") the manifest on disk names, when it is the one with
    this digest."""
    try:
        data = (root / MANIFEST).read_bytes()
    except OSError:
        return []
    if digest and _text_digest(data) != digest:
        return []
    try:
        manifest = json.loads(data)
    except ValueError:
        return []
    paths = [s["path"] for s in manifest.get("segments", [])]
    for part in ("recent", "register", "directory"):
        if manifest.get(part):
            paths.append(manifest[part]["path"])
    if manifest.get("facets"):
        paths.append(manifest["facets"].rsplit("/", 1)[0] + "/")
    return [p.rstrip("/") for p in paths]
