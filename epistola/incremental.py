"""Incremental builds: render only the pages whose inputs changed, write only the files that differ.

A build after an editor changed one letter must not redo the work of ten thousand. Three caches,
all in `.build-cache/<site folder name>/` beside the output folder, each keyed by content:

1. Per-file and per-letter work (`corpus.Memo`): a record is parsed again only when its text
   changed, a letter's body, name links and note citations are computed again only when the letter
   or the persons register changed.
2. Pages: every output file has a *dependency key*, a hash of exactly what it is made from (the
   code, its template and the templates that template uses, the edition, the register, the letter,
   the title, date and number of the letters it links to, ...). A file whose key is the one it had
   in the live site is not rendered again.
3. Files on disk: the site is double-buffered. The build before last stays in `spare/`; a build
   brings `spare/` up to date (unchanged files kept, files reused from the live site hard-linked,
   new ones written, stale ones removed), and then swaps the two folders by renames. The live site
   is never written into: a failed build leaves it byte-identical, and readers see the old site or
   the new one.

The result is byte-identical to a clean full build (tests/test_incremental.py edits records in
several ways and compares). Anything this module cannot vouch for (a lost manifest, a file changed
by hand in the site, a different version of the code or of a library) makes it render again.

Everything is cached in memory too, so `serve` (one long process) rebuilds in a fraction of the time
a fresh process needs.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import gc
import hashlib
import itertools
import json
import operator
import os
import pickle
import shutil
import stat
import sys
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from jinja2 import Environment, meta

from . import body, citations, corpus, diagnostics, fs, markup, model, render, search
from .body import parse_inline
from .corpus import Corpus, Memo, name_spans, register_view, reused
from .diagnostics import Diagnostic, warning
from .model import Letter, Person
from .render import STATIC_PAGES, edition_summary

CACHE_FOLDER = ".build-cache"
MANIFEST = "manifest.json"
MEMO = "memo"
PERSON_KEYS = "person-keys.pickle"
DIRTY = "spare.dirty"
#: The memo is kept in this many files, so that a change to one letter rewrites a few of them.
MEMO_SHARDS = 64
#: A record file's size and times identify its content once it is this much older than the
#: moment they were read (known_record).
SETTLED_NS = 2_000_000_000
#: Bump when the meaning of keys or manifests changes.
FORMAT = 3
_LIBRARIES = ("jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "pyyaml", "lxml")



def _read_only(entries: dict) -> MappingProxyType:
    return MappingProxyType(entries)


# Records keep the line of each key in a read-only mapping; pickle it as a plain dict.
copyreg.pickle(MappingProxyType, lambda m: (_read_only, (dict(m),)))


def _pickle_as_arguments(*modules: Any) -> None:
    """Pickle the modules' slotted dataclasses as their class and field values, read back by
    calling the class: the memo holds 700,000 of them at 10,000 letters, and the state that
    dataclasses' own __getstate__ and __setstate__ write and read (in Python, field by field)
    took twice as long to load (1.85 s against 0.93 s)."""
    for module in modules:
        for cls in vars(module).values():
            if isinstance(cls, type) and cls.__module__ == module.__name__ \
                    and dataclasses.is_dataclass(cls) and "__slots__" in vars(cls):
                fields = dataclasses.fields(cls)
                if not fields or hasattr(cls, "__post_init__") \
                        or any(not f.init or f.kw_only for f in fields):
                    continue  # the class called with its field values would not rebuild it
                names = [f.name for f in fields]
                get = operator.attrgetter(*names)
                if len(names) == 1:
                    copyreg.pickle(cls, lambda obj, cls=cls, get=get: (cls, (get(obj),)))
                else:
                    copyreg.pickle(cls, lambda obj, cls=cls, get=get: (cls, get(obj)))


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """A build makes millions of small objects and almost no reference cycles: the cycle
    collector would scan the whole corpus again and again for nothing (seconds at 10,000
    letters). Reference counting frees the rest as usual."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _digest(*parts: Any) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, bytes):
            h.update(b"b")
            h.update(part)
        elif isinstance(part, str):
            h.update(b"s")
            h.update(part.encode("utf-8", "surrogatepass"))
        else:
            h.update(b"r")
            h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def code_fingerprint() -> str:
    """The Python sources of epistola and the versions of the libraries that shape the output."""
    package = Path(__file__).resolve().parent
    parts: list[Any] = [FORMAT, sys.version_info[:2]]
    for path in sorted(package.rglob("*.py")):
        parts += [path.relative_to(package).as_posix(), path.read_bytes()]
    for name in _LIBRARIES:
        try:
            parts.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            parts.append((name, None))
    return _digest(*parts)


# --- what the build reads ------------------------------------------------------------------------

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


# --- dependency keys -----------------------------------------------------------------------------

def template_closure(templates: Mapping[str, str]) -> dict[str, tuple[str, frozenset[str]]]:
    """Template name -> (digest of it and every template it extends, includes or imports, the
    variables they read from the context). A dynamic reference counts as all templates."""
    env = Environment()
    refs: dict[str, set[str] | None] = {}
    names: dict[str, set[str]] = {}
    for name, source in templates.items():
        try:
            ast = env.parse(source)
        except Exception:  # a syntax error: the build reports it; depend on everything
            refs[name], names[name] = None, set()
            continue
        found = list(meta.find_referenced_templates(ast))
        refs[name] = None if None in found else {r for r in found if r in templates}
        names[name] = set(meta.find_undeclared_variables(ast))
    out = {}
    for name in templates:
        seen, todo, dynamic = set(), [name], False
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if refs.get(current) is None:
                dynamic = True
                break
            todo += refs[current]
        if dynamic:
            seen = set(templates)
        used = frozenset().union(*(names.get(t, set()) for t in seen))
        out[name] = (_digest(*[(t, templates[t]) for t in sorted(seen)]), used)
    return out


@lru_cache(maxsize=8)
def _closure_cached(templates: tuple[tuple[str, str], ...]) -> dict:
    return template_closure(dict(templates))


def register_token(persons: Iterable[Person]) -> str:
    """Stands for what the letters' pages, files and checks can read of the register: each
    entry's register_view. A person's dates, description or sort name show only on that
    person's page and on the list of persons (see Keys), and an entry's line only in the
    register's own diagnostics: an edit to those leaves every letter's work as it was."""
    return _digest(*(register_view(p) for p in persons))


def person_entry(person: Person) -> tuple:
    """Everything a person's register entry says (its line aside), for that person's page."""
    return tuple(getattr(person, f.name) for f in dataclasses.fields(person) if f.compare)


def link_digest(letter: Letter) -> str:
    """What a link to a letter shows (Keys.link): its id, number, title, date and parties."""
    return _digest(letter.id, letter.number, letter.title, letter.date, letter.senders,
                   letter.recipients)


