"""TEI conventions beyond schnitzler-briefe, each with a small hand-written letter
(tests/fixtures/tei-conventions/, described in its README), and bad input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epistola.body import Inline
from epistola.tei import (
    key_resolver, merge_entries, parse_geo, persons_from_letters, plain_text, read_tei_letter,
    read_tei_register, ref_key, resolve_related,
)

HERE = Path(__file__).parent / "fixtures" / "tei-conventions"
SAMPLE = Path(__file__).parent / "fixtures" / "schnitzler-briefe"


def read(name: str):
    path = HERE / name
    letter, diags, unhandled = read_tei_letter(path.read_bytes(), f"tei-conventions/{name}")
    return letter, diags, unhandled


def texts(letter) -> list[tuple[str | None, str]]:
    return [(b.part, plain_text(b.inlines)) for b in letter.blocks]


def kinds(inlines) -> list[str]:
    out = []
    for i in inlines:
        out.append(i.kind)
        out.extend(kinds(i.children))
    return out


def test_key_points_at_a_persons_n():
    persons, diags = read_tei_register((HERE / "key-n-persons.xml").read_bytes(), "key-n-persons.xml")
    assert diags == []
    goethe, schiller = persons
    assert (goethe.ref, goethe.name, goethe.sort_name) == (
        "goethe-jw", "Johann Wolfgang von Goethe", "Goethe, Johann Wolfgang von")
    assert goethe.variants == ("J. W. Goethe",)
    assert goethe.ids == {"gnd": "118540238", "viaf": "24602065"}
    assert goethe.dates == "28. August 1749 – 1832-03-22"
    assert (schiller.ref, schiller.aliases, schiller.name) == ("p0002", ("schiller-f",), "Friedrich Schiller")
    assert schiller.ids == {"wikidata": "Q22670"}

    letter, diags, _ = read("key-n-letter.xml")
    assert diags == [] and letter.id == "brief-0017"
    assert [c.ref for c in letter.senders] == ["goethe-jw"]
    linked = key_resolver(persons)(letter)
    assert [c.ref for c in linked.recipients] == ["p0002"]  # key="Schiller_F" is Schiller's @n
    refs = [i.text for i in linked.blocks[0].inlines if i.kind == "person"]
    assert refs == ["p0002", "goethe-jw"]


def test_correspondents_given_by_a_pointer_alone_take_their_names_from_the_register():
    persons, _ = read_tei_register((HERE / "key-n-persons.xml").read_bytes(), "key-n-persons.xml")
    letter, diags, _ = read("pointer-only.xml")
    assert diags == []
    assert [(c.name, c.ref) for c in letter.senders] == [("p0002", "p0002")]  # (all the file says)
    resolved = key_resolver(persons)(letter)
    assert [(c.name, c.ref) for c in resolved.senders] == [("Friedrich Schiller", "p0002")]
    assert [(c.name, c.ref) for c in resolved.recipients] == [
        ("Johann Wolfgang von Goethe", "goethe-jw")]
    named, _, _ = read("typed-names.xml")  # a name as written is kept, whatever the register says
    assert key_resolver(persons)(named).senders == named.senders


def test_places_given_by_a_pointer_alone_take_their_names_from_the_register():
    places, diags = read_tei_register((HERE / "places-by-key.xml").read_bytes(), "places-by-key.xml")
    assert diags == [] and [p.ref for p in places] == ["pl-0001", "pl-0002"]
    letter, _, _ = read("pointer-only.xml")
    assert (letter.place.name, letter.place.ref) == ("pl-0001", "pl-0001")  # (all the file says)
    resolved = key_resolver(places)(letter)
    assert (resolved.place.name, resolved.place.ref) == ("Jena", "pl-0001")
    # key="Weimar_Stadt" names the place by its @n
    assert (resolved.place_received.name, resolved.place_received.ref) == ("Weimar", "pl-0002")


def built(tmp_path, letters: list[str], registers: list[str]):
    """An edition of these fixture letters and registers, built: (the outcome, the site)."""
    import shutil

    from epistola.engine import recipe

    editions = tmp_path / "editions"
    (editions / "letters").mkdir(parents=True)
    for name in letters:
        shutil.copy(HERE / name, editions / "letters" / name)
    for name in registers:
        shutil.copy(HERE / name, editions / name)
    (editions / "edition.yaml").write_text(
        "title: Conventions\ncompilers: [A. Editor]\nyear: 2024\nlanguage: en\n"
        f"licence: CC0 1.0\npublished: '2024-01-01'\nletters: letters/*.xml\n"
        f"registers: [{', '.join(registers)}]\n", encoding="utf-8")
    return recipe.build(editions, tmp_path / "site", search=False), tmp_path / "site"


def page_of(site, letter_id: str) -> str:
    return (site / "letters" / letter_id / "index.html").read_text(encoding="utf-8")


def test_a_built_letter_names_correspondents_given_by_a_pointer_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outcome, site = built(tmp_path, ["pointer-only.xml"], ["key-n-persons.xml", "places-by-key.xml"])
    assert [d for d in outcome.diagnostics if d.level == "error"] == []
    page = page_of(site, "pointer-only")
    assert ">Friedrich Schiller</a>" in page and ">Johann Wolfgang von Goethe</a>" in page
    assert ">p0002<" not in page
    assert ">Jena</a>" in page and "pl-0001<" not in page


def test_a_letter_whose_receipt_alone_is_dated_was_written_by_then():
    from epistola.display import date_display, date_reading

    letter, diags, _ = read("received-only.xml")
    assert diags == []
    date = letter.date
    assert (date.when, date.not_before, date.not_after, date.supplied) == (
        None, None, "1899-05-12", True)
    assert date_display(date) == "not after 12 May 1899"
    assert date.text == "undated"  # (the letter gives none; the receipt's date is no date of it)
    assert date_reading(date) == "dated by its receipt"
    assert letter.key_lines["date"] == 17  # (a date problem points at the receipt's date)
    undated, _, _ = read("undated.xml")
    assert undated.date.text == "undated" and undated.date.sort_key == "9999"


def test_sender_and_addressee_in_one_action():
    letter, diags, _ = read("typed-names.xml")
    assert diags == []
    assert [(c.name, c.ref) for c in letter.senders] == [("Ada Lovelace", "ada")]
    assert [(c.name, c.ref, c.role) for c in letter.recipients] == [("Charles Babbage", "babbage", "to")]
    assert letter.place.name == "London"
    assert letter.key_lines["recipients"] == letter.key_lines["senders"] == 11  # (the one action)
    date = letter.date
    assert (date.text, date.not_before, date.not_after, date.supplied, date.reading) == (
        "[July 1843]", "1843-07-01", "1843-07-31", True, "certainty medium")
    assert texts(letter) == [("salutation", "My dear Babbage,"), (None, "I send you the Notes."),
                             ("closing", "Yours ever,"), ("signature", "A. A. L.")]


def test_context_refs_in_one_vocabulary():
    letter, diags, _ = read("context-refs.xml")
    assert diags == []
    assert [(r.type, r.target) for r in letter.related] == [
        ("previous", "l2"), ("next", "l4"), ("previous-in-corresp", "l1"), ("next-in-corresp", "l9"),
        ("previous", "https://example.org/edition/L0"), ("reply-to", "l2")]
    assert letter.in_reply_to == "l2"
    other, _, _ = read("typed-names.xml")
    l0 = replace(other, id="l0")
    resolved = {x.id: x for x in resolve_related([letter, l0])}
    assert resolved["l3"].related[4].target == "l0"  # the URL of a letter of the edition
    assert resolved["l3"].related[0].target == "l2"


def test_opener_in_front_and_closer_in_back():
    letter, diags, _ = read("front-back.xml")
    assert diags == []
    assert texts(letter) == [
        ("dateline", "Berlin, 9. Dezember 1870."), ("salutation", "Hochverehrtes Fräulein."),
        (None, "Ihr Brief kam gestern; ich danke herzlich."),
        ("closing", "In alter Ergebenheit"), ("signature", "Th. Fontane."),
        ("postscript", "Frau Emilie empfiehlt sich.")]
    body = letter.blocks[2].inlines
    assert [i.n for i in body if i.kind == "anchor"] == [1, 2]  # the anchor, then the ref to n2
    assert [(n.n, n.text) for n in letter.notes] == [(1, "Der Brief vom 6. Dezember."),
                                                      (2, "Ein Stern im Original.")]
    assert letter.language == "de"
    assert (letter.archive.repository, letter.archive.settlement, letter.archive.shelfmark) == (
        "Theodor-Fontane-Archiv", "Potsdam", "Br 12/3")
    assert letter.physical == "1 Doppelblatt, 3 beschriebene Seiten."
    assert letter.place.ref == "berlin"
    assert [p.name for p in letter.register_entries] == ["Theodor Fontane"]


@pytest.mark.parametrize("name, text", [("undated.xml", "undated"), ("undated-text.xml", "o. D.")])
def test_letters_with_no_date(name, text):
    letter, diags, _ = read(name)
    assert diags == []
    assert letter.date.text == text
    assert (letter.date.when, letter.date.not_before, letter.date.not_after) == (None, None, None)
    assert letter.date.sort_key == "9999"


def test_a_date_only_in_the_dateline():
    letter, _, _ = read("dateline-date.xml")
    assert (letter.date.text, letter.date.when) == ("3. Februar 1787", "1787-02-03")


def test_the_early_correspdesc_proposal():
    letter, diags, _ = read("early-proposal.xml")
    assert diags == []
    assert [(c.name, c.ref) for c in letter.senders] == [("Alexander von Humboldt", "gnd-118554700")]
    assert [(c.name, c.ref) for c in letter.recipients] == [
        ("Karl August Varnhagen von Ense", "gnd-118626523")]
    assert (letter.date.text, letter.date.when) == ("12. März 1850", "1850-03-12")
    assert (letter.place.name, letter.place.ref) == ("Berlin", "berlin")


def test_a_date_in_creation():
    letter, _, _ = read("creation-date.xml")
    assert (letter.date.text, letter.date.not_before, letter.date.not_after) == ("um 1800", "1799", "1801")


def test_editorial_interventions_and_recipients():
    letter, diags, unhandled = read("editorial.xml")
    assert diags == []
    assert unhandled == {"unknownThing": 1}
    [block] = letter.blocks
    assert plain_text(block.inlines) == (
        "We received the Committee's color plates, […] and three [more] à bientôt; soon, they "
        "said. Midword ⁊ oldnew underlined end Brown. Second page kept as text.")
    found = kinds(block.inlines)
    for kind in ("choice", "sic", "corr", "abbr", "expan", "orig", "reg", "gap", "unclear",
                 "supplied", "foreign", "quote", "anchor", "break", "del", "add", "hi", "space",
                 "person", "pagebreak", "other"):
        assert kind in found, kind
    foreign = next(i for i in block.inlines if i.kind == "foreign")
    assert foreign.text == "fr"
    assert next(i for i in block.inlines if i.kind == "break").text == "no"  # lb break="no"
    assert next(i for i in block.inlines if i.kind == "pagebreak") == Inline("pagebreak", "images/p2.jpg", 2)
    assert next(i for i in block.inlines if i.kind == "other").text == "unknownThing"
    assert letter.facsimiles == ("images/p2.jpg",)
    assert [(n.n, n.text) for n in letter.notes] == [(1, "Marginal note by the secretary.")]
    assert [(c.name, c.ref, c.register) for c in letter.senders] == [
        ("The Committee", "gnd-2037034-0", "organisations")]
    assert [(c.name, c.ref, c.role) for c in letter.recipients] == [
        ("J. Smith", "viaf-12345", "to"), ("T. Brown", "brown", "cc"),
        ("E. Green", "green", "forwarded"), ("W. White", "white", "cc")]
    assert (letter.date.text, letter.date.when, letter.date.supplied, letter.date.reading) == (
        "2 March [1851]", "1851-03-02", True, "internal")
    assert letter.place.ref == "geonames-2643743"
    assert letter.language == "en"
    assert letter.printed == ("Printed in: Circulars of the Committee, London 1852, p. 4.",)
    assert [(r.when, r.who, r.text) for r in letter.revisions] == [("2020-01-05", "#ed", "Encoded.")]


def test_early_types_and_no_namespace():
    letter, diags, _ = read("sending-receiving.xml")
    assert diags == []
    assert [c.name for c in letter.senders] == ["Ann"] and [c.name for c in letter.recipients] == ["Ben"]
    assert (letter.date.not_before, letter.date.not_after, letter.date.reading) == (
        "1801-05-01", "1801-05-03", "span")
    assert letter.place.name == "Bath" and letter.title == "Letter from Ann to Ben"


def test_correspdesc_in_the_source_description():
    letter, diags, unhandled = read("sourcedesc-correspdesc.xml")
    assert diags == [] and not unhandled
    assert letter.title == "Hans Keller an Marie Lenz in Weimar Kassel, 4. Mai 1821"  # lb: a space
    assert [(c.name, c.ref) for c in letter.senders] == [("Keller, Hans", "a000101")]
    assert [(c.name, c.ref) for c in letter.recipients] == [("Lenz, Marie", "a000102")]
    assert (letter.date.text, letter.date.when) == ("4. Mai 1821", "1821-05-04")
    assert (letter.place.name, letter.place_received.name) == ("Kassel", "Weimar")
    assert texts(letter) == [
        ("address", "An Madame Lenz zu Weimar"), ("salutation", "Liebe Freundin!"),
        (None, "Die beiden Brüder kommen morgen; das Lied ist fertig."),
        ("closing", "Ihr ergebener Keller."), ("dateline", "Kassel d: 4t Mai 1821.")]
    body = letter.blocks[2].inlines
    brothers = next(i for i in body if i.kind == "person")  # rs type="persons": a list of keys
    assert (brothers.text, brothers.children[0].kind, brothers.children[0].text) == (
        "a000103", "person", "a000104")
    assert next(i for i in body if i.kind == "work").text == "a020001"  # workName


def test_keys_that_are_names_with_spaces():
    letter, diags, _ = read("name-keys.xml")
    assert diags == []
    assert [(c.name, c.ref) for c in letter.senders] == [("Anna Meyer", "meyer-zum-hirschen-anna")]
    assert [(c.name, c.ref, c.register) for c in letter.recipients] == [
        ("Jakob Frei", "frei-jakob", "persons"), ("Lesegesellschaft", None, "organisations")]
    assert (letter.date.text, letter.date.when) == ("9. Juli 1851", "1851-07-09")
    assert texts(letter) == [
        ("dateline", "Zürich 9 Juli"), ("heading", "Lieber Freund!"),
        (None, "Grüsse von Papa und von A.; die Brüder sind fort."),
        ("closing", "Herzlich grüsst"), ("signature", "Anna")]
    refs = [i.text for i in letter.blocks[2].inlines if i.kind == "person"]
    assert refs == ["meyer-zum-hirschen-hans", "a", "p001"]  # one key each; ids with digits: a list


CUSTOM_DATE = b'<date when-custom="1799-02-03" datingMethod="#julian">3 February 1799 (Old Style)</date>'


@pytest.mark.parametrize("date, when, not_before, not_after", [
    (CUSTOM_DATE, "1799-02-03", None, None),  # a Julian date in @when-custom
    (b'<date from-custom="1799-02-03" to-custom="1799-02-05" calendar="gregorian"/>', None,
     "1799-02-03", "1799-02-05"),
    (b'<date when-custom="1213-08-16" datingMethod="#hijri">16 Shaban 1213</date>', None, None, None),
    (b'<date when="1799-00-00">1799</date>', "1799", None, None),  # 00: month and day not known
    (b'<date when="1799-02-00">February 1799</date>', "1799-02", None, None),
    (b'<date when="17990203">3 February 1799</date>', "1799-02-03", None, None),  # basic form
    (b'<date when="1799-2-3">3 February 1799</date>', "1799-02-03", None, None),
    (b'<date when="1799-02-03T10:30:00">3 February 1799, morning</date>', "1799-02-03", None, None),
    (b'<date when="1799-02-03+01:00">3 February 1799</date>', "1799-02-03", None, None),
    (b'<date notBefore-iso="1799-02" notAfter-iso="1799-03">early 1799</date>', None, "1799-02", "1799-03"),
])
def test_date_notations(date, when, not_before, not_after):
    data = (HERE / "custom-date.xml").read_bytes()
    letter, diags, _ = read_tei_letter(data.replace(CUSTOM_DATE, date), "custom-date.xml")
    assert diags == []
    assert (letter.date.when, letter.date.not_before, letter.date.not_after) == (when, not_before, not_after)
    assert [c.name for c in letter.senders] == ["Ivan Petrov"]
    assert texts(letter) == [(None, "The ice holds; the ships wait in the river.")]


def test_a_date_with_no_year_is_read_as_text():
    data = (HERE / "custom-date.xml").read_bytes().replace(
        CUSTOM_DATE, b'<date when="--02-03">3 February</date>')
    letter, diags, _ = read_tei_letter(data, "custom-date.xml")
    assert [d.code for d in diags] == ["tei-date"]
    assert (letter.date.text, letter.date.when) == ("3 February", None)


def test_action_subtypes_and_a_redirected_letter():
    letter, diags, _ = read("subtypes.xml")
    assert diags == []
    assert [(c.name, c.ref) for c in letter.senders] == [("Ruth Mills", "mills")]
    assert [(c.name, c.role) for c in letter.recipients] == [
        ("Harbour Office, Dover", "forwarded"), ("Tom Shaw", "to"), ("Edith Lane", "cc")]
    assert (letter.date.text, letter.date.when) == ("14 March 1911", "1911-03-14")
    assert (letter.place.name, letter.place_received.name) == ("Dover", "Calais")
    assert texts(letter) == [(None, "Dear Tom, the crossing is booked for Thursday.")]


def test_correspondents_described_in_particdesc():
    letter, diags, _ = read("particdesc.xml")
    assert diags == []
    assert [(c.name, c.ref) for c in letter.senders] == [("Margaret of Arden", "ma")]
    assert [(c.name, c.ref) for c in letter.recipients] == [("Thomas Wale", "tw")]
    assert (letter.date.when, letter.place.name, letter.place.ref) == ("1530-04-29", "Arden", "ard")
    assert letter.place_received.name == "yrk"  # a pointer at nothing the letter describes
    assert [(e.register, e.ref, e.name) for e in letter.register_entries] == [
        ("persons", "ma", "Margaret of Arden"), ("persons", "tw", "Thomas Wale"),
        ("places", "ard", "Arden")]
    assert letter.register_entries[0].ids == {"viaf": "1234567"}
    assert texts(letter) == [
        ("address", "To our trusty Thomas Wale, our secretary"),
        ("salutation", "Trusty and well beloved, we greet you well."),
        (None, "We will that you come to us at Arden before the feast, and bring the accounts with you."),
        ("dateline", "Given at Arden, the 29th day of April."), ("signature", "Margaret")]


def test_html_entities_a_file_does_not_declare():
    letter, diags, _ = read("html-entities.xml")
    assert [(d.code, d.level, d.line) for d in diags] == [("tei-entity", "warning", 14)]
    assert (letter.date.text, letter.date.when) == ("1.\u00a0Juni 1902", "1902-06-01")
    assert [c.name for c in letter.senders] == ["Lotte Roth"]
    assert [c.name for c in letter.recipients] == ["Paul Berg"]
    assert texts(letter) == [(None, "Lieber Paul, das Buch – endlich! – ist da & gefällt mir.")]


def test_no_correspdesc_the_author_sent_it():
    letter, diags, _ = read("author-only.xml")
    assert [(d.code, d.level) for d in diags] == [("tei-no-correspdesc", "warning")]
    assert [(c.name, c.ref) for c in letter.senders] == [("Adler, Wilhelm", "gnd-1234567x")]
    assert letter.recipients == ()
    assert (letter.date.text, letter.date.when) == ("2. November 1799", "1799-11-02")
    assert texts(letter) == [
        ("dateline", "Berlin, den 2. November 1799."), ("salutation", "Lieber Freund,"),
        (None, "Ihre Predigten habe ich gelesen, und sie haben mich gerührt."),
        ("signature", "W. Adler")]


@pytest.mark.parametrize("name, line, code", [
    ("not-well-formed.xml", 5, "tei-xml"), ("not-tei.xml", 1, "tei-not-tei"),
    ("register-as-letter.xml", 2, "tei-not-letter"), ("corpus.xml", 2, "tei-not-letter")])
def test_files_that_are_not_one_letter(name, line, code):
    letter, diags, unhandled = read(name)
    assert letter is None and not unhandled
    [diag] = diags
    assert (diag.line, diag.level, diag.code) == (line, "error", code)
    assert str(diag).startswith(f"tei-conventions/{name}:{line}: error: ")
    assert "\n" not in str(diag)


def test_warnings_point_at_the_line():
    data = (HERE / "undated.xml").read_bytes().replace(
        b"<p>Komme morgen.</p>",
        b'<p>Komme<note corresp="#nowhere">x</note> <date when="1901-13-45">morgen</date>.</p>')
    data = data.replace(b'<correspAction type="sent"><persName>Unbekannt</persName>',
                        b'<correspAction type="sent"><persName>Unbekannt</persName><date when="19xx"/>')
    letter, diags, _ = read_tei_letter(data, "u.xml")
    assert letter is not None and letter.date.when is None
    assert [(d.code, d.line) for d in diags] == [("tei-date", 11), ("tei-note-anchor", 16)]


def test_a_register_file():
    places, diags = read_tei_register(b"""<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body>
      <listPlace>
        <place xml:id="wien"><placeName>Wien</placeName><placeName type="alt">Vienna</placeName>
          <location><geo>48.2082 16.3738</geo></location>
          <idno type="geonames">https://www.geonames.org/2761369/</idno>
          <place xml:id="wien-1"><placeName>Innere Stadt</placeName></place>
        </place>
        <place n="wien"><placeName>Wien again</placeName></place>
        <place><placeName>No id</placeName></place>
        <place xml:id="x"><placeName>Bad geo</placeName><location><geo>north</geo></location></place>
      </listPlace>
      <listOrg><org xml:id="burg"><orgName>Burgtheater</orgName><desc>Theatre</desc>
        <note type="apis_dates"><date when-iso="1741-03-14">1741</date></note></org></listOrg>
      <listBibl><bibl xml:id="w1"><title type="main">Reigen</title><author>Schnitzler, Arthur</author></bibl></listBibl>
    </body></text></TEI>""", "places.xml")
    by_ref = {(p.register, p.ref): p for p in places}
    wien = by_ref[("places", "wien")]
    assert (wien.name, wien.variants, wien.coordinates, wien.ids) == (
        "Wien", ("Vienna",), (48.2082, 16.3738), {"geonames": "2761369"})
    assert by_ref[("places", "wien-1")].name == "Innere Stadt"
    assert (by_ref[("organisations", "burg")].description, by_ref[("organisations", "burg")].dates) == (
        "Theatre", "1741")
    work = by_ref[("works", "w1")]
    assert (work.name, work.description, work.kind) == ("Reigen", "Schnitzler, Arthur", "work")
    assert sorted(d.code for d in diags) == ["tei-geo", "tei-register-duplicate", "tei-register-id"]


@pytest.mark.parametrize("text, expected", [
    ("48.2 16.37", (48.2, 16.37)), ("48,208333 16,373056", (48.208333, 16.373056)),
    ("48.2,16.37", (48.2, 16.37)), ("-33.9, 18.4", (-33.9, 18.4)), ("north", None), ("91 0", None)])
def test_geo(text, expected):
    assert parse_geo(text) == (pytest.approx(expected) if expected else None)


@pytest.mark.parametrize("token, key", [
    ("#pmb123", "pmb123"), ("listperson.xml#P_12", "p-12"), ("pmb:123", "pmb-123"),
    ("https://d-nb.info/gnd/118609807/", "gnd-118609807"), ("http://viaf.org/viaf/24602065", "viaf-24602065"),
    ("https://www.wikidata.org/wiki/Q42", "wikidata-q42"), ("https://example.org/persons/Müller", "muller"),
    ("Goethe_JW", "goethe-jw")])
def test_ref_keys(token, key):
    assert ref_key(token) == key


def test_persons_from_the_letters_markup():
    letters = [read_tei_letter(p.read_bytes(), p.name)[0]
               for p in sorted((SAMPLE / "data" / "editions").glob("*.xml"))]
    # as an edition whose letters carry no listPerson would have them
    bare = [replace(x, register_entries=()) for x in letters]
    persons = {p.ref: p for p in persons_from_letters(bare)}
    schnitzler = persons["pmb2121"]
    assert (schnitzler.name, schnitzler.sort_name) == ("Arthur Schnitzler", "Schnitzler, Arthur")
    assert "Schnitzler" in schnitzler.variants
    assert all(p.register == "persons" and p.name for p in persons.values())
    # with the persons the letters' own backs describe: their names and life dates
    rich = {p.ref: p for p in persons_from_letters(letters)}
    assert rich.keys() == persons.keys()
    assert rich["pmb2121"].dates == "15. 5. 1862 – 21. 10. 1931"
    assert rich["pmb10863"].name == "Richard Beer-Hofmann"


def test_implied_mentions_are_no_spelling():
    letter, _, _ = read_tei_letter(b"""<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><profileDesc>
      <correspDesc><correspAction type="sent"><persName ref="#a">Mann, Thomas</persName></correspAction>
      </correspDesc></profileDesc></teiHeader><text><body><p><rs type="person" ref="#a">Thomas</rs> and
      <rs type="person" ref="#a" subtype="implied">he</rs> and <rs type="person" ref="#a #b">the two</rs>.</p>
      </body></text></TEI>""", "x.xml")
    persons = {p.ref: p for p in persons_from_letters([letter])}
    assert (persons["a"].name, persons["a"].sort_name, persons["a"].variants) == (
        "Thomas Mann", "Mann, Thomas", ("Thomas",))
    assert persons["b"].name == "b" and persons["b"].variants == ()


def test_merge_entries_keeps_the_first_source():
    index, _ = read_tei_register((SAMPLE / "data" / "indices" / "listplace.xml").read_bytes(), "p.xml")
    back, _ = read_tei_register((SAMPLE / "data" / "editions" / "L00045.xml").read_bytes(), "L.xml")
    merged = merge_entries(index, back)
    assert len(merged) == len({(e.register, e.ref) for e in [*index, *back]})
    assert next(e for e in merged if e.ref == "pmb50") is next(e for e in index if e.ref == "pmb50")


# -- bad input never raises

LETTER = (SAMPLE / "data" / "editions" / "L00045.xml").read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(LETTER) - 1), st.integers(0, 400), st.binary(max_size=40))
def test_a_damaged_letter_never_raises(start, length, junk):
    data = LETTER[:start] + junk + LETTER[start + length:]
    letter, diags, _ = read_tei_letter(data, "L.xml")
    assert letter is not None or diags
    assert all("\n" not in str(d) for d in diags)
    read_tei_register(data, "L.xml")


TAGS = ["p", "hi", "note", "anchor", "choice", "sic", "corr", "lb", "pb", "rs", "closer",
        "signed", "postscript", "div", "seg", "table", "row", "cell", "list", "item", "quote",
        "lg", "l", "ref", "c", "space", "gap", "salute", "opener", "unknown", "listPerson"]
ATTRS = ['', ' xml:id="a1"', ' corresp="#a1"', ' target="#a1"', ' ref="#p1 #p2"', ' type="person"',
         ' rend="x"', ' facs="#a1"', ' n="7"']


@st.composite
def trees(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 4 else 0))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["text ", " ", "word", "&amp;", "\n  "])))
        else:
            tag = draw(st.sampled_from(TAGS))
            parts.append(f"<{tag}{draw(st.sampled_from(ATTRS))}>{draw(trees(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(trees())
def test_any_nesting_of_known_elements_reads(body):
    data = ('<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/><text><body>'
            f"{body}</body></text></TEI>").encode()
    letter, diags, _ = read_tei_letter(data, "t.xml")
    if letter is None:  # the same xml:id twice (not well-formed for lxml), or a register
        assert [d.code for d in diags] in (["tei-xml"], ["tei-not-letter"])
        return
    marks = [i.n for b in letter.blocks for i in _walk(b.inlines) if i.kind == "anchor"]
    marks += [i.n for n in letter.notes for i in _walk(n.inlines) if i.kind == "anchor"]
    assert sorted(marks) == [n.n for n in letter.notes]  # every note marked once


def _walk(inlines):
    for i in inlines:
        yield i
        yield from _walk(i.children)


def test_persons_a_persons_index_lacks_are_taken_from_the_letters_with_a_warning(tmp_path,
                                                                                   monkeypatch):
    """A TEI edition as it stands: a correspondent the index has no entry for is no error that
    stops the build; the person's page knows how the letters spell the name."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outcome, site = built(tmp_path, ["typed-names.xml", "key-n-letter.xml"], ["key-n-persons.xml"])
    found = [(d.level, d.code, d.message) for d in outcome.diagnostics if d.level != "note"]
    assert [(level, code) for level, code, _ in found] == [("warning", "entry-unknown")]
    assert "2 persons named in the letters but not in this index" in found[0][2]
    assert "(ada, babbage)" in found[0][2]
    assert outcome.entries["persons"] == 4  # (Goethe and Schiller from the index)
    assert 'href="../../persons/ada/">Ada Lovelace</a>' in page_of(site, "typed-names")
    person = (site / "persons" / "babbage" / "index.html").read_text(encoding="utf-8")
    assert "Charles Babbage" in person


def test_a_tei_letter_answering_a_letter_outside_the_edition_is_built(tmp_path, monkeypatch):
    """correspContext may point at a letter of another edition: a warning, not an error."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outcome, site = built(tmp_path, ["context-refs.xml", "context-web.xml"], [])
    found = [(d.level, d.code) for d in outcome.diagnostics if d.level != "note"]
    assert ("warning", "reply-unknown") in found
    assert not [d for d in outcome.diagnostics if d.level == "error"]
    # the source's context on the page: the edition's own letters linked there, whatever form
    # the pointer takes; a web address linked to; anything else named only
    assert '<li>Next letter: <a href="../../letters/l4/">Brief 4</a></li>' in page_of(site, "l3")
    assert "<li>Previous letter in this correspondence: Brief 1</li>" in page_of(site, "l3")
    web = page_of(site, "l4")
    assert ('<li>Previous letter in this correspondence: <a href="../../letters/l3/">Brief 3</a>'
            '</li>') in web
    assert ('<li>Belongs to correspondence: <a href="https://other.example/corr/7">A – B</a>'
            '</li>') in web
    assert "<li>Next letter: Brief 5</li>" in web and "javascript:" not in web
