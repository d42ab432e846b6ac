"""All records -> one inventory: order, neighbours, replies, notes and their marks.

Pure: takes what fs.load_editions read and returns a Corpus and diagnostics. Everything a page or
an export needs to know about other letters is computed here once, before anything is rendered.
"""

from __future__ import annotations

import hashlib
import marshal
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any, Callable, Iterable

from . import anchors
from .body import Block, BodyProblem, Inline, parse_body, parse_inline
from .citations import find_citations, last_reference
from .diagnostics import Diagnostic, error, warning
from .model import ArchiveRef, Edition, Letter, Person

#: An in-text note mark in a record body: `[^12]`.
NOTE_MARK = re.compile(r"\[\^(\d+)\]")


def note_marks(body: str) -> list[int]:
    """The note numbers marked in a body, in reading order (repeats kept)."""
    return [int(m.group(1)) for m in NOTE_MARK.finditer(body)]


@dataclass(frozen=True, slots=True)
class NoteView:
    """A note with what the body says about it."""

    n: int
    text: str
    anchored: bool
    """True when the body has a mark for this note."""
    number_supplied: bool
    """True when the source lost the number and the editors supplied it."""
    line: int = 0


# --- names -----------------------------------------------------------------------------------

def name_key(text: str) -> str:
    """A name form without editorial brackets and with single spaces: "Ar[vid]" -> "Arvid"."""
    return " ".join(text.replace("[", "").replace("]", "").split())


_WORD_START = re.compile(r"(?<!\w)\w")
_BRACKET = re.compile(r"[\[\]]")


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Every name form of the persons register, ready to find in running text.

    A form matches with editorial brackets anywhere inside it: "Arvid" finds "Arvid", "Ar[vid]"
    and "[Arvid]", "L. D. Trotsky" finds "L. D. [Trotsky]". Matching compares the text with its
    brackets taken out, at each word start, against every form, longest first; both ends must
    be word boundaries in the printed text.
    """

    refs: Mapping[str, str] = field(default_factory=dict)
    """Name form without brackets (name_key) -> person ref."""
    forms: Mapping = field(default_factory=dict, compare=False, hash=False, repr=False)
    """Every form in a trie of characters (see _trie), its ref under the key None where a form
    ends: the forms at a position are found in one walk, however many share their first
    letters."""
    linked: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    """Memo of link_names (where the names are: _find_names): the page, the TEI file and the
    mentions all link the same text."""
    starts: re.Pattern | None = field(default=None, compare=False, hash=False, repr=False)
    """Finds the word starts whose first character begins some form (the others cannot match;
    most words of a letter are passed over in one regular-expression scan)."""

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, ref) of every name form in text, left to right, never overlapping."""
        if not self.refs:
            return []
        if "[" in text or "]" in text:
            brackets = [m.start() for m in _BRACKET.finditer(text)]
            bare = text.replace("[", "").replace("]", "")

            def at(i: int) -> int:  # where the i-th character of bare is in text
                for b in brackets:
                    if b > i:
                        break
                    i += 1
                return i
        else:
            bare, at = text, int
        out: list[tuple[int, int, str]] = []
        done = 0
        trie, size = self.forms, len(bare)
        for m in (self.starts or _WORD_START).finditer(bare):
            pos = m.start()
            if pos < done:
                continue
            start = at(pos)
            if start > 0 and text[start - 1] == "[":
                start -= 1
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue  # "Andrei[she]": "she" is not a word of its own
            ends: list[tuple[int, str]] = []  # (end in bare, ref) of each form found here
            node, i = trie, pos
            while i < size:
                node = node.get(bare[i])
                if node is None:
                    break
                i += 1
                if None in node:
                    ends.append((i, node[None]))
            for stop, ref in reversed(ends):  # the longest that ends at a word boundary
                end = at(stop - 1) + 1
                if end < len(text) and text[end] == "]":
                    end += 1
                if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                    continue
                out.append((start, end, ref))
                done = stop
                break
        return out


def _trie(refs: Mapping[str, str]) -> dict:
    """The forms as a trie of characters, each form's ref under the key None at its end: built
    in a few hundredths of a second for 14,000 forms (a regular expression of them took ten
    times that to compile, in every process)."""
    root: dict = {}
    for form, ref in refs.items():
        node = root
        for char in form:
            node = node.setdefault(char, {})
        node[None] = ref
    return root


