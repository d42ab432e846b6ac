"""The registers' names, found in running text: which words of a letter link to which entry.

Pure. `name_index(entries)` gathers every form of every register entry (name, full name,
variants, forms in other scripts); `NameIndex.find` finds them in a text; `find_names` says where
they are in a paragraph's inlines (plain tuples, kept with the letter's summary), and
`apply_names` wraps those words in linked inlines, so a page is linked without searching again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable

from .body import Inline
from .diagnostics import Diagnostic, warning
from .ingest.names import dative_forms, genitive_forms, is_cyrillic, latin_key
from .model import Person

#: The inline kind a name of each register is linked as.
LINK_KIND = {"persons": "person", "places": "place", "organisations": "organisation",
             "works": "work"}
#: ... and back: the register an inline kind links into.
REGISTER_OF = {kind: register for register, kind in LINK_KIND.items()}


def name_key(text: str) -> str:
    """A name form without editorial brackets and with single spaces: "Ar[vid]" -> "Arvid"."""
    return " ".join(text.replace("[", "").replace("]", "").split())


def entry_forms(entry: Person) -> tuple[str, ...]:
    """Every form of an entry's name the register knows: as displayed, in full, each variant
    and each form in another script, in that order, once each."""
    forms = [entry.name, entry.full_name, *entry.variants]
    for other in entry.names_other.values():
        forms += other
    return tuple(dict.fromkeys(f for f in forms if f))


_WORD_START = re.compile(r"(?<!\w)\w")
_BRACKET = re.compile(r"[\[\]]")


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Every name form of the registers, ready to find in running text.

    A form matches with editorial brackets anywhere inside it: "Arvid" finds "Arvid", "Ar[vid]"
    and "[Arvid]", "L. D. Trotsky" finds "L. D. [Trotsky]". Matching compares the text with its
    brackets taken out, at each word start, against every form, longest first; both ends must
    be word boundaries in the printed text.
    """

    targets: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Name form without brackets (name_key) -> (inline kind, ref): ("person", "stalin")."""
    trie: Mapping = field(default_factory=dict, compare=False, hash=False, repr=False)
    """Every form in a trie of characters, its target under the key None where a form ends:
    the forms at a position are found in one walk, however many share their first letters."""
    starts: re.Pattern | None = field(default=None, compare=False, hash=False, repr=False)
    """Finds the word starts whose first character begins some form; most words of a letter
    are passed over in one regular-expression scan."""
    declined: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """A Russian text declines its names and spells them in Cyrillic: the loose Latin key
    (ingest.names.latin_key) of each one-word form and each person's surname -> its target, so
    that "Ярославским" and "Магидов" find Yaroslavsky and Magidov."""

    def find(self, text: str) -> list[tuple[int, int, tuple[str, str]]]:
        """(start, end, target) of every name form in text, left to right, never overlapping."""
        if not self.targets:
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
        out: list[tuple[int, int, tuple[str, str]]] = []
        done = 0
        trie, size = self.trie, len(bare)
        for m in (self.starts or _WORD_START).finditer(bare):
            pos = m.start()
            if pos < done:
                continue
            start = at(pos)
            if start > 0 and text[start - 1] == "[":
                start -= 1
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue  # "Andrei[she]": "she" is not a word of its own
            ends: list[tuple[int, tuple[str, str]]] = []
            node, i = trie, pos
            while i < size:
                node = node.get(bare[i])
                if node is None:
                    break
                i += 1
                if None in node:
                    ends.append((i, node[None]))
            if self.declined and bare[pos].isupper() and is_cyrillic(bare[pos]):
                # (tried first, as the shortest: a form the trie holds whole is longer or equal)
                word = _CYRILLIC_WORD.match(bare, pos).group(0)
                target = self._declined(word)
                if target is not None:
                    ends.insert(0, (pos + len(word), target))
            for stop, target in reversed(ends):  # the longest that ends at a word boundary
                end = at(stop - 1) + 1
                if end < len(text) and text[end] == "]":
                    end += 1
                if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                    continue
                out.append((start, end, target))
                done = stop
                break
        return out

    def _declined(self, word: str) -> tuple[str, str] | None:
        """The entry a capitalised Cyrillic word names, in any case the surname may take."""
        for form in (word, *_nominatives(word)):
            target = self.declined.get(latin_key(form))
            if target is not None:
                return target
        return None


_CYRILLIC_WORD = re.compile(r"[\w-]+")


def _nominatives(word: str) -> list[str]:
    """What a declined Russian surname or place may stand for in the nominative: the genitive
    and dative as ingest reads headings, and the instrumental and prepositional of running text
    ("Сталиным", "Ярославским", "Крупской", "о Сталине", "в Донбассе")."""
    out = [*genitive_forms(word), *dative_forms(word)]
    lower = word.lower()
    for ending, nominatives in (("ским", ("ский",)), ("цким", ("цкий",)), ("ым", ("", "ый")),
                                ("им", ("ий",)), ("ом", ("",)), ("ем", ("ь", "й")),
                                ("ой", ("а",)), ("ей", ("я",)), ("е", ("", "а"))):
        if lower.endswith(ending) and len(lower) > len(ending) + 2:
            out += [word[: len(word) - len(ending)] + n for n in nominatives]
    return [form for form in dict.fromkeys(out) if form != word]


def name_index(entries: Iterable[Person], paths: Mapping[str, str] | None = None
               ) -> tuple[NameIndex, list[Diagnostic]]:
    """Index each entry's forms (entry_forms). A form claimed by two entries links to neither,
    with a warning, since the text cannot say which one is meant; so does a form of one
    character (an initial, "I"), which would link every word it stands for as well. `paths`
    names each register's file for the warnings."""
    paths = paths or {}
    diags: list[Diagnostic] = []
    owner: dict[str, Person] = {}
    ambiguous: set[str] = set()
    for entry in sorted(entries, key=lambda e: (e.register, e.ref)):
        path = paths.get(entry.register, f"{entry.register}.yaml")
        what = _WHAT.get(entry.register, "entry")
        for form in entry_forms(entry):
            key = name_key(form)
            if not key:
                continue
            if len(key) == 1:
                diags.append(warning(path, entry.line, f"name form '{form}' of '{entry.ref}' is "
                                     "a single character; it is not linked, for it would link "
                                     f"every '{key}' in the letters: give the name as printed, "
                                     "e.g. with its initials", f"{entry.register}-short-name"))
                continue
            other = owner.get(key)
            if other is None:
                owner[key] = entry
            elif (other.register, other.ref) != (entry.register, entry.ref) \
                    and key not in ambiguous:
                ambiguous.add(key)
                also = f"{_WHAT.get(other.register, 'entry')} " if other.register != entry.register \
                    else ""
                where = f"line {other.line}" if other.register == entry.register \
                    else f"{paths.get(other.register, other.register + '.yaml')}:{other.line}"
                diags.append(warning(path, entry.line, f"name form '{form}' of {what} "
                                     f"'{entry.ref}' is also a form of {also}'{other.ref}' "
                                     f"({where}); it is not linked: make it unique to one "
                                     f"{what}", f"{entry.register}-ambiguous-name"))
    targets = {k: (LINK_KIND.get(e.register, "person"), e.ref) for k, e in owner.items()
               if k not in ambiguous and re.match(r"\w", k)}
    declined = _declined_keys(owner, ambiguous)
    firsts = "".join(sorted({re.escape(k[0]) for k in targets}))
    if declined:
        firsts += "А-ЯЁ"
    starts = re.compile(rf"(?<!\w)(?=[{firsts}])") if firsts else None
    return NameIndex(MappingProxyType(targets), trie=_trie(targets), starts=starts,
                     declined=MappingProxyType(declined)), diags


