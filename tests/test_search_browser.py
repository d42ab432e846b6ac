"""The search page in real Chromium, over HTTP on 127.0.0.1, against built sites.

What a reader does: type a word or a name, narrow by writer, recipient, year, place, fond or
kind, read the results in date order or by relevance, and follow a hit to the very paragraph or
note, where the words are marked. What an editor does: change a letter and find its new text,
after `build` and while `serve` runs. Expected values come from the records, never from the
search itself. Nothing here asserts on time.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import EDITIONS, MINI_EDITION, ROOT, base_path, format_axe
from epistola import search
from epistola.body import plain_text
from epistola.corpus import year_of
from epistola.engine import recipe
from epistola.pages import search_names
from test_search import bilingual  # noqa: F401 - the fixture: an edition with a Russian original

from synthetic import write_edition

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --- the edition, from its records ---------------------------------------------------------------

class Edition:
    """What the records say: the letters in the edition's order, their text and facets."""

    def __init__(self, editions: Path):
        site, diags = recipe.load(editions)
        assert site is not None, diags
        self.site = site
        self.letters = list(site.corpus.letters)
        self.order = [letter.id for letter in self.letters]

    def text(self, letter_id: str) -> str:
        reading = self.site.readings(letter_id)
        parts = [plain_text(b.inlines) for b in reading.blocks]
        parts += [plain_text(n.inlines) for n in reading.notes]
        return " ".join(parts)

    def holding(self, word: str) -> list[str]:
        """The letters whose text holds the word (whole, any case), in the edition's order."""
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.I)
        return [i for i in self.order if pattern.search(self.text(i))]

    def counts(self, ids=None) -> dict[str, Counter]:
        """What each filter value should count among these letters."""
        wanted = set(self.order if ids is None else ids)
        counts: dict[str, Counter] = {g: Counter() for g in search.FACETS}
        for letter in self.letters:
            if letter.id not in wanted:
                continue
            for s in dict.fromkeys(c.name for c in letter.senders):
                counts["sender"][s] += 1
            for r in dict.fromkeys(c.name for c in letter.recipients):
                counts["recipient"][r] += 1
            if year_of(letter) != "undated":
                counts["year"][year_of(letter)] += 1
            if letter.place:
                counts["place"][letter.place.name] += 1
            if letter.archive and letter.archive.fond:
                counts["fond"][f"{letter.archive.repository}, fond {letter.archive.fond}"] += 1
            counts["kind"][letter.kind] += 1
        return counts


# --- the page ------------------------------------------------------------------------------------

def open_search(page, base: str, **params) -> None:
    query = urllib.parse.urlencode(params, doseq=True)
    page.goto(base + "search/" + (f"?{query}" if query else ""))
    page.wait_for_selector("#search[data-counted]", timeout=60_000)


def counted(page) -> str:
    return page.get_attribute("#search", "data-counted")


def wait_for_new_results(page, before: str) -> None:
    page.wait_for_function("old => document.querySelector('#search').dataset.counted !== old",
                           arg=before, timeout=60_000)


def letter_ids(page) -> list[str]:
    """The letters listed, in the order shown."""
    hrefs = page.eval_on_selector_all(".search-hits > li h3 a", "as => as.map(a => a.href)")
    return [re.search(r"/letters/([^/]+)/", h).group(1) for h in hrefs]


def all_letter_ids(page) -> list[str]:
    while page.is_visible(".search-more"):
        before = counted(page)
        count = page.locator(".search-hits > li").count()
        page.click(".search-more")
        page.wait_for_function("n => document.querySelectorAll('.search-hits > li').length > n "
                               "|| !document.querySelector('.search-more') "
                               "|| document.querySelector('.search-more').hidden", arg=count,
                               timeout=60_000)
        page.wait_for_function("old => document.querySelector('#search').dataset.counted !== old",
                               arg=before, timeout=60_000)
    return letter_ids(page)


