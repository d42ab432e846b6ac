"""Every file of the site, by kind: where each is, which exist, and how each is made from facts.

Pure. This is the site's one map. A kind of page (or data file) says:

- `keys(site)`: which pages of the kind exist (a letter id, a ref, a year, or "" for one page);
- `path(key)`: where the page goes, relative to the site root;
- `make(read, key, env)`: the page's bytes, made from what `read(family, key)` returns
  (site.Site.read) and nothing else. Templated kinds make a context from their reads and lay it
  out with their template; what a template can show is what the page read.

An incremental build notes what each page read and makes it again only when one of those facts
changed (engine/), so a kind declares its dependencies by reading them, next to how it renders.
Lists that would grow past LIST_LIMIT letters are split into pages by year.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Mapping
from urllib.parse import urlsplit

from jinja2 import Environment
from markupsafe import Markup

from . import anchors, tei
from .body import parse_inline
from .display import (archive_anchor, archive_gloss, date_display, date_reading, date_range_text,
                      folio_text, citation_differs, normalised_citation, printed_differs,
                      repository_name, iso_display, join_names)
from .letters import Summary
from .markup import LetterText, inline_html, letter_text
from .model import REGISTERS, ArchiveRef, Correspondent, Edition, Person
from .names import entry_forms
from .records import is_iso_date

#: read(family, key) -> the fact (site.Site.read, as the build hands it to a page).
Read = Callable[..., Any]

#: How many letters a list shows on one page before it is split into pages by year.
LIST_LIMIT = 500

NAV = (("home", "Home", ""), ("letters", "Letters", "letters/"), ("persons", "Persons", "persons/"),
       ("places", "Places", "places/"), ("organisations", "Bodies", "organisations/"),
       ("works", "Works", "works/"), ("archive", "Archive", "archive/"), ("about", "About", "about/"),
       ("search", "Search", "search/"))
#: Registers the navigation names only when the edition has entries in them.
OPTIONAL_REGISTERS = frozenset(("places", "organisations", "works"))

#: The open-data files every page's footer offers (path, label), when they are made.
DATA_FILES = (("data/letters.json", "letters.json"), ("data/letters.csv", "letters.csv"),
              ("data/cmif.xml", "CMIF (correspSearch)"))
CMIF_PATH = "data/cmif.xml"


# --- views: what templates lay out -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PersonLink:
    """A correspondent (or a place), as a list or a letter page names it."""

    name: str
    url: str | None
    """Link to the register page, or None when the register has no such entry."""
    role: str = "to"
    """For a recipient: "to" (addressee), "cc" (copy recipient) or "forwarded"."""


@dataclass(frozen=True, slots=True)
class LetterLink:
    """Another letter, as a link shows it."""

    url: str
    label: str
    """"No. 174 (10 November 1923)"."""
    title: str
    role: str = "to"
    """How the letter reached the entry whose page lists it: "to", "cc", "forwarded"."""


@dataclass(frozen=True, slots=True)
class LetterRow:
    """A letter in a list of letters."""

    id: str
    url: str
    number: int | None
    title: str
    date_text: str
    date_display: str
    date_printed_differs: bool
    """The printed date says more than date_display (brackets, another form): shown beside it."""
    date_sort: str
    senders: tuple[PersonLink, ...]
    recipients: tuple[PersonLink, ...]
    place: str | None
    place_supplied: bool
    archive: str | None
    place_url: str | None = None
    """The place of writing's register page, when it has one."""

    @property
    def addressees(self) -> tuple[PersonLink, ...]:
        return tuple(p for p in self.recipients if p.role == "to")

    @property
    def copies(self) -> tuple[PersonLink, ...]:
        return tuple(p for p in self.recipients if p.role == "cc")

    @property
    def forwarded(self) -> tuple[PersonLink, ...]:
        return tuple(p for p in self.recipients if p.role == "forwarded")


@dataclass(frozen=True, slots=True)
class ArchiveView:
    text: str
    """The citation as printed."""
    gloss: str
    repository: str
    url: str
    """The archival file in the concordance."""
    normalised: str = ""
    """The citation with the usual abbreviations (display.normalised_citation)."""
    printed_differs: bool = False
    repository_name: str | None = None
    """The archive spelt out, with its present name (display.repository_name)."""


#: Languages by name, for the labels of a letter's texts.
LANGUAGES = {"en": "English", "ru": "Russian", "de": "German", "fr": "French", "uk": "Ukrainian",
             "pl": "Polish", "it": "Italian", "es": "Spanish", "la": "Latin", "cs": "Czech"}


@dataclass(frozen=True, slots=True)
class TextView:
    """One of a letter's texts (its original and a translation), as the page shows it."""

    language: str
    role: str | None
    label: str
    """"Russian original", "English translation"."""
    text: LetterText
    title: str | None = None
    """The heading as this text prints it."""
    date_text: str | None = None
    archive_text: str | None = None


def text_label(language: str, role: str | None) -> str:
    name = LANGUAGES.get(language, language)
    return f"{name} {role}" if role else f"{name} text"


@dataclass(frozen=True, slots=True)
class LetterPage:
    row: LetterRow
    letter: Any
    """The letter's record (model.Letter)."""
    date_iso: str | None
    date_supplied: bool
    date_reading: str | None
    """How the editors dated the letter, when the date in words does not say it."""
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
    context: tuple[ContextLink, ...]
    """The letters the source's own context names (TEI correspContext), beyond the reply above."""
    citation: str
    note_citations: Mapping[int, str]
    note_archives: Mapping[int, tuple[tuple[str, str], ...]]
    """Note number -> (concordance URL, gloss) of each archival file the note cites."""
    meta: tuple[tuple[str, str], ...]
    """Zotero-readable citation_* meta tags, in a fixed order."""
    downloads: tuple[tuple[str, str, str], ...]
    """(url, label, media type) of the letter as data."""
    canonical: str
    texts: tuple[TextView, ...] = ()
    """Every text of a letter that has more than one (its own first); () for one text."""
    transcriptions: tuple[tuple[str, str], ...] = ()
    """(url, label) of the lines of the published transcriptions the letter was read from."""
    aligned: bool = False
    """The texts have as many paragraphs each: the page sets them side by side, row by row."""


@dataclass(frozen=True, slots=True)
class MentionGroup:
    """The places in one letter that name a person."""

    letter: LetterLink
    places: tuple[tuple[str, str, str], ...]
    """(url with fragment, label as shown, label as spoken) for each place."""


