"""All records -> one inventory: order, neighbours, replies, notes and their marks.

Pure: takes what fs.load_editions read and returns a Corpus and diagnostics. Everything a page or
an export needs to know about other letters is computed here once, before anything is rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from .diagnostics import Diagnostic, error
from .model import Edition, Letter, Note, Person

#: An in-text note mark in a record body: `[^12]`.
NOTE_MARK = re.compile(r"\[\^(\d+)\]")


def note_marks(body: str) -> list[int]:
    """The note numbers marked in a body, in reading order (repeats kept)."""
    return [int(m.group(1)) for m in NOTE_MARK.finditer(body)]


@dataclass(frozen=True)
class NoteView:
    """A note with what the body says about it."""

    n: int
    text: str
    anchored: bool
    """True when the body has a mark for this note."""
    number_supplied: bool
    """True when the source lost the number and the editors supplied it."""
    line: int = 0


@dataclass(frozen=True)
class Corpus:
    edition: Edition
    letters: tuple[Letter, ...]
    """All letters in date order (then number, then id)."""
    persons: Mapping[str, Person] = field(default_factory=dict)
    by_id: Mapping[str, Letter] = field(default_factory=dict)
    replies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Letter id -> ids of the letters that answer it."""

    def notes(self, letter: Letter) -> tuple[NoteView, ...]:
        marked = set(note_marks(letter.body))
        return tuple(NoteView(n.n, n.text, n.n in marked, n.n in letter.unnumbered_notes, n.line)
                     for n in letter.notes)

    def neighbours(self, letter: Letter) -> tuple[Letter | None, Letter | None]:
        """Previous and next letter in date order."""
        i = self.letters.index(letter)
        return (self.letters[i - 1] if i > 0 else None,
                self.letters[i + 1] if i + 1 < len(self.letters) else None)


def letter_order(letter: Letter) -> tuple:
    return (letter.date.sort_key, letter.number if letter.number is not None else 1 << 30, letter.id)


def build_corpus(edition: Edition, letters: tuple[Letter, ...], persons: tuple[Person, ...]
                 ) -> tuple[Corpus, list[Diagnostic]]:
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
    corpus = Corpus(
        edition=edition,
        letters=ordered,
        persons=MappingProxyType({p.ref: p for p in persons}),
        by_id=MappingProxyType(by_id),
        replies=MappingProxyType({k: tuple(v) for k, v in replies.items()}),
    )
    return corpus, diags
