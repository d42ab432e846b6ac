"""The inventory a site is rendered from: names found in text, mentions, correspondences, the
archive concordance with note citations."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from epistola.body import Inline, parse_inline
from epistola.corpus import (
    build_corpus,
    cited_in_notes,
    concordance,
    link_names,
    link_spans,
    name_index,
    name_spans,
    natural_key,
)
from epistola.model import ArchiveRef, Correspondent, Edition, Letter, LetterDate, Note, Person

def persons_in(inlines: tuple[Inline, ...]) -> list[str]:
    """Refs of the "person" inlines, in reading order (repeats kept)."""
    return [span[2] for span in link_spans(inlines)]


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
    from epistola.body import plain_text
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


def test_longest_form_wins_and_only_whole_words_match():
    assert names("Ruth [Fischer] and Helm") == [("fischer", "Ruth [Fischer]")]
    assert names("Ruth said bluntly") == [("fischer", "Ruth")]
    assert names("Leninist way, Trotskyists, Andreis") == []
    assert names("Radek's pseudonym.") == [("radek", "Radek")]


def test_a_name_never_splits_an_editorial_bracket():
    inlines = link_names(parse_inline("the [Lenin Institute] said"), INDEX)
    assert [i.kind for i in inlines] == ["text", "supplied", "text"]


def test_text_is_kept_whole_around_names():
    from epistola.body import plain_text
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


def test_linking_again_gives_the_same_inlines_and_the_memo_keeps_no_inlines():
    """The memo of link_names keeps where the names are, not the linked inlines (at 10,000
    letters those were a fifth of the build's memory): the inlines are sliced again from it."""
    index, _ = name_index(REGISTER)
    texts = ["Dear comrade St[alin], Arvid and Andr[ey] met *Ilyich and Radek* [...] today.",
             "Ruth [Fischer] wrote to Lenin.^[1]^ Brandler", "nobody here", "**Trotsky**"]
    first = [link_names(parse_inline(t), index) for t in texts]
    assert [link_names(parse_inline(t), index) for t in texts] == first  # from the memo
    assert [persons_in(x) for x in first] == [["pyatakov", "radek", "lenin", "radek"],
                                              ["fischer", "lenin", "brandler"], [], ["trotsky"]]
    assert first[2] == parse_inline(texts[2])

    def holds_inlines(value) -> bool:
        return isinstance(value, Inline) or (isinstance(value, tuple)
                                              and any(holds_inlines(v) for v in value))

    assert len(index.linked) == len(texts)
    assert not any(holds_inlines(v) for v in index.linked.values())


_PIECES = ["Arvid", "Ar[vid]", "A[rvid]", "[Lenin]", "Lenin", "Ilyich", "Ruth", "[Fischer]",
           "Fischer", "Andrei", "[ey]", "Radek's", "L. D.", "[Trotsky]", "Trotsky", "[...]", "*",
           "**", " ", " ", ", ", ". ", "and", "the", "[word]", "\n", "^1^", "[^1]", "Brandler",
           "B", "r", "[", "]"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=24))
def test_name_spans_are_the_spans_of_the_linked_inlines(pieces):
    """The mentions read where the names are without making the linked inlines: the same
    places, whatever the brackets, emphasis and note marks around them."""
    inlines = parse_inline("".join(pieces))
    index, _ = name_index(REGISTER)
    assert name_spans(inlines, index) == link_spans(link_names(inlines, index))
    assert name_spans(inlines, index) == link_spans(link_names(inlines, INDEX))  # from the memo
    # inlines with a name linked already (as after link_names) count it too
    linked = link_names(inlines, INDEX)
    assert name_spans(linked, index) == link_spans(link_names(linked, index))


def test_a_form_claimed_by_two_persons_links_to_neither_with_a_warning():
    index, diags = name_index((Person("a", "A. Ivanov", variants=("Ivanov",), line=1),
                               Person("b", "B. Ivanov", variants=("Ivanov",), line=4)), "persons.yaml")
    assert [d.code for d in diags] == ["persons-ambiguous-name"]
    assert "'Ivanov'" in diags[0].message and diags[0].path == "persons.yaml"
    assert link_names(parse_inline("Ivanov came"), index) == parse_inline("Ivanov came")


def test_a_one_character_form_is_not_linked_with_a_warning():
    """"I" as a variant of Ivanov would link every "I" of every letter."""
    index, diags = name_index((Person("ivanov", "A. Ivanov", variants=("I", "[I]van"), line=3),),
                              "persons.yaml")
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
    corpus, diags = build_corpus(Edition("E"), letters[::-1], ())
    assert not diags
    assert [l.id for l in corpus.letters] == ["1", "2", "3", "4"]
    one, two, three, four = corpus.letters
    assert corpus.correspondence_neighbours(one) == (None, three)
    assert corpus.correspondence_neighbours(three) == (one, None)
    assert corpus.correspondence_neighbours(four) == (two, None)
    assert corpus.neighbours(two) == (one, three)
    assert corpus.replies == {"2": ("4",)}