def count_all(page) -> None:
    """Press "Count them all" when the page offers it."""
    if page.is_visible(".search-count-all"):
        before = counted(page)
        page.click(".search-count-all")
        wait_for_new_results(page, before)
    assert not page.is_visible(".search-facets-estimated")


def passage_links(page, letter: str) -> list[str]:
    return page.eval_on_selector_all(
        ".search-hits > li", """(items, id) => items
            .filter(li => li.querySelector('h3 a').href.includes('/letters/' + id + '/'))
            .flatMap(li => [...li.querySelectorAll('.hit-passages a')].map(a => a.href))""", letter)


def status(page) -> str:
    return page.inner_text("#search-status")


def facet_counts(page) -> dict[str, dict[str, str]]:
    """Each filter value's count as shown ("3" or "about 3"), every group's values shown."""
    for toggle in page.query_selector_all('.facet-toggle[aria-expanded="false"]'):
        toggle.click()
    return page.evaluate("""() => {
        const out = {};
        for (const input of document.querySelectorAll('#search-facets input[type=checkbox]')) {
            const label = document.querySelector('label[for="' + input.id + '"]');
            const n = label.querySelector('.count').textContent.replace(/[()]/g, '');
            (out[input.name] = out[input.name] || {})[input.value] = n;
        }
        return out;
    }""")


def exact_counts(page) -> dict[str, dict[str, int]]:
    shown = facet_counts(page)
    assert not any(n.startswith("about") for values in shown.values() for n in values.values())
    return {g: {v: int(n.replace(",", "")) for v, n in values.items()} for g, values in shown.items()}