def name_index(persons: tuple[Person, ...] | list[Person], path: str = "persons.yaml"
               ) -> tuple[NameIndex, list[Diagnostic]]:
    """Index each person's name, full name and variants. A form claimed by two persons links to
    neither, with a warning, since the text cannot say which one is meant; so does a form of one
    character (an initial, "I"), which would link every word it stands for as well."""
    diags: list[Diagnostic] = []
    owner: dict[str, str] = {}
    line_of: dict[str, int] = {}
    ambiguous: set[str] = set()
    for person in sorted(persons, key=lambda p: p.ref):
        forms = [person.name, *(person.variants or ())]
        if person.full_name:
            forms.append(person.full_name)
        for form in forms:
            key = name_key(form)
            if not key:
                continue
            if len(key) == 1:
                diags.append(warning(path, person.line, f"name form '{form}' of '{person.ref}' is "
                                     "a single character; it is not linked, for it would link "
                                     f"every '{key}' in the letters: give the name as printed, "
                                     "e.g. with its initials", "persons-short-name"))
                continue
            other = owner.get(key)
            if other is None:
                owner[key] = person.ref
                line_of[key] = person.line
            elif other != person.ref and key not in ambiguous:
                ambiguous.add(key)
                diags.append(warning(path, person.line, f"name form '{form}' of '{person.ref}' is "
                                     f"also a form of '{other}' (line {line_of[key]}); it is not "
                                     "linked: make it unique to one person", "persons-ambiguous-name"))
    refs = {k: v for k, v in owner.items() if k not in ambiguous and re.match(r"\w", k)}
    firsts = "".join(sorted({re.escape(k[0]) for k in refs}))
    starts = re.compile(rf"(?<!\w)(?=[{firsts}])") if firsts else None
    return NameIndex(MappingProxyType(refs), forms=_trie(refs), starts=starts), diags


def _atom_text(inline: Inline) -> str:
    return f"[{inline.text}]" if inline.kind == "supplied" else inline.text


_RUN = frozenset(("text", "supplied", "gap"))  # the inlines a name form may run across
_EMPHASIS = ("em", "strong")


def _run_names(run: list[Inline], index: NameIndex) -> tuple:
    """Where the name forms are in a run of text/supplied/gap inlines: (start, end, ref, ...)
    flat, in characters of the run's text with the brackets printed. A form may start or end
    inside plain text but never inside an editorial bracket."""
    spans = _atom_spans(run)
    plain = "".join(_atom_text(a) for a in run)
    matches = [(s, e, ref) for s, e, ref in index.find(plain)
               if not any(a.kind != "text" and (a0 < s < a1 or a0 < e < a1) for a0, a1, a in spans)]
    if not matches:
        return ()
    # a name the editors completed in brackets straight after it ("Andrei[ey]") is one name
    starts = {a0: a for a0, _, a in spans}
    extended = []
    for s, e, ref in matches:
        after = starts.get(e)
        if after is not None and after.kind == "supplied" and not plain[e - 1:e].isspace():
            e += len(_atom_text(after))
        extended.append((s, e, ref))
    kept = [m for i, m in enumerate(extended) if i == 0 or m[0] >= extended[i - 1][1]]
    return tuple(x for m in kept for x in m)


def _atom_spans(run: list[Inline]) -> list[tuple[int, int, Inline]]:
    spans: list[tuple[int, int, Inline]] = []
    pos = 0
    for atom in run:
        size = len(_atom_text(atom))
        spans.append((pos, pos + size, atom))
        pos += size
    return spans


def _linked_run(run: list[Inline], names: tuple) -> list[Inline]:
    """The run with the names found (_run_names) wrapped in Inline("person", ref, ...)."""
    if not names:
        return list(run)
    if len(run) == 1 and run[0].kind == "text":  # most runs: one piece of text, sliced
        text = run[0].text
        out: list[Inline] = []
        pos = 0
        for i in range(0, len(names), 3):
            start, end, ref = names[i:i + 3]
            if start > pos:
                out.append(Inline("text", text[pos:start]))
            out.append(Inline("person", ref, children=(Inline("text", text[start:end]),)))
            pos = end
        if pos < len(text):
            out.append(Inline("text", text[pos:]))
        return out
    spans = _atom_spans(run)

    def pieces(start: int, end: int) -> list[Inline]:
        found = []
        for a0, a1, atom in spans:
            lo, hi = max(a0, start), min(a1, end)
            if lo >= hi:
                continue
            if atom.kind == "text":
                found.append(Inline("text", atom.text[lo - a0: hi - a0]))
            else:
                found.append(atom)
        return found

    out = []
    pos = 0
    for i in range(0, len(names), 3):
        start, end, ref = names[i:i + 3]
        out.extend(pieces(pos, start))
        out.append(Inline("person", ref, children=tuple(pieces(start, end))))
        pos = end
    out.extend(pieces(pos, spans[-1][1]))
    return out


def link_names(inlines: tuple[Inline, ...], index: NameIndex) -> tuple[Inline, ...]:
    """The inlines with every name form of the register wrapped in Inline("person", ref, ...)."""
    if not index.refs:
        return inlines
    found = _names_in(inlines, index)
    return _apply_names(inlines, found) if found else inlines


