"""A letter with two texts, as an editor makes one and a reader meets it in Chromium.

The bundled edition gets the Russian original of No. 176 the way an editor adds it: the page of the
Russian edition is ingested into the edition as it stands (the hand-edited record keeps its edits,
the Russian text is added beside the English one). The built letter page is then looked at in
Debian's Chromium at a desktop width and a phone width.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from epistola.cli import main

from conftest import EDITIONS, ROOT, format_axe

RUSSIAN_PAGE = ROOT / "tests" / "fixtures" / "ingest" / "pages" / "176-ru.txt"


def _run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(err):
        status = main(list(args))
    return status, err.getvalue()


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory) -> tuple[Path, str]:
    """(project folder, ingest's output): the bundled edition with No. 176's Russian page added,
    built into <project>/site."""
    project = tmp_path_factory.mktemp("bilingual")
    shutil.copytree(EDITIONS, project / "editions")
    shutil.copytree(ROOT / "sources", project / "sources")
    shutil.copy(RUSSIAN_PAGE, project / "sources" / "176-ru.txt")
    with contextlib.chdir(project):
        status, said = _run("ingest", "sources/176-ru.txt")
        assert status == 0, said
        status, built = _run("build")
        assert status == 0, built
    return project, said


@pytest.fixture(scope="module")
def letter_url(bilingual, serve_folder) -> str:
    return serve_folder(bilingual[0] / "site") + "letters/176/"


def test_adding_the_original_keeps_the_editors_record_and_files(bilingual):
    project, said = bilingual
    record = (project / "editions" / "letters" / "176.md").read_text(encoding="utf-8")
    before = (EDITIONS / "letters" / "176.md").read_text(encoding="utf-8")
    # every line the editors wrote is still there, in order, and the Russian text follows
    kept = iter(record.splitlines())
    assert all(line in kept for line in before.splitlines())
    assert "::: text ru" in record and "Дорогой тов. Магидов!" in record
    assert (project / "editions" / "edition.yaml").read_bytes() == \
        (EDITIONS / "edition.yaml").read_bytes()
    assert " error" not in said.replace("0 errors", "")
    assert "[ingest-merged]" in said


def test_both_texts_side_by_side_on_a_desktop(letter_url, page, run_axe):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(letter_url)
    english = page.locator("section.letter-text[lang=en]")
    russian = page.locator("section.letter-text[lang=ru]")
    assert english.count() == russian.count() == 1
    assert "Dear comrade" in english.inner_text()
    assert "Дорогой тов. Магидов!" in russian.inner_text()
    # (the sections themselves lay their paragraphs out in the page's grid: look at those)
    en = english.get_by_text("Dear comrade", exact=False).bounding_box()
    ru = russian.get_by_text("Дорогой тов. Магидов!").bounding_box()
    assert en["x"] + en["width"] <= ru["x"] + 1, (en, ru)      # English on the left
    assert abs(en["y"] - ru["y"]) < 2, (en, ru)                 # the salutations on one row
    en_head = page.locator("#text-heading-en").bounding_box()
    ru_head = page.locator("#text-heading-ru").bounding_box()
    assert en_head["x"] < ru_head["x"] and abs(en_head["y"] - ru_head["y"]) < 2
    assert not page.locator(".text-switch").is_visible()        # no switch where both show
    # The notes of each text are in its language, each call links to its own note.
    for lang in ("en", "ru"):
        for href in page.locator(f"section.letter-text[lang={lang}] a[role=doc-noteref]"
                                 ).evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            target = page.locator(href)
            assert target.count() == 1, href
            assert target.evaluate("e => e.closest('[lang]').getAttribute('lang')") == lang
    violations = run_axe(page)
    assert not violations, format_axe(violations, "letter 176 at 1280 px")


def test_one_text_at_a_time_on_a_phone(letter_url, page, run_axe):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(letter_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    switch = page.locator(".text-switch")
    assert switch.is_visible()
    english = page.locator("section.letter-text[lang=en]")
    russian = page.locator("section.letter-text[lang=ru]")
    assert english.is_visible() and not russian.is_visible()
    switch.get_by_role("button", name="Russian original").click()
    assert russian.is_visible() and not english.is_visible()
    assert switch.get_by_role("button", name="Russian original").get_attribute(
        "aria-pressed") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = run_axe(page)
    assert not violations, format_axe(violations, "letter 176 at 390 px, Russian shown")


def test_the_russian_transcription_is_published_and_linked(bilingual, letter_url, page):
    project, _ = bilingual
    assert (project / "site" / "sources" / "176-ru" / "index.html").is_file()
    page.goto(letter_url)
    link = page.locator("a[href$='sources/176-ru/#L5']")
    assert link.count() == 1
    link.click()
    assert page.url.endswith("sources/176-ru/#L5")
    assert "Дорогой тов. Магидов!" in page.locator("#L9").inner_text()  # the page's line 9
