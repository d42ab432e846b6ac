"""Records read through the pure core alone, in the order a build reads them: the register's
names, each letter analysed and checked, the inventory, the checks across records.

For the tests of the checks, the corpus and the text of the pages, which hand the core records
written in the test (as text or as model values) and look at what it makes of them. Builds of
whole editions go through epistola.engine.recipe instead.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from epistola.corpus import build_corpus
from epistola.diagnostics import Diagnostic
from epistola.letters import Reading, analyse
from epistola.model import Edition, Letter, Person
from epistola.names import name_index
from epistola.records import parse_letter
from epistola.site import Site
from epistola.validate import check_corpus, check_letter


def read(edition: Edition, letters: Iterable[Letter | tuple[str, str]],
         entries: Iterable[Person] = (), register_paths: Mapping[str, str] | None = None,
         build_date: str | None = None) -> tuple[Site, list[Diagnostic]]:
    """The facts of an edition (site.Site, with no templates) and every diagnostic of reading,
    analysing and checking it, sorted. A letter is a model value or (path, record text); a
    record that cannot be read gives its diagnostics and is left out."""
    entries = tuple(entries)
    names, diags = name_index(entries, register_paths)
    readings: dict[str, Reading] = {}
    summaries = []
    for letter in letters:
        if not isinstance(letter, Letter):
            letter, found = parse_letter(letter[1], letter[0])
            diags += found
            if letter is None:
                continue
        reading, summary, found = analyse(letter, names)
        diags += found + check_letter(reading, edition.year)
        readings.setdefault(letter.id, reading)
        summaries.append(summary)
    corpus, found = build_corpus(edition, summaries, entries, register_paths)
    diags += found + check_corpus(corpus)
    return Site(corpus, readings.__getitem__, build_date, names=names), sorted(set(diags))


def reading(letter: Letter, entries: Iterable[Person] = ()) -> Reading:
    """One letter's Reading, its names linked to the entries given."""
    names, _ = name_index(tuple(entries))
    return analyse(letter, names)[0]
