"""The TEI and CMIF exports against the official schemas, vendored in tests/schemas/.

tei_all.rng takes several seconds to compile, so it is compiled once per test session. The CMIF
Schematron (cmif.sch) uses the XSLT 2 query binding, which lxml cannot run; its rules are plain
XPath, so `schematron_findings` reads them from the vendored file and evaluates them with lxml.
Each checker is shown to be real: the invalid examples in tests/schemas/examples fail it.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from epistola.engine.recipe import load, make_all
from epistola.model import LetterDate, Note, Place
from epistola.records import dump_letter, parse_letter

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "tests" / "schemas"
EXAMPLES = SCHEMAS / "examples"
MINI = ROOT / "tests" / "fixtures" / "mini-edition"
EDITIONS = ROOT / "editions"
SCH_NS = {"sch": "http://purl.oclc.org/dsdl/schematron"}
BUILD_DATE = "2026-11-27"

#: The vendored schemas are the official files, unchanged (see tests/schemas/SOURCES.md).
SCHEMA_SHA256 = {
    "tei_all.rng": "facc222ce0c2d3647f772bc9e8b584722bf2d71e65a4f73b26d41a7ed869d4a1",
    "cmi-customization.rng": "f2847266dcad9884c80b9f52fb430033566ea7306a0a453c246d6932094abf5f",
    "cmif.sch": "7c6eb9674e77564b7a02e0a2788c608d22b83c283ec6ed02fba6fd2b54854b29",
}


# --- checkers --------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def tei_all() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "tei_all.rng")))


@pytest.fixture(scope="session")
def cmif_rng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "cmi-customization.rng")))


def rng_errors(schema: etree.RelaxNG, data: bytes) -> list[str]:
    ok = schema.validate(etree.fromstring(data))
    return [] if ok else [f"line {e.line}: {e.message}" for e in schema.error_log]


def _xpath_matches(_context, value, pattern) -> bool:
    """XPath 2 fn:matches, the one XPath 2 function cmif.sch uses."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return re.search(pattern, str(value)) is not None


_FUNCTIONS = etree.FunctionNamespace(None)
_FUNCTIONS["matches"] = _xpath_matches


def schematron_rules(path: Path = SCHEMAS / "cmif.sch") -> list[tuple[str, str, str, str]]:
    """(context, test, role, message) of every assert in a Schematron file."""
    sch = etree.parse(str(path))
    rules = []
    for rule in sch.iterfind(".//sch:rule", SCH_NS):
        for check in rule.iterfind("sch:assert", SCH_NS):
            message = " ".join("".join(check.itertext()).split())
            rules.append((rule.get("context"), check.get("test"), check.get("role") or "error",
                          message))
    return rules


def schematron_findings(doc: etree._Element, roles: tuple[str, ...] = ("error",)) -> list[str]:
    """The messages of every failed assert of cmif.sch, evaluated with XPath 1 (plus matches()).

    A rule on an attribute (`tei:correspDesc/@source`) is evaluated on the element that carries
    the attribute, with the context item `.` standing for the attribute."""
    ns = {prefix.get("prefix"): prefix.get("uri")
          for prefix in etree.parse(str(SCHEMAS / "cmif.sch")).iterfind(".//sch:ns", SCH_NS)}
    found = []
    for context, test, role, message in schematron_rules():
        if role not in roles:
            continue
        path, _, attribute = context.partition("/@")
        if attribute:
            test = re.sub(r"(?<![\w.@/])\.(?![\w./])", f"@{attribute}", test)
            nodes = doc.xpath(f"//{path}[@{attribute}]", namespaces=ns)
        else:
            nodes = doc.xpath(f"//{context}", namespaces=ns)
        for node in nodes:
            if not node.xpath(f"boolean({test})", namespaces=ns):
                line = getattr(node, "sourceline", None)
                found.append(f"line {line}: {message}")
    return found


def codes(findings: list[str]) -> set[str]:
    return {m.group(1) for f in findings for m in [re.search(r"\[([EW]\d{4})\]", f)] if m}


# --- the corpora -----------------------------------------------------------------------------

def load_site(root: Path):
    """The facts of an editions folder (site.Site; its corpus is the inventory)."""
    site, diags = load(root)
    assert site is not None, diags
    return site


def records(site) -> list:
    """The letters' records (model.Letter), in the edition's order."""
    return [site.read("reading", letter.id).letter for letter in site.corpus.letters]


def epoch(day: str) -> str:
    """SOURCE_DATE_EPOCH for a day."""
    when = datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.timezone.utc)
    return str(int(when.timestamp()))