def nonzero(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {g: {v: n for v, n in values.items() if n} for g, values in counts.items()
            if any(values.values())}


# --- the bundled edition: Nos. 173-176 -----------------------------------------------------------

def test_a_word_of_the_text_finds_its_letter(edition_url, page):
    open_search(page, edition_url, q="Reichswehr")
    assert letter_ids(page) == ["173"]
    assert status(page).startswith("1 letter found for “Reichswehr”")


def test_a_hit_in_a_paragraph_links_to_that_paragraph_and_the_word_is_marked(edition_url,
                                                                             edition_site, page):
    tree = lxml_html.parse(str(edition_site / "letters" / "173" / "index.html"))
    holding = tree.xpath('//section[@class="letter-text"]/p[contains(., "Reichswehr")]/@id')
    assert holding, "the built page of No. 173 has no paragraph with 'Reichswehr'"
    open_search(page, edition_url, q="Reichswehr")
    links = passage_links(page, "173")
    assert [urllib.parse.urlsplit(h).fragment for h in links] == holding
    page.click(f'.hit-passages a[href$="#{holding[0]}"]')
    page.wait_for_selector("mark.pagefind-highlight", timeout=10_000)
    assert urllib.parse.urlsplit(page.url).fragment == holding[0]
    marked = page.eval_on_selector_all(f"#{holding[0]} mark.pagefind-highlight", "ms => ms.map(m => m.textContent)")
    assert marked and all(m.startswith("Reichswehr") for m in marked)
    box = page.eval_on_selector(f"#{holding[0]}", "p => p.getBoundingClientRect().toJSON()")
    assert 0 <= box["top"] < page.viewport_size["height"], "the paragraph is not in view"


def test_a_word_only_in_a_note_lands_on_that_note(edition_url, page):
    open_search(page, edition_url, q="Skoblevsky")
    assert letter_ids(page) == ["173"]
    links = passage_links(page, "173")
    assert [urllib.parse.urlsplit(h).fragment for h in links] == ["note-12"]
    page.click('.hit-passages a[href$="#note-12"]')
    page.wait_for_selector("#note-12 mark.pagefind-highlight", timeout=10_000)
    assert page.evaluate("document.querySelector('#note-12').matches(':target')")
    assert page.eval_on_selector_all("mark.pagefind-highlight", "ms => ms.every(m => m.closest('article.letter'))")


def test_filtering_by_recipient_leaves_only_that_recipients_letters(edition_url, page):
    open_search(page, edition_url)
    before = counted(page)
    page.check('#search-facets input[name="recipient"][value="B. I. Magidov"]')
    wait_for_new_results(page, before)
    assert letter_ids(page) == ["176"]
    assert "recipient=B.+I.+Magidov" in page.url  # the filtered search can be linked
    open_search(page, edition_url, recipient="B. I. Magidov")
    assert letter_ids(page) == ["176"]
    assert page.is_checked('#search-facets input[name="recipient"][value="B. I. Magidov"]')


def test_letters_come_in_date_order_or_by_relevance(edition_url, page):
    order = Edition(EDITIONS).order
    open_search(page, edition_url)
    assert letter_ids(page) == order
    assert status(page) == f"{len(order)} letters found, in date order."
    open_search(page, edition_url, q="comrade")
    assert letter_ids(page) == order
    open_search(page, edition_url, q="comrade", sort="relevance")
    assert sorted(letter_ids(page)) == sorted(order)
    assert page.input_value("#search-sort") == "relevance"


def test_facet_counts_are_those_of_the_records(edition_url, page):
    edition = Edition(EDITIONS)
    open_search(page, edition_url)
    assert nonzero(exact_counts(page)) == {g: dict(c) for g, c in edition.counts().items() if c}
    open_search(page, edition_url, q="Donbass")
    holding = letter_ids(page)
    assert holding == edition.holding("Donbass")
    want = edition.counts(holding)
    for group, values in exact_counts(page).items():
        for value, n in values.items():
            assert n == want[group].get(value, 0), (group, value)


def test_senders_and_recipients_are_listed_by_surname_as_the_register_sorts_them(edition_url, page):
    site, _ = recipe.load(EDITIONS)
    sort_name = {p.name: p.sort_name or p.name for p in site.corpus.persons.values()}
    open_search(page, edition_url)
    shown = facet_counts(page)  # (dicts keep the order the page lists the values in)
    for group in ("sender", "recipient"):
        names = list(shown[group])
        assert len(names) >= 3
        assert names == sorted(names, key=lambda n: sort_name[n].casefold()), group


def test_a_ticked_value_does_not_zero_the_others_of_its_group(edition_url, page):
    open_search(page, edition_url, sender="I. V. Stalin")
    assert letter_ids(page) == ["176"]
    senders = exact_counts(page)["sender"]
    assert senders["G. L. Pyatakov"] == 1 and senders["B. I. Magidov"] == 1  # any within a group
    recipients = exact_counts(page)["recipient"]
    assert recipients == {name: (1 if name == "B. I. Magidov" else 0) for name in recipients}


def test_every_spelling_in_the_register_finds_the_persons_letters(edition_url, page):
    edition = Edition(EDITIONS)
    names = {letter.id: set(search_names(edition.site.read, letter)) for letter in edition.letters}
    misses, tried = [], 0
    for ref in edition.site.read("register", "persons"):
        person = edition.site.read("entry", ("persons", ref))
        involved = sorted(i for i, forms in names.items() if person.name in forms)
        for form in dict.fromkeys([person.name, person.full_name, *person.variants]):
            if not form:
                continue
            open_search(page, edition_url, q=form)
            tried += 1
            got = letter_ids(page)
            register = page.eval_on_selector_all(".search-register-list a", "as => as.map(a => a.textContent)")
            if not set(involved) <= set(got) or person.name not in register:
                misses.append(f"{form!r} ({ref}): letters {got}, want {involved}; register {register}")
    assert tried >= len(edition.site.read("register", "persons"))
    assert not misses, "\n".join(misses)


def test_a_pseudonym_finds_the_letter_that_prints_another_form(edition_url, page):
    # "Arvid" is Pyatakov's signature in No. 173; "Andrey" is Radek, named there as Andrei.
    for word, person in (("Arvid", "G. L. Pyatakov"), ("Andrey", "K. B. Radek")):
        open_search(page, edition_url, q=word)
        assert "173" in letter_ids(page), word
        register = page.eval_on_selector_all(".search-register-list a", "as => as.map(a => a.textContent)")
        # only the person so named: no register page merely containing an initial "A."
        assert register == [person], (word, register)


def test_a_word_of_a_further_text_lands_on_its_paragraph(bilingual, serve_folder, page):  # noqa: F811
    base = serve_folder(bilingual / "site", base_path(bilingual / "editions"))
    open_search(page, base, q="Донбасса")
    assert letter_ids(page) == ["176"]
    links = passage_links(page, "176")
    assert [urllib.parse.urlsplit(h).fragment for h in links] == ["ru-p1"]
    assert page.inner_text(".hit-passages a") == "Paragraph 1 (ru)"


@pytest.fixture(scope="module")
def pseudonym_url(tmp_path_factory, build_site, serve_folder) -> str:
    """The test edition with a pseudonym added to Stalin's register entry, built and served."""
    editions = tmp_path_factory.mktemp("pseudonym") / "editions"
    shutil.copytree(MINI_EDITION, editions)
    persons = editions / "persons.yaml"
    text = persons.read_text(encoding="utf-8")
    text = text.replace("variants: [Stalin, STALIN, I. Stalin, 'St[alin]']",
                        "variants: [Stalin, STALIN, I. Stalin, 'St[alin]', Koba, Dzhugashvili]")
    assert "Koba" in text
    persons.write_text(text, encoding="utf-8")
    site = build_site(editions, editions.parent / "site")
    assert b"Koba" not in (site / "letters" / "176" / "index.html").read_bytes()
    return serve_folder(site, base_path(editions))


def test_a_register_form_printed_nowhere_finds_the_letters(pseudonym_url, page):
    for word in ("Koba", "Dzhugashvili"):
        open_search(page, pseudonym_url, q=word)
        assert letter_ids(page) == ["174", "176"], word
        assert word in page.locator(".search-hits > li").first.inner_text()


def test_the_search_page_works_from_the_keyboard(edition_url, page):
    open_search(page, edition_url)
    page.focus("#search-input")
    before = counted(page)
    page.keyboard.type("Donbass")
    page.keyboard.press("Enter")
    wait_for_new_results(page, before)
    assert letter_ids(page) == ["174", "176"]
    target = '#search-facets input[name="recipient"][value="B. I. Magidov"]'
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement === document.querySelector('{target}')"):
            break
    else:
        pytest.fail("Tab never reached the recipient filter")
    before = counted(page)
    page.keyboard.press("Space")
    wait_for_new_results(page, before)
    assert letter_ids(page) == ["176"]
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.search-hits')"):
            break
    else:
        pytest.fail("Tab never reached the results")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/letters/176/"))


def test_the_result_count_is_announced(edition_url, page):
    open_search(page, edition_url, q="Trotsky")
    live = page.locator("#search-status")
    assert live.get_attribute("role") == "status"
    n = len(letter_ids(page))
    assert n >= 1 and live.inner_text().startswith(f"{n} letter")


def test_the_search_page_with_results_and_filters_has_no_wcag_violation(edition_url, page, run_axe):
    open_search(page, edition_url, q="Stalin", sender="G. L. Pyatakov")
    violations = run_axe(page)
    assert not violations, format_axe(violations, "/search/?q=Stalin&sender=… ")
    page.set_viewport_size({"width": 390, "height": 844})
    violations = run_axe(page)
    assert not violations, format_axe(violations, "/search/ at 390 px ")


def test_on_a_phone_the_filters_fold_away_and_the_results_come_first(edition_url, browser):
    for width, folded in ((390, True), (1280, False)):
        context = browser.new_context(viewport={"width": width, "height": 844})
        page = context.new_page()
        open_search(page, edition_url, q="Stalin", sender="G. L. Pyatakov")
        panel = page.locator(".search-facets-panel")
        assert panel.evaluate("d => d.open") is (not folded), width
        assert page.inner_text(".search-facets-panel > summary").endswith("(1 chosen)")
        first_hit = page.locator(".search-hits > li h3 a").first.bounding_box()
        if folded:
            assert first_hit["y"] + first_hit["height"] <= 844, "the first result is below the fold"
        context.close()


def test_without_javascript_the_page_says_so_and_links_to_the_letters(edition_url, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(edition_url + "search/")
    text = page.inner_text("main")
    assert "needs JavaScript" in text
    links = page.eval_on_selector_all("main a", "as => as.map(a => a.getAttribute('href'))")
    assert "../letters/" in links and "../persons/" in links
    assert not page.is_visible("form.search-form")  # no box that cannot work
    context.close()


# --- a larger edition: several hundred letters in several segments --------------------------------

@pytest.fixture(scope="module")
def large(tmp_path_factory, serve_folder):
    """240 synthetic letters over 1912-1927, indexed in segments of 40 letters."""
    base = tmp_path_factory.mktemp("large")
    write_edition(base / "editions", 240, seed=5)
    plant_words_of_their_own(base / "editions", [*range(100, 110), *range(150, 160)])
    patch = pytest.MonkeyPatch()
    patch.setattr(search, "SEGMENT_LETTERS", 40)
    outcome = recipe.build(base / "editions", base / "site")
    assert not [d for d in outcome.diagnostics if d.level == "error"], outcome.diagnostics[:5]
    yield Edition(base / "editions"), serve_folder(base / "site", base_path(base / "editions")), base
    patch.undo()


def plant_words_of_their_own(editions: Path, positions: list[int]) -> None:
    """Give the letters at these places in the edition's order a word no other letter has (the
    synthetic letters draw on a small vocabulary); the words differ from their third letter on,
    so that no one is the beginning of another."""
    records = sorted((editions / "letters").glob("*.md"), key=lambda p: int(p.stem))
    for k in positions:
        text = records[k].read_text(encoding="utf-8")
        at = text.index(". ", text.index("\n---\n") + 5)
        word = f"zq{chr(97 + k % 26)}x{chr(97 + k // 26 % 26) * 3}"
        records[k].write_text(text[:at] + f" {word}" + text[at:], encoding="utf-8")


def name_words(edition: Edition) -> set[str]:
    """Every word of the register's name forms (a letter is found by them too)."""
    found = set()
    for ref in edition.site.read("register", "persons"):
        person = edition.site.read("entry", ("persons", ref))
        for form in (person.name, person.full_name or "", *person.variants):
            found.update(re.findall(r"[a-z]+", form.lower()))
    return found


def common_word(edition: Edition, share: tuple[float, float]) -> str:
    """A word of the texts (not of a name) held by about this share of the letters."""
    seen: Counter = Counter()
    names = name_words(edition)
    for i in edition.order:
        seen.update({w for w in re.findall(r"[a-z]{6,}", edition.text(i).lower()) if w not in names})
    n = len(edition.order)
    return min((w for w, c in seen.items() if share[0] * n <= c <= share[1] * n),
               key=lambda w: (seen[w], w))


def test_a_common_word_reads_the_first_segment_only_and_says_which_counts_are_estimates(large, page):
    edition, base, _ = large
    word = common_word(edition, (0.5, 0.8))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    open_search(page, base, q=word)
    holding = edition.holding(word)
    assert letter_ids(page) == holding[:10]
    segments = {u.split("/pagefind/letters/")[1].split("/")[0] for u in requested if "/pagefind/letters/" in u}
    assert len(segments) == 1, segments
    # one word: the directory knows how many letters hold it
    assert status(page).startswith(f"{len(holding)} letters found for “{word}”")
    shown = facet_counts(page)
    assert any(n.startswith("about") for values in shown.values() for n in values.values())
    assert page.is_visible(".search-facets-estimated")
    count_all(page)
    want = edition.counts(holding)
    assert nonzero(exact_counts(page)) == {g: dict(c) for g, c in want.items() if c}
    assert status(page).startswith(f"{len(holding)} letters found")


def test_letters_from_many_segments_come_in_date_order_each_once(large, page):
    edition, base, _ = large
    word = common_word(edition, (0.15, 0.3))
    open_search(page, base, q=word)
    got = all_letter_ids(page)
    assert got == edition.holding(word)
    open_search(page, base, q=word, sort="relevance")
    got = all_letter_ids(page)
    assert sorted(got) == sorted(edition.holding(word)) and len(set(got)) == len(got)


def test_a_word_found_nowhere_reads_no_segment(large, page):
    edition, base, _ = large
    open_search(page, base)
    page.wait_for_load_state("networkidle")
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    before = counted(page)
    page.fill("#search-input", "Reichswehr")
    page.press("#search-input", "Enter")
    wait_for_new_results(page, before)
    assert letter_ids(page) == [] and status(page).startswith("0 letters found")
    # (while the reader types, the page may make the first segment ready: its library and
    # metadata; what a search of a segment reads, its index chunks and fragments, it must not)
    assert [u for u in requested if "/pagefind/" in u and "/directory/" not in u
            and u.split("?")[0].endswith((".pf_index", ".pf_fragment"))] == []


def test_a_filter_alone_lists_that_years_letters_in_date_order(large, page):
    edition, base, _ = large
    years = Counter(year_of(letter) for letter in edition.letters)
    year = sorted(y for y in years if y != "undated")[3]
    open_search(page, base, year=year)
    count_all(page)
    want = [letter.id for letter in edition.letters if year_of(letter) == year]
    assert all_letter_ids(page) == want
    assert status(page).startswith(f"{len(want)} letter")
    counts = exact_counts(page)
    assert counts["year"][year] == len(want)
    assert nonzero({g: v for g, v in counts.items() if g != "year"}) == \
        {g: dict(c) for g, c in edition.counts(want).items() if c and g != "year"}


def test_a_word_with_a_year_ticked_reads_only_that_years_segments_and_estimates_from_them(large,
                                                                                       page):
    """Segments follow the dates: a year is in one or two of them, and the others neither are
    searched nor count towards the estimate (which once took the year's share of the searched
    segment for every segment)."""
    edition, base, folder = large
    word = common_word(edition, (0.5, 0.8))
    year_by_id = {letter.id: year_of(letter) for letter in edition.letters}
    year = min(y for y in year_by_id.values() if y != "undated")
    manifest = json.loads((folder / "site" / "pagefind" / "manifest.json").read_text(encoding="utf-8"))
    holding_year = {s["path"].split("/")[1] for s in manifest["segments"] if s["years"].get(year)}
    assert 0 < len(holding_year) < len(manifest["segments"]) / 2
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    open_search(page, base, q=word, year=year)
    want = [i for i in edition.holding(word) if year_by_id[i] == year]
    read = {u.split("/pagefind/letters/")[1].split("/")[0] for u in requested
            if "/pagefind/letters/" in u and u.split("?")[0].endswith((".pf_index", ".pf_fragment"))}
    assert read <= holding_year
    assert letter_ids(page) == want[:10]
    shown = int(re.search(r"([\d,]+) letters? found", status(page)).group(1).replace(",", ""))
    assert abs(shown - len(want)) <= max(2, len(want) // 4), (status(page), len(want))


# --- a letter changed --------------------------------------------------------------------------

def unique_word(edition: Edition, start: int) -> tuple[str, str]:
    """A letter from the start-th on, and a word of its text that no other letter has."""
    seen: Counter = Counter()
    words = {i: set(re.findall(r"[a-z]{7,}", edition.text(i).lower())) for i in edition.order}
    for found in words.values():
        seen.update(found)
    names = name_words(edition)
    for letter_id in edition.order[start:]:
        for w in sorted(words[letter_id]):
            if seen[w] == 1 and w not in names and not any(
                    o != w and (o.startswith(w[:-1]) or w.startswith(o)) for o in seen if o[:3] == w[:3]):
                return letter_id, w
    raise AssertionError("no letter has a word of its own")


def shared_word(edition: Edition, letter_id: str) -> str:
    """A word of this letter's text (not of a name) that the fewest other letters, but at least
    four, also hold."""
    names = name_words(edition)
    words = {w for w in re.findall(r"[a-z]{6,}", edition.text(letter_id).lower()) if w not in names}
    held = sorted((len(edition.holding(w)), w) for w in words)
    return next(w for n, w in held if n >= 5)


def replace_word(editions: Path, letter_id: str, old: str, new: str) -> None:
    record = editions / "letters" / f"{letter_id}.md"
    text = record.read_text(encoding="utf-8")
    changed = re.sub(rf"(?i)(?<!\w){old}(?!\w)", new, text)
    assert changed != text
    record.write_text(changed, encoding="utf-8")


def check_changed_letter(page, base: str, letter_id: str, old: str, new: str, shared: str,
                         holding_shared: list[str]) -> None:
    """The new word finds the letter, the old one no longer does, and a word of both texts
    lists it once, in its place."""
    open_search(page, base, q=new)
    assert letter_ids(page) == [letter_id]
    open_search(page, base, q=old)
    assert letter_ids(page) == []
    open_search(page, base, q=shared)
    count_all(page)
    assert all_letter_ids(page) == holding_shared


@pytest.fixture
def copy_of_large(large, tmp_path):
    edition, _, base = large
    shutil.copytree(base / "editions", tmp_path / "editions")
    shutil.copytree(base / "site", tmp_path / "site")
    shutil.copytree(base / ".epistola-store", tmp_path / ".epistola-store")
    return edition, tmp_path


def test_a_letter_changed_and_built_is_found_by_its_new_text_only(copy_of_large, page, serve_folder,
                                                                  monkeypatch):
    edition, folder = copy_of_large
    monkeypatch.setattr(search, "SEGMENT_LETTERS", 40)
    letter_id, old = unique_word(edition, 100)
    shared = shared_word(edition, letter_id)
    holding = edition.holding(shared)
    replace_word(folder / "editions", letter_id, old, "zqrenamed")
    outcome = recipe.build(folder / "editions", folder / "site")
    assert not [d for d in outcome.diagnostics if d.level == "error"]
    manifest = json.loads((folder / "site" / "pagefind" / "manifest.json").read_text())
    assert manifest["recent"]["pages"] == 1
    base = serve_folder(folder / "site", base_path(folder / "editions"))
    check_changed_letter(page, base, letter_id, old, "zqrenamed", shared, holding)


def test_a_letter_changed_while_serve_runs_is_found_by_its_new_text(copy_of_large, page):
    edition, folder = copy_of_large
    letter_id, old = unique_word(edition, 150)
    shared = shared_word(edition, letter_id)
    holding = edition.holding(shared)
    manifest = folder / "site" / "pagefind" / "manifest.json"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    code = ("import sys; import epistola.search as s; s.SEGMENT_LETTERS = 40; "
            "from epistola.cli import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", "0", "--editions",
                             str(folder / "editions"), "--out", str(folder / "site")],
                            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r" at (http://\S+) ", line).group(1)
        base = url
        deadline = time.monotonic() + 120
        before = manifest.read_bytes()
        replace_word(folder / "editions", letter_id, old, "zqserved")
        while manifest.read_bytes() == before:
            assert time.monotonic() < deadline, "serve never brought the search index up to date"
            time.sleep(0.05)
        assert json.loads(manifest.read_text())["recent"]["pages"] == 1
        check_changed_letter(page, base, letter_id, old, "zqserved", shared, holding)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
