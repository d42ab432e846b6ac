"""sitemap.xml: every page of the site as an absolute URL, for search engines."""

from __future__ import annotations

from lxml import etree

from ..anchors import letter_url, person_url
from ..corpus import Corpus
from .xmlutil import absolute, to_bytes, xml_safe

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: The pages that are not a letter or a person, relative to the site root.
SITE_PAGES = ("", "letters/", "persons/", "archive/", "about/", "search/")


def page_urls(corpus: Corpus) -> list[str]:
    """Every page, relative to the site root: home, the letters list, each letter in date order,
    the register and each person in it, the concordance, about and search."""
    pages = ["", "letters/"]
    pages += [letter_url(letter.id) for letter in corpus.letters]
    pages.append("persons/")
    pages += [person_url(ref) for ref in corpus.persons]
    pages += [page for page in SITE_PAGES if page not in pages]
    return pages


def sitemap_xml(corpus: Corpus, lastmod: str | None) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for page in page_urls(corpus):
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        loc = etree.SubElement(url, f"{{{SITEMAP_NS}}}loc")
        loc.text = xml_safe(absolute(corpus.edition, page))
        if lastmod:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = xml_safe(lastmod)
    return to_bytes(root)
