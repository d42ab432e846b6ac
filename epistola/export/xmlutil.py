"""What the TEI and CMIF exports share: namespaces, element building, URLs, dates, serialisation.

Every element is built with lxml, so text from a record can never break the markup.
"""

from __future__ import annotations

import re
from typing import Mapping

from lxml import etree

from typing import Any, Callable

from ..anchors import entry_url, letter_url, person_url
from ..model import Correspondent, Edition, LetterDate

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"


#: Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE, U+FFFF).
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str | None) -> str | None:
    """Text with every character XML cannot hold replaced by U+FFFD, so a stray control
    character in a record costs one character, not the file."""
    # every such character is unprintable, and the test for that is a quick one
    if text is None or text.isprintable():
        return text
    return NOT_XML.sub("\ufffd", text)


_QUALIFIED: dict[str, str] = {}


def tei(tag: str) -> str:
    """The qualified name of a TEI element."""
    name = _QUALIFIED.get(tag)
    if name is None:
        name = _QUALIFIED[tag] = f"{{{TEI_NS}}}{tag}"
    return name


def element(tag: str, text: str | None = None, **attributes: str | None) -> etree._Element:
    """A new TEI element (the root of a document)."""
    el = etree.Element(tei(tag), _attributes(attributes), nsmap={None: TEI_NS})
    el.text = xml_safe(text)
    return el


def sub(parent: etree._Element, tag: str, text: str | None = None,
        **attributes: str | None) -> etree._Element:
    """A new TEI child element at the end of parent; attributes set to None are left out
    (`xml_id=` and `xml_lang=` stand for `xml:id` and `xml:lang`)."""
    el = etree.SubElement(parent, _QUALIFIED.get(tag) or tei(tag),
                          _attributes(attributes) if attributes else None)
    if text is not None:
        el.text = text if text.isprintable() else xml_safe(text)
    return el


def _attributes(attributes: Mapping[str, str | None]) -> dict[str, str]:
    """Keyword attributes -> lxml's: unset ones left out, `xml_id` as `xml:id` (one pass: a
    TEI file of a letter makes hundreds of elements)."""
    out = {}
    for key, value in attributes.items():
        if value is None:
            continue
        if key.startswith("xml_"):
            key = _XML_ATTRIBUTES.get(key) or "xml:" + key[4:]
        out[key] = value if value.isprintable() else xml_safe(value)
    return out


_XML_ATTRIBUTES = {"xml_id": XML_ID, "xml_lang": XML_LANG}


def append_text(parent: etree._Element, text: str) -> None:
    """Add text at the end of parent's content (after its last child, if any)."""
    if not text:
        return
    if not text.isprintable():
        text = xml_safe(text)
    if len(parent):
        last = parent[-1]
        tail = last.tail
        last.tail = tail + text if tail else text
    else:
        before = parent.text
        parent.text = before + text if before else text


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


def letter_label(letter: Any) -> str:
    """A short human label for a letter in links: "No. 174. B. I. Magidov to I. V. Stalin, November
    10 [1923]"."""
    number = f"No. {letter.number}. " if letter.number is not None else ""
    return f"{number}{letter.title}, {letter.date.text}"



#: The values of TEI's @evidence (att.editLike).
EVIDENCE = ("internal", "external", "conjecture")


def date_evidence(date: LetterDate, cmif: bool = False) -> str | None:
    """A date's @evidence: the source's own, when a TEI letter gave one ("internal", "external",
    "conjecture"); else "conjecture" for a date the editors supplied in part; else none. CMIF
    knows "conjecture" alone, for any date inferred rather than read in the source."""
    given = (date.reading or "").split(",")[0].strip()
    if given in EVIDENCE:
        return "conjecture" if cmif else given
    return "conjecture" if date.supplied else None


def corresp_actions(desc: etree._Element, read: Callable[..., Any], letter: Any,
                    cmif: bool = False) -> etree._Element:
    """The actions of a letter (its letters.Summary) inside desc (a correspDesc): sent, then
    received by the addressees, by the copy recipients (subtype "cc", as the TEI Correspondence
    SIG encodes them) and, when the letter was sent on, forwarded (CMIF, which knows only sent
    and received, has it as received with subtype "forwarded"). Returns the date element of the
    sent action (None when the letter has no known date), for callers that add the date as
    printed."""
    sent = sub(desc, "correspAction", type="sent")
    for person in letter.senders:
        _party(sent, read, person)
    if letter.place is not None:
        _place(sent, read, letter.place)
    date = None
    if has_dating(letter.date):
        date = sub(sent, "date", **date_attributes(letter.date),
                   evidence=date_evidence(letter.date, cmif))
    actions = [sent]
    for role, kind, subtype in (("to", "received", None), ("cc", "received", "cc"),
                                ("forwarded", "received" if cmif else "forwarded",
                                 "forwarded" if cmif else None)):
        parties = [p for p in letter.recipients if p.role == role]
        if role != "to" and not parties:
            continue
        action = sub(desc, "correspAction", type=kind, subtype=subtype)
        for person in parties:
            _party(action, read, person)
        if role == "to" and letter.place_received is not None:
            _place(action, read, letter.place_received)
        actions.append(action)
    for action in actions:
        if len(action) == 0:
            sub(action, "note", "Not known.")
    return date


