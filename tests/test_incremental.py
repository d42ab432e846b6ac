"""Incremental builds are byte-identical to clean full builds, and re-render only what changed.

Each test edits a copy of a small synthetic edition (40 letters with replies, correspondences, name
variants and archival citations) in one way, builds incrementally over the previous build, builds
the same records from scratch into another folder, and compares the two sites file by file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Callable

import pytest

from bench.corpus import generate
from epistola.diagnostics import EpistolaError, has_errors
from epistola.incremental import BuildCache, cache_folder
from epistola.pipeline import DEFAULT_TEMPLATES, discard_old_index, index_later, run_build
from epistola.records import parse_letter

N = 40


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    editions = tmp_path_factory.mktemp("corpus") / "editions"
    generate(N, editions, seed=3)
    return editions


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

    def build(self, cache: BuildCache | None = None, search: bool = False) -> list[str]:
        diags = run_build(self.editions, self.out, templates=self.templates, search=search,
                          cache=cache)
        assert not has_errors(diags), [str(d) for d in diags]
        return [str(d) for d in diags]

    def clean(self, search: bool = False) -> Path:
        self.clean_count += 1
        out = self.root / f"clean-{self.clean_count}"
        diags = run_build(self.editions, out, templates=self.templates, search=search,
                          incremental=False)
        assert not has_errors(diags), [str(d) for d in diags]
        return out

    def record(self, letter_id: str) -> Path:
        return self.editions / "letters" / f"{letter_id}.md"

    def edit(self, path: Path, change: Callable[[str], str]) -> None:
        text = path.read_text(encoding="utf-8")
        new = change(text)
        assert new != text
        path.write_text(new, encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_site(incremental: Path, clean: Path) -> None:
    a, b = tree(incremental), tree(clean)
    assert sorted(a) == sorted(b), (sorted(set(a) - set(b))[:5], sorted(set(b) - set(a))[:5])
    differ = [p for p in a if a[p] != b[p]]
    assert differ == [], differ[:10]


@pytest.fixture
def ws(tmp_path, corpus) -> Workspace:
    w = Workspace(tmp_path, corpus)
    w.build()
    return w


def made(ws: Workspace) -> set[str]:
    """Files the last build made (in a fresh BuildCache, as the command line does)."""
    cache = BuildCache(ws.out)
    ws.build(cache)
    return set(cache.last_made)


def middle_letter(ws: Workspace) -> str:
    data = json.loads((ws.out / "data" / "letters.json").read_bytes())
    return data["letters"][N // 2]["id"]


def pages_of_letters(paths: set[str]) -> set[str]:
    return {p.split("/")[1] for p in paths if p.startswith("letters/") and p.count("/") == 2}


# --- nothing changed ------------------------------------------------------------------------------

def test_nothing_changed_makes_nothing_and_keeps_the_site(ws):
    before = tree(ws.out)
    assert made(ws) == set()
    assert tree(ws.out) == before
    assert_same_site(ws.out, ws.clean())


def test_nothing_changed_still_reports_the_warnings(ws):
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), lambda t: t.replace("in_reply_to: null", "in_reply_to: null\nmood: calm", 1)
            if "in_reply_to: null" in t else t.replace("---\n", "---\nmood: calm\n", 1))
    first = ws.build()
    assert any("[record-unknown-key]" in line for line in first)
    cache = BuildCache(ws.out)
    assert ws.build(cache) == first and cache.last_made == set()


def test_first_incremental_build_equals_a_clean_build(ws):
    assert_same_site(ws.out, ws.clean())


# --- edits, each compared with a clean build -----------------------------------------------------

def test_a_text_edit_remakes_that_letter_and_the_lists_only(ws):
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), lambda t: t.replace("\n\n{.closing}", " An added sentence.\n\n{.closing}", 1)
            if "{.closing}" in t else t.rstrip("\n") + "\n\nAn added paragraph.\n")
    remade = made(ws)
    assert pages_of_letters(remade) == {letter}
    assert {f"letters/{letter}/index.html", f"letters/{letter}/tei.xml",
            f"letters/{letter}/letter.json", "data/letters.json"} <= remade
    assert not any(p.startswith("persons/") and p != "persons/index.html" for p in remade)
    assert_same_site(ws.out, ws.clean())


def _add_body_paragraph(text: str) -> str:
    """A paragraph at the end of the body, before the notes (the record ends with them)."""
    at = text.find("\n\n[^")
    at = len(text.rstrip("\n")) if at < 0 else at
    return text[:at] + "\n\nAn added paragraph." + text[at:]


def test_a_text_edit_parses_that_body_only(ws, monkeypatch):
    """The other bodies are neither parsed nor loaded: what is wrong with a body is remembered
    apart from the body (the memo files shrink to what a one-letter build uses)."""
    from epistola import corpus as corpus_module

    parsed = []
    real = corpus_module.parse_body
    monkeypatch.setattr(corpus_module, "parse_body", lambda body: parsed.append(body) or real(body))
    made(ws)  # the first build after the full one forgets the bodies it did not use
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), _add_body_paragraph)
    parsed.clear()
    cache = BuildCache(ws.out)
    ws.build(cache)
    assert pages_of_letters(set(cache.last_made)) == {letter}
    assert len(parsed) == 1 and "An added paragraph." in parsed[0]
    kept = [key for key in cache.memo.entries if key[0] == "body"]
    assert len(kept) == 1 and "An added paragraph." in kept[0][1]
    assert_same_site(ws.out, ws.clean())


def _person_not_in(ws: Workspace, letter: str) -> tuple[str, str]:
    """(ref, a name form) of a person the letter neither names nor is written by or to."""
    import yaml

    text = ws.record(letter).read_text(encoding="utf-8")
    persons = yaml.safe_load((ws.editions / "persons.yaml").read_text(encoding="utf-8"))
    for ref, person in sorted(persons.items()):
        forms = [person["name"], *person.get("variants", ())]
        if ref not in text and not any(form in text for form in forms):
            return ref, forms[-1]
    raise AssertionError("every person is in the letter")


@pytest.mark.parametrize("warm", [False, True], ids=["fresh process", "warm cache"])
def test_a_name_added_to_a_letter_and_taken_out_again(ws, warm):
    """A person's page and the register follow the names a letter gains and loses, and no other
    person's page is made again (the person keys of the other persons are reused)."""
    letter = middle_letter(ws)
    ref, form = _person_not_in(ws, letter)
    cache = BuildCache(ws.out) if warm else None
    original = ws.record(letter).read_text(encoding="utf-8")
    ws.edit(ws.record(letter), lambda t: t.rstrip("\n") + f"\n\nGreetings to {form}.\n")
    for _ in range(2):
        if warm:
            ws.build(cache)
            remade = set(cache.last_made)
        else:
            remade = made(ws)
        persons = {p.split("/")[1] for p in remade if p.startswith("persons/") and p.count("/") == 2}
        assert persons == {ref}
        assert "persons/index.html" in remade
        assert_same_site(ws.out, ws.clean())
        ws.record(letter).write_text(original, encoding="utf-8")