def _names_in(inlines: tuple[Inline, ...], index: NameIndex) -> tuple:
    found = index.linked.get(inlines)
    if found is None:
        found = index.linked[inlines] = _find_names(inlines, index)
    return found


def _runs(inlines: tuple[Inline, ...]) -> Iterator[list[Inline] | Inline]:
    """The inlines, with each run of text/supplied/gap inlines as one list: the pieces a name
    form may run across."""
    run: list[Inline] = []
    for inline in inlines:
        if inline.kind in _RUN:
            run.append(inline)
            continue
        if run:
            yield run
            run = []
        yield inline
    if run:
        yield run


def _find_names(inlines: tuple[Inline, ...], index: NameIndex) -> tuple:
    """Where the names are in inlines: for each run of text (_run_names) and each emphasis (its
    own _find_names), in order; () when there are none. This is what NameIndex.linked keeps,
    in place of the linked inlines, which are sliced from it when asked for."""
    found = [_run_names(part, index) if isinstance(part, list)
             else _find_names(part.children, index)
             for part in _runs(inlines) if isinstance(part, list) or part.kind in _EMPHASIS]
    return tuple(found) if any(found) else ()


def _apply_names(inlines: tuple[Inline, ...], found: tuple) -> tuple[Inline, ...]:
    out: list[Inline] = []
    places = iter(found)
    for part in _runs(inlines):
        if isinstance(part, list):
            out.extend(_linked_run(part, next(places)))
        elif part.kind in _EMPHASIS:
            inner = next(places)
            out.append(Inline(part.kind, part.text, part.n,
                              _apply_names(part.children, inner) if inner else part.children))
        else:
            out.append(part)
    return tuple(out)


def register_view(person: Person) -> tuple:
    """What the letters' pages, files and checks can read of a register entry: its kind and
    names (the forms that link a name, the names a search by person finds). The rest (dates,
    description, sort name) shows on the person's own page and the list of persons only."""
    return (person.ref, person.kind, person.name, person.full_name, person.variants)


def link_spans(inlines: tuple[Inline, ...]) -> tuple[tuple[int, int, str], ...]:
    """(start, end, ref) of each linked name in inlines, counted in characters of their text:
    with the text, they say which words link where."""
    spans: list[tuple[int, int, str]] = []
    _walk_spans(inlines, 0, spans)
    return tuple(spans)


def name_spans(inlines: tuple[Inline, ...], index: NameIndex) -> tuple[tuple[int, int, str], ...]:
    """link_spans(link_names(inlines, index)), from where the names are (_find_names), without
    making the linked inlines: what the mentions and the register views need."""
    return _spans_found(inlines, index)[0]


def _spans_found(inlines: tuple[Inline, ...], index: NameIndex) -> tuple[tuple, tuple]:
    """name_spans, and where the names are (_find_names)."""
    found = _names_in(inlines, index) if index.refs else ()
    if not found:
        return link_spans(inlines), found  # (empty, but for names linked already)
    spans: list[tuple[int, int, str]] = []
    _found_spans(inlines, found, 0, spans)
    return tuple(spans), found


def _found_spans(inlines: tuple[Inline, ...], found: tuple, pos: int, spans: list) -> int:
    # counts as _walk_spans does over the linked inlines; (a function of its own: see there)
    places = iter(found)
    for part in _runs(inlines):
        if isinstance(part, list):
            names = next(places)
            spans += [(pos + names[i], pos + names[i + 1], names[i + 2])
                      for i in range(0, len(names), 3)]
            pos += sum(len(_atom_text(atom)) for atom in part)
        elif part.kind in _EMPHASIS and (inner := next(places)):
            pos = _found_spans(part.children, inner, pos, spans)
        else:
            pos = _walk_spans((part,), pos, spans)  # (a name linked already counts too)
    return pos


def _walk_spans(inlines: tuple[Inline, ...], pos: int, spans: list) -> int:
    # (a function of its own, not a closure: a recursive closure is a reference cycle, which
    # the build, with the cycle collector off, would keep for every paragraph)
    for inline in inlines:
        if inline.kind == "person":
            end = _walk_spans(inline.children, pos, spans)
            spans.append((pos, end, inline.text))
            pos = end
        elif inline.children:
            pos = _walk_spans(inline.children, pos, spans)
        else:
            pos += len(inline.text) + (2 if inline.kind == "supplied" else 0)
    return pos


@dataclass(frozen=True, slots=True)
class Mention:
    """A place in a letter where a person is named."""

    letter_id: str
    anchor: str
    """Id of the paragraph ("p3") or note ("note-2") that names the person."""
    in_note: bool
    n: int
    """Paragraph index (1-based) or note number."""