def entry_uri(read: Callable[..., Any], register: str, ref: str | None) -> str | None:
    """What a name points at in the TEI and CMIF files: the entry's authority URI when it has
    an ID (correspSearch matches people and places across editions by it), else its page in
    this edition; None when the register has no such entry."""
    from ..authority import preferred_uri

    entry = read("entry", (register, ref)) if ref else None
    if entry is None:
        return None
    return preferred_uri(entry.ids) or absolute(read("edition"), entry_url(register, ref))


def name_element(parent: etree._Element, read: Callable[..., Any], ref: str | None,
                 text: str | None = None, register: str = "persons") -> etree._Element:
    """A persName (orgName for a body, placeName for a place) at the end of parent, pointing at
    the entry (entry_uri) when the register has one for ref."""
    entry = read("entry", (register, ref)) if ref else None
    if register == "places":
        tag = "placeName"
    elif register == "works":
        tag = "title"
    elif register == "organisations" or (entry is not None and entry.kind == "organisation"):
        tag = "orgName"
    else:
        tag = "persName"
    return sub(parent, tag, text, ref=entry_uri(read, register, ref))


def _party(action: etree._Element, read: Callable[..., Any], person: Correspondent) -> None:
    """A sender or recipient."""
    name_element(action, read, person.ref, person.name, person.register)


def _place(action: etree._Element, read: Callable[..., Any], place: Any) -> None:
    sub(action, "placeName", place.name, ref=entry_uri(read, "places", place.ref),
        evidence="conjecture" if place.supplied else None)


#: Elements that hold only other elements (or where the TEI Guidelines lay their children out on
#: lines of their own): only these are indented, so no whitespace is ever added to running text.
BLOCK_ELEMENTS = frozenset({
    "TEI", "teiHeader", "fileDesc", "titleStmt", "publicationStmt", "availability", "seriesStmt",
    "notesStmt", "sourceDesc", "msDesc", "msIdentifier", "altIdentifier", "msContents", "msItem",
    "physDesc", "encodingDesc", "editorialDecl", "profileDesc", "langUsage", "correspDesc",
    "correspAction", "correspContext", "text", "body", "back", "div", "opener", "closer",
    "postscript", "address",
    # sitemap.xml
    "urlset", "url",
})


def indent(el: etree._Element, level: int = 0) -> None:
    """Put each child of a block element on its own line, two spaces deeper; leave mixed
    content (a paragraph, a date, a name) exactly as built."""
    tag = el.tag
    if not isinstance(tag, str) or tag.rpartition("}")[2] not in BLOCK_ELEMENTS or not len(el):
        return
    if (el.text and el.text.strip()) or any(child.tail and child.tail.strip() for child in el):
        return
    inner = "\n" + "  " * (level + 1)
    el.text = inner
    for child in el:
        child.tail = inner
        if len(child):  # (an element without children has nothing to lay out)
            indent(child, level + 1)
    el[-1].tail = "\n" + "  " * level


def serialise(root: etree._Element, schema_href: str | None = None,
              schema_type: str = "http://relaxng.org/ns/structure/1.0") -> bytes:
    """UTF-8 XML with a declaration and an `<?xml-model?>` line naming the schema, block elements
    indented, ending with a newline."""
    prolog = b""
    if schema_href is not None:
        pi = etree.ProcessingInstruction("xml-model", f'href="{schema_href}" '
                                         f'type="application/xml" schematypens="{schema_type}"')
        prolog = etree.tostring(pi, encoding="UTF-8") + b"\n"
    return to_bytes(root, prolog)


def to_bytes(root: etree._Element, prolog: bytes = b"") -> bytes:
    """UTF-8 with the usual declaration, block elements indented, ending with a newline."""
    indent(root)
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + prolog + body + b"\n"
