"""The seed transcription: exactly four letters, every field as the printed edition has it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from epistola.body import note_marks, parse_body, plain_text
from epistola.ingest.core import ingest_text
from epistola.model import ArchiveRef, Correspondent, LetterDate, Place

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "sources/bolshevik-correspondence-1923-nos-173-176.txt"


def marks_in(body: str) -> list[int]:
    """The note numbers marked in a record's body, in reading order."""
    return note_marks(parse_body(body)[0])


@pytest.fixture(scope="module")
def seed():
    return ingest_text((ROOT / SOURCE).read_text(encoding="utf-8"), SOURCE)


@pytest.fixture(scope="module")
def letters(seed):
    return {letter.id: letter for letter in seed.letters}


def messages(seed, code):
    return [d for d in seed.diagnostics if d.code == code]


def test_exactly_four_letters(seed):
    assert [(l.id, l.number) for l in seed.letters] == [("173", 173), ("174", 174), ("175", 175),
                                                         ("176", 176)]


def test_edition_metadata_from_the_collection_lines(seed):
    e = seed.edition
    assert e.title == "Bolshevik leadership Correspondence. 1912-1927"
    assert e.year == 1996
    assert e.compilers == ("A. V. Kvashonkin", "L. P. Kosheleva", "L. A. Rogovaya", "O. V. Khlevnyuk")
    assert "Collection of documents 1996" in e.source


def test_site_header_is_dropped(seed):
    for letter in seed.letters:
        assert "Home Page" not in letter.body and "Marx-Engels" not in letter.body
    assert "Home Page" not in (seed.edition.source or "")


def test_173(letters):
    l = letters["173"]
    assert l.title == "G. L. Pyatakov to I. V. Stalin"
    assert l.senders == (Correspondent("G. L. Pyatakov", "pyatakov"),)
    assert l.recipients == (Correspondent("I. V. Stalin", "stalin"),)
    assert l.date == LetterDate("November 1, 1923", "1923-11-01")
    assert l.place == Place("Berlin")
    assert l.archive == ArchiveRef("RTsKhIDNI", "558", "2", "137", "1-5",
                                   "RTSKHIDNI. F. 558. On. 2. D. 137. L. 1-5.")
    assert l.physical == "Typewritten text."
    assert [n.n for n in l.notes] == list(range(1, 13))
    assert sorted(set(marks_in(l.body))) == [1, 2, 3, 5, 6, 7, 10, 11, 12]
    assert marks_in(l.body) == [1, 2, 3, 5, 6, 7, 10, 11, 12]  # each once, in order
    assert l.unnumbered_notes == (7,)
    assert l.notes[6].text.startswith("On October 23-25, 1923, an armed uprising")
    assert l.source.first == 5 and l.source.last == 55


def test_174(letters):
    l = letters["174"]
    assert l.senders == (Correspondent("B. I. Magidov", "magidov"),)
    assert l.recipients == (Correspondent("I. V. Stalin", "stalin"),)
    assert l.date == LetterDate("November 10 [1923]", "1923-11-10", supplied=True)
    assert l.place == Place("Poltava")
    assert (l.archive.fond, l.archive.opis, l.archive.delo, l.archive.folios) == ("558", "1", "2565", "2-7")
    assert l.physical == "Typewritten text. The signature is an autograph."
    assert [n.n for n in l.notes] == [1, 2]
    assert marks_in(l.body) == [1, 2]
    assert l.unnumbered_notes == ()


def test_175(letters):
    l = letters["175"]
    assert l.senders == (Correspondent("N. N. Krestinsky", "krestinsky"),)
    assert [c.ref for c in l.recipients] == ["stalin", "dzerzhinsky", "trilisser", "menzhinsky"]
    assert [c.name for c in l.recipients] == ["I. V. Stalin", "F. E. Dzerzhinsky", "M. A. Trilisser",
                                             "V. R. Menzhinsky"]
    assert l.date.when == "1923-11-13" and not l.date.supplied
    assert (l.archive.fond, l.archive.opis, l.archive.delo, l.archive.folios) == ("76", "3", "162", "15-16")
    assert [n.n for n in l.notes] == [1, 2, 3, 4]
    assert marks_in(l.body) == [1, 2, 3, 4]
    assert "Working Group[^3] was" in l.body
    assert "Moscow[^4]." in l.body
    assert l.notes[1].text.startswith("On September 7, 1923, Dzerzhinsky")
    assert l.notes[3].text.startswith("Myasnikov returned to Moscow")


def test_176(letters):
    l = letters["176"]
    assert l.title == "I. V. Stalin to B. I. Magidov"
    assert l.senders == (Correspondent("I. V. Stalin", "stalin"),)
    assert l.recipients == (Correspondent("B. I. Magidov", "magidov"),)
    assert l.date == LetterDate("November 22, 1923", "1923-11-22")
    assert (l.archive.fond, l.archive.opis, l.archive.delo, l.archive.folios) == ("558", "1", "2565", "1")
    assert [n.n for n in l.notes] == [1, 2]
    assert marks_in(l.body) == [1, 2]
    assert l.unnumbered_notes == (1,)
    assert "{.dateline}\n22/XI-23" in l.body


