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
from typing import Any, Callable, Iterable

from markupsafe import Markup, escape

import re

from . import anchors
from .body import Inline, other_reading, plain_text, shown_reading
from .languages import language_tag
from .letters import Reading
from .names import NameIndex, link_names

#: Whether a linked name (inline kind, ref) leads to a register page.
Linkable = Callable[[str, str], bool]
#: The register page of each kind of linked name.
_URL = {"person": anchors.person_url, "place": lambda ref: f"places/{ref}/",
        "organisation": lambda ref: f"organisations/{ref}/", "work": lambda ref: f"works/{ref}/"}

SUPPLIED_TITLE = "Supplied by the editors"
GAP_TITLE = "Omission marked by the editors"
SPACE_TITLE = "A space left blank in the original"
DEL_TITLE = "Struck out in the original"
ADD_TITLE = "Added in the original"
UNCLEAR_TITLE = "Hard to read in the original"
#: The signs of a transcription a letter page's legend explains, in its order: (inline kind, what
#: the page shows and means).
LEGEND = (
    ("del", "Struck through: struck out in the original."),
    ("add", "Underlined in green: added in the original, above the line or in the margin."),
    ("unclear", "Dotted underline: hard to read in the original."),
    ("choice", "Dashed underline: the editors corrected or expanded the text; point at it to "
               "see it as written."),
    ("space", "A wide gap: a space left blank in the original."),
    ("pagebreak", "A vertical bar: a new page of the original begins."),
    ("hi", "Letter-spaced, underlined or raised text: as emphasised in the original."),
)
_CHOICE_TITLES = {"sic": "As written", "abbr": "Abbreviated as", "orig": "Spelt",
                  "corr": "Corrected to", "expan": "Expanded as", "reg": "Regularised as"}


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
    signs: tuple[tuple[str, str], ...] = ()
    """(sign, what it means) of each editorial sign of a transcription the text uses (struck
    out, added, unclear...), for the page's legend."""


class _Context:
    """What inline rendering needs to know: where the site root is, which notes exist, and how
    many marks of each note have been rendered so far."""

    def __init__(self, root: str, note_numbers: Iterable[int], linkable: Linkable,
                 prefix: str = ""):
        self.root = root
        self.prefix = prefix
        self.notes = frozenset(note_numbers)
        self.linkable = linkable
        self.marks: dict[int, list[str]] = {}
        self.signs: set[str] = set()
        """The kinds of editorial sign met (the page's legend explains these)."""
        self.in_link = False
        """Inside a link: a link within it (a name inside a name, a note mark inside a name)
        cannot nest in HTML, and is put right after it instead (self.after)."""
        self.after: list[str] = []

    def mark_id(self, n: int) -> str:
        seen = self.marks.setdefault(n, [])
        mark = anchors.noteref_id(n, len(seen) + 1, self.prefix)
        seen.append(mark)
        return mark


def _inline(inline: Inline, ctx: _Context, in_note: bool) -> str:
    # Plain strings with every value escaped as it goes in, wrapped as Markup once per paragraph:
    # Markup.format runs string.Formatter in Python, several times slower on a large edition.
    kind = inline.kind
    if kind == "text":
        return escape(inline.text)
    ctx.signs.add(kind)
    if kind == "supplied":
        shown = _inlines(inline.children, ctx, in_note) if inline.children else escape(inline.text)
        return f'<span class="supplied" title="{SUPPLIED_TITLE}">[{shown}]</span>'
    if kind == "gap":
        return f'<span class="gap" title="{GAP_TITLE}">{escape(inline.text)}</span>'
    if kind == "break":  # (a line break inside a word: the word reads on)
        return "" if inline.text == "no" else "<br>"
    if kind == "anchor":  # a TEI letter's commentary note, anchored here
        if inline.n not in ctx.notes:
            return ""
        return _outside_links(ctx, f'<sup data-pagefind-ignore><a role="doc-noteref" href="#{escape(anchors.note_id(inline.n, ctx.prefix))}" '
                              f'id="{escape(ctx.mark_id(inline.n))}">{escape(inline.n)}</a></sup>')
    if kind == "space":
        return f'<span class="space" title="{SPACE_TITLE}"> </span>'
    if kind == "pagebreak":
        label = f"page {inline.n}" if inline.n else "page break"
        return (f'<span class="pagebreak" data-pagefind-ignore title="{escape(label)}">'
                f'<span class="visually-hidden">{escape(label)}</span></span>')
    if kind == "choice":
        shown = _inlines(shown_reading(inline), ctx, in_note)
        other = other_reading(inline)
        if other is None:
            return shown
        what, alternative = other
        title = f"{_CHOICE_TITLES.get(what, 'Also')}: {plain_text(alternative)}"
        return f'<span class="choice" title="{escape(title)}">{shown}</span>'
    if kind == "noteref":
        n = escape(inline.n)
        if in_note or inline.n not in ctx.notes:
            # no note to point at: keep the printed number, but never a link that leads nowhere
            return f'<sup class="noteref-unlinked" data-pagefind-ignore>{n}</sup>'
        return _outside_links(ctx, f'<sup data-pagefind-ignore><a role="doc-noteref" href="#{escape(anchors.note_id(inline.n, ctx.prefix))}" '
                              f'id="{escape(ctx.mark_id(inline.n))}">{n}</a></sup>')
    if kind in _URL or (kind == "ref" and (inline.text or "").startswith(("http://", "https://"))):
        return _link(inline, ctx, in_note)
    inner = _inlines(inline.children, ctx, in_note)
    if kind == "em":
        return f"<em>{inner}</em>"
    if kind == "strong":
        return f"<strong>{inner}</strong>"
    if kind == "hi":
        rend = re.sub(r"[^a-z0-9-]+", "-", (inline.text or "").casefold()).strip("-") or "plain"
        return f'<span class="hi hi-{rend}">{inner}</span>'
    if kind == "del":
        return f'<del class="del" title="{DEL_TITLE}">{inner}</del>'
    if kind == "add":
        where = f" ({inline.text})" if inline.text else ""
        return f'<ins class="add" title="{escape(ADD_TITLE + where)}">{inner}</ins>'
    if kind == "unclear":
        return f'<span class="unclear" title="{UNCLEAR_TITLE}">{inner}</span>'
    if kind == "foreign":
        lang = language_tag(inline.text)
        return f'<span class="foreign"{f" lang={chr(34)}{lang}{chr(34)}" if lang else ""}>{inner}</span>'
    if kind == "quote":
        return f'<span class="quote">{inner}</span>'
    if kind == "ref":
        return inner or escape(inline.text or "")
    if kind == "other" or inline.children:  # an element the reader did not know: its text
        return inner
    return escape(inline.text)  # a kind added to body.py later still shows its text