@dataclass
class Keys:
    """The dependency key of every file a build can write, from the corpus and the templates."""

    corpus: Corpus
    templates: Mapping[str, str]
    assets: Mapping[str, bytes]
    build_date: str | None
    code: str
    identify: Callable[[Letter], Any] = lambda letter: letter
    """Names a letter by what it is read from (BuildCache.identify)."""
    link_cache: Mapping[str, str] = field(default_factory=dict)
    """Letter name -> what a link to it shows, from the build before."""
    new_links: dict[str, str] = field(default_factory=dict)
    person_cache: Mapping[str, str] = field(default_factory=dict)
    """Person ref -> person_parts in the build before (PersonKeys)."""
    stale_persons: frozenset[str] | None = None
    """The refs whose letters changed since then (their parts are computed again); None: all."""
    memo: Memo | None = None
    """Keeps, in memory, what this build's keys were made from for the next build (serve)."""

    def __post_init__(self) -> None:
        c = self.corpus
        self.closure = _closure_cached(tuple(sorted(self.templates.items())))
        # (not the register: each page's own key says what it reads of it)
        self.global_key = _digest(self.code, c.edition, self.build_date)
        self.register = register_token(c.persons.values())
        self._link: dict[str, str] = {}
        self._bases: dict[str, str] = {}
        self._summary: str | None = None
        self._all: str | None = None
        self._rows: str | None = None
        self._person: dict[str, str] = {}
        self._letter_key: dict[str, str] = {}
        self._persons: str | None = None
        self._archive: str | None = None
        whole = self.memo.whole if self.memo is not None else {}
        self._parts_before: dict[tuple, str] = whole.get("letter-parts", {})
        self._parts_now: dict[tuple, str] = {}
        whole["letter-parts"] = self._parts_now
        self._own_before: dict[str, tuple] = whole.get("person-own", {})
        self._own_now: dict[str, tuple] = {}
        whole["person-own"] = self._own_now

    def letter_digest(self, letter: Letter) -> str:
        """Stands for everything the record says (the pages do not show where it was read)."""
        name = self.identify(letter)
        return name if isinstance(name, str) else _digest(letter)

    def link(self, letter_id: str | None) -> str | None:
        """What a link to a letter shows: its id, number, title, date and parties."""
        if letter_id is None:
            return None
        found = self._link.get(letter_id)
        if found is None:
            letter = self.corpus.by_id.get(letter_id)
            if letter is None:
                return "missing:" + letter_id
            name = self.identify(letter)
            found = self.link_cache.get(name) if isinstance(name, str) else None
            if found is None:
                found = link_digest(letter)
            self._link[letter_id] = found
            if isinstance(name, str):
                self.new_links[name] = found
        return found

    def rows(self) -> str:
        """What the lists of letters show of each: the link, the place, the archival reference."""
        if self._rows is None:
            # (and the register's refs: a party shows as a link when the register has it)
            parts = (tuple((self.link(letter.id), letter.place,
                            letter.archive.text if letter.archive else None)
                           for letter in self.corpus.letters), tuple(self.corpus.persons))
            self._rows = reused(self.memo, "rows-key", parts, lambda: _digest(*parts))
        return self._rows

    def persons_all(self) -> str:
        """What the register's pages show, for all persons."""
        if self._persons is None:
            persons = self.corpus.persons
            self._persons = _digest(*(self.person_parts(ref) for ref in persons),
                                    *(self._person_own(p) for p in persons.values()))
        return self._persons

    def archive(self) -> str:
        if self._archive is None:
            archive_files = self.corpus.archive_files
            before = self.memo.whole.get("archive-key") if self.memo is not None else None
            if before is not None and before[0] is archive_files:  # reused: corpus.reused
                files, ids = before[1]
            else:
                # the files and entries as the reprs of their fields (unambiguous, and far
                # quicker than the repr of tens of thousands of dataclasses)
                ids = sorted({e.letter_id for f in archive_files for e in f.entries})
                files = _digest("\n".join([
                    f"{f.repository!r} {f.fond!r} {f.opis!r} {f.delo!r}:" + " ".join(
                        [f"{e.letter_id!r},{e.folios!r},{e.text!r},{e.note!r}" for e in f.entries])
                    for f in archive_files]))
                if self.memo is not None:
                    self.memo.whole["archive-key"] = (archive_files, (files, ids))
            self._archive = _digest(files, "\x1f".join([self.link(i) for i in ids]))
        return self._archive

    def everything(self) -> str:
        """Stands for all letters and the whole corpus, for the pages and files that list them."""
        if self._all is None:
            self._all = _digest(*(self.letter_digest(l) for l in self.corpus.letters))
        return self._all

    def _template(self, name: str) -> tuple[str, frozenset[str]]:
        return self.closure.get(name, (_digest("missing", name), frozenset()))

    def _summary_key(self, used: frozenset[str]) -> str | None:
        if "summary" not in used:
            return None
        if self._summary is None:
            self._summary = _digest(edition_summary(self.corpus))
        return self._summary

    def page(self, template: str, path: str, *parts: Any) -> str:
        """A file's key: one digest for what its template and the whole edition give every file
        made with it, one for the parts of this file. (Keys are compared path by path, so the
        path need not be in them; tens of thousands of files share a handful of templates.)"""
        base = self._bases.get(template)
        if base is None:
            digest, used = self._template(template)
            base = self._bases[template] = _digest(self.global_key, digest,
                                                   self._summary_key(used))
        if len(parts) == 1 and isinstance(parts[0], str):
            return base + parts[0]  # a digest already
        return base + _digest(*parts)

    def _all_letter_keys(self) -> None:
        """The digest of every letter's parts, in one pass in date order: what its record says,
        the links of the letters before and after it (in date order and between the same
        parties), the size of that correspondence, the link of the letter it answers and those
        of its replies. Each letter's link is looked up once, not once for every letter that
        shows it."""
        c = self.corpus
        letters = c.letters
        links = [self.link(letter.id) for letter in letters]
        shown = dict(zip((letter.id for letter in letters), links))
        chains = c._correspondences
        replies = c.replies
        before, now, keys = self._parts_before, self._parts_now, self._letter_key
        views = c.register_views
        last = len(letters) - 1
        for i, letter in enumerate(letters):
            chain, j = chains.get(letter.id) or ((letter,), 0)
            reply = letter.in_reply_to
            parts = (self.letter_digest(letter), views.get(letter.id),
                     links[i - 1] if i > 0 else None, links[i + 1] if i < last else None,
                     shown[chain[j - 1].id] if j > 0 else None,
                     shown[chain[j + 1].id] if j + 1 < len(chain) else None,
                     len(chain),
                     None if reply is None else shown.get(reply) or self.link(reply),
                     tuple(shown[r] for r in replies.get(letter.id, ())))
            key = before.get(parts)
            if key is None:
                key = _digest(*parts)
            now[parts] = keys[letter.id] = key

    def _person_own(self, person: Person) -> str:
        """What a person's page shows of the register: the entry (person_entry) and what its
        description links to. Reused from the build before while the entry and the name index
        are the objects they were then (serve: the register unchanged)."""
        names = self.corpus.names
        found = self._own_before.get(person.ref)
        if found is None or found[0] is not person or found[1] is not names:
            found = (person, names, _digest(person_entry(person), self._description_view(person)))
        self._own_now[person.ref] = found
        return found[2]

    def _description_view(self, person: Person) -> tuple | None:
        """Which words of a person's description link to whom, and those persons' entries
        (register_view): what that page's description reads of the register."""
        if not person.description:
            return None
        spans = name_spans(parse_inline(person.description), self.corpus.names)
        persons = self.corpus.persons
        return spans, tuple(register_view(persons[ref]) for ref in sorted({s[2] for s in spans}))

    def person_parts(self, ref: str) -> str:
        found = self._person.get(ref)
        if found is None and self.stale_persons is not None and ref not in self.stale_persons:
            found = self._person[ref] = self.person_cache.get(ref)
        if found is None:
            # one string, not a list of tuples to repr: thousands of persons, each in hundreds
            # of places (ids, anchors and link digests hold no control characters)
            link = self.link
            mentions = self.corpus.mentions.get(ref, ())
            found = self._person[ref] = _digest(
                ref, "\x1f".join([link(l.id) for l in self.corpus.by_sender.get(ref, ())]),
                "\x1f".join([link(l.id) for l in self.corpus.by_recipient.get(ref, ())]),
                "\x1f".join([f"{m.letter_id}\x1e{m.anchor}\x1e{m.in_note:d}\x1e{m.n}\x1e"
                              f"{link(m.letter_id)}" for m in mentions]))
        return found

    def key(self, path: str) -> str | None:
        """The dependency key of an output path; None when this module does not know the file
        (it is then always made again)."""
        parts = path.split("/")
        c = self.corpus
        if len(parts) == 3 and parts[0] == "letters" and parts[1] in c.by_id:
            if not self._letter_key:
                self._all_letter_keys()
            template = "letter.html" if parts[2] == "index.html" else "(export)"
            return self.page(template, path, self._letter_key[parts[1]])
        if len(parts) == 3 and parts[0] == "persons" and parts[2] == "index.html" \
                and parts[1] in c.persons:
            return self.page("person.html", path, self.person_parts(parts[1])
                             + self._person_own(c.persons[parts[1]]))
        if parts[0] == "assets" and len(parts) > 1:
            asset = self.assets.get("/".join(parts[1:]))
            return None if asset is None else _digest(self.code, path, asset)
        for template, static, current in STATIC_PAGES:
            if path == static:
                if current in ("home", "letters"):
                    return self.page(template, path, self.rows())
                if current == "persons":
                    return self.page(template, path, self.persons_all())
                if current == "archive":
                    return self.page(template, path, self.archive())
                if current in ("about", "search", None):
                    return self.page(template, path)
                return self.page(template, path, self.everything())
        if path == "sitemap.xml":
            return self.page("(export)", path, tuple(l.id for l in c.letters), tuple(c.persons))
        if path.startswith("data/"):  # (cmif.xml names persons as the register has them)
            return self.page("(export)", path, self.everything(), self.register)
        return None