def test_a_date_edit_moves_the_letter_and_remakes_old_and_new_neighbours(ws):
    data = json.loads((ws.out / "data" / "letters.json").read_bytes())["letters"]
    moved, first = data[N // 2]["id"], data[0]
    old_neighbours = {data[N // 2 - 1]["id"], data[N // 2 + 1]["id"]}
    ws.edit(ws.record(moved), lambda t: re.sub(r"date: \{.*\}", "date: {text: 'January 1, 1912', "
                                               "when: '1912-01-01'}", t, count=1))
    remade = pages_of_letters(made(ws))
    assert {moved, first["id"]} | old_neighbours <= remade
    assert len(remade) < N // 2
    assert_same_site(ws.out, ws.clean())


def test_a_title_edit_remakes_the_pages_that_link_to_the_letter(ws):
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), lambda t: re.sub(r"(?m)^title: .*$", "title: A new title", t, count=1))
    remade = pages_of_letters(made(ws))
    assert letter in remade and 2 <= len(remade) < N
    assert_same_site(ws.out, ws.clean())


def test_a_person_edit_in_the_register(ws):
    persons = ws.editions / "persons.yaml"
    ws.edit(persons, lambda t: re.sub(r"(?m)^(  name: )(.*)$", r"\1\2 Jr.", t, count=1))
    made(ws)
    assert_same_site(ws.out, ws.clean())


def test_a_persons_dates_and_description_remake_that_persons_page_and_the_list_only(ws, monkeypatch):
    """What only a person's own page and the list of persons show: no letter is linked or
    checked again, and no other page is made."""
    import epistola.corpus

    persons = ws.editions / "persons.yaml"
    ref = re.match(r"([a-z0-9-]+):", persons.read_text(encoding="utf-8")).group(1)
    ws.edit(persons, lambda t: re.sub(r"(?m)^(  dates: )(.*)$", r"\1c. \2", t, count=1))
    ws.edit(persons, lambda t: re.sub(r"(?m)^(  description: )(.*)$", r"\1Later \2", t, count=1))
    linked = []
    real = epistola.corpus._letter_mentions
    monkeypatch.setattr(epistola.corpus, "_letter_mentions",
                        lambda *args: linked.append(args[0].id) or real(*args))
    assert made(ws) == {f"persons/{ref}/index.html", "persons/index.html"}
    assert linked == []
    assert_same_site(ws.out, ws.clean())


def test_a_register_entry_moved_in_the_file_changes_only_the_lines_of_its_warnings(ws):
    persons = ws.editions / "persons.yaml"
    unused = "nobody:\n  name: A. Nobody\n  variants: [Nobodyovich]\n"
    ws.edit(persons, lambda t: unused + t)
    first = ws.build()
    assert any("persons.yaml:1: warning: person 'nobody'" in d for d in first)
    ws.edit(persons, lambda t: t.removeprefix(unused) + unused)
    cache = BuildCache(ws.out)
    moved = ws.build(cache)
    assert cache.last_made == set()
    line = persons.read_text(encoding="utf-8").count("\n") - 2
    assert any(f"persons.yaml:{line}: warning: person 'nobody'" in d for d in moved)
    clean = run_build(ws.editions, ws.root / "clean-moved", templates=ws.templates, search=False,
                      incremental=False)
    assert moved == [str(d) for d in clean]
    assert_same_site(ws.out, ws.root / "clean-moved")


def test_a_new_name_variant_links_names_in_other_letters(ws):
    persons = ws.editions / "persons.yaml"
    ws.edit(persons, lambda t: re.sub(r"(?m)^(  variants: \[)", r"\1Comrade, ", t, count=1))
    made(ws)
    assert_same_site(ws.out, ws.clean())


def test_a_new_variant_remakes_the_letters_whose_words_it_links_and_no_other(ws):
    """Each letter's pages are keyed by its view of the register (which words link to whom,
    and the names of those persons and of its writers and recipients): a new variant remakes
    the letter whose word it links and those that name the person already (their pages list
    the person's names for the search), and no other letter's files."""
    letter = middle_letter(ws)
    ref, _ = _person_not_in(ws, letter)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    ws.build()
    naming = {lid for lid, refs in _named_by(ws).items() if ref in refs}
    assert letter not in naming and len(naming | {letter}) < N
    persons = ws.editions / "persons.yaml"
    ws.edit(persons, lambda t: re.sub(rf"(?m)^({ref}:\n(?:  .*\n)*?  variants: \[)",
                                      r"\1Quuxlingham, ", t, count=1))
    remade = made(ws)
    assert pages_of_letters(remade) == naming | {letter}
    assert ref in _named_by(ws)[letter]
    assert f"persons/{ref}/index.html" in remade
    assert_same_site(ws.out, ws.clean())


def test_a_new_variant_makes_again_the_cmif_entries_of_the_letters_whose_view_changed(
        ws, monkeypatch):
    """A letter's entry in cmif.xml reads of the register whether its writers and recipients are
    in it, and their kind: all in the letter's view of the register. A new variant makes again
    the entries of the letters whose view it changed (those that link the person), no other."""
    import epistola.export.cmif as cmif

    letter = middle_letter(ws)
    ref, _ = _person_not_in(ws, letter)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    ws.build()
    entries = []
    real = cmif._corresp_desc_bytes
    monkeypatch.setattr(cmif, "_corresp_desc_bytes",
                        lambda corpus, one, bibl: entries.append(one.id) or real(corpus, one, bibl))
    persons = ws.editions / "persons.yaml"
    ws.edit(persons, lambda t: re.sub(rf"(?m)^({ref}:\n(?:  .*\n)*?  variants: \[)",
                                      r"\1Quuxlingham, ", t, count=1))
    assert "data/cmif.xml" in made(ws)
    linking = {lid for lid, refs in _named_by(ws).items() if ref in refs}
    assert letter in linking and len(linking) < N
    assert sorted(entries) == sorted(linking)
    assert_same_site(ws.out, ws.clean())


def test_an_organisation_in_the_register_remakes_the_letters_that_name_it(ws):
    """The TEI files call it orgName; every letter that names it or is written by or to it
    is made again, and the result is the clean build's."""
    import yaml

    persons = ws.editions / "persons.yaml"
    ref = next(iter(yaml.safe_load(persons.read_text(encoding="utf-8"))))
    ws.edit(persons, lambda t: t.replace(f"{ref}:\n", f"{ref}:\n  kind: organisation\n", 1))
    remade = pages_of_letters(made(ws))
    named = {lid for lid, places in _named_by(ws).items() if ref in places}
    assert named and named <= remade
    assert_same_site(ws.out, ws.clean())


def test_a_person_added_to_the_register_and_taken_out_again(ws):
    """Names in the text link to a new entry, and lose the link when it goes; the letters
    that do not use its names keep their files both times."""
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    ws.build()
    persons = ws.editions / "persons.yaml"
    entry = "quux:\n  name: Q. Quuxlingham\n  variants: [Quuxlingham]\n"
    ws.edit(persons, lambda t: t + entry)
    remade = made(ws)
    assert pages_of_letters(remade) == {letter} and "persons/quux/index.html" in remade
    assert _named_by(ws)[letter] >= {"quux"}
    assert_same_site(ws.out, ws.clean())
    ws.edit(persons, lambda t: t.replace(entry, ""))
    remade = made(ws)
    assert pages_of_letters(remade) == {letter} and "persons/quux/index.html" not in tree(ws.out)
    assert "quux" not in _named_by(ws)[letter]
    assert_same_site(ws.out, ws.clean())


def test_with_the_caches_in_memory_a_register_edit_links_only_the_letters_using_its_forms(
        ws, monkeypatch):
    """serve keeps the name index of the build before: a letter whose text holds none of the
    forms an edit added, took out or gave to another person keeps its name links, and only
    the letters that hold one are linked again. A person whose entry did not change but who
    lost or gained a place (a longer form of another person's now links the words) has that
    page made again all the same."""
    import epistola.corpus
    import yaml

    letter = middle_letter(ws)
    text = ws.record(letter).read_text(encoding="utf-8")
    entries = yaml.safe_load((ws.editions / "persons.yaml").read_text(encoding="utf-8"))
    first = next(ref for ref, p in sorted(entries.items()) if ref not in text and not any(
        form in text for form in (p["name"], *p.get("variants", ()))))
    second = next(ref for ref in sorted(entries) if ref != first)
    ws.edit(ws.record(letter), text_edit("Quuxlingham Zed"))
    cache = BuildCache(ws.out)
    ws.build(cache)
    linked = []
    real = epistola.corpus._letter_mentions
    monkeypatch.setattr(epistola.corpus, "_letter_mentions",
                        lambda *args: linked.append(args[0].id) or real(*args))
    persons = ws.editions / "persons.yaml"

    def variant(ref: str, form: str) -> Callable[[str], str]:
        return lambda t: re.sub(rf"(?m)^({ref}:\n(?:  .*\n)*?  variants: \[)", rf"\1{form}, ",
                                t, count=1)

    for change, relinked, named, not_named in (
            (lambda t: t + "zyx:\n  name: Z. Zyxwvut\n  variants: [Zyxwvut]\n", [], set(),
             {first}),
            (variant(first, "Quuxlingham"), [letter], {first}, set()),
            (variant(second, "Quuxlingham Zed"), [letter], {second}, {first}),
            (lambda t: t.replace("Quuxlingham Zed, ", ""), [letter], {first}, set())):
        ws.edit(persons, change)
        linked.clear()
        ws.build(cache)
        assert linked == relinked
        assert named <= _named_by(ws)[letter] and not not_named & _named_by(ws)[letter]
        assert_same_site(ws.out, ws.clean())


@pytest.mark.parametrize("written, form", [("Quux\\Zed", "Quux\\Zed"),
                                           ("Quux\\\\Zed", "Quux\\Zed"),
                                           ("Quux\x00Zed", "Quux\ufffdZed")],
                         ids=["backslash", "escaped backslash", "NUL"])
def test_with_the_caches_in_memory_a_form_the_source_spells_otherwise_links_again(
        ws, written, form):
    """The parsed text keeps a backslash before a letter, makes one of an escaped one and
    U+FFFD of NUL: a changed form holding one of them is not looked for in the source (where
    it is spelt otherwise), and every letter is linked again."""
    letter = middle_letter(ws)
    ref, _ = _person_not_in(ws, letter)
    ws.edit(ws.record(letter), text_edit(written))
    cache = BuildCache(ws.out)
    ws.build(cache)
    persons = ws.editions / "persons.yaml"
    quoted = '"' + form.replace("\\", "\\\\").replace("\ufffd", "\\ufffd") + '"'
    ws.edit(persons, lambda t: re.sub(rf"(?m)^({ref}:\n(?:  .*\n)*?  variants: \[)",
                                      lambda m: m.group(1) + quoted + ", ", t, count=1))
    ws.build(cache)
    assert ref in _named_by(ws)[letter]
    assert_same_site(ws.out, ws.clean())


def _named_by(ws: Workspace) -> dict[str, set[str]]:
    """Letter id -> the refs its page links to, as the live site shows them."""
    found = {}
    for page in (ws.out / "letters").glob("*/index.html"):
        text = page.read_text(encoding="utf-8")
        found[page.parent.name] = set(re.findall(r'href="\.\./\.\./persons/([a-z0-9-]+)/"', text))
    return found


def test_a_register_edit_leaves_the_work_that_does_not_read_the_register(ws, monkeypatch):
    """A new variant may link names anywhere, so every letter is linked again; but its
    archival citations, its rows of letters.csv (and entries of letters.json, made alike) and
    its characters are not looked at again."""
    import epistola.corpus
    import epistola.export
    import epistola.export.tabular

    done = []
    for module, name in ((epistola.corpus, "cited_in_notes"), (epistola.export, "_unsafe_in"),
                         (epistola.export.tabular, "_csv_row")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, _real=real, _name=name:
                            done.append(_name) or _real(*args))
    ws.build(BuildCache(ws.out))
    assert done == []
    persons = ws.editions / "persons.yaml"
    ws.edit(persons, lambda t: re.sub(r"(?m)^(  variants: \[)", r"\1Comrade, ", t, count=1))
    made(ws)
    assert done == []
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
    remade = made(ws)
    assert f"persons/{stranger}/index.html" in remade
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
    made(ws)
    assert not (ws.out / "letters" / letter).exists()
    assert_same_site(ws.out, ws.clean())


def test_an_added_letter_and_a_reply(ws):
    letter = middle_letter(ws)
    text = ws.record(letter).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^id: .*$", "id: added", text, count=1)
    text = re.sub(r"(?m)^number: .*$", "number: null", text, count=1)
    text = re.sub(r"(?m)^in_reply_to: .*$", f"in_reply_to: '{letter}'", text, count=1)
    (ws.editions / "letters" / "added.md").write_text(text, encoding="utf-8")
    remade = pages_of_letters(made(ws))
    assert {"added", letter} <= remade
    assert_same_site(ws.out, ws.clean())


def test_a_template_edit_remakes_the_pages_of_that_template(ws):
    letter_html = ws.templates / "letter.html"
    ws.edit(letter_html, lambda t: t.replace("</article>", "<p>Edited template.</p>\n</article>", 1))
    remade = made(ws)
    letters = {p for p in remade if p.endswith("/index.html") and p.startswith("letters/")
               and p.count("/") == 2}
    assert len(letters) == N
    assert not any(p.startswith("persons/") for p in remade)
    assert_same_site(ws.out, ws.clean())
    base = ws.templates / "base.html"
    ws.edit(base, lambda t: t.replace("</main>", "<p>Edited base.</p>\n</main>", 1))
    assert any(p.startswith("persons/") for p in made(ws))
    assert_same_site(ws.out, ws.clean())


def test_an_asset_edit(ws):
    css = ws.templates / "assets" / "edition.css"
    ws.edit(css, lambda t: t + "\n/* edited */\n")
    assert made(ws) == set()  # no page depends on an asset's content; the file itself is copied
    assert (ws.out / "assets" / "edition.css").read_text(encoding="utf-8").endswith("/* edited */\n")
    assert_same_site(ws.out, ws.clean())


def test_several_edits_in_a_row_with_a_warm_cache(ws):
    """The serve loop keeps one cache in memory across builds."""
    cache = BuildCache(ws.out)
    ids = json.loads((ws.out / "data" / "letters.json").read_bytes())["letters"]
    for i, entry in enumerate(ids[:5]):
        ws.edit(ws.record(entry["id"]), lambda t, i=i: re.sub(r"(?m)^title: .*$",
                                                             f"title: Edited {i}", t, count=1))
        ws.build(cache)
        assert pages_of_letters(set(cache.last_made)) >= {entry["id"]}
    assert_same_site(ws.out, ws.clean())


@pytest.mark.parametrize("warm", [False, True], ids=["fresh process", "warm cache"])
def test_spare_files_the_last_build_checked_are_not_checked_again(ws, warm, monkeypatch):
    """The spare folder is the site the last build swapped out, whose files that build found
    unchanged but for those it made: only those are looked at again. A page vandalised in place
    (which also changes its hard link in the spare folder) is still made again, and the site
    equals a clean build."""
    import epistola.incremental as incremental

    checks = []
    real = incremental._unchanged
    monkeypatch.setattr(incremental, "_unchanged", lambda *a: checks.append(a) or real(*a))
    warm_cache = BuildCache(ws.out)
    letters = json.loads((ws.out / "data" / "letters.json").read_bytes())["letters"]

    def edit_and_build(i: int) -> BuildCache:
        ws.edit(ws.record(letters[i]["id"]), lambda t: t.replace("\n\n", f"\n\nEdit {i}.\n\n", 1))
        checks.clear()
        cache = warm_cache if warm else BuildCache(ws.out)
        ws.build(cache)
        return cache

    edit_and_build(0)  # fills the spare folder
    edit_and_build(1)
    assert len(checks) < 20, len(checks)  # only the files the build before made
    (ws.out / "about" / "index.html").write_text("vandalised", encoding="utf-8")
    assert "about/index.html" in edit_and_build(2).last_made
    edit_and_build(3)
    assert_same_site(ws.out, ws.clean())


def test_a_build_that_stops_while_writing_the_spare_folder_leaves_it_untrusted(ws, monkeypatch):
    """A build that wrote an edited page into the spare folder and then stopped (an error, a
    kill) must not leave that page to be taken for the live one: the edit is undone before the
    next build, which would otherwise reuse it."""
    import epistola.incremental as incremental

    ws.edit(ws.record(middle_letter(ws)), text_edit("Firstly"))
    ws.build(BuildCache(ws.out))  # fills the spare folder
    ws.edit(ws.record(middle_letter(ws)), text_edit("Secondly"))
    ws.build(BuildCache(ws.out))
    letter = json.loads((ws.out / "data" / "letters.json").read_bytes())["letters"][0]["id"]
    record = ws.record(letter)
    before = record.read_bytes()
    ws.edit(record, text_edit("Quuxlingham"))

    def killed(*args):
        raise KeyboardInterrupt

    swap = incremental._swap
    monkeypatch.setattr(incremental, "_swap", killed)
    with pytest.raises(KeyboardInterrupt):
        ws.build(BuildCache(ws.out))
    monkeypatch.setattr(incremental, "_swap", swap)
    spare = cache_folder(ws.out) / "spare" / "letters" / letter / "index.html"
    assert "Quuxlingham" in spare.read_text(encoding="utf-8")
    record.write_bytes(before)
    ws.build(BuildCache(ws.out))
    assert "Quuxlingham" not in (ws.out / "letters" / letter / "index.html").read_text(encoding="utf-8")
    assert_same_site(ws.out, ws.clean())


# --- what the cache cannot vouch for --------------------------------------------------------------

def test_a_file_changed_by_hand_in_the_site_is_made_again(ws):
    page = ws.out / "about" / "index.html"
    page.write_text("vandalised", encoding="utf-8")
    assert "about/index.html" in made(ws)
    assert_same_site(ws.out, ws.clean())


def test_a_lost_or_foreign_cache_means_a_full_build(ws):
    shutil.rmtree(cache_folder(ws.out))
    assert len(made(ws)) > 3 * N
    manifest = cache_folder(ws.out) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["code"] = "another version"
    manifest.write_text(json.dumps(data))
    assert len(made(ws)) > 3 * N
    shards = sorted((cache_folder(ws.out) / "memo").glob("*.pickle"))
    assert shards, "the build keeps its per-letter memo in .build-cache/memo/"
    for shard in shards:
        shard.write_bytes(b"not a pickle")
    middle = middle_letter(ws)  # a change, so that the broken memo is read at all
    ws.edit(ws.record(middle), lambda t: re.sub(r"(?m)^title: .*$", "title: After a broken memo", t,
                                                count=1))
    made(ws)
    assert_same_site(ws.out, ws.clean())


def test_a_failed_build_leaves_the_site_and_the_cache_as_they_were(ws):
    before = tree(ws.out)
    letter = middle_letter(ws)
    good = ws.record(letter).read_text(encoding="utf-8")
    ws.record(letter).write_text(good.replace("---\n", "---\nid: [\n", 1), encoding="utf-8")
    diags = run_build(ws.editions, ws.out, templates=ws.templates, search=False)
    assert has_errors(diags)
    assert tree(ws.out) == before
    ws.record(letter).write_text(good, encoding="utf-8")
    assert made(ws) == set()
    assert tree(ws.out) == before


def test_with_the_search_index(ws):
    ws.build(search=True)
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), lambda t: re.sub(r"(?m)^title: .*$", "title: Indexed anew", t, count=1))
    ws.build(search=True)
    assert_same_site(ws.out, ws.clean(search=True))


