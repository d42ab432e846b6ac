"""What the TEI and CMIF exports share: namespaces, element building, URLs, dates, serialisation.

Every element is built with lxml, so text from a record can never break the markup.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from lxml import etree

from ..anchors import letter_url, person_url
from ..corpus import Corpus
from ..model import Correspondent, Edition, Letter, LetterDate

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"


def tei(tag: str) -> str:
    """The qualified name of a TEI element."""
    return f"{{{TEI_NS}}}{tag}"


def attrs(values: Mapping[str, str | None]) -> dict[str, str]:
    """Attribute values without the unset ones; `xml:id` and `xml:lang` may be written as such."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        if key == "xml:id":
            key = XML_ID
        elif key == "xml:lang":
            key = XML_LANG
        out[key] = value
    return out


def element(tag: str, text: str | None = None, **attributes: str | None) -> etree._Element:
    """A new TEI element (the root of a document)."""
    el = etree.Element(tei(tag), attrs(_xmlify(attributes)), nsmap={None: TEI_NS})
    el.text = text
    return el


def sub(parent: etree._Element, tag: str, text: str | None = None,
        **attributes: str | None) -> etree._Element:
    """A new TEI child element at the end of parent; attributes set to None are left out
    (`xml_id=` and `xml_lang=` stand for `xml:id` and `xml:lang`)."""
    el = etree.SubElement(parent, tei(tag), attrs(_xmlify(attributes)))
    el.text = text
    return el


def _xmlify(attributes: Mapping[str, str | None]) -> dict[str, str | None]:
    return {("xml:" + k[4:] if k.startswith("xml_") else k): v for k, v in attributes.items()}


def append_text(parent: etree._Element, text: str) -> None:
    """Add text at the end of parent's content (after its last child, if any)."""
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def base_url(edition: Edition) -> str:
    """The edition's absolute base URL, always ending with a slash."""
    url = edition.base_url.strip()
    return url if url.endswith("/") else url + "/"


def absolute(edition: Edition, relative: str) -> str:
    """An absolute URL for a path relative to the site root."""
    return base_url(edition) + relative


def letter_href(edition: Edition, letter_id: str) -> str:
    return absolute(edition, letter_url(letter_id))


def person_href(edition: Edition, ref: str) -> str:
    return absolute(edition, person_url(ref))


def date_attributes(date: LetterDate) -> dict[str, str | None]:
    """@when, or @notBefore/@notAfter for a range (TEI att.datable.w3c)."""
    if date.when is not None:
        return {"when": date.when}
    return {"notBefore": date.not_before, "notAfter": date.not_after}


def has_dating(date: LetterDate) -> bool:
    return any((date.when, date.not_before, date.not_after))


def letter_label(letter: Letter) -> str:
    """A short human label for a letter in links: "No. 174. B. I. Magidov to I. V. Stalin, November
    10 [1923]"."""
    number = f"No. {letter.number}. " if letter.number is not None else ""
    return f"{number}{letter.title}, {letter.date.text}"


def correspondence_key(letter: Letter) -> frozenset[str]:
    """The parties of a letter, sender and recipient alike: letters with the same parties belong to
    one correspondence (Magidov to Stalin and Stalin to Magidov)."""
    return frozenset(c.ref or f"name:{c.name}" for c in (*letter.senders, *letter.recipients))


def correspondence_neighbours(letters: Iterable[Letter], letter: Letter
                              ) -> tuple[Letter | None, Letter | None]:
    """Previous and next letter (in the given date order) between the same parties."""
    key = correspondence_key(letter)
    same = [other for other in letters if correspondence_key(other) == key]
    i = same.index(letter)
    return (same[i - 1] if i > 0 else None, same[i + 1] if i + 1 < len(same) else None)


def corresp_actions(desc: etree._Element, corpus: Corpus, letter: Letter) -> etree._Element:
    """The sent and received actions of a letter inside desc (a correspDesc); returns the date
    element of the sent action (None when the letter has no known date), for callers that add the
    date as printed."""
    sent = sub(desc, "correspAction", type="sent")
    for person in letter.senders:
        _party(sent, corpus, person)
    if letter.place is not None:
        sub(sent, "placeName", letter.place.name,
            evidence="conjecture" if letter.place.supplied else None)
    date = None
    if has_dating(letter.date):
        date = sub(sent, "date", **date_attributes(letter.date),
                   evidence="conjecture" if letter.date.supplied else None)
    received = sub(desc, "correspAction", type="received")
    for person in letter.recipients:
        _party(received, corpus, person)
    for action in (sent, received):
        if len(action) == 0:
            sub(action, "note", "Not known.")
    return date


def _party(action: etree._Element, corpus: Corpus, person: Correspondent) -> None:
    """A sender or recipient, linked to the register page when the register has them."""
    registered = corpus.persons.get(person.ref) if person.ref else None
    tag = "orgName" if registered is not None and registered.kind == "organisation" else "persName"
    ref = person_href(corpus.edition, person.ref) if registered is not None else None
    sub(action, tag, person.name, ref=ref)


def serialise(root: etree._Element, schema_href: str | None = None,
              schema_type: str = "http://relaxng.org/ns/structure/1.0") -> bytes:
    """UTF-8 XML with a declaration, indented where that adds no text to mixed content, and an
    `<?xml-model?>` line naming the schema, ending with a newline."""
    tree = etree.ElementTree(root)
    if schema_href is not None:
        pi = etree.ProcessingInstruction(
            "xml-model", f'href="{schema_href}" type="application/xml" schematypens="{schema_type}"')
        root.addprevious(pi)
    return to_bytes(tree)


def to_bytes(tree: etree._ElementTree | etree._Element) -> bytes:
    """UTF-8 with the usual declaration, indented, ending with a newline."""
    data = etree.tostring(tree, encoding="UTF-8", pretty_print=True)
    if data.startswith(b"<?xml version"):
        data = data.split(b"\n", 1)[1]
    data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + data
    return data if data.endswith(b"\n") else data + b"\n"
