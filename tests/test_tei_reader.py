"""epistola.tei against an independent reading of the same TEI files (tests/tei_reference.py).

On the committed sample of schnitzler-briefe always; on the whole corpus when it is unpacked
(at /tmp/schnitzler-briefe-data, or where EPISTOLA_TEI_CORPUS points): that test,
test_whole_corpus_agrees_with_the_reference, is skipped when the corpus is not there.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from epistola.body import Block
from epistola.model import LETTER_ID, LETTER_PARTS
from epistola.records import parse_edition
from epistola.tei import read_tei_letter, read_tei_register

import tei_reference

SAMPLE = Path(__file__).parent / "fixtures" / "schnitzler-briefe"
CORPUS = Path(os.environ.get("EPISTOLA_TEI_CORPUS", "/tmp/schnitzler-briefe-data"))
WORD = re.compile(r"[^\W_]+")
ENTITY_KINDS = ("person", "place", "organisation", "work", "event")


def _sample_files() -> list[Path]:
    edition, _ = parse_edition((SAMPLE / "edition.yaml").read_text(encoding="utf-8"), "edition.yaml")
    return sorted(p for pattern in edition.letters for p in SAMPLE.glob(pattern))


# -- the reader's letter, read the way the reference reads the XML

def _shown(choice):
    for kind in ("corr", "expan", "reg"):
        for child in choice.children:
            if child.kind == kind:
                return child.children
    return choice.children[0].children if choice.children else ()


def _text_and_marks(blocks) -> tuple[str, dict[int, int]]:
    """The text of blocks as a reader sees it, and where each note mark stands in it."""
    pieces: list[str] = []
    length = 0
    marks: dict[int, int] = {}

    def put(text: str) -> None:
        nonlocal length
        pieces.append(text)
        length += len(text)

    def walk(inlines) -> None:
        for i in inlines:
            kind = i.kind
            if kind == "text":
                put(i.text)
            elif kind == "break":
                put("" if i.text == "no" else " ")
            elif kind in ("space", "gap"):
                put(" ")
            elif kind == "anchor":
                marks[i.n] = length
            elif kind == "choice":
                walk(_shown(i))
            elif kind == "supplied":
                walk(i.children) if i.children else put(i.text)
            elif kind == "other" and i.text in ("c", "g") and not i.children:
                put(" ")
            elif i.children:
                walk(i.children)

    for block in blocks:
        put(" ")
        walk(block.inlines)
    return "".join(pieces), marks


def reader_words(letter) -> tuple[list[str], dict[int, int]]:
    text, marks = _text_and_marks(letter.blocks)
    return WORD.findall(text), {n: len(WORD.findall(text[:at])) for n, at in marks.items()}


def reader_entities(letter) -> Counter:
    found: Counter = Counter()

    def walk(inlines) -> None:
        for i in inlines:
            if i.kind in ENTITY_KINDS:
                found[(i.kind, i.text)] += 1
            walk(i.children)

    for block in letter.blocks:
        walk(block.inlines)
    for note in letter.notes:
        walk(note.inlines)
    return found


def all_anchors(letter) -> Counter:
    found: Counter = Counter()

    def walk(inlines) -> None:
        for i in inlines:
            if i.kind == "anchor":
                found[i.n] += 1
            walk(i.children)

    for block in letter.blocks:
        walk(block.inlines)
    for note in letter.notes:
        walk(note.inlines)
    return found


def differences(path: Path) -> list[str]:
    """What the reader and the reference disagree on for one file (empty when they agree)."""
    data = path.read_bytes()
    letter, diags, _ = read_tei_letter(data, str(path))
    if letter is None:
        return [f"rejected: {[str(d) for d in diags]}"]
    ref = tei_reference.read_letter(data)
    out = []
    senders = tuple((c.name, c.ref) for c in letter.senders)
    addressees = tuple((c.name, c.ref) for c in letter.recipients if c.role == "to")
    if senders != ref.senders:
        out.append(f"senders {senders} != {ref.senders}")
    if addressees != ref.addressees:
        out.append(f"addressees {addressees} != {ref.addressees}")
    date = (letter.date.when, letter.date.not_before, letter.date.not_after)
    if date != ref.date:
        out.append(f"date {date} != {ref.date}")
    words, marks = reader_words(letter)
    if words != list(ref.words):
        k = next((k for k, (a, b) in enumerate(zip(words, ref.words)) if a != b),
                 min(len(words), len(ref.words)))
        out.append(f"words differ at word {k}: reader {words[max(0, k - 5):k + 5]} "
                   f"reference {list(ref.words[max(0, k - 5):k + 5])}")
    if len(letter.notes) != len(ref.notes):
        out.append(f"{len(letter.notes)} notes, reference {len(ref.notes)}")
    for note, expected in zip(letter.notes, ref.notes):
        note_words = WORD.findall(_text_and_marks([Block(None, note.inlines, 0)])[0])
        if note_words != list(expected.words):
            out.append(f"note {note.n}: {note_words[:12]} != {list(expected.words[:12])}")
        if marks.get(note.n, -1) != expected.anchor_word:
            out.append(f"note {note.n} marked after word {marks.get(note.n, -1)}, "
                       f"reference {expected.anchor_word}")
    anchors = all_anchors(letter)
    if anchors != Counter(n.n for n in letter.notes):
        out.append(f"marks {dict(anchors)} for notes {[n.n for n in letter.notes]}")
    if reader_entities(letter) != Counter(ref.entities):
        missing = Counter(ref.entities) - reader_entities(letter)
        extra = reader_entities(letter) - Counter(ref.entities)
        out.append(f"entities: missing {dict(missing)}, extra {dict(extra)}")
    return out


# -- the committed sample

SAMPLE_FILES = _sample_files()


def test_the_sample_has_its_letters():
    assert len(SAMPLE_FILES) == 32
    letters = [read_tei_letter(p.read_bytes(), str(p))[0] for p in SAMPLE_FILES]
    assert all(letter is not None for letter in letters)
    assert len({letter.id for letter in letters}) == 32


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_reader_agrees_with_the_reference(path):
    assert differences(path) == []


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_letter_fields(path):
    letter, diags, unhandled = read_tei_letter(path.read_bytes(), str(path))
    assert diags == []
    assert LETTER_ID.fullmatch(letter.id) and letter.id == path.stem.lower()
    assert letter.body == "" and letter.blocks
    assert all(block.part is None or block.part in LETTER_PARTS for block in letter.blocks)
    assert letter.title and letter.language and letter.language.startswith("de")
    assert [n.n for n in letter.notes] == list(range(1, len(letter.notes) + 1))
    assert all(note.kind in ("commentary", "textConst", "footnote") for note in letter.notes)
    assert letter.source.file == str(path) and letter.source.first <= letter.source.last
    assert letter.revisions and all(r.when for r in letter.revisions)
    assert {r.type for r in letter.related} >= {"previous", "next"}
    assert all(LETTER_ID.fullmatch(r.target) for r in letter.related if r.type != "belongsToCorrespondence")


def test_the_letter_a_reader_opens_first():
    """L00045 field by field, as the edition's own site shows it."""
    path = SAMPLE / "data" / "editions" / "L00045.xml"
    letter, _, _ = read_tei_letter(path.read_bytes(), "L00045.xml")
    assert letter.title == "Arthur Schnitzler an Richard Beer-Hofmann, 21.\u00a011.\u00a01891"
    assert letter.place.name == "Wien" and letter.place.ref == "pmb50"
    assert letter.place_received.ref == "pmb53"
    assert letter.archive.repository == "Beinecke Rare Book and Manuscript Library"
    assert letter.archive.settlement == "Yale"
    assert letter.archive.shelfmark == "Yale Collection of German Literature, MSS 31"
    assert letter.facsimiles == ("1891_AS_RBH_00007", "1891_AS_RBH_00008")
    assert [(b.part, b.line) for b in letter.blocks] == [
        ("address", 1), (None, 2), ("closing", 3), ("signature", 3)]
    assert letter.body_line + letter.blocks[1].line == 124  # the line of the <p> in the file
    assert letter.notes[0].line == 124 and letter.notes[0].text.startswith("Am Sonntag, den")
    assert [(r.type, r.target) for r in letter.related][1:] == [
        ("previous", "l02670"), ("next", "l02671"), ("previous-in-corresp", "l00043"),
        ("next-in-corresp", "l00047")]
    assert letter.revisions[0].who == "GHS" and letter.revisions[0].text == "angelegt"
    persons = {p.ref: p for p in letter.register_entries}
    assert persons["pmb2121"].name == "Arthur Schnitzler"
    assert persons["pmb2121"].sort_name == "Schnitzler, Arthur"
    assert persons["pmb2121"].ids == {"gnd": "118609807"}
    assert persons["pmb2121"].dates == "15. 5. 1862 – 21. 10. 1931"