def _share_spy(job, i):
    """incremental._make_share, leaving a mark of which process made share i."""
    import epistola.incremental as incremental

    letters = sorted({path.split("/")[1] for path in job[6][i] if path.startswith("letters/")})
    (Path(os.environ["SHARD_SPY"]) / f"{i}-{os.getpid()}").write_text(" ".join(letters))
    return incremental._make_share_original(job, i)


def test_made_on_every_core_equals_a_clean_build(tmp_path, corpus, monkeypatch):
    """Letters' and persons' files are made on every core once there are enough of them: a
    share in a forked worker, a share in this process."""
    import epistola.incremental as incremental

    if _ran_alone("test_made_on_every_core_equals_a_clean_build"):
        return
    on_two_cores(monkeypatch)
    monkeypatch.setattr(incremental, "_make_share_original", incremental._make_share, raising=False)
    monkeypatch.setattr(incremental, "_make_share", _share_spy)
    monkeypatch.setenv("SHARD_SPY", str(tmp_path / "spy"))
    (tmp_path / "spy").mkdir()
    import epistola.pipeline as pipeline

    import epistola.corpus

    held, parsed = [], []

    def made_files(*args, **kwargs):
        parse = epistola.corpus.parse_body
        monkeypatch.setattr(epistola.corpus, "parse_body",
                            lambda text: parsed.append(text) or parse(text))
        made = incremental.make_files(*args, **kwargs)
        monkeypatch.setattr(epistola.corpus, "parse_body", parse)
        held.append(set(made.data) | set(made.site))
        return made

    monkeypatch.setattr(pipeline, "make_files", made_files)
    ws = Workspace(tmp_path, corpus)
    ws.build()
    made_by = dict(p.name.split("-") for p in (tmp_path / "spy").iterdir())
    assert sorted(made_by) == ["0", "1"]  # one share here, one in a worker
    assert int(made_by["0"]) == os.getpid() and int(made_by["1"]) != os.getpid()
    # this process's own files (the lists, the data files) went to the spare folder as they
    # were made, like the workers': only the assets are held to the end
    assert held and all(path.startswith("assets/") for path in held[0]), sorted(held[0])[:5]
    # and it parsed the bodies of its own share once each while it made the files: the bodies
    # parsed before the worker was forked were dropped (the worker parses its share's); none is
    # kept for the next build, which renders a few letters at most
    here = (tmp_path / "spy" / f"0-{os.getpid()}").read_text().split()
    assert here and sorted(parsed) == sorted(
        parse_letter(ws.record(letter).read_text(encoding="utf-8"), str(ws.record(letter)))[0].body
        for letter in here)
    assert not [key for key in pipeline._kept.memo.entries if key[0] == "body"]
    assert_same_site(ws.out, ws.clean())
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), lambda t: re.sub(r"(?m)^title: .*$", "title: Made in a worker", t,
                                                count=1))
    ws.build()
    assert_same_site(ws.out, ws.clean())


