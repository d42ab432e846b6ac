"""What a page may read: the facts of one build, each named by a family and a key.

Pure. A page reads only through `Site.read(family, key)` (pages.py gives its renderers nothing
else), so whatever a template shows came from a fact the page read, and an incremental build
that notes the facts each page read knows what a change touches: a page is made again when one
of its facts changed, and only then. There is no second, hand-kept map of what depends on what.

Families whose value is a record, a letter's text, a template or an asset (BY_DIGEST) are
compared between builds by a digest the caller keeps; every other family's value is plain data
(tuples, strings, numbers, frozen records) whose repr says all of it, and is compared by the
digest of that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping

from .corpus import Corpus
from .display import date_display
from .letters import Reading
from .names import LINK_KIND, NameIndex

#: Families compared by the digest of their value, not the value itself.
BY_DIGEST = frozenset(("edition", "letter", "reading", "source", "entry", "names", "template",
                       "asset", "basemap", "transcription"))


@dataclass(frozen=True)
class Site:
    """The facts of one build."""

    corpus: Corpus
    readings: Callable[[str], Reading]
    """Letter id -> its Reading (kept from the analysis, or read again when asked for)."""
    build_date: str | None = None
    """ISO date from SOURCE_DATE_EPOCH, standing in for edition.yaml's `published`."""
    templates: Mapping[str, str] = field(default_factory=dict)
    assets: Mapping[str, bytes] = field(default_factory=dict)
    names: NameIndex = field(default_factory=NameIndex)
    """Every name form of the registers (names.name_index)."""
    basemap: str = ""
    """The country outlines the map is drawn on (TopoJSON text, epistola/data/)."""
    sources: Callable[[str], bytes | None] = lambda letter_id: None
    transcriptions: Mapping[str, str] = field(default_factory=dict)
    """The transcriptions the letters were ingested from (a record's source.file) -> their
    text, for the ones the build found beside the editions folder (published under sources/)."""
    """Letter id -> the bytes of the file it was read from, as it stands (a TEI letter's file
    is published beside the page)."""

    known: dict = field(default_factory=dict, compare=False, repr=False)
    """Facts already read in this build (a build never changes them)."""

    def read(self, family: str, key: Hashable = "") -> Any:
        try:
            return self.known[family, key]
        except KeyError:
            pass
        try:
            fact = FAMILIES[family]
        except KeyError:
            raise KeyError(f"no such fact family: {family!r}") from None
        value = self.known[family, key] = fact(self, key)
        return value

    def chain(self, letter_id: str) -> tuple[str | None, str | None, int]:
        """The letter's correspondence: previous, next, and how many letters it holds."""
        prev, nxt = self.corpus.correspondence_neighbours(letter_id)
        return prev, nxt, len(self.corpus.correspondence(letter_id))

    def mentions(self, key: tuple[str, str]) -> tuple[tuple[str, str, bool, int], ...]:
        """(letter id, anchor, in a note, number) of each place naming an entry; key is
        (inline kind, ref)."""
        return tuple((m.letter_id, m.anchor, m.in_note, m.n)
                     for m in self.corpus.mentions.get(key, ()))

    def cited_files(self, letter_id: str) -> tuple[tuple[int, tuple[tuple[str, str, str, str], ...]], ...]:
        """(note number, the archival files (repository, fond, opis, delo) it cites) for each
        note of a letter that cites one, in the order of the concordance."""
        return tuple(self.corpus.notes_citing(letter_id).items())

    def entry_groups(self, key: tuple[str, str]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        """The letters a register entry's page lists, by group: ("sent", ...), ("received", ...)
        for a person or a body, ("written", ...), ("received", ...) for a place; each letter as
        (id, how it reached the entry: "to", "cc", "forwarded")."""
        register, ref = key
        c = self.corpus
        if register == "works":
            return ()
        if register == "places":
            return (("written", tuple((i, "to") for i in c.written_at.get(ref, ()))),
                    ("received", tuple((i, "to") for i in c.received_at.get(ref, ()))))
        return (("sent", tuple((i, "to") for i in c.by_sender.get(key, ()))),
                ("received", c.by_recipient.get(key, ())))

    def entry_letters(self, key: tuple[str, str]) -> tuple[str, ...]:
        """Ids of the letters an entry's page lists, and of those naming it, once each."""
        ids = [i for _, pairs in self.read("entry-groups", key) for i, _ in pairs]
        ids += [m.letter_id for m in self.corpus.mentions.get((LINK_KIND[key[0]], key[1]), ())]
        return tuple(dict.fromkeys(ids))

    def entry_years(self, key: tuple[str, str]) -> tuple[tuple[str, int], ...]:
        """(year, letters) of each year of the letters an entry's page lists, in order."""
        counts: dict[str, int] = {}
        year_of = self.corpus.year_of
        for letter_id in self.read("entry-letters", key):
            year = year_of[letter_id]
            counts[year] = counts.get(year, 0) + 1
        return tuple(sorted(counts.items(), key=lambda item: (item[0] == "undated", item[0])))

    def letters_by_month(self) -> tuple[tuple[str, int], ...]:
        """("YYYY-MM", or "YYYY" for letters dated to the year, letters) for the timeline."""
        counts: dict[str, int] = {}
        for letter in self.corpus.letters:
            date = letter.date.when or letter.date.not_before or ""
            if date[:4].isdigit():
                key = date[:7] if len(date) >= 7 else date[:4]
                counts[key] = counts.get(key, 0) + 1
        return tuple(sorted(counts.items()))

    def network(self) -> tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, str], ...]]:
        """Who wrote to whom: ((sender, recipient, letters), ...) between registered persons and
        bodies ("persons/stalin"), and each one's name."""
        edges: dict[tuple[str, str], int] = {}
        for letter in self.corpus.letters:
            for s in letter.senders:
                for r in letter.recipients:
                    if s.ref and r.ref:
                        key = (f"{s.register}/{s.ref}", f"{r.register}/{r.ref}")
                        edges[key] = edges.get(key, 0) + 1
        refs = sorted({node for pair in edges for node in pair})
        names = []
        for node in refs:
            register, _, ref = node.partition("/")
            entry = self.corpus.registers.get(register, {}).get(ref)
            names.append((node, entry.name if entry is not None else ref))
        return tuple((a, b, n) for (a, b), n in sorted(edges.items())), tuple(names)

    def map_places(self) -> tuple[tuple[str, str, tuple[float, float] | None, int, int, int], ...]:
        """(ref, name, coordinates, letters written there, received there, mentions) of each
        place of the register with letters or mentions."""
        c = self.corpus
        out = []
        for ref, place in c.registers.get("places", {}).items():
            written = len(c.written_at.get(ref, ()))
            received = len(c.received_at.get(ref, ()))
            mentioned = len(c.mentions.get(("place", ref), ()))
            if written or received or mentioned:
                out.append((ref, place.name, place.coordinates, written, received, mentioned))
        return tuple(out)

    def archive_file(self, key: tuple[str, str, str, str]) -> tuple[tuple[str, str | None, str, int | None], ...]:
        """The entries of one archival file: (letter id, folios, citation, note number)."""
        found = self.corpus.archive_index.get(key)
        return () if found is None else tuple((e.letter_id, e.folios, e.text, e.note)
                                              for e in found.entries)

    def stats(self) -> tuple[tuple[str, Any], ...]:
        """What the home page says of the edition as a whole."""
        corpus = self.corpus
        dated = [letter.date for letter in corpus.letters if letter.date.sort_key != "9999"]
        return (("letters", len(corpus.letters)),
                ("notes", sum(len(letter.notes) for letter in corpus.letters)),
                ("persons", len(corpus.persons)),
                ("first", date_display(dated[0]) if dated else None),
                ("last", date_display(dated[-1]) if dated else None),
                ("archive_files", len(corpus.archive_files)),
                ("repositories", tuple(sorted({f.repository for f in corpus.archive_files}))))


