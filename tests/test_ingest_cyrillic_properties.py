"""No rule of the ingest raises on Cyrillic or mixed-script text, and what it returns is a record
that writes and reads back equal; Russian names, dates, archival lines and the record codec's
further texts hold up under arbitrary input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epistola.body import parse_body
from epistola.citations import find_citations, last_reference, parse_citation, split_archive_line
from epistola.ingest.core import author_name, ingest_text, signer
from epistola.ingest.dates import (
    english_words,
    parse_date,
    parse_dateline,
    parse_short_date,
    split_note_mark,
)
from epistola.ingest.headers import nominative_forms, parse_heading, split_heading_date
from epistola.ingest.merge import wording_differences
from epistola.ingest.names import (
    dative_forms,
    genitive_forms,
    latin_key,
    looks_dative,
    looks_genitive,
    transliterate,
)
from epistola.ingest.notes import apply_marks, candidates, parse_notes, place_marks
from epistola.ingest.parts import mark_parts, paragraphs
from epistola.ingest.segment import source_lines
from epistola.records import dump_letter, parse_letter

#: Pieces of the Russian layouts, so that generated sources reach every rule.
_PIECES = [
    "№ 167", "№98", "Number 3", "No.3", "А. М. Назаретян — Г. К. Орджоникидзе.", "Сталин — Кагановичу, Молотову",
    "Телеграмма Г. К. Орджоникидзе Г. В. Чичерину", "Телеграмма И. В. Сталина В. И. Ленину",
    "Сталин И.В.", "Письмо Б.И. Магидову", "22 ноября 1923 года", "24 января 1923 г.", "22/ХI–23 г.",
    "31 дня августа 1918 г.", "[не ранее 5 мая 1924 г.]", "15 (28) января 1918 г.", "10/Х-33 г.2",
    "19/VIII. 32.1", "Источник:", "Архив:", "Реквизиты", "Датировка:", "Красным шрифтом",
    "РЦХИДНИ. Ф. 558. Оп. 1. Д. 2565. Л. 1. Подлинник. Машинописный текст.",
    "РГАСПИ. Ф. 558. Oп. 11. Д. 79. Л. 38. Автограф.", "Дзержинского1.", "16 тысяч1.",
    "_______________", "Примечания", "1 Отправлена шифром (Там же. Л. 38).", "Там же.",
    "Дорогой тов. Магидов!", "Жму руку.", "И. Сталин.", "Ваш Сталин.", "[previously May 4, 1918]",
    "January 15 (28), 1918", "10–12 May 1920", "[summer of 1921]", "Telegram to G. K. Ordzhonikidze G. V. Chicherin",
    "Stalin Correspondences", "to Stalin from Magidov", "Marx-Engels | Lenin | Stalin | Home Page",
    "::: text ru", "\u00a0", "", "Х", "І", "ё", "—", "–", "«", "»", "[", "]", "(", ")",
]
_cyrillic = st.text(st.characters(min_codepoint=0x0400, max_codepoint=0x04FF), max_size=30)
_mixed = st.text(st.sampled_from(list("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
                                      "ABCOXIVacoxiv0123456789 .,;:!?()[]-–—/№«»_\u00a0\u0301")),
                 max_size=40)
_line = st.one_of(st.sampled_from(_PIECES), _cyrillic, _mixed,
                  st.lists(st.sampled_from(_PIECES + [" ", "1", "2 ", "3.", "г."]), max_size=5)
                  .map("".join))
_sources = st.lists(_line, max_size=40).map("\n".join)
_settings = settings(max_examples=200, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@_settings
@given(_sources)
def test_ingest_of_cyrillic_and_mixed_text_never_raises(text):
    result = ingest_text(text, "source.txt")
    total = len(source_lines(text))
    for d in result.diagnostics:
        assert d.path == "source.txt" and 1 <= d.line <= total and "\n" not in str(d)
    ids = [letter.id for letter in result.letters]
    assert len(ids) == len(set(ids))
    for letter in result.letters:
        dumped = dump_letter(letter)
        parsed, diags = parse_letter(dumped, "letter.md")
        assert [d for d in diags if d.level == "error"] == [], dumped
        assert parsed == letter
        assert parse_body(letter.body)[1] == []


@_settings
@given(_line)
def test_line_rules_never_raise_on_cyrillic(line):
    parse_heading(line)
    split_heading_date(line)
    parse_date(line)
    parse_date(line, 1923)
    parse_short_date(line, 1923)
    parse_dateline(line, 1923)
    split_note_mark(line, 1923)
    english_words(line)
    author_name(line)
    signer(line)
    split_archive_line(line)
    parse_citation(line)
    find_citations(line)
    last_reference(line)
    candidates(line)


@_settings
@given(_cyrillic | _mixed)
def test_name_rules_never_raise(word):
    assert isinstance(transliterate(word), str)
    latin_key(word)
    dative_forms(word)
    genitive_forms(word)
    looks_dative(word)
    looks_genitive(word)
    for case in ("dative", "genitive", "nominative"):
        assert nominative_forms(word, case)


_RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


@_settings
@given(st.text(st.sampled_from(_RUSSIAN + _RUSSIAN.upper() + " .-"), max_size=30))
def test_a_russian_name_transliterates_to_latin_letters(name):
    latin = transliterate(name)
    assert latin.isascii()
    assert latin_key(name) == latin_key(latin)


@_settings
@given(st.lists(_line, max_size=12), st.sets(st.integers(0, 20), max_size=8))
def test_note_and_part_rules_never_raise_on_cyrillic(lines, defined):
    source = source_lines("\n".join(lines))
    notes, _ = parse_notes(source, defined)
    assert [n.n for n in notes] == sorted({n.n for n in notes})
    mark_parts(paragraphs(source), 1923)
    texts = [line.text.strip() for line in source]
    marks = place_marks(texts, defined)
    for i, text in enumerate(texts):
        apply_marks(text, marks.get(i, []), lambda t: t)


@_settings
@given(st.lists(_line, max_size=10), st.lists(_line, max_size=10))
def test_wording_differences_never_raise_and_name_both_files(a, b):
    found = wording_differences("No. 1", ("a.txt", list(enumerate(a, 1))), ("b.txt", list(enumerate(b, 1))))
    for d in found:
        assert d.path == "b.txt" and "\n" not in str(d)
