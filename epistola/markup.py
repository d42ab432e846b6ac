"""Letter bodies and notes -> HTML fragments, from the parsed blocks (body.parse_body), never from
raw Markdown HTML.

Every piece of text goes through markupsafe, so whatever a record holds ("<script>", "&") reaches
the page as text. Every anchor id comes from epistola.anchors. The endnote markup follows the
DPUB-ARIA contract of DESIGN.md: a mark is `<a role="doc-noteref" href="#note-N" id="ref-N">N</a>`
inside `<sup>`; a note anchored by marks holds one `<a role="doc-backlink">` for each of them.
The `<sup>` of a mark is left out of the search index, so that a result reads "to return and",
not "to return 2 and".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from markupsafe import Markup, escape

from . import anchors
from .body import Inline
from .letters import Reading
from .names import NameIndex, link_names

#: Whether a linked name (inline kind, ref) leads to a register page.
Linkable = Callable[[str, str], bool]
#: The register page of each kind of linked name.
_URL = {"person": anchors.person_url, "place": lambda ref: f"places/{ref}/",
        "organisation": lambda ref: f"organisations/{ref}/"}

SUPPLIED_TITLE = "Supplied by the editors"
GAP_TITLE = "Omission marked by the editors"


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of a letter page."""

    id: str
    """Its anchor: "p3"."""
    part: str | None
    """The letter part (address, salutation, …) or None for running text."""
    html: Markup


@dataclass(frozen=True, slots=True)
class NoteItem:
    """An endnote as the page shows it."""

    n: int
    id: str
    html: Markup
    backlinks: tuple[str, ...]
    """Ids of the marks pointing at this note, in reading order; empty for an unanchored note."""
    number_supplied: bool

    @property
    def anchored(self) -> bool:
        return bool(self.backlinks)


@dataclass(frozen=True, slots=True)
class LetterText:
    paragraphs: tuple[Paragraph, ...]
    notes: tuple[NoteItem, ...]


class _Context:
    """What inline rendering needs to know: where the site root is, which notes exist, and how
    many marks of each note have been rendered so far."""

    def __init__(self, root: str, note_numbers: Iterable[int], linkable: Linkable):
        self.root = root
        self.notes = frozenset(note_numbers)
        self.linkable = linkable
        self.marks: dict[int, list[str]] = {}

    def mark_id(self, n: int) -> str:
        seen = self.marks.setdefault(n, [])
        mark = anchors.noteref_id(n, len(seen) + 1)
        seen.append(mark)
        return mark


def _inline(inline: Inline, ctx: _Context, in_note: bool) -> str:
    # Plain strings with every value escaped as it goes in, wrapped as Markup once per paragraph:
    # Markup.format runs string.Formatter in Python, several times slower on a large edition.
    kind = inline.kind
    if kind == "text":
        return escape(inline.text)
    if kind == "supplied":
        return f'<span class="supplied" title="{SUPPLIED_TITLE}">[{escape(inline.text)}]</span>'
    if kind == "gap":
        return f'<span class="gap" title="{GAP_TITLE}">{escape(inline.text)}</span>'
    if kind == "break":
        return "<br>"
    if kind == "noteref":
        n = escape(inline.n)
        if in_note or inline.n not in ctx.notes:
            # no note to point at: keep the printed number, but never a link that leads nowhere
            return f'<sup class="noteref-unlinked" data-pagefind-ignore>{n}</sup>'
        return (f'<sup data-pagefind-ignore><a role="doc-noteref" href="#{escape(anchors.note_id(inline.n))}" '
                f'id="{escape(ctx.mark_id(inline.n))}">{n}</a></sup>')
    inner = _inlines(inline.children, ctx, in_note)
    if kind == "em":
        return f"<em>{inner}</em>"
    if kind == "strong":
        return f"<strong>{inner}</strong>"
    if kind in _URL:
        if not ctx.linkable(kind, inline.text):
            return inner
        url = ctx.root + _URL[kind](inline.text)
        return f'<a class="{kind}" href="{escape(url)}">{inner}</a>'
    if inline.children:  # a kind added to body.py later still shows its text
        return inner
    return escape(inline.text)


def _inlines(inlines: Iterable[Inline], ctx: _Context, in_note: bool = False) -> str:
    return "".join([_inline(i, ctx, in_note) for i in inlines])


def inline_html(inlines: tuple[Inline, ...], names: NameIndex, root: str,
                linkable: Linkable) -> Markup:
    """Running text outside a letter body (a note on a person page, a title): names linked, note
    marks shown as plain numbers."""
    ctx = _Context(root, (), linkable)
    return Markup(_inlines(link_names(inlines, names), ctx, in_note=True))


def letter_text(reading: Reading, root: str, linkable: Linkable) -> LetterText:
    """A letter body and its endnotes, cross-linked both ways, names linked where the analysis
    found them."""
    ctx = _Context(root, (n.n for n in reading.notes), linkable)
    paragraphs = tuple(
        Paragraph(anchors.paragraph_id(i), block.part, Markup(_inlines(inlines, ctx)))
        for i, (block, inlines) in enumerate(zip(reading.blocks, reading.paragraphs()), start=1))
    items = []
    for note, inlines in zip(reading.notes, reading.note_inlines()):
        html = Markup(_inlines(inlines, ctx, in_note=True))
        items.append(NoteItem(note.n, anchors.note_id(note.n), html,
                              tuple(ctx.marks.get(note.n, ())), note.number_supplied))
    return LetterText(paragraphs, tuple(items))