@dataclass(frozen=True, slots=True)
class LetterGroup:
    """Letters an entry's page lists under one heading: written by the person, sent to them,
    written at the place..."""

    key: str
    heading: str
    links: tuple[LetterLink, ...]
    none: str
    """What the page says when there are none."""


@dataclass(frozen=True, slots=True)
class EntryView:
    """A register entry's page: the entry, its letters and where it is named."""

    register: str
    ref: str
    url: str
    entry: Person
    groups: tuple[LetterGroup, ...]
    mentioned: Sequence[MentionGroup]
    authority: tuple
    """authority.AuthorityLink of each of its IDs, in scheme order."""

    @property
    def person(self) -> Person:  # (the persons register's templates say person)
        return self.entry

    @property
    def letter_count(self) -> int:
        return sum(len(g.links) for g in self.groups)


@dataclass(frozen=True, slots=True)
class EntryRow:
    """An entry in the list of a register: the entry and how many letters it has."""

    ref: str
    url: str
    entry: Person
    counts: tuple[str, ...]
    """How many letters of each group it has: "wrote 3 letters", "received 1 letter"."""
    mentioned: int
    """In how many letters it is named."""
    ids: tuple = ()
    """authority.AuthorityLink of each of its IDs."""

    @property
    def person(self) -> Person:
        return self.entry


@dataclass(frozen=True, slots=True)
class ArchiveEntryView:
    folios: str
    gloss: str
    text: str
    """The citation as printed ("Ibid. D. 561. L. 56-56v.")."""
    letter: LetterLink
    note: int | None
    url: str
    normalised: str = ""
    """The citation resolved ("Ibid." read) and with the usual abbreviations."""
    printed_differs: bool = False

@dataclass(frozen=True, slots=True)
class ArchiveFileView:
    id: str
    repository: str
    fond: str
    opis: str
    delo: str
    gloss: str
    entries: tuple[ArchiveEntryView, ...]
    shelfmark: str = ""
    """The shelfmark, for a file cited by shelfmark rather than fond, opis and delo."""


# --- reading facts into views ----------------------------------------------------------------

def page_root(path: str) -> str:
    """The way up from a page to the site root: "letters/173/index.html" -> "../../"."""
    return "../" * path.count("/")


def base_url(edition: Edition) -> str:
    url = edition.base_url.strip()
    return url if url.endswith("/") else url + "/"


def absolute(edition: Edition, path: str) -> str:
    base = edition.base_url
    return (base if base.endswith("/") else base + "/") + path


def publication_date(read: Read) -> str | None:
    """The date the open data carries: edition.yaml's `published`, else the build date; None
    when neither is an ISO date."""
    date = read("edition").published or read("build-date")
    return date if date is not None and is_iso_date(date) else None


def letter_label(letter: Summary) -> str:
    number = f"No. {letter.number}" if letter.number is not None else letter.title
    return f"{number} ({date_display(letter.date)})"


@dataclass(frozen=True, slots=True)
class ContextLink:
    """A letter the source's context names: in this edition (linked to its page), on the web
    (linked there), or known only by its label."""

    relation: str
    """"Previous letter in this correspondence"."""
    label: str
    url: str | None


#: correspContext relations in words (tei._related_type's vocabulary).
_RELATIONS = {"previous": "Previous letter", "next": "Next letter",
              "previous-in-corresp": "Previous letter in this correspondence",
              "next-in-corresp": "Next letter in this correspondence",
              "reply-to": "In reply to", "replied-by": "Answered by"}


def context_links(read: Read, letter: Summary, shown: set[str], root: str
                  ) -> tuple[ContextLink, ...]:
    """The source's context refs, each once, but for letters the page already links as replies
    (`shown`). Only an http(s) address is linked outward: the target is the source's text."""
    ids = read("letters")
    out = []
    for r in letter.related:
        relation = _RELATIONS.get(r.type) or _words(r.type)
        target = r.target
        own = tei.letter_id(target.split("?")[0]) if "://" in target else None
        if own in ids:  # the URL of one of the edition's own letters
            target = own
        if target in shown:
            continue
        if target in ids:
            link = letter_link(read, target, root)
            out.append(ContextLink(relation, r.label or link.label, link.url))
        else:
            web = urlsplit(r.target).scheme in ("http", "https")
            out.append(ContextLink(relation, r.label or r.target, r.target if web else None))
    return tuple(dict.fromkeys(out))


