"""Corpus + templates -> the site as {relative path: bytes}. Pure: no file is read or written here.

Each page gets an explicit context built by the small functions below (views of letters, persons
and archival files), so templates only lay out what these functions computed. Every link is
relative to the page (`root` is the way up to the site root), so the site works under any path
prefix.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, TypeVar
from urllib.parse import urlsplit

from jinja2 import TemplateError
from markupsafe import Markup

from . import anchors
from .body import parse_inline
from .corpus import ArchiveFile, Corpus, Mention
from .diagnostics import Diagnostic
from .markup import LetterText, inline_html, letter_text
from .model import ArchiveRef, Correspondent, Edition, Letter, LetterDate, Person
from .search import letter_names
from .templating import environment, template_diagnostic

T = TypeVar("T")
_LETTER_ID = operator.attrgetter("letter_id")

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

#: Pages every site has: (template, output path, navigation key).
STATIC_PAGES = (
    ("home.html", "index.html", "home"),
    ("letters.html", "letters/index.html", "letters"),
    ("persons.html", "persons/index.html", "persons"),
    ("archive.html", "archive/index.html", "archive"),
    ("about.html", "about/index.html", "about"),
    ("search.html", "search/index.html", "search"),
    ("404.html", "404.html", None),
)

#: The pages that list every letter, person or archival file: megabytes each at 10,000 letters.
LISTS = frozenset(("index.html", "letters/index.html", "persons/index.html", "archive/index.html"))

NAV = (("home", "Home", ""), ("letters", "Letters", "letters/"), ("persons", "Persons", "persons/"),
       ("archive", "Archive", "archive/"), ("about", "About", "about/"), ("search", "Search", "search/"))


# --- small views -----------------------------------------------------------------------------

def iso_display(iso: str) -> str:
    """"1923-11-01" -> "1 November 1923"; "1923-11" -> "November 1923"; "1923" -> "1923"."""
    parts = iso.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return iso


def date_display(date: LetterDate) -> str:
    """The normalised date in words, for readers; the printed form is shown beside it."""
    if date.when:
        return iso_display(date.when)
    if date.not_before and date.not_after:
        return f"between {iso_display(date.not_before)} and {iso_display(date.not_after)}"
    if date.not_before:
        return f"not before {iso_display(date.not_before)}"
    if date.not_after:
        return f"not after {iso_display(date.not_after)}"
    return "undated"


def date_iso(date: LetterDate) -> str | None:
    """A value for <time datetime>: the day, month or year when exactly known."""
    return date.when


def date_range_text(date: LetterDate) -> str:
    """The normalised date as ISO text for tables and exports: "1923-11-01" or "1923-11-01/1923-11-05"."""
    if date.when:
        return date.when
    if date.not_before or date.not_after:
        return f"{date.not_before or '..'}/{date.not_after or '..'}"
    return ""


def folio_text(folios: str) -> str:
    """"1-5" -> "folios 1–5"; "1" -> "folio 1"; "56-56v." -> "folios 56–56v"."""
    value = folios.strip().rstrip(".")
    value = re.sub(r"\s*[-–]\s*", "–", value)
    plural = "–" in value or "," in value
    return f"{'folios' if plural else 'folio'} {value}"


@lru_cache(maxsize=1 << 16)
def archive_gloss(ref: ArchiveRef) -> str:
    """A Russian archival citation spelt out: "fond 558, inventory 2, file 137, folios 1–5"."""
    parts = []
    if ref.fond:
        parts.append(f"fond {ref.fond}")
    if ref.opis:
        parts.append(f"inventory {ref.opis}")
    if ref.delo:
        parts.append(f"file {ref.delo}")
    if ref.folios:
        parts.append(folio_text(ref.folios))
    return ", ".join(parts)


@lru_cache(maxsize=1 << 16)
def archive_anchor(repository: str, fond: str = "", opis: str = "", delo: str = "") -> str:
    """Id of an archival file in the concordance: "rtskhidni-f558-op1-d2565"."""
    slug = re.sub(r"[^a-z0-9]+", "-", repository.casefold()).strip("-") or "archive"
    for prefix, value in (("f", fond), ("op", opis), ("d", delo)):
        if value:
            slug += f"-{prefix}" + re.sub(r"[^a-z0-9]+", "-", value.casefold()).strip("-")
    return slug


def join_names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True, slots=True)
class PersonLink:
    name: str
    url: str | None
    """Link to the register page, or None when the person is not in the register."""


@dataclass(frozen=True, slots=True)
class LetterLink:
    """Another letter, as a link shows it."""

    url: str
    label: str
    """"No. 174 (10 November 1923)"."""
    title: str


@dataclass(frozen=True, slots=True)
class LetterRow:
    """A letter in the list of letters."""

    id: str
    url: str
    number: int | None
    title: str
    date_text: str
    date_display: str
    date_sort: str
    senders: tuple[PersonLink, ...]
    recipients: tuple[PersonLink, ...]
    place: str | None
    place_supplied: bool
    archive: str | None


@dataclass(frozen=True, slots=True)
class ArchiveView:
    text: str
    gloss: str
    repository: str
    url: str
    """The archival file in the concordance."""


@dataclass(frozen=True, slots=True)
class LetterPage:
    row: LetterRow
    letter: Letter
    date_iso: str | None
    date_supplied: bool
    archive: ArchiveView | None
    physical: str | None
    text: LetterText
    previous: LetterLink | None
    next: LetterLink | None
    correspondence_with: str
    """"B. I. Magidov and I. V. Stalin"."""
    correspondence_previous: LetterLink | None
    correspondence_next: LetterLink | None
    correspondence_count: int
    in_reply_to: LetterLink | None
    replies: tuple[LetterLink, ...]
    citation: str
    note_citations: Mapping[int, str]
    note_archives: Mapping[int, tuple[tuple[str, str], ...]]
    """Note number -> (concordance URL, gloss) of each archival file the note cites."""
    meta: tuple[tuple[str, str], ...]
    """Zotero-readable citation_* meta tags, in a fixed order."""
    downloads: tuple[tuple[str, str, str], ...]
    """(url, label, media type) of the letter as data."""
    canonical: str


@dataclass(frozen=True, slots=True)
class MentionGroup:
    """The places in one letter that name a person."""

    letter: LetterLink
    places: tuple[tuple[str, str, str], ...]
    """(url with fragment, label as shown, label as spoken) for each place."""


class MadeWhenRead(Sequence[T]):
    """A person's letter links or mention groups, made when first read: the register's index
    only counts them, and at ten thousand letters making them for all persons costs seconds."""

    def __init__(self, count: int, make: Callable[[], tuple[T, ...]]):
        self._count = count
        self._make: Callable[[], tuple[T, ...]] | None = make
        self._items: tuple[T, ...] = ()

    def _made(self) -> tuple[T, ...]:
        if self._make is not None:
            self._items, self._make = self._make(), None
        return self._items

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self._made()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self._made())

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None


@dataclass(frozen=True, slots=True)
class PersonView:
    ref: str
    url: str
    person: Person
    sent: Sequence[LetterLink]
    received: Sequence[LetterLink]
    mentioned: Sequence[MentionGroup]

    @property
    def letter_count(self) -> int:
        return len(self.sent) + len(self.received)


@dataclass(frozen=True, slots=True)
class ArchiveEntryView:
    folios: str
    gloss: str
    text: str
    letter: LetterLink
    note: int | None
    url: str


@dataclass(frozen=True, slots=True)
class ArchiveFileView:
    id: str
    repository: str
    fond: str
    opis: str
    delo: str
    gloss: str
    entries: tuple[ArchiveEntryView, ...]


# --- builders --------------------------------------------------------------------------------

class Site:
    """Builds every view of one corpus, for pages at any depth."""

    def __init__(self, corpus: Corpus, exports: Iterable[str] = ()):
        self.corpus = corpus
        self.edition = corpus.edition
        self.exports = frozenset(exports)
        self._cited: dict[str, list[tuple[ArchiveFile, int]]] | None = None
        self._cited_files: dict[str, dict[int, list[tuple[str, str]]]] = {}
        self.sent = corpus.by_sender
        self.received = corpus.by_recipient
        self._letter_links: dict[tuple[str, str], LetterLink] = {}
        """(letter id, root) -> its link: the register's pages show each letter dozens of
        times, on pages at the same depth."""

    @property
    def _cited_entries(self) -> dict[str, list[tuple[ArchiveFile, int]]]:
        """Letter id -> (archival file, note number) for each note's citation, in the order of
        the concordance."""
        if self._cited is None:
            self._cited = _notes_citing(self.corpus.archive_files)
        return self._cited

    def cited_files(self, letter_id: str) -> dict[int, list[tuple[str, str]]]:
        """Note number -> the archival files the note cites (link, label), for one letter."""
        found = self._cited_files.get(letter_id)
        if found is None:
            found = self._cited_files[letter_id] = {}
            for f, note in self._cited_entries.get(letter_id, ()):
                ref = ArchiveRef(f.repository, f.fond or None, f.opis or None, f.delo or None)
                target = ("archive/#" + archive_anchor(f.repository, f.fond, f.opis, f.delo),
                          f"{f.repository}, {archive_gloss(ref)}")
                cited = found.setdefault(note, [])
                if target not in cited:
                    cited.append(target)
        return found

    def person_link(self, c: Correspondent, root: str) -> PersonLink:
        if c.ref and c.ref in self.corpus.persons:
            return PersonLink(c.name, root + anchors.person_url(c.ref))
        return PersonLink(c.name, None)

    def letter_label(self, letter: Letter) -> str:
        number = f"No. {letter.number}" if letter.number is not None else letter.title
        return f"{number} ({date_display(letter.date)})"

    def letter_link(self, letter: Letter | None, root: str) -> LetterLink | None:
        if letter is None:
            return None
        found = self._letter_links.get((letter.id, root))
        if found is None:
            found = self._letter_links[letter.id, root] = LetterLink(
                root + anchors.letter_url(letter.id), self.letter_label(letter), letter.title)
        return found

    def row(self, letter: Letter, root: str) -> LetterRow:
        return LetterRow(
            id=letter.id, url=root + anchors.letter_url(letter.id), number=letter.number,
            title=letter.title, date_text=letter.date.text, date_display=date_display(letter.date),
            date_sort=date_range_text(letter.date) or "9999",
            senders=tuple(self.person_link(c, root) for c in letter.senders),
            recipients=tuple(self.person_link(c, root) for c in letter.recipients),
            place=letter.place.name if letter.place else None,
            place_supplied=bool(letter.place and letter.place.supplied),
            archive=letter.archive.text if letter.archive else None,
        )

    def absolute(self, path: str) -> str:
        base = self.edition.base_url
        return (base if base.endswith("/") else base + "/") + path

    def edition_citation(self) -> str:
        e = self.edition
        parts = []
        if e.compilers:
            parts.append(f"{join_names(list(e.compilers))} (comp.),")
        parts.append(f"{e.title}.")
        if e.editors:
            parts.append(f"Digital edition by {join_names(list(e.editors))}.")
        else:
            parts.append("Digital edition.")
        if e.published:
            parts.append(f"Published {iso_display(e.published)}.")
        parts.append(self.absolute(""))
        return " ".join(parts)

    def letter_citation(self, letter: Letter, fragment: str = "", note: int | None = None) -> str:
        e = self.edition
        head = f"{letter.title}, {letter.date.text}"
        if letter.number is not None:
            head += f" (No. {letter.number})"
        if note is not None:
            head = f"Note {note} to {head}"
        parts = [head + "."]
        if letter.archive is not None and letter.archive.text:
            parts.append(f"{letter.archive.text.rstrip('.')}.")
        ed = f"In: {e.title}"
        if e.compilers:
            ed += f", compiled by {join_names(list(e.compilers))}"
        parts.append(ed + ".")
        if e.published:
            parts.append(f"Digital edition, {iso_display(e.published)}.")
        parts.append(self.absolute(anchors.letter_url(letter.id)) + fragment)
        return " ".join(parts)

    def meta_tags(self, letter: Letter) -> tuple[tuple[str, str], ...]:
        e = self.edition
        tags: list[tuple[str, str]] = [("citation_title", letter.title)]
        tags += [("citation_author", c.name) for c in letter.senders]
        when = letter.date.when or letter.date.not_before
        if when:
            tags.append(("citation_date", when.replace("-", "/")))
        tags.append(("citation_book_title", e.title))
        tags += [("citation_editor", name) for name in e.compilers]
        if e.publisher:
            tags.append(("citation_publisher", e.publisher))
        if e.published:
            tags.append(("citation_online_date", e.published.replace("-", "/")))
        tags.append(("citation_language", e.language))
        if letter.archive is not None and letter.archive.text:
            tags.append(("citation_archive_location", letter.archive.text))
        tags.append(("citation_public_url", self.absolute(anchors.letter_url(letter.id))))
        tei = f"letters/{letter.id}/tei.xml"
        if tei in self.exports:
            tags.append(("citation_xml_url", self.absolute(tei)))
        return tuple(tags)

    def letter_page(self, letter: Letter, root: str) -> LetterPage:
        c = self.corpus
        prev, nxt = c.neighbours(letter)
        cprev, cnext = c.correspondence_neighbours(letter)
        notes = c.notes(letter)
        text = letter_text(c.blocks(letter), notes, c.names, root, c.persons)
        parties = [p.name for p in (*letter.senders, *letter.recipients)]
        archive = None
        if letter.archive is not None:
            a = letter.archive
            archive = ArchiveView(a.text, archive_gloss(a), a.repository,
                                  root + "archive/#" + archive_anchor(*a.file_key))
        replied = c.by_id.get(letter.in_reply_to) if letter.in_reply_to else None
        downloads = []
        for path, label, media in ((f"letters/{letter.id}/tei.xml", "TEI P5 XML", "application/tei+xml"),
                                   (f"letters/{letter.id}/letter.json", "JSON", "application/json")):
            if path in self.exports:
                downloads.append((root + path, label, media))
        return LetterPage(
            row=self.row(letter, root), letter=letter, date_iso=date_iso(letter.date),
            date_supplied=letter.date.supplied, archive=archive, physical=letter.physical,
            text=text, previous=self.letter_link(prev, root), next=self.letter_link(nxt, root),
            correspondence_with=join_names(list(dict.fromkeys(parties))),
            correspondence_previous=self.letter_link(cprev, root),
            correspondence_next=self.letter_link(cnext, root),
            correspondence_count=len(c.correspondence(letter)),
            in_reply_to=self.letter_link(replied, root),
            replies=tuple(self.letter_link(c.by_id[r], root) for r in c.replies.get(letter.id, ())),
            citation=self.letter_citation(letter),
            note_citations={n.n: self.letter_citation(letter, "#" + anchors.note_id(n.n), n.n)
                            for n in notes},
            note_archives={n: tuple((root + url, gloss) for url, gloss in files)
                           for n, files in self.cited_files(letter.id).items()},
            meta=self.meta_tags(letter), downloads=tuple(downloads),
            canonical=self.absolute(anchors.letter_url(letter.id)),
        )

    def person_view(self, person: Person, root: str) -> PersonView:
        c = self.corpus
        sent, received = (self._links(by.get(person.ref, ()), root)
                          for by in (self.sent, self.received))
        named = c.mentions.get(person.ref, ())

        def mentioned() -> tuple[MentionGroup, ...]:
            groups: dict[str, list[Mention]] = {}
            for m in named:
                groups.setdefault(m.letter_id, []).append(m)  # mentions come in letter order
            made = []
            for letter_id, mentions in groups.items():
                url = root + anchors.letter_url(letter_id)
                # "¶ 4" is shown (no-break space: never split); screen readers say "paragraph 4"
                places = tuple((f"{url}#{m.anchor}", f"note\u00a0{m.n}", f"note {m.n}")
                               if m.in_note else (f"{url}#{m.anchor}", f"¶\u00a0{m.n}",
                                                  f"paragraph {m.n}")
                               for m in mentions)
                made.append(MentionGroup(self.letter_link(c.by_id[letter_id], root), places))
            return tuple(made)

        return PersonView(person.ref, root + anchors.person_url(person.ref), person, sent, received,
                          MadeWhenRead(len(set(map(_LETTER_ID, named))), mentioned))

    def _links(self, letters: Sequence[Letter], root: str) -> MadeWhenRead[LetterLink]:
        return MadeWhenRead(len(letters), lambda: tuple(self.letter_link(letter, root)
                                                       for letter in letters))

    def archive_view(self, f: ArchiveFile, root: str) -> ArchiveFileView:
        entries = []
        for e in f.entries:
            letter = self.corpus.by_id[e.letter_id]
            url = root + anchors.letter_url(letter.id)
            if e.note is not None:
                url += "#" + anchors.note_id(e.note)
            entries.append(ArchiveEntryView(e.folios or "", folio_text(e.folios) if e.folios else "",
                                            e.text, self.letter_link(letter, root), e.note, url))
        ref = ArchiveRef(f.repository, f.fond or None, f.opis or None, f.delo or None)
        return ArchiveFileView(archive_anchor(f.repository, f.fond, f.opis, f.delo), f.repository,
                               f.fond, f.opis, f.delo, archive_gloss(ref), tuple(entries))


#: The last concordance _notes_citing went through, with its result: an incremental build
#: hands the renderers the same concordance object when no citation changed (serve: a pass
#: over 30,000 entries saved on every save). Read only, like the concordance.
_last_citing: tuple[tuple[ArchiveFile, ...], dict[str, list[tuple[ArchiveFile, int]]]] | None = None


def _notes_citing(archive_files: tuple[ArchiveFile, ...]) -> dict[str, list[tuple[ArchiveFile, int]]]:
    global _last_citing
    if _last_citing is not None and _last_citing[0] is archive_files:
        return _last_citing[1]
    cited: dict[str, list[tuple[ArchiveFile, int]]] = {}
    for f in archive_files:
        for e in f.entries:
            if e.note is not None:
                cited.setdefault(e.letter_id, []).append((f, e.note))
    _last_citing = (archive_files, cited)
    return cited


def page_root(path: str) -> str:
    """The way up from a page to the site root: "letters/173/index.html" -> "../../"."""
    return "../" * path.count("/")


def _group(items: Iterable[Any], key: Callable[[Any], Any]) -> list[tuple[Any, list[Any]]]:
    out: list[tuple[Any, list[Any]]] = []
    for item in items:
        k = key(item)
        if out and out[-1][0] == k:
            out[-1][1].append(item)
        else:
            out.append((k, [item]))
    return out


def edition_summary(corpus: Corpus) -> dict[str, Any]:
    return corpus.once("summary", lambda: _summary(corpus))


def _summary(corpus: Corpus) -> dict[str, Any]:
    letters = corpus.letters
    dated = [letter.date for letter in letters if letter.date.sort_key != "9999"]
    return {
        "letters": len(letters),
        "notes": sum(len(letter.notes) for letter in letters),
        "persons": len(corpus.persons),
        "first": date_display(dated[0]) if dated else None,
        "last": date_display(dated[-1]) if dated else None,
        "archive_files": len(corpus.archive_files),
        "repositories": sorted({f.repository for f in corpus.archive_files}),
    }


def _encoded(pieces: Iterator[str], size: int = 1 << 16) -> Iterator[bytes]:
    """The pieces of text a template yields, as UTF-8 in runs of some `size` characters."""
    run: list[str] = []
    held = 0
    for piece in pieces:
        run.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(run).encode("utf-8")
            run, held = [], 0
    if run:
        yield "".join(run).encode("utf-8")


def render_site(corpus: Corpus, templates: Mapping[str, str], assets: Mapping[str, bytes] = {},
                exports: Iterable[str] = (), build_date: str | None = None,
                templates_folder: str = "templates", wanted: Callable[[str], bool] | None = None,
                sink: Callable[[str, bytes | Iterator[bytes]], None] | None = None,
                views: Site | None = None) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Every page of the site, plus the assets, as {relative path: bytes}. With `wanted`, only
    the pages whose path it accepts (an incremental build reuses the others). With `sink`, each
    file is handed to it as soon as it is made and not kept (the dict comes back empty); the
    lists of all letters, persons and archival files come to it as they are rendered, in pieces
    of bytes, never whole (the concordance is 36 MB at 10,000 letters, and held whole as text,
    its pieces and its bytes, it added 140 MiB to the build's peak). `views`: the Site of this
    corpus and exports from a call before, with what it computed over all letters (a share of
    the pages is made in runs of letters, one call each)."""
    want = wanted or (lambda path: True)
    env = environment(templates)
    site = views if views is not None else Site(corpus, exports)
    edition: Edition = corpus.edition
    files: dict[str, bytes] = {}
    put = sink or files.__setitem__
    diags: list[Diagnostic] = []
    summary = edition_summary(corpus)
    persons = sorted(corpus.persons.values(), key=lambda p: (p.sort_key, p.ref))

    def page(template: str, path: str, current: str | None, title: str, **context: Any) -> None:
        root = page_root(path)
        if path == "404.html":
            # served in place of any missing page, at any depth: links from the site's own path
            root = urlsplit(site.absolute("")).path
        base = {
            "edition": edition, "root": root, "home": root or "./", "current": current,
            "nav": [(key, label, (root + url) or "./") for key, label, url in NAV],
            "title": title, "build_date": build_date or edition.published,
            "edition_citation": site.edition_citation(), "summary": summary,
            "canonical": site.absolute("" if path in ("index.html", "404.html")
                                       else path.removesuffix("index.html")),
            "downloads": [(root + p, label) for p, label in (
                ("data/letters.json", "letters.json"), ("data/letters.csv", "letters.csv"),
                ("data/cmif.xml", "CMIF (correspSearch)")) if p in site.exports],
        }
        try:
            if sink is not None and path in LISTS:
                # (a template error in the middle: the sink drops what it was given)
                sink(path, _encoded(env.get_template(template).generate(**base, **context)))
                return
            html = env.get_template(template).render(**base, **context)
        except TemplateError as exc:
            diags.append(template_diagnostic(exc, template, templates_folder))
            return
        put(path, html.encode("utf-8"))

    for template, path, current in STATIC_PAGES:
        if template not in templates or not want(path):
            continue
        root = page_root(path)
        context: dict[str, Any] = {}
        title = {"home": edition.title, "letters": "Letters", "persons": "Persons",
                 "archive": "Archive concordance", "about": "About this edition",
                 "search": "Search", None: "Page not found"}[current]
        if current == "letters":
            context["rows"] = [site.row(letter, root) for letter in corpus.letters]
        elif current == "home":
            context["rows"] = [site.row(letter, root) for letter in corpus.letters]
        elif current == "persons":
            context["persons"] = [site.person_view(p, root) for p in persons]
        elif current == "archive":
            views = [site.archive_view(f, root) for f in corpus.archive_files]
            context["repositories"] = [
                (repo, [(fond, _group(by_fond, lambda v: v.opis))
                        for fond, by_fond in _group(by_repo, lambda v: v.fond)])
                for repo, by_repo in _group(views, lambda v: v.repository)]
        page(template, path, current, title, **context)

    name_forms: dict[str, tuple[str, ...]] = {}  # ref -> its forms, for every letter page
    for letter in corpus.letters:
        path = f"{anchors.letter_url(letter.id)}index.html"
        if not want(path):
            continue
        view = site.letter_page(letter, page_root(path))
        title = letter.title if letter.number is None else f"No. {letter.number}: {letter.title}"
        page("letter.html", path, "letters", title, page=view,
             search_names=letter_names(corpus, letter, name_forms))

    for person in persons:
        path = f"{anchors.person_url(person.ref)}index.html"
        if not want(path):
            continue
        root = page_root(path)
        others = corpus.persons.keys() - {person.ref}  # no link to this very page
        note = inline_html(parse_inline(person.description), corpus.names, root, others) \
            if person.description else Markup("")
        page("person.html", path, "persons", person.name, view=site.person_view(person, root),
             description=note)

    for name in sorted(assets):
        put(f"assets/{name}", assets[name])
    return files, diags