def export(root: Path, build_date: str | None = None) -> tuple[dict[str, bytes], list]:
    """The open-data files a clean build of an editions folder writes (every file but the pages
    and the assets), and its errors and warnings (its notes left out: the registers' entries
    without an authority ID); `build_date` as SOURCE_DATE_EPOCH would give it."""
    with pytest.MonkeyPatch.context() as patched:
        if build_date is None:
            patched.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            patched.setenv("SOURCE_DATE_EPOCH", epoch(build_date))
        files, diags = make_all(root)
    return {path: data for path, data in files.items()
            if not path.endswith(".html") and not path.startswith("assets/")}, \
        [d for d in diags if d.level != "note"]


EDGE_EDITION = """\
title: Edge cases
editors: [Test Editor]
base_url: https://example.org/edge
published: '2026-11-26'
"""
EDGE_PERSONS = """\
stalin: {name: I. V. Stalin, variants: ['St[alin]']}
committee: {name: The Committee, kind: organisation}
"""
EDGE_LETTERS = {
    "x-1": """\
---
id: x-1
number: null
title: The Committee to an unknown correspondent and I. V. Stalin
senders: [{name: The Committee, ref: committee}]
recipients: [{name: N. N.}, {name: I. V. Stalin, ref: stalin}]
date: {text: '[late 1923]', not_before: '1923-10', not_after: '1923-12', supplied: true}
place: {name: Moscow, supplied: true}
unnumbered_notes: [3]
---

{.heading}
Secret

{.dateline}
[Moscow, late 1923]

Text with *emphasis <b>&amp;</b>* and **strong**, a gap [...] and St[alin][^1],
again[^1], a mark with no note[^9].

{.heading}
1. Second section

{.salutation}
In the middle, a salutation.

Closing text.

{.signature}
The Committee

{.postscript}
P.S. A postscript[^2].

More postscript.

{.signature}
C.

{.postscript}
P.P.S. Second.

[^1]: First note, marked twice.

[^2]: Second note with *emphasis* and [...].

[^3]: Third note, unanchored, its number supplied.
""",
    "x-2": """\
---
id: x-2
title: An undated letter with nothing but a signature
senders: [{name: Nobody}]
recipients: [{name: Somebody}]
date: {text: undated}
---

{.signature}
X.
""",
    "x-3": """\
---
id: x-3
title: A letter with no body at all
senders: [{name: Nobody}]
recipients: [{name: Somebody}]
date: {text: '1924', when: '1924'}
archive: {repository: Archive, text: 'Archive, no file given.', folios: 'fols. 3, 5'}
---
""",
}


def write_edge(folder: Path) -> Path:
    """The edge-case edition as an editions folder."""
    (folder / "letters").mkdir(parents=True)
    (folder / "edition.yaml").write_text(EDGE_EDITION, encoding="utf-8")
    (folder / "persons.yaml").write_text(EDGE_PERSONS, encoding="utf-8")
    for letter_id, text in EDGE_LETTERS.items():
        (folder / "letters" / f"{letter_id}.md").write_text(text, encoding="utf-8")
    return folder


def _has_letters(root: Path) -> bool:
    return any((root / "letters").glob("*.md"))


@pytest.fixture(scope="module", params=["edge", "editions", "mini"])
def exported(request, tmp_path_factory) -> tuple[str, dict[str, bytes]]:
    if request.param == "editions" and not _has_letters(EDITIONS):
        pytest.skip("editions/letters is empty: run 'python build.py ingest' first")
    root = {"mini": MINI, "editions": EDITIONS}.get(request.param) \
        or write_edge(tmp_path_factory.mktemp("edge") / "editions")
    # the build takes the date from SOURCE_DATE_EPOCH; an edition's own 'published' wins
    files, _ = export(root, build_date=BUILD_DATE)
    return request.param, files


# --- the schemas themselves ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SCHEMA_SHA256))
def test_vendored_schema_is_the_official_file(name):
    digest = hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest()
    assert digest == SCHEMA_SHA256[name], f"tests/schemas/{name} is not the file SOURCES.md names"


def test_schematron_reader_finds_the_four_error_rules():
    errors = [message for _, _, role, message in schematron_rules() if role == "error"]
    assert sorted(codes(errors)) == ["E0001", "E0002", "E0003", "E0004"]


def test_tei_all_accepts_the_valid_example(tei_all):
    assert rng_errors(tei_all, (EXAMPLES / "tei-letter-correspdesc.xml").read_bytes()) == []