def test_the_sample_indices_are_read():
    entries = {}
    for name in ("listplace.xml", "listorg.xml", "listbibl.xml"):
        path = SAMPLE / "data" / "indices" / name
        found, diags = read_tei_register(path.read_bytes(), name)
        assert diags == []
        entries.update({(e.register, e.ref): e for e in found})
    vienna = entries[("places", "pmb50")]
    assert vienna.name == "Wien" and "Vienna" in vienna.variants
    assert vienna.coordinates == pytest.approx((48.208333, 16.373056))
    assert vienna.ids["pmb"] == "50" and vienna.ids["wikidata"].startswith("Q")
    assert {e.register for e in entries.values()} == {"places", "organisations", "works"}


def test_every_reference_of_the_sample_names_a_register_entry():
    """Places, organisations and works in the cut-down indices or in the letters' own backs;
    persons in the letters' own listPerson (the corpus has no persons index)."""
    known = set()
    for name in ("listplace.xml", "listorg.xml", "listbibl.xml"):
        found, _ = read_tei_register((SAMPLE / "data" / "indices" / name).read_bytes(), name)
        known.update(e.ref for e in found)
    missing = Counter()
    for path in SAMPLE_FILES:
        letter, _, _ = read_tei_letter(path.read_bytes(), str(path))
        back, _ = read_tei_register(path.read_bytes(), str(path))
        own = known | {e.ref for e in back}
        for (kind, ref), count in reader_entities(letter).items():
            if kind != "event" and ref not in own:
                missing[(path.stem, kind, ref)] += count
    assert not missing


# -- the whole corpus, when it is there

@pytest.mark.skipif(not (CORPUS / "data" / "editions").is_dir(),
                    reason=f"the schnitzler-briefe corpus is not unpacked at {CORPUS}")
def test_whole_corpus_agrees_with_the_reference():
    files = sorted((CORPUS / "data" / "editions").glob("*.xml"))
    assert len(files) == 4420
    failures = {}
    for path in files:
        problems = differences(path)
        if problems:
            failures[path.name] = problems
    assert not failures, f"{len(failures)} letters differ; first: {list(failures.items())[:5]}"
