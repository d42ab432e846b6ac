"""A letter body (or a note) as a small tree of blocks and inlines, parsed once with markdown-it-py.

The HTML pages, the TEI files and the search index all render from this one structure, so they
can never disagree about where a paragraph, a letter part, a note mark or an editorial bracket is.

Only the rules the records use are on: paragraphs, line breaks, backslash escapes, emphasis, the
`{.part}` marker before a paragraph and the `[^n]` note mark. Lists, headings, links, images and
raw HTML stay off, so text from a source ("1. Party.", "<b>") is always text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.attrs import attrs_block_plugin

from .model import LETTER_PARTS

#: An editorial square bracket as printed: `St[alin]`, `[armed]`, `[...]`.
_BRACKET = re.compile(r"\[([^\[\]\n]*)\]")
_GAP = re.compile(r"^\s*(\.\.\.|…)\s*$")
_NOTE_MARK = re.compile(r"\[\^(\d+)\]")


@dataclass(frozen=True, slots=True)
class Inline:
    """A piece of running text."""

    kind: str
    """"text", "supplied" (editors' square brackets), "gap" ([...]), "break" (line break),
    "noteref" (a note mark), "em", "strong", or a name linked to a register with children:
    "person", "place", "organisation" (its `text` is the entry's ref) or "work" (a title).

    A TEI letter's body (Letter.blocks) may also hold, each with children unless said:
    "hi" (`text` is its @rend: "underline", "italics", "superscript", "spaced", ...),
    "del", "add" (`text` is its @place or ""), "sic" and "corr" (a choice: the reading shown
    is the "corr" child), "abbr" and "expan" (shown: "expan"), "choice" (children: the two),
    "unclear", "foreign" (`text` is its language), "quote", "space" (no children; `text` is its
    extent), "pagebreak" (no children; `text` is its @facs or "", `n` its page number),
    "anchor" (no children; a commentary note's place: `n` is the note's number), and "other"
    (an element the reader does not know: `text` is its name; its children are shown)."""
    text: str = ""
    n: int = 0
    """Note number, for "noteref"."""
    children: tuple["Inline", ...] = ()


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph of the body, with the letter part it is marked as."""

    part: str | None
    """One of model.LETTER_PARTS, or None for running text."""
    inlines: tuple[Inline, ...]
    line: int
    """Line of the paragraph within the body text (0-based)."""


@dataclass(frozen=True, slots=True)
class BodyProblem:
    line: int
    """0-based line within the body text."""
    message: str
    code: str


def _note_mark_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[" or state.src[state.pos + 1: state.pos + 2] != "^":
        return False
    m = _NOTE_MARK.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        token = state.push("noteref", "", 0)
        token.meta = {"n": int(m.group(1))}
    state.pos = m.end()
    return True


#: A passage in another language, marked in a record as `[Brausender Beifall]{lang=de}` (the
#: bracketed span of Pandoc and markdown-it's attributes, which an editorial bracket never is:
#: the editors' brackets are never followed by `{`).
_FOREIGN = re.compile(r"\[([^\[\]\n]+)\]\{lang=([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\}")


def _foreign_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[":
        return False
    m = _FOREIGN.match(state.src, state.pos)
    if not m:
        return False
    if not silent:
        token = state.push("foreign", "", 0)
        token.content = m.group(1)
        token.meta = {"lang": m.group(2)}
    state.pos = m.end()
    return True


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    md.enable(["newline", "escape", "emphasis"])
    md.core.ruler.disable("text_join")  # (keeps escapes apart from text: see _inlines)
    md.use(attrs_block_plugin)
    md.inline.ruler.before("text", "noteref", _note_mark_rule)
    md.inline.ruler.before("text", "foreign", _foreign_rule)
    return md


# An escaped bracket (`\\[`) is a bracket of the text, not the editors': it stands in for itself
# as a character no text has while the editors' brackets are found.
_ESCAPED = {"[": "\ue000", "]": "\ue001"}
_UNESCAPE = str.maketrans({v: k for k, v in _ESCAPED.items()})


def _split_brackets(text: str) -> list[Inline]:
    out: list[Inline] = []
    pos = 0
    for m in _BRACKET.finditer(text):
        if m.start() > pos:
            out.append(Inline("text", text[pos:m.start()].translate(_UNESCAPE)))
        if _GAP.match(m.group(1)):
            out.append(Inline("gap", m.group(0).translate(_UNESCAPE)))
        else:
            out.append(Inline("supplied", m.group(1).translate(_UNESCAPE)))
        pos = m.end()
    if pos < len(text):
        out.append(Inline("text", text[pos:].translate(_UNESCAPE)))
    return out


def _inlines(children) -> tuple[Inline, ...]:
    """markdown-it inline tokens -> Inline tree (text is merged before brackets are split, so a
    bracket split by an escape still reads as one)."""
    stack: list[list[Inline]] = [[]]
    kinds: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            stack[-1].extend(_split_brackets("".join(pending)))
            pending.clear()

    for tok in children or ():
        if tok.type == "text_special" and tok.info == "escape":
            pending.append(_ESCAPED.get(tok.content, tok.content))
        elif tok.type in ("text", "text_special"):
            pending.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            flush()
            stack[-1].append(Inline("break"))
        elif tok.type == "noteref":
            flush()
            stack[-1].append(Inline("noteref", n=tok.meta["n"]))
        elif tok.type == "foreign":
            flush()
            stack[-1].append(Inline("foreign", tok.meta["lang"],
                                    children=tuple(_split_brackets(tok.content))))
        elif tok.type in ("em_open", "strong_open"):
            flush()
            stack.append([])
            kinds.append(tok.type[:-5])
        elif tok.type in ("em_close", "strong_close") and kinds:
            flush()
            inner = tuple(stack.pop())
            stack[-1].append(Inline(kinds.pop(), children=inner))
        else:  # anything else (a rule turned on later) degrades to its source text
            pending.append(tok.content or tok.markup)
    flush()
    while kinds:  # unbalanced emphasis cannot happen with markdown-it, but never lose text
        inner = tuple(stack.pop())
        stack[-1].append(Inline(kinds.pop(), children=inner))
    return tuple(stack[0])


def parse_body(body: str) -> tuple[tuple[Block, ...], list[BodyProblem]]:
    """Body Markdown -> blocks, and what is wrong with the markup (unknown parts, stray attrs)."""
    tokens = parser().parse(body)
    blocks: list[Block] = []
    problems: list[BodyProblem] = []
    for i, tok in enumerate(tokens):
        if tok.type != "paragraph_open":
            continue
        line = tok.map[0] if tok.map else 0
        part = None
        attrs = dict(tok.attrs)
        classes = str(attrs.pop("class", "")).split()
        for cls in classes:
            if cls in LETTER_PARTS and part is None:
                part = cls
            else:
                problems.append(BodyProblem(max(line - 1, 0), f"unknown letter part '{{.{cls}}}' "
                                            f"(known: {', '.join(LETTER_PARTS)})", "body-unknown-part"))
        for key in attrs:
            problems.append(BodyProblem(max(line - 1, 0), f"attribute '{key}' is not allowed in a "
                                        "record body; only {.part} markers are", "body-attribute"))
        blocks.append(Block(part, _inlines(tokens[i + 1].children), line))
    return tuple(blocks), problems


@lru_cache(maxsize=1 << 16)
def parse_inline(text: str) -> tuple[Inline, ...]:
    """A note's text -> inlines (paragraph breaks inside a note become line breaks).

    Cached: the corpus, the pages, the TEI and the data files all read each note, and the result
    is immutable."""
    blocks, _ = parse_body(text)
    out: list[Inline] = []
    for block in blocks:
        if out:
            out.append(Inline("break"))
        out.extend(block.inlines)
    return tuple(out)


def note_marks(blocks: tuple[Block, ...]) -> list[int]:
    """The note numbers marked in a body, in reading order (repeats kept). The one definition
    of a note mark: what the parser made a "noteref" (an escaped `\\[^3]` is text)."""
    return [n for n, _ in note_marks_with_lines(blocks)]


def note_marks_with_lines(blocks: tuple[Block, ...]) -> list[tuple[int, int]]:
    """(note number, 0-based line within the body) of each mark, in reading order."""
    out: list[tuple[int, int]] = []
    for block in blocks:
        _marks(block.inlines, block.line, out)
    return out


def _marks(inlines: tuple[Inline, ...], line: int, out: list[tuple[int, int]]) -> int:
    for inline in inlines:
        if inline.kind in ("noteref", "anchor"):  # (a TEI letter's note is anchored, not marked)
            out.append((inline.n, line))
        elif inline.kind == "break":
            line += 1
        elif inline.children:
            line = _marks(inline.children, line, out)
    return line


def plain_text(inlines: tuple[Inline, ...]) -> str:
    """The text as a reader sees it, editorial brackets included ("St[alin]") and note marks
    left out, for search and exports: a choice gives the reading shown, a space or line break
    is a space (but a line break inside a word, "no", nothing), a page break nothing."""
    out = []
    for i in inlines:
        kind = i.kind
        if kind == "text":
            out.append(i.text)
        elif kind == "supplied":
            out.append(f"[{i.text}]")
        elif kind == "gap":
            out.append(i.text)
        elif kind == "break":
            out.append("" if i.text == "no" else " ")
        elif kind == "space":
            out.append(" ")
        elif kind == "choice":
            out.append(plain_text(shown_reading(i)))
        elif i.children:  # em, strong, hi, a linked name...: the text is in the children
            out.append(plain_text(i.children))
    return "".join(out)


#: The child of a `choice` a reading text shows, in order of preference.
SHOWN_IN_CHOICE = ("corr", "expan", "reg")


def shown_reading(choice: Inline) -> tuple[Inline, ...]:
    """The reading a page shows of a choice: the correction, the expansion, the regularised
    form; failing those, the first alternative."""
    for kind in SHOWN_IN_CHOICE:
        for child in choice.children:
            if child.kind == kind:
                return child.children
    return choice.children[0].children if choice.children else ()


def other_reading(choice: Inline) -> tuple[str, tuple[Inline, ...]] | None:
    """The alternative a page offers beside the reading shown: (its kind, its inlines), e.g.
    ("sic", the text as written)."""
    shown = shown_reading(choice)
    for child in choice.children:
        if child.children is not shown:
            return child.kind, child.children
    return None


def escape_markdown(text: str) -> str:
    """Source text -> body Markdown that reads back as the same text (for ingest)."""
    text = re.sub(r"([\\*_])", r"\\\1", text)
    text = text.replace("[^", "[\\^").replace("]{", "]\\{")
    if text.startswith("{"):
        text = "\\" + text
    return text