def test_tei_all_rejects_the_invalid_example(tei_all):
    errors = rng_errors(tei_all, (EXAMPLES / "tei-letter-invalid.xml").read_bytes())
    assert any("tittle" in e for e in errors), errors
    assert any("foo" in e for e in errors), errors


def test_cmif_schema_accepts_the_sample(cmif_rng, tei_all):
    data = (EXAMPLES / "cmif-sample.xml").read_bytes()
    assert rng_errors(cmif_rng, data) == []
    assert rng_errors(tei_all, data) == []
    assert schematron_findings(etree.fromstring(data)) == []


def test_cmif_schema_rejects_the_invalid_example(cmif_rng, tei_all):
    data = (EXAMPLES / "cmif-invalid.xml").read_bytes()
    errors = rng_errors(cmif_rng, data)
    assert any("when" in e for e in errors) and any("type" in e for e in errors), errors
    assert rng_errors(tei_all, data)


def test_schematron_rejects_what_the_schema_lets_through(cmif_rng):
    """Each of E0001-E0004 fails once in this example, which cmi-customization.rng accepts."""
    data = (EXAMPLES / "cmif-invalid-schematron.xml").read_bytes()
    assert rng_errors(cmif_rng, data) == []
    findings = schematron_findings(etree.fromstring(data))
    assert codes(findings) == {"E0001", "E0002", "E0003", "E0004"}, findings
    assert len(findings) == 4, findings


def test_schematron_warning_rule_runs():
    """W0001 (a UUID in bibl/@xml:id) needs XPath 2 matches(): it runs and passes on the sample
    and fails on a bibl without a UUID."""
    sample = etree.fromstring((EXAMPLES / "cmif-sample.xml").read_bytes())
    assert schematron_findings(sample, roles=("warning",)) == []
    bibl = sample.find(".//{http://www.tei-c.org/ns/1.0}bibl")
    bibl.set("{http://www.w3.org/XML/1998/namespace}id", "edition")
    assert codes(schematron_findings(sample, roles=("warning",))) == {"W0001"}


# --- the exports -----------------------------------------------------------------------------

def test_every_letter_tei_is_valid_tei_all(exported, tei_all):
    name, files = exported
    teis = {path: data for path, data in files.items() if path.endswith("/tei.xml")}
    letters = {path for path in files if path.endswith("/letter.json")}
    assert teis and len(teis) == len(letters)
    problems = {path: rng_errors(tei_all, data) for path, data in sorted(teis.items())}
    assert {p: e for p, e in problems.items() if e} == {}


def test_cmif_is_valid(exported, cmif_rng, tei_all):
    name, files = exported
    data = files["data/cmif.xml"]
    assert rng_errors(cmif_rng, data) == []
    assert rng_errors(tei_all, data) == []
    doc = etree.fromstring(data)
    assert schematron_findings(doc, roles=("error", "warning")) == []
    letters = [path for path in files if path.endswith("/tei.xml")]
    assert len(doc.findall(".//{http://www.tei-c.org/ns/1.0}correspDesc")) == len(letters)


def test_breaking_the_export_is_caught(exported, cmif_rng):
    """Take a correspAction and a dating attribute out of the exported CMIF: the checks fail."""
    _, files = exported
    doc = etree.fromstring(files["data/cmif.xml"])
    tei = "{http://www.tei-c.org/ns/1.0}"
    received = doc.find(f".//{tei}correspAction[@type='received']")
    received.getparent().remove(received)
    date = doc.find(f".//{tei}correspDesc//{tei}date")
    if date is not None:
        for attribute in ("when", "notBefore", "notAfter"):
            date.attrib.pop(attribute, None)
    found = codes(schematron_findings(doc))
    assert "E0002" in found
    assert date is None or "E0004" in found


# --- any record ------------------------------------------------------------------------------

_PARTS = ("", "", "", "address", "salutation", "heading", "dateline", "closing", "signature",
          "postscript")
_PIECES = [*"abc XYZ.,![]^*_\\<>&'\"\n\t{}\x0b\u2013é",
           "[...]", "[^1]", "[^2]", "[^7]", "St[alin]", "Stalin", "\n\n", "*x*"]
_WORDS = st.lists(st.sampled_from(_PIECES), max_size=25).map("".join)


