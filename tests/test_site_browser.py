"""The site in Chromium: the letters table sorts and filters with JavaScript and reads fully
without it; links work when the site is opened from disk; pages fit a phone. Screenshots of a
letter, the list and a person page at desktop and phone widths go to $EPISTOLA_SCREENSHOTS (or
the test's temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

WIDTHS = (1280, 390)


def rows(page: Page) -> list[str]:
    return page.locator("#letters-table tbody tr:not([hidden]) td:first-child").all_inner_texts()


def test_letters_table_sorts_by_a_column_and_back(page: Page, mini_url):
    page.goto(mini_url + "letters/")
    assert rows(page) == ["No. 174", "No. 176"]
    expect(page.locator(".sort-hint")).to_be_visible()
    # a heading's button is named by the heading alone: the drawn arrow is not read out
    expect(page.get_by_role("button", name="Date", exact=True)).to_have_count(1)
    date = page.locator("#letters-table thead th").nth(1)
    expect(date).to_have_attribute("aria-sort", "ascending")
    date.get_by_role("button").click()
    expect(date).to_have_attribute("aria-sort", "descending")
    assert rows(page) == ["No. 176", "No. 174"]
    number = page.locator("#letters-table thead th").nth(0)
    number.get_by_role("button").click()
    expect(number).to_have_attribute("aria-sort", "ascending")
    expect(date).not_to_have_attribute("aria-sort", "descending")
    assert rows(page) == ["No. 174", "No. 176"]


def test_letters_table_filters_as_one_types(page: Page, mini_url):
    page.goto(mini_url + "letters/")
    box = page.get_by_label("Filter the list by number, date, name, place or archival reference")
    expect(box).to_be_visible()
    box.fill("poltava magidov")  # every word, anywhere in the row
    assert rows(page) == ["No. 174"]
    expect(page.locator("#letters-count")).to_have_text("1 of 2 letters shown")
    box.fill("")
    assert rows(page) == ["No. 174", "No. 176"]


def test_without_javascript_the_list_is_complete_and_has_no_dead_controls(browser, mini_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(mini_url + "letters/")
    assert rows(page) == ["No. 174", "No. 176"]
    expect(page.locator("form.table-filter")).to_be_hidden()
    expect(page.locator("#letters-table th button")).to_have_count(0)
    expect(page.locator(".sort-hint")).to_be_hidden()  # no promise of sorting that cannot be kept
    context.close()


def test_links_work_when_the_site_is_opened_from_disk(page: Page, mini_site):
    page.goto((mini_site / "letters" / "index.html").as_uri())
    link = page.locator("#letters-table a", has_text="No. 176")
    expect(link).to_have_attribute("href", "../letters/176/index.html")
    link.click()
    expect(page.locator("h1")).to_contain_text("I. V. Stalin to B. I. Magidov")
    page.locator('a[role="doc-noteref"]').first.click()
    assert page.url.endswith("letters/176/index.html#note-1")


def screenshot_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("EPISTOLA_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_the_width_and_are_photographed(page: Page, edition_site, edition_url, width, tmp_path):
    folder = screenshot_folder(tmp_path)
    page.set_viewport_size({"width": width, "height": 900})
    person = max((edition_site / "persons").glob("*/index.html"), key=lambda p: p.stat().st_size).parent.name
    for name, url in (("letter-173", "letters/173/"), ("letters", "letters/"), (f"person-{person}", f"persons/{person}/")):
        page.goto(edition_url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{url} is {overflow}px wider than a {width}px screen"
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        if name.startswith("person-"):  # "¶ 6" and "note 3" each stay on one line
            lines = page.eval_on_selector_all("a.mention", "as => as.map(a => a.getClientRects().length)")
            assert lines and set(lines) == {1}, lines
        # the measure stays readable: no line of the letter text longer than about 80 characters
        if name == "letter-173":
            width_px = page.locator("#p3").evaluate("el => el.getBoundingClientRect().width")
            font_px = page.locator("#p3").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
            assert width_px / font_px < 40, f"text column {width_px}px at {font_px}px type"


def test_print_keeps_the_notes_and_drops_the_navigation(page: Page, mini_url):
    page.goto(mini_url + "letters/174/")
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".letter-nav")).to_be_hidden()
    expect(page.locator('[role="doc-endnotes"]')).to_be_visible()
    expect(page.locator("#note-2 .note-text")).to_be_visible()


@pytest.mark.parametrize("path", ["", "letters/173/", "about/", "archive/", "search/"])
def test_on_a_phone_the_navigation_is_one_line_with_search_and_the_current_page_in_view(browser, edition_url, path):
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(edition_url + path)
        page.wait_for_load_state("load")
        boxes = page.eval_on_selector_all(".site-nav li", """items => items.map(li => {
            const r = li.querySelector('a').getBoundingClientRect();
            return {text: li.textContent.trim(), top: r.top, left: r.left, right: r.right,
                    current: !!li.querySelector('[aria-current]')};
        })""")
        assert len({round(b["top"]) for b in boxes}) == 1, boxes  # one line
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page does not scroll
        search = next(b for b in boxes if b["text"] == "Search")
        assert 0 <= search["left"] and search["right"] <= 390, search
        for b in boxes:
            if b["current"]:
                assert 0 <= b["left"] and b["right"] <= 390, b
                if b["text"] != "Search":  # not under the pinned Search link
                    assert b["right"] <= search["left"], (b, search)
    finally:
        page.close()