@pytest.mark.parametrize("letter_id,text", [
    ("173", "1) informed"), ("173", "1. Pro domo sua"), ("173", "II. Armament"),
    ("173", "11,000 rifles"), ("173", "1 1/2 hundreds"), ("173", "2 Berlin districts"),
    ("173", "paragraphs 1 and 2"), ("173", "on October 31 the"), ("174", "platform 46."),
    ("174", "(No. 58 of 19/X)"), ("176", "issue 15 of the closed letter"),
    ("176", "the 15th letter"), ("175", "On the 11th"),
])
def test_no_false_marks(letters, letter_id, text):
    assert text in letters[letter_id].body


def test_marks_are_placed_as_an_editor_would(letters):
    body = letters["173"].body
    for fragment in ("T. Stalin[^1].", "full consent[^2].", "I[^3] should take part",
                     "A.D.Ts.[^5] should be appointed", "other work)[^6].", "Hamburg performed[^7]. For",
                     "Arvid[^10].", "will be lost[^11].", "Helm[^12]."):
        assert fragment in body
    assert "(in October)[^1], you" in letters["174"].body
    assert "etc. etc.[^2]" in letters["174"].body
    assert "Central Committee[^1]. On the 11th" in letters["175"].body
    assert "return[^2] and" in letters["175"].body
    assert "Donbass[^1]. As" in letters["176"].body
    assert "Politburo[^2]. These" in letters["176"].body


def test_letter_parts(letters):
    def parts(letter_id):
        blocks, problems = parse_body(letters[letter_id].body)
        assert problems == []
        return [(b.part, plain_text(b.inlines)) for b in blocks if b.part]

    assert parts("173") == [
        ("address", "T. Stalin."), ("salutation", "Dear comrade St[alin]!"),
        ("heading", "1. Pro domo sua"), ("heading", "2. Household."), ("heading", "1. Party."),
        ("signature", "Arvid."), ("dateline", "Berlin, 1.XI.1923"),
        ("postscript", parts_text(letters, "173", "PS I am very worried")),
        ("signature", "A[rvid]."),
        ("postscript", parts_text(letters, "173", "PSS The scandal")),
        ("signature", "Ar[view]."),
    ]
    assert parts("174") == [
        ("address", "Secretary of the Central Committee of the RCP. comrade STALIN."),
        ("salutation", "Dear comrade."),
        ("closing", "Waiting for your answer with communist greetings."),
        ("signature", "Secretary of the Poltava Provincial Committee: B. Magidov."),
        ("dateline", "Poltava November 10th. G."),
    ]
    assert parts("175") == [
        ("address", "Tov. Stalin. Copies of comrades Dzerzhinsky, Trilisser and Menzhinsky."),
        ("salutation", "Dear Comrade!"),
        ("closing", "With comradely greetings, N. Krestinsky."),
    ]
    assert parts("176") == [("dateline", "22/XI-23"), ("salutation", "Dear comrade. MAGIDOV!"),
                            ("signature", "I. Stalin.")]


def parts_text(letters, letter_id, start):
    blocks, _ = parse_body(letters[letter_id].body)
    return next(plain_text(b.inlines) for b in blocks if plain_text(b.inlines).startswith(start))


def test_body_reads_back_as_printed(letters):
    """Every source line of a letter's text is in its body: the same characters in the same
    order, once the note numbers and spaces are set aside."""
    source = (ROOT / SOURCE).read_text(encoding="utf-8").splitlines()

    def squeeze(text):
        return re.sub(r"[\s\d]", "", text)

    for letter in letters.values():
        blocks, _ = parse_body(letter.body)
        text = squeeze("".join(plain_text(b.inlines) for b in blocks))
        archive_line = next(i for i in range(letter.source.first, letter.source.last)
                            if source[i].startswith("RTSKHIDNI"))
        # the lines after the number, heading and date line, up to the archival line
        body_lines = source[letter.source.first + 2: archive_line]
        assert body_lines
        for line in body_lines:
            assert squeeze(line) in text, line


def test_editorial_brackets_are_kept(letters):
    assert "St[alin]" in letters["173"].body
    assert "[armed] in [the uprising]" in letters["173"].body
    assert "When [I] was in Moscow" in letters["174"].body
    assert "[...]" in letters["175"].notes[1].text


def test_uncertainty_diagnostics(seed):
    lines = [str(d) for d in seed.diagnostics]
    assert all(d.path == SOURCE and d.level == "warning" for d in seed.diagnostics)
    unanchored = {d.line: d.message for d in messages(seed, "note-unanchored")}
    assert sorted(unanchored) == [14, 27, 31]
    assert unanchored[14].startswith("note 4 ") and '"A.I."' in unanchored[14]
    assert unanchored[27].startswith("note 8 ") and "A.D.G.V. have spoken out" in unanchored[27]
    assert unanchored[31].startswith("note 9 ") and "a decisive blow" in unanchored[31]
    unnumbered = {d.line: d.message for d in messages(seed, "note-unnumbered")}
    assert sorted(unnumbered) == [50, 159]
    assert unnumbered[50].startswith("note 7 ") and unnumbered[159].startswith("note 1 ")
    supplied = messages(seed, "date-supplied")
    assert [d.line for d in supplied] == [58]
    assert f"{SOURCE}:58: warning: " in lines[[d.line for d in seed.diagnostics].index(58)]
    assert len(seed.diagnostics) == 6


def test_persons_register(seed):
    refs = [p.ref for p in seed.persons]
    assert refs == ["pyatakov", "stalin", "magidov", "krestinsky", "dzerzhinsky", "trilisser",
                    "menzhinsky"]
    stalin = next(p for p in seed.persons if p.ref == "stalin")
    assert stalin.name == "I. V. Stalin" and stalin.sort_name == "Stalin, I. V."
