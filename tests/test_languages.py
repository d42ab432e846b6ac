"""Language codes from the sources, as the lang attribute wants them."""

from __future__ import annotations

from epistola.languages import language_tag
from epistola.tei import read_tei_letter


def test_three_letter_codes_become_the_two_letter_code_of_their_language():
    assert [language_tag(c) for c in ("fra", "fre", "ger", "deu", "ita", "lat", "eng", "dan")] == \
        ["fr", "fr", "de", "de", "it", "la", "en", "da"]
    # a language with no two-letter code keeps its own; region subtags stay
    assert language_tag("gsw") == "gsw" and language_tag("fr-FR") == "fr-FR"


def test_a_code_that_names_no_language_gives_no_lang_at_all():
    assert [language_tag(c) for c in ("dk", "esp", "", None, "x y", "français")] == [None] * 6


def test_a_tei_letters_foreign_passage_carries_the_two_letter_code():
    letter, _, _ = read_tei_letter("""<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><profileDesc>
      <correspDesc><correspAction type="sent"><persName>A</persName></correspAction></correspDesc>
      </profileDesc></teiHeader><text xml:lang="ger"><body><p>Er schrieb <foreign xml:lang="fra">à bientôt</foreign>
      und <foreign xml:lang="dk">tak</foreign>.</p></body></text></TEI>""".encode(), "x.xml")
    assert letter.language == "de"
    foreign = [i for b in letter.blocks for i in b.inlines if i.kind == "foreign"]
    assert [i.text for i in foreign] == ["fr", ""]
