"""sitemap.xml: every page of the site as an absolute URL, for search engines."""

from __future__ import annotations

from lxml import etree

from ..model import Edition
from .xmlutil import absolute, to_bytes, xml_safe

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: What stands between two url elements.
BETWEEN = b"\n  "


def sitemap_parts(edition: Edition, lastmod: str | None) -> tuple[bytes, bytes]:
    """The file around its url elements (the bytes before and after them), which are joined
    between the two (pages.Joined)."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    etree.SubElement(root, "slot")
    whole = to_bytes(root)
    head, _, tail = whole.partition(b"<slot/>")
    return head, tail


def sitemap_url(edition: Edition, page: str, lastmod: str | None) -> bytes:
    """One page's url element, as it reads inside the file."""
    url = etree.Element(f"{{{SITEMAP_NS}}}url", nsmap={None: SITEMAP_NS})
    loc = etree.SubElement(url, f"{{{SITEMAP_NS}}}loc")
    loc.text = xml_safe(absolute(edition, page))
    if lastmod:
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = xml_safe(lastmod)
    url.text = "\n    "
    url[-1].tail = "\n  "
    for child in url[:-1]:
        child.tail = "\n    "
    text = etree.tostring(url, encoding="UTF-8")
    return text.replace(f' xmlns="{SITEMAP_NS}"'.encode(), b"", 1)