def test_a_first_build_reads_the_records_on_every_core(tmp_path, corpus, monkeypatch):
    """Many records new to the cache are read and parsed in shares, one in a forked worker and
    one here, each once; their diagnostics are reported as if read here."""
    import epistola.incremental as incremental
    import epistola.records

    if _ran_alone("test_a_first_build_reads_the_records_on_every_core"):
        return
    on_two_cores(monkeypatch)
    monkeypatch.setattr(incremental, "SETTLED_NS", 0)  # (the files were copied a moment ago)
    parsed: list[str] = []
    parse = epistola.records.parse_letter

    def counted(text, shown):
        parsed.append(shown)
        return parse(text, shown)

    monkeypatch.setattr(epistola.records, "parse_letter", counted)
    import epistola.pipeline
    monkeypatch.setattr(epistola.pipeline, "parse_letter", counted)
    ws = Workspace(tmp_path, corpus)
    last = sorted(ws.editions.glob("letters/*.md"))[-1]  # in the worker's share
    ws.edit(last, lambda t: t.replace("\n---\n", "\nsurprise: 1\n---\n", 1))
    diags = ws.build()
    assert [d for d in diags if last.name in d and "surprise" in d], diags
    records = sorted(str(p) for p in ws.editions.glob("letters/*.md"))
    assert sorted(parsed) == records[:len(records) // 2]  # this share once, none after
    assert_same_site(ws.out, ws.clean())


def test_a_share_holds_the_parsed_bodies_of_one_run_of_letters_at_a_time(tmp_path, corpus,
                                                                         monkeypatch):
    """A share makes all the files of a few letters (page, TEI, JSON), then drops their parsed
    bodies before the next few: each body is parsed once, and never the whole share's held."""
    import epistola.corpus
    import epistola.incremental as incremental

    if _ran_alone("test_a_share_holds_the_parsed_bodies_of_one_run_of_letters_at_a_time"):
        return
    on_two_cores(monkeypatch)
    monkeypatch.setattr(incremental, "ITEMS_AT_ONCE", 3)
    held: list[int] = []  # bodies held as each body is parsed, while this process makes a share
    parsed: list[str] = []
    making = []
    parse = epistola.corpus._Bodies._parse

    def counted(self, letter):
        if making:
            held.append(len(self._parsed))
            parsed.append(letter.id)
        return parse(self, letter)

    def share(job, i):
        making.append(i)
        try:
            return make_share(job, i)
        finally:
            making.clear()

    make_share = incremental._make_share
    monkeypatch.setattr(epistola.corpus._Bodies, "_parse", counted)
    monkeypatch.setattr(incremental, "_make_share", share)
    ws = Workspace(tmp_path, corpus)
    ws.build()
    assert len(parsed) > 3 and len(parsed) == len(set(parsed))  # once each
    assert max(held) < 3, held
    assert_same_site(ws.out, ws.clean())


def test_the_renderers_link_names_where_finding_the_mentions_found_them(tmp_path, corpus,
                                                                     monkeypatch):
    """A first build looks for the register's names in each paragraph and note once, to find
    the mentions; the page and the TEI file link them where that found them."""
    import epistola.corpus
    import epistola.incremental as incremental
    from epistola.body import parse_body, parse_inline, plain_text

    if _ran_alone("test_the_renderers_link_names_where_finding_the_mentions_found_them"):
        return
    on_two_cores(monkeypatch)
    looked: list[str] = []  # texts searched for names while this process made its share
    making = []
    made_here: set[str] = set()
    find = epistola.corpus._find_names

    def searched(inlines, index):
        if making:
            looked.append(plain_text(inlines))
        return find(inlines, index)

    def share(job, i):
        making.append(i)
        made_here.update(job[6][i])  # (a worker's share is recorded in the worker only)
        try:
            return make_share(job, i)
        finally:
            making.pop()

    make_share = incremental._make_share
    monkeypatch.setattr(epistola.corpus, "_find_names", searched)
    monkeypatch.setattr(incremental, "_make_share", share)
    ws = Workspace(tmp_path, corpus)
    ws.build()
    letters = {path.split("/")[1] for path in made_here if path.startswith("letters/")}
    texts = set()
    for letter_id in letters:
        letter = parse_letter(ws.record(letter_id).read_text(encoding="utf-8"), "x")[0]
        texts |= {plain_text(block.inlines) for block in parse_body(letter.body)[0]}
        texts |= {plain_text(parse_inline(note.text)) for note in letter.notes}
    assert letters and texts
    assert not texts & set(looked), sorted(texts & set(looked))[:3]
    assert_same_site(ws.out, ws.clean())


def test_making_the_pages_leaves_nothing_for_the_cycle_collector(corpus):
    """The build runs with the cycle collector off: what it renders must be freed by reference
    counts alone once the corpus is dropped."""
    import gc

    from epistola import fs
    from epistola.corpus import build_corpus
    from epistola.export import export_files
    from epistola.pipeline import load_templates
    from epistola.render import render_site

    files, _ = fs.load_editions(corpus)
    templates, assets, _ = load_templates(DEFAULT_TEMPLATES)
    gc.collect()
    gc.disable()
    try:
        made, _ = build_corpus(files.edition, files.letters, files.persons)
        export_files(made)
        render_site(made, templates, assets)
        del made
        left = gc.collect()
    finally:
        gc.enable()
    assert left == 0


def test_a_build_on_one_core_keeps_no_name_places_for_the_renderers(ws, monkeypatch):
    """Where the mentions found the names is kept only for renderers in forked workers, which
    parse the bodies again; on one core the parsed and linked bodies are still at hand."""
    import epistola.pipeline as pipeline

    kept = []
    make_files = pipeline.make_files

    def counted(plan, corpus, *args, **kwargs):
        kept.append(len(plan.cache.memo.found))
        return make_files(plan, corpus, *args, **kwargs)

    monkeypatch.setattr(pipeline, "make_files", counted)
    shutil.rmtree(cache_folder(ws.out))
    ws.build()
    assert kept == [0]


def test_a_template_error_in_a_list_made_in_pieces_leaves_the_site_as_it_was(tmp_path, corpus,
                                                                            monkeypatch):
    """The lists of every letter are written as they are rendered: a template error after the
    first pieces are written is one diagnostic, the site stays as it was, and no piece is left
    behind."""
    import epistola.incremental as incremental

    if _ran_alone("test_a_template_error_in_a_list_made_in_pieces_leaves_the_site_as_it_was"):
        return
    on_two_cores(monkeypatch)
    streamed: list[str] = []
    put_pieces = incremental.Plan._put_pieces

    def spied(self, target, known, pieces, made_dirs):
        streamed.append(os.path.relpath(target, self.cache.folder / "spare"))
        return put_pieces(self, target, known, pieces, made_dirs)

    monkeypatch.setattr(incremental.Plan, "_put_pieces", spied)
    ws = Workspace(tmp_path, corpus)
    ws.build()
    before = tree(ws.out)
    page = ws.templates / "archive.html"
    good = page.read_text(encoding="utf-8")
    assert good.count("{% endblock %}") == 1
    # after the whole concordance: 100 kB of it, more than a piece, is written by then
    page.write_text(good.replace("{% endblock %}", "{{ no_such_name.attribute }}{% endblock %}"),
                    encoding="utf-8")
    shutil.rmtree(cache_folder(ws.out))  # a first build: every page made, the lists streamed
    streamed.clear()
    diags = run_build(ws.editions, ws.out, templates=ws.templates, search=False)
    errors = [d for d in diags if d.code == "template"]
    assert len(errors) == 1 and errors[0].path.endswith("archive.html"), [str(d) for d in diags]
    assert "archive/index.html" in streamed and len(before["archive/index.html"]) > 1 << 16
    assert tree(ws.out) == before
    assert list(tmp_path.rglob("*.partial")) == []
    page.write_text(good, encoding="utf-8")
    ws.build()
    assert tree(ws.out) == before


def test_a_disk_error_while_the_lists_are_written_stops_the_workers_and_keeps_the_site(
        tmp_path, corpus, monkeypatch):
    """An error writing this process's files (a full disk) ends the build at once: the worker
    is stopped, not waited for or left behind, and the site stays as it was."""
    import errno
    import multiprocessing

    import epistola.incremental as incremental

    if _ran_alone("test_a_disk_error_while_the_lists_are_written_stops_the_workers_and_keeps_"
                  "the_site"):
        return
    on_two_cores(monkeypatch)
    ws = Workspace(tmp_path, corpus)
    ws.build()
    before = tree(ws.out)
    put_pieces = incremental.Plan._put_pieces

    def full(self, target, known, pieces, made_dirs):
        def failing():
            yield next(pieces)
            raise OSError(errno.ENOSPC, "No space left on device")
        return put_pieces(self, target, known, failing(), made_dirs)

    monkeypatch.setattr(incremental.Plan, "_put_pieces", full)
    shutil.rmtree(cache_folder(ws.out))  # a first build: every page made, the lists streamed
    with pytest.raises(EpistolaError, match=r"/index\.html:1: error: No space left on device; "
                                            r"the build stopped and left .*site as it was"):
        run_build(ws.editions, ws.out, templates=ws.templates, search=False)
    assert multiprocessing.active_children() == []
    assert tree(ws.out) == before
    assert list(tmp_path.rglob("*.partial")) == []


def test_caches_that_cannot_be_saved_after_the_swap_are_a_warning(ws, monkeypatch):
    """The new site is in place when its caches fail to save (a full disk): the build says so
    in a warning, leaves no half-written cache file, and the next build still equals a clean
    one."""
    import errno

    ws.build()
    ws.edit(ws.record(middle_letter(ws)), _add_body_paragraph)

    import epistola.incremental as incremental

    replace = os.replace

    def full(source, target):  # the caches' files written, but never in place
        if str(target).endswith(("manifest.json", ".pickle")):
            raise OSError(errno.ENOSPC, "No space left on device")
        replace(source, target)

    with monkeypatch.context() as patched:
        patched.setattr(incremental.os, "replace", full)
        diags = ws.build()
    assert not list(cache_folder(ws.out).rglob("*.tmp"))
    [warned] = [d for d in diags if "[io]" in d]
    assert re.fullmatch(r".*\.build-cache/site:1: warning: the site was built, but its build "
                        r"cache could not be saved \(No space left on device\); the next build "
                        r"may take longer \[io\]", warned), warned
    assert "An added paragraph" in (ws.out / "letters" / middle_letter(ws) / "index.html"
                                    ).read_text(encoding="utf-8")
    ws.edit(ws.record(middle_letter(ws)), lambda text: text.replace("An added", "A changed"))
    ws.build()
    assert_same_site(ws.out, ws.clean())


def test_an_old_site_that_cannot_be_removed_after_the_swap_is_a_warning(ws, monkeypatch):
    """With no cache, the site before is removed once the new one is live: when that fails,
    the build says the new site is in place (a warning), not that it left the old one."""
    import errno

    import epistola.incremental as incremental

    ws.build()
    shutil.rmtree(cache_folder(ws.out))  # nothing known of the live site
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), _add_body_paragraph)
    rmtree = shutil.rmtree

    def refused(path, *args, **kwargs):
        if Path(path).name == "spare":
            raise PermissionError(errno.EACCES, "Permission denied", "letter.json")
        rmtree(path, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(incremental.shutil, "rmtree", refused)
        [warned] = [d for d in ws.build() if "[io]" in d]
    assert "warning: the site was built, but its build cache could not be saved (Permission " \
           "denied)" in warned, warned
    assert "An added paragraph" in (ws.out / "letters" / letter / "index.html").read_text(
        encoding="utf-8")
    ws.edit(ws.record(letter), lambda text: text.replace("An added", "A changed"))
    ws.build()
    assert_same_site(ws.out, ws.clean())


@pytest.mark.parametrize("stage", ["_read_records", "_prefill"])
def test_an_error_in_the_first_build_s_reading_stops_its_workers(tmp_path, corpus, monkeypatch,
                                                                stage):
    """An error in this process while the workers read the records or do the per-letter
    work stops them at once: none is waited for or left behind."""
    import multiprocessing
    import time

    import epistola.incremental as incremental

    if _ran_alone(f"test_an_error_in_the_first_build_s_reading_stops_its_workers[{stage}]"):
        return
    on_two_cores(monkeypatch)
    monkeypatch.setattr(incremental, "SETTLED_NS", 0)
    here = os.getpid()
    original = getattr(incremental, stage)

    finished = tmp_path / "a worker finished its share"

    def failing(*args):
        if os.getpid() == here:
            raise MemoryError("stopped here")
        time.sleep(5)  # (stopped before this is over, unless the build waits for it)
        finished.touch()
        return original(*args)

    monkeypatch.setattr(incremental, stage, failing)
    ws = Workspace(tmp_path, corpus)
    with pytest.raises(MemoryError):
        run_build(ws.editions, ws.out, templates=ws.templates, search=False)
    assert multiprocessing.active_children() == []
    assert not finished.exists()


def on_two_cores(monkeypatch) -> None:
    """Builds fork one worker, whatever the size of the edition and of the machine."""
    import epistola.incremental as incremental

    monkeypatch.setattr(incremental, "PARALLEL_FROM", 1)
    monkeypatch.setattr(incremental.os, "cpu_count", lambda: 2)


def _ran_alone(test: str) -> bool:
    """Builds fork only from a single-threaded process, and earlier tests in this session may
    have left server threads running: then run the test alone in a fresh interpreter (True)."""
    import subprocess
    import sys
    import threading

    if threading.active_count() == 1:
        return False
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          f"{__file__}::{test}"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    return True


def test_the_first_build_s_workers_send_back_no_parsed_bodies(corpus, monkeypatch):
    """A first build does the per-letter work on every core; a worker sends back what the
    corpus needs (name links, citations, checks), not the parsed bodies, which the renderers
    parse again for their own share (forget_texts)."""
    from collections import Counter

    import epistola.incremental as incremental
    from epistola import fs
    from epistola.corpus import Memo

    if _ran_alone("test_the_first_build_s_workers_send_back_no_parsed_bodies"):
        return
    monkeypatch.setattr(incremental, "PARALLEL_FROM", 1)
    files, _ = fs.load_editions(corpus)
    memo = Memo(token="register")
    incremental.prefill_memo(memo, files.edition, files.letters, files.persons, "persons.yaml",
                             workers=2)
    stages = Counter(key[0] for key in memo.entries)
    assert stages["mentions"] == stages["cited"] == stages["body-problems"] == N
    assert stages["check"] == stages["check-people"] == N  # the checks of each letter too
    assert stages["body"] == 0


def test_workers_share_whole_letters_and_persons_in_runs():
    """Each worker gets whole items (a letter's page, TEI and JSON together) in one run of the
    order they were read, so that it touches only its own letters' objects."""
    from epistola.incremental import _shares

    paths = sorted([f"letters/{i:03d}/{name}" for i in range(7)
                    for name in ("index.html", "letter.json", "tei.xml")]
                   + [f"persons/p{i}/index.html" for i in range(3)])
    shares = _shares(paths, [0.75, 1.0])
    assert sorted(p for share in shares for p in share) == paths
    assert sum(len(share) for share in shares) == len(paths)  # no path made twice
    items = [sorted({p.rsplit("/", 1)[0] for p in share}) for share in shares]
    assert items[0] == ["letters/000", "letters/001", "letters/002", "persons/p0", "persons/p1"]
    assert items[1] == ["letters/003", "letters/004", "letters/005", "letters/006", "persons/p2"]
    assert [len(s) for s in _shares(paths, [1.0, 1.0, 1.0])] == [9 + 1, 6 + 1, 6 + 1]


# --- serve: the pages first, the search index after ------------------------------------------------

def text_edit(word: str) -> Callable[[str], str]:
    """A word added to the first sentence of a letter's text."""
    def change(text: str) -> str:
        body = text.index("\n---\n") + 5
        at = text.index(". ", text.index("\n\n", body + 1) + 2)
        return text[:at] + f" {word}" + text[at:]
    return change


def search_build(ws: Workspace, cache: BuildCache) -> None:
    diags = run_build(ws.editions, ws.out, templates=ws.templates, cache=cache, defer_search=True)
    assert not has_errors(diags), [str(d) for d in diags]


def test_a_deferred_index_goes_live_after_the_pages_and_equals_a_clean_build(ws):
    cache = BuildCache(ws.out, keep_memo=False)
    search_build(ws, cache)
    assert not (ws.out / "pagefind").exists() and cache.search_pending
    assert index_later(ws.out, cache) == []
    assert cache.search_pending is None
    assert_same_site(ws.out, ws.clean(search=True))
    index_before = tree(ws.out / "pagefind")

    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    search_build(ws, cache)
    # the page is live at once, with the index it replaced
    assert "Quuxlingham" in (ws.out / "letters" / letter / "index.html").read_text(encoding="utf-8")
    assert tree(ws.out / "pagefind") == index_before
    assert index_later(ws.out, cache) == []
    assert tree(ws.out / "pagefind") != index_before
    assert_same_site(ws.out, ws.clean(search=True))
    # the index it replaced is removed later, not while a save may wait for index_later
    assert tree(cache.folder / "pagefind.new") == index_before
    discard_old_index(cache)
    assert not (cache.folder / "pagefind.new").exists()

    search_build(ws, cache)  # nothing changed since the index was made
    assert cache.last_made == frozenset() and cache.search_pending is None
    fresh = BuildCache(ws.out)  # nor for the command line
    ws.build(fresh, search=True)
    assert fresh.last_made == frozenset()


def test_a_new_index_whose_caches_cannot_be_saved_is_live_and_says_so(ws, monkeypatch):
    """index_later swaps the new index in, then saves the caches: when that fails (a full
    disk), the index is live and the build says so in a warning."""
    import errno

    cache = BuildCache(ws.out, keep_memo=False)
    search_build(ws, cache)
    assert index_later(ws.out, cache) == []
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    search_build(ws, cache)
    index_before = tree(ws.out / "pagefind")
    cache.flush()  # (the build's own caches saved, as the first thing index_later does)

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(BuildCache, "save_manifest", full)
        [warned] = [str(d) for d in index_later(ws.out, cache)]
    assert re.fullmatch(r".*site:1: warning: the site was built, but its build cache could not "
                        r"be saved \(No space left on device\); the next build may take longer "
                        r"\[io\]", warned), warned
    assert tree(ws.out / "pagefind") != index_before
    assert_same_site(ws.out, ws.clean(search=True))


def test_the_manifest_holds_what_the_cache_knows_after_every_save(ws):
    """save_manifest keeps the JSON of the files' entries between saves: after builds that
    replace them and an index that changes the inputs alone, the manifest is still json.dumps
    of exactly what the cache holds."""
    import epistola.incremental as incremental

    cache = BuildCache(ws.out, keep_memo=False)
    manifest = cache.folder / "manifest.json"

    def expected() -> bytes:
        return json.dumps({
            "format": incremental.FORMAT, "code": cache.code,
            "live": {p: [e.key, e.sha, e.size, e.mtime_ns] for p, e in sorted(cache.live.items())},
            "spare": {p: [e.sha, e.size, e.mtime_ns] for p, e in sorted(cache.spare.items())},
            "live_made": None if cache.live_made is None else sorted(cache.live_made),
            "inputs": cache.inputs,
            "diagnostics": [[d.path, d.line, d.level, d.message, d.code]
                            for d in cache.diagnostics]}).encode()

    search_build(ws, cache)
    index_later(ws.out, cache)  # saves the build's caches, then the index's inputs
    assert manifest.read_bytes() == expected()
    for word in ("Quuxlingham", "Frobnicate"):
        before = dict(cache.live)
        ws.edit(ws.record(middle_letter(ws)), text_edit(word))
        search_build(ws, cache)
        index_later(ws.out, cache)
        assert cache.live != before and manifest.read_bytes() == expected()
    assert cache.spare  # the second build's spare folder was known to the manifest


def test_serve_saves_the_caches_after_the_reload_and_a_stop_before_that_loses_nothing(ws):
    """A build that defers its index goes live before its manifest is written (the reload
    comes first); index_later writes it. Until then the spare folder counts as dirty, so a
    serve killed in between leaves nothing that vouches for files it may have changed."""
    cache = BuildCache(ws.out, keep_memo=False)
    search_build(ws, cache)
    index_later(ws.out, cache)
    manifest = cache.folder / "manifest.json"
    saved = manifest.read_bytes()
    ws.edit(ws.record(middle_letter(ws)), text_edit("Quuxlingham"))
    search_build(ws, cache)
    assert manifest.read_bytes() == saved and (cache.folder / "spare.dirty").exists()
    index_later(ws.out, cache)
    assert manifest.read_bytes() != saved and not (cache.folder / "spare.dirty").exists()

    ws.edit(ws.record(middle_letter(ws)), text_edit("Frobnicate"))
    search_build(ws, cache)  # and the process is killed here
    fresh = BuildCache(ws.out)
    ws.build(fresh, search=True)
    assert_same_site(ws.out, ws.clean(search=True))
    ws.edit(ws.record(middle_letter(ws)), text_edit("Zyzzyva"))
    ws.build(BuildCache(ws.out), search=True)
    assert_same_site(ws.out, ws.clean(search=True))


def test_builds_by_another_process_between_two_serve_builds(ws):
    """serve keeps its caches in memory; when command-line builds swap the site meanwhile, the
    next serve build goes by their manifest, not by what serve remembers of the folders."""
    serve_cache = BuildCache(ws.out, keep_memo=False)
    letters = json.loads((ws.out / "data" / "letters.json").read_bytes())["letters"]
    ws.edit(ws.record(letters[0]["id"]), text_edit("Firstly"))
    search_build(ws, serve_cache)
    index_later(ws.out, serve_cache)
    ws.edit(ws.record(letters[1]["id"]), text_edit("Secondly"))
    search_build(ws, serve_cache)  # and its caches not yet saved
    record = ws.record(letters[2]["id"])
    before = record.read_bytes()
    ws.edit(record, text_edit("Quuxlingham"))
    ws.build(BuildCache(ws.out), search=True)  # the command line, twice
    record.write_bytes(before)
    ws.build(BuildCache(ws.out), search=True)
    ws.edit(ws.record(letters[3]["id"]), text_edit("Thirdly"))
    search_build(ws, serve_cache)
    index_later(ws.out, serve_cache)
    assert_same_site(ws.out, ws.clean(search=True))
    ws.edit(ws.record(letters[4]["id"]), text_edit("Fourthly"))
    search_build(ws, serve_cache)
    index_later(ws.out, serve_cache)
    assert_same_site(ws.out, ws.clean(search=True))


def test_priming_writes_nothing_to_the_site_and_leaves_the_first_save_only_its_own_work(ws, monkeypatch):
    """serve primes its cache while it waits for the first save: nothing is written to the site
    (only the spare folder is brought up to date, see below), and the save's build then reads
    one record and reuses the results over all letters."""
    import epistola.corpus as corpus_module

    cache = BuildCache(ws.out, keep_memo=False)
    search_build(ws, cache)  # serve started on a site built before: nothing changed
    index_later(ws.out, cache)
    site, manifest = tree(ws.out), json.loads((cache.folder / "manifest.json").read_bytes())
    diags = run_build(ws.editions, ws.out, templates=ws.templates, cache=cache,
                      defer_search=True, prime=True)
    assert not has_errors(diags)
    assert tree(ws.out) == site
    primed = json.loads((cache.folder / "manifest.json").read_bytes())
    assert primed.pop("spare").keys() == primed["live"].keys()  # the spare folder filled
    assert primed == {k: v for k, v in manifest.items() if k != "spare"}
    assert cache.memo.whole and cache.search_pending is None

    computed = []
    real = corpus_module.concordance
    monkeypatch.setattr(corpus_module, "concordance",
                        lambda *a, **k: computed.append(1) or real(*a, **k))
    ws.edit(ws.record(middle_letter(ws)), text_edit("Quuxlingham"))
    search_build(ws, cache)
    assert computed == [] and pages_of_letters(set(cache.last_made)) == {middle_letter(ws)}
    index_later(ws.out, cache)
    assert_same_site(ws.out, ws.clean(search=True))


def test_priming_fills_the_spare_folder_a_site_made_from_nothing_lacks(ws, monkeypatch):
    """The first build after a site made from nothing would link every live file into the
    empty spare folder; priming does it while serve waits. A page changed by hand is left for
    the build to make, and the first save does only its own work."""
    import epistola.export.tabular as tabular
    import epistola.fs as fs

    shutil.rmtree(ws.out)
    shutil.rmtree(cache_folder(ws.out))
    cache = BuildCache(ws.out, keep_memo=False)
    search_build(ws, cache)
    index_later(ws.out, cache)
    assert not cache.spare and not (cache.folder / "spare").exists()
    (ws.out / "about" / "index.html").write_text("vandalised", encoding="utf-8")
    site = tree(ws.out)
    assert not has_errors(run_build(ws.editions, ws.out, templates=ws.templates, cache=cache,
                                    defer_search=True, prime=True))
    assert tree(ws.out) == site
    assert not (cache.folder / "spare.dirty").exists()
    spare = tree(cache.folder / "spare")
    assert set(spare) == set(cache.live) - {"about/index.html"}
    assert all(spare[path] == site[path] for path in spare)
    assert json.loads((cache.folder / "manifest.json").read_bytes())["spare"].keys() == spare.keys()

    linked, entries = [], []
    real_link, real_entry = fs.link_or_copy, tabular.letter_entry
    monkeypatch.setattr(fs, "link_or_copy", lambda *a: linked.append(a) or real_link(*a))
    monkeypatch.setattr(tabular, "letter_entry", lambda *a: entries.append(a) or real_entry(*a))
    ws.edit(ws.record(middle_letter(ws)), text_edit("Quuxlingham"))
    search_build(ws, cache)
    assert linked == []  # every file was in place
    assert len(entries) == 2  # its letter.json and its entry in letters.json: the memo kept
    assert "about/index.html" in cache.last_made
    index_later(ws.out, cache)
    assert_same_site(ws.out, ws.clean(search=True))


def test_a_spare_folder_filled_but_not_yet_known_to_the_manifest_is_not_trusted(ws, monkeypatch):
    """Priming stopped between the links and the manifest's save: the next process makes the
    spare folder afresh."""
    shutil.rmtree(ws.out)
    shutil.rmtree(cache_folder(ws.out))
    cache = BuildCache(ws.out, keep_memo=False)
    search_build(ws, cache)
    index_later(ws.out, cache)
    cache.save_memo()

    def stopped(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(BuildCache, "save_manifest", stopped)
    with pytest.raises(KeyboardInterrupt):
        run_build(ws.editions, ws.out, templates=ws.templates, cache=cache, defer_search=True,
                  prime=True)
    monkeypatch.undo()
    assert (cache.folder / "spare.dirty").exists()
    (cache.folder / "spare" / "stray.html").write_text("x", encoding="utf-8")
    (cache.folder / "spare" / "about" / "index.html").unlink()
    ws.edit(ws.record(middle_letter(ws)), text_edit("Quuxlingham"))  # a new process
    ws.build(BuildCache(ws.out), search=True)
    assert_same_site(ws.out, ws.clean(search=True))


def test_priming_leaves_no_stale_spare_file_for_a_page_changed_by_hand(ws):
    """The spare folder holds the page as it was before the last build, the live page has been
    changed by hand: priming cannot link it, and must not leave the old one behind unrecorded,
    for a later build that drops the page would swap it in."""
    cache = BuildCache(ws.out, keep_memo=False)
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), lambda t: re.sub(r"(?m)^title: .*$", "title: Retitled", t, count=1))
    search_build(ws, cache)
    index_later(ws.out, cache)
    (ws.out / "letters" / letter / "index.html").write_text("vandalised", encoding="utf-8")
    run_build(ws.editions, ws.out, templates=ws.templates, cache=cache, defer_search=True,
              prime=True)
    ws.record(letter).unlink()
    search_build(ws, cache)
    index_later(ws.out, cache)
    assert not (ws.out / "letters" / letter).exists()
    assert_same_site(ws.out, ws.clean(search=True))