# --- archive concordance ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """One document or note citation kept in an archival file."""

    letter_id: str
    folios: str | None
    text: str
    """The citation as printed."""
    note: int | None = None
    """None for the letter's own archival reference; the note number for a citation in a note."""


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """An archival file (delo) with everything the edition cites from it."""

    repository: str
    fond: str
    opis: str
    delo: str
    entries: tuple[ArchiveEntry, ...]


@lru_cache(maxsize=1 << 16)
def natural_key(text: str | None) -> tuple:
    """"2565" after "137", "56v" after "56": numbers compare as numbers."""
    # ASCII digits only: "²" and other Unicode digits sort as text, since int() refuses them
    return tuple((0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p.casefold())
                 for p in re.findall(r"[0-9]+|[^0-9]+", text or ""))


def _file_key(ref: ArchiveRef) -> tuple:
    return (ref.repository.casefold(), natural_key(ref.fond), natural_key(ref.opis),
            natural_key(ref.delo))


def concordance(letters: tuple[Letter, ...],
                note_citations: Mapping[str, tuple[tuple[int, ArchiveRef], ...]] = MappingProxyType({})
                ) -> tuple[ArchiveFile, ...]:
    """Letters and note citations grouped by repository, fond, opis and delo, in archive order."""
    files: dict[tuple[str, str, str, str], list[ArchiveEntry]] = {}
    names: dict[tuple[str, str, str, str], ArchiveRef] = {}
    for letter in letters:
        cited: list[tuple[int | None, ArchiveRef]] = []
        if letter.archive is not None:
            cited.append((None, letter.archive))
        cited.extend(note_citations.get(letter.id, ()))
        for note, ref in cited:
            key = ref.file_key
            names.setdefault(key, ref)
            files.setdefault(key, []).append(ArchiveEntry(letter.id, ref.folios, ref.text, note))
    out = []
    for key in sorted(files, key=lambda k: _file_key(names[k])):
        entries = sorted(files[key], key=lambda e: (natural_key(e.folios), e.note is not None,
                                                    e.letter_id, e.note or 0))
        out.append(ArchiveFile(*key, entries=tuple(entries)))
    return tuple(out)


def _concordance(letters: tuple[Letter, ...],
                 note_citations: Mapping[str, tuple[tuple[int, ArchiveRef], ...]],
                 memo: Memo | None) -> tuple[ArchiveFile, ...]:
    reads = tuple((letter.id, letter.archive, note_citations.get(letter.id)) for letter in letters)
    return reused(memo, "concordance", reads, lambda: concordance(letters, note_citations))


def cited_in_notes(letters: Iterable[Letter]) -> dict[str, tuple[tuple[int, ArchiveRef], ...]]:
    """Letter id -> (note number, archival reference) of every archival citation in its notes,
    "Ibid." resolved against the citation before it (the letter's own reference for its first
    note, as the printed edition reads)."""
    out: dict[str, tuple[tuple[int, ArchiveRef], ...]] = {}
    for letter in letters:
        found: list[tuple[int, ArchiveRef]] = []
        previous = letter.archive
        for note in letter.notes:
            for citation in find_citations(note.text, previous):
                found.append((note.n, citation.ref))
            previous = last_reference(note.text, previous)
        if found:
            out[letter.id] = tuple(found)
    return out


def _cited(letters: tuple[Letter, ...], memo: Memo | None
           ) -> dict[str, tuple[tuple[int, ArchiveRef], ...]]:
    if memo is None:
        return cited_in_notes(letters)
    out = {}
    for found in memoized_each(memo, "cited", letters, lambda letter: cited_in_notes((letter,)),
                               register=False):
        out.update(found)
    return out


# --- the corpus ------------------------------------------------------------------------------

def correspondents_key(letter: Letter) -> frozenset[str]:
    """The parties of a letter, whichever wrote: letters with the same key form a correspondence."""
    return frozenset(c.ref or f"name:{c.name}" for c in (*letter.senders, *letter.recipients))


