"""The inventory a site is rendered from: names found in text, mentions, correspondences, the
archive concordance with note citations."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

import core
from epistola.body import Inline, parse_inline, plain_text
from epistola.corpus import natural_key
from epistola.model import ArchiveRef, Correspondent, Edition, Letter, LetterDate, Note, Person
from epistola.names import apply_names, find_names, link_names, linked_targets, name_index, name_key


def persons_in(inlines: tuple[Inline, ...]) -> list[str]:
    """Refs of the "person" inlines, in reading order (repeats kept)."""
    return [ref for kind, ref in linked_targets(inlines) if kind == "person"]


REGISTER = (
    Person("pyatakov", "G. L. Pyatakov", variants=("Arvid", "Ar[vid]", "Pyatakov")),
    Person("radek", "K. B. Radek", variants=("Andrei", "Andrey", "Radek")),
    Person("lenin", "V. I. Lenin", variants=("Ilyich", "Lenin")),
    Person("trotsky", "L. D. Trotsky", variants=("Trotsky",)),
    Person("fischer", "Ruth Fischer", variants=("Ruth", "Ruth Fischer")),
    Person("brandler", "H. Brandler", variants=("Brandler",)),
)
INDEX, _ = name_index(REGISTER)


def names(text: str) -> list[tuple[str, str]]:
    """(ref, text as printed) of every name linked in text."""
    return [(i.text, plain_text(i.children)) for i in link_names(parse_inline(text), INDEX)
            if i.kind == "person"]


def test_variants_and_pseudonyms_link_to_their_person():
    assert names("Arvid 10.") == [("pyatakov", "Arvid")]
    assert names("Ilyich is ill") == [("lenin", "Ilyich")]
    assert names("Andrey and I") == [("radek", "Andrey")]


def test_editorial_brackets_inside_a_name_are_matched():
    assert names("A[rvid].") == [("pyatakov", "A[rvid]")]
    assert names("Ar[vid].") == [("pyatakov", "Ar[vid]")]
    assert names("expelling Br[andler] from") == [("brandler", "Br[andler]")]
    assert names("I also ask L. D. [Trotsky] about this") == [("trotsky", "L. D. [Trotsky]")]
    # a name completed in brackets right after it is one name
    assert names("with Andrei[ey] and") == [("radek", "Andrei[ey]")]


RUSSIAN_REGISTER = (
    Person("stalin", "I. V. Stalin", variants=("Stalin", "Koba")),
    Person("nazaretyan", "A. M. Nazaretyan"),
    Person("yaroslavsky", "E. M. Yaroslavsky"),
    Person("dzerzhinsky", "F. E. Dzerzhinsky"),
    Person("tsyurupa", "A. D. Tsyurupa"),
    Person("donbass", "Donbass", names_other={"ru": ("Донбасс",)}, register="places", kind="place"),
)
RUSSIAN_INDEX, _ = name_index(RUSSIAN_REGISTER)


def russian_names(text: str) -> list[tuple[str, str]]:
    return [(i.text, plain_text(i.children)) for i in link_names(parse_inline(text), RUSSIAN_INDEX)
            if i.kind in ("person", "place")]


def test_a_russian_text_links_its_declined_names_by_their_transliteration():
    assert russian_names("Дорогой тов. Магидов! Привет Назаретяну и Коба.") == [
        ("nazaretyan", "Назаретяну"), ("stalin", "Коба")]
    assert russian_names("комиссию во главе с т. Ярославским для проверки работы Донбасса.") == [
        ("yaroslavsky", "Ярославским"), ("donbass", "Донбасса")]
    assert russian_names("письмо Дзержинского, Цюрупы и Сталина; о Сталине; в Донбассе") == [
        ("dzerzhinsky", "Дзержинского"), ("tsyurupa", "Цюрупы"), ("stalin", "Сталина"),
        ("stalin", "Сталине"), ("donbass", "Донбассе")]
    # neither a word that only begins like a name, nor a lower-case word, nor a short one
    assert russian_names("Сталинград, сталин, Кобальт, Ваше письмо") == []


def test_longest_form_wins_and_only_whole_words_match():
    assert names("Ruth [Fischer] and Helm") == [("fischer", "Ruth [Fischer]")]
    assert names("Ruth said bluntly") == [("fischer", "Ruth")]
    assert names("Leninist way, Trotskyists, Andreis") == []
    assert names("Radek's pseudonym.") == [("radek", "Radek")]


def test_a_name_never_splits_an_editorial_bracket():
    inlines = link_names(parse_inline("the [Lenin Institute] said"), INDEX)
    assert [i.kind for i in inlines] == ["text", "supplied", "text"]


def test_text_is_kept_whole_around_names():
    text = "Dear comrade St[alin], Arvid and Andr[ey] met *Ilyich* [...] today."
    linked = link_names(parse_inline(text), INDEX)

    def unlink(inlines):
        return tuple(Inline("em" if i.kind == "person" else i.kind, i.text, i.n, unlink(i.children))
                     for i in inlines)

    flat = plain_text(unlink(linked))
    assert flat == plain_text(parse_inline(text))
    assert persons_in(linked) == ["pyatakov", "radek", "lenin"]
    em = next(i for i in linked if i.kind == "em")
    assert [c.kind for c in em.children] == ["person"]


def test_where_the_names_are_is_plain_data_that_links_the_same_inlines():
    """A letter's summary keeps where its names are (find_names), not the linked inlines; the
    pages link the parsed text again from it, with the same result as linking it anew."""
    texts = ["Dear comrade St[alin], Arvid and Andr[ey] met *Ilyich and Radek* [...] today.",
             "Ruth [Fischer] wrote to Lenin.^[1]^ Brandler", "nobody here", "**Trotsky**"]
    inlines = [parse_inline(t) for t in texts]
    found = [find_names(i, INDEX) for i in inlines]
    assert [apply_names(i, f) for i, f in zip(inlines, found)] == \
        [link_names(i, INDEX) for i in inlines]
    assert [persons_in(link_names(i, INDEX)) for i in inlines] == [
        ["pyatakov", "radek", "lenin", "radek"], ["fischer", "lenin", "brandler"], [], ["trotsky"]]
    assert found[2] == () and apply_names(inlines[2], found[2]) == inlines[2]

    def plain(value) -> bool:
        return value is None or isinstance(value, (str, int)) or (
            isinstance(value, tuple) and all(plain(v) for v in value))

    assert all(plain(f) for f in found), found


_PIECES = ["Arvid", "Ar[vid]", "A[rvid]", "[Lenin]", "Lenin", "Ilyich", "Ruth", "[Fischer]",
           "Fischer", "Andrei", "[ey]", "Radek's", "L. D.", "[Trotsky]", "Trotsky", "[...]", "*",
           "**", " ", " ", ", ", ". ", "and", "the", "[word]", "\n", "^1^", "[^1]", "Brandler",
           "B", "r", "[", "]"]
FORMS = {ref: [name_key(f) for f in (p.name, *p.variants)] for p in REGISTER for ref in [p.ref]}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=24))
def test_linking_keeps_the_text_and_links_only_register_forms(pieces):
    """Whatever the brackets, emphasis and note marks around them: the places find_names keeps
    link the same words as linking anew, linking changes no word of the text, and each linked
    run of words begins with a form of its entry."""
    inlines = parse_inline("".join(pieces))
    linked = link_names(inlines, INDEX)
    assert apply_names(inlines, find_names(inlines, INDEX)) == linked
    assert plain_text(linked) == plain_text(inlines)

    def check(found):
        for inline in found:
            if inline.kind == "person":
                printed = name_key(plain_text(inline.children))
                assert any(printed.startswith(form) for form in FORMS[inline.text]), printed
            check(inline.children)

    check(linked)


def test_a_form_claimed_by_two_persons_links_to_neither_with_a_warning():
    index, diags = name_index((Person("a", "A. Ivanov", variants=("Ivanov",), line=1),
                               Person("b", "B. Ivanov", variants=("Ivanov",), line=4)),
                              {"persons": "persons.yaml"})
    assert [d.code for d in diags] == ["persons-ambiguous-name"]
    assert "'Ivanov'" in diags[0].message and diags[0].path == "persons.yaml"
    assert link_names(parse_inline("Ivanov came"), index) == parse_inline("Ivanov came")


def test_a_one_character_form_is_not_linked_with_a_warning():
    """"I" as a variant of Ivanov would link every "I" of every letter."""
    index, diags = name_index((Person("ivanov", "A. Ivanov", variants=("I", "[I]van"), line=3),),
                              {"persons": "persons.yaml"})
    assert [(d.path, d.line, d.level, d.code) for d in diags] == [
        ("persons.yaml", 3, "warning", "persons-short-name")]
    assert "'I'" in diags[0].message
    text = "I wrote to Ivan and A. Ivanov."
    assert persons_in(link_names(parse_inline(text), index)) == ["ivanov", "ivanov"]


def letter(id_: str, number: int, when: str, senders: tuple[str, ...], recipients: tuple[str, ...],
           body: str = "Text.", notes: tuple[Note, ...] = (), archive: ArchiveRef | None = None,
           in_reply_to: str | None = None) -> Letter:
    return Letter(id=id_, number=number, title=f"Letter {id_}",
                  senders=tuple(Correspondent(s, s) for s in senders),
                  recipients=tuple(Correspondent(r, r) for r in recipients),
                  date=LetterDate(when, when), place=None, archive=archive, physical=None,
                  body=body, notes=notes, in_reply_to=in_reply_to)


def test_correspondence_is_the_same_pair_either_way_in_date_order():
    letters = (letter("1", 1, "1923-11-01", ("pyatakov",), ("stalin",)),
               letter("2", 2, "1923-11-10", ("magidov",), ("stalin",)),
               letter("3", 3, "1923-11-15", ("stalin",), ("pyatakov",)),
               letter("4", 4, "1923-11-22", ("stalin",), ("magidov",), in_reply_to="2"))
    site, _ = core.read(Edition("E"), letters[::-1])
    corpus = site.corpus
    assert [l.id for l in corpus.letters] == ["1", "2", "3", "4"]
    assert corpus.correspondence_neighbours("1") == (None, "3")
    assert corpus.correspondence_neighbours("3") == ("1", None)
    assert corpus.correspondence_neighbours("4") == ("2", None)
    assert corpus.correspondence("2") == ("2", "4")
    assert corpus.neighbours("2") == ("1", "3")
    assert corpus.replies == {"2": ("4",)}
    assert corpus.by_sender["persons", "stalin"] == ("3", "4")
    assert corpus.by_recipient["persons", "stalin"] == (("1", "to"), ("2", "to"))


def test_mentions_point_at_the_paragraph_or_note():
    body = "{.salutation}\nDear Arvid!\n\nIlyich is better.[^1]\n"
    site, _ = core.read(Edition("E"), (letter("9", 9, "1923-11-01", ("radek",), ("pyatakov",),
                                               body, (Note(1, "Lenin; see Trotsky."),)),), REGISTER)
    mentions = site.corpus.mentions
    assert [(m.letter_id, m.anchor) for m in mentions["person", "pyatakov"]] == [("9", "p1")]
    assert [(m.anchor, m.in_note) for m in mentions["person", "lenin"]] == [("p2", False),
                                                                            ("note-1", True)]
    assert [m.anchor for m in mentions["person", "trotsky"]] == ["note-1"]
    assert ("person", "radek") not in mentions
    assert site.corpus.mentioned("9") == ("lenin", "pyatakov", "trotsky")


def test_body_markup_problems_are_reported_with_their_line():
    bad = letter("5", 5, "1923-11-01", ("a",), ("b",), "Fine.\n\n{.adress}\nComrade.\n")
    bad = replace(bad, path="letters/5.md", body_line=20)
    _, diags = core.read(Edition("E"), (bad,))
    assert [(d.path, d.line, d.code) for d in diags if d.code.startswith("body-")] == [
        ("letters/5.md", 22, "body-unknown-part")]


def test_note_citations_resolve_ibid_against_the_previous_citation():
    notes = (Note(1, "Considered on October 8, 1923 (RTsKhIDNI. F. 17. Op. 112. D. 486. L. 1)."),
             Note(2, "Circular (Ibid. D. 561. L. 56-56v.)."),
             Note(3, "Source. 1995. No. 5. P. 138."),
             Note(4, "Ibid., pp. 128-129."))
    own = ArchiveRef("RTsKhIDNI", "558", "1", "2565", "2-7", "RTSKHIDNI. F. 558. On. 1. D. 2565. L. 2-7.")
    site, _ = core.read(Edition("E"), (letter("174", 174, "1923-11-10", ("a",), ("b",),
                                              notes=notes, archive=own),))
    refs = [(n, r.file_key, r.folios) for n, r in site.corpus.by_id["174"].cited]
    assert refs == [(1, ("RTsKhIDNI", "17", "112", "486"), "1"),
                    (2, ("RTsKhIDNI", "17", "112", "561"), "56-56v")]


def test_concordance_groups_by_file_in_archive_order():
    a = letter("174", 174, "1923-11-10", ("a",), ("b",),
               archive=ArchiveRef("RTsKhIDNI", "558", "1", "2565", "2-7", "x"))
    b = letter("176", 176, "1923-11-22", ("b",), ("a",),
               archive=ArchiveRef("RTsKhIDNI", "558", "1", "2565", "1", "y"))
    c = letter("173", 173, "1923-11-01", ("c",), ("a",), "Text[^3].",
               (Note(3, "Cited (RTsKhIDNI. F. 76. Op. 3. D. 162. L. 14)."),),
               archive=ArchiveRef("RTsKhIDNI", "558", "2", "137", "1-5", "z"))
    site, _ = core.read(Edition("E"), (c, a, b))
    files = site.corpus.archive_files
    assert [(f.fond, f.opis, f.delo) for f in files] == [("76", "3", "162"), ("558", "1", "2565"),
                                                         ("558", "2", "137")]
    shared = files[1]
    assert [(e.letter_id, e.folios, e.note) for e in shared.entries] == [("176", "1", None),
                                                                         ("174", "2-7", None)]
    assert files[0].entries[0].note == 3
    assert site.corpus.notes_citing("173") == {3: (("RTsKhIDNI", "76", "3", "162"),)}
    assert [site.corpus.notes_citing(i) for i in ("174", "175", "176")] == [{}, {}, {}]


def test_natural_key_orders_numbers_as_numbers():
    assert sorted(["2565", "137", "56v", "56", "d-12"], key=natural_key) == ["56", "56v", "137", "2565", "d-12"]


def test_natural_key_orders_numbers_as_numbers_and_other_digits_as_text():
    assert sorted(["56v", "137", "2565", "56"], key=natural_key) == ["56", "56v", "137", "2565"]
    assert natural_key("F²") == ((1, 0, "f²"),)  # a superscript two is not a number


def test_linked_targets_says_which_words_link_and_leaves_no_reference_cycle():
    """A recursive closure would be a reference cycle for every paragraph of every letter,
    which only the cycle collector frees."""
    import gc

    inlines = (Inline("text", "To "), Inline("person", "stalin", children=(
        Inline("text", "St"), Inline("supplied", "alin"))), Inline("text", " and "),
        Inline("em", children=(Inline("person", "trotsky", children=(Inline("text", "L. D."),)),)))
    gc.collect()
    gc.disable()
    try:
        assert linked_targets(inlines) == [("person", "stalin"), ("person", "trotsky")]
        assert gc.collect() == 0
    finally:
        gc.enable()
