"""An independent reading of TEI letters, with plain lxml XPath, for checking epistola.tei.

Nothing here imports the project: what a letter says (its correspondents, its date, the words of
its text, its notes and where they are anchored, the entities it names) is read straight from the
XML with XPath expressions a reader of the TEI Guidelines would write, so that a mistake in the
project's reader shows up as a difference between the two.

The reading follows the conventions of the edition it checks (schnitzler-briefe: correspAction
typed sent/received, notes anchored by anchor + note/@corresp, entity references with @ref).

What "the words of the text" are:
- the text nodes of front, body and back, in document order, without the register lists a
  letter's back carries and without the text of notes (a note's words are its own);
- in a choice, the reading a page shows (corr, expan, reg), not sic, abbr or orig;
- an element that stands on its own line or breaks the writing (p, opener, signed, addrLine, lb,
  space, gap, a character given only by reference ...) separates words;
- a word is a run of letters and digits (punctuation and editorial signs are not words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

NS = {"tei": "http://www.tei-c.org/ns/1.0", "xml": "http://www.w3.org/XML/1998/namespace"}
WORD = re.compile(r"[^\W_]+")

REGISTER_LISTS = ("listPerson", "listPlace", "listOrg", "listBibl", "listEvent")
#: Elements that separate the words before them from the words after them.
SEPARATING = ("p", "ab", "div", "head", "opener", "closer", "dateline", "salute", "signed",
              "address", "addrLine", "postscript", "lg", "l", "list", "item", "label", "table",
              "row", "cell", "seg", "lb", "space", "gap", "figure", "byline", "trailer",
              "docDate", "caption", "figDesc")

_NOT_REGISTER = " and ".join(f"not(ancestor::tei:{name}[parent::tei:back or parent::tei:body "
                             f"or parent::tei:front or parent::tei:div])" for name in REGISTER_LISTS)
_NOT_HIDDEN = ("not(ancestor::tei:sic[parent::tei:choice]) and not(ancestor::tei:abbr[parent::tei:choice])"
               " and not(ancestor::tei:orig[parent::tei:choice])")
_SEPARATORS = " | ".join(f".//tei:{name}" for name in SEPARATING)
_EMPTY_CHARACTERS = ".//tei:c[not(node())] | .//tei:g[not(node())]"


@dataclass(frozen=True)
class NoteReading:
    anchor_word: int
    """How many words of the text come before the note's mark (its anchor, or the note itself
    when it has none); -1 for a mark inside another note's text."""
    words: tuple[str, ...]
    anchor_id: str | None


@dataclass(frozen=True)
class LetterReading:
    senders: tuple[tuple[str, str | None], ...]
    addressees: tuple[tuple[str, str | None], ...]
    date: tuple[str | None, str | None, str | None]
    """(when, notBefore, notAfter) of the sent date; from/to count as notBefore/notAfter."""
    words: tuple[str, ...]
    notes: tuple[NoteReading, ...]
    """In reading order of their marks."""
    entities: tuple[tuple[str, str], ...]
    """(kind, ref) of every entity reference in the text and the notes, in document order."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False,
                           no_network=True)


def _norm(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _name(el) -> str:
    parts = el.xpath("./tei:forename | ./tei:surname", namespaces=NS)
    if parts:
        return _norm(" ".join("".join(p.itertext()) for p in parts))
    return _norm("".join(el.itertext()))


def _ref(el) -> str | None:
    value = el.get("ref") or el.get("key")
    return value.split()[0].lstrip("#").lower() if value else None


def _words_with_marks(container, marks: dict) -> tuple[list[str], dict]:
    """The words below `container` (notes left out), and for each element of `marks` the
    number of words before it."""
    depth = int(container.xpath("count(ancestor-or-self::tei:note)", namespaces=NS))
    own = f"count(ancestor::tei:note) = {depth}"  # not the text of a note inside
    nodes = container.xpath(
        f"(.//text()[{own} and {_NOT_REGISTER} and {_NOT_HIDDEN}]"
        f" | ({_SEPARATORS} | {_EMPTY_CHARACTERS})[{own}] | .//tei:anchor | .//tei:note)",
        namespaces=NS)
    pieces: list[str] = []
    offsets: dict = {}
    for node in nodes:
        if isinstance(node, str):
            parent = node.getparent()
            if node.is_tail and etree.QName(parent).localname in SEPARATING:
                pieces.append(" ")
            pieces.append(str(node))
            continue
        name = etree.QName(node).localname
        if node in marks and int(node.xpath("count(ancestor::tei:note)", namespaces=NS)) == depth:
            offsets[node] = len("".join(pieces))
        if name in SEPARATING or name in ("c", "g"):
            pieces.append(" ")
    text = "".join(pieces)
    words = WORD.findall(text)
    # a mark inside a word counts that word as before it
    counts = {el: len(WORD.findall(text[:offset])) for el, offset in offsets.items()}
    return words, counts


def read_letter(data: bytes) -> LetterReading:
    root = etree.fromstring(data, _parser())

    def people(action_type: str):
        return tuple((_name(el), _ref(el)) for el in root.xpath(
            f"//tei:correspDesc/tei:correspAction[@type='{action_type}']/*"
            "[self::tei:persName or self::tei:orgName]", namespaces=NS))

    dates = root.xpath("//tei:correspDesc/tei:correspAction[@type='sent']/tei:date", namespaces=NS)
    date = (None, None, None)
    if dates:
        d = dates[0]
        date = (d.get("when"), d.get("notBefore") or d.get("from"), d.get("notAfter") or d.get("to"))

    text = root.xpath("/tei:TEI/tei:text", namespaces=NS)[0]
    notes = text.xpath(f".//tei:note[{_NOT_REGISTER}]", namespaces=NS)
    anchors = {a.get(f"{{{NS['xml']}}}id"): a for a in text.xpath(".//tei:anchor[@xml:id]", namespaces=NS)}
    mark_of = {}
    for note in notes:
        target = (note.get("corresp") or "").lstrip("#")
        mark_of[note] = anchors.get(target, note)
    words, counts = _words_with_marks(text, set(mark_of.values()))

    readings = []
    for note in notes:
        note_words, _ = _words_with_marks(note, set())
        mark = mark_of[note]
        readings.append((_position(mark), NoteReading(counts.get(mark, -1), tuple(note_words),
                                                      note.get("corresp"))))
    readings.sort(key=lambda item: item[0])

    kinds = {"person": "person", "place": "place", "org": "organisation", "work": "work",
             "event": "event"}
    entities = []
    for el in text.xpath(f".//*[(self::tei:rs or self::tei:persName or self::tei:placeName or "
                         f"self::tei:orgName or self::tei:title) and (@ref or @key) and {_NOT_REGISTER}]",
                         namespaces=NS):
        name = etree.QName(el).localname
        kind = {"persName": "person", "placeName": "place", "orgName": "organisation",
                "title": "work"}.get(name) or kinds.get(el.get("type") or "")
        tokens = (el.get("ref") or el.get("key") or "").split()
        for token in dict.fromkeys(token.lstrip("#").lower() for token in tokens):
            entities.append((kind, token))  # an entry named twice in one @ref is named once
    return LetterReading(people("sent"), people("received"), date, tuple(words),
                         tuple(r for _, r in readings), tuple(entities))


def _position(el) -> tuple[int, ...]:
    """Document order of an element, as the path of child indexes from the root."""
    path = []
    while el.getparent() is not None:
        path.append(el.getparent().index(el))
        el = el.getparent()
    return tuple(reversed(path))