def test_an_index_never_made_is_made_by_the_next_build(ws):
    cache = BuildCache(ws.out, keep_memo=False)
    search_build(ws, cache)
    index_later(ws.out, cache)
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    search_build(ws, cache)  # and serve stops before the index is made
    cache.save_memo()
    fresh = BuildCache(ws.out)
    ws.build(fresh, search=True)
    assert_same_site(ws.out, ws.clean(search=True))


def test_an_interrupted_index_keeps_the_index_it_had_and_is_made_by_the_next_call(ws):
    cache = BuildCache(ws.out, keep_memo=False)
    search_build(ws, cache)
    index_later(ws.out, cache)
    before = tree(ws.out / "pagefind")
    ws.edit(ws.record(middle_letter(ws)), text_edit("Quuxlingham"))
    search_build(ws, cache)
    asked = []

    def newer_save() -> bool:  # a save arrives while the index is being made
        asked.append(True)
        return len(asked) > 1

    assert index_later(ws.out, cache, interrupted=newer_save) == []
    assert len(asked) == 2
    assert tree(ws.out / "pagefind") == before
    assert cache.search_pending and not (cache.folder / "pagefind.new").exists()
    assert index_later(ws.out, cache) == []
    assert_same_site(ws.out, ws.clean(search=True))


