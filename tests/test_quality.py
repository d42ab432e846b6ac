"""Quality gates over the built site, with the real third-party checkers.

- Nu Html Checker (vnu): every HTML page, no errors.
- axe-core in Chromium: every kind of page, no WCAG 2.0/2.1 A or AA violation.
- linkinator over HTTP: no broken link, fragment or CSS reference; every page reachable from home.
- Every fragment link across pages names an element of its target (a gap linkinator 7 leaves).

The checkers themselves are shown to find faults in ``test_quality_checkers.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import dead_fragments, format_axe, format_links, format_vnu


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.relative_to(site).parts)


@pytest.fixture(scope="module", params=["edition", "mini"])
def built(request) -> tuple[Path, str]:
    """Each built site and its URL: the bundled edition and the two-letter test edition."""
    site = request.getfixturevalue(f"{request.param}_site")
    return site, request.getfixturevalue(f"{request.param}_url")


# --- Nu Html Checker ------------------------------------------------------------------------------

def test_every_page_passes_the_nu_html_checker(built, run_vnu):
    site, _ = built
    pages = html_pages(site)
    assert len(pages) >= 8, f"too few pages to be a site: {pages}"
    errors = run_vnu(pages)
    assert not errors, (f"Nu Html Checker: {len(errors)} error(s) in {len(pages)} pages\n"
                        + format_vnu(errors, site))


# --- axe-core -------------------------------------------------------------------------------------

def _richest(folder: Path) -> str:
    """The sub-page of folder with the most markup: the one that exercises the most templates."""
    pages = sorted(folder.glob("*/index.html"), key=lambda p: (-p.stat().st_size, str(p)))
    assert pages, f"no pages under {folder}"
    return pages[0].parent.name


def pages_of_kind(site: Path, kind: str) -> list[str]:
    """Site-relative URLs of the pages of one kind (DESIGN.md's URL contract)."""
    if kind == "letter":
        found = sorted(p.parent.name for p in (site / "letters").glob("*/index.html"))
        assert found, "no letter pages under letters/"
        return [f"letters/{slug}/" for slug in found]
    if kind == "person":
        return [f"persons/{_richest(site / 'persons')}/"]
    return [{"home": "", "letters": "letters/", "persons": "persons/", "archive": "archive/",
             "about": "about/", "search": "search/", "404": "no-such-page/"}[kind]]


KINDS = ["home", "letters", "letter", "persons", "person", "archive", "about", "search", "404"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_page_has_no_wcag_violation(kind, built, page, run_axe):
    site, base = built
    found = []
    for url in pages_of_kind(site, kind):
        response = page.goto(base + url)
        if kind == "404":
            assert response.status == 404
            assert (site / "404.html").is_file(), "the site has no 404.html"
        else:
            assert response.ok, f"{url}: HTTP {response.status}"
        page.wait_for_load_state("networkidle")
        violations = run_axe(page)
        if violations:
            found.append(format_axe(violations, f"/{url} "))
        if kind == "letter":
            # The note preview, open: its markup is checked too.
            marks = page.locator('a[role="doc-noteref"]')
            if marks.count():
                marks.first.focus()
                violations = run_axe(page)
                if violations:
                    found.append(format_axe(violations, f"/{url} (note preview open) "))
        if kind == "search":
            box = page.locator('main input[type="search"], main input[type="text"], '
                               '[role="search"] input').first
            if box.count():
                box.fill("Stalin")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(500)  # the search UI debounces typing
                violations = run_axe(page)
                if violations:
                    found.append(format_axe(violations, f"/{url} (results for 'Stalin') "))
    assert not found, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(found)


def test_phone_width_pages_have_no_wcag_violation(built, page, run_axe):
    site, base = built
    page.set_viewport_size({"width": 390, "height": 844})
    found = []
    for url in [pages_of_kind(site, "letter")[0], "letters/", ""]:
        page.goto(base + url)
        violations = run_axe(page)
        if violations:
            found.append(format_axe(violations, f"/{url} at 390 px "))
    assert not found, "axe-core (WCAG 2.1 A/AA):\n" + "\n".join(found)


# --- linkinator -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def crawl(built, run_linkinator) -> list[dict]:
    """Every link linkinator followed from the home page, recursively."""
    return run_linkinator([built[1]])


def test_no_broken_link_or_fragment(built, crawl):
    site, base = built
    links = crawl
    assert len(links) > 10, f"linkinator visited almost nothing: {links}"
    broken = [link for link in links if link["state"] == "BROKEN"]
    assert not broken, (f"linkinator: {len(broken)} broken link(s) or fragment(s) (page -> target)\n"
                        + format_links(broken, base))


def test_every_fragment_link_names_an_element_of_its_page(built):
    site, _ = built
    dead = dead_fragments(site)
    assert not dead, "links to a fragment their page does not have:\n" + "\n".join(dead)


def test_every_page_is_reachable_from_the_home_page(built, crawl):
    site, base = built
    visited = {link["url"].split("#")[0] for link in crawl if link["state"] == "OK"}
    orphans = []
    for page in html_pages(site):
        rel = page.relative_to(site).as_posix()
        if rel == "404.html":
            continue
        url = base + (rel.removesuffix("index.html"))
        if url not in visited and base + rel not in visited:
            orphans.append("/" + rel)
    assert not orphans, "pages no link leads to:\n" + "\n".join(orphans)