def _words(name: str) -> str:
    """"belongsToCorrespondence", "belongs_to-correspondence" -> "Belongs to correspondence"."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")
    return " ".join(words.split()).capitalize()


def letter_link(read: Read, letter_id: str | None, root: str) -> LetterLink | None:
    if letter_id is None:
        return None
    letter: Summary = read("letter", letter_id)
    # (an unnumbered letter's label is its title already)
    return LetterLink(root + anchors.letter_url(letter.id), letter_label(letter),
                      letter.title if letter.number is not None else "")


def person_link(read: Read, c: Correspondent, root: str) -> PersonLink:
    """A sender or recipient, linked to its register page (persons or organisations)."""
    if c.ref and read("entry", (c.register, c.ref)) is not None:
        return PersonLink(c.name, root + anchors.entry_url(c.register, c.ref), c.role)
    return PersonLink(c.name, None, c.role)


def place_url(read: Read, place: Any, root: str) -> str | None:
    if place is not None and place.ref and read("entry", ("places", place.ref)) is not None:
        return root + anchors.entry_url("places", place.ref)
    return None


def letter_row(read: Read, letter_id: str, root: str) -> LetterRow:
    letter: Summary = read("letter", letter_id)
    return LetterRow(
        id=letter.id, url=root + anchors.letter_url(letter.id), number=letter.number,
        title=letter.title, date_text=letter.date.text, date_display=date_display(letter.date),
        date_printed_differs=printed_differs(letter.date),
        date_sort=date_range_text(letter.date) or "9999",
        senders=tuple(person_link(read, c, root) for c in letter.senders),
        recipients=tuple(person_link(read, c, root) for c in letter.recipients),
        place=letter.place.name if letter.place else None,
        place_supplied=bool(letter.place and letter.place.supplied),
        archive=letter.archive.text if letter.archive else None,
        place_url=place_url(read, letter.place, root),
    )


def edition_citation(edition: Edition) -> str:
    parts = []
    if edition.compilers:
        parts.append(f"{join_names(list(edition.compilers))} (comp.),")
    parts.append(f"{edition.title}.")
    if edition.editors:
        parts.append(f"Digital edition by {join_names(list(edition.editors))}.")
    else:
        parts.append("Digital edition.")
    if edition.published:
        parts.append(f"Published {iso_display(edition.published)}.")
    parts.append(absolute(edition, ""))
    return " ".join(parts)


def translated(edition: Edition, letter: Summary) -> str | None:
    """"English translation" when the letter's text is a translation (its record says so, or
    the edition is one), else None."""
    if letter.role == "original" or (letter.role is None and not edition.translation):
        return None
    language = letter.language or edition.language
    return f"{LANGUAGES.get(language, language)} translation"


def letter_citation(edition: Edition, letter: Summary, fragment: str = "",
                    note: int | None = None) -> str:
    head = f"{letter.title}, {date_display(letter.date)}"
    if letter.number is not None:
        head += f" (No. {letter.number})"
    if note is not None:
        head = f"Note {note} to {head}"
    parts = [head + "."]
    language = translated(edition, letter)
    if language is not None:
        parts.append(f"{language}.")
    if letter.archive is not None and letter.archive.text:
        parts.append(normalised_citation(letter.archive))
    ed = f"In: {edition.title}"
    if edition.compilers:
        ed += f", compiled by {join_names(list(edition.compilers))}"
    parts.append(ed + ".")
    if edition.published:
        parts.append(f"Digital edition, {iso_display(edition.published)}.")
    parts.append(absolute(edition, anchors.letter_url(letter.id)) + fragment)
    return " ".join(parts)


def meta_tags(edition: Edition, letter: Summary) -> tuple[tuple[str, str], ...]:
    tags: list[tuple[str, str]] = [("citation_title", letter.title)]
    tags += [("citation_author", c.name) for c in letter.senders]
    when = letter.date.when or letter.date.not_before
    if when:
        tags.append(("citation_date", when.replace("-", "/")))
    tags.append(("citation_book_title", edition.title))
    tags += [("citation_editor", name) for name in edition.compilers]
    if edition.publisher:
        tags.append(("citation_publisher", edition.publisher))
    if edition.published:
        tags.append(("citation_online_date", edition.published.replace("-", "/")))
    tags.append(("citation_language", edition.language))
    if letter.archive is not None and letter.archive.text:
        tags.append(("citation_archive_location", letter.archive.text))
    tags.append(("citation_public_url", absolute(edition, anchors.letter_url(letter.id))))
    tags.append(("citation_xml_url", absolute(edition, tei_path(letter.id))))
    return tuple(tags)


def concordance_url(read: Read, key: tuple[str, str, str, str]) -> str:
    """Where an archival file's entries are, relative to the site root."""
    anchor = archive_anchor(*key)
    if archive_split(read):
        return f"{archive_page(key)}#{anchor}"
    return f"archive/#{anchor}"


def archive_split(read: Read) -> bool:
    """The concordance is split into a page per fond when the edition has many letters."""
    return len(read("letters")) > LIST_LIMIT


def archive_page(key: tuple[str, str, str, str]) -> str:
    """The page of a fond in a split concordance: "archive/rtskhidni-f558/"."""
    return f"archive/{archive_anchor(key[0], key[1])}/"


def linkable(read: Read, except_ref: tuple[str, str] | None = None) -> Callable[[str, str], bool]:
    """Whether a name linked in running text leads to a register page: its entry exists (and it
    is not the page it stands on)."""
    registers = {kind: register for register, kind in LINK_KIND.items()}

    def can(kind: str, ref: str) -> bool:
        if (kind, ref) == except_ref:
            return False
        register = registers.get(kind)
        return register is not None and read("entry", (register, ref)) is not None

    return can


def search_names(read: Read, letter: Summary) -> tuple[str, ...]:
    """Every name form of the persons who wrote, received or are named in a letter: the page
    gives them to the search index, so that any spelling the register knows finds it."""
    refs: dict[str, None] = {}
    for party in (*letter.senders, *letter.recipients):
        refs[party.ref or f"name:{party.name}"] = None
    for ref in sorted({ref for kind, ref, _ in letter.named if kind == "person"}):
        refs[ref] = None
    forms: list[str] = []
    for ref in refs:
        if ref.startswith("name:"):
            forms.append(ref[5:])
            continue
        entry = read("entry", ("persons", ref))
        if entry is not None:
            forms += entry_forms(entry)
    return tuple(dict.fromkeys(forms))


def letter_page(read: Read, letter_id: str, root: str) -> LetterPage:
    edition: Edition = read("edition")
    letter: Summary = read("letter", letter_id)
    reading = read("reading", letter_id)
    prev, nxt = read("neighbours", letter_id)
    cprev, cnext, count = read("chain", letter_id)
    can_link = linkable(read)
    text = letter_text(reading, root, can_link)
    texts: tuple[TextView, ...] = ()
    if reading.texts:
        language = reading.letter.language or edition.language
        texts = (TextView(language, reading.letter.role, text_label(language, reading.letter.role),
                          text),)
        texts += tuple(TextView(t.text.language, t.text.role,
                                text_label(t.text.language, t.text.role),
                                letter_text(t, root, can_link), t.text.title, t.text.date_text,
                                t.text.archive_text) for t in reading.texts)
    parties = [p.name for p in (*letter.senders, *letter.recipients)]
    archive = None
    if letter.archive is not None:
        a = letter.archive
        archive = ArchiveView(a.text, archive_gloss(a), a.repository,
                              root + concordance_url(read, a.file_key), normalised_citation(a),
                              citation_differs(a), repository_name(a.repository))
    note_archives = {}
    for n, keys in read("cited-files", letter_id):
        note_archives[n] = tuple(
            (root + concordance_url(read, key),
             f"{key[0]}, {archive_gloss(ArchiveRef(key[0], key[1] or None, key[2] or None, key[3] or None))}")
            for key in keys)
    downloads = ((root + tei_path(letter.id), "TEI P5 XML", "application/tei+xml"),
                 (root + json_path(letter.id), "JSON", "application/json"),
                 (root + anchors.letter_url(letter.id) + "citation.ris",
                  "a reference (RIS: Zotero, EndNote, Citavi)", "application/x-research-info-systems"),
                 (root + anchors.letter_url(letter.id) + "citation.bib", "a reference (BibTeX)",
                  "application/x-bibtex"))
    if letter.path.endswith(".xml"):
        downloads += ((root + source_path(letter.id), "the edition's own TEI file, as it stands",
                       "application/tei+xml"),)
    replied = letter.in_reply_to if letter.in_reply_to and \
        letter.in_reply_to in read("letters") else None
    replies = read("replies", letter_id)
    return LetterPage(
        row=letter_row(read, letter_id, root), letter=reading.letter,
        date_iso=letter.date.when, date_supplied=letter.date.supplied,
        date_reading=date_reading(letter.date), archive=archive,
        physical=letter.physical, text=text, previous=letter_link(read, prev, root),
        next=letter_link(read, nxt, root),
        correspondence_with=join_names(list(dict.fromkeys(parties))),
        correspondence_previous=letter_link(read, cprev, root),
        correspondence_next=letter_link(read, cnext, root), correspondence_count=count,
        in_reply_to=letter_link(read, replied, root),
        replies=tuple(letter_link(read, r, root) for r in replies),
        context=context_links(read, letter, {replied, *replies} - {None}, root),
        citation=letter_citation(edition, letter),
        note_citations={n.n: letter_citation(edition, letter, "#" + anchors.note_id(n.n), n.n)
                        for n in reading.notes},
        note_archives=note_archives, meta=meta_tags(edition, letter), downloads=downloads,
        canonical=absolute(edition, anchors.letter_url(letter.id)),
        texts=texts,
        transcriptions=tuple(
            (f"{root}{transcription_url(span.file)}#L{span.first}",
             f"{span.file.rsplit('/', 1)[-1]}, lines {span.first}–{span.last}")
            for span in letter.source if span.file in read("transcriptions")),
        aligned=bool(texts) and len({len(t.text.paragraphs) for t in texts}) == 1,
    )


