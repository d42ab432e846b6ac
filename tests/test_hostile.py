"""Hostile input is harmless at the record level: it is read as text or refused with a one-line
diagnostic, and no record, however odd, makes reading or checking raise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core
from epistola.body import parse_body, plain_text
from epistola.engine.recipe import load
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
from epistola.records import dump_edition, dump_letter, dump_persons, parse_letter

#: `path:line: error|warning: message [code]`.
DIAGNOSTIC = re.compile(r"^.+:\d+: (error|warning|note): .+ \[[a-z0-9-]+\]$", re.DOTALL)


def assert_one_line(line: str) -> None:
    assert DIAGNOSTIC.match(line) and len(line.splitlines()) == 1, repr(line)

SCRIPT = "<script>alert('x')</script>"
JS_LINK = "[click](javascript:alert(1)) <a href=\"javascript:alert(1)\">x</a>"
JINJA = "{{ config }} {% for x in range(10**9) %}{% endfor %} {# c #}"

PERSONS = (Person("stalin", "I. V. Stalin", line=1), Person("magidov", "B. I. Magidov", line=3))


def _letter(**changes) -> Letter:
    values = dict(
        id="a", number=1, title="I. V. Stalin to B. I. Magidov",
        senders=(Correspondent("I. V. Stalin", "stalin"),),
        recipients=(Correspondent("B. I. Magidov", "magidov"),),
        date=LetterDate("November 22, 1923", "1923-11-22"), place=None, archive=None,
        physical=None, body="Your letter received.", notes=(),
    )
    values.update(changes)
    return Letter(**values)


def _check_text(text: str, path: str = "ed/letters/a.md") -> list[str]:
    """Read one record and run the gate over it; every diagnostic as its line."""
    letter, diags = parse_letter(text, path)
    if letter is not None:
        _, diags = core.read(Edition("Test", year=1996), [(path, text)], PERSONS)
    lines = [str(d) for d in diags]
    for line in lines:
        assert_one_line(line)
    return lines


def _inline_kinds(inlines) -> set[str]:
    kinds = set()
    for i in inlines:
        kinds.add(i.kind)
        kinds |= _inline_kinds(i.children)
    return kinds


@pytest.mark.parametrize("payload", [SCRIPT, JS_LINK, JINJA, "<!-- x --> <img src=x onerror=alert(1)>"])
def test_markup_in_a_body_is_text(payload):
    body = f"Dear comrade. {payload}\n\n{payload}[^1]"
    letter = _letter(body=body, notes=(Note(1, payload),), title=payload, physical=payload,
                     place=Place(payload), senders=(Correspondent(payload, "stalin"),),
                     archive=ArchiveRef(payload, text=payload))
    text = dump_letter(letter)
    read, diags = parse_letter(text, "ed/letters/a.md")
    assert diags == [] and read == letter
    blocks, problems = parse_body(read.body)
    assert problems == []
    # nothing but text (and the note mark): no link, no raw HTML, no template
    assert _inline_kinds(i for b in blocks for i in b.inlines) <= {"text", "supplied", "gap",
                                                                   "noteref", "em", "break"}
    assert payload.replace("\\", "") in plain_text(blocks[1].inlines) or "*" in payload
    assert _check_text(text) == []


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "a/b", "..", ".", "A", "a b", "a--b",
                                    "-a", "a\\b", "%2e%2e", "a\x00b", "ﬁle", "١٢٣"])
def test_path_tricks_in_ids_are_refused(bad_id):
    text = dump_letter(_letter()).replace("id: a\n", f"id: {bad_id!r}\n".replace("'", '"'))
    letter, diags = parse_letter(text, "ed/letters/a.md")
    assert letter is None
    assert [d.code for d in diags] in (["record-bad-id"], ["yaml"]), diags


@pytest.mark.parametrize("bad_ref", ["../x", "Stalin", "a/b", ""])
def test_path_tricks_in_person_refs_are_refused(bad_ref):
    text = dump_letter(_letter()).replace("ref: magidov", f"ref: '{bad_ref}'")
    lines = _check_text(text)
    assert any("[record-bad-ref]" in line for line in lines), lines


def test_in_reply_to_with_a_path_is_a_broken_link_not_a_path():
    lines = _check_text(dump_letter(_letter(in_reply_to="../../etc/passwd")))
    assert len(lines) == 1 and lines[0].endswith("[reply-unknown]")


def test_huge_fields_are_read(tmp_path):
    para = "word " * 20_000
    body = "\n\n".join(f"{para}[^{i}]" for i in range(1, 51))
    notes = tuple(Note(i, "note " * 2_000) for i in range(1, 51))
    letter = _letter(body=body, notes=notes, title="T" * 10_000)
    assert _check_text(dump_letter(letter)) == []


@pytest.mark.parametrize("field", ["title", "senders", "recipients", "date", "id"])
def test_empty_required_fields_are_refused(field):
    text = dump_letter(_letter())
    text = re.sub(rf"(?m)^{field}: .*$", f"{field}: ''" if field != "date" else "date: {text: ''}", text)
    lines = _check_text(text)
    assert lines and all(": error: " in line for line in lines), lines


def test_values_with_line_breaks_stay_on_one_line():
    text = dump_letter(_letter(senders=(Correspondent("I. V.\u2028Stalin", "stal\nin"),),
                               date=LetterDate("November 22,\r\n1924", "1923-11-22")))
    text = text.replace("in_reply_to: null", 'in_reply_to: null\n"odd\\nkey": 1')
    lines = _check_text(text, "ed/letters/a\nb.md")
    assert len(lines) == 5, lines  # odd key, bad ref, year, unused person, file name


def test_empty_file_and_empty_body():
    assert [line.rsplit("[")[1] for line in _check_text("")] == ["record-no-front-matter]"]
    letter = _letter(body="")
    assert _check_text(dump_letter(letter)) == []


def _edition_folder(tmp_path: Path, letters: dict[str, bytes]) -> Path:
    root = tmp_path / "ed"
    (root / "letters").mkdir(parents=True)
    (root / "edition.yaml").write_text(dump_edition(Edition("Test", year=1996)), encoding="utf-8")
    (root / "persons.yaml").write_text(dump_persons(list(PERSONS)), encoding="utf-8")
    for name, data in letters.items():
        (root / "letters" / name).write_bytes(data)
    return root


def test_invalid_utf8_is_refused_with_its_line(tmp_path):
    text = dump_letter(_letter())
    line = text.split("\n").index("Your letter received.") + 1
    data = text.encode().replace(b"Your letter", b"Your \xc3\x28 letter")
    root = _edition_folder(tmp_path, {"a.md": data})
    site, diags = load(root)
    assert site.corpus.letters == ()
    errors = [d for d in diags if d.level == "error"]
    assert len(errors) == 1 and errors[0].code == "encoding" and errors[0].line == line, diags


def test_crlf_and_bom_read_like_lf(tmp_path):
    text = dump_letter(_letter(number=None, body="{.salutation}\nDear comrade.\n\nText[^1].",
                               notes=(Note(1, "A note."),)))
    root = _edition_folder(tmp_path, {
        "a.md": text.encode(),
        "b.md": b"\xef\xbb\xbf" + text.replace("id: a", "id: b").replace("\n", "\r\n").encode(),
        "c.md": text.replace("id: a", "id: c").replace("\n", "\r").encode(),
    })
    site, diags = load(root)
    assert [d for d in diags if d.level != "note"] == []
    a, b, c = (site.read("reading", letter_id).letter for letter_id in "abc")
    assert b == _replace_id(a, "b") and c == _replace_id(a, "c")
    assert (a.body_line, a.notes[0].line) == (b.body_line, b.notes[0].line)


def _replace_id(letter: Letter, new: str) -> Letter:
    from dataclasses import replace
    return replace(letter, id=new)


# --- property tests ------------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
_line = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x85\u2028\u2029"),
                min_size=1, max_size=40).filter(lambda s: s.strip())
_slug = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4})?", fullmatch=True)
_iso = st.dates().map(lambda d: d.isoformat()) | st.from_regex(r"1[89][0-9]{2}(-0[1-9])?", fullmatch=True)
_body_piece = st.sampled_from([
    "{.salutation}\n", "{.signature}\n", "{.unknown}\n", "{#id}\n", "[^1]", "[^2]", "[^99]",
    "\\[^1]", "[...]", "St[alin]", "*em*", "**strong**", "\n\n", "\n", SCRIPT, JS_LINK, JINJA,
    "1. Party.", "# heading", "> quote", "    code", "`code`", "<b>", "&amp;", "\\", "[", "]",
    "[^", "^]", "{", "}", "---", "[^1]: inline def",
]) | _text


@st.composite
def letters(draw, ids=_slug):
    n_notes = draw(st.integers(0, 4))
    notes = tuple(Note(draw(st.integers(0, 6)), draw(_line)) for _ in range(n_notes))
    when = draw(st.none() | _iso)
    return Letter(
        id=draw(ids), number=draw(st.none() | st.integers(-5, 10**6)), title=draw(_line),
        senders=tuple(Correspondent(draw(_line), draw(st.none() | _slug))
                      for _ in range(draw(st.integers(1, 3)))),
        recipients=tuple(Correspondent(draw(_line), draw(st.none() | _slug))
                         for _ in range(draw(st.integers(1, 3)))),
        date=LetterDate(draw(_line), when, draw(st.none() | _iso), draw(st.none() | _iso),
                        draw(st.booleans())),
        place=draw(st.none() | _line.map(Place)),
        archive=draw(st.none() | st.builds(ArchiveRef, _line, st.none() | _line)),
        physical=draw(st.none() | _line),
        body="".join(draw(st.lists(_body_piece, max_size=12))).strip("\n"),
        notes=notes,
        in_reply_to=draw(st.none() | _slug),
        unnumbered_notes=tuple(draw(st.lists(st.integers(0, 6), max_size=2))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(letters(), min_size=1, max_size=5))
def test_arbitrary_records_read_and_check_without_a_traceback(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("ed")
    root = _edition_folder(folder, {f"{i}-{r.id}.md": dump_letter(r).encode()
                                    for i, r in enumerate(records)})
    _, diags = load(root)
    for d in diags:
        assert_one_line(str(d))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_record_text_never_raises(text):
    _check_text(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "---\n", "id: a\n", "id: '../a'\n", "title: T\n", "senders: [X]\n", "recipients: [{name: Y, ref: y}]\n",
    "date: {text: d, when: '1923-02-30'}\n", "date: x\n", "notes: [1]\n", "unnumbered_notes: [x]\n",
    "in_reply_to: a\n", "number: yes\n", "source: {file: x}\n", "place: [1]\n", "archive: 3\n",
    "kind: poem\n", "? [a, b]\n: c\n", "\"a\\nb\": 1\n", "&a [*a]\n", "!!python/object:os.system x\n",
    "\n", "Body[^1].\n", "[^1]: n\n", "[^2]: m\n", "{.x}\n", "\t\n", "\ufeff", "\r\n", "- - -\n",
]), max_size=20))
def test_record_shaped_text_never_raises(pieces):
    _check_text("".join(pieces))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(tmp_path_factory, data):
    root = _edition_folder(tmp_path_factory.mktemp("ed"), {"a.md": data})
    _, diags = load(root)
    for d in diags:
        assert_one_line(str(d))