FAMILIES: dict[str, Callable[[Site, Any], Any]] = {
    # the edition.yaml record, and the date standing in for its `published`
    "edition": lambda site, key: site.corpus.edition,
    "build-date": lambda site, key: site.build_date,
    # one letter: its summary (what other pages show of it) and its text
    "letter": lambda site, key: site.corpus.by_id[key],
    "reading": lambda site, key: site.readings(key),
    "source": lambda site, key: site.sources(key),
    # a register entry, key (register, ref); a register's refs in ref order
    "entry": lambda site, key: site.corpus.registers.get(key[0], {}).get(key[1]),
    "register": lambda site, key: tuple(site.corpus.registers.get(key, {})),
    "has-register": lambda site, key: bool(site.corpus.registers.get(key)),
    # the order of the edition and the links between letters
    "letters": lambda site, key: tuple(letter.id for letter in site.corpus.letters),
    "neighbours": lambda site, key: site.corpus.neighbours(key),
    "chain": Site.chain,
    "replies": lambda site, key: site.corpus.replies.get(key, ()),
    "year": lambda site, key: site.corpus.years.get(key, ()),
    "years": lambda site, key: tuple((year, len(ids)) for year, ids in site.corpus.years.items()),
    # who wrote or received letters, key (register, ref); received: (letter id, role) pairs;
    # where letters were written and received, key a place's ref; who is named where
    "sent": lambda site, key: site.corpus.by_sender.get(key, ()),
    "received": lambda site, key: site.corpus.by_recipient.get(key, ()),
    "written-at": lambda site, key: site.corpus.written_at.get(key, ()),
    "received-at": lambda site, key: site.corpus.received_at.get(key, ()),
    "mentions": Site.mentions,
    # what a register entry's page lists: its letters by group, all of them, and by year
    "entry-groups": Site.entry_groups,
    "entry-letters": Site.entry_letters,
    "entry-years": Site.entry_years,
    # the archive concordance: its files in order, one file, the files a letter's notes cite
    "archive-files": lambda site, key: tuple(site.corpus.archive_index),
    "archive-file": Site.archive_file,
    "cited-files": Site.cited_files,
    "stats": lambda site, key: site.stats(),
    # what the pictures show: letters by month, who wrote to whom, the places on a map
    "letters-by-month": lambda site, key: site.letters_by_month(),
    "network": lambda site, key: site.network(),
    "map-places": lambda site, key: site.map_places(),
    "basemap": lambda site, key: site.basemap,
    "transcription": lambda site, key: site.transcriptions.get(key),
    "transcriptions": lambda site, key: tuple(sorted(site.transcriptions)),
    # every name form of the registers, to link names in text outside the letters
    "names": lambda site, key: site.names,
    # the templates and assets (compared by digest)
    "template": lambda site, key: site.templates.get(key),
    "asset": lambda site, key: site.assets.get(key),
    "assets": lambda site, key: tuple(sorted(site.assets)),
}