def _declined_keys(owner: Mapping[str, Person], ambiguous: set[str]) -> dict[str, tuple[str, str]]:
    """Loose Latin keys of the one-word forms and of each person's surname (the last word of a
    form), each of one entry only; keys of fewer than four letters are left out, as too likely
    to be some other word."""
    found: dict[str, set[tuple[str, str]]] = {}
    for form, entry in owner.items():
        if form in ambiguous:
            continue
        words = form.split()
        if len(words) > 1 and entry.register != "persons":
            continue
        key = latin_key(words[-1])
        if len(key) >= 4:
            found.setdefault(key, set()).add((LINK_KIND.get(entry.register, "person"), entry.ref))
    return {key: next(iter(targets)) for key, targets in found.items() if len(targets) == 1}


_WHAT = {"persons": "person", "places": "place", "organisations": "organisation", "works": "work"}


def _trie(targets: Mapping[str, tuple[str, str]]) -> dict:
    root: dict = {}
    for form, target in targets.items():
        node = root
        for char in form:
            node = node.setdefault(char, {})
        node[None] = target
    return root


# --- where the names are in a paragraph ----------------------------------------------------------

def _atom_text(inline: Inline) -> str:
    return f"[{inline.text}]" if inline.kind == "supplied" else inline.text


#: The inlines a name form may run across.
_RUN = frozenset(("text", "supplied", "gap"))
#: Inlines whose children are searched for names too.
_NESTED = frozenset(("em", "strong", "hi", "del", "add", "sic", "corr", "abbr", "expan",
                     "choice", "unclear", "foreign", "quote", "other"))