@dataclass(frozen=True)
class Corpus:
    edition: Edition
    letters: tuple[Letter, ...]
    """All letters in date order (then number, then id)."""
    persons: Mapping[str, Person] = field(default_factory=dict)
    by_id: Mapping[str, Letter] = field(default_factory=dict)
    replies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Letter id -> ids of the letters that answer it."""
    bodies: Mapping[str, tuple[Block, ...]] = field(default_factory=dict)
    """Letter id -> its body parsed into blocks (body.parse_body), once for every renderer."""
    names: NameIndex = field(default_factory=NameIndex)
    """The register's name forms, to link names in bodies and notes."""
    mentions: Mapping[str, tuple[Mention, ...]] = field(default_factory=dict)
    """Person ref -> every paragraph and note naming the person, in letter order."""
    places: Mapping[str, tuple[tuple[str, Mention], ...]] = field(default_factory=dict)
    """Letter id -> (person ref, mention) of each paragraph and note naming a person."""
    register_views: Mapping[str, str] = field(default_factory=dict)
    """Letter id -> a digest of what its pages and files read of the register (incremental
    builds key them by it)."""
    archive_files: tuple[ArchiveFile, ...] = ()
    """The archive concordance."""

    def notes(self, letter: Letter) -> tuple[NoteView, ...]:
        marked = set(note_marks(letter.body))
        return tuple(NoteView(n.n, n.text, n.n in marked, n.n in letter.unnumbered_notes, n.line)
                     for n in letter.notes)

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        """A value computed from this corpus once (a corpus never changes), for the renderers
        and the incremental build's keys alike."""
        found = self.__dict__.get(name, _MISSING)
        if found is _MISSING:
            found = self.__dict__[name] = compute()
        return found

    @cached_property
    def by_sender(self) -> Mapping[str, tuple[Letter, ...]]:
        """Person ref -> the letters the person wrote (or co-signed), in date order."""
        return self._by_party("senders")

    @cached_property
    def by_recipient(self) -> Mapping[str, tuple[Letter, ...]]:
        """Person ref -> the letters the person received, in date order."""
        return self._by_party("recipients")

    def _by_party(self, side: str) -> Mapping[str, tuple[Letter, ...]]:
        found: dict[str, list[Letter]] = {}
        for letter in self.letters:
            for ref in dict.fromkeys(p.ref for p in getattr(letter, side) if p.ref):
                found.setdefault(ref, []).append(letter)
        return {ref: tuple(letters) for ref, letters in found.items()}

    def mentioned(self, letter_id: str) -> tuple[str, ...]:
        """The refs of the persons a letter's paragraphs and notes name, in ref order."""
        return tuple(sorted({ref for ref, _ in self.places.get(letter_id, ())}))

    def neighbours(self, letter: Letter) -> tuple[Letter | None, Letter | None]:
        """Previous and next letter in date order."""
        i = self._positions[letter.id]
        return (self.letters[i - 1] if i > 0 else None,
                self.letters[i + 1] if i + 1 < len(self.letters) else None)

    @cached_property
    def _correspondences(self) -> Mapping[str, tuple[tuple[Letter, ...], int]]:
        """Letter id -> its correspondence and its place in it."""
        chains: dict[frozenset[str], list[Letter]] = {}
        for letter in self.letters:
            chains.setdefault(correspondents_key(letter), []).append(letter)
        out = {}
        for chain in chains.values():
            chain = tuple(chain)
            for i, letter in enumerate(chain):
                out[letter.id] = (chain, i)
        return out

    @cached_property
    def _positions(self) -> Mapping[str, int]:
        return {letter.id: i for i, letter in enumerate(self.letters)}

    def correspondence(self, letter: Letter) -> tuple[Letter, ...]:
        """The letters exchanged between the same parties as this one (either way), in date order."""
        found = self._correspondences.get(letter.id)
        return found[0] if found is not None else (letter,)

    def correspondence_neighbours(self, letter: Letter) -> tuple[Letter | None, Letter | None]:
        """Previous and next letter between the same parties."""
        chain, i = self._correspondences.get(letter.id, ((letter,), 0))
        return (chain[i - 1] if i > 0 else None, chain[i + 1] if i + 1 < len(chain) else None)

    def blocks(self, letter: Letter) -> tuple[Block, ...]:
        cached = self.bodies.get(letter.id)
        return cached if cached is not None else parse_body(letter.body)[0]

    def forget_texts(self) -> None:
        """Drop the parsed bodies (here and in the memo) and the memo of name links: what is
        asked for again is parsed and linked again. Before workers are forked to make shares
        of the letters' files: each then holds its own share's, not every letter's twice."""
        if isinstance(self.bodies, _Bodies):
            self.bodies.forget()
        self.names.linked.clear()


_MISSING = object()


def letter_order(letter: Letter) -> tuple:
    return (letter.date.sort_key, letter.number if letter.number is not None else 1 << 30, letter.id)


