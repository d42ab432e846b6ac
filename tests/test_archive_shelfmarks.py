"""The archive concordance of a TEI edition: archives outside Russia cite by shelfmark.

The letters of the committed sample are grouped by repository (after its town) and shelfmark,
checked against the sample's own msIdentifier elements read with plain XPath.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from epistola.engine.recipe import make_all

SAMPLE = Path(__file__).parent / "fixtures" / "schnitzler-briefe"
TEI = {"t": "http://www.tei-c.org/ns/1.0"}


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def site() -> dict[str, bytes]:
    files, diags = make_all(SAMPLE)
    assert not [d for d in diags if d.level == "error"], diags
    return files


def _expected() -> dict[tuple[str, str], set[str]]:
    """(town, repository) and shelfmark -> the titles of the letters kept there."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted((SAMPLE / "data" / "editions").glob("*.xml")):
        doc = etree.parse(str(path))
        ident = doc.find(".//t:sourceDesc//t:msDesc/t:msIdentifier", TEI)
        if ident is None or ident.find("t:idno", TEI) is None:
            continue
        holder = ", ".join(_norm(ident.findtext(f"t:{tag}", "", TEI))
                           for tag in ("settlement", "repository")
                           if ident.findtext(f"t:{tag}", "", TEI).strip())
        title = _norm(doc.findtext(".//t:titleStmt/t:title[@level='a']", "", TEI)
                      or doc.findtext(".//t:titleStmt/t:title", "", TEI))
        found[holder, _norm(ident.findtext("t:idno", "", TEI))].add(title)
    return found


def test_each_shelfmark_lists_the_letters_kept_under_it(site):
    page = lxml.html.fromstring(site["archive/index.html"])
    expected = _expected()
    assert len(expected) > 10
    shown: dict[tuple[str, str], set[str]] = {}
    for repo in page.xpath('//section[@class="repository"]'):
        holder = _norm(repo.xpath("string(h2)"))
        for file in repo.xpath('.//section[@class="archive-file"]'):
            shelfmark = _norm(file.xpath("string(h3)"))
            titles = {_norm(a.text_content()) for a in file.xpath(".//tbody//a")}
            shown[holder, shelfmark] = titles
    assert set(shown) == set(expected)
    for key, titles in expected.items():
        # the link reads "<title> (<date>)": the letter's own title starts it
        assert len(shown[key]) == len(titles), key
        assert all(any(link.startswith(t) for link in shown[key]) for t in titles), key


def test_the_page_speaks_of_shelfmarks_not_of_fonds(site):
    page = lxml.html.fromstring(site["archive/index.html"])
    text = _norm(page.text_content())
    assert "shelfmark" in page.xpath("string(//p[@class='intro'])")
    assert "Fond not stated" not in text and "Inventory not stated" not in text
    assert "fond not stated" not in text
    # Cambridge's shelfmarks in their natural order: B 2 before B 8 before B 43
    cambridge = [h for h in page.xpath("//h3/text()") if h.startswith("Schnitzler, B")]
    numbers = [int(re.match(r"Schnitzler, B\s*(\d+)", h).group(1)) for h in cambridge]
    assert numbers == sorted(numbers) and len(numbers) > 3


def test_a_letter_links_to_its_shelfmark_and_is_not_titled_twice(site):
    for path, data in site.items():
        if not (path.startswith("letters/") and path.endswith("/index.html")
                and path.count("/") == 2):
            continue
        page = lxml.html.fromstring(data)
        more = page.xpath('//a[@class="more"]/@href')
        if more:
            anchor = more[0].split("#", 1)[1]
            archive = lxml.html.fromstring(site["archive/index.html"])
            assert archive.get_element_by_id(anchor) is not None
        for link in page.xpath('//a[@rel="prev" or @rel="next"]'):
            title = link.xpath('string(span[@class="link-title"])')
            assert not title or title not in link.xpath("string(text())"), path


def test_two_shelfmarks_an_id_could_not_tell_apart_get_two_ids_and_accents_are_spelt_out():
    from epistola.display import archive_anchor

    one = archive_anchor("Cambridge, University Library", "", "", "Schnitzler, B 17 (2)")
    other = archive_anchor("Cambridge, University Library", "", "", "Schnitzler, B 17-2")
    assert one != other and one.startswith("cambridge-university-library-dschnitzler-b-17-2-")
    assert archive_anchor("Salzburg", "", "", "32323 I") != archive_anchor("Salzburg", "", "", "32323-I")
    assert archive_anchor("Salzburg, Universitätsbibliothek") == "salzburg-universitatsbibliothek"
    assert archive_anchor("РГАСПИ", "558", "11", "79") == "rgaspi-f558-op11-d79"
    # a plain citation keeps its readable id
    assert archive_anchor("RTsKhIDNI", "558", "1", "2565") == "rtskhidni-f558-op1-d2565"
