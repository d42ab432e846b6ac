"""An incremental build equals a clean build byte for byte, and makes only what a change touches.

Each test edits a copy of a synthetic edition (tests/synthetic.py: 40 letters with replies,
correspondences, name variants and archival citations) in one way, builds over the previous
build (with the store beside the site, as the command line does), builds the same records from
nothing into another folder, and compares the two sites file by file. `Outcome.made` says which
files a build wrote; a build that fails leaves the site and the store as they were.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

import pytest

from epistola import fs
from epistola.diagnostics import EpistolaError, has_errors
from epistola.engine import recipe
from epistola.engine import store as stores
from epistola.engine.recipe import DEFAULT_TEMPLATES, Options, Outcome
from epistola.engine.writer import PENDING, Writer
from synthetic import write_edition

ROOT = Path(__file__).resolve().parent.parent

N = 40


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_edition(tmp_path_factory.mktemp("corpus") / "editions", N, seed=3)


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


class Workspace:
    def __init__(self, root: Path, corpus: Path):
        self.root = root
        self.editions = root / "editions"
        self.templates = root / "templates"
        shutil.copytree(corpus, self.editions)
        shutil.copytree(DEFAULT_TEMPLATES, self.templates)
        self.out = root / "site"
        self.clean_count = 0

    def build(self, search: bool = False, strict: bool = False) -> Outcome:
        """`build` over the site and its store; the build must succeed."""
        outcome = self.try_build(search, strict)
        assert not has_errors(outcome.diagnostics, strict), [str(d) for d in outcome.diagnostics]
        assert outcome.written
        return outcome

    def try_build(self, search: bool = False, strict: bool = False) -> Outcome:
        return recipe.build(self.editions, self.out, self.templates, strict=strict, search=search)

    def made(self) -> set[str]:
        """The files a build wrote (or removed)."""
        outcome = self.build()
        return set(outcome.made) | set(outcome.removed)

    def clean(self, search: bool = False) -> Path:
        """The same records built from nothing into a folder of their own."""
        self.clean_count += 1
        out = self.root / f"clean-{self.clean_count}"
        # nothing this process kept from the builds before (the corpus, the name index)
        recipe._corpus_made.clear()
        recipe._registers_made.clear()
        outcome = recipe.build(self.editions, out, self.templates, search=search)
        assert not has_errors(outcome.diagnostics), [str(d) for d in outcome.diagnostics]
        assert outcome.first
        self.clean_diagnostics = outcome.diagnostics
        return out

    def record(self, letter_id: str) -> Path:
        return self.editions / "letters" / f"{letter_id}.md"

    def edit(self, path: Path, change: Callable[[str], str]) -> None:
        text = path.read_text(encoding="utf-8")
        new = change(text)
        assert new != text
        path.write_text(new, encoding="utf-8")

    def store(self) -> bytes:
        return stores.store_path(self.out).read_bytes()

    def letters(self) -> list[dict]:
        """The entries of letters.json, in date order."""
        return json.loads((self.out / "data" / "letters.json").read_bytes())["letters"]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_site(incremental: Path, clean: Path) -> None:
    a, b = tree(incremental), tree(clean)
    assert sorted(a) == sorted(b), (sorted(set(a) - set(b))[:5], sorted(set(b) - set(a))[:5])
    differ = [p for p in a if a[p] != b[p]]
    assert differ == [], differ[:10]


def assert_nothing_left_over(ws: Workspace) -> None:
    """No file half-written, no staging folder: only the site, the store and the lock."""
    assert not [p for p in ws.root.rglob(f"*{PENDING}")]
    assert not [p for p in ws.root.iterdir() if p.name.startswith(".site.")
                and p.name != ".site.lock"]


@pytest.fixture
def ws(tmp_path, corpus) -> Workspace:
    w = Workspace(tmp_path, corpus)
    w.build()
    return w


def middle_letter(ws: Workspace) -> str:
    return ws.letters()[N // 2]["id"]


def pages_of_letters(paths: set[str]) -> set[str]:
    return {p.split("/")[1] for p in paths if p.startswith("letters/") and p.count("/") == 2}


def person_pages(paths: set[str]) -> set[str]:
    return {p.split("/")[1] for p in paths if p.startswith("persons/") and p.count("/") == 2}


def text_edit(word: str) -> Callable[[str], str]:
    """A word put at the start of the letter's first paragraph of running text."""
    def change(text: str) -> str:
        body = text.index("\n---\n") + 5
        at = text.index("\n\n", text.index("{.salutation}", body)) + 2
        return text[:at] + f"{word} " + text[at:]
    return change


def retitled(title: str) -> Callable[[str], str]:
    return lambda text: re.sub(r"(?m)^title: .*$", f"title: {title}", text, count=1)


def _named_by(ws: Workspace) -> dict[str, set[str]]:
    """Letter id -> the refs its page links to, as the live site shows them."""
    found = {}
    for entry in ws.letters():
        text = (ws.out / "letters" / entry["id"] / "index.html").read_text(encoding="utf-8")
        found[entry["id"]] = set(re.findall(r'href="\.\./\.\./persons/([a-z0-9-]+)/"', text))
    return found