def _letter_mentions(letter: Letter, blocks: tuple[Block, ...], index: NameIndex,
                     views: Mapping[str, str]) -> tuple:
    """(person ref, place) of every paragraph and note of one letter that names a person, and
    the letter's view of the register: which words link to whom, and the entries (register_view)
    of the persons it names or is written by or to. Its pages and files read nothing else of
    the register: while its view stays the same, so do they. Then, to make the view again
    without linking (_carry_over), the digest of the links and the refs. Last, apart from the
    memo's entry: where the names are in each paragraph and note (Memo.found)."""
    places: list[tuple[Mention, tuple[Inline, ...]]] = []
    for i, block in enumerate(blocks, start=1):
        places.append((Mention(letter.id, anchors.paragraph_id(i), False, i), block.inlines))
    for note in letter.notes:
        places.append((Mention(letter.id, anchors.note_id(note.n), True, note.n),
                       parse_inline(note.text)))
    named: list[tuple[str, Mention]] = []
    spans = []
    where = []
    for mention, inlines in places:
        found, names = _spans_found(inlines, index)
        named += [(ref, mention) for ref in dict.fromkeys(span[2] for span in found)]
        spans.append(found)
        where.append(names)
    refs = tuple(sorted({ref for ref, _ in named}
                        | {p.ref for p in (*letter.senders, *letter.recipients) if p.ref}))
    links = _fingerprint(spans)
    return tuple(named), _register_view(links, refs, views), links, refs, tuple(where)


def _fingerprint(value: Any) -> str:
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _register_view(links: str, refs: tuple[str, ...], views: Mapping[str, str]) -> str:
    # (views: ref -> the digest of its register_view; the refs hold no control characters)
    return _fingerprint("\x1f".join([links, *(f"{ref}\x1e{views.get(ref)}" for ref in refs)]))


#: Beyond this many name forms changed at once (a register replaced, say), every letter is
#: linked again rather than its text searched for each of them.
CARRY_FORMS = 64


def _carry_over(memo: Memo, letters: tuple[Letter, ...], before: NameIndex, index: NameIndex,
                token: Any, views: Mapping[str, str]) -> None:
    """After a register edit, with the name index of the build before in memory (serve): a
    letter whose text holds none of the name forms the edit added, took out or gave to another
    person links the same words as before, so its name links are carried over from the
    register's token before (`token`) and only its view of the register is made again. Linking
    finds a form in the text with editorial brackets taken out, and never across markup; the
    text is searched with brackets and backslashes taken out, so that no form that could link
    is missed."""
    old, new = before.refs, index.refs
    changed = [form for form in old.keys() | new.keys() if old.get(form) != new.get(form)]
    # (a backslash can stay in the parsed text, or come from an escaped one, and markdown-it
    # makes U+FFFD of NUL: a form holding either is not looked for in the source, all relink)
    if len(changed) > CARRY_FORMS or any("\\" in form or "\ufffd" in form for form in changed):
        return
    entries = memo.entries
    for letter, name in zip(letters, memo.names(letters)):
        found = entries.get(("mentions", name, token))
        if found is None or ("mentions", name, memo.token) in entries:
            continue
        if changed:
            text = "\n".join((letter.body, *(note.text for note in letter.notes)))
            bare = text.replace("[", "").replace("]", "").replace("\\", "")
            if any(form in bare for form in changed):
                continue
        places, _, links, refs = found
        entries["mentions", name, memo.token] = (places, _register_view(links, refs, views),
                                                 links, refs)


def _mentions(letters: tuple[Letter, ...], bodies: Mapping[str, tuple[Block, ...]],
              index: NameIndex, persons: Iterable[Person], memo: Memo | None = None,
              before: NameIndex | None = None
              ) -> tuple[dict[str, tuple[Mention, ...]], dict[str, tuple[tuple[str, Mention], ...]],
                         dict[str, str]]:
    """Person ref -> its mentions (Corpus.mentions), letter id -> its own (Corpus.places: what
    one letter names needs no pass over all), and letter id -> its view of the register
    (Corpus.register_views). `before`: the name index of the build before (_carry_over)."""
    persons = tuple(persons)
    # (reused while the register is the same: not hashed again for every save in serve)
    views = reused(memo, "register-views", persons,
                   lambda: {p.ref: _fingerprint(register_view(p)) for p in persons})
    if memo is not None:
        token = memo.whole.get("mentions-token")
        if before is not None and token is not None and token != memo.token:
            _carry_over(memo, letters, before, index, token, views)
        memo.whole["mentions-token"] = memo.token

    def mentions_of(letter: Letter) -> tuple:
        *found, where = _letter_mentions(letter, bodies[letter.id], index, views)
        if memo is not None and memo.keep_found:
            # (as marshal's bytes: as tuples, the parts of 10,000 letters were 37 MiB more in
            # the first build's peak, held before the workers are forked)
            memo.found[letter.id] = (memo.identify(letter), marshal.dumps(where))
        return tuple(found)

    every = tuple(memoized_each(memo, "mentions", letters, mentions_of))

    def invert():
        found: dict[str, list[Mention]] = {}
        named: dict[str, tuple[tuple[str, Mention], ...]] = {}
        for letter, (places, *_) in zip(letters, every):
            for ref, mention in places:
                found.setdefault(ref, []).append(mention)
            if places:
                named[letter.id] = places
        return ({ref: tuple(m) for ref, m in sorted(found.items())}, named,
                {letter.id: view for letter, (_, view, *_) in zip(letters, every)})

    return reused(memo, "mentions", every, invert)