def mention_groups(read: Read, key: tuple[str, str], root: str,
                   shown: Callable[[str], bool] = lambda letter_id: True) -> tuple[MentionGroup, ...]:
    groups: dict[str, list[tuple[str, str, bool, int]]] = {}
    for m in read("mentions", key):
        if shown(m[0]):
            groups.setdefault(m[0], []).append(m)  # mentions come in letter order
    made = []
    for letter_id, mentions in groups.items():
        url = root + anchors.letter_url(letter_id)
        # "¶ 4" is shown (no-break space: never split); screen readers say "paragraph 4"; a
        # place in a further text says which ("¶ 4, ru")
        places = []
        for _, anchor, in_note, n in mentions:
            text = anchors.text_of(anchor)
            shown, spoken = (f"note\u00a0{n}", f"note {n}") if in_note \
                else (f"¶\u00a0{n}", f"paragraph {n}")
            if text:
                shown, spoken = f"{shown},\u00a0{text}", f"{spoken} of the text in {text}"
            places.append((f"{url}#{anchor}", shown, spoken))
        places = tuple(places)
        made.append(MentionGroup(letter_link(read, letter_id, root), places))
    return tuple(made)


#: The inline kind a name of each register links as, and back.
LINK_KIND = {"persons": "person", "places": "place", "organisations": "organisation",
             "works": "work"}


#: How a register page heads each group of letters, and what it says of none.
GROUP_HEADINGS = {
    ("persons", "sent"): ("Letters sent", "None in this edition."),
    ("persons", "received"): ("Letters received", "None in this edition."),
    ("organisations", "sent"): ("Letters written in its name", "None in this edition."),
    ("organisations", "received"): ("Letters written to it", "None in this edition."),
    ("places", "written"): ("Letters written here", "No letter of this edition was written here."),
    ("places", "received"): ("Letters received here",
                             "No letter of this edition is known to have been received here."),
}


def entry_groups(read: Read, register: str, ref: str) -> list[tuple[str, str, tuple[tuple[str, str], ...], str]]:
    """(key, heading, (letter id, role) of each letter, what to say of none) of each group of
    letters an entry's page lists."""
    return [(key, *GROUP_HEADINGS[register, key][:1], pairs, GROUP_HEADINGS[register, key][1])
            for key, pairs in read("entry-groups", (register, ref))]


def entry_split(read: Read, register: str, ref: str) -> bool:
    """An entry's page lists the letters year by year, on a page each, when they are many."""
    return len(read("entry-letters", (register, ref))) > LIST_LIMIT


def entry_years(read: Read, register: str, ref: str) -> tuple[tuple[str, int], ...]:
    """(year, letters) of each year of the letters an entry's page lists."""
    return read("entry-years", (register, ref))


def entry_view(read: Read, register: str, ref: str, root: str,
               year: str | None = None) -> EntryView:
    """A register entry and its letters (of one year only, when `year` is given)."""
    from .authority import links

    entry = read("entry", (register, ref))

    of_year = set(read("year", year)) if year is not None else None

    def wanted(letter_id: str) -> bool:
        return of_year is None or letter_id in of_year

    groups = tuple(
        LetterGroup(key, heading, tuple(_with_role(letter_link(read, i, root), role)
                                        for i, role in pairs if wanted(i)), none)
        for key, heading, pairs, none in entry_groups(read, register, ref))
    return EntryView(register, ref, root + anchors.entry_url(register, ref), entry, groups,
                     mention_groups(read, (LINK_KIND[register], ref), root, wanted),
                     tuple(links(entry.ids)))


def _with_role(link: LetterLink, role: str) -> LetterLink:
    return link if role == "to" else LetterLink(link.url, link.label, link.title, role)


def _count_phrase(group: str, n: int) -> str:
    """"wrote 1 letter", "received 3 letters", "2 letters written here"."""
    letters = f"{n} letter{'' if n == 1 else 's'}"
    return {"sent": f"wrote {letters}", "received": f"received {letters}",
            "written": f"{letters} written here"}.get(group, letters)


def entry_row(read: Read, register: str, ref: str, root: str) -> EntryRow:
    from .authority import links

    entry = read("entry", (register, ref))
    counts = tuple(_count_phrase(key, len(pairs))
                   for key, _, pairs, _ in entry_groups(read, register, ref) if pairs)
    mentioned = len({m[0] for m in read("mentions", (LINK_KIND[register], ref))})
    return EntryRow(ref, root + anchors.entry_url(register, ref), entry, counts, mentioned,
                    tuple(links(entry.ids)))


