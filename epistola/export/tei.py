"""One letter -> a TEI P5 document (letters/<id>/tei.xml), valid against tei_all.rng.

The header carries what a catalogue needs: the archival citation in msIdentifier (with the folios
in locus and the citation kept verbatim), the printed edition and the letter's number in it, and a
correspDesc with the sent and received actions and the links to neighbouring letters and replies.
The body is rendered from the same blocks as the HTML page (epistola.body), so the letter parts,
editorial brackets and note marks are where the page has them. Notes are numbered as printed and
point back to their marks; a note whose mark the source lost is kept and flagged as unanchored.
"""

from __future__ import annotations

from collections import Counter

from lxml import etree

from ..anchors import letter_url, note_id, noteref_id, paragraph_id
from ..body import Block, Inline, parse_body, parse_inline
from ..corpus import Corpus, NoteView
from ..model import ArchiveRef, Letter
from .xmlutil import (
    absolute,
    append_text,
    base_url,
    corresp_actions,
    correspondence_neighbours,
    element,
    letter_href,
    letter_label,
    serialise,
    sub,
    tei,
)

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


def letter_tei(corpus: Corpus, letter: Letter) -> bytes:
    """The TEI P5 document of one letter."""
    edition = corpus.edition
    root = element("TEI", xml_id=f"letter-{letter.id}", xml_lang=edition.language)
    header = sub(root, "teiHeader")
    _file_desc(sub(header, "fileDesc"), corpus, letter)
    encoding = sub(sub(header, "encodingDesc"), "editorialDecl")
    for statement in EDITORIAL_DECLARATION:
        sub(encoding, "p", statement)
    profile = sub(header, "profileDesc")
    lang_usage = sub(profile, "langUsage")
    sub(lang_usage, "language", _LANGUAGES.get(edition.language), ident=edition.language)
    _corresp_desc(sub(profile, "correspDesc", ref=letter_href(edition, letter.id)), corpus, letter)
    text = sub(root, "text")
    notes = corpus.notes(letter)
    defined = {note.n for note in notes}
    marks = _render_body(sub(text, "body"), letter, defined)
    if notes:
        _render_notes(sub(sub(text, "back"), "div", type="notes"), notes, marks)
    return serialise(root, TEI_ALL)


# --- header ----------------------------------------------------------------------------------

def _file_desc(file_desc: etree._Element, corpus: Corpus, letter: Letter) -> None:
    edition = corpus.edition
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
    _print_bibl(source_desc, corpus, letter)


def _ms_desc(ms_desc: etree._Element, letter: Letter, archive: ArchiveRef) -> None:
    ident = sub(ms_desc, "msIdentifier")
    sub(ident, "repository", archive.repository)
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
        sub(item, "locus", archive.folios, scheme="folio", **{"from": first, "to": last})
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


def _print_bibl(source_desc: etree._Element, corpus: Corpus, letter: Letter) -> None:
    edition = corpus.edition
    bibl = sub(source_desc, "bibl", type="print", xml_id=PRINT_EDITION_ID)
    if edition.source:
        bibl.text = edition.source.strip()
    else:
        sub(bibl, "title", edition.title, level="m")
        if edition.year is not None:
            append_text(bibl, " ")
            sub(bibl, "date", str(edition.year), when=f"{edition.year:04d}")
    if letter.number is not None:
        append_text(bibl, " ")
        sub(bibl, "biblScope", f"No. {letter.number}", unit="document", n=str(letter.number))


def _corresp_desc(desc: etree._Element, corpus: Corpus, letter: Letter) -> None:
    edition = corpus.edition
    date = corresp_actions(desc, corpus, letter)
    if date is not None:
        _append_inlines(date, parse_inline(letter.date.text), None)
    else:
        sent = desc.find(tei("correspAction"))
        _append_inlines(sub(sent, "date"), parse_inline(letter.date.text), None)

    links: list[tuple[str, str | None, Letter]] = []
    prev, next_ = corpus.neighbours(letter)
    links += [("prev", "withinCollection", prev), ("next", "withinCollection", next_)]
    prev, next_ = correspondence_neighbours(corpus.letters, letter)
    links += [("prev", "withinCorrespondence", prev), ("next", "withinCorrespondence", next_)]
    if letter.in_reply_to and letter.in_reply_to in corpus.by_id:
        links.append(("replyTo", None, corpus.by_id[letter.in_reply_to]))
    for reply in corpus.replies.get(letter.id, ()):
        links.append(("reply", None, corpus.by_id[reply]))
    links = [link for link in links if link[2] is not None]
    if links:
        context = sub(desc, "correspContext")
        for kind, subtype, other in links:
            sub(context, "ref", letter_label(other), type=kind, subtype=subtype,
                target=letter_href(edition, other.id))


# --- body ------------------------------------------------------------------------------------

class _Marks:
    """The note marks of a body, in reading order: each gets its own id (ref-3, then ref-3-2)."""

    def __init__(self, defined: set[int]):
        self.defined = defined
        self.count: Counter[int] = Counter()
        self.ids: dict[int, list[str]] = {}

    def next_id(self, n: int) -> str:
        self.count[n] += 1
        mark = noteref_id(n, self.count[n])
        self.ids.setdefault(n, []).append(mark)
        return mark