#: What a link inside another link says where it is put after it ("Wirtin" names a place and,
#: within it, a person).
_ALSO_LABEL = {"person": "person", "place": "place", "organisation": "body", "work": "work",
               "ref": "link"}


def _link(inline: Inline, ctx: _Context, in_note: bool) -> str:
    """A name linked to its register page, or a link out; never one link inside another."""
    kind = inline.kind
    if kind == "ref":
        url, attrs = inline.text or "", ' rel="external"'
    elif ctx.linkable(kind, inline.text):
        url, attrs = ctx.root + _URL[kind](inline.text), ""
    else:
        return _inlines(inline.children, ctx, in_note)
    if ctx.in_link:
        inner = _inlines(inline.children, ctx, in_note)
        ctx.after.append(f'<sup class="also-link" data-pagefind-ignore><a class="{kind}" '
                         f'href="{escape(url)}"{attrs}>{_ALSO_LABEL[kind]}</a></sup>')
        return inner
    ctx.in_link = True
    try:
        inner = _inlines(inline.children, ctx, in_note) or escape(url if kind == "ref" else "")
    finally:
        ctx.in_link = False
    after, ctx.after = "".join(ctx.after), []
    return f'<a class="{kind}" href="{escape(url)}"{attrs}>{inner}</a>{after}'


def _outside_links(ctx: _Context, html: str) -> str:
    """A note mark where it stands, or right after the link it stands in."""
    if ctx.in_link:
        ctx.after.append(html)
        return ""
    return html


def _inlines(inlines: Iterable[Inline], ctx: _Context, in_note: bool = False) -> str:
    return "".join([_inline(i, ctx, in_note) for i in inlines])


def inline_html(inlines: tuple[Inline, ...], names: NameIndex, root: str,
                linkable: Linkable) -> Markup:
    """Running text outside a letter body (a note on a person page, a title): names linked, note
    marks shown as plain numbers."""
    ctx = _Context(root, (), linkable)
    return Markup(_inlines(link_names(inlines, names), ctx, in_note=True))


def letter_text(reading: Any, root: str, linkable: Linkable) -> LetterText:
    """A letter body (letters.Reading) or a further text (letters.TextReading) and its endnotes,
    cross-linked both ways, names linked where the analysis found them; a further text's
    anchors carry its language ("ru-p3")."""
    prefix = reading.prefix
    ctx = _Context(root, (n.n for n in reading.notes), linkable, prefix)
    paragraphs = tuple(
        Paragraph(anchors.paragraph_id(i, prefix), block.part, Markup(_inlines(inlines, ctx)))
        for i, (block, inlines) in enumerate(zip(reading.blocks, reading.paragraphs()), start=1))
    items = []
    for note, inlines in zip(reading.notes, reading.note_inlines()):
        html = Markup(_inlines(inlines, ctx, in_note=True))
        items.append(NoteItem(note.n, anchors.note_id(note.n, prefix), html,
                              tuple(ctx.marks.get(note.n, ())), note.number_supplied))
    signs = tuple((kind, meaning) for kind, meaning in LEGEND if kind in ctx.signs)
    return LetterText(paragraphs, tuple(items), signs)