def archive_view(read: Read, key: tuple[str, str, str, str], root: str) -> ArchiveFileView:
    entries = []
    for letter_id, folios, text, note in read("archive-file", key):
        url = root + anchors.letter_url(letter_id)
        if note is not None:
            url += "#" + anchors.note_id(note)
        resolved = _key_ref(key, folios, text)
        entries.append(ArchiveEntryView(folios or "", folio_text(folios) if folios else "", text,
                                        letter_link(read, letter_id, root), note, url,
                                        normalised_citation(resolved), citation_differs(resolved)))
    repository, fond, opis, delo = key
    ref = _key_ref(key)
    return ArchiveFileView(archive_anchor(*key), repository, fond, opis, delo,
                           "" if ref.by_shelfmark else archive_gloss(ref), tuple(entries),
                           ref.shelfmark or "")


def _key_ref(key: tuple[str, str, str, str], folios: str | None = None, text: str = ""
             ) -> ArchiveRef:
    """The citation an archival file's key stands for (see ArchiveRef.file_key)."""
    repository, fond, opis, delo = key
    if delo and not fond and not opis:
        return ArchiveRef(repository, folios=folios, text=text, shelfmark=delo)
    return ArchiveRef(repository, fond or None, opis or None, delo or None, folios, text)


def _group(items: Iterable[Any], key: Callable[[Any], Any]) -> list[tuple[Any, list[Any]]]:
    out: list[tuple[Any, list[Any]]] = []
    for item in items:
        k = key(item)
        if out and out[-1][0] == k:
            out[-1][1].append(item)
        else:
            out.append((k, [item]))
    return out


def repositories_tree(files: list[ArchiveFileView]) -> list:
    """The concordance's files grouped by repository, then fond, then opis; the files cited by
    shelfmark in a group of their own, whose fond is None."""
    return [(repo, [(fond, _group(by_fond, lambda v: v.opis))
                    for fond, by_fond in _group(by_repo, lambda v: None if v.shelfmark
                                                else v.fond)])
            for repo, by_repo in _group(files, lambda v: v.repository)]


# --- kinds -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """A kind of file of the site."""

    name: str
    keys: Callable[[Read], Iterable[Hashable]]
    """The keys of the pages of this kind that exist, read from the facts."""
    path: Callable[[Hashable], str]
    make: Callable[[Read, Hashable, Environment], bytes]
    template: str | None = None
    """The template the kind lays its pages out with, if any."""


def _templated(template: str, current: str | None,
               context: Callable[[Read, Hashable, str], tuple[str, dict[str, Any]]]
               ) -> Callable[[Read, Hashable, Environment, str], bytes]:
    """A page laid out with `template`: `context(read, key, root)` gives its title and its own
    context; the shell every page shares (base.html) reads the edition and the build date."""

    def make(read: Read, key: Hashable, env: Environment, path: str) -> bytes:
        edition: Edition = read("edition")
        root = page_root(path)
        if path == "404.html":
            # served in place of any missing page, at any depth: links from the site's own path
            root = urlsplit(absolute(edition, "")).path
        title, own = context(read, key, root)
        date = publication_date(read)
        base = {
            "edition": edition, "root": root, "home": root or "./", "current": current,
            "nav": [(k, label, (root + url) or "./") for k, label, url in NAV
                    if k not in OPTIONAL_REGISTERS or read("has-register", k)],
            "title": title, "build_date": read("build-date") or edition.published,
            "edition_citation": edition_citation(edition),
            "canonical": absolute(edition, "" if path in ("index.html", "404.html")
                                  else path.removesuffix("index.html")),
            "downloads": [(root + p, label) for p, label in DATA_FILES
                          if p != CMIF_PATH or date is not None],
        }
        return env.get_template(template).render(**base, **own).encode("utf-8")

    return make


def _page(name: str, template: str, current: str | None, keys: Callable[[Read], Iterable[Hashable]],
          path: Callable[[Hashable], str],
          context: Callable[[Read, Hashable, str], tuple[str, dict[str, Any]]]) -> Kind:
    made = _templated(template, current, context)
    return Kind(name, keys, path, lambda read, key, env: made(read, key, env, path(key)), template)


def _one(read: Read) -> tuple[str]:
    return ("",)


def _listed(register: str) -> Callable[[Read], tuple[str, ...]]:
    """The list of an optional register: made only when the edition has entries in it (the
    navigation names it only then)."""
    return lambda read: ("",) if read("has-register", register) else ()