def _render_body(body: etree._Element, letter: Letter, defined: set[int]) -> _Marks:
    blocks, _ = parse_body(letter.body)
    marks = _Marks(defined)
    div = sub(body, "div", type="letter", n=None if letter.number is None else str(letter.number))
    numbered = list(enumerate(blocks, start=1))

    # The opening: headings, then address, salutation and dateline before the running text.
    i = 0
    opener = None
    while i < len(numbered) and numbered[i][1].part in ("heading", *OPENER_PARTS):
        index, block = numbered[i]
        if block.part == "heading":
            _block(div, "head", index, block, marks)
            opener = None
        else:
            if opener is None:
                opener = sub(div, "opener")
            _part(opener, index, block, marks)
        i += 1

    # Postscripts run from the first one to the end of the letter.
    end = next((j for j in range(i, len(numbered)) if numbered[j][1].part == "postscript"),
               len(numbered))
    main, postscripts = numbered[i:end], numbered[end:]
    _running_text(div, main, marks, empty_p=not postscripts and i == 0)

    groups: list[list[tuple[int, Block]]] = []
    for index, block in postscripts:
        if block.part == "postscript" or not groups:
            groups.append([])
        groups[-1].append((index, block))
    for group in groups:
        _running_text(sub(div, "postscript"), group, marks, empty_p=True)
    return marks


def _running_text(parent: etree._Element, blocks: list[tuple[int, Block]], marks: _Marks,
                  empty_p: bool) -> None:
    """Paragraphs, then the closing parts (closing, signature, dateline) in a closer."""
    cut = len(blocks)
    while cut > 0 and blocks[cut - 1][1].part in CLOSER_PARTS:
        cut -= 1
    text, closing = blocks[:cut], blocks[cut:]
    for index, block in text:
        rend = None if block.part in (None, "postscript") else block.part
        _block(parent, "p", index, block, marks, rend=rend)
    if not text and empty_p and (closing or len(parent) == 0):
        sub(parent, "p")  # TEI wants some running text before a closer; the letter has none
    if closing:
        closer = sub(parent, "closer")
        for index, block in closing:
            _part(closer, index, block, marks)


def _part(parent: etree._Element, index: int, block: Block, marks: _Marks) -> None:
    """A letter part inside an opener or closer."""
    if block.part == "address":
        address = sub(parent, "address", xml_id=paragraph_id(index))
        for line in _lines(block.inlines):
            _append_inlines(sub(address, "addrLine"), line, marks)
    elif block.part == "signature":
        _block(parent, "signed", index, block, marks)
    elif block.part == "dateline":
        _block(parent, "dateline", index, block, marks)
    else:  # salutation, closing
        _block(parent, "salute", index, block, marks)


def _block(parent: etree._Element, tag: str, index: int, block: Block, marks: _Marks,
           rend: str | None = None) -> etree._Element:
    el = sub(parent, tag, xml_id=paragraph_id(index), rend=rend)
    _append_inlines(el, block.inlines, marks)
    return el


def _lines(inlines: tuple[Inline, ...]) -> list[tuple[Inline, ...]]:
    lines: list[list[Inline]] = [[]]
    for inline in inlines:
        if inline.kind == "break":
            lines.append([])
        else:
            lines[-1].append(inline)
    return [tuple(line) for line in lines if line]


def _append_inlines(parent: etree._Element, inlines: tuple[Inline, ...], marks: _Marks | None) -> None:
    for inline in inlines:
        if inline.kind == "text":
            append_text(parent, inline.text)
        elif inline.kind == "supplied":
            sub(parent, "supplied", inline.text, reason="editorial")
        elif inline.kind == "gap":
            sub(parent, "gap", reason="omitted")
        elif inline.kind == "break":
            sub(parent, "lb")
        elif inline.kind in ("em", "strong"):
            hi = sub(parent, "hi", rend="italic" if inline.kind == "em" else "bold")
            _append_inlines(hi, inline.children, marks)
        elif inline.kind == "noteref":
            if marks is None:  # a mark inside a note or a date: keep the number as text
                append_text(parent, f"[{inline.n}]")
                continue
            target = f"#{note_id(inline.n)}" if inline.n in marks.defined else None
            sub(parent, "ref", str(inline.n), type="noteAnchor", n=str(inline.n), target=target,
                xml_id=marks.next_id(inline.n))


def _render_notes(div: etree._Element, notes: tuple[NoteView, ...], marks: _Marks) -> None:
    for note in notes:
        refs = marks.ids.get(note.n, [])
        el = sub(div, "note", xml_id=note_id(note.n), n=str(note.n), type="editorial",
                 subtype=None if note.anchored and refs else "unanchored",
                 target=" ".join(f"#{r}" for r in refs) or None)
        if note.number_supplied:
            label = sub(el, "label")
            sub(label, "supplied", str(note.n), reason="lost-in-transcription")
            append_text(el, " ")
        _append_inlines(el, parse_inline(note.text), None)
