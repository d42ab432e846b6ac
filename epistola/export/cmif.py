"""All letters -> data/cmif.xml, the Correspondence Metadata Interchange Format (CMIF 1.1).

correspSearch and similar services harvest this file: one correspDesc per letter, with who wrote
to whom, from where and when, and a link to the letter's page. It is valid against
cmi-customization.rng and satisfies the Schematron rules of cmif.sch (E0001-E0004): every
correspDesc has a sent and a received action, its @source names the bibl of this edition, and
every date has a dating attribute (a letter without a known date has no date element at all).
"""

from __future__ import annotations

import uuid
from typing import Any, Callable

from lxml import etree

from ..model import Edition
from .xmlutil import (
    TEI_NS,
    absolute,
    base_url,
    corresp_actions,
    element,
    indent,
    letter_href,
    serialise,
    sub,
)

CMIF_SCHEMA = ("https://raw.githubusercontent.com/TEI-Correspondence-SIG/CMIF/master/schema/"
               "cmi-customization.rng")
CMIF_PATH = "data/cmif.xml"
#: CMIF requires its metadata to be free to reuse under CC BY 4.0 (whatever the letters' licence).
CMIF_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
CMIF_LICENCE_TEXT = ("This file is licensed under the terms of the Creative-Commons-License "
                     "CC-BY 4.0")

Read = Callable[..., Any]


def edition_bibl_id(edition: Edition) -> str:
    """The xml:id of the edition's bibl: a UUID (as CMIF recommends) derived from the edition's
    address, so it stays the same from build to build; prefixed because an xml:id may not start
    with a digit."""
    return "edition-" + str(uuid.uuid5(uuid.NAMESPACE_URL, base_url(edition)))


#: Stands for the letters' correspDesc elements until their text is put in (no letter id can be
#: this: ids are made of letters, digits and hyphens, and this one is longer than any of them).
_SLOT = "letters-of-the-edition-" + "0" * 64
#: correspDesc is at this depth: TEI > teiHeader > profileDesc > correspDesc.
_DESC_LEVEL = 3
#: What stands between two correspDesc elements.
BETWEEN = b"\n" + b"  " * _DESC_LEVEL


def cmif_skeleton(read: Read, date: str, with_letters: bool = True) -> tuple[bytes, bytes]:
    """The file around its correspDesc elements, as the bytes before and after them; date (ISO
    8601) is when the edition was last changed. Each letter's correspDesc is made on its own
    (cmif_piece) and joined between the two (pages.Joined): the same bytes as one tree
    serialised whole."""
    edition = read("edition")
    root = element("TEI")
    header = sub(root, "teiHeader")
    file_desc = sub(header, "fileDesc")
    title_stmt = sub(file_desc, "titleStmt")
    sub(title_stmt, "title", f"{edition.title}: correspondence metadata (CMIF)")
    for name in cmif_editors(edition):
        sub(title_stmt, "editor", name)
    pub = sub(file_desc, "publicationStmt")
    publisher = sub(pub, "publisher")
    sub(publisher, "ref", edition.publisher or edition.title, target=base_url(edition))
    sub(pub, "idno", absolute(edition, CMIF_PATH), type="url")
    sub(pub, "date", when=date)
    availability = sub(pub, "availability")
    sub(availability, "licence", CMIF_LICENCE_TEXT, target=CMIF_LICENCE)
    source_desc = sub(file_desc, "sourceDesc")
    sub(source_desc, "bibl", _edition_citation(edition), type="online",
        xml_id=edition_bibl_id(edition))

    profile = sub(header, "profileDesc")
    if with_letters:
        sub(profile, "correspDesc", key=_SLOT)
    body = sub(sub(root, "text"), "body")
    sub(body, "p")
    skeleton = serialise(root, CMIF_SCHEMA)
    if not with_letters:
        return skeleton, b""
    head, _, tail = skeleton.partition(f'<correspDesc key="{_SLOT}"/>'.encode())
    return head, tail


def cmif_piece(read: Read, letter_id: str) -> bytes:
    """A letter's correspDesc as it reads inside the file: indented for its depth, without the
    namespace declaration the file's root element makes."""
    edition = read("edition")
    letter = read("letter", letter_id)
    desc = element("correspDesc", key=letter.id, ref=letter_href(edition, letter.id),
                   source=f"#{edition_bibl_id(edition)}")
    corresp_actions(desc, read, letter, cmif=True)
    indent(desc, _DESC_LEVEL)
    text = etree.tostring(desc, encoding="UTF-8", xml_declaration=False)
    return text.replace(f' xmlns="{TEI_NS}"'.encode(), b"", 1)


def cmif_editors(edition: Edition) -> tuple[str, ...]:
    """Who answers for the file: the edition's editors, else its compilers, else its title."""
    return edition.editors or edition.compilers or (edition.title,)


def _edition_citation(edition: Edition) -> str:
    who = ", ".join(edition.editors or edition.compilers)
    parts = [edition.title]
    if who:
        parts.append(("Ed. " if edition.editors else "Comp. ") + who)
    if edition.published:
        parts.append(edition.published[:4])
    return ". ".join(p.rstrip(".") for p in parts) + f". Online: {base_url(edition)}"
