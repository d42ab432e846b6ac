"""Authority IDs: each scheme's pattern, URIs both ways, and the check over a register."""

from __future__ import annotations

from pathlib import Path

import pytest

from epistola import authority
from epistola.authority import INFO, SCHEMES, check_ids, identify, is_valid, links, uri
from epistola.model import Person
from epistola.records import parse_register

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = ROOT / "editions"

GOOD = {
    "wikidata": ["Q855", "Q1", "Q64", "Q123456789"],
    "gnd": ["118642499", "118640445", "2004272-3", "4074987-0", "101234567X", "7512345-1",
            "12345-X", "300000001"],
    "viaf": ["101787139", "12", "123456789", "1234567890123456789012"],
    "geonames": ["2950159", "1", "524901", "9999999999"],
    "pmb": ["2121", "1"],
}
BAD = {
    "wikidata": ["855", "Q0", "Q01", "q855", "Q85 5", "P31", "L1", ""],
    "gnd": ["x12", "118642498", "11864249X", "2004272", "2004272-", "0004272-3", "GND118642499",
            "https://d-nb.info/gnd/118642499", "1186424999999", "1012345670", ""],
    "viaf": ["0123", "1", "1234567890", "12a", "viaf/101787139", ""],
    "geonames": ["0", "02950159", "12345678901", "29501-59", ""],
    "pmb": ["0", "p2121", ""],
}


@pytest.mark.parametrize("scheme,value", [(s, v) for s, vs in GOOD.items() for v in vs])
def test_well_formed_ids_pass(scheme, value):
    assert is_valid(scheme, value)


@pytest.mark.parametrize("scheme,value", [(s, v) for s, vs in BAD.items() for v in vs])
def test_malformed_ids_fail(scheme, value):
    assert not is_valid(scheme, value)


def test_every_scheme_is_tested():
    assert set(GOOD) == set(BAD) == set(SCHEMES)


def test_gnd_check_digit_follows_the_dnb_rule():
    # Stalin and Lenin: the DNB's person numbers, check digit last
    assert authority.gnd_check_digit("11864249") == "9"
    assert authority.gnd_check_digit("11864044") == "5"
    # a sum that leaves 10 is written X
    assert authority.gnd_check_digit("95980479") == "X"  # the DNB's own example


def test_unknown_scheme_is_not_valid():
    assert not is_valid("isni", "0000000121457825")


@pytest.mark.parametrize("scheme,value,expected", [
    ("wikidata", "Q855", "http://www.wikidata.org/entity/Q855"),
    ("gnd", "118642499", "https://d-nb.info/gnd/118642499"),
    ("viaf", "101787139", "http://viaf.org/viaf/101787139"),
    ("geonames", "2950159", "https://sws.geonames.org/2950159/"),
    ("pmb", "2121", "https://pmb.acdh.oeaw.ac.at/entity/2121/"),
])
def test_uri_of_an_id_and_back(scheme, value, expected):
    assert uri(scheme, value) == expected
    assert identify(expected) == (scheme, value)


def test_uri_of_a_malformed_id_raises():
    with pytest.raises(ValueError, match="GND ID|gnd ID"):
        uri("gnd", "x12")


@pytest.mark.parametrize("text,expected", [
    ("https://d-nb.info/gnd/118642499", ("gnd", "118642499")),
    ("http://d-nb.info/gnd/2004272-3/", ("gnd", "2004272-3")),
    ("https://d-nb.info/gnd/118642499/about/html", ("gnd", "118642499")),
    ("https://www.wikidata.org/wiki/Q855", ("wikidata", "Q855")),
    ("http://www.wikidata.org/entity/Q64", ("wikidata", "Q64")),
    ("https://viaf.org/viaf/101787139/", ("viaf", "101787139")),
    ("http://www.geonames.org/2950159", ("geonames", "2950159")),
    ("https://www.geonames.org/696643/poltava.html", ("geonames", "696643")),
    ("http://sws.geonames.org/2950159/", ("geonames", "2950159")),
    ("https://pmb.acdh.oeaw.ac.at/apis/entity/2121/", ("pmb", "2121")),
    ("  https://d-nb.info/gnd/118642499  ", ("gnd", "118642499")),
])
def test_identify_reads_tei_idno_uris(text, expected):
    assert identify(text) == expected


def test_identify_needs_the_idno_type_for_a_bare_id():
    assert identify("118642499") is None
    assert identify("118642499", tei_type="GND") == ("gnd", "118642499")
    assert identify("2121", tei_type="pmb") == ("pmb", "2121")
    assert identify("x12", tei_type="GND") is None


@pytest.mark.parametrize("text", [
    "https://example.org/gnd/118642499", "https://d-nb.info/gnd/118642498",
    "https://www.wikidata.org/wiki/Property:P227", "not a uri", ""])
def test_identify_refuses_what_names_no_known_id(text):
    assert identify(text) is None


