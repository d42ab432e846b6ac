"""All letters -> data/cmif.xml, the Correspondence Metadata Interchange Format (CMIF 1.1).

correspSearch and similar services harvest this file: one correspDesc per letter, with who wrote
to whom, from where and when, and a link to the letter's page. It is valid against
cmi-customization.rng and satisfies the Schematron rules of cmif.sch (E0001-E0004): every
correspDesc has a sent and a received action, its @source names the bibl of this edition, and
every date has a dating attribute (a letter without a known date has no date element at all).
"""

from __future__ import annotations

import uuid

from ..corpus import Corpus
from ..model import Letter
from .xmlutil import (
    absolute,
    base_url,
    corresp_actions,
    element,
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


def edition_bibl_id(corpus: Corpus) -> str:
    """The xml:id of the edition's bibl: a UUID (as CMIF recommends) derived from the edition's
    address, so it stays the same from build to build; prefixed because an xml:id may not start
    with a digit."""
    return "edition-" + str(uuid.uuid5(uuid.NAMESPACE_URL, base_url(corpus.edition)))


def cmif_xml(corpus: Corpus, date: str) -> bytes:
    """The CMIF file; date (ISO 8601) is when the edition was last changed."""
    edition = corpus.edition
    root = element("TEI")
    header = sub(root, "teiHeader")
    file_desc = sub(header, "fileDesc")
    title_stmt = sub(file_desc, "titleStmt")
    sub(title_stmt, "title", f"{edition.title}: correspondence metadata (CMIF)")
    for name in cmif_editors(corpus):
        sub(title_stmt, "editor", name)
    pub = sub(file_desc, "publicationStmt")
    publisher = sub(pub, "publisher")
    sub(publisher, "ref", edition.publisher or edition.title, target=base_url(edition))
    sub(pub, "idno", absolute(edition, CMIF_PATH), type="url")
    sub(pub, "date", when=date)
    availability = sub(pub, "availability")
    sub(availability, "licence", CMIF_LICENCE_TEXT, target=CMIF_LICENCE)
    source_desc = sub(file_desc, "sourceDesc")
    bibl_id = edition_bibl_id(corpus)
    sub(source_desc, "bibl", _edition_citation(corpus), type="online", xml_id=bibl_id)

    profile = sub(header, "profileDesc")
    for letter in corpus.letters:
        _corresp_desc(profile, corpus, letter, bibl_id)
    body = sub(sub(root, "text"), "body")
    sub(body, "p")
    return serialise(root, CMIF_SCHEMA)


def cmif_editors(corpus: Corpus) -> tuple[str, ...]:
    """Who answers for the file: the edition's editors, else its compilers, else its title."""
    edition = corpus.edition
    return edition.editors or edition.compilers or (edition.title,)


def _edition_citation(corpus: Corpus) -> str:
    edition = corpus.edition
    who = ", ".join(edition.editors or edition.compilers)
    parts = [edition.title]
    if who:
        parts.append(("Ed. " if edition.editors else "Comp. ") + who)
    if edition.published:
        parts.append(edition.published[:4])
    return ". ".join(p.rstrip(".") for p in parts) + f". Online: {base_url(edition)}"


def _corresp_desc(profile, corpus: Corpus, letter: Letter, bibl_id: str) -> None:
    desc = sub(profile, "correspDesc", key=letter.id, ref=letter_href(corpus.edition, letter.id),
               source=f"#{bibl_id}")
    corresp_actions(desc, corpus, letter)