def test_a_record_is_read_again_only_when_its_size_times_or_inode_changed(ws, monkeypatch):
    import epistola.fs as fs
    import epistola.incremental as incremental

    monkeypatch.setattr(incremental, "SETTLED_NS", 0)  # the copies were made a moment ago
    shutil.rmtree(cache_folder(ws.out))
    cache = BuildCache(ws.out)
    ws.build(cache)  # every record read: its signature is kept
    read: list[str] = []
    real = fs.read_text

    def spy(path, shown=None):
        if path.parent.name == "letters":
            read.append(path.name)
        return real(path, shown)

    monkeypatch.setattr(fs, "read_text", spy)
    letter = middle_letter(ws)
    path = ws.record(letter)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    at = text.index("e", text.index("\n\n", text.index("\n---\n") + 5))
    path.write_text(text[:at] + "E" + text[at + 1:], encoding="utf-8")  # the same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    ws.build(cache)
    assert read == [f"{letter}.md"]  # told by its change time
    assert_same_site(ws.out, ws.clean())
    read.clear()
    other = sorted(p.stem for p in (ws.editions / "letters").glob("*.md") if p.stem != letter)[0]
    ws.edit(ws.record(other), text_edit("Quuxlingham"))
    ws.build(BuildCache(ws.out))  # a fresh process knows the signatures from the cache folder
    assert read == [f"{other}.md"]
    assert_same_site(ws.out, ws.clean())


