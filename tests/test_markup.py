"""Body and notes -> HTML fragments: exact endnote markup, letter parts, editorial brackets,
person links, and escaping of whatever a record holds."""

from __future__ import annotations

import lxml.html
from markupsafe import Markup

from epistola.body import parse_inline
from epistola.letters import analyse
from epistola.markup import inline_html, letter_text
from epistola.model import Correspondent, Letter, LetterDate, Note, Person
from epistola.names import name_index

INDEX, _ = name_index((Person("stalin", "I. V. Stalin", variants=("Stalin", "St[alin]")),))


def in_register(kind: str, ref: str) -> bool:
    return (kind, ref) == ("person", "stalin")


def reading(body: str, notes: dict[int, str], supplied: tuple[int, ...] = ()):
    letter = Letter(id="a", number=None, title="t", senders=(Correspondent("x"),),
                    recipients=(Correspondent("y"),), date=LetterDate("d"), place=None,
                    archive=None, physical=None, body=body,
                    notes=tuple(Note(n, text) for n, text in notes.items()),
                    unnumbered_notes=supplied)
    found, _, problems = analyse(letter, INDEX)
    assert not problems
    return found


def render(body: str, notes: dict[int, str], supplied: tuple[int, ...] = ()):
    return letter_text(reading(body, notes, supplied), "../../", in_register)


def test_note_mark_is_exactly_the_design_contract():
    text = render("He came[^1].", {1: "A note."})
    assert text.paragraphs[0].html == Markup(
        'He came<sup data-pagefind-ignore><a role="doc-noteref" href="#note-1" id="ref-1">1</a></sup>.')
    assert text.notes[0].id == "note-1" and text.notes[0].backlinks == ("ref-1",)


def test_second_mark_of_a_note_gets_its_own_id_and_back_link():
    text = render("One[^2] and two[^2].\n\nThree[^2].", {2: "Twice."})
    html = "".join(p.html for p in text.paragraphs)
    ids = lxml.html.fragment_fromstring(html, create_parent="div").xpath("//a/@id")
    assert ids == ["ref-2", "ref-2-2", "ref-2-3"]
    assert text.notes[0].backlinks == ("ref-2", "ref-2-2", "ref-2-3")


def test_a_mark_without_a_note_is_never_a_dead_link():
    text = render("Lost[^7] mark.", {1: "Other."})
    assert str(text.paragraphs[0].html) == 'Lost<sup class="noteref-unlinked" data-pagefind-ignore>7</sup> mark.'
    assert text.notes[0].backlinks == () and not text.notes[0].anchored


def test_paragraph_ids_and_letter_parts():
    body = "{.address}\nTo comrade St[alin].\nMoscow\n\n{.salutation}\nDear comrade!\n\nText.\n\n{.postscript}\nPS More."
    text = render(body, {})
    assert [(p.id, p.part) for p in text.paragraphs] == [
        ("p1", "address"), ("p2", "salutation"), ("p3", None), ("p4", "postscript")]
    assert "<br>" in text.paragraphs[0].html


def test_brackets_and_gaps_are_editorial_spans_and_names_link():
    text = render("Dear St[alin], the [armed] rising [...] failed.", {})
    doc = lxml.html.fragment_fromstring(str(text.paragraphs[0].html), create_parent="div")
    assert doc.xpath('//a[@class="person"]/@href') == ["../../persons/stalin/"]
    assert doc.xpath('//a[@class="person"]')[0].text_content() == "St[alin]"
    assert [s.text for s in doc.xpath('//span[@class="supplied"]')] == ["[alin]", "[armed]"]
    assert [s.text for s in doc.xpath('//span[@class="gap"]')] == ["[...]"]
    assert all(s.get("title") for s in doc.xpath("//span"))


def test_notes_are_rendered_with_person_links_and_no_marks():
    text = render("X[^1].", {1: "Stalin wrote [^3] *this*."})
    html = str(text.notes[0].html)
    assert '<a class="person" href="../../persons/stalin/">Stalin</a>' in html
    assert "<em>this</em>" in html and 'role="doc-noteref"' not in html


def test_hostile_text_is_escaped_everywhere():
    evil = '<script>alert(1)</script> & "q" {{ x }}'
    text = render(f"{evil}[^1]", {1: evil})
    for html in (str(text.paragraphs[0].html), str(text.notes[0].html)):
        assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert "<script>" not in str(inline_html(parse_inline(evil), INDEX, "", in_register))


def test_unknown_person_refs_are_not_linked():
    text = letter_text(reading("Stalin.", {}), "", lambda kind, ref: False)
    assert str(text.paragraphs[0].html) == "Stalin."
    assert str(render("Stalin.", {}).paragraphs[0].html) == \
        '<a class="person" href="../../persons/stalin/">Stalin</a>.'


def test_an_escaped_mark_is_text_and_leaves_its_note_unanchored():
    text = render(r"Not a mark \[^1] here[^2].", {1: "One.", 2: "Two."})
    html = str(text.paragraphs[0].html)
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    assert doc.text_content() == "Not a mark [^1] here2."
    assert doc.xpath("//a/@href") == ["#note-2"]
    assert [(n.n, n.anchored) for n in text.notes] == [(1, False), (2, True)]


def test_plain_text_keeps_names_linked_to_the_register():
    from epistola.body import Inline, plain_text

    linked = (Inline("text", "Dear comrade "),
              Inline("person", "stalin", children=(Inline("text", "St"), Inline("supplied", "alin"))),
              Inline("text", "!"))
    assert plain_text(linked) == "Dear comrade St[alin]!"


def test_a_name_inside_a_name_is_never_a_link_inside_a_link():
    """TEI nests references ("Wirtin" names a place and, within it, a person; "Freunde" two
    persons): HTML cannot, so the inner link follows the outer."""
    from epistola.body import Inline

    def linkable(kind, ref):
        return True

    wirtin = Inline("place", "p1", children=(Inline("person", "a", children=(Inline("text", "Wirtin"),)),))
    friends = Inline("person", "b", children=(
        Inline("person", "c", children=(Inline("text", "Freunde"),)),))
    html = str(inline_html((Inline("text", "bei einer "), wirtin, Inline("text", " und "), friends),
                           name_index(())[0], "../../", linkable))
    tree = lxml.html.fragment_fromstring(html, create_parent="p")
    assert not tree.xpath("//a//a"), html
    links = [(a.get("href"), a.text_content()) for a in tree.xpath("//a")]
    assert links == [("../../places/p1/", "Wirtin"), ("../../persons/a/", "person"),
                     ("../../persons/b/", "Freunde"), ("../../persons/c/", "person")]
    assert tree.text_content().startswith("bei einer Wirtinperson und Freunde")
