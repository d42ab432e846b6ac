"""Hostile input is harmless through the whole build: markup and template syntax in any field of a
record or the register render as text, nothing lands outside the output folder, and arbitrary
records build (or are refused with diagnostics) without a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from epistola.diagnostics import has_errors
from epistola.engine.recipe import build
from epistola.ingest.command import run_ingest
from epistola.model import (
    ArchiveRef,
    Correspondent,
    Edition,
    Letter,
    LetterDate,
    Note,
    Person,
    Place,
)
from epistola.records import dump_edition, dump_letter, dump_persons

from test_hostile import JINJA, JS_LINK, SCRIPT, _line, _text, assert_one_line, letters

PAYLOADS = (SCRIPT, JS_LINK, JINJA, "<img src=x onerror=alert(2)>", "</p></li></ol><h1>x</h1>",
            "\" onmouseover=\"alert(3)", "' autofocus onfocus='alert(4)")
EVIL = " ".join(PAYLOADS)


def run_build(editions: Path, out: Path) -> list:
    """`build`, as the command line runs it; its diagnostics."""
    return build(editions, out).diagnostics


def write_edition(root: Path, letters_: list[Letter], persons: list[Person],
                  edition: Edition | None = None) -> Path:
    (root / "letters").mkdir(parents=True)
    edition = edition or Edition("Test edition", year=1996, base_url="https://example.org/t/",
                                 published="2026-11-26")
    (root / "edition.yaml").write_text(dump_edition(edition), encoding="utf-8")
    (root / "persons.yaml").write_text(dump_persons(persons), encoding="utf-8")
    for i, letter in enumerate(letters_):
        (root / "letters" / f"{letter.id}.md").write_text(dump_letter(letter), encoding="utf-8")
    return root


def hostile_edition(root: Path, licence_url: str = "https://example.org/licence") -> Path:
    persons = [Person("stalin", f"I. V. Stalin {EVIL}", sort_name=EVIL, full_name=EVIL,
                      variants=("Stalin",), description=f"Described as {EVIL}", dates=EVIL),
               Person("magidov", "B. I. Magidov", variants=("Magidov",))]
    a = Letter(
        id="174", number=174, title=f"Magidov to Stalin {EVIL}",
        senders=(Correspondent(f"B. I. Magidov {EVIL}", "magidov"),),
        recipients=(Correspondent("I. V. Stalin", "stalin"), Correspondent(EVIL, None)),
        date=LetterDate(f"November 10 [1923] {EVIL}", "1923-11-10", supplied=True),
        place=Place(EVIL, supplied=True),
        archive=ArchiveRef(f"RTsKhIDNI {EVIL}", "558", EVIL, "2565", f"2-7 {EVIL}", f"F. 558. {EVIL}"),
        physical=EVIL,
        body="\n\n".join([f"{{.salutation}}\nDear comrade Stalin. {SCRIPT}",
                          f"{JS_LINK}[^1] and {JINJA}", "<script>", "alert(5)", "</script>",
                          "<a href='javascript:alert(6)'>x</a>[^2]"]),
        notes=(Note(1, f"Note with {EVIL} and Stalin."), Note(2, EVIL), Note(3, EVIL)),
        unnumbered_notes=(2,),
    )
    b = Letter(
        id="176", number=176, title=EVIL, senders=(Correspondent("I. V. Stalin", "stalin"),),
        recipients=(Correspondent("B. I. Magidov", "magidov"),),
        date=LetterDate("22/XI-23", "1923-11-22"), place=None, archive=None, physical=None,
        body=f"Your letter received. {EVIL}", in_reply_to="174",
    )
    edition = Edition(f"Edition {EVIL}", compilers=(EVIL,), year=1996, publisher=EVIL,
                      source=EVIL, description=EVIL, translation=EVIL, editors=(EVIL,),
                      base_url="https://example.org/t/", licence=EVIL,
                      licence_url=licence_url, published="2026-11-26")
    return write_edition(root, [a, b], persons, edition)


def _pages(site: Path) -> dict[str, lxml.html.HtmlElement]:
    return {p.relative_to(site).as_posix(): lxml.html.fromstring(p.read_bytes())
            for p in sorted(site.rglob("*.html"))}


def test_hostile_values_render_as_text(tmp_path):
    editions = hostile_edition(tmp_path / "ed")
    out = tmp_path / "site"
    diags = run_build(editions, out)
    assert not has_errors(diags), [str(d) for d in diags]
    pages = _pages(out)
    assert "letters/174/index.html" in pages and "persons/stalin/index.html" in pages
    clean = _pages(_clean_site(tmp_path))
    for name, doc in pages.items():
        # the template's own scripts and nothing else
        scripts = [(s.get("src"), (s.text or "").strip()) for s in doc.iter("script")]
        assert all("alert" not in (text or "") for _, text in scripts), name
        assert len(scripts) == len(list(clean.get(name, doc).iter("script"))), name
        for element in doc.iter():
            if not isinstance(element.tag, str):
                continue
            for attr, value in element.attrib.items():
                assert not attr.lower().startswith("on"), (name, element.tag, attr)
                assert not value.strip().lower().startswith("javascript:") or attr == "content", \
                    (name, element.tag, attr, value)
                if attr in ("href", "src", "action", "formaction"):
                    assert "javascript:" not in value.lower(), (name, element.tag, value)
        assert not doc.xpath("//img[@src='x']"), name
        assert not doc.xpath("//*[@autofocus]"), name
        assert not doc.xpath("//h1[normalize-space()='x']"), name
    letter = pages["letters/174/index.html"].text_content()
    # the payloads are there, as text
    for payload in (SCRIPT, "{{ config }}", "{% for x in range(10**9) %}", "javascript:alert(1)",
                    "<img src=x onerror=alert(2)>"):
        assert payload in letter, payload
    assert "{{ config }}" in pages["index.html"].text_content()


def test_a_script_url_in_edition_yaml_is_refused(tmp_path):
    editions = hostile_edition(tmp_path / "ed", licence_url=" JavaScript:alert(7)")
    diags = run_build(editions, tmp_path / "site")
    assert [str(d) for d in diags if d.level == "error"] == [
        f"{editions}/edition.yaml:1: error: licence_url ' JavaScript:alert(7)' is not a web "
        "address; give an absolute http:// or https:// URL [edition-url]"]
    assert not (tmp_path / "site").exists()


def _clean_site(tmp_path: Path) -> Path:
    persons = [Person("stalin", "I. V. Stalin", description="x", dates="x", full_name="x",
                      sort_name="x", variants=("Stalin",)),
               Person("magidov", "B. I. Magidov", variants=("Magidov",))]
    a = Letter(id="174", number=174, title="t", senders=(Correspondent("B", "magidov"),),
               recipients=(Correspondent("I. V. Stalin", "stalin"), Correspondent("x", None)),
               date=LetterDate("November 10 [1923]", "1923-11-10", supplied=True),
               place=Place("x", True), archive=ArchiveRef("R", "558", "1", "2565", "2-7", "F."),
               physical="x", body="{.salutation}\nDear[^1].\n\nText[^2].",
               notes=(Note(1, "n"), Note(2, "n"), Note(3, "n")), unnumbered_notes=(2,))
    b = Letter(id="176", number=176, title="t", senders=(Correspondent("I. V. Stalin", "stalin"),),
               recipients=(Correspondent("B. I. Magidov", "magidov"),),
               date=LetterDate("22/XI-23", "1923-11-22"), place=None, archive=None,
               physical=None, body="Text.", in_reply_to="174")
    edition = Edition("E", compilers=("x",), year=1996, publisher="x", source="x",
                      description="x", translation="x", editors=("x",),
                      base_url="https://example.org/t/", licence="x",
                      licence_url="https://example.org/licence", published="2026-11-26")
    out = tmp_path / "clean-site"
    diags = run_build(write_edition(tmp_path / "clean", [a, b], persons, edition), out)
    assert not has_errors(diags), [str(d) for d in diags]
    return out


def test_nothing_is_written_outside_the_output_folder(tmp_path):
    editions = hostile_edition(tmp_path / "ed")
    (editions / "letters" / "evil.md").write_text(
        dump_letter(Letter(id="evil", number=None, title="t", senders=(Correspondent("x"),),
                           recipients=(Correspondent("y"),), date=LetterDate("d"), place=None,
                           archive=None, physical=None, body="b", in_reply_to="../../../x"))
        .replace("id: evil", "id: '../../outside'"), encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    diags = run_build(editions, tmp_path / "site")
    codes = [d.code for d in diags]
    assert "record-bad-id" in codes
    assert not (tmp_path / "site").exists()  # the edition has errors: nothing written
    after = {p for p in tmp_path.rglob("*")}
    assert {p for p in after - before if not p.name.startswith(".site")} == set()


# --- property test over the whole build ----------------------------------------------------------

_PERSONS = [Person("stalin", "I. V. Stalin", variants=("Stalin",)),
            Person("magidov", "B. I. Magidov", variants=("Magidov",))]


_SAFE_PIECES = st.sampled_from([
    "{.salutation}\n", "{.signature}\n", "{.postscript}\n", "\\[^1]", "[...]", "St[alin]", "*em*",
    "**strong**", "\n\n", "\n", SCRIPT, JS_LINK, JINJA, "1. Party.", "# heading", "> quote",
    "    code", "`code`", "<b>", "&amp;", "\\", "[", "]", "{", "}", "Stalin", "Magidov", "---",
]) | _text


@st.composite
def buildable_letters(draw):
    """Records with arbitrary text in every field but consistent references, so most build."""
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "173", "174", "x-1"]), min_size=1,
                        max_size=4, unique=True))
    out = []
    for id_ in ids:
        when = draw(st.dates(min_value=__import__("datetime").date(1800, 1, 1),
                             max_value=__import__("datetime").date(1995, 12, 31)))
        n_notes = draw(st.integers(0, 3))
        pieces = draw(st.lists(_SAFE_PIECES, max_size=10))
        marks = [f"[^{n}]" for n in range(1, n_notes + 1) if draw(st.booleans())]
        body = ("".join(pieces) + " " + " ".join(marks)).strip()
        if body.startswith("{") and not body.startswith("{."):
            body = "\\" + body
        party = st.builds(Correspondent, _line, st.sampled_from(["stalin", "magidov", None]))
        out.append(Letter(
            id=id_, number=draw(st.none() | st.integers(0, 10**6)), title=draw(_line),
            senders=tuple(draw(st.lists(party, min_size=1, max_size=3))),
            recipients=tuple(draw(st.lists(party, min_size=1, max_size=3))),
            date=LetterDate(f"{when.isoformat()} {draw(_line)}".replace("[", "(").replace("]", ")"),
                            when.isoformat()),
            place=draw(st.none() | _line.map(Place)),
            archive=draw(st.none() | st.builds(ArchiveRef, _line, st.none() | _line, st.none() | _line,
                                               st.none() | _line, st.none() | _line, _line)),
            physical=draw(st.none() | _line), body=body,
            notes=tuple(Note(n, draw(_line)) for n in range(1, n_notes + 1)),
            in_reply_to=draw(st.none() | st.sampled_from(ids)),
        ))
    return out


def _build_and_look(folder: Path, records: list[Letter]) -> bool:
    """Build the records; True when the site was written. Never a traceback, never a script."""
    editions = folder / "ed"
    (editions / "letters").mkdir(parents=True)
    (editions / "edition.yaml").write_text(dump_edition(Edition("T", year=1996)), encoding="utf-8")
    (editions / "persons.yaml").write_text(dump_persons(_PERSONS), encoding="utf-8")
    for i, r in enumerate(records):
        (editions / "letters" / f"{i}.md").write_text(dump_letter(r), encoding="utf-8")
    out = folder / "site"
    diags = run_build(editions, out)
    for d in diags:
        assert_one_line(str(d))
    if has_errors(diags):
        assert not out.exists()
        return False
    assert (out / "index.html").is_file()
    for page in out.rglob("*.html"):
        doc = lxml.html.fromstring(page.read_bytes())
        assert all("alert" not in (s.text or "") for s in doc.iter("script")), page
        assert not any(re.match(r"\s*javascript:", v, re.I)
                       for e in doc.iter() if isinstance(e.tag, str)
                       for k, v in e.attrib.items() if k in ("href", "src")), page
    return True


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(letters(ids=st.sampled_from(["a", "b", "c", "173", "174"])), min_size=1, max_size=4))
def test_arbitrary_records_build_or_are_refused_without_a_traceback(tmp_path_factory, records):
    event("built" if _build_and_look(tmp_path_factory.mktemp("build"), records) else "refused")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(buildable_letters())
def test_records_with_arbitrary_text_build_as_text(tmp_path_factory, records):
    built = _build_and_look(tmp_path_factory.mktemp("build"), records)
    event("built" if built else "refused")


# --- arbitrary source text: ingest, then check and build ------------------------------------------

_SEED = Path(__file__).resolve().parent.parent / "sources" / "bolshevik-correspondence-1923-nos-173-176.txt"
_SOURCE_LINES = [line for line in _SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
_source_line = (st.sampled_from(_SOURCE_LINES + list(PAYLOADS) + ["No. 9", "No. 10", "", "Notes"])
                | _text)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(_source_line, max_size=60).map("\n".join) | st.binary(max_size=400))
def test_arbitrary_source_text_ingests_checks_and_builds_without_a_traceback(tmp_path_factory,
                                                                             source):
    folder = tmp_path_factory.mktemp("ingest")
    path = folder / "source.txt"
    path.write_bytes(source if isinstance(source, bytes) else source.encode("utf-8"))
    editions, out = folder / "ed", folder / "site"
    diags = run_ingest([path], editions)
    for d in diags:
        assert_one_line(str(d))
    if not (editions / "edition.yaml").exists():
        event("ingest refused or found no edition")
        return
    diags = run_build(editions, out)
    for d in diags:
        assert_one_line(str(d))
    event("refused" if has_errors(diags) else "built")
    assert out.exists() != has_errors(diags)


def test_the_seed_ingests_and_builds_cleanly(tmp_path):
    """The same path on the real source, as a baseline for the property test above."""
    editions = tmp_path / "ed"
    diags = run_ingest([_SEED], editions)
    assert not has_errors(diags), [str(d) for d in diags]
    diags = run_build(editions, tmp_path / "site")
    assert not has_errors(diags), [str(d) for d in diags]
    assert len(list((tmp_path / "site" / "letters").glob("*/index.html"))) == 4


def test_letters_between_unregistered_correspondents_build(tmp_path):
    """No letter names a writer and a recipient from the register: the picture of who wrote to
    whom has nobody to draw, and the build goes on."""
    letter = Letter(id="a", number=None, title="t", senders=(Correspondent("Somebody"),),
                    recipients=(Correspondent("Nobody"),), date=LetterDate("undated"),
                    place=None, archive=None, physical=None, body="Text.")
    editions = write_edition(tmp_path / "ed", [letter], _PERSONS,
                             Edition("T", year=1996, published="2026-11-26"))
    diags = run_build(editions, tmp_path / "site")
    assert not has_errors(diags), [str(d) for d in diags]
    assert (tmp_path / "site" / "letters" / "a" / "index.html").is_file()
