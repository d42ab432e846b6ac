"""The built site, read back with lxml: the endnote contract, letter parts, person links, the
archive concordance, citation metadata, determinism, and a failed build that changes nothing.

Builds go through `epistola.engine.recipe.build`, as `python build.py build` does.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import pytest

from epistola.diagnostics import has_errors
from epistola.model import LETTER_PARTS
from epistola.engine.recipe import build as build_site

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini-edition"
EDITIONS = ROOT / "editions"


def run_build(editions: Path, out: Path, templates: Path | None = None) -> list:
    """`build`, as the command line runs it; its diagnostics."""
    return build_site(editions, out, templates=templates).diagnostics



def build(editions: Path, out: Path) -> Path:
    diags = run_build(editions, out)
    assert not has_errors(diags), "\n".join(map(str, diags))
    return out


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def parse(site: Path, page: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / page).read_bytes())


def resolve(page: str, href: str) -> str:
    """The file a relative link on a page leads to: "about/index.html" + "../" -> "index.html"."""
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page), href.split("#")[0]))
    path = "" if path == "." else path
    return posixpath.join(path, "index.html") if href.split("#")[0].endswith("/") or not path else path


def letter_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in (site / "letters").glob("*/index.html"))


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    return build(MINI, tmp_path_factory.mktemp("mini") / "site")


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    if not any((EDITIONS / "letters").glob("*.md")):
        pytest.skip("editions/ has no records yet")
    return build(EDITIONS, tmp_path_factory.mktemp("edition") / "site")


@pytest.fixture(scope="module", params=["mini", "edition"])
def site(request) -> Path:
    return request.getfixturevalue(request.param)


# --- the endnote contract (DESIGN.md) --------------------------------------------------------

def test_every_mark_points_at_a_note_and_every_anchored_note_back_at_its_mark(site):
    for page in letter_pages(site):
        doc = parse(site, page)
        ids = doc.xpath("//@id")
        assert len(ids) == len(set(ids)), f"{page}: duplicate ids"
        sections = doc.xpath('//*[@role="doc-endnotes"]')
        marks = doc.xpath('//a[@role="doc-noteref"]')
        if not marks and not sections:
            continue
        assert len(sections) == 1, f"{page}: one notes section expected"
        notes = {el.get("id"): el for el in sections[0].xpath('.//*[starts-with(@id, "note-")]')}
        for mark in marks:
            href = mark.get("href")
            assert href.startswith("#note-"), f"{page}: mark {href}"
            n = href.removeprefix("#note-")
            assert mark.text == n, f"{page}: mark text {mark.text!r} for {href}"
            assert mark.get("id") in (f"ref-{n}",) or mark.get("id").startswith(f"ref-{n}-")
            assert mark.getparent().tag == "sup"
            note = notes.get(href[1:])
            assert note is not None, f"{page}: {href} has no note in the endnotes"
            backs = note.xpath('.//a[@role="doc-backlink"]/@href')
            assert "#" + mark.get("id") in backs, f"{page}: note {n} does not link back to its mark"
        mark_ids = {m.get("id") for m in marks}
        for note_id, note in notes.items():
            backs = note.xpath('.//a[@role="doc-backlink"]/@href')
            for back in backs:
                assert back[1:] in mark_ids, f"{page}: {note_id} links back to missing {back}"
            anchored = any(m.get("href") == f"#{note_id}" for m in marks)
            assert bool(backs) == anchored, f"{page}: {note_id} anchored={anchored}, back-links={backs}"
            if not anchored:
                assert "unanchored" in note.get("class", "")
                assert "mark lost in the source" in note.text_content().lower()


def test_mini_notes_in_printed_order_with_supplied_number_flagged(mini):
    doc = parse(mini, "letters/176/index.html")
    notes = doc.xpath('//*[@role="doc-endnotes"]//li')
    assert [n.get("id") for n in notes] == ["note-1", "note-2"]
    assert "Number supplied by the editors" in notes[0].text_content()
    assert notes[0].xpath('.//a[@role="doc-backlink"]')[0].text_content().startswith("[1]")
    assert "supplied" not in notes[1].text_content()


def test_unanchored_note_is_listed_flagged_and_without_back_link(tmp_path):
    editions = tmp_path / "ed"
    shutil.copytree(MINI, editions)
    record = editions / "letters" / "174.md"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("excesses[^2].", "excesses."), encoding="utf-8")
    site = tmp_path / "site"
    run_build(editions, site)
    doc = parse(site, "letters/174/index.html")
    note = doc.get_element_by_id("note-2")
    assert note.xpath('.//a[@role="doc-backlink"]') == []
    assert "unanchored" in note.get("class")
    assert "Mark lost in the source" in note.text_content()
    assert doc.xpath('//a[@href="#note-2"]') == []


# --- body ------------------------------------------------------------------------------------

def test_paragraphs_have_ids_and_letter_parts_as_classes(mini):
    doc = parse(mini, "letters/174/index.html")
    paragraphs = doc.xpath('//section[contains(@class, "letter-text")]/p')
    assert [p.get("id") for p in paragraphs] == [f"p{i}" for i in range(1, len(paragraphs) + 1)]
    parts = [p.get("class") for p in paragraphs]
    assert parts == ["address", "salutation", None, None, None, "closing", "signature", "dateline"]
    assert all(p is None or p in LETTER_PARTS for p in parts)
    address = paragraphs[0]
    assert address.xpath("br"), "the address keeps its line break"


def test_editorial_brackets_are_marked_as_supplied(mini):
    doc = parse(mini, "letters/174/index.html")
    supplied = doc.xpath('//p[@id="p4"]//span[@class="supplied"]')
    assert [s.text for s in supplied] == ["[I]"]
    assert supplied[0].get("title")


def test_names_in_text_and_notes_link_to_the_register(mini):
    doc = parse(mini, "letters/176/index.html")
    links = {(a.text_content(), a.get("href")) for a in doc.xpath('//a[@class="person"]')}
    assert ("MAGIDOV", "../../persons/magidov/") in links
    assert ("Yaroslavsky", "../../persons/yaroslavsky/") in links
    assert ("I. Stalin", "../../persons/stalin/") in links
    note = doc.get_element_by_id("note-1")
    assert note.xpath('.//a[@class="person"]/@href') == ["../../persons/yaroslavsky/"]
    # correspondents link to the register too
    meta = doc.xpath('//dl[@class="letter-meta"]')[0]
    assert "../../persons/stalin/" in meta.xpath(".//a/@href")


def test_person_page_lists_letters_and_exact_mentions(mini):
    doc = parse(mini, "persons/magidov/index.html")
    assert len(doc.xpath("//h1")) == 1
    hrefs = doc.xpath("//main//a/@href")
    assert "../../letters/174/" in hrefs  # sent
    assert "../../letters/176/" in hrefs  # received
    assert "../../letters/174/#note-1" in hrefs  # named in note 1 of No. 174
    assert "../../letters/176/#p2" in hrefs  # "Dear comrade. MAGIDOV!"
    sent = doc.xpath('//section[@aria-labelledby="sent-heading"]//a/@href')
    assert sent == ["../../letters/174/"]


def test_every_mention_on_a_person_page_names_the_person_at_its_target(site):
    for page in sorted(site.glob("persons/*/index.html")):
        ref = page.parent.name
        doc = lxml.html.fromstring(page.read_bytes())
        section = doc.xpath('//section[@aria-labelledby="mentioned-heading"]')[0]
        for href in section.xpath(".//a/@href"):
            if "#" not in href:
                continue
            letter = parse(site, resolve(f"persons/{ref}/index.html", href))
            fragment = href.split("#")[1]
            element = letter.get_element_by_id(fragment)
            links = element.xpath('.//a[@class="person"]/@href')
            assert f"../../persons/{ref}/" in links, f"{href} from persons/{ref}/ does not name {ref}"


# --- letter page ------------------------------------------------------------------------------

def test_letter_page_shows_dates_place_archive_and_replies(mini):
    doc = parse(mini, "letters/174/index.html")
    meta = doc.xpath('//dl[@class="letter-meta"]')[0].text_content()
    assert "November 10 [1923]" in meta and "10 November 1923" in meta
    assert "partly supplied by the editors" in meta
    assert "RTSKHIDNI. F. 558. On. 1. D. 2565. L. 2-7." in meta
    assert "fond 558, inventory 1, file 2565, folios 2–7" in meta
    assert doc.xpath('//dl//time/@datetime') == ["1923-11-10"]
    # No. 176 answers No. 174: linked both ways
    assert doc.xpath('//dt[text()="Answered by"]/following-sibling::dd[1]//a/@href') == ["../../letters/176/"]
    reply = parse(mini, "letters/176/index.html")
    assert reply.xpath('//dt[text()="In reply to"]/following-sibling::dd[1]//a/@href') == ["../../letters/174/"]


def test_previous_and_next_in_date_order_and_in_the_correspondence(mini):
    # (beside the metadata at the top, and again below the text)
    first = parse(mini, "letters/174/index.html")
    assert set(first.xpath('//a[@rel="next"]/@href')) == {"../../letters/176/"}
    assert first.xpath('//a[@rel="prev"]') == []
    last = parse(mini, "letters/176/index.html")
    assert set(last.xpath('//a[@rel="prev"]/@href')) == {"../../letters/174/"}
    pager = last.xpath('//nav[@class="letter-nav"]//div[@class="pager"]')[1]
    assert "Between I. V. Stalin and B. I. Magidov (2 letters)" in pager.text_content()
    assert pager.xpath(".//a/@href") == ["../../letters/174/"]


def test_citation_meta_tags_and_downloads(mini):
    doc = parse(mini, "letters/174/index.html")
    meta = [(m.get("name"), m.get("content")) for m in doc.xpath('//meta[starts-with(@name, "citation_")]')]
    names = dict(meta)
    assert names["citation_title"] == "B. I. Magidov to I. V. Stalin"
    assert ("citation_author", "B. I. Magidov") in meta
    assert names["citation_date"] == "1923/11/10"
    assert names["citation_public_url"] == "https://example.org/mini/letters/174/"
    assert names["citation_book_title"].startswith("Bolshevik leadership")
    assert ("citation_editor", "O. V. Khlevnyuk") in meta
    downloads = doc.xpath('//ul[@class="downloads"]//a/@href')
    assert downloads == ["../../letters/174/tei.xml", "../../letters/174/letter.json",
                         "../../letters/174/citation.ris", "../../letters/174/citation.bib"]
    for href in downloads:
        assert (mini / "letters" / "174" / href.rsplit("/", 1)[1]).is_file()
    cite = doc.xpath('//section[@class="cite-letter"]//p[@class="citation"]')[0].text_content()
    assert "No. 174" in cite and "https://example.org/mini/letters/174/" in cite
    note_cite = doc.xpath('//li[@id="note-2"]//p[@class="citation"]')[0].text_content()
    assert note_cite.startswith("Note 2 to B. I. Magidov to I. V. Stalin")
    assert note_cite.endswith("https://example.org/mini/letters/174/#note-2")


# --- the other pages --------------------------------------------------------------------------

def test_concordance_groups_letters_and_note_citations_by_file(mini):
    doc = parse(mini, "archive/index.html")
    shared = doc.get_element_by_id("rtskhidni-f558-op1-d2565")
    hrefs = shared.xpath(".//a/@href")
    assert hrefs == ["../letters/176/", "../letters/174/"]  # in folio order: L. 1, then L. 2-7
    # the "Ibid." of note 2 of No. 174 resolves to the file of note 1's citation (F. 17, Op. 112)
    ibid = doc.get_element_by_id("rtskhidni-f17-op112-d561")
    assert ibid.xpath(".//a/@href")[0] == "../letters/174/#note-2"
    headings = [h.text_content().split(" RTsKhIDNI")[0] for h in doc.xpath("//h2|//h3|//h4|//h5")]
    assert headings.index("Fond 17") < headings.index("Fond 558")  # numeric order
    letter = parse(mini, "letters/174/index.html")
    assert "../../archive/#rtskhidni-f558-op1-d2565" in letter.xpath("//dd//a/@href")
    # and each note that cites a file links to it
    assert letter.xpath('//li[@id="note-2"]//p[@class="note-archive"]/a/@href') == [
        "../../archive/#rtskhidni-f17-op112-d561"]


def test_every_page_has_one_h1_a_language_a_skip_link_and_the_search_link(site):
    pages = sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)
    assert len(pages) >= 10
    for page in pages:
        doc = lxml.html.fromstring(page.read_bytes())
        rel = page.relative_to(site).as_posix()
        assert len(doc.xpath("//h1")) == 1, rel
        assert doc.get("lang") == "en", rel
        assert doc.xpath('//a[@class="skip-link"]/@href') == ["#main"], rel
        assert doc.xpath("//main[@id='main']"), rel
        nav = doc.xpath('//nav[@aria-label="Site"]//a/@href')
        assert any(h.endswith("search/") for h in nav), rel
        if rel != "404.html":
            for href in nav:  # relative links, resolved from the page itself
                assert not urlsplit(href).scheme and not href.startswith("/"), (rel, href)
                target = resolve(rel, href)
                if target == "search/index.html" and not (site / "search").exists():
                    continue
                assert (site / target).is_file(), (rel, href)


def test_the_sitemap_lists_every_page(site):
    sitemap = lxml.etree.fromstring((site / "sitemap.xml").read_bytes())
    mapped = {urlsplit(loc).path for loc in sitemap.xpath(
        "//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})}
    home = min(mapped, key=len)  # the site's own path: "/", "/mini/"
    pages = {home + p.relative_to(site).as_posix().removesuffix("index.html")
             for p in site.rglob("*.html") if p.name != "404.html" and "pagefind" not in p.parts}
    assert mapped == pages, (sorted(pages - mapped)[:5], sorted(mapped - pages)[:5])


def test_letters_list_is_a_table_in_date_order(mini):
    doc = parse(mini, "letters/index.html")
    rows = doc.xpath('//table[@id="letters-table"]/tbody/tr')
    assert [r.xpath("td[1]//a/@href")[0] for r in rows] == ["../letters/174/", "../letters/176/"]
    assert [r.xpath("td[2]/@data-value")[0] for r in rows] == ["1923-11-10", "1923-11-22"]
    assert "B. I. Magidov → I. V. Stalin" in rows[0].text_content()
    assert doc.xpath('//form[@class="table-filter"]')[0].get("hidden") is not None  # shown by JS


def test_404_page_links_from_the_site_root(mini):
    doc = parse(mini, "404.html")
    assert doc.xpath('//link[@rel="stylesheet"]/@href') == ["/mini/assets/edition.css"]
    assert "/mini/letters/" in doc.xpath("//main//a/@href")


# --- safety and determinism -------------------------------------------------------------------

def test_hostile_text_in_a_record_renders_as_text(tmp_path):
    editions = tmp_path / "ed"
    shutil.copytree(MINI, editions)
    record = editions / "letters" / "174.md"
    evil = '<script>alert(1)</script> {{ 7*7 }} "quoted" & <b>bold</b>'
    text = record.read_text(encoding="utf-8")
    text = text.replace("title: B. I. Magidov to I. V. Stalin", f"title: '{evil}'")
    text = text.replace("Dear comrade.", f"Dear comrade. {evil}")
    text = text.replace("Circular of the Central", f"{evil} Circular of the Central")
    record.write_text(text, encoding="utf-8")
    site = build(editions, tmp_path / "site")
    raw = (site / "letters" / "174" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "<b>bold" not in raw
    doc = lxml.html.fromstring(raw)
    assert evil in doc.xpath("//h1")[0].text_content()
    assert evil in doc.get_element_by_id("p2").text_content()
    assert evil in doc.get_element_by_id("note-2").text_content()
    assert "{{ 7*7 }}" in doc.get_element_by_id("p2").text_content()
    scripts = doc.xpath("//script")  # only the site's own files, never text from a record
    assert scripts and all(s.get("src", "").startswith("../../assets/") and not (s.text or "").strip()
                           for s in scripts)


@pytest.mark.parametrize("editions", [MINI, EDITIONS], ids=["mini", "edition"])
def test_two_builds_are_byte_identical(tmp_path, editions):
    if not any((editions / "letters").glob("*.md")):
        pytest.skip("editions/ has no records yet")
    a = build(editions, tmp_path / "a")
    b = build(editions, tmp_path / "b")
    assert snapshot(a) == snapshot(b)


def test_a_failed_build_leaves_the_previous_site_byte_identical(tmp_path):
    editions = tmp_path / "ed"
    shutil.copytree(MINI, editions)
    site = build(editions, tmp_path / "site")
    before = snapshot(site)
    record = editions / "letters" / "176.md"
    record.write_text(record.read_text(encoding="utf-8").replace("in_reply_to: '174'",
                                                                 "in_reply_to: '999'"),
                      encoding="utf-8")
    diags = run_build(editions, site)
    assert has_errors(diags)
    assert snapshot(site) == before
    assert not (tmp_path / ".site.new").exists()


def test_a_template_error_is_one_diagnostic_and_writes_nothing(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    page = templates / "about.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{{ edition.title }}", "{{ edition.nonexistent }}")
                    .replace("{% block content %}", "{% block content %}{{ no_such_name }}"), encoding="utf-8")
    diags = run_build(MINI, tmp_path / "site", templates=templates)
    errors = [d for d in diags if d.code == "template"]
    assert len(errors) == 1 and "about.html" in errors[0].path, diags
    assert "no_such_name" in errors[0].message
    assert not (tmp_path / "site").exists()


def test_source_date_epoch_dates_the_build_when_the_edition_does_not(tmp_path, monkeypatch):
    editions = tmp_path / "ed"
    shutil.copytree(MINI, editions)
    yaml_path = editions / "edition.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace("published: '2026-11-26'\n", ""),
                         encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    site = tmp_path / "site"
    run_build(editions, site)
    doc = parse(site, "index.html")
    assert doc.xpath('//footer//time/@datetime') == ["2023-11-14"]


# --- the bundled edition: Nos. 173-176 ---------------------------------------------------------

def person_links(doc, anchor: str) -> list[tuple[str, str]]:
    element = doc.get_element_by_id(anchor)
    return [(a.text_content(), a.get("href").split("/")[-2]) for a in element.xpath('.//a[@class="person"]')]


def test_edition_pseudonyms_and_variants_link_to_their_person(edition):
    doc = parse(edition, "letters/173/index.html")
    linked = {(text, ref) for p in doc.xpath('//section[contains(@class, "letter-text")]/p')
              for text, ref in person_links(doc, p.get("id"))}
    assert ("Arvid", "pyatakov") in linked
    assert ("A[rvid]", "pyatakov") in linked
    assert ("Andrey", "radek") in linked and ("Andrei", "radek") in linked
    assert ("St[alin]", "stalin") in linked
    lenin = parse(edition, "letters/174/index.html")
    assert any(ref == "lenin" and "Ilyich" in text
               for p in lenin.xpath('//section[contains(@class, "letter-text")]/p')
               for text, ref in person_links(lenin, p.get("id")))


def test_edition_letters_pages_the_unanchored_notes_and_the_reply(edition):
    doc = parse(edition, "letters/173/index.html")
    unanchored = [li.get("id") for li in doc.xpath('//*[@role="doc-endnotes"]//li[contains(@class, "unanchored")]')]
    assert unanchored == ["note-4", "note-8", "note-9"]
    supplied = doc.get_element_by_id("note-7")
    assert "Number supplied by the editors" in supplied.text_content()
    assert set(doc.xpath('//a[@rel="next"]/@href')) == {"../../letters/174/"}
    assert "fond 558, inventory 2, file 137, folios 1–5" in doc.xpath('//dl[@class="letter-meta"]')[0].text_content()
    reply = parse(edition, "letters/176/index.html")
    assert reply.xpath('//dt[text()="In reply to"]/following-sibling::dd[1]//a/@href') == ["../../letters/174/"]
    original = parse(edition, "letters/174/index.html")
    assert original.xpath('//dt[text()="Answered by"]/following-sibling::dd[1]//a/@href') == ["../../letters/176/"]


def test_edition_concordance(edition):
    doc = parse(edition, "archive/index.html")
    shared = doc.get_element_by_id("rtskhidni-f558-op1-d2565")
    assert [h for h in shared.xpath(".//a/@href")] == ["../letters/176/", "../letters/174/"]
    d162 = doc.get_element_by_id("rtskhidni-f76-op3-d162")
    rows = [(r.xpath("td[1]")[0].text_content(), r.xpath("td[2]//a/@href")[0]) for r in d162.xpath(".//tbody/tr")]
    # the notes of No. 175 cite folios 14 and 17 of the file its own folios 15-16 come from
    assert rows == [("folio 14", "../letters/175/#note-2"), ("folios 15–16", "../letters/175/"),
                    ("folio 17", "../letters/175/#note-4")]


# --- long lists split into pages ---------------------------------------------------------------

@pytest.fixture(scope="module")
def split(tmp_path_factory) -> Path:
    """A synthetic edition of 60 letters built with lists split past 10 letters (500 in use)."""
    from epistola import pages
    from synthetic import write_edition

    editions = write_edition(tmp_path_factory.mktemp("split") / "editions", 60, seed=5)
    # a letter whose id is a year the list is split by (an edition of 2,000 numbered letters has
    # a No. 1923): its page and that year's list must both be made
    record = editions / "letters" / "130.md"
    year = re.search(r"when: '(\d{4})", record.read_text(encoding="utf-8")).group(1)
    record.rename(editions / "letters" / f"{year}.md")
    (editions / "letters" / f"{year}.md").write_text(
        (editions / "letters" / f"{year}.md").read_text(encoding="utf-8").replace(
            "id: '130'", f"id: '{year}'", 1), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(pages, "LIST_LIMIT", 10)
        out = build_site(editions, editions.parent / "site", search=False)
    assert not has_errors(out.diagnostics), "\n".join(map(str, out.diagnostics))
    return editions.parent / "site"


def links(site: Path, page: str, xpath: str = "//main//a/@href") -> list[str]:
    """The pages a page links to (site-relative files), in document order."""
    return [resolve(page, href) for href in parse(site, page).xpath(xpath)
            if not urlsplit(href).scheme]


def test_a_long_list_of_letters_is_split_by_year_and_loses_no_letter(split):
    # (the years' lists are not under letters/, where a letter numbered 1923 has its page)
    every = sorted(e["id"] for e in json.loads((split / "data" / "letters.json").read_bytes())
                   ["letters"])
    years = sorted(p.relative_to(split).as_posix() for p in (split / "years").glob(
        "[0-9][0-9][0-9][0-9]/index.html"))
    assert len(years) >= 5
    listed = []
    for year_page in years:
        assert set(years) <= set(links(split, year_page)), year_page  # every year from each
        rows = parse(split, year_page).xpath('//table[@id="letters-table"]/tbody/tr')
        dates = [r.xpath("td[2]/@data-value")[0] for r in rows]
        assert dates == sorted(dates) and all(d.startswith(year_page[6:10]) for d in dates)
        listed += [resolve(year_page, r.xpath("td[1]//a/@href")[0]).split("/")[1] for r in rows]
    assert sorted(listed) == every  # each letter once
    named_like_a_year = [i for i in every if re.fullmatch(r"\d{4}", i)]
    assert named_like_a_year and parse(split, f"letters/{named_like_a_year[0]}/index.html").xpath(
        '//article[contains(@class, "letter")]')
    for whole in ("letters/index.html", "index.html"):
        assert not parse(split, whole).xpath('//table[@id="letters-table"]/tbody/tr'), whole
        assert set(years) <= set(links(split, whole)), whole


def test_a_long_concordance_is_split_by_fond(split):
    fonds = sorted(p.relative_to(split).as_posix() for p in (split / "archive").glob("*/index.html"))
    assert len(fonds) >= 2
    assert set(fonds) == set(links(split, "archive/index.html"))
    files = [f for page in fonds for f in parse(split, page).xpath('//*[starts-with(@id, "rtskhidni-")]/@id')]
    assert files and len(files) == len(set(files))  # each archival file on one page of its fond
    # letters and notes link to their file on its fond's page
    cited = {resolve(p, href) for p in letter_pages(split)
             for href in parse(split, p).xpath('//main//a[contains(@href, "archive/")]/@href')}
    assert cited and cited <= set(fonds)


def test_a_busy_persons_letters_are_split_by_year(split):
    busy = [p for p in sorted(split.glob("persons/*/index.html"))
            if list(p.parent.glob("*/index.html"))]
    assert busy
    for page in busy:
        rel = page.relative_to(split).as_posix()
        years = sorted(p.relative_to(split).as_posix() for p in page.parent.glob("*/index.html"))
        assert set(years) <= set(links(split, rel))
        for year_page in years:
            targets = {t.split("/")[1] for t in links(split, year_page) if t.startswith("letters/")
                       and t.count("/") == 2}
            assert targets, year_page
            # each letter linked is of that year
            for letter_id in targets:
                doc = parse(split, f"letters/{letter_id}/index.html")
                assert year_page.split("/")[2] in doc.xpath('//time/@datetime')[0], (year_page, letter_id)


def test_a_split_site_links_only_to_pages_and_ids_that_exist_and_maps_every_page(split):
    from conftest import dead_fragments

    assert dead_fragments(split) == []
    for page in sorted(split.rglob("*.html")):
        rel = page.relative_to(split).as_posix()
        for href in parse(split, rel).xpath("//a/@href"):
            if urlsplit(href).scheme or href.startswith("#") or rel == "404.html":
                continue
            assert (split / resolve(rel, href)).is_file(), (rel, href)
    sitemap = (split / "sitemap.xml").read_text(encoding="utf-8")
    pages = {p.relative_to(split).as_posix().removesuffix("index.html")
             for p in split.rglob("*.html")
             if p.name != "404.html" and not p.relative_to(split).as_posix().startswith("pagefind/")}
    mapped = set(re.findall(r"<loc>https://example\.org/synthetic/([^<]*)</loc>", sitemap))
    assert mapped == pages, (sorted(pages - mapped)[:5], sorted(mapped - pages)[:5])
