"""One letter -> a TEI P5 document (letters/<id>/tei.xml), valid against tei_all.rng.

The header carries what a catalogue needs: the archival citation in msIdentifier (with the folios
in locus and the citation kept verbatim), the printed edition and the letter's number in it, and a
correspDesc with the sent and received actions and the links to neighbouring letters and replies.
The body is rendered from the same blocks as the HTML page (epistola.body), so the letter parts,
editorial brackets and note marks are where the page has them. Notes are numbered as printed and
point back to their marks; a note whose mark the source lost is kept and flagged as unanchored.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable

from lxml import etree

from ..anchors import letter_url, note_id, noteref_id, paragraph_id
from ..body import Block, Inline, parse_inline, plain_text
from ..letters import NoteView, Reading, Summary
from ..model import ArchiveRef, Letter
from .xmlutil import (
    absolute,
    append_text,
    base_url,
    corresp_actions,
    element,
    letter_href,
    letter_label,
    name_element,
    serialise,
    sub,
    tei,
)

#: The register a linked name of each inline kind points into.
#: Inline kinds written back as the TEI element they came from: (element, its attribute that
#: holds the inline's text).
_SAME_IN_TEI = {"hi": ("hi", "rend"), "del": ("del", None), "add": ("add", "place"),
                "choice": ("choice", None), "sic": ("sic", None), "corr": ("corr", None),
                "abbr": ("abbr", None), "expan": ("expan", None), "orig": ("orig", None),
                "reg": ("reg", None), "unclear": ("unclear", "reason"),
                "foreign": ("foreign", "xml_lang"), "quote": ("quote", None),
                "event": ("rs", None), "other": ("seg", None)}
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_REGISTER_OF = {"person": "persons", "place": "places", "organisation": "organisations",
                "work": "works"}

TEI_ALL = "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng"
PRINT_EDITION_ID = "print-edition"

#: Letter parts that open a letter when they come before its first paragraph of running text.
OPENER_PARTS = ("address", "salutation", "dateline")
#: Letter parts that close a letter (or a postscript) when they come after its running text.
CLOSER_PARTS = ("closing", "signature", "dateline", "address", "salutation")

_LANGUAGES = {"en": "English", "ru": "Russian", "de": "German", "fr": "French"}

EDITORIAL_DECLARATION = (
    "Square brackets of the printed edition are kept: text the editors supplied is encoded as "
    "supplied, and an omission marked [...] as gap.",
    "Notes are numbered as printed. A note whose mark the source lost is kept without a target "
    "and flagged as unanchored; a note number the source lost is supplied in its label.",
    "Letter parts (address, salutation, dateline, closing, signature, postscript) are encoded as "
    "marked in the edition's record of the letter.",
)


def letter_tei(read: Callable[..., Any], letter_id: str) -> bytes:
    """The TEI P5 document of one letter, from the facts of the build (site.Site.read)."""
    edition = read("edition")
    reading: Reading = read("reading", letter_id)
    letter = reading.letter
    root = element("TEI", xml_id=f"letter-{letter.id}", xml_lang=edition.language)
    header = sub(root, "teiHeader")
    _file_desc(sub(header, "fileDesc"), edition, letter)
    encoding = sub(sub(header, "encodingDesc"), "editorialDecl")
    for statement in EDITORIAL_DECLARATION:
        sub(encoding, "p", statement)
    profile = sub(header, "profileDesc")
    lang_usage = sub(profile, "langUsage")
    sub(lang_usage, "language", _LANGUAGES.get(edition.language), ident=edition.language)
    _corresp_desc(sub(profile, "correspDesc", ref=letter_href(edition, letter.id)), read,
                  read("letter", letter_id))
    text = sub(root, "text")
    body_el = sub(text, "body")
    back = None
    # a letter with further texts: each in a div saying what it is (original, translation) and
    # its language, its anchors carrying the language ("ru-p3") as on the page
    for part in (reading, *reading.texts):
        parent = body_el
        if reading.texts:
            language = part.prefix or letter.language or edition.language
            role = letter.role if part is reading else part.text.role
            parent = sub(body_el, "div", type=role or "text", xml_lang=language)
        body = _Body(read, {note.n for note in part.notes}, part.prefix)
        body.render(parent, letter, part)
        if part.notes:
            if back is None:
                back = sub(text, "back")
            notes_div = sub(back, "div", type="notes",
                            xml_lang=part.prefix or None if reading.texts else None)
            body.render_notes(notes_div, part.notes, part.note_inlines())
    return serialise(root, TEI_ALL)


# --- header ----------------------------------------------------------------------------------

def _file_desc(file_desc: etree._Element, edition: Any, letter: Letter) -> None:
    title_stmt = sub(file_desc, "titleStmt")
    sub(title_stmt, "title", letter.title, type="main")
    for name in edition.compilers:
        sub(title_stmt, "editor", name, role="compiler")
    for name in edition.editors:
        sub(title_stmt, "editor", name, role="editor")

    pub = sub(file_desc, "publicationStmt")
    if edition.publisher:
        sub(pub, "publisher", edition.publisher)
    else:
        sub(pub, "authority", edition.title)
    sub(pub, "idno", letter_href(edition, letter.id), type="URL")
    sub(pub, "idno", absolute(edition, letter_url(letter.id) + "tei.xml"), type="TEI")
    if edition.licence or edition.licence_url:
        availability = sub(pub, "availability")
        sub(availability, "licence", edition.licence or edition.licence_url,
            target=edition.licence_url)
    if edition.published:
        sub(pub, "date", edition.published, when=edition.published)

    series = sub(file_desc, "seriesStmt")
    sub(series, "title", edition.title, level="s")
    sub(series, "idno", base_url(edition), type="URL")

    if edition.translation:
        sub(sub(file_desc, "notesStmt"), "note", edition.translation, type="translation")

    source_desc = sub(file_desc, "sourceDesc")
    if letter.archive is not None:
        _ms_desc(sub(source_desc, "msDesc"), letter, letter.archive)
    if edition.source or letter.number is not None:
        _print_bibl(source_desc, edition, letter)
    if not len(source_desc):
        sub(source_desc, "p", "No archival or printed source is recorded for this letter.")


def _ms_desc(ms_desc: etree._Element, letter: Letter, archive: ArchiveRef) -> None:
    ident = sub(ms_desc, "msIdentifier")
    if archive.settlement:
        sub(ident, "settlement", archive.settlement)
    sub(ident, "repository", archive.repository)
    if archive.shelfmark:
        sub(ident, "idno", archive.shelfmark, type="shelfmark")
    for kind in ("fond", "opis", "delo"):
        value = getattr(archive, kind)
        if value:
            sub(ident, "idno", value, type=kind)
    if archive.text:
        alt = sub(ident, "altIdentifier", type="citation")
        sub(alt, "idno", archive.text, type="citation")
    item = sub(sub(ms_desc, "msContents"), "msItem")
    if archive.folios:
        first, last = folio_range(archive.folios)
        sub(item, "locus", archive.folios, **{"from": first, "to": last})
    for sender in letter.senders:
        sub(item, "author", sender.name)
    sub(item, "title", letter.title)
    if letter.physical:
        sub(sub(ms_desc, "physDesc"), "p", letter.physical)


def folio_range(folios: str) -> tuple[str | None, str | None]:
    """First and last folio of "1-5", "56-56v." or "12"; (None, None) when it is not that simple."""
    text = folios.strip().rstrip(".")
    for dash in ("-", "–", "—"):
        if dash in text:
            first, _, last = text.partition(dash)
            first, last = first.strip().rstrip("."), last.strip().rstrip(".")
            if _word(first) and _word(last):
                return first, last
            return None, None
    return (text, text) if _word(text) else (None, None)


def _word(text: str) -> bool:
    return bool(text) and not any(c.isspace() or c in ",;" for c in text)


def _print_bibl(source_desc: etree._Element, edition: Any, letter: Letter) -> None:
    bibl = sub(source_desc, "bibl", type="print", xml_id=PRINT_EDITION_ID)
    if edition.source:
        append_text(bibl, edition.source.strip())
    else:
        sub(bibl, "title", edition.title, level="m")
        if edition.year is not None:
            append_text(bibl, " ")
            sub(bibl, "date", str(edition.year), when=f"{edition.year:04d}")
    if letter.number is not None:
        append_text(bibl, " ")
        sub(bibl, "biblScope", f"No. {letter.number}", unit="document", n=str(letter.number))


def _corresp_desc(desc: etree._Element, read: Callable[..., Any], letter: Summary) -> None:
    edition = read("edition")
    date = corresp_actions(desc, read, letter)
    if date is None:  # no normalised date: keep the date as printed all the same
        date = sub(desc.find(tei("correspAction")), "date")
    _Body(read, set()).inlines(date, parse_inline(letter.date.text), plain_marks=True)

    links: list[tuple[str, str | None, str | None]] = []
    prev, next_ = read("neighbours", letter.id)
    links += [("prev", "withinCollection", prev), ("next", "withinCollection", next_)]
    prev, next_, _ = read("chain", letter.id)
    links += [("prev", "withinCorrespondence", prev), ("next", "withinCorrespondence", next_)]
    if letter.in_reply_to and letter.in_reply_to in read("letters"):
        links.append(("replyTo", None, letter.in_reply_to))
    for reply in read("replies", letter.id):
        links.append(("reply", None, reply))
    links = [link for link in links if link[2] is not None]
    if links:
        context = sub(desc, "correspContext")
        for kind, subtype, other_id in links:
            other = read("letter", other_id)
            sub(context, "ref", letter_label(other), type=kind, subtype=subtype,
                target=letter_href(edition, other.id))


# --- body ------------------------------------------------------------------------------------

class _Body:
    """Renders a letter's blocks and notes: letter parts, editorial brackets, names linked to the
    register, and note marks, each mark with its own id (ref-3, then ref-3-2 for a second one)."""

    def __init__(self, read: Callable[..., Any], defined_notes: set[int], prefix: str = ""):
        self.read = read
        self.defined = defined_notes
        self.prefix = prefix
        self.count: Counter[int] = Counter()
        self.mark_ids: dict[int, list[str]] = {}

    def render(self, body: etree._Element, letter: Letter, reading: Any) -> None:
        div = sub(body, "div", type="letter",
                  n=None if letter.number is None else str(letter.number))
        linked = reading.paragraphs()  # (names linked where the analysis found them)
        numbered = [(i, Block(block.part, inlines, block.line)) for i, (block, inlines)
                    in enumerate(zip(reading.blocks, linked), start=1)]

        # The opening: headings, then address, salutation and dateline before the running text.
        i = 0
        opener = None
        while i < len(numbered) and numbered[i][1].part in ("heading", *OPENER_PARTS):
            index, block = numbered[i]
            if block.part == "heading":
                self.block(div, "head", index, block)
                opener = None
            else:
                if opener is None:
                    opener = sub(div, "opener")
                self.part(opener, index, block)
            i += 1

        # Postscripts run from the first one to the end of the letter, each to the next one.
        end = next((j for j in range(i, len(numbered)) if numbered[j][1].part == "postscript"),
                   len(numbered))
        main, postscripts = numbered[i:end], numbered[end:]
        self.running_text(div, main, needs_text=bool(postscripts))
        starts = [j for j, (_, block) in enumerate(postscripts) if block.part == "postscript"]
        for j, k in zip(starts, [*starts[1:], len(postscripts)]):
            self.running_text(sub(div, "postscript"), postscripts[j:k])

    def running_text(self, parent: etree._Element, blocks: list[tuple[int, Block]],
                     needs_text: bool = False) -> None:
        """Paragraphs, then the closing parts (closing, signature, dateline...) in a closer. TEI
        wants running text before a closer or a postscript: a letter with none gets an empty p."""
        cut = len(blocks)
        while cut > 0 and blocks[cut - 1][1].part in CLOSER_PARTS:
            cut -= 1
        text, closing = blocks[:cut], blocks[cut:]
        for index, block in text:
            rend = None if block.part in (None, "postscript") else block.part
            self.block(parent, "p", index, block, rend=rend)
        if not text and (closing or needs_text):
            sub(parent, "p")
        if closing:
            closer = sub(parent, "closer")
            for index, block in closing:
                self.part(closer, index, block)

    def part(self, parent: etree._Element, index: int, block: Block) -> None:
        """A letter part inside an opener or closer."""
        if block.part == "address":
            address = sub(parent, "address", xml_id=paragraph_id(index, self.prefix))
            for line in _lines(block.inlines):
                self.inlines(sub(address, "addrLine"), line)
        elif block.part == "signature":
            self.block(parent, "signed", index, block)
        elif block.part == "dateline":
            self.block(parent, "dateline", index, block)
        else:  # salutation, closing
            self.block(parent, "salute", index, block)

    def block(self, parent: etree._Element, tag: str, index: int, block: Block,
              rend: str | None = None) -> None:
        self.inlines(sub(parent, tag, xml_id=paragraph_id(index, self.prefix), rend=rend),
                     block.inlines)

    def inlines(self, parent: etree._Element, inlines: tuple[Inline, ...],
                plain_marks: bool = False) -> None:
        for inline in inlines:
            self.inline(parent, inline, plain_marks)

    def children(self, parent: etree._Element, inline: Inline, plain_marks: bool) -> None:
        for child in inline.children:
            self.inline(parent, child, plain_marks)

    def inline(self, parent: etree._Element, inline: Inline, plain_marks: bool) -> None:
        kind = inline.kind
        if kind == "text":
            append_text(parent, inline.text)
        elif kind == "supplied":
            if inline.children:
                self.children(sub(parent, "supplied", reason="editorial"), inline, plain_marks)
            else:
                sub(parent, "supplied", inline.text, reason="editorial")
        elif kind == "gap":
            sub(parent, "gap", reason="omitted")
        elif kind == "break":
            sub(parent, "lb", **({"break": "no"} if inline.text == "no" else {}))
        elif kind in _SAME_IN_TEI:  # a TEI letter's own markup, back in TEI
            tag, attribute = _SAME_IN_TEI[kind]
            value = inline.text or None
            if kind == "foreign" and value and not _LANGUAGE_TAG.fullmatch(value):
                value = None
            self.children(sub(parent, tag, **({attribute: value} if attribute else {})), inline,
                          plain_marks)
        elif kind == "space":
            sub(parent, "space", extent=inline.text or None)
        elif kind == "pagebreak":
            sub(parent, "pb", n=str(inline.n) if inline.n else None,
                facs=inline.text if inline.text and " " not in inline.text else None)
        elif kind == "anchor":
            self.inline(parent, Inline("noteref", n=inline.n), plain_marks)
        elif kind == "ref":
            target = inline.text if inline.text and " " not in inline.text else None
            el = sub(parent, "ref", target=target)
            self.children(el, inline, plain_marks)
            if not inline.children and inline.text:
                append_text(el, inline.text)
        elif inline.kind in ("em", "strong"):
            hi = sub(parent, "hi", rend="italic" if inline.kind == "em" else "bold")
            for child in inline.children:
                self.inline(hi, child, plain_marks)
        elif inline.kind in _REGISTER_OF:
            name = name_element(parent, self.read, inline.text, register=_REGISTER_OF[inline.kind])
            for child in inline.children:
                self.inline(name, child, plain_marks)
        elif inline.kind == "noteref":
            if plain_marks:  # a mark in a note or a date points nowhere: keep it as printed
                append_text(parent, f"[{inline.n}]")
                return
            self.count[inline.n] += 1
            mark = noteref_id(inline.n, self.count[inline.n], self.prefix)
            self.mark_ids.setdefault(inline.n, []).append(mark)
            target = f"#{note_id(inline.n, self.prefix)}" if inline.n in self.defined else None
            sub(parent, "ref", str(inline.n), type="noteAnchor", n=str(inline.n), target=target,
                xml_id=mark)
        else:  # a kind added to the body model later: never lose its text
            append_text(parent, plain_text((inline,)))

    def render_notes(self, div: etree._Element, notes: tuple[NoteView, ...],
                     texts: list[tuple[Inline, ...]]) -> None:
        """The notes as printed, each pointing to its marks; a note without one is flagged."""
        for note, inlines in zip(notes, texts):
            refs = self.mark_ids.get(note.n, [])
            el = sub(div, "note", xml_id=note_id(note.n, self.prefix), n=str(note.n),
                     type="editorial",
                     subtype=None if refs else "unanchored",
                     target=" ".join(f"#{r}" for r in refs) or None)
            if note.number_supplied:
                sub(sub(el, "label"), "supplied", str(note.n), reason="lost-in-transcription")
                append_text(el, " ")
            self.inlines(el, inlines, plain_marks=True)


def _lines(inlines: tuple[Inline, ...]) -> list[tuple[Inline, ...]]:
    lines: list[list[Inline]] = [[]]
    for inline in inlines:
        if inline.kind == "break":
            lines.append([])
        else:
            lines[-1].append(inline)
    return [tuple(line) for line in lines if line]
