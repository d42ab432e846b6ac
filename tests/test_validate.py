"""The cross-record checks of the validation gate, one record at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

import core
from epistola.engine.recipe import load
from epistola.model import Edition, Person
from epistola.records import parse_letter

MINI = Path(__file__).parent / "fixtures" / "mini-edition"

PERSONS = (
    Person("stalin", "I. V. Stalin", variants=("Stalin", "St[alin]"), line=1),
    Person("magidov", "B. I. Magidov", variants=("Magidov",), line=5),
)


def record(id="a", *, number="null", senders="[{name: I. V. Stalin, ref: stalin}]",
           recipients="[{name: B. I. Magidov, ref: magidov}]",
           date="{text: 'November 22, 1923', when: '1923-11-22'}", in_reply_to="null", extra="",
           body="Your letter received.", notes="") -> str:
    return (f"---\nid: '{id}'\nnumber: {number}\ntitle: I. V. Stalin to B. I. Magidov\n"
            f"senders: {senders}\nrecipients: {recipients}\ndate: {date}\n"
            f"in_reply_to: {in_reply_to}\n{extra}---\n\n{body}\n{notes}")


def check(*texts: str, persons=PERSONS, year: int | None = 1996) -> list[str]:
    """Lines of `path:line: level: message [code]` for records given as text, sorted."""
    letters = []
    for text in texts:
        path = f"ed/letters/{_id(text)}.md"
        letter, diags = parse_letter(text, path)
        assert letter is not None and not diags, diags
        letters.append((path, text))
    _, diags = core.read(Edition("Test", year=year), letters, persons,
                         {"persons": "ed/persons.yaml"})
    return [str(d) for d in diags]


def _id(text: str) -> str:
    return text.split("id: '", 1)[1].split("'", 1)[0]


def codes(lines: list[str]) -> list[str]:
    return [line.rsplit("[", 1)[1].rstrip("]") for line in lines]


def test_the_mini_edition_is_clean():
    site, diags = load(MINI)
    assert site is not None and len(site.corpus.letters) == 2
    assert [(d.level, d.code) for d in diags] == [("note", "authority-missing")]


def test_a_clean_record_gives_nothing():
    assert check(record(body="Dear comrade Magidov! Your letter received[^1].",
                        notes="\n[^1]: A note.\n")) == []


# --- persons -------------------------------------------------------------------------------------

def test_unknown_ref_suggests_the_closest_ref():
    lines = check(record(senders="[{name: I. V. Stalin, ref: stallin}]", body="I. Stalin."))
    assert lines == ["ed/letters/a.md:5: error: sender 'I. V. Stalin' has ref 'stallin', which is "
                     "not in ed/persons.yaml; did you mean 'stalin'? [person-unknown]"]


def test_unknown_ref_suggests_the_person_with_that_name():
    lines = check(record(recipients="[{name: B. I. Magidov, ref: boris}]"))
    assert "did you mean 'magidov'?" in lines[0] and "recipient 'B. I. Magidov'" in lines[0]
    assert lines[0].startswith("ed/letters/a.md:6: error:")


def test_unknown_ref_with_nothing_close_says_where_to_add_it():
    lines = check(record(recipients="[{name: L. B. Kamenev, ref: kamenev}]"))
    assert "add 'kamenev' to ed/persons.yaml" in lines[0]


def test_a_party_with_no_ref_is_not_an_error():
    assert check(record(recipients="[{name: The Politburo}]", body="To Magidov.")) == []


def test_person_named_nowhere_is_a_warning_on_its_register_line():
    persons = (*PERSONS, Person("zinoviev", "G. E. Zinoviev", variants=("Zinoviev",), line=9))
    lines = check(record(), persons=persons)
    assert lines == ["ed/persons.yaml:9: warning: person 'zinoviev' (G. E. Zinoviev) is named in no "
                     "letter or note under any of its names; remove the entry or add the spelling "
                     "the text uses to its variants [person-unused]"]
    assert check(record(body="Give a copy to Zinoviev."), persons=persons) == []
    assert check(record(notes="\n[^1]: Zinoviev.\n", body="A[^1]."), persons=persons) == []
    # a name inside a longer word is not a mention
    assert codes(check(record(body="Zinovievism."), persons=persons)) == ["person-unused"]


# --- notes ---------------------------------------------------------------------------------------

def test_mark_with_no_note_points_at_the_mark_line():
    lines = check(record(body="First line.\nSecond line[^2].", notes="\n[^1]: One.\n"))
    assert lines == [
        "ed/letters/a.md:12: error: note mark [^2] has no definition (notes defined: 1); add a "
        "line '[^2]: ...' at the end or correct the number [note-mark-undefined]",
        "ed/letters/a.md:14: warning: note 1 has no mark [^1] in the text; it is shown as "
        "unanchored (add the mark where it belongs if the source lost it) [note-unanchored]",
    ]


def test_escaped_mark_is_text():
    assert codes(check(record(body=r"A \[^1] in the text."))) == []


def test_second_mark_of_one_note_is_fine():
    assert check(record(body="A[^1] and again[^1].", notes="\n[^1]: One.\n")) == []


def test_duplicate_note_names_the_other_definition():
    lines = check(record(body="A[^1].", notes="\n[^1]: One.\n\n[^1]: One again.\n"))
    assert lines == ["ed/letters/a.md:15: error: note 1 is defined twice (other definition at "
                     "ed/letters/a.md:13); give one of them its own number or merge them "
                     "[note-duplicate]"]


def test_notes_out_of_order():
    lines = check(record(body="A[^1] B[^2].", notes="\n[^2]: Two.\n\n[^1]: One.\n"))
    assert codes(lines) == ["note-order"]
    assert "note 1 comes after note 2 (line 13)" in lines[0]


def test_marks_out_of_order():
    lines = check(record(body="A[^2] B[^1].", notes="\n[^1]: One.\n\n[^2]: Two.\n"))
    assert codes(lines) == ["note-mark-order"]


def test_unnumbered_note_that_does_not_exist():
    lines = check(record(body="A[^1].", notes="\n[^1]: One.\n", extra="unnumbered_notes: [1, 7]\n"))
    assert lines == ["ed/letters/a.md:9: error: unnumbered_notes lists 7, but there is no note 7 "
                     "(notes defined: 1) [note-unnumbered-unknown]"]


# --- dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("date, code", [
    ("{text: 'November 22, 1924', when: '1923-11-22'}", "date-text-mismatch"),
    ("{text: 'October 22, 1923', when: '1923-11-22'}", "date-text-mismatch"),
    ("{text: '22.X.1923', when: '1923-11-22'}", "date-text-mismatch"),
    ("{text: '22/X-23', when: '1923-11-22'}", "date-text-mismatch"),
    ("{text: 'November 22, 2023', when: '2023-11-22'}", "date-after-source"),
    ("{text: '[late 1923]', when: '1923-12-05', not_after: '1923-11-30', supplied: true}",
     "date-conflict"),
    ("{text: '[late 1923]', when: '1923-10-05', not_before: '1923-11', supplied: true}",
     "date-conflict"),
    ("{text: 'November 22 [1923]', when: '1923-11-22'}", "date-supplied-unflagged"),
])
def test_impossible_dates(date, code):
    assert codes(check(record(date=date))) == [code]


@pytest.mark.parametrize("date", [
    "{text: 'Berlin, 1.XI.1923', when: '1923-11-01'}",
    "{text: '22/XI-23', when: '1923-11-22'}",
    "{text: '1923', when: '1923'}",
    "{text: '[November 1923]', when: '1923-11', supplied: true}",
    "{text: '[late 1923]', when: '1923', not_before: '1923-11', not_after: '1923-12', supplied: true}",
    "{text: 'Undated'}",
    "{text: 'May 1918 or 1919', not_before: '1918-05', not_after: '1919-05'}",
])
def test_possible_dates(date):
    assert check(record(date=date)) == []


def test_date_after_source_needs_the_source_year():
    assert check(record(date="{text: 'November 22, 2023', when: '2023-11-22'}"), year=None) == []


# --- links between letters -----------------------------------------------------------------------

def test_reply_to_a_missing_letter_names_both_ends_and_suggests():
    lines = check(record("174"), record("176", in_reply_to="'1744'"))
    assert lines == ["ed/letters/176.md:8: error: in_reply_to '1744' names no letter of the edition "
                     "(no letters/1744.md with id '1744'); did you mean '174'? [reply-unknown]"]


def test_reply_to_itself():
    assert codes(check(record("176", in_reply_to="'176'"))) == ["reply-self"]


def test_reply_dated_before_the_letter_it_answers():
    lines = check(record("174", date="{text: 'November 10, 1923', when: '1923-11-10'}",
                         in_reply_to="'176'"), record("176"))
    assert lines == ["ed/letters/174.md:8: warning: letter '174' (1923-11-10) answers letter '176' "
                     "at ed/letters/176.md:7, which is dated later (1923-11-22); check both dates "
                     "and in_reply_to [reply-before-original]"]


def test_a_good_reply_is_fine():
    assert check(record("174", date="{text: 'November 10, 1923', when: '1923-11-10'}"),
                 record("176", in_reply_to="'174'")) == []


def test_duplicate_number():
    lines = check(record("174", number=174), record("176", number=174))
    assert lines == ["ed/letters/176.md:3: warning: number 174 is also the number of letter '174' "
                     "(ed/letters/174.md:3); printed numbers are unique [number-duplicate]"]


def test_id_differs_from_file_name():
    _, diags = core.read(Edition("Test"), [("ed/letters/174.md", record("173"))], PERSONS)
    assert [d.code for d in diags] == ["id-filename"]


def test_output_is_sorted_and_stable():
    texts = [record("b", senders="[{name: X, ref: xx}]"), record("a", in_reply_to="'zz'")]
    assert check(*texts) == check(*reversed(texts))
    assert check(*texts)[0].startswith("ed/letters/a.md")