@st.composite
def _letters(draw):
    paragraphs = []
    for _ in range(draw(st.integers(0, 7))):
        part = draw(st.sampled_from(_PARTS))
        text = draw(_WORDS).strip() or "x"
        paragraphs.append((f"{{.{part}}}\n" if part else "") + text)
    notes = tuple(Note(n, draw(_WORDS).strip() or "note", 0)
                  for n in sorted(draw(st.sets(st.sampled_from([1, 2, 3, 7]), max_size=4))))
    base, _ = parse_letter(EDGE_LETTERS["x-1"], "letters/x-1.md")
    when = draw(st.sampled_from([None, "1923", "1923-11", "1923-11-10"]))
    date = LetterDate(text=draw(_WORDS) or "d", when=when,
                      not_before=None if when else draw(st.sampled_from([None, "1923-10"])),
                      supplied=draw(st.booleans()))
    return dataclasses.replace(
        base, body="\n\n".join(paragraphs), notes=notes, date=date,
        title=draw(_WORDS) or "t", unnumbered_notes=tuple(n.n for n in notes[:1]),
        place=draw(st.sampled_from([None, Place("Berlin"), Place("B\x01", supplied=True)])))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(letter=_letters())
def test_any_record_gives_valid_tei_and_cmif(letter, tei_all, cmif_rng, tmp_path_factory):
    """Whatever an editor types in a record (brackets, marks, markup characters, a stray control
    character, parts in any order), the TEI and CMIF stay valid."""
    root = write_edge(tmp_path_factory.mktemp("any") / "editions")
    (root / "letters" / "x-1.md").write_text(dump_letter(letter), encoding="utf-8")
    files, _ = export(root)
    assert rng_errors(tei_all, files["letters/x-1/tei.xml"]) == []
    assert rng_errors(cmif_rng, files["data/cmif.xml"]) == []
    assert schematron_findings(etree.fromstring(files["data/cmif.xml"])) == []


# --- the built sites -------------------------------------------------------------------------

@pytest.mark.parametrize("site", ["mini_site", "edition_site"])
def test_built_site_tei_and_cmif_validate(site, request, tei_all, cmif_rng):
    """The files `build.py` publishes, not only what make_all returns, pass every check;
    each letter page offers its TEI and JSON."""
    folder: Path = request.getfixturevalue(site)
    pages = sorted(folder.glob("letters/*/index.html"))
    assert pages
    for page in pages:
        tei = page.parent / "tei.xml"
        assert rng_errors(tei_all, tei.read_bytes()) == [], tei
        assert (page.parent / "letter.json").is_file()
    cmif = (folder / "data" / "cmif.xml").read_bytes()
    assert rng_errors(cmif_rng, cmif) == []
    assert schematron_findings(etree.fromstring(cmif)) == []
    assert len(etree.fromstring(cmif).findall(".//{http://www.tei-c.org/ns/1.0}correspDesc")) \
        == len(pages)


# --- a TEI edition's CMIF: its authority URIs, valid ---------------------------------------------

SCHNITZLER = ROOT / "tests" / "fixtures" / "schnitzler-briefe"
AUTHORITY_URI = re.compile(r"^(https://d-nb\.info/gnd/[0-9X-]+|https://viaf\.org/viaf/[0-9]+|"
                           r"http://www\.wikidata\.org/entity/Q[0-9]+|https://sws\.geonames\.org/[0-9]+/|"
                           r"https://pmb\.acdh\.oeaw\.ac\.at/entity/[0-9]+/)$")


def test_a_tei_editions_cmif_is_valid_and_names_everyone_by_an_authority_uri(cmif_rng, tei_all):
    files, diags = make_all(SCHNITZLER)
    assert not [d for d in diags if d.level == "error"], diags
    data = files["data/cmif.xml"]
    assert rng_errors(cmif_rng, data) == [] and rng_errors(tei_all, data) == []
    assert schematron_findings(etree.fromstring(data)) == []
    ns = {"t": "http://www.tei-c.org/ns/1.0"}
    root = etree.fromstring(data)
    assert len(root.xpath("//t:correspDesc", namespaces=ns)) == 32
    persons = root.xpath("//t:correspAction/t:persName/@ref", namespaces=ns)
    # the letters point at PMB (#pmb11740) and give GND URIs for some: no person keeps a URL of
    # the site's own, and a GND ID the source gives is preferred
    assert persons and all(AUTHORITY_URI.match(ref) for ref in persons), \
        sorted({r for r in persons if not AUTHORITY_URI.match(r)})[:5]
    assert "https://d-nb.info/gnd/118609807" in persons  # Arthur Schnitzler
    places = root.xpath("//t:correspAction/t:placeName/@ref", namespaces=ns)
    assert places and sum(bool(AUTHORITY_URI.match(ref)) for ref in places) / len(places) > 0.9