@dataclass
class PersonKeys:
    """What the person keys of the last successful build were made from, so that the next build
    computes only those of the persons its changed letters involve (a person's key hashes every
    letter that person wrote, received or is named in: hundreds of thousands of places at 10,000
    letters, where one edit touches a handful of persons).

    A person's parts depend only on the letters involving that person, each named by the digest
    of its record: a letter whose name is new or gone involves, in its new or old version, every
    person whose parts may differ."""

    token: str
    """The register's token (Memo.token, register_token): when what the letters read of the
    register changed, their places are compared under both tokens instead
    (_stale_after_register_edit)."""
    parties: dict[str, frozenset[str]]
    """Letter name -> refs of its senders and recipients, for every letter of that build."""
    parts: dict[str, str]
    """Person ref -> Keys.person_parts."""
    ids: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Letter name -> its id and Keys.link, for every letter of that build."""

    def stale(self, token: str, letters: Mapping[str, Letter],
              parties: Mapping[str, frozenset[str]], memo: Memo) -> frozenset[str] | None:
        """The refs whose parts must be computed again; None for all of them. `letters` and
        `parties` are this build's, by name."""
        new = parties.keys() - self.parties.keys()
        if token != self.token:
            return self._stale_after_register_edit(token, parties, memo) if not new else None
        gone = self.parties.keys() - parties.keys()
        # A record changed where persons' pages do not look (its text, say): the same id,
        # link, parties and places in both versions change no person's parts.
        gone_by_id = {self.ids[name][0]: name for name in gone if name in self.ids}
        same: set[str] = set()
        for name in new:
            before = gone_by_id.get(letters[name].id)
            if before is None or self.parties[before] != parties[name] \
                    or self.ids[before][1] != link_digest(letters[name]):
                continue
            # (the places, not the letter's view of the register: a word added before a name
            # moves the name, not the place that names it)
            old, now = (memo.entries.get(("mentions", n, token)) for n in (before, name))
            if old is not None and now is not None and old[0] == now[0]:
                same |= {name, before}
        refs: set[str] = set()
        for name in (new | gone) - same:  # new, changed or removed letters
            refs |= parties[name] if name in parties else self.parties[name]
            found = memo.entries.get(("mentions", name, token))
            if found is None:  # the build before named them, but their work is gone
                return None
            refs.update(ref for ref, _ in found[0])
        return frozenset(refs)

    def _stale_after_register_edit(self, token: str, parties: Mapping[str, frozenset[str]],
                                   memo: Memo) -> frozenset[str] | None:
        """The same letters, read against another register: the persons named in a place that
        names someone else now (the name links of the letters that hold none of the forms the
        edit changed are carried over, corpus._carry_over), and those of letters gone."""
        refs: set[str] = set()
        for name in self.parties:
            if name not in parties:
                refs |= self.parties[name]
            before = memo.entries.get(("mentions", name, self.token))
            now = memo.entries.get(("mentions", name, token))
            if before is None or (now is None and name in parties):
                return None
            if now is None or before[0] != now[0]:
                refs.update(ref for ref, _ in before[0])
                if now is not None:
                    refs.update(ref for ref, _ in now[0])
        return frozenset(refs)


# --- the cache -----------------------------------------------------------------------------------

def cache_folder(out: Path) -> Path:
    return out.parent / CACHE_FOLDER / (out.name or "site")


@dataclass(slots=True)
class Entry:
    key: str | None
    sha: str
    size: int
    mtime_ns: int