def _person_not_in(ws: Workspace, letter: str) -> str:
    """A person the letter neither names nor is written by or to."""
    import yaml

    text = ws.record(letter).read_text(encoding="utf-8")
    persons = yaml.safe_load((ws.editions / "persons.yaml").read_text(encoding="utf-8"))
    for ref, person in sorted(persons.items()):
        forms = [person["name"], *person.get("variants", ())]
        if ref not in text and not any(form in text for form in forms):
            return ref
    raise AssertionError("every person is in the letter")


def add_variant(ref: str, form: str) -> Callable[[str], str]:
    return lambda text: re.sub(rf"(?m)^({ref}:\n(?:  .*\n)*?  variants: \[)", rf"\g<1>{form}, ",
                               text, count=1)


# --- nothing changed ------------------------------------------------------------------------------

def test_a_first_build_equals_a_clean_build(ws):
    assert_same_site(ws.out, ws.clean())


def test_nothing_changed_makes_nothing_and_keeps_the_site(ws):
    before = tree(ws.out)
    outcome = ws.build()
    assert (outcome.made, outcome.removed, outcome.analysed) == ([], [], [])
    assert outcome.unchanged and not outcome.first
    assert tree(ws.out) == before
    assert_same_site(ws.out, ws.clean())


def test_with_nothing_changed_a_build_answers_from_the_store(ws, monkeypatch):
    """No file of the editions or the templates changed since the build before (their names,
    sizes and times say so): the build reads no record and says what the last one said."""
    monkeypatch.setattr(recipe, "SETTLED_NS", 0)  # (the files were copied a moment ago)
    first = ws.build(search=True)
    before = tree(ws.out)
    read: list[str] = []
    real = fs.read_text
    monkeypatch.setattr(fs, "read_text", lambda path, shown=None: read.append(str(path))
                        or real(path, shown))
    again = ws.build(search=True)
    assert read == [] and again.unchanged and again.made == []
    assert (again.diagnostics, again.letters, again.entries) == \
        (first.diagnostics, N, {"persons": first.entries["persons"]})
    assert tree(ws.out) == before
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Indeed"))
    changed = ws.build(search=True)
    assert not changed.unchanged and f"letters/{letter}/index.html" in changed.made
    assert_same_site(ws.out, ws.clean(search=True))


def test_nothing_changed_still_reports_the_warnings(ws):
    ws.edit(ws.record(middle_letter(ws)), lambda t: t.replace("---\n", "---\nmood: calm\n", 1))
    first = ws.build()
    assert any(d.code == "record-unknown-key" for d in first.diagnostics)
    again = ws.build()
    assert again.diagnostics == first.diagnostics and again.made == [] and again.analysed == []
    ws.clean()
    assert again.diagnostics == ws.clean_diagnostics


# --- one change, compared with a clean build -------------------------------------------------------

def test_a_text_edit_remakes_that_letter_s_own_files_and_its_entry_in_the_data_only(ws):
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Indeed"))
    outcome = ws.build()
    assert outcome.analysed == [fs.display_path(ws.record(letter))]
    assert set(outcome.made) == {f"letters/{letter}/index.html", f"letters/{letter}/tei.xml",
                                 f"letters/{letter}/letter.json", "data/letters.json",
                                 f"pagefind/documents/letters/{letter}.html"}
    assert "Indeed" in (ws.out / "letters" / letter / "index.html").read_text(encoding="utf-8")
    assert_same_site(ws.out, ws.clean())


def test_a_note_edit_remakes_that_letter_s_files_and_its_entry_in_the_data(ws):
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), lambda t: t.replace("\n[^1]: ", "\n[^1]: Indeed, ", 1))
    made = ws.made()
    assert made == {f"letters/{letter}/index.html", f"letters/{letter}/tei.xml",
                    f"letters/{letter}/letter.json", "data/letters.json",
                    f"pagefind/documents/letters/{letter}.html"}
    assert_same_site(ws.out, ws.clean())


def test_a_paragraph_added_remakes_the_pages_of_the_persons_named_after_it(ws):
    """The places a letter names someone move with a new paragraph (¶ 4 becomes ¶ 5): the
    person pages listing them follow, and no other letter's files are made again."""
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), lambda t: t.replace("\n\n{.closing}", "\n\nAn added paragraph."
                                                   "\n\n{.closing}", 1))
    made = ws.made()
    assert pages_of_letters(made) == {letter}
    assert person_pages(made) and person_pages(made) <= _named_by(ws)[letter]
    assert_same_site(ws.out, ws.clean())


