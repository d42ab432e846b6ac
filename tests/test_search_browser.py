"""The search page in real Chromium, over HTTP on 127.0.0.1, against the built sites.

What a reader does: type a word or a name, narrow by writer, recipient, year, place, fond or
kind, read the results in date order, and follow a hit to the very paragraph or note, where the
words are marked. Expected values come from the records and the built pages, never from the
search itself.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import EDITIONS, MINI_EDITION, base_path, format_axe
from epistola.engine.recipe import load
from epistola.names import entry_forms
from epistola.pages import search_names

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def site_of(editions: Path):
    """The facts of an edition (site.Site); its corpus holds the letters in date order."""
    site, diags = load(editions)
    assert site is not None, diags
    return site


def corpus_of(editions: Path):
    return site_of(editions).corpus


def words_of(site, letter_id: str) -> str:
    """A letter's text and notes as its record has them."""
    letter = site.read("reading", letter_id).letter
    return letter.body + " ".join(note.text for note in letter.notes)


def open_search(page, base: str, **params) -> None:
    query = urllib.parse.urlencode(params, doseq=True)
    page.goto(base + "search/" + (f"?{query}" if query else ""))
    page.wait_for_selector("#search[data-shown]", timeout=20_000)


def wait_for_new_results(page, before: str) -> None:
    page.wait_for_function("old => document.querySelector('#search').dataset.shown !== old", arg=before,
                           timeout=20_000)


def shown(page) -> str:
    return page.get_attribute("#search", "data-shown")


def letter_ids(page) -> list[str]:
    """The letters listed, in the order shown."""
    hrefs = page.eval_on_selector_all(".search-hits > li h3 a", "as => as.map(a => a.href)")
    return [re.search(r"/letters/([^/]+)/", h).group(1) for h in hrefs]


def passage_links(page, letter: str) -> list[str]:
    """The passage links under the hit for a letter, as site-relative paths with fragment."""
    hrefs = page.eval_on_selector_all(
        ".search-hits > li", """(items, id) => items
            .filter(li => li.querySelector('h3 a').href.includes('/letters/' + id + '/'))
            .flatMap(li => [...li.querySelectorAll('.hit-passages a')].map(a => a.href))""", letter)
    return hrefs


def status(page) -> str:
    return page.inner_text("#search-status")


def facet_counts(page) -> dict[str, dict[str, int]]:
    return page.evaluate("""() => {
        const out = {};
        for (const input of document.querySelectorAll('#search-facets input[type=checkbox]')) {
            const label = document.querySelector('label[for="' + input.id + '"]');
            const n = Number(label.querySelector('.count').textContent.replace(/[()]/g, ''));
            (out[input.name] = out[input.name] || {})[input.value] = n;
        }
        return out;
    }""")


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
    assert all(urllib.parse.urlsplit(h).path.endswith("/letters/173/") for h in links)

    page.click(f'.hit-passages a[href$="#{holding[0]}"]')
    page.wait_for_selector("mark.pagefind-highlight", timeout=10_000)
    assert urllib.parse.urlsplit(page.url).fragment == holding[0]
    marked = page.eval_on_selector_all(f"#{holding[0]} mark.pagefind-highlight", "ms => ms.map(m => m.textContent)")
    assert marked and all(m.startswith("Reichswehr") for m in marked)
    assert page.evaluate(f"document.querySelector('#{holding[0]}').matches(':target')")
    box = page.eval_on_selector(f"#{holding[0]}", "p => p.getBoundingClientRect().toJSON()")
    assert 0 <= box["top"] < page.viewport_size["height"], "the paragraph is not in view"


def test_a_word_only_in_a_note_lands_on_that_note(edition_url, page):
    open_search(page, edition_url, q="Skoblevsky")
    assert letter_ids(page) == ["173"]
    links = passage_links(page, "173")
    assert [urllib.parse.urlsplit(h).fragment for h in links] == ["note-12"]

    page.click('.hit-passages a[href$="#note-12"]')
    page.wait_for_selector("#note-12 mark.pagefind-highlight", timeout=10_000)
    assert urllib.parse.urlsplit(page.url).fragment == "note-12"
    assert page.evaluate("document.querySelector('#note-12').matches(':target')")
    assert page.inner_text("#note-12 mark.pagefind-highlight").startswith("Skoblevsky")
    # only the words of the search are marked, nowhere outside the letter text and notes
    assert page.eval_on_selector_all("mark.pagefind-highlight", "ms => ms.every(m => m.closest('article.letter'))")


def test_filtering_by_recipient_magidov_leaves_only_no_176(edition_url, page):
    open_search(page, edition_url)
    before = shown(page)
    page.check('#search-facets input[name="recipient"][value="B. I. Magidov"]')
    wait_for_new_results(page, before)
    assert letter_ids(page) == ["176"]
    assert "recipient=B.+I.+Magidov" in page.url  # the filtered search can be linked
    open_search(page, edition_url, recipient="B. I. Magidov")
    assert letter_ids(page) == ["176"]
    assert page.is_checked('#search-facets input[name="recipient"][value="B. I. Magidov"]')


