"""Endnotes in a real browser (Debian's Chromium over HTTP), as a reader uses them.

A mark jumps to its note, which becomes the :target, highlighted and in view; the note's back-link
returns to the mark; an unanchored note has no back-link; with JavaScript, focusing a mark with
the keyboard shows an accessible preview of the note that Escape closes; without JavaScript the
notes still work. Screenshots of a letter at desktop and phone widths go to $EPISTOLA_SCREENSHOTS
(or the test's temporary folder) for review.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

MARK = 'a[role="doc-noteref"]'
BACKLINK = '[role="doc-backlink"]'
PREVIEW = '[role="tooltip"]'

# (site, letter, note) with an anchored note: the bundled edition, and the test edition that is
# there before the edition is ingested.
ANCHORED = [("edition", "173", 1), ("mini", "174", 1)]


@pytest.fixture
def site_url(request) -> str:
    return request.getfixturevalue(f"{request.param}_url")


def is_target(page: Page, selector: str) -> bool:
    return page.locator(selector).evaluate("el => el.matches(':target')")


def highlight(page: Page, selector: str) -> dict:
    """What :target styling may change: background, outline, border, shadow."""
    return page.locator(selector).evaluate(
        "el => { const s = getComputedStyle(el); return {background: s.backgroundColor,"
        " outline: s.outlineStyle + ' ' + s.outlineColor, border: s.borderLeft,"
        " shadow: s.boxShadow}; }")


@pytest.mark.parametrize("site_url, letter, n", ANCHORED, indirect=["site_url"])
def test_mark_jumps_to_note_and_back_link_returns(page: Page, site_url, letter, n):
    page.goto(f"{site_url}letters/{letter}/")
    plain = highlight(page, f"#note-{n}")
    mark = page.locator(f'{MARK}[href="#note-{n}"]').first
    expect(mark).to_have_attribute("id", f"ref-{n}")

    mark.click()

    expect(page).to_have_url(re.compile(rf"/letters/{letter}/#note-{n}$"))
    note = page.locator(f"#note-{n}")
    assert page.locator(f'[role="doc-endnotes"] #note-{n}').count() == 1
    assert is_target(page, f"#note-{n}")
    expect(note).to_be_in_viewport()
    assert highlight(page, f"#note-{n}") != plain, "the note in view is not highlighted (:target)"

    back = note.locator(BACKLINK)
    expect(back.first).to_have_attribute("href", f"#ref-{n}")
    back.first.click()

    expect(page).to_have_url(re.compile(rf"/letters/{letter}/#ref-{n}$"))
    assert is_target(page, f"#ref-{n}")
    expect(page.locator(f"#ref-{n}")).to_be_in_viewport()


@pytest.mark.parametrize("site_url, letter, n", ANCHORED, indirect=["site_url"])
def test_notes_work_without_javascript(browser, site_url, letter, n):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site_url}letters/{letter}/")
        page.locator(f'{MARK}[href="#note-{n}"]').first.click()
        expect(page).to_have_url(re.compile(rf"#note-{n}$"))
        assert is_target(page, f"#note-{n}")
        expect(page.locator(f"#note-{n}")).to_be_in_viewport()
        page.locator(f"#note-{n} {BACKLINK}").first.click()
        expect(page).to_have_url(re.compile(rf"#ref-{n}$"))
        expect(page.locator(f"#ref-{n}")).to_be_in_viewport()
    finally:
        context.close()


def test_every_mark_and_back_link_pair_up(page: Page, edition_url):
    for letter in ("173", "174", "175", "176"):
        page.goto(f"{edition_url}letters/{letter}/")
        problems = page.evaluate("""() => {
            const out = [];
            for (const m of document.querySelectorAll('a[role="doc-noteref"]')) {
                const note = document.getElementById(m.getAttribute('href').slice(1));
                if (!/^ref-\\d+(-\\d+)?$/.test(m.id)) out.push(`mark ${m.id}: bad id`);
                if (!note || !note.closest('[role="doc-endnotes"]'))
                    out.push(`mark ${m.id} -> ${m.getAttribute('href')}: no note in the endnotes`);
                else if (!note.querySelector(`[role="doc-backlink"][href="#${m.id}"]`))
                    out.push(`note ${note.id}: no back-link to ${m.id}`);
            }
            for (const b of document.querySelectorAll('[role="doc-backlink"]'))
                if (!document.getElementById(b.getAttribute('href').slice(1)))
                    out.push(`back-link ${b.getAttribute('href')}: no such mark`);
            return out;
        }""")
        assert not problems, f"letters/{letter}/:\n" + "\n".join(problems)


def test_unanchored_note_has_no_back_link(page: Page, edition_url):
    page.goto(f"{edition_url}letters/173/")
    note = page.locator('[role="doc-endnotes"] #note-4')
    expect(note).to_have_count(1)
    expect(note.locator(BACKLINK)).to_have_count(0)
    expect(page.locator('a[href="#note-4"]')).to_have_count(0)
    # in its printed place in the list, between notes 3 and 5
    order = page.locator('[role="doc-endnotes"] [id^="note-"]').evaluate_all(
        "els => els.map(e => e.id)")
    assert order.index("note-4") == order.index("note-3") + 1, order


@pytest.mark.parametrize("site_url, letter", [("edition", "173"), ("mini", "174")],
                         indirect=["site_url"])
def test_keyboard_preview_opens_on_focus_and_escape_closes_it(page: Page, site_url, letter):
    page.goto(f"{site_url}letters/{letter}/")
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role') === 'doc-noteref'"):
            break
    else:
        pytest.fail("no note mark can be reached with the Tab key")
    mark = page.locator(f"{MARK}:focus")
    note_id = mark.get_attribute("href").lstrip("#")

    preview = page.locator(PREVIEW)
    expect(preview).to_have_count(1)
    expect(preview).to_be_visible()
    expect(preview).to_be_in_viewport()
    note_text = " ".join(page.locator(f"#{note_id} .note-text, #{note_id} p").first
                         .inner_text().split())
    assert note_text[:40] in " ".join(preview.inner_text().split())
    described = mark.get_attribute("aria-describedby") or ""
    assert preview.get_attribute("id") in described.split(), "the mark is not described by it"
    expect(preview.locator(BACKLINK)).to_have_count(0)
    expect(preview.locator("[id]")).to_have_count(0)

    page.keyboard.press("Escape")

    expect(preview).to_have_count(0)
    assert page.evaluate("document.activeElement.getAttribute('role')") == "doc-noteref"
    assert not mark.get_attribute("aria-describedby")


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_letter_screenshots(page: Page, edition_url, tmp_path, width, height):
    folder = Path(os.environ.get("EPISTOLA_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{edition_url}letters/173/")
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a {width} px screen"
    page.screenshot(path=str(folder / f"letter-173-{width}.png"), full_page=True)
    page.locator(f'{MARK}[href="#note-1"]').first.hover()
    page.screenshot(path=str(folder / f"letter-173-{width}-preview.png"))