def test_a_text_edit_that_names_nobody_new_computes_no_person_key_again(ws, monkeypatch):
    from epistola.incremental import PersonKeys

    found = []
    real = PersonKeys.stale
    monkeypatch.setattr(PersonKeys, "stale", lambda self, *args: found.append(real(self, *args))
                        or found[-1])
    letter = middle_letter(ws)
    ws.edit(ws.record(letter), text_edit("Quuxlingham"))
    made(ws)
    assert found == [frozenset()]
    ws.edit(ws.record(letter), lambda t: re.sub(r"(?m)^title: .*$", "title: Retitled", t, count=1))
    made(ws)  # a title shows on the pages of its persons
    assert found[-1]
    assert_same_site(ws.out, ws.clean())


def test_the_slotted_dataclasses_pickle_as_their_field_values():
    """The memo pickles the build's slotted dataclasses as (class, field values): each class so
    registered must be rebuilt by calling it with them, and a corpus's objects survive."""
    import copyreg
    import dataclasses
    import pickle

    from epistola.corpus import build_corpus
    from epistola.fs import load_editions

    registered = [cls for cls in copyreg.dispatch_table
                  if getattr(cls, "__module__", "").startswith("epistola.")
                  and dataclasses.is_dataclass(cls)]
    assert len(registered) >= 30
    for cls in registered:
        fields = dataclasses.fields(cls)
        assert fields and all(f.init and not f.kw_only for f in fields), cls
        assert not hasattr(cls, "__post_init__"), cls
    files, _ = load_editions(Path(__file__).parent / "fixtures" / "mini-edition")
    corpus, diags = build_corpus(files.edition, files.letters, files.persons)
    things = (corpus.letters, tuple(corpus.persons.values()), corpus.archive_files, diags,
              {ref: corpus.mentions[ref] for ref in corpus.mentions},
              [corpus.blocks(letter) for letter in corpus.letters],
              [corpus.notes(letter) for letter in corpus.letters])
    data = pickle.dumps(things, protocol=pickle.HIGHEST_PROTOCOL)
    assert pickle.loads(data) == things
    assert b"__dict__" not in data and b"_dataclass_setstate" not in data
