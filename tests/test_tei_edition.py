"""edition.yaml of a TEI project: the `letters` globs and the `registers` files."""

from epistola.model import Edition
from epistola.records import dump_edition, parse_edition

TEI_EDITION = """\
title: Briefwechsel
language: de
letters: data/editions/*.xml
registers: [data/indices/listplace.xml, data/indices/listorg.xml]
"""


def test_letters_and_registers_are_read():
    edition, diags = parse_edition(TEI_EDITION, "edition.yaml")
    assert diags == []
    assert edition.letters == ("data/editions/*.xml",)
    assert edition.registers == ("data/indices/listplace.xml", "data/indices/listorg.xml")


def test_letters_and_registers_round_trip():
    edition = Edition("Briefwechsel", language="de", letters=("a/*.xml", "b/*.xml"),
                      registers=("listplace.xml",))
    again, diags = parse_edition(dump_edition(edition), "edition.yaml")
    assert diags == [] and again == edition


def test_an_edition_without_tei_writes_neither_key():
    text = dump_edition(Edition("Letters", year=1996))
    assert "letters" not in text and "registers" not in text