class Memo:
    """Results of the per-letter work of build_corpus, kept between builds (incremental.py).

    Keys hold everything a result depends on: a letter's body, the letter as `identify` names it
    (with its path and the lines of its keys and notes, which diagnostics quote; an incremental
    build names it by the digest of its path and record text, cheaper to hash), and `token`, which
    stands for the persons register (name linking depends on all of it)."""

    def __init__(self, token: str = "", entries: dict | None = None,
                 identify: Callable[[Letter], Any] | None = None):
        self.token = token
        self.entries: dict = entries if entries is not None else {}
        self.used: set = set()
        self.identify = identify or _identity
        self.whole: dict[str, tuple[Any, Any]] = {}
        """Stage -> (what it read of every letter, its result) in the build before, in memory
        only (reused)."""
        self._names: tuple[Any, list] | None = None
        self.found: dict[str, tuple[Any, bytes]] = {}
        """Letter id -> (its name, where the names are in each of its paragraphs and notes),
        for the letters whose mentions this build found while keep_found was set (a build
        whose renderers parse the bodies again, in forked workers): they link the same texts
        (_Bodies.link_as_found). Of this build only, never saved."""
        self.keep_found = False

    def names(self, letters: Iterable[Letter]) -> list:
        """identify for each of the letters: the corpus's letters are named once a build, not
        once for each of the stages that go through all of them."""
        found = self._names
        if found is not None and found[0] is letters:
            return found[1]
        names = [self.identify(letter) for letter in letters]
        if isinstance(letters, tuple):  # kept only for what cannot change under it
            self._names = (letters, names)
        return names

    def forget_found(self) -> None:
        """Drop what `found` holds and keep no more."""
        self.keep_found = False
        self.found.clear()

    def forget_names(self) -> None:
        """Before a build: the letters it reads are named anew."""
        self._names = None

    def forget_stage(self, stage: str) -> None:
        """Drop the results of one stage: they are computed again when asked for."""
        for key in [key for key in self.entries if key[0] == stage]:
            del self.entries[key]


def reused(memo: Memo | None, stage: str, reads: Any, compute: Callable[[], Any]) -> Any:
    """The result of a stage over all letters, reused from the build before when what it read
    of every letter is equal (serve: an edit to one letter's text leaves the concordance and
    the persons' mentions as they were, but finding that out costs a comparison, not a pass).
    `reads` must hold everything the result depends on."""
    if memo is None:
        return compute()
    previous = memo.whole.get(stage)
    if previous is not None and previous[0] == reads:
        return previous[1]
    value = compute()
    memo.whole[stage] = (reads, value)
    return value


def _identity(letter: Letter) -> tuple:
    return (letter, letter.path, letter.body_line, tuple(letter.key_lines.items()),
            tuple(n.line for n in letter.notes))


def letter_key(memo: Memo | None, letter: Letter) -> Any:
    return letter if memo is None else memo.identify(letter)


def memoized_each(memo: Memo | None, stage: str, letters: Iterable[Letter],
                  compute: Callable[[Letter], Any], *extra: Any, register: bool = True,
                  views: Mapping[str, str] | None = None) -> list:
    """memoized(memo, (stage, the letter's name, *extra), ..., register) for each letter, in
    one loop: the list exports and the corpus ask ten thousand times a build, and the loop
    written out takes half the time of as many calls. A stage that reads of the register no
    more than each letter's view of it (Corpus.register_views) gives the views: it is then
    keyed by the letter's view, and an edit to the register does it again only for the
    letters whose view changed."""
    if memo is None:
        return [compute(letter) for letter in letters]
    entries, used = memo.entries, memo.used
    token = memo.token if register else None
    letters = tuple(letters) if not isinstance(letters, (tuple, list)) else letters
    out = []
    for letter, name in zip(letters, memo.names(letters)):
        key = (stage, name, *extra, token if views is None else views.get(letter.id, token))
        used.add(key)
        found = entries.get(key, _MISSING)
        if found is _MISSING:
            found = entries[key] = compute(letter)
        out.append(found)
    return out


def memoized(memo: Memo | None, key: tuple, compute, register: bool = True):
    """compute(), kept in memo under key for the next build. A stage that reads the register
    (register=True) is keyed by its token too: what the letters read of it changed, the stage
    is done again; one that does not read it is not."""
    if memo is None:
        return compute()
    key = (*key, memo.token if register else None)
    memo.used.add(key)
    try:
        return memo.entries[key]
    except KeyError:
        value = memo.entries[key] = compute()
        return value


