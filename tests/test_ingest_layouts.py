"""Every layout a document of the collection reaches ingest in, English and Russian, and what
becomes of a document that reaches it twice or in both languages.

layouts.txt holds whole pages as they are copied from the web, each beside the records a
historian would check against the printed page."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from epistola.body import note_marks, parse_body
from epistola.ingest.core import ingest_text

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def describe(text: str) -> list[str]:
    """A source's records as a historian checks them, then every diagnostic."""
    result = ingest_text(text, "page.txt")
    out = []
    for l in result.letters:
        d = l.date
        date = d.when or f"{d.not_before or '(open)'} .. {d.not_after or '(open)'}"
        flags = [f"alternative {d.alternative}"] * bool(d.alternative) + \
            [f"reading: {d.reading}"] * bool(d.reading) + ["supplied"] * d.supplied
        a = l.archive
        out += [
            f"id: {l.id}" + (f" (No. {l.number})" if l.number is not None else ""),
            f"kind: {l.kind}" + (f", language: {l.language}, {l.role}" if l.language else ""),
            f"title: {l.title}",
            "senders: " + "; ".join(f"{c.name} ({c.ref})" for c in l.senders),
            "recipients: " + "; ".join(f"{c.name} ({c.ref})" for c in l.recipients),
            f"date: {d.text} = {date}" + "".join(f"; {f}" for f in flags),
            f"place: {l.place.name if l.place else '(none)'}",
            "archive: " + (f"{a.repository} F. {a.fond} op. {a.opis} d. {a.delo} l. {a.folios}"
                           if a else "(none)"),
            f"physical: {l.physical or '(none)'}",
        ]
        out += [f"printed: {p}" for p in l.printed]
        out += [
            "notes: " + (" ".join(str(n.n) for n in l.notes) or "(none)")
            + " | marks: " + (" ".join(map(str, note_marks(parse_body(l.body)[0]))) or "(none)")
            + (" | unnumbered: " + " ".join(map(str, l.unnumbered_notes)) if l.unnumbered_notes else ""),
            f"lines: {l.source.first}-{l.source.last}",
        ]
    if result.edition is not None:
        out.append(f"edition: {result.edition.title} ({result.edition.year})")
    out += [f"{d.line}: {d.level} [{d.code}]" for d in result.diagnostics]
    return out


CASES = read_fixture_file(FIXTURES / "layouts.txt")


@pytest.mark.parametrize("line,title,given,expected", CASES, ids=[c[1] for c in CASES])
def test_layouts(line, title, given, expected):
    assert describe(given) == expected.rstrip("\n").split("\n")


#: Russian names and the translation's spelling of them (the register's), as the collection's
#: English pages print them.
NAMES = [
    ("А. М. Назаретян", "A. M. Nazaretyan"), ("Г. К. Орджоникидзе", "G. K. Ordzhonikidze"),
    ("Ф. Э. Дзержинский", "F. E. Dzerzhinsky"), ("Г. Е. Зиновьев", "G. E. Zinoviev"),
    ("Г. Л. Пятаков", "G. L. Pyatakov"), ("А. Д. Цюрупа", "A. D. Tsyurupa"),
    ("Я. Э. Рудзутак", "Ya. E. Rudzutak"), ("Е. М. Ярославский", "E. M. Yaroslavsky"),
    ("Л. Д. Троцкий", "L. D. Trotsky"), ("Н. И. Бухарин", "N. I. Bukharin"),
    ("Г. В. Чичерин", "G. V. Chicherin"), ("Л. М. Каганович", "L. M. Kaganovich"),
    ("О. В. Хлевнюк", "O. V. Khlevnyuk"), ("Г. И. Мясников", "G. I. Myasnikov"),
    ("Коба", "Koba"), ("Ежов", "Yezhov"), ("Щербаков", "Shcherbakov"), ("СТАЛИН", "STALIN"),
]


@pytest.mark.parametrize("russian,english", NAMES, ids=[n[1] for n in NAMES])
def test_russian_names_in_the_translation_s_spelling(russian, english):
    from epistola.ingest.names import latin_key, transliterate
    assert transliterate(russian) == english
    assert latin_key(russian) == latin_key(english)


#: Spellings of one name that other translations use meet under one key.
@pytest.mark.parametrize("a,b", [("Zinoviev", "Zinovyev"), ("Trotsky", "Trotskii"),
                                 ("Trotsky", "Trotzki"), ("Dzerzhinsky", "Dzerzhinskiy"),
                                 ("Nazaretyan", "Nazaretian"), ("Yaroslavsky", "Jaroslawski")])
def test_spellings_of_one_name_meet(a, b):
    from epistola.ingest.names import latin_key
    assert latin_key(a) == latin_key(b)


@pytest.mark.parametrize("printed,case,nominative", [
    ("Кагановичу", "dative", "Каганович"), ("Молотову", "dative", "Молотов"),
    ("Дзержинскому", "dative", "Дзержинский"), ("Кобе", "dative", "Коба"),
    ("Орджоникидзе", "dative", "Орджоникидзе"), ("Назаретяну", "dative", "Назаретян"),
    ("Крупской", "dative", "Крупская"), ("Сталина", "genitive", "Сталин"),
    ("Троцкого", "genitive", "Троцкий"), ("Цюрупы", "genitive", "Цюрупа"),
])
def test_declined_surnames_in_the_nominative(printed, case, nominative):
    from epistola.ingest.names import dative_forms, genitive_forms
    forms = dative_forms(printed) if case == "dative" else genitive_forms(printed)
    assert forms[0] == nominative