class BuildCache:
    """The caches of one output folder, in memory and in `.build-cache/`."""

    def __init__(self, out: Path, keep_memo: bool = True):
        """keep_memo=False: write the memo to disk only when asked (save_memo); a long-running
        process (serve) keeps it in memory and saves it when it stops."""
        self.out = out
        self._out_slash = os.path.join(str(out), "")  # live_ok: one concatenation per path
        self.folder = cache_folder(out)
        self.code = code_fingerprint()
        self.keep_memo = keep_memo
        self.memo = Memo(identify=self.identify)
        self.records: dict[str, tuple[str, Any, tuple | None]] = {}
        """Shown path -> (digest of the text, what parse_letter made of it, the file's signature
        when it was read, or None: known_record)."""
        self._signature: tuple[str, tuple | None] | None = None
        self.links: dict[str, str] = {}
        self.names: dict[int, tuple[Letter, str]] = {}
        """id(letter) -> (letter, digest of its path and record text), for this build's letters."""
        self._records_used: set = set()
        self.live: dict[str, Entry] = {}
        self.spare: dict[str, Entry] = {}
        self._files_encoded: tuple[dict, dict, tuple[bytes, bytes]] = ({}, {}, (b"", b""))
        self.last_made: frozenset[str] = frozenset()
        """The files the last build made (rendered or exported) rather than reused."""
        self.live_made: frozenset[str] | None = None
        """The paths the build that swapped in the live site made, or None (not known, or that
        build did not finish). Every other path of the live site it found unchanged (one stat
        each, Plan.wanted) in the folder it swapped out, which is the spare folder now: those
        spare files need no second stat. The spare folder lies in the cache folder, out of
        reach of the server and the editors; a build that may have written into it and not
        finished leaves it marked dirty (DIRTY), and it is then made afresh."""
        self._loaded = False
        self._stamp: tuple | None = None
        """manifest.json's time, size and inode when this process last read or wrote it."""
        self._memo_loaded = False
        self._saved: dict[int, tuple] = {}
        """Memo file number -> what it held when it was last read or written."""
        self.inputs: str | None = None
        """Stands for every file the last successful build read, and its options."""
        self.diagnostics: list[Diagnostic] = []
        """What the last successful build reported."""
        self.pending: tuple[str, list[Diagnostic]] | None = None
        self.person_keys: PersonKeys | None = None
        """The person keys of the last successful build (PersonKeys)."""
        self._keys: tuple[Keys, dict[str, frozenset[str]], dict[str, Letter]] | None = None
        self._snapshot = _digest([])
        """The digest of the files read_inputs last found (a build asks for its token twice or
        three times: ten thousand tuples are written out once)."""
        self._signatures: dict[str, tuple[int, int, int, int]] = {}
        """Path -> (mtime, ctime, size, inode), from the snapshot of this build's inputs."""
        self.save_later = False
        """Set by a build that defers its search index (serve): the caches of a build that
        swapped the site in are saved by flush, once the reload is sent, not before it."""
        self._unsaved = False
        self.search_pending: str | None = None
        """After a build that left its search index for later: the inputs token it stands for
        once the index is made (pipeline.index_later)."""

    # -- persistence --

    def load(self) -> None:
        """Before a build: read what an earlier process left in the cache folder (once, and
        again when another process has built the site since: its manifest then describes the
        live site and the spare folder, not what this process remembers)."""
        self._records_used = set()
        self.names = {}
        self.memo.forget_names()
        if self._loaded and self._stamp == self._manifest_stamp():
            return
        self._loaded = True
        self._stamp = self._manifest_stamp()
        try:
            data = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("code") != self.code:
                raise ValueError("another version")
            self.live = {p: Entry(*e) for p, e in data["live"].items()}
            self.spare = {p: Entry(None, *e) for p, e in data["spare"].items()}
            self.inputs = data.get("inputs")
            made = data.get("live_made")
            self.live_made = None if made is None else frozenset(made)
            self.diagnostics = [Diagnostic(*d) for d in data.get("diagnostics", ())]
        except (OSError, ValueError, KeyError, TypeError):
            self.live, self.spare, self.inputs, self.diagnostics = {}, {}, None, []
            self.live_made = None

    def load_memo(self) -> None:
        """Before the records are read: the per-letter work of the last process (once; not
        needed when nothing changed, and large). A memo file that cannot be read only means
        its work is done again."""
        if self._memo_loaded:
            return
        self._memo_loaded = True
        folder = self.folder / MEMO
        for shard in range(MEMO_SHARDS):
            try:
                with open(folder / f"{shard:02d}.pickle", "rb") as handle:
                    code, memo_entries, records = pickle.load(handle)
            except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError,
                    AttributeError, ImportError):
                continue
            if code == self.code:
                self.memo.entries.update(memo_entries)
                self.records.update(records)
        self._saved = self._memo_state()
        try:
            with open(self.folder / PERSON_KEYS, "rb") as handle:
                code, person_keys = pickle.load(handle)
            if code == self.code and isinstance(person_keys, PersonKeys):
                self.person_keys = person_keys
                if not self.links:  # a fresh process: what a link to each letter showed then
                    self.links = {name: link for name, (_, link) in person_keys.ids.items()}
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError,
                AttributeError, ImportError):
            self.person_keys = None

    @property
    def unsaved(self) -> bool:
        """A build left its caches for flush to save (save_later)."""
        return self._unsaved

    def flush(self) -> None:
        """Save what a build left unsaved (save_later); under the build lock, like the build."""
        if self._unsaved:
            self._unsaved = False
            if self._stamp != self._manifest_stamp():
                # another process has built the site since: its manifest describes it now
                self._loaded = False
                return
            with cycle_collector_paused():
                self.save()
            (self.folder / DIRTY).unlink(missing_ok=True)

    def _swapped(self) -> None:
        """After a build swapped its site in: save the caches, now or (save_later) at flush;
        until then the spare folder counts as dirty, so that a process that stops before
        flush leaves no manifest that vouches for it."""
        if self.save_later:
            (self.folder / DIRTY).touch()
            self._unsaved = True
        else:
            self.save()
            (self.folder / DIRTY).unlink(missing_ok=True)

    def save(self) -> None:
        self.save_manifest()
        self.prune()
        if self.keep_memo:
            self.save_memo()

    def save_manifest(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        live, spare = self._files_json()
        # the bytes json.dumps gives for the whole manifest, with no indent (json's C encoder:
        # a manifest of 45,000 files in a tenth of the time)
        manifest = b"".join((
            b'{"format": ', _json(FORMAT), b', "code": ', _json(self.code),
            b', "live": ', live, b', "spare": ', spare,
            b', "live_made": ', _json(None if self.live_made is None else sorted(self.live_made)),
            b', "inputs": ', _json(self.inputs),
            b', "diagnostics": ', _json([[d.path, d.line, d.level, d.message, d.code]
                                         for d in self.diagnostics]), b"}"))
        _atomic_write(self.folder / MANIFEST, manifest)
        self._stamp = self._manifest_stamp()

    def _files_json(self) -> tuple[bytes, bytes]:
        """The manifest's entries of the live and the spare folder as JSON. A build replaces
        the two dicts, and nothing changes them in place: encoded again only when one was
        replaced, not for index_later's save, which changes the inputs alone (it ends the
        indexing that a save may be waiting for: 0.15 s at 10,000 letters)."""
        live, spare, encoded = self._files_encoded
        if live is not self.live or spare is not self.spare:
            encoded = (
                _json({p: [e.key, e.sha, e.size, e.mtime_ns] for p, e in sorted(self.live.items())}),
                _json({p: [e.sha, e.size, e.mtime_ns] for p, e in sorted(self.spare.items())}))
            self._files_encoded = (self.live, self.spare, encoded)
        return encoded

    def _manifest_stamp(self) -> tuple | None:
        try:
            st = os.stat(self.folder / MANIFEST)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _shards(self) -> tuple[dict[int, dict], dict[int, dict]]:
        """The memo's entries and the parsed records, by the file they are kept in."""
        entries: dict[int, dict] = {}
        shard_of: dict[Any, int] = {}  # a letter's name comes in a key of each of its stages
        for key, value in self.memo.entries.items():
            name = key[1] if len(key) > 1 else key
            shard = shard_of.get(name)
            if shard is None:
                shard = shard_of[name] = _shard(name)
            entries.setdefault(shard, {})[key] = value
        records: dict[int, dict] = {}
        for shown, value in self.records.items():
            records.setdefault(_shard(shown), {})[shown] = value
        return entries, records

    def _memo_state(self) -> dict[int, tuple]:
        entries, records = self._shards()
        return {i: (frozenset(entries.get(i, ())),
                    {k: v[0] for k, v in records.get(i, {}).items()})
                for i in set(entries) | set(records)}

    def save_memo(self) -> None:
        """The per-letter work, for the next process: only the memo files whose content
        changed are written again."""
        entries, records = self._shards()
        folder = self.folder / MEMO
        folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "memo.pickle").unlink(missing_ok=True)  # the single file of old
        for shard in range(MEMO_SHARDS):
            part_entries, part_records = entries.get(shard, {}), records.get(shard, {})
            state = (frozenset(part_entries), {k: v[0] for k, v in part_records.items()})
            if self._saved.get(shard, (frozenset(), {})) == state:
                continue
            path = folder / f"{shard:02d}.pickle"
            try:
                data = pickle.dumps((self.code, part_entries, part_records),
                                    protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
                path.unlink(missing_ok=True)  # the next process does this part afresh
                self._saved.pop(shard, None)
                continue
            _atomic_write(path, data)
            self._saved[shard] = state
        if self.person_keys is not None:
            _atomic_write(self.folder / PERSON_KEYS, pickle.dumps(
                (self.code, self.person_keys), protocol=pickle.HIGHEST_PROTOCOL))
        else:
            (self.folder / PERSON_KEYS).unlink(missing_ok=True)

    def prune(self) -> None:
        """After a build: forget what it did not use, so the caches do not grow without end."""
        used = self.memo.used
        self.memo.entries = {k: v for k, v in self.memo.entries.items() if k in used}
        self.memo.used = set()
        self.records = {k: v for k, v in self.records.items() if k in self._records_used}

    # -- nothing changed --

    def read_inputs(self, folders: Iterable[Path], *options: Any,
                    taken: frozenset[tuple[str, int, int, int, int]] | None = None) -> str:
        """A token for every file under the folders (path, time, size) and the options. `taken`:
        their snapshot, taken a moment ago by the caller (serve's watcher), not taken again."""
        taken = snapshot(folders) if taken is None else taken
        self._snapshot = _digest(sorted(taken))
        self._signatures = {entry[0]: entry[1:] for entry in taken}
        return self.inputs_token(*options)

    def inputs_token(self, *options: Any) -> str:
        """The token of the files read_inputs last found, with these options."""
        return _digest(self.code, self._snapshot, os.getcwd(),
                       os.environ.get("SOURCE_DATE_EPOCH"), *options)

    def searched(self, inputs: str, diagnostics: Iterable[Diagnostic]) -> None:
        """The search index of the live site was brought up to date after its pages (serve):
        the site now stands for these inputs, built with the index."""
        self.inputs = inputs
        self.diagnostics = sorted(set(self.diagnostics) | set(diagnostics))
        self.save_manifest()

    def up_to_date(self, inputs: str, search: bool) -> bool:
        """The last successful build read exactly these inputs, and its site is intact."""
        if inputs != self.inputs or not self.out.is_dir() or not self.live:
            return False
        if search and not (self.out / "pagefind").is_dir():
            return False
        return all(self.live_ok(path, entry) for path, entry in self.live.items())

    # -- reading the edition --

    def known_record(self, path: str, shown: str) -> Any:
        """What parse_letter made of the record file at path when it was last read, if the file
        has not changed since (same size, times and inode); None: it must be read."""
        signature = self._signatures.get(path)  # the snapshot looked a moment ago
        if signature is None:
            try:
                st = os.stat(path)
            except OSError:
                return None  # reading it reports why
            signature = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        found = self.records.get(shown)
        if found is not None and found[2] == signature:
            self._records_used.add(shown)
            letter = found[1][0]
            if isinstance(letter, Letter):
                self.names[id(letter)] = (letter, found[0])
            return found[1]
        # A file changed in the moment before this look could change again with the same times
        # (file systems stamp in ticks, not nanoseconds): its signature is not trusted next time.
        settled = time.time_ns() - max(signature[0], signature[1]) > SETTLED_NS
        self._signature = (shown, signature if settled else None)
        return None

    def read_ahead(self, editions: Path, workers: int | None = None) -> None:
        """Before the records are read: when many letter records are new to the cache (a first
        build), read and parse them on every core, one share in forked workers and one here,
        so that known_record finds them all (reading 10,000 took 3 s on one core)."""
        workers = workers or min(os.cpu_count() or 1, 8)
        if workers < 2 or threading.active_count() != 1:
            return
        unknown = [(path, shown) for path, shown in fs.letter_files(editions)
                   if shown not in self.records]
        if len(unknown) < PARALLEL_FROM:
            return
        unknown = _settled(unknown)  # (the others are left to load_editions)
        if len(unknown) < PARALLEL_FROM:
            return
        shares = [unknown[len(unknown) * i // workers: len(unknown) * (i + 1) // workers]
                  for i in range(workers)]
        for records in _on_every_core(_read_records, shares):
            self.records.update(records)

    def parse_letter(self, text: str, shown: str, parse: Callable) -> Any:
        """records.parse_letter, memoized on the text and the path it is shown as."""
        digest = _digest(shown, text)
        self._records_used.add(shown)
        signature = None
        if self._signature is not None and self._signature[0] == shown:
            signature, self._signature = self._signature[1], None
        found = self.records.get(shown)
        if found is None or found[0] != digest:
            found = (digest, parse(text, shown))
        self.records[shown] = (*found[:2], signature)
        letter = found[1][0]
        if isinstance(letter, Letter):
            self.names[id(letter)] = (letter, digest)
        return found[1]

    def parse_persons(self, text: str, shown: str, parse: Callable) -> Any:
        """records.parse_persons, memoized the same way (a large register takes seconds)."""
        return self.parse_letter(text, shown, parse)

    def identify(self, letter: Letter) -> Any:
        """A letter's name in the memo: the digest of the record it was read from."""
        found = self.names.get(id(letter))
        if found is not None and found[0] is letter:
            return found[1]
        return (letter, letter.path, letter.body_line, tuple(letter.key_lines.items()),
                tuple(n.line for n in letter.notes))

    def start(self, persons: Iterable[Person]) -> None:
        """Once the register is read: its token for the per-letter memo."""
        self.memo.token = register_token(persons)

    # -- planning --

    def plan(self, corpus: Corpus, templates: Mapping[str, str], assets: Mapping[str, bytes],
             build_date: str | None) -> "Plan":
        parties: dict[str, frozenset[str]] | None = {}
        named: dict[str, Letter] = {}
        for letter in corpus.letters:
            name = self.identify(letter)
            if not isinstance(name, str):  # not read through this cache: no name to go by
                parties = None
                break
            named[name] = letter
            parties[name] = frozenset(p.ref for p in (*letter.senders, *letter.recipients) if p.ref)
        stale = None
        if parties is not None and self.person_keys is not None:
            stale = self.person_keys.stale(self.memo.token, named, parties, self.memo)
        keys = Keys(corpus, templates, assets, build_date, self.code, self.identify,
                    self.links, {}, self.person_keys.parts if stale is not None else {}, stale,
                    self.memo)
        self.links = keys.new_links  # only this build's letters stay
        self._keys = (keys, parties, named) if parties is not None else None
        return Plan(self, keys)

    def keep_person_keys(self) -> None:
        """After a successful build: its person keys, for the next one."""
        if self._keys is None:
            self.person_keys = None
            return
        keys, parties, named = self._keys
        self._keys = None
        if len(keys._person) == len(keys.corpus.persons):  # the register's page asked for all
            ids = {name: (letter.id, keys.link(letter.id)) for name, letter in named.items()}
            self.person_keys = PersonKeys(self.memo.token, parties, dict(keys._person), ids)
        else:
            self.person_keys = None

    def fill_spare(self) -> None:
        """serve, while it waits for the first save (prime): make the spare folder hold the live
        site in hard links, as the first build after a site made from nothing (whose spare
        folder is empty) would have to: 45,000 links, two seconds at 10,000 letters, that the
        first save would otherwise wait for. Only files the live site holds unchanged are
        linked. The spare folder is marked dirty until the manifest that knows it is saved.
        (The manifest alone: pruning the memo after priming would drop the pieces of the list
        files, which a build that makes no list file does not use.)"""
        if not self.live or not self.out.is_dir():
            return
        spare = self.folder / "spare"
        dirty = self.folder / DIRTY
        known = self.spare if spare.is_dir() and not dirty.exists() else {}
        missing = [path for path, entry in self.live.items()
                   if not _same_file(known.get(path), entry)]
        gone = known.keys() - self.live.keys()
        if not missing and not gone:
            return
        dirty.touch()
        if not known and spare.exists():
            shutil.rmtree(spare)
        spare.mkdir(parents=True, exist_ok=True)
        filled = {path: entry for path, entry in known.items() if path not in gone}
        for path in sorted(gone):
            _remove_spare_file(spare, path)
        join, made_dirs, out = fs.SafeJoiner(spare), set(), str(self.out)
        for path in missing:
            entry = self.live[path]
            target = join(path)
            stale = filled.pop(path, None) is not None
            if not self.live_ok(path, entry):  # changed by hand: the next build makes it
                if stale:  # and a file the manifest will not know must not stay
                    _remove_spare_file(spare, path)
                continue
            Plan._make_room(target, made_dirs)
            fs.link_or_copy(os.path.join(out, path), target)
            st = os.stat(target)
            filled[path] = Entry(None, entry.sha, st.st_size, st.st_mtime_ns)
        self.spare = filled
        self.save_manifest()
        dirty.unlink()

    def live_ok(self, path: str, entry: Entry) -> bool:
        return _unchanged(self._out_slash + path, entry)


class Plan:
    """Which files of this build must be made, and which the live site already holds."""

    def __init__(self, cache: BuildCache, keys: Keys):
        self.cache = cache
        self.keys = keys
        self.paths: dict[str, str | None] = {}
        """Every path this build writes -> its key."""
        self.made: set[str] = set()
        self.clashes: set[str] = set()
        """Paths offered twice (an export and a page): the build reports them."""
        self.placed: dict[str, Entry] = {}
        """Files the workers wrote into the spare folder themselves (their keys are not set)."""
        self._spare: tuple | None = None
        self._live = cache.live
        self._out = cache._out_slash

    def wanted(self, path: str) -> bool:
        """Called by render_site and export_files for every file they can make (32,000 times
        at 10,000 letters: live_ok is written out here)."""
        paths = self.paths
        if path in paths:
            self.clashes.add(path)
        key = paths[path] = self.keys.key(path)
        entry = self._live.get(path)
        if key is not None and entry is not None and entry.key == key:
            try:
                st = os.stat(self._out + path)
            except OSError:
                st = None
            if st is not None and st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns:
                return False
        self.made.add(path)
        return True

    def prepare(self) -> tuple:
        """The spare folder, ready to be brought up to date (once a build): (its path, what the
        manifest knows of it, a guarded join, the folders made)."""
        if self._spare is None:
            cache = self.cache
            spare = cache.folder / "spare"
            spare_known = cache.spare if spare.is_dir() else {}
            if (cache.folder / DIRTY).exists():  # files written by a build that then failed
                spare_known = {}
            if spare.exists() and not spare_known:
                shutil.rmtree(spare)
            spare.mkdir(parents=True, exist_ok=True)
            self._spare = (spare, spare_known, fs.SafeJoiner(spare), set())
        return self._spare

    def let_workers_write(self) -> None:
        """Before workers write into the spare folder: until this build's manifest is saved,
        the folder holds files the manifest does not know."""
        self.prepare()
        self.cache.folder.mkdir(parents=True, exist_ok=True)
        (self.cache.folder / DIRTY).touch()

    def put(self, path: str, data: bytes | Iterator[bytes]) -> Entry:
        """Make the spare folder's file at path hold data, whole or in pieces (left alone when
        it already does); its entry, without a key."""
        spare, spare_known, join, made_dirs = self.prepare()
        known = spare_known.get(path)
        # a path written before was checked then; a new one goes through the guarded join
        if known is not None and ".." not in path.split("/"):
            target = os.path.join(str(spare), path)
        else:
            target = join(path)
        if not isinstance(data, bytes):
            return self._put_pieces(target, known, data, made_dirs)
        # SHA-256: twice blake2b's speed where the processor does it (600 MB a cold build at
        # 10,000 letters, 42 MB of data files after each edit)
        sha = hashlib.sha256(data).hexdigest()
        if known is not None and known.sha == sha and _unchanged(target, known):
            return Entry(None, sha, known.size, known.mtime_ns)
        self._make_room(target, made_dirs)
        try:
            with open(target, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise _naming(exc, target)
        st = os.stat(target)
        return Entry(None, sha, st.st_size, st.st_mtime_ns)

    def _put_pieces(self, target: str, known: Entry | None, pieces: Iterator[bytes],
                    made_dirs: set[str]) -> Entry:
        """put, for data that comes in pieces: written beside the target as it comes, hashed on
        the way, and moved over the target at the end (removed when the pieces fail)."""
        folder, name = os.path.split(target)
        partial = os.path.join(folder, f".{name}.partial")
        self._make_room(partial, made_dirs)
        sha = hashlib.sha256()
        try:
            with open(partial, "wb") as handle:
                for piece in pieces:
                    sha.update(piece)
                    handle.write(piece)
            digest = sha.hexdigest()
            if known is not None and known.sha == digest and _unchanged(target, known):
                os.unlink(partial)
                return Entry(None, digest, known.size, known.mtime_ns)
            os.replace(partial, target)  # (a link the live site shares is replaced, not written)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
            if isinstance(exc, OSError):
                raise _naming(exc, target)
            raise
        st = os.stat(target)
        return Entry(None, digest, st.st_size, st.st_mtime_ns)

    @staticmethod
    def _make_room(target: str, made_dirs: set[str]) -> None:
        folder = os.path.dirname(target)
        if folder not in made_dirs:
            os.makedirs(folder, exist_ok=True)
            made_dirs.add(folder)
        if os.path.lexists(target):
            os.unlink(target)  # never write into a file the live site may share (a hard link)

    def write(self, files: Mapping[str, bytes], out: Path, search: bool,
              index: Callable[[Path, Path | None], list[Diagnostic]] | None,
              strict: bool, has_errors: Callable[..., bool],
              keep_index: bool = False) -> list[Diagnostic]:
        """Bring the spare folder up to date, index it, and swap it in (under the build lock).
        keep_index (with search False): the new site takes over the live site's search index,
        as it is, until pipeline.index_later brings it up to date."""
        cache = self.cache
        live = cache.live if out.is_dir() else {}
        wanted = dict(self.paths)
        for path in files:
            wanted.setdefault(path, None)
        refused = fs.foreign_entries(out, itertools.chain(wanted, live))
        if refused is not None:
            return [refused]
        spare, spare_known, join, made_dirs = self.prepare()

        new: dict[str, Entry] = {}
        root, old = str(spare), str(out)
        # from here on the spare folder is being written: not to be trusted if this build
        # stops before it is swapped in and the caches are saved
        trusted, cache.live_made = cache.live_made, None
        (cache.folder / DIRTY).touch()
        for path in sorted(wanted):
            placed = self.placed.get(path)
            if placed is not None:
                new[path] = Entry(wanted[path], placed.sha, placed.size, placed.mtime_ns)
                continue
            data = files.get(path)
            if data is not None:
                entry = self.put(path, data)
                new[path] = Entry(wanted[path], entry.sha, entry.size, entry.mtime_ns)
                continue
            reused = live.get(path)
            sha = reused.sha
            known = spare_known.get(path)
            if known is not None and trusted is not None and path not in trusted \
                    and known.sha == sha and known.size == reused.size \
                    and known.mtime_ns == reused.mtime_ns:
                new[path] = reused  # the spare holds the live file, which the last build checked
                continue
            if known is not None and ".." not in path.split("/"):
                target = os.path.join(root, path)
            else:
                target = join(path)
            if known is not None and known.sha == sha and _unchanged(target, known):
                new[path] = Entry(wanted[path], sha, known.size, known.mtime_ns)
                continue
            self._make_room(target, made_dirs)
            if fs.link_or_copy(os.path.join(old, path), target):  # same file, same times
                new[path] = Entry(wanted[path], sha, reused.size, reused.mtime_ns)
                continue
            st = os.stat(target)
            new[path] = Entry(wanted[path], sha, st.st_size, st.st_mtime_ns)
        for path in sorted(set(spare_known) - set(new)):
            _remove_spare_file(spare, path)
        index_folder = spare / "pagefind"
        diags: list[Diagnostic] = []
        if index_folder.exists() and not search:
            shutil.rmtree(index_folder)
        if search and index is not None:
            diags = index(spare, out if out.is_dir() else None)
            if has_errors(diags, strict):
                cache.spare = new
                cache.inputs = None
                cache.save()
                (cache.folder / DIRTY).unlink(missing_ok=True)
                return diags
        if keep_index and not search and (out / "pagefind").is_dir():
            os.rename(out / "pagefind", index_folder)  # moved at the last moment: a rename
        _swap(spare, out)
        cache.last_made = frozenset(self.made)
        cache.live_made = frozenset(self.made)
        if cache.pending is not None:
            cache.inputs = cache.pending[0]
            cache.diagnostics = sorted(set(cache.pending[1]) | set(diags))
        # the new site is live from here on: what fails now only costs the next build time
        cache.spare = dict(live) if live else {}
        cache.live = new
        cache.keep_person_keys()
        try:
            if not live and spare.exists():
                shutil.rmtree(spare)  # the site before the cache existed: nothing known about it
            cache._swapped()
        except OSError as exc:  # (a spare folder marked dirty stays so: the next build empties it)
            diags.append(unsaved_caches(exc, cache))
        return diags


_SHARED: tuple | None = None  # (work, shares) of _on_every_core, set just before the fork


def _on_every_core(work: Callable[[Any], Any], shares: Sequence[Any]) -> list:
    """work(share) for each share, the first in this process and the others in forked workers
    at the same time; their results, in order. An error here stops the workers at once."""
    import multiprocessing

    global _SHARED
    _SHARED = (work, shares)
    try:
        pool = multiprocessing.get_context("fork").Pool(len(shares) - 1)
    finally:
        _SHARED = None
    try:
        results = pool.map_async(_work_share, range(1, len(shares)))
        return [work(shares[0]), *results.get()]
    except BaseException:
        pool.terminate()  # (the build is over: the other shares are not wanted)
        raise
    finally:
        pool.close()
        pool.join()


def _work_share(i: int) -> Any:
    """A worker of _on_every_core: share i."""
    work, shares = _SHARED
    return work(shares[i])


def _settled(files: list[tuple[str, str]]) -> list[tuple[str, str, tuple]]:
    """The files whose times are older than SETTLED_NS, with their signatures: those of a file
    changed a moment ago could come again with other contents (see known_record). Taken before
    the files are read, so that a later change shows as another signature."""
    out = []
    now = time.time_ns()
    for path, shown in files:
        try:
            st = os.stat(path)
        except OSError:
            continue  # (reading it reports why)
        if now - max(st.st_mtime_ns, st.st_ctime_ns) > SETTLED_NS:
            out.append((path, shown, (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)))
    return out


def _read_records(files: list[tuple[str, str, tuple]]) -> dict:
    """BuildCache.records' entries for these record files, as parse_letter and known_record
    would make them (a file that cannot be read is left to them)."""
    from .records import parse_letter

    records = {}
    for path, shown, signature in files:
        text, _ = fs.read_text(Path(path), shown)
        if text is not None:
            records[shown] = (_digest(shown, text), parse_letter(text, shown), signature)
    return records


def _shard(name: Any) -> int:
    """Which memo file keeps the work named `name` (the same in every process)."""
    text = name if isinstance(name, str) else repr(name)
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % MEMO_SHARDS


def unsaved_caches(exc: OSError, cache: BuildCache) -> Diagnostic:
    """The line that reports caches a build could not save once its site was live."""
    return warning(fs.display_path(cache.folder), 1, "the site was built, but its build cache "
                   f"could not be saved ({exc.strerror or exc}); the next build may take longer",
                   "io")


def _naming(exc: OSError, path: str) -> OSError:
    """The error, with the file it is about (a write to a full disk names none)."""
    if exc.filename is None:
        exc.filename = path
    return exc


def _same_file(spare: Entry | None, live: Entry) -> bool:
    """The manifest says the spare folder holds the live file (a hard link, or equal)."""
    return spare is not None and spare.sha == live.sha and spare.size == live.size \
        and spare.mtime_ns == live.mtime_ns


def _unchanged(path: str, entry: Entry) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns


def _remove_spare_file(spare: Path, path: str) -> None:
    """Remove a file the manifest knows from the spare folder, and the folders it leaves empty."""
    target = spare.joinpath(*path.split("/"))
    if target.is_file():
        target.unlink()
    _prune_empty(target.parent, spare)


def _prune_empty(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _swap(spare: Path, out: Path) -> None:
    """out <- spare and spare <- the old out, in one step where the system can."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fs.exchange(spare, out)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException:  # (a full disk: no half-written file left behind)
        temporary.unlink(missing_ok=True)
        raise


# --- making the files, on every core -------------------------------------------------------------

#: Below this many files to make, forking workers costs more than it saves.
PARALLEL_FROM = 400


@dataclass
class Made:
    """What a build made in this process: open-data files, pages (with the assets),
    diagnostics, and the paths the exports and pages claim (for the download links and the
    path-clash check). The files the workers made are already in the spare folder
    (Plan.placed)."""

    data: dict[str, bytes]
    site: dict[str, bytes]
    diagnostics: list[Diagnostic]
    exported: set[str]
    clashes: set[str]


_JOB: tuple | None = None  # what forked workers make, set just before they are forked


def make_files(plan: Plan, corpus: Corpus, build_date: str | None, templates: Mapping[str, str],
               assets: Mapping[str, bytes], templates_folder: str, memo: Memo | None,
               workers: int | None = None) -> Made:
    """Make the files the plan wants: first ask the exports and the pages which files they would
    make (nothing is rendered), then make the letters' and persons' files on every core: in
    worker processes, one for each core but one, and in this process, which first makes the
    lists, the registers' index and the data files that list every letter (those use the memo)
    and then a smaller share of the letters and persons. (A worker of its own for that share
    would hold a copy of much of this process's memory: hundreds of megabytes at 10,000
    letters.)"""
    from .export import export_files
    from .render import render_site

    needed: set[str] = set()

    def ask(path: str) -> bool:
        if plan.wanted(path):
            needed.add(path)
        return False

    # (the diagnostics come from the call below that makes the files)
    _, export_diags = export_files(corpus, build_date, wanted=ask, memo=memo, check=False)
    exported = set(plan.paths)
    assets_only, render_diags = render_site(corpus, templates, assets, exports=exported,
                                            build_date=build_date,
                                            templates_folder=templates_folder, wanted=ask)
    diags = export_diags + render_diags
    spread = sorted(p for p in needed if _per_item(p))
    here = needed - set(spread)
    workers = workers or min(os.cpu_count() or 1, 8)
    shards: list[set[str]] = []
    # forking is safe only with one thread (serve's rebuilds run beside its server threads)
    if workers > 1 and len(spread) >= PARALLEL_FROM and threading.active_count() == 1:
        shards = _shares(spread, [_here_weight(workers)] + [1.0] * (workers - 1))
    else:
        here = needed

    global _JOB
    pool = results = job = None
    if shards:
        import multiprocessing

        # each process parses and links its own share again (2 % of a cold build's time): held
        # for every letter, copied into the worker as it reads them, and kept beside what each
        # process makes, the parsed bodies and name links were 140 MiB of the peak at 10,000
        corpus.forget_texts()
        plan.let_workers_write()
        job = _JOB = (corpus, build_date, dict(templates), dict(assets), templates_folder,
                      exported, shards, plan)
        try:
            pool = multiprocessing.get_context("fork").Pool(len(shards) - 1)
            results = pool.map_async(_make_shard, range(1, len(shards)))
        finally:
            _JOB = None
    # with workers, the spare folder takes files before the build is over: this process's go
    # there at once too, not held to the end (the lists and data files are 90 MB at 10,000
    # letters, with the concordance and letters.json 30 MB each)
    sink = None if pool is None else _placer(plan, plan.placed)
    try:
        data, d = export_files(corpus, build_date, wanted=here.__contains__, memo=memo,
                               sink=sink)
        diags += d
        site, d = render_site(corpus, templates, assets, exports=exported,
                              build_date=build_date, templates_folder=templates_folder,
                              wanted=here.__contains__, sink=sink)
        diags += d
        if pool is not None:
            placed, shard_diags = _make_share(job, 0)
            plan.placed.update(placed)
            diags += shard_diags
            if memo is not None:  # this share's bodies only: not worth the next process's load
                memo.forget_stage("body")
            for placed, shard_diags in results.get():
                plan.placed.update(placed)
                diags += shard_diags
    except BaseException:
        if pool is not None:
            pool.terminate()  # (the build is over: its share is not wanted)
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        if memo is not None:
            memo.forget_found()  # (the workers' letters', rendered there)
    site.update(assets_only)
    return Made(data, site, diags, exported, set(plan.clashes))


def prefill_memo(memo: Memo, edition: Any, letters: tuple[Letter, ...],
                 persons: tuple[Person, ...], persons_path: str,
                 workers: int | None = None) -> None:
    """Before build_corpus: when many letters are new to the memo (a first build), do their
    per-letter work (body, name links, note citations, the checks of one letter) on every core,
    one share in forked workers and one here, so that build_corpus and check_corpus find it all
    in the memo. The work is the same wherever it is done: only where it runs changes."""
    memo.forget_found()  # (kept again when this build renders on every core: below)
    new = [l for l in letters
           if ("mentions", memo.identify(l), memo.token) not in memo.entries]
    workers = workers or min(os.cpu_count() or 1, 8)
    if workers < 2 or len(new) < PARALLEL_FROM or threading.active_count() != 1:
        return
    shares = [tuple(new[i::workers]) for i in range(workers)]

    def share(letters: tuple[Letter, ...]) -> tuple[dict, dict]:
        mine = Memo(token=memo.token, identify=memo.identify)
        # the pages are then made on every core too, by processes that parse the bodies again
        mine.keep_found = True
        _prefill(edition, letters, persons, persons_path, mine)
        mine.forget_stage("body")  # not sent back: the renderers parse them again (forget_texts)
        return mine.entries, mine.found

    memo.keep_found = True
    for entries, found in _on_every_core(share, shares):
        memo.entries.update(entries)
        memo.found.update(found)


def _prefill(edition: Any, letters: tuple[Letter, ...], persons: tuple[Person, ...],
             persons_path: str, memo: Memo) -> None:
    """The per-letter work of build_corpus and check_corpus for these letters, into memo."""
    from .corpus import build_corpus
    from .validate import check_letters

    corpus, _ = build_corpus(edition, letters, persons, persons_path, memo=memo)
    check_letters(corpus, persons_path, memo)


#: The lists, the registers' index and the data files that list every letter, as a share of the
#: work of all letters' and persons' files (a cold build at 10,000 letters: 4.9 s against 45.5 s
#: of processor time, since the renderers no longer look for names again).
LISTS_SHARE = 0.11


def _here_weight(processes: int) -> float:
    """The weight of the share of letters and persons this process makes after the lists,
    against 1.0 for each worker's, so that all finish together (none once there are so many
    workers that the lists alone are a worker's share)."""
    each = 1 / (processes - 1)  # of all letters and persons, for each worker were it alone
    mine = max(0.0, (each - LISTS_SHARE) / (1 + each))  # lists + mine == (1 - mine) * each
    return mine / ((1 - mine) * each)


def _shares(paths: list[str], weights: list[float]) -> list[set[str]]:
    """The per-item paths split in runs of whole letters and whole persons, sorted by path (the
    order the records are read in), in proportion to the weights: a worker then touches only
    its own letters' objects, and the memory it shares with this process (forked,
    copy-on-write) stays shared."""
    items: dict[str, list[str]] = {}
    for path in paths:
        items.setdefault(path.rsplit("/", 1)[0], []).append(path)
    letters = [files for item, files in items.items() if item.startswith("letters/")]
    persons = [files for item, files in items.items() if not item.startswith("letters/")]
    shares: list[set[str]] = [set() for _ in weights]
    ends = list(itertools.accumulate(w / sum(weights) for w in weights))

    def share(fraction: float) -> int:
        return next((k for k, end in enumerate(ends) if fraction < end), len(ends) - 1)

    for i, files in enumerate(letters):
        shares[share(i / len(letters))].update(files)
    for i, files in enumerate(persons):
        shares[share(i / len(persons))].update(files)
    return shares


def _placer(plan: Plan, placed: dict[str, Entry]
            ) -> Callable[[str, bytes | Iterator[bytes]], None]:
    """A sink that writes each file into the spare folder as it is made, and notes its entry."""
    def place(path: str, data: bytes | Iterator[bytes]) -> None:
        placed[path] = plan.put(path, data)
    return place


def _per_item(path: str) -> bool:
    """A letter's page and files, or a person's page: made in the workers."""
    return path.startswith(("letters/", "persons/")) and path.count("/") == 2


def _make_shard(i: int) -> tuple[dict[str, Entry], list[Diagnostic]]:
    """A worker: make share i (_make_share)."""
    return _make_share(_JOB, i)


def _make_share(job: tuple, i: int) -> tuple[dict[str, Entry], list[Diagnostic]]:
    """Make share i of the letters' and persons' files and write them into the spare folder at
    once (a worker's bytes never travel back); return their entries."""
    from .export import export_files
    from .render import Site, render_site

    corpus, build_date, templates, assets, templates_folder, exported, shards, plan = job
    placed: dict[str, Entry] = {}
    place = _placer(plan, placed)  # written at once: thousands of pages not held
    diags: list[Diagnostic] = []
    views = Site(corpus, exported)  # (its views over all letters, computed once a share)
    for run in _runs_of_items(shards[i], ITEMS_AT_ONCE):
        # (the characters XML cannot hold are reported by make_files' own export_files)
        _, d = export_files(corpus, build_date, wanted=run.__contains__, sink=place,
                            check=False)
        diags += d
        _, d = render_site(corpus, templates, {}, exports=exported, build_date=build_date,
                           templates_folder=templates_folder, wanted=run.__contains__,
                           sink=place, views=views)
        diags += d
        corpus.forget_texts()  # this run's parsed bodies and name links are not asked for again
    return placed, diags


#: How many letters (or persons) a share makes all the files of before it drops their parsed
#: bodies and name links: a letter's page and TEI file parse and link the same text, and a
#: whole share's held to its end were 100 MiB in each process at 10,000 letters.
ITEMS_AT_ONCE = 500


def _runs_of_items(paths: set[str], size: int) -> Iterator[set[str]]:
    """The paths in runs of `size` whole items (a letter's files, a person's page), in path
    order."""
    items: dict[str, list[str]] = {}
    for path in sorted(paths):
        items.setdefault(path.rsplit("/", 1)[0], []).append(path)
    files = list(items.values())
    for start in range(0, len(files), size):
        yield {path for item in files[start:start + size] for path in item}


_pickle_as_arguments(body, citations, corpus, diagnostics, markup, model, render, search,
                     sys.modules[__name__])