def test_mentions_point_at_the_paragraph_or_note():
    body = "{.salutation}\nDear Arvid!\n\nIlyich is better.[^1]\n"
    corpus, _ = build_corpus(Edition("E"), (letter("9", 9, "1923-11-01", ("radek",), ("pyatakov",),
                                                   body, (Note(1, "Lenin; see Trotsky."),)),), REGISTER)
    assert [(m.letter_id, m.anchor) for m in corpus.mentions["pyatakov"]] == [("9", "p1")]
    assert [(m.anchor, m.in_note) for m in corpus.mentions["lenin"]] == [("p2", False), ("note-1", True)]
    assert [m.anchor for m in corpus.mentions["trotsky"]] == ["note-1"]
    assert "radek" not in corpus.mentions


def test_body_markup_problems_are_reported_with_their_line():
    bad = letter("5", 5, "1923-11-01", ("a",), ("b",), "Fine.\n\n{.adress}\nComrade.\n")
    bad = replace(bad, path="letters/5.md", body_line=20)
    _, diags = build_corpus(Edition("E"), (bad,), ())
    assert [(d.path, d.line, d.code) for d in diags] == [("letters/5.md", 22, "body-unknown-part")]


def test_note_citations_resolve_ibid_against_the_previous_citation():
    notes = (Note(1, "Considered on October 8, 1923 (RTsKhIDNI. F. 17. Op. 112. D. 486. L. 1)."),
             Note(2, "Circular (Ibid. D. 561. L. 56-56v.)."),
             Note(3, "Source. 1995. No. 5. P. 138."),
             Note(4, "Ibid., pp. 128-129."))
    own = ArchiveRef("RTsKhIDNI", "558", "1", "2565", "2-7", "RTSKHIDNI. F. 558. On. 1. D. 2565. L. 2-7.")
    cited = cited_in_notes((letter("174", 174, "1923-11-10", ("a",), ("b",), notes=notes, archive=own),))
    refs = [(n, r.file_key, r.folios) for n, r in cited["174"]]
    assert refs == [(1, ("RTsKhIDNI", "17", "112", "486"), "1"),
                    (2, ("RTsKhIDNI", "17", "112", "561"), "56-56v")]


def test_concordance_groups_by_file_in_archive_order():
    a = letter("174", 174, "1923-11-10", ("a",), ("b",),
               archive=ArchiveRef("RTsKhIDNI", "558", "1", "2565", "2-7", "x"))
    b = letter("176", 176, "1923-11-22", ("b",), ("a",),
               archive=ArchiveRef("RTsKhIDNI", "558", "1", "2565", "1", "y"))
    c = letter("173", 173, "1923-11-01", ("c",), ("a",),
               archive=ArchiveRef("RTsKhIDNI", "558", "2", "137", "1-5", "z"))
    files = concordance((c, a, b), {"173": ((3, ArchiveRef("RTsKhIDNI", "76", "3", "162", "14", "n")),)})
    assert [(f.fond, f.opis, f.delo) for f in files] == [("76", "3", "162"), ("558", "1", "2565"),
                                                         ("558", "2", "137")]
    shared = files[1]
    assert [(e.letter_id, e.folios, e.note) for e in shared.entries] == [("176", "1", None),
                                                                         ("174", "2-7", None)]
    assert files[0].entries[0].note == 3


def test_natural_key_orders_numbers_as_numbers():
    assert sorted(["2565", "137", "56v", "56", "d-12"], key=natural_key) == ["56", "56v", "137", "2565", "d-12"]


def test_natural_key_orders_numbers_as_numbers_and_other_digits_as_text():
    from epistola.corpus import natural_key

    assert sorted(["56v", "137", "2565", "56"], key=natural_key) == ["56", "56v", "137", "2565"]
    assert natural_key("F²") == ((1, 0, "f²"),)  # a superscript two is not a number


def test_a_memo_names_the_same_letters_once_for_every_stage():
    """The stages that go through all letters (checks, mentions, the list exports) share one
    naming of them per build; the next build names them anew."""
    from epistola.corpus import Memo, memoized_each

    named = []
    memo = Memo(identify=lambda l: named.append(l.id) or l.id)
    letters = (letter("1", 1, "1923-11-01", ("a",), ("b",)),
               letter("2", 2, "1923-11-02", ("b",), ("a",)))
    assert memoized_each(memo, "first", letters, lambda l: l.id + "!") == ["1!", "2!"]
    assert memoized_each(memo, "second", letters, lambda l: l.number) == [1, 2]
    assert named == ["1", "2"]
    assert memoized_each(memo, "first", list(letters), lambda l: "not again") == ["1!", "2!"]
    memo.forget_names()
    assert memoized_each(memo, "second", letters, lambda l: "not again") == [1, 2]
    assert named == ["1", "2", "1", "2", "1", "2"]


def test_link_spans_says_which_words_link_and_leaves_no_reference_cycle():
    """The build runs with the cycle collector off: a cycle made for each paragraph (a
    recursive closure, say) would stay for the whole build, 115 MiB at 10,000 letters."""
    import gc

    from epistola.corpus import link_spans

    inlines = (Inline("text", "To "), Inline("person", "stalin", children=(
        Inline("text", "St"), Inline("supplied", "alin"))), Inline("text", " and "),
        Inline("em", children=(Inline("person", "trotsky", children=(Inline("text", "L. D."),)),)))
    gc.collect()
    gc.disable()
    try:
        assert link_spans(inlines) == ((3, 11, "stalin"), (16, 21, "trotsky"))
        assert gc.collect() == 0
    finally:
        gc.enable()