def _home(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    ids = read("letters")
    stats = dict(read("stats"))
    context: dict[str, Any] = {"summary": stats, "years": _year_links(read, root),
                               "pictures": picture_links(read, root)}
    context["rows"] = [letter_row(read, i, root) for i in ids] if len(ids) <= LIST_LIMIT else []
    return read("edition").title, context


def year_url(year: str) -> str:
    """The list of one year's letters, when the list is split by year: "years/1923/". (Not
    under letters/, where a letter numbered 1923 has its page.)"""
    return f"years/{year}/"


def _year_links(read: Read, root: str) -> list[tuple[str, int, str]]:
    """(year, letters, url) of each year of letters, when the list is split by year."""
    if len(read("letters")) <= LIST_LIMIT:
        return []
    return [(year, count, f"{root}{year_url(year)}") for year, count in read("years")]


def _letters(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    ids = read("letters")
    rows = [letter_row(read, i, root) for i in ids] if len(ids) <= LIST_LIMIT else []
    return "Letters", {"rows": rows, "years": _year_links(read, root), "total": len(ids),
                       "year": None}


def _letters_of_year(read: Read, year: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    ids = read("year", year)
    label = "Undated letters" if year == "undated" else f"Letters of {year}"
    return label, {"rows": [letter_row(read, i, root) for i in ids],
                   "years": _year_links(read, root), "total": len(read("letters")), "year": year}


def _years(read: Read) -> list[str]:
    if len(read("letters")) <= LIST_LIMIT:
        return []
    return [year for year, _ in read("years")]


def _register(register: str) -> Callable[[Read, Hashable, str], tuple[str, dict[str, Any]]]:
    def context(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
        rows = [entry_row(read, register, ref, root) for ref in read("register", register)]
        rows.sort(key=lambda r: (r.entry.sort_key, r.ref))
        title = register.capitalize()
        return title, {"register": register, "entries": rows, "persons": rows}
    return context


def _archive(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    files = read("archive-files")
    schemes = _schemes(files)
    if not archive_split(read):
        views = [archive_view(read, k, root) for k in files]
        return "Archive concordance", {"repositories": repositories_tree(views), "fond_links": [],
                                       "overview": None, "schemes": schemes}
    counts: dict[tuple[str, str], list[int]] = {}
    for k in files:
        count = counts.setdefault((k[0], k[1]), [0, 0])
        count[_key_ref(k).by_shelfmark] += 1
    fonds = []
    for (repository, fond), (by_fond, by_shelfmark) in counts.items():
        label = f"{repository}, fond {fond}" if fond else \
            repository if not by_fond else f"{repository}, fond not stated"
        noun = "shelfmark" if by_shelfmark and not by_fond else "file"
        total = by_fond + by_shelfmark
        fonds.append((label, f"{total} {noun}{'' if total == 1 else 's'}",
                      root + archive_page((repository, fond, "", ""))))
    return "Archive concordance", {"repositories": [], "fond_links": fonds, "overview": None,
                                   "schemes": schemes}


def _schemes(files: Iterable[tuple[str, str, str, str]]) -> dict[str, bool]:
    """Which ways of citing the concordance holds: by fond, opis and delo; by shelfmark."""
    by_shelfmark = [_key_ref(k).by_shelfmark for k in files]
    return {"fond": not all(by_shelfmark), "shelfmark": any(by_shelfmark)}


def _fonds(read: Read) -> list[tuple[str, str]]:
    if not archive_split(read):
        return []
    return list(dict.fromkeys((k[0], k[1]) for k in read("archive-files")))


def _archive_fond(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    repository, fond = key
    files = [k for k in read("archive-files") if (k[0], k[1]) == (repository, fond)]
    views = [archive_view(read, k, root) for k in files]
    schemes = _schemes(files)
    title = f"{repository}, fond {fond}" if fond else \
        repository if not schemes["fond"] else f"{repository}, fond not stated"
    return title, {"repositories": repositories_tree(views), "fond_links": [],
                   "overview": root + "archive/", "schemes": schemes}


def _letter(read: Read, letter_id: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    view = letter_page(read, letter_id, root)
    letter = view.letter
    title = letter.title if letter.number is None else f"No. {letter.number}: {letter.title}"
    return title, {"page": view}


def _entry(register: str) -> Callable[[Read, Hashable, str], tuple[str, dict[str, Any]]]:
    def context(read: Read, ref: Hashable, root: str) -> tuple[str, dict[str, Any]]:
        split = entry_split(read, register, ref)
        if split:
            view = EntryView(register, ref, root + anchors.entry_url(register, ref),
                             read("entry", (register, ref)), (), (), ())
        else:
            view = entry_view(read, register, ref, root)
        years = [(year, count, f"{root}{anchors.entry_url(register, ref)}{year}/")
                 for year, count in entry_years(read, register, ref)] if split else []
        return view.entry.name, {"view": view, "description": _description(read, register, ref, root),
                                 "years": years, "year": None,
                                 "timeline": _small_timeline(read, register, ref, root, split)}
    return context


def _entry_of_year(register: str) -> Callable[[Read, Hashable, str], tuple[str, dict[str, Any]]]:
    def context(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
        ref, year = key
        view = entry_view(read, register, ref, root, year)
        years = [(y, count, f"{root}{anchors.entry_url(register, ref)}{y}/")
                 for y, count in entry_years(read, register, ref)]
        return f"{view.entry.name}: {year}", {
            "view": view, "description": _description(read, register, ref, root),
            "years": years, "year": year, "timeline": None}
    return context


def _small_timeline(read: Read, register: str, ref: str, root: str, split: bool) -> Markup | None:
    """The entry's letters by year, as a small picture, when it has any."""
    from .pictures import figure_html, table_html, timeline_compact_svg

    counts: dict[str, int] = {}
    for year, count in entry_years(read, register, ref):
        if year != "undated":
            counts[year] = count
    if not counts:
        return None
    base = f"{root}{anchors.entry_url(register, ref)}"
    picture = timeline_compact_svg(counts, lambda year: f"{base}{year}/" if split else None,
                                   id_prefix=f"timeline-{ref}",
                                   title=f"Letters of {read('entry', (register, ref)).name}, by year")
    return Markup(figure_html(picture) + "".join(table_html(t) for t in picture.tables))


def _description(read: Read, register: str, ref: str, root: str) -> Markup:
    entry = read("entry", (register, ref))
    if not entry.description:
        return Markup("")
    return inline_html(parse_inline(entry.description), read("names"), root,
                       linkable(read, (LINK_KIND[register], ref)))


def _entry_years(register: str) -> Callable[[Read], list[tuple[str, str]]]:
    def keys(read: Read) -> list[tuple[str, str]]:
        return [(ref, year) for ref in read("register", register)
                if entry_split(read, register, ref)
                for year, _ in entry_years(read, register, ref)]
    return keys


def _refs(register: str) -> Callable[[Read], tuple[str, ...]]:
    return lambda read: read("register", register)


# --- pictures: timeline, network, map ----------------------------------------------------------

def _letters_url(read: Read, root: str) -> Callable[[str], str]:
    """Where a timeline's bar for a year or a month leads: the year's list of letters."""
    split = len(read("letters")) > LIST_LIMIT
    return lambda key: f"{root}{year_url(key[:4])}" if split else f"{root}letters/"


def _timeline(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    from .pictures import timeline_svg
    picture = timeline_svg(dict(read("letters-by-month")), _letters_url(read, root),
                           title="Letters by year and month")
    return "Timeline", _picture_context(read, root, picture, "timeline", "Each bar is a month; its height "
                                        "is the number of letters written in it. A bar leads "
                                        "to the list of that year's letters.")


def _network(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    from .pictures import network_svg
    edges, names = read("network")

    def url(node: str) -> str:
        register, _, ref = node.partition("/")
        return root + anchors.entry_url(register, ref)

    picture = network_svg([(a, b, n) for a, b, n in edges], dict(names), url,
                          others_url=root + "persons/")
    return "Correspondents", _picture_context(
        read, root, picture, "network", "Who wrote to whom: each arrow runs from a writer to a recipient, "
        "and the wider it is, the more letters it stands for. The busiest correspondents are "
        "named; the others are counted together. Each name leads to the register.")


def _map(read: Read, key: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    from .pictures import MapPlace, basemap_from_topojson, map_svg
    places = [MapPlace(ref, name, coordinates, written, received, mentioned,
                       root + anchors.entry_url("places", ref))
              for ref, name, coordinates, written, received, mentioned in read("map-places")]
    picture = map_svg(places, basemap_from_topojson(read("basemap")))
    return "Map", _picture_context(
        read, root, picture, "map", "Where the letters were written and received (filled dots, larger for "
        "more letters) and the places they name (rings). Each place leads to the register. "
        "Country outlines: Natural Earth (public domain), as the borders stand today.")


def _picture_context(read: Read, root: str, picture: Any, name: str, intro: str
                     ) -> dict[str, Any]:
    from .pictures import figure_html, table_html
    return {"intro": intro, "figure": Markup(figure_html(picture)),
            "tables": [Markup(table_html(t, f"{name}-table-{i}"))
                       for i, t in enumerate(picture.tables, start=1)],
            "picture": name, "pictures": picture_links(read, root)}


def picture_links(read: Read, root: str) -> list[tuple[str, str, str]]:
    """(name, label, url) of each picture the site has."""
    links = []
    if _has_pictures(read):
        links += [("timeline", "Timeline", f"{root}timeline/"),
                  ("network", "Correspondents", f"{root}network/")]
    if _has_map(read):
        links.append(("map", "Map", f"{root}map/"))
    return links


def _has_pictures(read: Read) -> tuple[str, ...]:
    return ("",) if read("letters") else ()


def _has_map(read: Read) -> tuple[str, ...]:
    return ("",) if any(coordinates for _, _, coordinates, *_ in read("map-places")) else ()


def _static(title: str) -> Callable[[Read, Hashable, str], tuple[str, dict[str, Any]]]:
    return lambda read, key, root: (title, {})


def _asset(read: Read, name: Hashable, env: Environment) -> bytes:
    return read("asset", name)


def tei_path(letter_id: str) -> str:
    """Where a letter's TEI file is, relative to the site root."""
    return anchors.letter_url(letter_id) + "tei.xml"


def json_path(letter_id: str) -> str:
    """Where a letter's JSON file is, relative to the site root."""
    return anchors.letter_url(letter_id) + "letter.json"


def _letter_tei(read: Read, letter_id: Hashable, env: Environment) -> bytes:
    from .export.tei import letter_tei
    return letter_tei(read, letter_id)


def _letter_ris(read: Read, letter_id: Hashable, env: Environment) -> bytes:
    from .export.reference import letter_ris
    return letter_ris(read, letter_id)


def _letter_bibtex(read: Read, letter_id: Hashable, env: Environment) -> bytes:
    from .export.reference import letter_bibtex
    return letter_bibtex(read, letter_id)


def _letter_json(read: Read, letter_id: Hashable, env: Environment) -> bytes:
    from .export.tabular import letter_json
    return letter_json(read, letter_id)


def _letter_ids(read: Read) -> tuple[str, ...]:
    return read("letters")


def transcription_url(name: str) -> str:
    """Where a published transcription is: "sources/bolshevik-correspondence-1923-nos-173-176/"."""
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"sources/{re.sub(r'[^a-z0-9]+', '-', stem.casefold()).strip('-') or 'source'}/"


def _transcription(read: Read, name: Hashable, root: str) -> tuple[str, dict[str, Any]]:
    text = read("transcription", name) or ""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    letters = []
    for letter_id in read("letters"):
        letter = read("letter", letter_id)
        for span in letter.source:
            if span.file == name:
                letters.append((span.first, span.last, letter_link(read, letter_id, root)))
    return f"Source transcription: {name.rsplit('/', 1)[-1]}", {
        "name": name, "lines": lines, "letters": sorted(letters, key=lambda x: x[0]),
        "download": name.rsplit("/", 1)[-1]}


def _transcription_text(read: Read, name: Hashable, env: Environment) -> bytes:
    return (read("transcription", name) or "").encode("utf-8")


def source_path(letter_id: str) -> str:
    """Where a TEI letter's own file is published, as it stands."""
    return anchors.letter_url(letter_id) + "source.xml"


def _tei_sourced(read: Read) -> list[str]:
    return [i for i in read("letters") if read("letter", i).path.endswith(".xml")]


def _letter_source(read: Read, letter_id: Hashable, env: Environment) -> bytes:
    return read("source", letter_id) or b""


def _page_kinds() -> tuple[Kind, ...]:
    return (
        _page("home", "home.html", "home", _one, lambda k: "index.html", _home),
        _page("letters", "letters.html", "letters", _one, lambda k: "letters/index.html", _letters),
        _page("letters-of-year", "letters.html", "letters", _years,
              lambda year: f"{year_url(year)}index.html", _letters_of_year),
        _page("persons", "register.html", "persons", _one, lambda k: "persons/index.html",
              _register("persons")),
        _page("places", "register.html", "places", _listed("places"),
              lambda k: "places/index.html", _register("places")),
        _page("organisations", "register.html", "organisations", _listed("organisations"),
              lambda k: "organisations/index.html", _register("organisations")),
        _page("works", "register.html", "works", _listed("works"),
              lambda k: "works/index.html", _register("works")),
        _page("archive", "archive.html", "archive", _one, lambda k: "archive/index.html", _archive),
        _page("archive-fond", "archive.html", "archive", _fonds,
              lambda key: f"{archive_page(key)}index.html", _archive_fond),
        _page("about", "about.html", "about", _one, lambda k: "about/index.html",
              _static("About this edition")),
        _page("timeline", "picture.html", None, _has_pictures, lambda k: "timeline/index.html",
              _timeline),
        _page("network", "picture.html", None, _has_pictures, lambda k: "network/index.html",
              _network),
        _page("map", "picture.html", None, _has_map, lambda k: "map/index.html", _map),
        _page("search", "search.html", "search", _one, lambda k: "search/index.html",
              _static("Search")),
        _page("404", "404.html", None, _one, lambda k: "404.html", _static("Page not found")),
        _page("letter", "letter.html", "letters", _letter_ids,
              lambda i: f"{anchors.letter_url(i)}index.html", _letter),
        *(kind for register in REGISTERS for kind in (
            _page(f"entry-{register}", "entry.html", register, _refs(register),
                  lambda ref, r=register: f"{anchors.entry_url(r, ref)}index.html", _entry(register)),
            _page(f"entry-{register}-year", "entry.html", register, _entry_years(register),
                  lambda key, r=register: f"{anchors.entry_url(r, key[0])}{key[1]}/index.html",
                  _entry_of_year(register)))),
        Kind("letter-tei", _letter_ids, tei_path, _letter_tei),
        Kind("letter-json", _letter_ids, json_path, _letter_json),
        Kind("letter-ris", _letter_ids, lambda i: anchors.letter_url(i) + "citation.ris",
             _letter_ris),
        Kind("letter-bibtex", _letter_ids, lambda i: anchors.letter_url(i) + "citation.bib",
             _letter_bibtex),
        Kind("letter-source", _tei_sourced, source_path, _letter_source),
        _page("transcription", "transcription.html", None, lambda read: read("transcriptions"),
              lambda name: f"{transcription_url(name)}index.html", _transcription),
        Kind("transcription-text", lambda read: read("transcriptions"),
             lambda name: transcription_url(name) + name.rsplit("/", 1)[-1], _transcription_text),
        Kind("asset", lambda read: read("assets"), lambda name: f"assets/{name}", _asset),
    )


# --- search documents (search.py): what the search index is made from -----------------------

def _search_letter(read: Read, letter_id: Hashable, env: Environment) -> bytes:
    from .search import letter_document
    return letter_document(read, letter_id)


def _search_person(read: Read, ref: Hashable, env: Environment) -> bytes:
    from .search import person_document
    return person_document(read, ref)


def _search_kinds() -> tuple[Kind, ...]:
    from . import search
    return (Kind("search-letter", _letter_ids, search.letter_document_path, _search_letter),
            Kind("search-person", _refs("persons"), search.person_document_path, _search_person))


KINDS: tuple[Kind, ...] = _page_kinds() + _search_kinds()


# --- data files joined from one piece a letter -----------------------------------------------

@dataclass(frozen=True)
class Joined:
    """A data file made of one piece per item (a letter, a page), joined: letters.json,
    letters.csv, cmif.xml, sitemap.xml. A build that changed one letter makes its piece alone
    again and joins it with the others as they were."""

    name: str
    path: str
    exists: Callable[[Read], bool]
    items: Callable[[Read], Sequence[Hashable]]
    head: Callable[[Read], bytes]
    piece: Callable[[Read, Hashable], bytes]
    between: bytes
    tail: Callable[[Read], bytes]
    empty: Callable[[Read], bytes]
    """The whole file when there are no items."""


def _always(read: Read) -> bool:
    return True


def _has_date(read: Read) -> bool:
    return publication_date(read) is not None


def _cmif_head(read: Read) -> bytes:
    from .export.cmif import cmif_skeleton
    return cmif_skeleton(read, publication_date(read))[0]


def _cmif_tail(read: Read) -> bytes:
    from .export.cmif import cmif_skeleton
    return cmif_skeleton(read, publication_date(read))[1]


def _cmif_empty(read: Read) -> bytes:
    from .export.cmif import cmif_skeleton
    return cmif_skeleton(read, publication_date(read), with_letters=False)[0]


def _cmif_piece(read: Read, letter_id: Hashable) -> bytes:
    from .export.cmif import cmif_piece
    return cmif_piece(read, letter_id)


def sitemap_pages(read: Read) -> list[str]:
    """Every page, relative to the site root: home, the letters list (and its years), each
    letter in date order, each register and its entries (and a busy entry's years), the
    concordance (and its fonds), about and search."""
    pages = ["", "letters/"]
    pages += [year_url(year) for year in _years(read)]
    pages += [anchors.letter_url(i) for i in read("letters")]
    for register in REGISTERS:
        if register in OPTIONAL_REGISTERS and not read("has-register", register):
            continue
        pages.append(f"{anchors.REGISTER_FOLDERS[register]}/")
        for ref in read("register", register):
            pages.append(anchors.entry_url(register, ref))
            if entry_split(read, register, ref):
                pages += [f"{anchors.entry_url(register, ref)}{year}/"
                          for year, _ in entry_years(read, register, ref)]
    pages.append("archive/")
    pages += [archive_page(key) for key in _fonds(read)]
    pages += ["about/", "search/"]
    pages += [transcription_url(name) for name in read("transcriptions")]
    if read("letters"):
        pages += ["timeline/", "network/"]
    if _has_map(read):
        pages.append("map/")
    return pages


def _sitemap_head(read: Read) -> bytes:
    from .export.sitemap import sitemap_parts
    return sitemap_parts(read("edition"), publication_date(read))[0]


def _sitemap_tail(read: Read) -> bytes:
    from .export.sitemap import sitemap_parts
    return sitemap_parts(read("edition"), publication_date(read))[1]


def _sitemap_piece(read: Read, page: Hashable) -> bytes:
    from .export.sitemap import sitemap_url
    return sitemap_url(read("edition"), page, publication_date(read))


def _json(name: str) -> Callable:
    def call(*args: Any) -> Any:
        from .export import tabular
        return getattr(tabular, name)(*args)
    return call


def _joined_kinds() -> tuple[Joined, ...]:
    from .export.cmif import BETWEEN as CMIF_BETWEEN
    from .export.sitemap import BETWEEN as SITEMAP_BETWEEN
    return (
        Joined("letters-json", "data/letters.json", _always, _letter_ids,
               _json("letters_json_head"), _json("letters_json_piece"), b",\n",
               lambda read: b"\n  ]\n}\n", _json("letters_json_empty")),
        Joined("letters-csv", "data/letters.csv", _always, _letter_ids,
               _json("letters_csv_head"), _json("letters_csv_piece"), b"",
               lambda read: b"", _json("letters_csv_head")),
        Joined("cmif", CMIF_PATH, _has_date, _letter_ids, _cmif_head, _cmif_piece,
               CMIF_BETWEEN, _cmif_tail, _cmif_empty),
        Joined("sitemap", "sitemap.xml", _always, sitemap_pages, _sitemap_head, _sitemap_piece,
               SITEMAP_BETWEEN, _sitemap_tail, lambda read: _sitemap_head(read) + _sitemap_tail(read)),
    )


JOINED: tuple[Joined, ...] = _joined_kinds()


def pages_of(read: Read, templates: Iterable[str]) -> list[tuple[Kind, Hashable, str]]:
    """(kind, key, path) of every file the kinds make, in kind order; a templated kind whose
    template the templates folder does not have makes nothing."""
    have = set(templates)
    out = []
    for kind in KINDS:
        if kind.template is not None and kind.template not in have:
            continue
        for key in kind.keys(read):
            out.append((kind, key, kind.path(key)))
    return out
