"""Pictures of a correspondence: a timeline, a network of correspondents and a map, as static SVG.

Pure functions over plain data: counts, names and URLs in, a `Picture` out (SVG markup to place
inline in an HTML page, and the tables of its text equivalent). No JavaScript, no network, no
clock: the same input gives byte-identical markup.

Each picture is an accessible group (`<svg role="group">` named by its `<title>`, described by
its `<desc>`), because it holds links: every bar, person and place is an `<a href>` with an
accessible name ("November 1923: 4 letters"), reachable by keyboard and drawn with a visible
focus ring. Text is at least 12 user units and grows on narrow screens; colours keep 4.5:1
against their ground. Everything a picture shows is also in its tables, which the page shows
beside it (`table_html`).

Names and URLs are untrusted: all of them are escaped.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

from markupsafe import escape

UrlFor = Callable[[str], "str | None"]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

# Colours: each text colour keeps at least 4.5:1 against the grounds it is drawn on (white,
# the sea and the land of the map); marks keep at least 3:1 against theirs.
INK = "#1a1a1a"          # text: 17:1 on white
MUTED = "#4d4d4d"        # secondary text: 8.5:1 on white
MARK = "#1d4f91"         # bars, dots, nodes: 8.6:1 on white, 7.3:1 on the sea
EDGE = "#5a7db5"         # network edges (drawn under the nodes)
GRID = "#c8c8c8"         # rules behind the bars (decorative)
SEA = "#e3edf5"
LAND = "#f5f1e8"
BORDER = "#a8a294"
FOCUS = "#000000"

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"


# --- the result ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a text equivalent."""

    text: str
    href: str | None = None
    numeric: bool = False
    """Right-aligned (a count)."""


@dataclass(frozen=True, slots=True)
class Table:
    """A text equivalent: what the picture shows, as a table the page shows beside it."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class Picture:
    """An SVG picture and its text equivalent."""

    svg: str
    """Markup to place inline in an HTML5 page (no XML declaration, no namespace prefixes)."""
    title: str
    tables: tuple[Table, ...]


def table_html(table: Table, table_id: str | None = None) -> str:
    """A text equivalent as an HTML table: first column as row headers, counts right-aligned."""
    out = [f'<table{_attr("id", table_id)} class="ep-picture-table">',
           f"<caption>{escape(table.caption)}</caption>", "<thead><tr>"]
    out += [f'<th scope="col">{escape(h)}</th>' for h in table.headers]
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            content = (f'<a href="{escape(cell.href)}">{escape(cell.text)}</a>' if cell.href
                       else str(escape(cell.text)))
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            align = ' class="num"' if cell.numeric else ""
            out.append(f"<{tag}{scope}{align}>{content}</{tag}>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# --- shared SVG helpers ----------------------------------------------------------------------

def _attr(name: str, value: str | None) -> str:
    return "" if value is None else f' {name}="{escape(value)}"'


def _n(value: float) -> str:
    """A coordinate, rounded to one decimal, without trailing zeros (small, deterministic)."""
    text = f"{value:.1f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def _count(n: int) -> str:
    return f"{n:,}"


def _letters(n: int) -> str:
    return f"{_count(n)} letter" + ("" if n == 1 else "s")


def _style(prefix: str, narrow_font: int, narrow_extra: str = "") -> str:
    """Styles scoped to one picture's id (inline SVG styles apply to the whole page)."""
    p = f"#{prefix}"
    return (
        "<style>"
        f"{p} text{{font-family:{FONT};fill:{INK}}}"
        f"{p} .muted{{fill:{MUTED}}}"
        f"{p} a:focus{{outline:none}}"
        f"{p} a:focus .hit,{p} a:focus-visible .hit{{stroke:{FOCUS};stroke-width:3;"
        "stroke-dasharray:none}"
        f"{p} a:focus .mark,{p} a:focus-visible .mark{{stroke:{FOCUS};stroke-width:3}}"
        f"{p} a:focus text,{p} a:hover text{{text-decoration:underline}}"
        f"{p} a:hover .mark{{stroke:{FOCUS};stroke-width:2}}"
        f"@media (max-width:40em){{{p} .label{{font-size:{narrow_font}px}}{narrow_extra}}}"
        "</style>"
    )


#: The smallest text a picture may shrink to on a narrow screen, in CSS pixels: below it the
#: picture keeps this size and its frame scrolls sideways (figure_html).
MIN_TEXT_PX = 12


def _svg_open(prefix: str, width: float, height: float, title: str, desc: str,
              css_class: str, narrow_font: int) -> str:
    # At most its natural size; shrinks with its container, but never so far that the labels
    # (narrow_font units on narrow screens) drop below MIN_TEXT_PX.
    min_width = math.ceil(width * MIN_TEXT_PX / narrow_font)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(prefix)}" '
        f'class="ep-picture {css_class}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" '
        f'style="width:100%;height:auto;max-width:{_n(width)}px;min-width:{min_width}px" '
        f'role="group" aria-labelledby="{escape(prefix)}-title" '
        f'aria-describedby="{escape(prefix)}-desc">'
        f'<title id="{escape(prefix)}-title">{escape(title)}</title>'
        f'<desc id="{escape(prefix)}-desc">{escape(desc)}</desc>'
    )