#: Inlines that already are a link: nothing inside them is linked again.
_LINKED = frozenset(LINK_KIND.values()) | {"event"}


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


def _atom_spans(run: list[Inline]) -> list[tuple[int, int, Inline]]:
    spans: list[tuple[int, int, Inline]] = []
    pos = 0
    for atom in run:
        size = len(_atom_text(atom))
        spans.append((pos, pos + size, atom))
        pos += size
    return spans


def _run_names(run: list[Inline], index: NameIndex) -> tuple:
    """Where the name forms are in a run: (start, end, kind, ref, ...) flat, in characters of
    the run's text with the brackets printed. A form may start or end inside plain text but
    never inside an editorial bracket."""
    spans = _atom_spans(run)
    plain = "".join(_atom_text(a) for a in run)
    matches = [(s, e, target) for s, e, target in index.find(plain)
               if not any(a.kind != "text" and (a0 < s < a1 or a0 < e < a1) for a0, a1, a in spans)]
    if not matches:
        return ()
    # a name the editors completed in brackets straight after it ("Andrei[ey]") is one name
    starts = {a0: a for a0, _, a in spans}
    extended = []
    for s, e, target in matches:
        after = starts.get(e)
        if after is not None and after.kind == "supplied" and not plain[e - 1:e].isspace():
            e += len(_atom_text(after))
        extended.append((s, e, target))
    kept = [m for i, m in enumerate(extended) if i == 0 or m[0] >= extended[i - 1][1]]
    return tuple(x for s, e, (kind, ref) in kept for x in (s, e, kind, ref))


def find_names(inlines: tuple[Inline, ...], index: NameIndex) -> tuple:
    """Where the names are in inlines: for each run of text (_run_names) and each inline with
    children (its own find_names), in order; () when there are none. Plain tuples: a letter's
    summary keeps them, and apply_names links the same inlines from them."""
    if not index.targets:
        return ()
    found = [_run_names(part, index) if isinstance(part, list)
             else find_names(part.children, index)
             for part in _runs(inlines) if isinstance(part, list) or part.kind in _NESTED]
    return tuple(found) if any(found) else ()


def apply_names(inlines: tuple[Inline, ...], found: tuple) -> tuple[Inline, ...]:
    """The inlines with the names find_names found wrapped in Inline(kind, ref, children)."""
    if not found:
        return inlines
    out: list[Inline] = []
    places = iter(found)
    for part in _runs(inlines):
        if isinstance(part, list):
            out.extend(_linked_run(part, next(places)))
        elif part.kind in _NESTED:
            inner = next(places)
            out.append(Inline(part.kind, part.text, part.n,
                              apply_names(part.children, inner) if inner else part.children))
        else:
            out.append(part)
    return tuple(out)


def link_names(inlines: tuple[Inline, ...], index: NameIndex) -> tuple[Inline, ...]:
    """The inlines with every name form of the registers linked."""
    return apply_names(inlines, find_names(inlines, index))


def _linked_run(run: list[Inline], names: tuple) -> list[Inline]:
    if not names:
        return list(run)
    if len(run) == 1 and run[0].kind == "text":  # most runs: one piece of text, sliced
        text = run[0].text
        out: list[Inline] = []
        pos = 0
        for i in range(0, len(names), 4):
            start, end, kind, ref = names[i:i + 4]
            if start > pos:
                out.append(Inline("text", text[pos:start]))
            out.append(Inline(kind, ref, children=(Inline("text", text[start:end]),)))
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
    for i in range(0, len(names), 4):
        start, end, kind, ref = names[i:i + 4]
        out.extend(pieces(pos, start))
        out.append(Inline(kind, ref, children=tuple(pieces(start, end))))
        pos = end
    out.extend(pieces(pos, spans[-1][1]))
    return out


def linked_targets(inlines: tuple[Inline, ...]) -> list[tuple[str, str]]:
    """(kind, ref) of every linked name in inlines, in reading order (repeats kept)."""
    out: list[tuple[str, str]] = []
    _walk_targets(inlines, out)
    return out


def _walk_targets(inlines: tuple[Inline, ...], out: list) -> None:
    # (a function of its own, not a closure: a recursive closure is a reference cycle)
    for inline in inlines:
        if inline.kind in _LINKED:
            out.append((inline.kind, inline.text))
        if inline.children:
            _walk_targets(inline.children, out)
