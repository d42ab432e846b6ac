"""One letter from every copy of a document: read twice it is one record with every source and
each wording difference reported; the Russian original and the English translation become one
letter with both texts, in one run or two, in either order; a record the editors changed keeps
their changes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from epistola.diagnostics import has_errors
from epistola.ingest.command import run_ingest
from epistola.records import dump_letter, parse_letter, parse_persons

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sources" / "bolshevik-correspondence-1923-nos-173-176.txt"
PAGES = ROOT / "tests" / "fixtures" / "ingest" / "pages"
OWN_PAGE = PAGES / "174-own-page.txt"
RUSSIAN = PAGES / "176-ru.txt"


def letter_of(editions: Path, letter_id: str):
    letter, diags = parse_letter((editions / "letters" / f"{letter_id}.md").read_text(), "x.md")
    assert letter is not None, diags
    return letter


def records(editions: Path) -> list[str]:
    return sorted(p.name for p in (editions / "letters").iterdir())


# --- the same document twice -----------------------------------------------------------------

def test_a_monthly_page_and_the_document_s_own_page_give_one_record(tmp_path):
    editions = tmp_path / "e"
    diags = run_ingest([SEED, OWN_PAGE], editions)
    assert not has_errors(diags)
    assert records(editions) == ["173.md", "174.md", "175.md", "176.md"]
    letter = letter_of(editions, "174")
    assert letter.number == 174 and letter.source.file.endswith(SEED.name)
    assert [s.file.rsplit("/", 1)[-1] for s in letter.also_from] == ["174-own-page.txt"]
    assert letter.also_from[0].first == 13  # the heading: the page has no number line
    differs = [d for d in diags if d.code == "copy-differs"]
    assert len(differs) == 1, [str(d) for d in diags]
    d = differs[0]
    assert d.path.endswith("174-own-page.txt") and d.line == 47
    assert f"{SEED.name}:74 reads" in d.message
    assert '"thought is not beating."' in d.message and '"thought does not beat."' in d.message


def test_the_own_page_first_keeps_its_id_when_the_monthly_page_comes(tmp_path):
    editions = tmp_path / "e"
    assert not has_errors(run_ingest([OWN_PAGE], editions))
    assert records(editions) == ["1923-11-10-magidov-stalin.md"]
    again = run_ingest([OWN_PAGE], editions)
    assert not has_errors(again) and records(editions) == ["1923-11-10-magidov-stalin.md"]
    assert not has_errors(run_ingest([SEED], editions))
    assert records(editions) == ["173.md", "175.md", "176.md", "1923-11-10-magidov-stalin.md"]
    letter = letter_of(editions, "1923-11-10-magidov-stalin")
    assert letter.number == 174  # the number the monthly page gives is recorded; the id stays
    assert [s.file.rsplit("/", 1)[-1] for s in (letter.source, *letter.also_from)] == [
        "174-own-page.txt", SEED.name]


def test_ingesting_both_again_changes_nothing(tmp_path):
    editions = tmp_path / "e"
    run_ingest([SEED, OWN_PAGE], editions)
    before = {p: p.read_bytes() for p in editions.rglob("*") if p.is_file()}
    diags = run_ingest([SEED, OWN_PAGE], editions)
    assert not has_errors(diags)
    assert {p: p.read_bytes() for p in editions.rglob("*") if p.is_file()} == before


# --- the original beside the translation -----------------------------------------------------

def assert_both_texts(editions: Path):
    letter = letter_of(editions, "176")
    assert (letter.language, letter.role) == ("en", "translation")
    assert letter.title == "I. V. Stalin to B. I. Magidov"
    assert letter.body.startswith("{.dateline}\n22/XI-23")
    (ru,) = letter.texts
    assert (ru.language, ru.role) == ("ru", "original")
    assert ru.title == "И. В. Сталин — Б. И. Магидову" and ru.date_text == "22 ноября 1923 г."
    assert ru.archive_text == "РЦХИДНИ. Ф. 558. Оп. 1. Д. 2565. Л. 1."
    assert ru.physical == "Подлинник. Машинописный текст. Подпись — автограф."
    assert ru.source.file.endswith("176-ru.txt")
    assert ru.body.startswith("{.dateline}\n22/ХI–23 г.\n\n{.salutation}\nДорогой тов. Магидов!")
    assert "Донбасса[^1]." in ru.body and "Политбюро[^2]." in ru.body
    assert [n.n for n in ru.notes] == [1, 2] and "Там же" not in ru.notes[0].text
    return letter


@pytest.mark.parametrize("order", ["translation first", "original first"])
def test_original_and_translation_in_one_run_are_one_letter(tmp_path, order):
    editions = tmp_path / "e"
    sources = [SEED, RUSSIAN] if order == "translation first" else [RUSSIAN, SEED]
    diags = run_ingest(sources, editions)
    assert not has_errors(diags), [str(d) for d in diags]
    assert records(editions) == ["173.md", "174.md", "175.md", "176.md"]
    assert_both_texts(editions)


@pytest.mark.parametrize("order", ["translation first", "original first"])
def test_original_and_translation_in_two_runs_are_one_letter(tmp_path, order):
    editions = tmp_path / "e"
    first, second = (SEED, RUSSIAN) if order == "translation first" else (RUSSIAN, SEED)
    assert not has_errors(run_ingest([first], editions))
    assert not has_errors(run_ingest([second], editions))
    assert records(editions) == ["173.md", "174.md", "175.md", "176.md"]
    letter = assert_both_texts(editions)
    one_run = tmp_path / "one"
    run_ingest([SEED, RUSSIAN], one_run)
    assert (editions / "letters" / "176.md").read_bytes() == (one_run / "letters" / "176.md").read_bytes()
    # and reading both again changes nothing
    before = (editions / "letters" / "176.md").read_bytes()
    assert not has_errors(run_ingest([SEED, RUSSIAN], editions))
    assert (editions / "letters" / "176.md").read_bytes() == before
    assert dump_letter(letter) == before.decode()


def test_the_register_links_the_russian_names_to_the_translation_s(tmp_path):
    editions = tmp_path / "e"
    run_ingest([SEED], editions)
    run_ingest([RUSSIAN], editions)
    persons = {p.ref: p for p in parse_persons((editions / "persons.yaml").read_text(), "p")[0]}
    assert "stalin-i-v" not in persons and len([r for r in persons if "magidov" in r]) == 1
    assert persons["stalin"].names_other["ru"] == ("И. В. Сталин",)
    assert persons["magidov"].names_other["ru"] == ("Б. И. Магидов",)
    assert persons["stalin"].name == "I. V. Stalin"


def test_a_pseudonym_in_the_register_links_its_russian_form(tmp_path):
    """Коба is Stalin, when the register lists Koba among Stalin's variants."""
    editions = tmp_path / "e"
    editions.mkdir()
    (editions / "persons.yaml").write_text("stalin:\n  name: I. V. Stalin\n  variants: [Stalin, Koba]\n"
                                           "ordzhonikidze:\n  name: G. K. Ordzhonikidze\n")
    page = tmp_path / "ru.txt"
    page.write_text("№ 12\nГ. К. Орджоникидзе — Кобе\n3 мая 1918 г.\nДорогой Коба!\nЖму руку. Серго.\n"
                    "РЦХИДНИ. Ф. 558. Оп. 1. Д. 5401. Л. 2. Автограф.\n", encoding="utf-8")
    diags = run_ingest([page], editions, force=True)
    assert not has_errors(diags), [str(d) for d in diags]
    letter = letter_of(editions, "12")
    assert [(c.name, c.ref) for c in letter.recipients] == [("Коба", "stalin")]
    assert [(c.name, c.ref) for c in letter.senders] == [("Г. К. Орджоникидзе", "ordzhonikidze")]
    persons = {p.ref: p for p in parse_persons((editions / "persons.yaml").read_text(), "p")[0]}
    assert persons["stalin"].names_other["ru"] == ("Коба",)
    assert persons["stalin"].variants == ("Stalin", "Koba")  # the editors' entry otherwise as it was