def test_letters_come_in_date_order(edition_url, page):
    corpus = corpus_of(EDITIONS)
    in_order = [letter.id for letter in corpus.letters]
    assert in_order == ["173", "174", "175", "176"]
    open_search(page, edition_url)
    assert letter_ids(page) == in_order
    assert status(page) == "4 letters found, in date order."
    open_search(page, edition_url, q="comrade")  # in every letter
    assert letter_ids(page) == in_order
    open_search(page, edition_url, q="comrade", sort="relevance")
    assert sorted(letter_ids(page)) == in_order
    assert page.input_value("#search-sort") == "relevance"


def expected_counts(letters) -> dict[str, Counter]:
    """What each filter value should count, straight from the records."""
    counts: dict[str, Counter] = {g: Counter() for g in ("sender", "recipient", "year", "place",
                                                         "fond", "kind")}
    for letter in letters:
        for s in dict.fromkeys(s.name for s in letter.senders):
            counts["sender"][s] += 1
        for r in dict.fromkeys(r.name for r in letter.recipients):
            counts["recipient"][r] += 1
        if letter.date.sort_key != "9999":
            counts["year"][letter.date.sort_key[:4]] += 1
        if letter.place:
            counts["place"][letter.place.name] += 1
        if letter.archive and letter.archive.fond:
            counts["fond"][f"{letter.archive.repository}, fond {letter.archive.fond}"] += 1
        counts["kind"][letter.kind] += 1
    return counts


@pytest.mark.parametrize("edition", ["edition", "mini"])
def test_facet_counts_match_the_records(edition, request, page):
    base = request.getfixturevalue(f"{edition}_url")
    corpus = corpus_of(EDITIONS if edition == "edition" else MINI_EDITION)
    open_search(page, base)
    assert facet_counts(page) == {g: dict(c) for g, c in expected_counts(corpus.letters).items() if c}

    # with a word: the counts are those of the letters holding it
    open_search(page, base, q="Stalin")
    holding = set(letter_ids(page))
    want = expected_counts([letter for letter in corpus.letters if letter.id in holding])
    got = facet_counts(page)
    for group, values in got.items():
        for value, n in values.items():
            assert n == want[group].get(value, 0), (group, value)


def test_a_ticked_value_does_not_zero_the_others_of_its_group(edition_url, page):
    open_search(page, edition_url, sender="I. V. Stalin")
    assert letter_ids(page) == ["176"]
    senders = facet_counts(page)["sender"]
    assert senders["G. L. Pyatakov"] == 1 and senders["B. I. Magidov"] == 1  # any within a group
    recipients = facet_counts(page)["recipient"]
    assert recipients == {name: (1 if name == "B. I. Magidov" else 0) for name in recipients}


def test_every_spelling_in_the_register_finds_the_persons_letters(edition_url, page):
    site = site_of(EDITIONS)
    corpus = site.corpus
    names = {letter.id: search_names(site.read, letter) for letter in corpus.letters}
    misses = []
    tried = 0
    for person in corpus.persons.values():
        involved = sorted(l for l, forms in names.items() if person.name in forms)
        for form in entry_forms(person):
            open_search(page, edition_url, q=form)
            tried += 1
            got = letter_ids(page)
            register = page.eval_on_selector_all(".search-register-list a", "as => as.map(a => a.textContent)")
            if not set(involved) <= set(got) or person.name not in register:
                misses.append(f"{form!r} ({person.ref}): letters {got}, want {involved}; "
                              f"register {register}")
    assert tried >= len(corpus.persons)
    assert not misses, "\n".join(misses)


def test_a_pseudonym_finds_the_letter_that_prints_another_form(edition_url, page):
    # "Arvid" is Pyatakov's signature in No. 173; "Andrey" is Radek, named there as Andrei.
    for word, person in (("Arvid", "G. L. Pyatakov"), ("Andrey", "K. B. Radek")):
        open_search(page, edition_url, q=word)
        assert "173" in letter_ids(page), word
        register = page.eval_on_selector_all(".search-register-list a", "as => as.map(a => a.textContent)")
        # only the person so named: no register page merely containing an initial "A."
        assert register == [person], (word, register)


# --- a register form that no page prints ---------------------------------------------------------

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
    assert b"Koba" not in (site / "letters" / "176" / "index.html").read_bytes().split(b"names:")[0]
    return serve_folder(site, base_path(editions))


def test_a_register_form_printed_nowhere_finds_the_letters(pseudonym_url, page):
    for word in ("Koba", "Dzhugashvili"):
        open_search(page, pseudonym_url, q=word)
        assert letter_ids(page) == ["174", "176"], word
        first = page.locator(".search-hits > li").first
        assert "Koba" in first.inner_text() or "Dzhugashvili" in first.inner_text()