def test_a_date_edit_moves_the_letter_and_remakes_old_and_new_neighbours(ws):
    data = ws.letters()
    moved, first = data[N // 2]["id"], data[0]["id"]
    old_neighbours = {data[N // 2 - 1]["id"], data[N // 2 + 1]["id"]}
    ws.edit(ws.record(moved), lambda t: re.sub(r"date: \{.*\}", "date: {text: 'January 1, 1912', "
                                               "when: '1912-01-01'}", t, count=1))
    remade = pages_of_letters(ws.made())
    assert {moved, first} | old_neighbours <= remade
    assert len(remade) < N // 2
    assert ws.letters()[0]["id"] == moved
    assert_same_site(ws.out, ws.clean())


def test_a_title_edit_remakes_the_pages_that_link_to_the_letter(ws):
    data = ws.letters()
    letter = data[N // 2]["id"]
    neighbours = {data[N // 2 - 1]["id"], data[N // 2 + 1]["id"]}
    ws.edit(ws.record(letter), retitled("A new title"))
    remade = pages_of_letters(ws.made())
    assert {letter} | neighbours <= remade and len(remade) < N // 2
    for other in neighbours:
        assert "A new title" in (ws.out / "letters" / other / "index.html").read_text(
            encoding="utf-8")
    assert_same_site(ws.out, ws.clean())


def test_a_person_s_name_edited_in_the_register(ws):
    persons = ws.editions / "persons.yaml"
    ws.edit(persons, lambda t: re.sub(r"(?m)^(  name: )(.*)$", r"\1\2 Jr.", t, count=1))
    ws.build()
    assert_same_site(ws.out, ws.clean())


def test_a_person_s_dates_and_description_remake_that_person_s_page_and_the_list_only(ws):
    persons = ws.editions / "persons.yaml"
    ref = re.match(r"([a-z0-9-]+):", persons.read_text(encoding="utf-8")).group(1)
    ws.edit(persons, lambda t: re.sub(r"(?m)^(  dates: )(.*)$", r"\1c. \2", t, count=1))
    ws.edit(persons, lambda t: re.sub(r"(?m)^(  description: )(.*)$", r"\1Later \2", t, count=1))
    outcome = ws.build()
    assert set(outcome.made) == {f"persons/{ref}/index.html", "persons/index.html",
                                 f"pagefind/documents/persons/{ref}.html"}
    assert outcome.analysed == []  # no letter is read again
    assert_same_site(ws.out, ws.clean())


def test_a_register_entry_moved_in_the_file_changes_only_the_lines_of_its_warnings(ws):
    persons = ws.editions / "persons.yaml"
    unused = "nobody:\n  name: A. Nobody\n  variants: [Nobodyovich]\n"
    ws.edit(persons, lambda t: unused + t)
    first = ws.build()
    assert any(str(d).endswith("persons.yaml:1: warning: person 'nobody' (A. Nobody) is named "
                               "in no letter or note under any of its names; remove the entry "
                               "or add the spelling the text uses to its variants "
                               "[person-unused]") for d in first.diagnostics)
    ws.edit(persons, lambda t: t.removeprefix(unused) + unused)
    moved = ws.build()
    assert moved.made == []
    line = persons.read_text(encoding="utf-8").count("\n") - 2
    assert [d.line for d in moved.diagnostics if d.code == "person-unused"] == [line]
    ws.clean()
    assert moved.diagnostics == ws.clean_diagnostics
    assert_same_site(ws.out, ws.root / "clean-1")


def test_a_new_name_variant_links_words_in_other_letters_and_remakes_only_those(ws):
    """A variant added to the register links the words it matches in any letter: the letters
    that print it and those whose pages show the person's names (for the search) are made
    again, and no other letter's files."""
    letter = middle_letter(ws)
    ref = _person_not_in(ws, letter)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    ws.build()
    involved = {entry["id"] for entry in ws.letters() if ref in (
        _named_by(ws)[entry["id"]] | {c["ref"] for c in entry["senders"] + entry["recipients"]})}
    assert letter not in involved and len(involved | {letter}) < N
    ws.edit(ws.editions / "persons.yaml", add_variant(ref, "Quuxlingham"))
    made = ws.made()
    assert letter in pages_of_letters(made) <= involved | {letter}
    assert ref in _named_by(ws)[letter]
    assert f"persons/{ref}/index.html" in made
    assert_same_site(ws.out, ws.clean())


def test_a_person_added_to_the_register_and_taken_out_again(ws):
    """Names in the text link to a new entry, and lose the link when it goes; the letters that
    do not use its names keep their files both times."""
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    ws.build()
    persons = ws.editions / "persons.yaml"
    entry = "quux:\n  name: Q. Quuxlingham\n  variants: [Quuxlingham]\n"
    ws.edit(persons, lambda t: t + entry)
    made = ws.made()
    assert pages_of_letters(made) == {letter} and "persons/quux/index.html" in made
    assert "quux" in _named_by(ws)[letter]
    assert_same_site(ws.out, ws.clean())
    ws.edit(persons, lambda t: t.replace(entry, ""))
    outcome = ws.build()
    assert pages_of_letters(set(outcome.made)) == {letter}
    assert "persons/quux/index.html" in outcome.removed
    assert not (ws.out / "persons" / "quux").exists()
    assert "quux" not in _named_by(ws)[letter]
    assert_same_site(ws.out, ws.clean())


def test_a_sender_changed_to_another_person(ws):
    letter = middle_letter(ws)
    refs = re.findall(r"(?m)^([a-z0-9-]+):$", (ws.editions / "persons.yaml").read_text())
    # a person whose page has nothing to do with this letter yet
    stranger = next(ref for ref in refs if f"letters/{letter}/" not in
                    (ws.out / "persons" / ref / "index.html").read_text(encoding="utf-8"))
    ws.edit(ws.record(letter), lambda t: re.sub(r"(?m)^senders: .*$",
                                                f"senders: [{{name: Someone Else, ref: {stranger}}}]",
                                                t, count=1))
    made = ws.made()
    assert f"persons/{stranger}/index.html" in made
    assert f"letters/{letter}/" in (ws.out / "persons" / stranger / "index.html").read_text(
        encoding="utf-8")
    assert_same_site(ws.out, ws.clean())


def test_a_deleted_letter_disappears_with_its_files(ws):
    letter = middle_letter(ws)
    # keep the edition valid: nothing may answer the deleted letter
    for other in (ws.editions / "letters").glob("*.md"):
        text = other.read_text(encoding="utf-8")
        if f"in_reply_to: '{letter}'" in text:
            other.write_text(text.replace(f"in_reply_to: '{letter}'", "in_reply_to: null"),
                             encoding="utf-8")
    ws.record(letter).unlink()
    outcome = ws.build()
    assert {f"letters/{letter}/index.html", f"letters/{letter}/tei.xml",
            f"letters/{letter}/letter.json"} <= set(outcome.removed)
    assert not (ws.out / "letters" / letter).exists()
    assert_same_site(ws.out, ws.clean())


def test_facts_no_page_reads_any_more_are_let_go(ws):
    records = sorted((ws.editions / "letters").glob("*.md"))
    for record in records[len(records) // 2:]:
        record.unlink()
    for record in records[:len(records) // 2]:  # (nothing may answer a deleted letter)
        text = record.read_text(encoding="utf-8")
        record.write_text(re.sub(r"in_reply_to: '[^']*'", "in_reply_to: null", text),
                          encoding="utf-8")
    ws.build()
    store, _ = stores.load(ws.out)
    store.complete()
    read = {fact for packed, _ in store.pages.values() for fact in store.facts.unpack(packed)}
    assert set(store.facts.facts) == read
    assert not any(fact[0] in ("letter", "reading") and fact[1] == records[-1].stem
                   for fact in store.facts.facts)
    assert_same_site(ws.out, ws.clean())


def test_the_fact_table_numbers_facts_and_lets_go_of_those_no_page_reads():
    table = stores.FactTable()
    a, b, c = ("letter", "1"), ("letter", "2"), ("years", "")
    pages = {"one": (table.pack([a, c], {a: "x", c: "y"}), "d1"),
             "two": (table.pack([b, c], {b: "z"}), "d2")}
    assert (table.facts, table.prints) == ([a, c, b], ["x", "y", "z"])
    assert [table.unpack(packed) for packed, _ in pages.values()] == [(a, c), (b, c)]
    del pages["one"]
    pruned = table.prune(pages)
    assert (pruned.facts, pruned.prints) == ([c, b], ["y", "z"])
    assert pruned.unpack(pages["two"][0]) == (b, c) and pages["two"][1] == "d2"
    again = pickle.loads(pickle.dumps(pruned))
    assert again.number == {c: 0, b: 1} and again.unpack(pages["two"][0]) == (b, c)


def test_the_fact_table_finds_pages_that_read_a_changed_fact():
    from array import array
    packed = array("I", [0x01000000, 0x00000002, 7]).tobytes()
    across = int.from_bytes(packed[1:5], "little")  # bytes that straddle two numbers
    pages = {"before": (array("I", [5]).tobytes(), "d0"), "page": (packed, "d1"),
             "empty": (b"", "d2"), "after": (array("I", [9, 3]).tobytes(), "d3")}
    assert stores.FactTable.readers(pages, {across}) == set()
    assert stores.FactTable.readers(pages, {7}) == {"page"}
    assert stores.FactTable.readers(pages, {9, 2}) == {"page", "after"}
    assert stores.FactTable.readers(pages, {5, 3}) == {"before", "after"}
    assert stores.FactTable.readers(pages, set()) == set()
    assert stores.FactTable.readers(pages, set(range(100, 200))) is None  # (many: page by page)


def test_an_added_letter_and_a_reply(ws):
    letter = middle_letter(ws)
    text = ws.record(letter).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^id: .*$", "id: added", text, count=1)
    text = re.sub(r"(?m)^number: .*$", "number: null", text, count=1)
    text = re.sub(r"(?m)^in_reply_to: .*$", f"in_reply_to: '{letter}'", text, count=1)
    (ws.editions / "letters" / "added.md").write_text(text, encoding="utf-8")
    remade = pages_of_letters(ws.made())
    assert {"added", letter} <= remade
    assert_same_site(ws.out, ws.clean())


def test_a_template_edit_remakes_the_pages_of_that_template(ws):
    letter_html = ws.templates / "letter.html"
    ws.edit(letter_html, lambda t: t.replace("</article>", "<p>Edited template.</p>\n</article>", 1))
    made = ws.made()
    assert pages_of_letters(made) == {entry["id"] for entry in ws.letters()}
    assert not person_pages(made) and not any(p.endswith((".xml", ".json")) for p in made)
    assert_same_site(ws.out, ws.clean())
    ws.edit(ws.templates / "base.html", lambda t: t.replace("</main>", "<p>Edited base.</p>\n</main>", 1))
    made = ws.made()
    pages = {p.relative_to(ws.out).as_posix() for p in ws.out.rglob("*.html")}
    assert {p for p in pages if not p.startswith("pagefind/")} <= made  # (not the search documents)
    assert_same_site(ws.out, ws.clean())


def test_an_asset_edit_writes_the_asset_only(ws):
    css = ws.templates / "assets" / "edition.css"
    ws.edit(css, lambda t: t + "\n.edited { color: #123456; }\n")
    assert ws.made() == {"assets/edition.css"}
    assert (ws.out / "assets" / "edition.css").read_text(encoding="utf-8").endswith(
        ".edited{color:#123456}")
    assert_same_site(ws.out, ws.clean())
    ws.edit(css, lambda t: t + "\n/* a comment only: nothing shipped changes */\n")
    assert ws.made() == set()


@pytest.mark.parametrize("template, old, new, record, change", [
    # a field of a register entry the list of persons did not show
    ("register.html", "<td>{{ v.entry.description or '' }}</td>",
     "<td>{{ v.entry.description or '' }} {{ v.entry.full_name }}</td>",
     "persons.yaml", lambda t: re.sub(r"(?m)^(  full_name: )(.*)$", r"\1\2 the Younger", t, 1)),
    # a field of another letter the concordance did not show beside a note citing a file
    ("archive.html", "Cited in <a href=\"{{ e.url }}\">note {{ e.note }}</a> to <a href=\"{{ "
     "e.letter.url }}\">{{ e.letter.label }}</a>", "Cited in <a href=\"{{ e.url }}\">note {{ "
     "e.note }}</a> to <a href=\"{{ e.letter.url }}\">{{ e.letter.label }}</a> ({{ "
     "e.letter.title }})", "letters/110.md", retitled("A title shown anew")),
], ids=["entry", "letter"])
def test_a_template_that_shows_a_new_field_never_serves_a_stale_page(ws, template, old, new,
                                                                     record, change):
    """What a page shows is what it read: a template that starts showing another field of a
    register entry or of another letter is followed when that field changes."""
    ws.edit(ws.templates / template, lambda t: t.replace(old, new, 1))
    ws.build()
    before = tree(ws.out)
    ws.edit(ws.editions / record, change)
    made = ws.made()
    assert {"register.html": "persons/index.html",
            "archive.html": "archive/index.html"}[template] in made
    assert_same_site(ws.out, ws.clean())
    assert tree(ws.out) != before


def test_a_template_cannot_show_a_fact_its_page_did_not_read(ws):
    """The letter page reads of the letter before it what a link shows (its label and title),
    not its place: a template that asks for that place is refused with one line, and the site
    stays as it was, never shown with a value from elsewhere."""
    before, store = tree(ws.out), ws.store()
    ws.edit(ws.templates / "letter.html", lambda t: t.replace(
        "<dt data-pagefind-ignore>Place</dt>", "<dt>Place of the letter before</dt><dd>{{ "
        "page.previous.place if page.previous else '' }}</dd>\n<dt data-pagefind-ignore>Place"
        "</dt>", 1))
    outcome = ws.try_build()
    errors = {(Path(d.path).name, d.code, d.level) for d in outcome.diagnostics
              if d.level == "error"}
    assert errors == {("letter.html", "template", "error")}
    assert "place" in " ".join(d.message for d in outcome.diagnostics if d.code == "template")
    assert tree(ws.out) == before and ws.store() == store


# --- a build that fails leaves the site and the store as they were ------------------------------

def test_a_record_with_an_error_then_fixed(ws):
    before, store = tree(ws.out), ws.store()
    letter = middle_letter(ws)
    good = ws.record(letter).read_text(encoding="utf-8")
    ws.record(letter).write_text(good.replace("---\n", "---\nid: [\n", 1), encoding="utf-8")
    outcome = ws.try_build()
    assert has_errors(outcome.diagnostics) and not outcome.written
    assert tree(ws.out) == before and ws.store() == store
    assert_nothing_left_over(ws)
    ws.edit(ws.record(letter), lambda t: t.replace("---\nid: [\n", "---\n", 1)
            .replace("title: ", "title: Fixed ", 1))
    ws.build()
    assert_same_site(ws.out, ws.clean())


def test_a_template_error_leaves_the_site_and_the_store(ws):
    before, store = tree(ws.out), ws.store()
    page = ws.templates / "entry.html"
    good = page.read_text(encoding="utf-8")
    page.write_text(good.replace("{% endblock %}", "{{ no_such_name.attribute }}{% endblock %}", 1),
                    encoding="utf-8")
    ws.edit(ws.record(middle_letter(ws)), retitled("Retitled before the error"))
    outcome = ws.try_build()
    errors = [d for d in outcome.diagnostics if d.level == "error"]
    assert errors and {d.code for d in errors} == {"template"}
    assert all(d.path.endswith("entry.html") for d in errors)
    assert not outcome.written
    assert tree(ws.out) == before and ws.store() == store
    assert_nothing_left_over(ws)
    page.write_text(good, encoding="utf-8")
    ws.build()
    assert_same_site(ws.out, ws.clean())


WRITER_PUT = Writer.put


def full_disk_after(count: int, here: bool = True, there: bool = True):
    """Writer.put as on a disk that fills up after `count` files in a process (this one, the
    crew's workers, or both)."""
    real = WRITER_PUT
    parent = os.getpid()
    written = [0]

    def put(self, relative: str, data: bytes) -> None:
        if (here if os.getpid() == parent else there):
            written[0] += 1
            if written[0] > count:
                raise OSError(errno.ENOSPC, "No space left on device")
        real(self, relative, data)

    return put


def test_a_disk_error_leaves_the_site_and_the_store(ws, monkeypatch):
    before, store = tree(ws.out), ws.store()
    ws.edit(ws.templates / "letter.html", lambda t: t.replace("</article>", "<p>More.</p>\n</article>", 1))
    monkeypatch.setattr(Writer, "put", full_disk_after(3))
    with pytest.raises(EpistolaError, match=r":1: error: No space left on device; the build "
                                            r"stopped and left .*site as it was"):
        ws.try_build()
    assert tree(ws.out) == before and ws.store() == store
    assert_nothing_left_over(ws)
    monkeypatch.undo()
    ws.build()
    assert_same_site(ws.out, ws.clean())


def test_a_store_that_cannot_be_saved_is_a_warning_and_the_next_build_is_a_clean_one(
        ws, monkeypatch):
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Indeed"))

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(stores, "write_file_atomic", full)
        outcome = ws.build()
    [warned] = [d for d in outcome.diagnostics if d.code == "store-unsaved"]
    assert warned.level == "warning" and "No space left on device" in warned.message
    assert "Indeed" in (ws.out / "letters" / letter / "index.html").read_text(encoding="utf-8")
    assert not stores.store_path(ws.out).exists()  # nothing stale to trust
    ws.edit(ws.record(letter), text_edit("Moreover"))
    assert ws.build().first
    assert_same_site(ws.out, ws.clean())


# --- the store ------------------------------------------------------------------------------------

def _stamped_otherwise(ws: Workspace, monkeypatch, name: str, value) -> None:
    """Save the store again as another version or other code would have written it."""
    store, _ = stores.load(ws.out)
    with monkeypatch.context() as patched:
        patched.setattr(stores, name, value)
        stores.save(ws.out, store)


@pytest.mark.parametrize("how", ["version", "code", "garbage", "truncated"])
def test_a_store_from_elsewhere_is_set_aside_with_a_note_and_the_build_goes_on(ws, monkeypatch,
                                                                             how):
    if how == "version":
        _stamped_otherwise(ws, monkeypatch, "STORE_VERSION", stores.STORE_VERSION + 1)
    elif how == "code":
        _stamped_otherwise(ws, monkeypatch, "code_fingerprint", lambda: "other code")
    elif how == "garbage":
        stores.store_path(ws.out).write_bytes(b"not a pickle")
    else:
        stores.store_path(ws.out).write_bytes(ws.store()[:-100])
    ws.edit(ws.record(middle_letter(ws)), retitled("After the store was set aside"))
    outcome = ws.build()
    [note] = [d for d in outcome.diagnostics if d.code == "store-discarded"]
    assert note.level == "note" and not has_errors([note], strict=True)  # never a failure
    assert note.code == "store-discarded" and note.path == str(stores.store_path(ws.out))
    assert "this build makes every page again" in note.message
    assert outcome.first
    assert_same_site(ws.out, ws.clean())
    again = ws.build()
    assert again.made == [] and not [d for d in again.diagnostics
                                     if d.code == "store-discarded"]


def test_a_store_saved_by_another_build_after_its_head_was_read(ws):
    """The body is read later than the head (Store.complete): when another build has saved
    its store in between, the whole of the newer one is taken."""
    kept, _ = stores.load(ws.out)
    ws.edit(ws.record(middle_letter(ws)), text_edit("Indeed"))
    ws.build()
    assert kept.complete() == []
    newer, _ = stores.load(ws.out)
    newer.complete()
    assert (kept.inputs, kept.inventory, kept.pages, set(kept.records)) == \
        (newer.inputs, newer.inventory, newer.pages, set(newer.records))


def test_whole_edition_facts_read_the_same_in_another_process(ws, monkeypatch):
    """Whole-edition facts are kept as the digest of their repr: another process, whose string
    hashes differ, finds every one of them unchanged and makes no file again."""
    monkeypatch.setattr(recipe, "SETTLED_NS", 0)  # (the files were copied a moment ago)
    ws.build()
    store, _ = stores.load(ws.out)
    store.complete()
    store.inventory, store.inputs = "", None  # (so that every fact is compared)
    stores.save(ws.out, store)
    env = {**os.environ, "PYTHONHASHSEED": "4321", "SOURCE_DATE_EPOCH": "1700000000"}
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--timings",
                             "--editions", str(ws.editions), "--out", str(ws.out),
                             "--templates", str(ws.templates)], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "nothing changed" in result.stderr
    assert "\nmade by kind: \n" in result.stderr + "\n", result.stderr


def test_a_build_stopped_after_its_commit_leaves_no_store_of_the_site_before(ws, monkeypatch):
    """The data files' pieces are copied from the live files at the places the store gives:
    a store that described the site before the last commit would put them in the wrong place."""
    letters = ws.letters()
    ws.edit(ws.record(letters[5]["id"]), retitled("A title a good deal longer than before"))
    ws.edit(ws.record(letters[30]["id"]), retitled("Short"))

    def stopped(self):
        raise KeyboardInterrupt
    with monkeypatch.context() as patched:
        patched.setattr(Writer, "tidy", stopped)  # (after the commit, before the store is saved)
        with pytest.raises(KeyboardInterrupt):
            ws.try_build()
    assert not stores.store_path(ws.out).exists()
    ws.edit(ws.record(letters[20]["id"]), text_edit("Afterwards"))
    ws.build()
    json.loads((ws.out / "data" / "letters.json").read_bytes())
    assert_same_site(ws.out, ws.clean())


def test_a_lost_store_means_a_clean_build(ws):
    stores.forget(ws.out)
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Indeed"))
    outcome = ws.build()
    assert outcome.first and len(outcome.analysed) == N
    assert_same_site(ws.out, ws.clean())


def test_an_unchanged_record_is_not_read_again(ws, monkeypatch):
    """A record whose size, times and inode are those the store knows is taken from the store
    unread (a record changed a moment ago is read all the same, as its time may not show a
    second change within the same tick of the clock)."""
    monkeypatch.setattr(recipe, "SETTLED_NS", 0)  # (the records were copied a moment ago)
    stores.forget(ws.out)
    ws.build()
    read: list[str] = []
    real = fs.read_text

    def spy(path, shown=None):
        if path.parent.name == "letters":
            read.append(path.name)
        return real(path, shown)

    monkeypatch.setattr(fs, "read_text", spy)
    assert ws.build().made == [] and read == []
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Indeed"))
    ws.build()
    assert read == [f"{letter}.md"]
    assert_same_site(ws.out, ws.clean())


def test_a_record_changed_in_place_with_its_size_and_time_kept_is_read_again(ws, monkeypatch):
    """Its change time tells it (a copy with `cp -p`, a restore from a backup)."""
    monkeypatch.setattr(recipe, "SETTLED_NS", 0)
    stores.forget(ws.out)
    ws.build()
    letter = middle_letter(ws)
    path = ws.record(letter)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    at = text.index("e", text.index("{.salutation}"))
    path.write_text(text[:at] + "E" + text[at + 1:], encoding="utf-8")  # the same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same time
    assert path.stat().st_size == before.st_size and path.stat().st_ino == before.st_ino
    ws.build()
    assert_same_site(ws.out, ws.clean())


# --- the crew: worker processes for large builds --------------------------------------------------

def on_two_cores(monkeypatch) -> list:
    """Builds fork a crew of two, whatever the size of the edition and of the machine; the
    list returned collects each crew started."""
    from epistola.engine.crew import Crew

    started: list = []
    monkeypatch.setattr(recipe, "CREW_WORK", 1)
    monkeypatch.setattr(recipe, "cores", lambda: 2)
    monkeypatch.setattr(recipe, "Crew", lambda size: started.append(size) or Crew(size))
    return started


def _ran_alone(test: str) -> bool:
    """A crew is forked from this process, which must then have no other thread (an earlier
    test may have left a server running): when it has, the test runs alone in a fresh
    interpreter (True)."""
    import subprocess
    import sys

    if threading.active_count() == 1:
        return False
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          f"{__file__}::{test}"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    return True


def children() -> set[str]:
    """The processes this one forked and has not reaped (running or ended)."""
    return set(Path(f"/proc/self/task/{os.getpid()}/children").read_text().split())


def test_the_crew_makes_the_same_bytes_as_one_process(tmp_path, corpus, monkeypatch):
    if _ran_alone("test_the_crew_makes_the_same_bytes_as_one_process"):
        return
    before = children()
    alone = Workspace(tmp_path / "alone", corpus)
    alone_diagnostics = alone.build().diagnostics
    started = on_two_cores(monkeypatch)
    monkeypatch.setattr(recipe, "READINGS_HELD", 3)  # (most readings wait on disk: spill.Spill)
    joined: list[dict] = []  # the pieces of the data files, as the join gets them
    real_join = recipe._Build.join
    monkeypatch.setattr(recipe._Build, "join", lambda self, site, pieces, *rest: (
        joined.append(dict(pieces)), real_join(self, site, pieces, *rest))[1])
    ws = Workspace(tmp_path / "crew", corpus)
    outcome = ws.build()
    assert started == [2]  # one crew, for the reading and the making
    assert_same_site(ws.out, alone.out)
    assert joined and all(isinstance(piece, tuple) for piece in joined[0].values())  # (spooled)
    assert [str(d).replace("/crew/", "/") for d in outcome.diagnostics] == \
        [str(d).replace("/alone/", "/") for d in alone_diagnostics]
    # and an incremental build whose work is shared (every letter page, for a template edit)
    ws.edit(ws.templates / "letter.html", lambda t: t.replace("</article>", "<p>Crew.</p>\n</article>", 1))
    ws.edit(ws.record(middle_letter(ws)), retitled("Made by the crew"))
    ws.build()
    assert len(started) == 2
    assert_same_site(ws.out, ws.clean())
    assert children() == before


@pytest.mark.parametrize("where", ["worker", "here"])
def test_a_disk_error_with_a_crew_leaves_the_site_and_the_store(tmp_path, corpus, monkeypatch,
                                                                where):
    """A full disk in a worker or in this process stops the build: the workers end, and the
    files they wrote go with this process's, so the site and the store stay as they were."""
    if _ran_alone(f"test_a_disk_error_with_a_crew_leaves_the_site_and_the_store[{where}]"):
        return
    ws = Workspace(tmp_path, corpus)
    ws.build()
    before, store, forked = tree(ws.out), ws.store(), children()
    on_two_cores(monkeypatch)
    ws.edit(ws.templates / "letter.html", lambda t: t.replace("</article>", "<p>Crew.</p>\n</article>", 1))
    monkeypatch.setattr(Writer, "put", full_disk_after(5, here=where == "here",
                                                       there=where == "worker"))
    with pytest.raises(EpistolaError, match="No space left on device; the build stopped"):
        ws.try_build()
    assert children() == forked
    assert tree(ws.out) == before and ws.store() == store
    assert_nothing_left_over(ws)
    monkeypatch.setattr(Writer, "put", WRITER_PUT)  # space again
    ws.build()
    assert_same_site(ws.out, ws.clean())


def test_a_template_error_with_a_crew_leaves_the_site_and_the_store(tmp_path, corpus,
                                                                     monkeypatch):
    """Each process reports the error of the pages it made, as one line, and the files the
    workers wrote go with the build."""
    if _ran_alone("test_a_template_error_with_a_crew_leaves_the_site_and_the_store"):
        return
    ws = Workspace(tmp_path, corpus)
    ws.build()
    before, store = tree(ws.out), ws.store()
    on_two_cores(monkeypatch)
    page = ws.templates / "letter.html"
    good = page.read_text(encoding="utf-8")
    page.write_text(good.replace("</article>", "{% if page.row.number > 120 %}{{ no_such.name }}"
                                 "{% endif %}</article>", 1), encoding="utf-8")
    outcome = ws.try_build()
    errors = [d for d in outcome.diagnostics if d.level == "error"]
    assert len(errors) == 1 and errors[0].code == "template", [str(d) for d in errors]
    assert Path(errors[0].path).name == "letter.html"
    assert not outcome.written
    assert tree(ws.out) == before and ws.store() == store
    assert_nothing_left_over(ws)
    page.write_text(good, encoding="utf-8")
    ws.build()
    assert_same_site(ws.out, ws.clean())


# --- serve: one store kept in memory across builds -------------------------------------------------

def serve_build(ws: Workspace, kept: dict) -> Outcome:
    """A build as serve runs it: with the store of the build before, kept in memory (the first
    build without the search index), and the store saved after a build that wrote."""
    options = Options(ws.editions, ws.out, ws.templates, write=True, search=kept["store"] is None)
    with fs.build_lock(ws.out):
        outcome, store = recipe.run(options, kept["store"])
        if outcome.written:
            kept["store"] = store
            stores.save(ws.out, store)
    return outcome


def test_builds_with_the_store_kept_in_memory_equal_clean_builds(ws):
    kept: dict = {"store": None}
    first = serve_build(ws, kept)
    assert first.written and first.made == []  # (the store on disk: nothing to do)
    data = ws.letters()
    edits = [(data[0]["id"], text_edit("Firstly")), (data[1]["id"], retitled("Secondly")),
             (data[2]["id"], lambda t: t.replace("---\n", "---\nid: [\n", 1)),  # an error
             (data[2]["id"], lambda t: retitled("Thirdly")(t.replace("---\nid: [\n", "---\n", 1))),
             (data[3]["id"], lambda t: re.sub(r"date: \{.*\}", "date: {text: 'May 1, 1927', "
                                              "when: '1927-05-01'}", t, count=1))]
    for letter, change in edits:
        ws.edit(ws.record(letter), change)
        outcome = serve_build(ws, kept)
        if has_errors(outcome.diagnostics):
            assert not outcome.written
            continue
        assert outcome.made and pages_of_letters(set(outcome.made)) < {e["id"] for e in data}
        assert_same_site(ws.out, ws.clean())
    # the command line goes on from the store serve saved: nothing to make
    assert ws.build().made == []


def test_serve_warming_up_while_idle_leaves_the_store_and_spares_the_first_save_the_corpus(
        ws, monkeypatch):
    kept: dict = {"store": None}
    serve_build(ws, kept)  # (the store on disk: nothing to do)
    store = kept["store"]
    store.complete()
    recipe._corpus_made.clear()
    recipe._registers_made.clear()
    letter = middle_letter(ws)
    records = dict(store.records)
    ws.edit(ws.record(letter), text_edit("Warmly"))  # saved before the warm-up read it
    recipe.warm(Options(ws.editions, ws.out, ws.templates, write=True, search=False), store)
    assert store.records == records  # (the store still says what the site was built from)

    def made_again(*args):
        raise AssertionError("the corpus was made again")
    with monkeypatch.context() as patched:
        patched.setattr(recipe._Build, "make_corpus", made_again)
        outcome = serve_build(ws, kept)
    assert pages_of_letters(set(outcome.made)) == {letter}
    assert "Warmly" in (ws.out / "letters" / letter / "index.html").read_text(encoding="utf-8")
    assert_same_site(ws.out, ws.clean())


def test_with_the_search_index(ws):
    ws.build(search=True)
    ws.edit(ws.record(middle_letter(ws)), retitled("Indexed anew"))
    ws.build(search=True)
    assert_same_site(ws.out, ws.clean(search=True))