# --- records the editors changed -------------------------------------------------------------

def edited_176(editions: Path) -> str:
    record = editions / "letters" / "176.md"
    edited = record.read_text().replace("in_reply_to: null", "in_reply_to: '174'")
    record.write_text(edited)
    return edited


def test_the_original_is_added_to_a_record_the_editors_changed_keeping_their_change(tmp_path):
    editions = tmp_path / "e"
    run_ingest([SEED], editions)
    edited = edited_176(editions)
    manifest = json.loads((editions / ".ingest-manifest.json").read_text())["files"]["letters/176.md"]
    diags = run_ingest([RUSSIAN], editions)
    assert not has_errors(diags), [str(d) for d in diags]
    text = (editions / "letters" / "176.md").read_text()
    letter = letter_of(editions, "176")
    assert letter.in_reply_to == "174"  # the editors' change
    assert [t.language for t in letter.texts] == ["ru"]
    assert text.startswith(edited.split("---\n")[1].join(["---\n", ""]))  # their front matter first
    assert [d.code for d in diags if d.path.endswith("176.md")] == ["ingest-merged"]
    # the record stays theirs: a plain re-ingest of the translation still refuses to overwrite it
    assert json.loads((editions / ".ingest-manifest.json").read_text())["files"]["letters/176.md"] == manifest
    again = run_ingest([SEED], editions)
    assert [d.code for d in again if d.level == "error"] == ["ingest-edited"]


def test_a_hand_written_record_the_merge_cannot_keep_whole_is_left_with_one_line(tmp_path):
    editions = tmp_path / "e"
    run_ingest([SEED], editions)
    record = editions / "letters" / "176.md"
    # an editor keeps a texts: key of their own in a form ingest does not write
    hand = record.read_text().replace("in_reply_to: null", "in_reply_to: '174'\ntexts: []")
    record.write_text(hand)
    diags = run_ingest([RUSSIAN], editions)
    refused = [d for d in diags if d.path.endswith("176.md")]
    assert [d.code for d in refused] == ["ingest-merge-refused"] and refused[0].level == "warning"
    assert record.read_text() == hand


def test_the_summary_line_counts_what_ingest_did(tmp_path, capfd):
    editions = tmp_path / "e"
    run_ingest([SEED, OWN_PAGE], editions)
    err = capfd.readouterr().err
    assert err.startswith("ingest: 5 documents found, 4 records written, 0 left as the editors had "
                          "them: 0 errors, 8 warnings (")
    edited_176(editions)
    run_ingest([SEED], editions)
    err = capfd.readouterr().err
    assert err.startswith("ingest: 4 documents found, 0 records written, 3 unchanged, 1 left as the "
                          "editors had them: 1 error, 6 warnings (")
