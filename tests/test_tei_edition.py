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


def test_a_place_the_index_lacks_is_taken_from_the_letters_own_lists(tmp_path):
    """A letter names a place its back/listPlace describes but the edition's index was never
    given: the place still gets its page and the letter links to it, and check says so once."""
    import re
    import shutil
    from pathlib import Path

    import lxml.html

    from epistola.engine.recipe import make_all

    sample = Path(__file__).parent / "fixtures" / "schnitzler-briefe"
    edition = tmp_path / "edition"
    shutil.copytree(sample, edition)
    index = edition / "data" / "indices" / "listplace.xml"
    text = index.read_text(encoding="utf-8")
    # Wien (pmb50) is named in many letters of the sample and described in their own lists
    cut, n = re.subn(r'\s*<place xml:id="pmb50">.*?</place>', "", text, count=1, flags=re.S)
    assert n == 1
    index.write_text(cut, encoding="utf-8")

    files, diags = make_all(edition)
    assert not [d for d in diags if d.level == "error"]
    [said] = [d for d in diags if d.code == "entry-from-letters"]
    assert said.level == "note" and said.path.endswith("listplace.xml") and "pmb50" in said.message
    page = lxml.html.fromstring(files["places/pmb50/index.html"])
    assert "Wien" in page.xpath("string(//h1)")
    linking = [path for path, data in files.items()
               if path.startswith("letters/") and path.endswith("index.html")
               and b'href="../../places/pmb50/"' in data]
    assert len(linking) > 3


def test_a_key_nothing_describes_still_gets_a_page_named_as_the_letters_spell_it(tmp_path):
    import shutil
    from pathlib import Path

    import lxml.html

    from epistola.engine.recipe import make_all

    sample = Path(__file__).parent / "fixtures" / "schnitzler-briefe"
    edition = tmp_path / "edition"
    shutil.copytree(sample, edition)
    letter = sorted((edition / "data" / "editions").glob("*.xml"))[0]
    text = letter.read_text(encoding="utf-8")
    first_p = text.index("<p>", text.index("<body"))
    letter.write_text(text[:first_p + 3] + '<rs type="place" ref="#nowhere1">Ottakring</rs> '
                      + text[first_p + 3:], encoding="utf-8")

    files, diags = make_all(edition)
    [said] = [d for d in diags if d.code == "entry-unknown"]
    assert said.level == "warning" and "nowhere1" in said.message
    page = lxml.html.fromstring(files["places/nowhere1/index.html"])
    assert "Ottakring" in page.xpath("string(//h1)")
    own = lxml.html.fromstring(files[f"letters/{letter.stem.lower()}/index.html"])
    assert own.xpath('//a[@href="../../places/nowhere1/"]/text()') == ["Ottakring"]