def test_links_for_a_register_page_in_scheme_order():
    shown = links({"viaf": "101787139", "wikidata": "Q855", "gnd": "x12"})
    assert [(l.scheme, l.text, l.url) for l in shown] == [
        ("wikidata", "Wikidata Q855", "https://www.wikidata.org/wiki/Q855"),
        ("viaf", "VIAF 101787139", "https://viaf.org/viaf/101787139/"),
    ]


def test_preferred_uri_for_cmif():
    assert authority.preferred_uri({"wikidata": "Q855", "gnd": "118642499"}) == \
        "https://d-nb.info/gnd/118642499"
    assert authority.preferred_uri({"wikidata": "Q855"}) == "http://www.wikidata.org/entity/Q855"
    assert authority.preferred_uri({"gnd": "bad"}) is None


def _entry(ref: str, line: int, **ids: str) -> Person:
    return Person(ref=ref, name=ref.title(), line=line, register="places", kind="place", ids=ids)


def test_check_names_the_entry_of_a_malformed_id():
    diags = check_ids([_entry("berlin", 12, gnd="x12"), _entry("moscow", 20, geonames="524901")],
                      "places.yaml")
    errors = [str(d) for d in diags if d.level == "error"]
    assert errors == ["places.yaml:12: error: GND ID 'x12' of 'berlin' is malformed (expected "
                      f"{SCHEMES['gnd'].expected}) [authority-id]"]


def test_check_says_how_to_fix_a_uri_given_as_id():
    [d] = [d for d in check_ids([_entry("berlin", 3, gnd="https://d-nb.info/gnd/2004272-3")],
                                "places.yaml") if d.level == "error"]
    assert "write the ID alone: 2004272-3" in d.message


def test_check_reports_a_wrong_check_digit_and_an_unknown_scheme():
    diags = check_ids([_entry("stalin", 5, gnd="118642498", isni="0000000121457825")],
                      "persons.yaml")
    messages = [d.message for d in diags if d.level == "error"]
    assert any("check digit should be 9" in m for m in messages)
    assert any("unknown authority scheme 'isni'" in m for m in messages)
    assert {d.code for d in diags if d.level == "error"} == {"authority-id", "authority-scheme"}


def test_check_warns_of_an_id_two_entries_share():
    diags = check_ids([_entry("berlin", 2, geonames="2950159"),
                       _entry("berlin-city", 9, geonames="2950159")], "places.yaml")
    [d] = [d for d in diags if d.level == "warning"]
    assert d.line == 9 and "'berlin' (line 2)" in d.message and d.code == "authority-id-shared"


def test_check_sums_up_entries_without_id_once():
    entries = [_entry("a", 1), _entry("b", 2, wikidata="Q64"), _entry("c", 3)]
    diags = check_ids(entries, "places.yaml")
    assert [str(d) for d in diags] == [
        "places.yaml:1: note: 2 of 3 places have no authority ID (a, c) [authority-missing]"]
    assert check_ids([_entry("b", 2, wikidata="Q64")], "places.yaml") == []


@pytest.mark.parametrize("register", ["persons", "places", "organisations"])
def test_bundled_registers_parse_and_their_ids_are_valid(register):
    path = EDITIONS / f"{register}.yaml"
    entries, diags = parse_register(path.read_text(encoding="utf-8"), path.name, register)
    assert diags == []
    assert entries
    problems = [d for d in check_ids(entries, path.name) if d.level != INFO]
    assert problems == [], "\n".join(map(str, problems))
    for entry in entries:
        if entry.ids:
            # every ID says where the editors confirmed it, and when
            assert entry.ids_source and "looked up 2026-12-07" in entry.ids_source, entry.ref
            for scheme in entry.ids:
                assert scheme in entry.ids_source, (entry.ref, scheme)


def _letters_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8")
                     for p in sorted((EDITIONS / "letters").glob("*.md")))


@pytest.mark.parametrize("register", ["places", "organisations"])
def test_bundled_variants_are_forms_printed_in_the_letters(register):
    path = EDITIONS / f"{register}.yaml"
    entries, _ = parse_register(path.read_text(encoding="utf-8"), path.name, register)
    text = _letters_text()
    missing = [(e.ref, v) for e in entries for v in e.variants if v not in text]
    assert missing == []


def test_ambiguous_central_committee_is_no_variant():
    path = EDITIONS / "organisations.yaml"
    entries, _ = parse_register(path.read_text(encoding="utf-8"), path.name, "organisations")
    forms = {v for e in entries for v in e.variants}
    assert "Central Committee" not in forms and "Party" not in forms
    # and no form belongs to two bodies
    seen: dict[str, str] = {}
    for e in entries:
        for v in e.variants:
            assert seen.setdefault(v, e.ref) == e.ref, (v, seen[v], e.ref)


def test_bundled_places_of_writing_have_coordinates():
    path = EDITIONS / "places.yaml"
    entries, _ = parse_register(path.read_text(encoding="utf-8"), path.name, "places")
    by_ref = {e.ref: e for e in entries}
    for ref in ("berlin", "poltava", "moscow", "hamburg", "dresden", "leipzig"):
        lat, lon = by_ref[ref].coordinates
        assert 45 < lat < 60 and 5 < lon < 40, ref