class _Bodies(Mapping[str, tuple[Block, ...]]):
    """Letter id -> its parsed body, parsed (or taken from the memo) when first asked for. With
    a memo, what is wrong with a body is remembered apart from the body itself, so that a build
    that renders one letter parses, loads and keeps one body, not ten thousand."""

    def __init__(self, by_id: Mapping[str, Letter], memo: Memo | None):
        self._by_id = by_id
        self._memo = memo
        self._parsed: dict[str, tuple[Block, ...]] = {}
        self.names: NameIndex | None = None
        """The corpus's name index, once it is made (link_as_found)."""

    def __getitem__(self, letter_id: str) -> tuple[Block, ...]:
        found = self._parsed.get(letter_id)
        if found is None:
            found = self._parse(self._by_id[letter_id])[0]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def problems(self, letter: Letter) -> list[BodyProblem]:
        if self._memo is None:
            return self._parse(letter)[1]
        return memoized(self._memo, ("body-problems", letter_key(self._memo, letter)),
                        lambda: self._parse(letter)[1], register=False)

    def forget(self) -> None:
        self._parsed.clear()
        if self._memo is not None:
            self._memo.forget_stage("body")

    def _parse(self, letter: Letter) -> tuple[tuple[Block, ...], list[BodyProblem]]:
        blocks, problems = memoized(self._memo, ("body", letter.body),
                                    lambda: parse_body(letter.body), register=False)
        self._parsed[letter.id] = blocks
        if self.names is not None and self._memo is not None and self._memo.found:
            self.link_as_found(letter, blocks, self.names)
        return blocks, problems

    def link_as_found(self, letter: Letter, blocks: tuple[Block, ...], index: NameIndex) -> None:
        """Tell the name index where the names are in the letter's paragraphs and notes, as
        finding its mentions found them in this build (Memo.found): the page and the TEI file
        then link them without looking for them again (7 % of a first build's work)."""
        kept = self._memo.found.pop(letter.id, None)
        if kept is None or kept[0] != self._memo.identify(letter):
            return
        where = marshal.loads(kept[1])
        texts = [block.inlines for block in blocks]
        texts += [parse_inline(note.text) for note in letter.notes]
        if len(texts) == len(where):
            index.linked.update(zip(texts, where))


def build_corpus(edition: Edition, letters: tuple[Letter, ...], persons: tuple[Person, ...],
                 persons_path: str = "persons.yaml",
                 note_citations: Mapping[str, tuple[tuple[int, ArchiveRef], ...]] | None = None,
                 memo: Memo | None = None) -> tuple[Corpus, list[Diagnostic]]:
    """The inventory of every target (letters, paragraphs, notes, persons, archival files) that
    pages link to, computed before anything is rendered. `memo` keeps the per-letter work for
    the next build; its token must change whenever the persons register does."""
    diags: list[Diagnostic] = []
    by_id: dict[str, Letter] = {}
    for letter in letters:
        other = by_id.get(letter.id)
        if other is not None:
            diags.append(error(letter.path, letter.line_of("id"), f"duplicate id '{letter.id}' "
                               f"(other instance in {other.path}:{other.line_of('id')}); give one "
                               "of them another id", "duplicate-id"))
            continue
        by_id[letter.id] = letter
    ordered = tuple(sorted(by_id.values(), key=letter_order))
    replies: dict[str, list[str]] = {}
    for letter in ordered:
        if letter.in_reply_to and letter.in_reply_to in by_id:
            replies.setdefault(letter.in_reply_to, []).append(letter.id)
    bodies = _Bodies(by_id, memo)
    for letter in ordered:
        for problem in bodies.problems(letter):
            diags.append(error(letter.path, letter.body_line + problem.line, problem.message,
                               problem.code))
    before = memo.whole.get("name-index") if memo is not None else None
    # (the whole entries and their lines: the index's warnings name both)
    index, d = reused(memo, "name-index", (tuple((p, p.line) for p in persons), persons_path),
                      lambda: name_index(persons, persons_path))
    diags += d
    bodies.names = index
    mentions, places, views = _mentions(ordered, bodies, index, persons, memo,
                                        before[1][0] if before is not None else None)
    corpus = Corpus(
        edition=edition,
        letters=ordered,
        persons=MappingProxyType({p.ref: p for p in sorted(persons, key=lambda p: p.ref)}),
        by_id=MappingProxyType(by_id),
        replies=MappingProxyType({k: tuple(v) for k, v in replies.items()}),
        bodies=bodies,
        names=index,
        mentions=MappingProxyType(mentions),
        places=MappingProxyType(places),
        register_views=MappingProxyType(views),
        archive_files=_concordance(ordered, _cited(ordered, memo) if note_citations is None
                                    else note_citations, memo),
    )
    return corpus, diags