def figure_html(picture: Picture, caption: str | None = None) -> str:
    """The picture in a figure whose frame scrolls sideways when the screen is narrower than the
    picture's smallest legible size (maps and diagrams may need two dimensions: WCAG 1.4.10)."""
    return ('<figure class="ep-picture-figure">'
            '<div class="ep-picture-frame" style="overflow-x:auto">'
            f"{picture.svg}</div>"
            f"<figcaption>{escape(caption or picture.title)}</figcaption></figure>")


def _check_prefix(prefix: str) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", prefix):
        raise ValueError(f"id_prefix {prefix!r} must be a letter followed by letters, digits, "
                         "'-' or '_'")


def _text_width(text: str, size: float) -> float:
    """A generous estimate of a label's width (no font metrics at build time)."""
    return len(text) * size * 0.6


# --- timeline --------------------------------------------------------------------------------

_KEY = re.compile(r"(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2]))?")

_T_LEFT, _T_COL, _T_BAR, _T_TOTAL, _T_ROW, _T_HEAD, _T_MAXBAR = 60, 34, 24, 76, 42, 30, 30


def _parse_counts(counts: Mapping[str, int]) -> dict[tuple[int, int], int]:
    """{(year, month): n}; month 0 for letters dated to the year only."""
    out: dict[tuple[int, int], int] = {}
    for key, n in counts.items():
        m = _KEY.fullmatch(str(key))
        if not m:
            raise ValueError(f"timeline key {key!r} must be 'YYYY-MM' or 'YYYY'")
        if n < 0:
            raise ValueError(f"timeline count for {key!r} is negative: {n}")
        if n:
            slot = (int(m.group("year")), int(m.group("month") or 0))
            out[slot] = out.get(slot, 0) + int(n)
    return out


def _timeline_years(years: Iterable[int]) -> list[int]:
    """Every year from first to last, so gaps show; only the years with letters when the span
    would make the picture very long."""
    years = sorted(set(years))
    if years and years[-1] - years[0] < 40:
        return list(range(years[0], years[-1] + 1))
    return years