# --- using it ------------------------------------------------------------------------------------

def test_the_search_page_works_from_the_keyboard(edition_url, page):
    open_search(page, edition_url)
    page.focus("#search-input")
    before = shown(page)
    page.keyboard.type("Donbass")
    page.keyboard.press("Enter")
    wait_for_new_results(page, before)
    assert letter_ids(page) == ["174", "176"]

    # Tab on to the first recipient checkbox and tick it with the space bar
    target = '#search-facets input[name="recipient"][value="B. I. Magidov"]'
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement === document.querySelector('{target}')"):
            break
    else:
        pytest.fail("Tab never reached the recipient filter")
    before = shown(page)
    page.keyboard.press("Space")
    wait_for_new_results(page, before)
    assert letter_ids(page) == ["176"]

    # on to the first result and follow it with Enter
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
    assert n >= 1
    assert live.inner_text().startswith(f"{n} letter")


def test_the_search_page_with_results_and_filters_has_no_wcag_violation(edition_url, page, run_axe):
    open_search(page, edition_url, q="Stalin", sender="G. L. Pyatakov")
    violations = run_axe(page)
    assert not violations, format_axe(violations, "/search/?q=Stalin&sender=… ")
    page.set_viewport_size({"width": 390, "height": 844})
    violations = run_axe(page)
    assert not violations, format_axe(violations, "/search/ at 390 px ")


def test_on_a_phone_the_filters_fold_away_and_the_results_come_first(edition_url, browser):
    """One column: the filters (long lists of writers, recipients, years, places) would push the
    results below the first screen, so they are folded behind their heading, which counts the
    chosen ones. On a wide screen they stand open beside the results."""
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
            assert not page.is_visible('#search-facets input[name="sender"]')
            page.click(".search-facets-panel > summary")
            assert page.is_checked('#search-facets input[name="sender"][value="G. L. Pyatakov"]')
            assert page.is_visible('#search-facets input[name="sender"][value="G. L. Pyatakov"]')
        context.close()


def test_without_javascript_the_page_says_so_and_links_to_the_letters(edition_url, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(edition_url + "search/")
    text = page.inner_text("main")
    assert "needs JavaScript" in text
    links = page.eval_on_selector_all("main a", "as => as.map(a => a.getAttribute('href'))")
    assert "../letters/" in links
    assert not page.is_visible("form.search-form")  # no box that cannot work
    context.close()


def test_the_search_page_is_reachable_from_every_page(edition_site):
    pages = [p for p in edition_site.rglob("*.html") if "pagefind" not in p.parts]
    for p in pages:
        tree = lxml_html.parse(str(p))
        nav = tree.xpath('//nav[@aria-label="Site"]//a/@href')
        assert any(h.rstrip("/").endswith("search") for h in nav), p


# --- many bundles: a synthetic edition over sixteen years, its years split into small parts ---------

@pytest.fixture(scope="module")
def split_edition(tmp_path_factory, build_site, serve_folder):
    """40 synthetic letters over 1912-1927, indexed in bundles of at most 3 letters."""
    import epistola.search
    from synthetic import write_edition

    editions = write_edition(tmp_path_factory.mktemp("split") / "editions", 40, seed=3)
    limit = epistola.search.MAX_BUNDLE
    epistola.search.MAX_BUNDLE = 3
    try:
        site = build_site(editions, editions.parent / "site")
    finally:
        epistola.search.MAX_BUNDLE = limit
    bundles = json.loads((site / "pagefind" / "bundles.json").read_text(encoding="utf-8"))["bundles"]
    assert any(b["name"].endswith("-2") for b in bundles), "no year was split"
    return site_of(editions), serve_folder(site, base_path(editions))


def all_letter_ids(page) -> list[str]:
    while page.is_visible(".search-more"):
        count = page.locator(".search-hits > li").count()
        page.click(".search-more")
        page.wait_for_function("n => document.querySelectorAll('.search-hits > li').length > n", arg=count)
    return letter_ids(page)


def test_letters_from_many_bundles_come_in_date_order(split_edition, page):
    site, base = split_edition
    corpus = site.corpus
    open_search(page, base)
    assert all_letter_ids(page) == [letter.id for letter in corpus.letters]
    assert facet_counts(page) == {g: dict(c) for g, c in expected_counts(corpus.letters).items() if c}

    # a word in some letters only: exactly those, still in date order; the bundles without it
    # are left out, not matched on a prefix ("plen" -> "plenum")
    open_search(page, base, q="plenipotentiary")
    holding = [letter.id for letter in corpus.letters
               if "plenipotentiary" in words_of(site, letter.id).lower()]
    assert holding and len(holding) < len(corpus.letters)
    assert all_letter_ids(page) == holding