def timeline_svg(counts: Mapping[str, int], url_for: UrlFor, *, id_prefix: str = "timeline",
                 title: str = "Letters by year and month") -> Picture:
    """Letters by year and month: one row a year, one bar a month.

    `counts` maps "YYYY-MM" (or "YYYY" for letters dated to the year only) to a number of
    letters; `url_for(key)` gives the link of a bar into the list of letters (or None: no link).
    The table of the text equivalent has a row for every month with letters.
    """
    _check_prefix(id_prefix)
    slots = _parse_counts(counts)
    years = _timeline_years(y for y, _ in slots)
    undated_month = any(m == 0 for _, m in slots)
    columns = list(range(1, 13)) + ([0] if undated_month else [])
    width = _T_LEFT + len(columns) * _T_COL + _T_TOTAL
    height = _T_HEAD + max(len(years), 1) * _T_ROW + 8
    peak = max(slots.values(), default=0)
    total = sum(slots.values())
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    desc = (f"A bar chart of {_letters(total)} by month" + (f", {span}" if span else "")
            + ". One row a year, one bar a month; each bar links to that month's letters. "
            "The same figures follow as a table.")
    out = [_svg_open(id_prefix, width, height, title, desc, "ep-timeline", 21),
           _style(id_prefix, 21),
           f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>']
    # month initials over the columns, and the total column's head
    out.append('<g aria-hidden="true">')
    for i, month in enumerate(columns):
        x = _T_LEFT + i * _T_COL + _T_COL / 2
        label = MONTHS[month - 1][0] if month else "?"
        out.append(f'<text class="label muted" x="{_n(x)}" y="20" font-size="13" '
                   f'text-anchor="middle">{label}</text>')
    out.append(f'<text class="label muted" x="{_n(width - 8)}" y="20" font-size="13" '
               'text-anchor="end">Total</text></g>')
    rows: list[tuple[Cell, ...]] = []
    for r, year in enumerate(years):
        base = _T_HEAD + r * _T_ROW + _T_MAXBAR + 4
        year_total = sum(n for (y, _), n in slots.items() if y == year)
        out.append(f'<g aria-hidden="true"><line x1="{_T_LEFT}" x2="{_n(_T_LEFT + len(columns) * _T_COL)}" '
                   f'y1="{_n(base)}" y2="{_n(base)}" stroke="{GRID}" stroke-width="1"/>'
                   f'<text class="label" x="{_T_LEFT - 10}" y="{_n(base)}" font-size="14" '
                   f'text-anchor="end">{year}</text>'
                   f'<text class="label muted" x="{_n(width - 8)}" y="{_n(base)}" font-size="13" '
                   f'text-anchor="end">{_count(year_total)}</text></g>')
        for i, month in enumerate(columns):
            n = slots.get((year, month), 0)
            if not n:
                continue
            key = f"{year}-{month:02d}" if month else str(year)
            name = (f"{MONTHS[month - 1]} {year}" if month else f"{year}, month not known")
            label = f"{name}: {_letters(n)}"
            h = max(2.0, _T_MAXBAR * n / peak)
            x = _T_LEFT + i * _T_COL
            bar = (f'<rect class="mark" x="{_n(x + (_T_COL - _T_BAR) / 2)}" y="{_n(base - h)}" '
                   f'width="{_T_BAR}" height="{_n(h)}" fill="{MARK}"/>')
            href = url_for(key)
            if href:
                out.append(f'<a href="{escape(href)}" aria-label="{escape(label)}">'
                           f'<title>{escape(label)}</title>'
                           f'<rect class="hit" x="{_n(x + 1)}" y="{_n(base - _T_MAXBAR - 2)}" '
                           f'width="{_T_COL - 2}" height="{_T_MAXBAR + 4}" fill="transparent"/>'
                           f"{bar}</a>")
            else:
                out.append(f'<g role="img" aria-label="{escape(label)}">{bar}</g>')
            rows.append((Cell(name, href), Cell(_count(n), numeric=True)))
    out.append("</svg>")
    table = Table(f"{title}: {_letters(total)}", ("Month", "Letters"), tuple(rows))
    return Picture("".join(out), title, (table,))


def timeline_compact_svg(counts: Mapping[str, int], url_for: UrlFor, *,
                         id_prefix: str = "timeline-small",
                         title: str = "Letters by year") -> Picture:
    """A small timeline by year, for a register page's own letters.

    `counts` maps "YYYY" (or "YYYY-MM", summed into its year) to a number of letters;
    `url_for("YYYY")` links a year's bar (or None).
    """
    _check_prefix(id_prefix)
    by_year: dict[int, int] = {}
    for (year, _), n in _parse_counts(counts).items():
        by_year[year] = by_year.get(year, 0) + n
    years = _timeline_years(by_year)
    col = max(8.0, min(40.0, 560 / max(len(years), 1)))
    bar = col * 0.7
    left, top, maxbar = 12, 22, 48
    width = left * 2 + col * max(len(years), 1)
    width = max(width, 160)
    height = top + maxbar + 26
    peak = max(by_year.values(), default=0)
    total = sum(by_year.values())
    desc = (f"A bar chart of {_letters(total)} by year"
            + (f", {years[0]}–{years[-1]}" if len(years) > 1 else "")
            + ". Each bar links to that year's letters. The same figures follow as a table.")
    out = [_svg_open(id_prefix, width, height, title, desc, "ep-timeline-small", 16),
           _style(id_prefix, 16),
           f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>']
    base = top + maxbar
    out.append(f'<line aria-hidden="true" x1="{left}" x2="{_n(width - left)}" y1="{base}" '
               f'y2="{base}" stroke="{GRID}" stroke-width="1"/>')
    # year labels: first and last always; between them as room allows (every 5th or 10th)
    step = 1 if col >= 40 else (5 if col >= 10 else 10)
    rows: list[tuple[Cell, ...]] = []
    for i, year in enumerate(years):
        x = left + i * col
        n = by_year.get(year, 0)
        if i in (0, len(years) - 1) or (year % step == 0 and 2 < i < len(years) - 3):
            out.append(f'<text aria-hidden="true" class="label muted" x="{_n(x + col / 2)}" '
                       f'y="{_n(base + 18)}" font-size="12" text-anchor="middle">{year}</text>')
        if not n:
            continue
        h = max(2.0, maxbar * n / peak)
        label = f"{year}: {_letters(n)}"
        mark = (f'<rect class="mark" x="{_n(x + (col - bar) / 2)}" y="{_n(base - h)}" '
                f'width="{_n(bar)}" height="{_n(h)}" fill="{MARK}"/>')
        if col >= 24:
            mark += (f'<text class="label" x="{_n(x + col / 2)}" y="{_n(base - h - 5)}" '
                     f'font-size="12" text-anchor="middle">{_count(n)}</text>')
        href = url_for(str(year))
        if href:
            out.append(f'<a href="{escape(href)}" aria-label="{escape(label)}">'
                       f"<title>{escape(label)}</title>"
                       f'<rect class="hit" x="{_n(x)}" y="{top - 20}" width="{_n(col)}" '
                       f'height="{maxbar + 22}" fill="transparent"/>{mark}</a>')
        else:
            out.append(f'<g role="img" aria-label="{escape(label)}">{mark}</g>')
        rows.append((Cell(str(year), href), Cell(_count(n), numeric=True)))
    out.append("</svg>")
    table = Table(f"{title}: {_letters(total)}", ("Year", "Letters"), tuple(rows))
    return Picture("".join(out), title, (table,))


# --- network ---------------------------------------------------------------------------------

OTHERS = ""
"""The node standing for every correspondent past the top ones (no ref is empty)."""


@dataclass(frozen=True, slots=True)
class NetworkNode:
    ref: str
    """The person's ref, or OTHERS."""
    name: str
    written: int
    received: int
    members: int = 1
    """How many correspondents the node stands for (more than one for OTHERS)."""

    @property
    def volume(self) -> int:
        return self.written + self.received


def network_data(edges: Mapping[tuple[str, str], int] | Iterable[tuple[str, str, int]],
                 names: Mapping[str, str], *, top: int = 30
                 ) -> tuple[list[NetworkNode], dict[tuple[str, str], int], int]:
    """The nodes and edges a network picture shows: the `top` correspondents by letters written
    and received, the rest grouped into one OTHERS node. Returns (nodes by volume, edges between
    them {(from, to): letters}, letters among the grouped correspondents themselves)."""
    pairs: dict[tuple[str, str], int] = {}
    items = edges.items() if isinstance(edges, Mapping) else ((k[:2], k[2]) for k in edges)
    for (a, b), n in items:
        if n < 0:
            raise ValueError(f"network edge {a!r} -> {b!r} has a negative count: {n}")
        if a == b or not n:
            continue
        if OTHERS in (a, b):
            raise ValueError("a network ref must not be empty")
        pairs[(a, b)] = pairs.get((a, b), 0) + int(n)
    written: dict[str, int] = {}
    received: dict[str, int] = {}
    for (a, b), n in pairs.items():
        written[a] = written.get(a, 0) + n
        received[b] = received.get(b, 0) + n
    refs = set(written) | set(received)

    def name(ref: str) -> str:
        return names.get(ref) or ref

    ranked = sorted(refs, key=lambda r: (-(written.get(r, 0) + received.get(r, 0)),
                                         name(r).casefold(), r))
    shown = ranked[:top] if len(ranked) > top + 1 else ranked
    rest = set(ranked) - set(shown)
    nodes = [NetworkNode(r, name(r), written.get(r, 0), received.get(r, 0)) for r in shown]
    shown_edges: dict[tuple[str, str], int] = {}
    among_rest = 0
    for (a, b), n in pairs.items():
        a2 = OTHERS if a in rest else a
        b2 = OTHERS if b in rest else b
        if a2 == OTHERS and b2 == OTHERS:
            among_rest += n
            continue
        shown_edges[(a2, b2)] = shown_edges.get((a2, b2), 0) + n
    if rest:
        nodes.append(NetworkNode(
            OTHERS, f"{len(rest):,} other correspondents",
            sum(written.get(r, 0) for r in rest), sum(received.get(r, 0) for r in rest),
            members=len(rest)))
    return nodes, shown_edges, among_rest


def network_svg(edges: Mapping[tuple[str, str], int] | Iterable[tuple[str, str, int]],
                names: Mapping[str, str], url_for: UrlFor, *, top: int = 30,
                id_prefix: str = "network", title: str = "Who wrote to whom",
                others_url: str | None = None, max_arrows: int = 100) -> Picture:
    """Who wrote to whom: a node a correspondent, an arrow a direction, its width the letters.

    `edges` maps (sender ref, recipient ref) to the number of letters (or is an iterable of
    (sender, recipient, letters)); `names` gives each ref its display name; `url_for(ref)` the
    person's page (or None). Past `top` correspondents the rest are one node, "N other
    correspondents" (linked to `others_url` when given). Layout: a circle ordered by volume,
    clockwise from the top; a correspondent in at least 40 % of the letter pairs sits in the
    middle (the usual shape of an edition built around one person). Only the `max_arrows`
    strongest connections are drawn, so a large correspondence does not become a tangle; the
    tables list every one.
    """
    _check_prefix(id_prefix)
    nodes, shown_edges, among_rest = network_data(edges, names, top=top)
    total_pairs = sum(shown_edges.values()) + among_rest
    hub = nodes[0].ref if nodes and nodes[0].ref != OTHERS and total_pairs and \
        nodes[0].volume >= 0.4 * total_pairs and len(nodes) > 2 else None
    ring = [n for n in nodes if n.ref != hub]
    max_volume = max((n.volume for n in nodes), default=1) or 1
    max_edge = max(shown_edges.values(), default=1)

    def radius(node: NetworkNode) -> float:
        return 5 + 13 * math.sqrt(node.volume / max_volume)

    font, narrow = 13, 17
    labels = {n.ref: _short(n.name, 26) for n in nodes}
    horizontal = len(ring) <= 14
    big_r = max(110.0, min(300.0, len(ring) * 62 / (2 * math.pi)))
    pos: dict[str, tuple[float, float, float]] = {}  # ref -> (x, y, angle), centre at 0, 0
    if hub is not None:
        pos[hub] = (0.0, 0.0, math.pi / 2)
    for i, node in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(ring), 1)
        pos[node.ref] = (big_r * math.cos(angle), big_r * math.sin(angle), angle)
    if len(ring) == 1 and hub is None:
        pos[ring[0].ref] = (0.0, 0.0, math.pi / 2)
    # the frame: every node and its name (at the larger size narrow screens use), plus a margin
    boxes = []
    for node in nodes:
        x, y, angle = pos[node.ref]
        r = radius(node)
        boxes.append((x - r, y - r, x + r, y + r))
        w = _text_width(labels[node.ref], narrow)
        if node.ref == hub or horizontal:
            c = math.cos(angle)
            if node.ref != hub and c > 0.3:
                boxes.append((x + r, y - narrow, x + r + 6 + w, y + narrow))
            elif node.ref != hub and c < -0.3:
                boxes.append((x - r - 6 - w, y - narrow, x - r, y + narrow))
            else:
                below = node.ref == hub or math.sin(angle) > 0
                dy = (r + 6 + narrow * 1.2) * (1 if below else -1)
                boxes.append((x - w / 2, y + dy - narrow, x + w / 2, y + dy + narrow * 0.4))
        else:
            ex = x + (r + 6 + w) * math.cos(angle)
            ey = y + (r + 6 + w) * math.sin(angle)
            boxes.append((min(x, ex) - narrow / 2, min(y, ey) - narrow / 2,
                          max(x, ex) + narrow / 2, max(y, ey) + narrow / 2))
    pad = 16
    if not boxes:  # (no letter between registered correspondents: an empty frame)
        boxes.append((0.0, 0.0, 0.0, 0.0))
    left = min(b[0] for b in boxes) - pad
    top_y = min(b[1] for b in boxes) - pad
    width = max(b[2] for b in boxes) + pad - left
    height = max(b[3] for b in boxes) + pad - top_y
    pos = {ref: (x - left, y - top_y, a) for ref, (x, y, a) in pos.items()}

    desc = (f"A network of {len(nodes)} correspondents"
            + (f" (the {top} with most letters, the rest as one node)"
               if any(n.ref == OTHERS for n in nodes) else "")
            + ". Arrows run from writer to recipient; the wider the arrow, the more letters"
            + (f" (the {max_arrows} strongest of {len(shown_edges)} connections are drawn)"
               if len(shown_edges) > max_arrows else "")
            + ". Each name links to the person. The same figures follow as tables.")
    out = [_svg_open(id_prefix, width, height, title, desc, "ep-network", narrow),
           _style(id_prefix, narrow),
           f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
           f'<defs><marker id="{id_prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
           'markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto">'
           f'<path d="M0 0.5 L10 5 L0 9.5 z" fill="{MARK}"/></marker></defs>']
    out.append(f'<g aria-hidden="true" fill="none" stroke="{EDGE}" stroke-opacity="0.7">')
    node_by_ref = {n.ref: n for n in nodes}
    strongest = sorted(shown_edges.items(), key=lambda e: (-e[1], e[0]))[:max(max_arrows, 0)]
    for (a, b), n in sorted(strongest, key=lambda e: (e[1], e[0])):
        x1, y1, _ = pos[a]
        x2, y2, _ = pos[b]
        out.append(_edge_path(x1, y1, radius(node_by_ref[a]), x2, y2, radius(node_by_ref[b]),
                              1.5 + 7 * math.sqrt(n / max(max_edge, 10)), f"{id_prefix}-arrow"))
    out.append("</g>")
    for node in sorted(nodes, key=lambda n: n.volume):
        x, y, angle = pos[node.ref]
        r = radius(node)
        label = labels[node.ref]
        if node.ref == hub:
            text = (f'<text class="label" x="{_n(x)}" y="{_n(y + r + font + 4)}" '
                    f'font-size="{font}" text-anchor="middle" font-weight="600">'
                    f"{escape(label)}</text>")
        elif horizontal:
            text = _horizontal_label(label, x, y, r, angle, font)
        else:
            text = _radial_label(label, x, y, r, angle, font)
        fill = "#ffffff" if node.ref == OTHERS else MARK
        mark = (f'<circle class="mark" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}" '
                f'stroke="{MARK}" stroke-width="1.5"/>')
        description = (f"{node.name}: {_letters(node.written)} written, "
                       f"{_count(node.received)} received")
        href = others_url if node.ref == OTHERS else url_for(node.ref)
        if href:
            out.append(f'<a href="{escape(href)}" aria-label="{escape(description)}">'
                       f"<title>{escape(description)}</title>{mark}{text}</a>")
        else:
            out.append(f'<g role="img" aria-label="{escape(description)}">{mark}{text}</g>')
    out.append("</svg>")

    def cell(node: NetworkNode) -> Cell:
        href = others_url if node.ref == OTHERS else url_for(node.ref)
        return Cell(node.name, href)

    people = Table(f"Correspondents ({len(nodes)} shown)",
                   ("Correspondent", "Letters written", "Letters received"),
                   tuple((cell(n), Cell(_count(n.written), numeric=True),
                          Cell(_count(n.received), numeric=True)) for n in nodes))
    ordered = sorted(shown_edges.items(),
                     key=lambda e: (-e[1], node_by_ref[e[0][0]].name.casefold(),
                                    node_by_ref[e[0][1]].name.casefold(), e[0]))
    caption = "Letters from one correspondent to another"
    if among_rest:
        caption += (f" ({_letters(among_rest)} among the other correspondents themselves are "
                    "not listed)")
    letters = Table(caption, ("From", "To", "Letters"),
                    tuple((cell(node_by_ref[a]), cell(node_by_ref[b]),
                           Cell(_count(n), numeric=True)) for (a, b), n in ordered))
    return Picture("".join(out), title, (people, letters))


def _short(text: str, limit: int) -> str:
    """A long name cut at a word, so what shows is still words of the link's accessible name
    (WCAG 2.5.3, label in name)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def _edge_path(x1: float, y1: float, r1: float, x2: float, y2: float, r2: float,
               width: float, marker: str) -> str:
    """A gently curved arrow from one node's rim to the other's: curving to the right of its
    direction, so the letters each way between two people are two arrows, not one line."""
    dx, dy = x2 - x1, y2 - y1
    dist = math.hypot(dx, dy) or 1.0
    ux, uy = dx / dist, dy / dist
    bend = 0.12 * dist
    mx, my = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend  # control point

    def toward(px: float, py: float, qx: float, qy: float, d: float) -> tuple[float, float]:
        vx, vy = qx - px, qy - py
        length = math.hypot(vx, vy) or 1.0
        return px + vx / length * d, py + vy / length * d

    sx, sy = toward(x1, y1, mx, my, r1 + 2)
    ex, ey = toward(x2, y2, mx, my, r2 + 3)
    return (f'<path d="M{_n(sx)} {_n(sy)} Q{_n(mx)} {_n(my)} {_n(ex)} {_n(ey)}" '
            f'stroke-width="{_n(width)}" marker-end="url(#{marker})"/>')


def _horizontal_label(label: str, x: float, y: float, r: float, angle: float,
                      font: int) -> str:
    c, s = math.cos(angle), math.sin(angle)
    gap = r + 6
    if c > 0.3:
        anchor, tx, ty = "start", x + gap, y + font * 0.35
    elif c < -0.3:
        anchor, tx, ty = "end", x - gap, y + font * 0.35
    else:
        anchor, tx = "middle", x
        ty = y + gap + font * 0.8 if s > 0 else y - gap
    return (f'<text class="label" x="{_n(tx)}" y="{_n(ty)}" font-size="{font}" '
            f'text-anchor="{anchor}">{escape(label)}</text>')


def _radial_label(label: str, x: float, y: float, r: float, angle: float, font: int) -> str:
    """A label running outward along the radius, turned so it never reads upside down."""
    degrees = math.degrees(angle)
    gap = r + 6
    tx, ty = x + gap * math.cos(angle), y + gap * math.sin(angle)
    if math.cos(angle) >= -1e-9:
        anchor, rotate = "start", degrees
    else:
        anchor, rotate = "end", degrees + 180
    return (f'<text class="label" x="{_n(tx)}" y="{_n(ty)}" font-size="{font}" '
            f'text-anchor="{anchor}" dominant-baseline="central" '
            f'transform="rotate({_n(rotate)} {_n(tx)} {_n(ty)})">{escape(label)}</text>')


# --- map -------------------------------------------------------------------------------------

Ring = tuple[tuple[float, float], ...]
"""A closed ring of (longitude, latitude) points."""


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    rings: tuple[Ring, ...]
    """Outer rings and holes alike (drawn with the even-odd rule)."""


@dataclass(frozen=True, slots=True)
class Basemap:
    """Country outlines in longitude and latitude."""

    countries: tuple[Country, ...]
    attribution: str = "Basemap: Natural Earth"


def decode_topojson(topology: Mapping, object_name: str = "countries") -> Basemap:
    """The outlines of a TopoJSON object (https://github.com/topojson/topojson-specification):
    arcs delta-decoded and un-quantized when the topology has a `transform`, rings joined from
    their arcs (a negative index ~i is arc i reversed)."""
    transform = topology.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        points = []
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)

    def ring(indexes: Sequence[int]) -> Ring:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return tuple(points)

    def polygons(geometry: Mapping) -> list[list[Sequence[int]]]:
        kind = geometry.get("type")
        if kind == "Polygon":
            return [geometry["arcs"]]
        if kind == "MultiPolygon":
            return list(geometry["arcs"])
        if kind == "GeometryCollection":
            return [p for g in geometry.get("geometries", []) for p in polygons(g)]
        return []

    obj = topology["objects"][object_name]
    geometries = obj.get("geometries", [obj]) if obj.get("type") == "GeometryCollection" else [obj]
    countries = []
    for g in geometries:
        rings = tuple(ring(r) for polygon in polygons(g) for r in polygon)
        name = str((g.get("properties") or {}).get("name") or g.get("id") or "")
        if rings:
            countries.append(Country(name, rings))
    return Basemap(tuple(countries))


@lru_cache(maxsize=4)
def basemap_from_topojson(text: str, object_name: str = "countries") -> Basemap:
    """`decode_topojson` of a TopoJSON text (decoded once per text: a build draws many maps)."""
    return decode_topojson(json.loads(text), object_name)


@dataclass(frozen=True, slots=True)
class MapPlace:
    """A place on the map, with what the letters do there."""

    ref: str
    name: str
    coordinates: tuple[float, float] | None
    """(latitude, longitude), as the places register gives them; None: listed, not drawn."""
    written: int = 0
    """Letters written at the place."""
    received: int = 0
    """Letters sent to (received at) the place."""
    mentioned: int = 0
    """Mentions of the place in letters and notes."""
    href: str | None = None
    """The place's register page."""

    @property
    def letters(self) -> int:
        return self.written + self.received


@dataclass(frozen=True, slots=True)
class _Frame:
    """An equirectangular projection fitted to the places: x = (lon - lon0)·cos(lat0)."""

    lon0: float
    lat_top: float
    cos0: float
    scale: float
    width: float
    height: float

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        return ((lon - self.lon0) * self.cos0 * self.scale, (self.lat_top - lat) * self.scale)


def _fit(points: Sequence[tuple[float, float]], width: float) -> _Frame:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat_min, lat_max, lon_min, lon_max = min(lats), max(lats), min(lons), max(lons)
    mid = (lat_min + lat_max) / 2
    cos0 = max(0.2, math.cos(math.radians(mid)))
    # margin around the places: a fifth of their span, at least 3 degrees, so a single place
    # still shows its surroundings
    pad_lat = max(3.0, (lat_max - lat_min) * 0.2)
    pad_lon = max(3.0 / cos0, (lon_max - lon_min) * 0.2)
    lat_min, lat_max = max(-85.0, lat_min - pad_lat), min(85.0, lat_max + pad_lat)
    lon_min, lon_max = lon_min - pad_lon, lon_max + pad_lon
    span_x = (lon_max - lon_min) * cos0
    span_y = lat_max - lat_min
    # keep the frame between 1:2 (tall) and 2:1 (wide) by widening the narrow side
    if span_y > span_x * 1.0:
        extra = (span_y - span_x) / cos0 / 2
        lon_min, lon_max = lon_min - extra, lon_max + extra
        span_x = span_y
    if span_x > span_y * 2:
        extra = (span_x / 2 - span_y) / 2
        lat_min, lat_max = lat_min - extra, lat_max + extra
        span_y = span_x / 2
    scale = width / span_x
    return _Frame(lon_min, lat_max, cos0, scale, width, span_y * scale)


def _clip(points: list[tuple[float, float]], x0: float, y0: float, x1: float, y1: float
          ) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: a ring clipped to a rectangle (edges along the rectangle's sides
    lie outside the drawing, so they are never seen)."""
    def cut(pts, inside, cross):
        out = []
        for i, cur in enumerate(pts):
            prev = pts[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
        return out

    def at_x(x):
        return lambda p, q: (x, p[1] + (q[1] - p[1]) * (x - p[0]) / (q[0] - p[0]))

    def at_y(y):
        return lambda p, q: (p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1]), y)

    for inside, cross in ((lambda p: p[0] >= x0, at_x(x0)), (lambda p: p[0] <= x1, at_x(x1)),
                          (lambda p: p[1] >= y0, at_y(y0)), (lambda p: p[1] <= y1, at_y(y1))):
        if not points:
            break
        points = cut(points, inside, cross)
    return points


def _outline_paths(basemap: Basemap, frame: _Frame, tolerance: float = 1.2) -> list[str]:
    """Each country as one path in the frame: rings outside it dropped, the rest clipped to it
    and thinned to points at least `tolerance` units apart."""
    pad = 12.0
    x0, y0, x1, y1 = -pad, -pad, frame.width + pad, frame.height + pad
    paths = []
    for country in basemap.countries:
        parts = []
        for ring in country.rings:
            pts = [frame(lat, lon) for lon, lat in ring]
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            if max(xs) < x0 or min(xs) > x1 or max(ys) < y0 or min(ys) > y1:
                continue
            pts = _clip(pts, x0, y0, x1, y1)
            kept: list[tuple[float, float]] = []
            for p in pts:
                if not kept or abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= tolerance:
                    kept.append(p)
            if len(kept) < 3:
                continue
            parts.append("M" + " ".join(f"{_n(x)} {_n(y)}" for x, y in kept) + "z")
        if parts:
            paths.append("".join(parts))
    return paths


def map_svg(places: Iterable[MapPlace], basemap: Basemap, *, id_prefix: str = "map",
            title: str = "Places of the letters", width: float = 800,
            labels: int = 14) -> Picture:
    """Places of writing and receiving, and places mentioned, as dots on country outlines.

    A filled dot is a place letters were written at or sent to, its area by those letters; a
    ring is a place only mentioned, its area by mentions. Each dot links to the place's page
    (`MapPlace.href`). The `labels` places with most letters are named where their names do not
    collide. The frame is fitted to the places with a margin (equirectangular, true to scale
    at the middle latitude). Places without coordinates are in the table, not on the map.
    """
    _check_prefix(id_prefix)
    places = sorted(places, key=lambda p: (-p.letters, -p.mentioned, p.name.casefold(), p.ref))
    drawn = [p for p in places if p.coordinates is not None]
    if not drawn:
        raise ValueError("a map needs at least one place with coordinates")
    frame = _fit([p.coordinates for p in drawn], width)  # type: ignore[misc]
    height = frame.height
    max_letters = max((p.letters for p in drawn), default=0) or 1
    max_mentions = max((p.mentioned for p in drawn), default=0) or 1

    # many places: smaller dots, so they overlap less
    spread = 12 if len(drawn) <= 40 else 8

    def radius(p: MapPlace) -> float:
        if p.letters:
            return 4 + spread * math.sqrt(p.letters / max_letters)
        return 3 + 5 * math.sqrt(p.mentioned / max_mentions)

    total = sum(p.letters for p in places)
    desc = (f"A map of {len(drawn)} places: filled dots where letters were written or received "
            f"({_letters(total)} in all), their size by the letters; rings for places only "
            "mentioned. Each dot links to the place. The same figures follow as a table.")
    narrow = 20
    legend_css = (f"#{id_prefix} .legend{{transform:scale(1.6);transform-origin:6px "
                  f"{_n(height - 4)}px}}#{id_prefix} .credit{{transform:scale(1.6);"
                  f"transform-origin:{_n(width - 4)}px {_n(height - 4)}px}}")
    out = [_svg_open(id_prefix, width, height, title, desc, "ep-map", narrow),
           _style(id_prefix, narrow, legend_css),
           f'<rect width="{_n(width)}" height="{_n(height)}" fill="{SEA}"/>',
           f'<g aria-hidden="true" fill="{LAND}" stroke="{BORDER}" stroke-width="0.7" '
           'fill-rule="evenodd" stroke-linejoin="round">']
    out += [f'<path d="{d}"/>' for d in _outline_paths(basemap, frame)]
    out.append("</g>")

    # names: the places with most letters first, each where it collides with no name before it
    font = 13
    dots = {p.ref: (*frame(*p.coordinates), radius(p)) for p in drawn}  # type: ignore[misc]
    boxes: list[tuple[float, float, float, float]] = []
    named: dict[str, str] = {}

    def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
                 ) -> bool:
        return not (a[2] < b[0] or a[0] > b[2] or a[3] < b[1] or a[1] > b[3])

    for p in drawn[:max(labels, 0)]:
        x, y, r = dots[p.ref]
        # room is judged at the larger size narrow screens use, so names never run together
        w = _text_width(p.name, narrow)
        for side in (1, -1):
            bx0 = x + r + 4 if side > 0 else x - r - 4 - w
            box = (bx0, y - narrow * 0.75, bx0 + w, y + narrow * 0.45)
            if box[0] < 2 or box[2] > width - 2 or box[1] < 2 or box[3] > height - 54:
                continue
            if any(overlaps(box, b) for b in boxes) or any(
                    overlaps(box, (dx - dr, dy - dr, dx + dr, dy + dr))
                    for ref, (dx, dy, dr) in dots.items() if ref != p.ref):
                continue
            boxes.append(box)
            anchor = "start" if side > 0 else "end"
            named[p.ref] = (f'<text class="label" x="{_n(x + side * (r + 4))}" '
                            f'y="{_n(y + font * 0.35)}" font-size="{font}" '
                            f'text-anchor="{anchor}" stroke="#ffffff" stroke-width="3" '
                            f'paint-order="stroke" stroke-linejoin="round">'
                            f"{escape(p.name)}</text>")
            break
    for p in sorted(drawn, key=lambda p: (-radius(p), p.name.casefold(), p.ref)):
        x, y = frame(*p.coordinates)  # type: ignore[misc]
        r = radius(p)
        if p.letters:
            mark = (f'<circle class="mark" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{MARK}" '
                    'fill-opacity="0.85" stroke="#ffffff" stroke-width="1.5"/>')
        else:
            mark = (f'<circle class="mark" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" '
                    f'fill="#ffffff" stroke="{MARK}" stroke-width="2"/>')
        label = _place_label(p)
        text = named.get(p.ref, "")
        if p.href:
            out.append(f'<a href="{escape(p.href)}" aria-label="{escape(label)}">'
                       f"<title>{escape(label)}</title>{mark}{text}</a>")
        else:
            out.append(f'<g role="img" aria-label="{escape(label)}">{mark}{text}</g>')
    # legend and attribution, on white panels so they read on land and sea alike; on narrow
    # screens each grows from its corner
    out.append(f'<g aria-hidden="true" class="legend"><rect x="6" y="{_n(height - 50)}" '
               'width="190" height="46" fill="#ffffff" fill-opacity="0.92" rx="3"/>'
               f'<circle cx="19" cy="{_n(height - 36)}" r="6" fill="{MARK}"/>'
               f'<text x="31" y="{_n(height - 32)}" font-size="12">letters written or received'
               '</text>'
               f'<circle cx="19" cy="{_n(height - 17)}" r="5" fill="#ffffff" stroke="{MARK}" '
               'stroke-width="2"/>'
               f'<text x="31" y="{_n(height - 13)}" font-size="12">only mentioned</text></g>'
               f'<g aria-hidden="true" class="credit"><rect x="{_n(width - 160)}" '
               f'y="{_n(height - 22)}" width="156" height="18" fill="#ffffff" '
               'fill-opacity="0.92" rx="3"/>'
               f'<text class="muted" x="{_n(width - 8)}" y="{_n(height - 9)}" font-size="12" '
               f'text-anchor="end">{escape(basemap.attribution)}</text></g>')
    out.append("</svg>")
    rows = tuple((Cell(p.name, p.href), Cell(_count(p.written), numeric=True),
                  Cell(_count(p.received), numeric=True), Cell(_count(p.mentioned), numeric=True))
                 for p in places)
    unmapped = len(places) - len(drawn)
    caption = f"{title}: {len(places)} places" + (
        f" ({unmapped} without coordinates, not on the map)" if unmapped else "")
    table = Table(caption, ("Place", "Letters written", "Letters received", "Mentions"), rows)
    return Picture("".join(out), title, (table,))


def _place_label(p: MapPlace) -> str:
    parts = []
    if p.written:
        parts.append(f"{_letters(p.written)} written")
    if p.received:
        parts.append(f"{_letters(p.received)} received")
    if p.mentioned:
        parts.append(f"{_count(p.mentioned)} mention" + ("" if p.mentioned == 1 else "s"))
    return f"{p.name}: " + (", ".join(parts) if parts else "no letters")
