"""Pictures: their figures equal counts taken from the input; the SVG is well-formed, the same
every time, small at 10,000 letters, and passes the Nu Html Checker and axe inline in a page."""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest
from lxml import etree

from conftest import format_axe, format_vnu
from epistola import pictures as P
from epistola.data import basemap_text

SVG = "{http://www.w3.org/2000/svg}"

NAMES = {"pyatakov": "G. L. Pyatakov", "stalin": "I. V. Stalin", "magidov": "B. I. Magidov",
         "krestinsky": "N. N. Krestinsky", "dzerzhinsky": "F. E. Dzerzhinsky",
         "trilisser": "M. A. Trilisser", "menzhinsky": "V. R. Menzhinsky"}
# Nos. 173-176: who wrote to whom (No. 175 to Stalin with copies to three)
EDGES = {("pyatakov", "stalin"): 1, ("magidov", "stalin"): 1, ("krestinsky", "stalin"): 1,
         ("krestinsky", "dzerzhinsky"): 1, ("krestinsky", "trilisser"): 1,
         ("krestinsky", "menzhinsky"): 1, ("stalin", "magidov"): 1}
PLACES = [
    P.MapPlace("berlin", "Berlin", (52.52437, 13.41053), written=1, mentioned=6,
               href="../places/berlin/"),
    P.MapPlace("poltava", "Poltava", (49.59373, 34.54073), written=1, received=1, mentioned=3,
               href="../places/poltava/"),
    P.MapPlace("moscow", "Moscow", (55.75222, 37.61556), received=2, mentioned=6,
               href="../places/moscow/"),
    P.MapPlace("hamburg", "Hamburg", (53.55073, 9.99302), mentioned=3, href="../places/hamburg/"),
    P.MapPlace("dresden", "Dresden", (51.05089, 13.73832), mentioned=1,
               href="../places/dresden/"),
    P.MapPlace("leipzig", "Leipzig", (51.33962, 12.37129), mentioned=1,
               href="../places/leipzig/"),
    P.MapPlace("kharkov", "Kharkov", (49.98081, 36.25272), mentioned=1,
               href="../places/kharkov/"),
    P.MapPlace("donbass", "Donbass", None, mentioned=5, href="../places/donbass/"),
]


@pytest.fixture(scope="module")
def basemap() -> P.Basemap:
    return P.basemap_from_topojson(basemap_text())


def letters_url(key: str) -> str:
    return f"../letters/#{key}"


def person_url(ref: str) -> str:
    return f"../persons/{ref}/"


def parse(svg: str) -> etree._Element:
    root = etree.fromstring(svg.encode("utf-8"))
    assert root.tag == SVG + "svg"
    return root


def numbers(table: P.Table, column: int) -> list[int]:
    return [int(row[column].text.replace(",", "")) for row in table.rows]


def link_names(root: etree._Element) -> dict[str, str]:
    return {a.get("href"): a.get("aria-label") for a in root.iter(SVG + "a")}


# --- timeline --------------------------------------------------------------------------------

def test_timeline_counts_equal_the_input():
    counts = {"1923-11": 4, "1923-02": 1, "1924-01": 2, "1924": 3, "1925-06": 0}
    pic = P.timeline_svg(counts, letters_url)
    [table] = pic.tables
    assert sum(numbers(table, 1)) == sum(counts.values()) == 10
    assert [r[0].text for r in table.rows] == ["February 1923", "November 1923", "January 1924",
                                               "1924, month not known"]
    assert "10 letters" in table.caption
    root = parse(pic.svg)
    names = link_names(root)
    assert names["../letters/#1923-11"] == "November 1923: 4 letters"
    assert names["../letters/#1924"] == "1924, month not known: 3 letters"
    assert len(names) == 4  # a month without letters has no bar and no link


def test_timeline_bar_heights_follow_the_counts():
    pic = P.timeline_svg({"1923-11": 4, "1923-10": 2}, letters_url)
    heights = {a.get("aria-label"): float(a.find(f"{SVG}rect[@class='mark']").get("height"))
               for a in parse(pic.svg).iter(SVG + "a")}
    assert heights["November 1923: 4 letters"] == pytest.approx(
        2 * heights["October 1923: 2 letters"])


def test_timeline_shows_every_year_between_first_and_last():
    pic = P.timeline_svg({"1910-01": 1, "1913-05": 1}, letters_url)
    years = [t.text for t in parse(pic.svg).iter(SVG + "text") if t.text and t.text.isdigit()
             and len(t.text) == 4]
    assert years == ["1910", "1911", "1912", "1913"]


def test_timeline_refuses_a_bad_key():
    with pytest.raises(ValueError, match="YYYY-MM"):
        P.timeline_svg({"Nov 1923": 4}, letters_url)
    with pytest.raises(ValueError, match="negative"):
        P.timeline_svg({"1923-11": -1}, letters_url)


def test_compact_timeline_sums_months_into_years():
    pic = P.timeline_compact_svg({"1923-11": 4, "1923-01": 1, "1925": 2}, letters_url,
                                 id_prefix="own")
    [table] = pic.tables
    assert [(r[0].text, r[1].text) for r in table.rows] == [("1923", "5"), ("1925", "2")]
    assert link_names(parse(pic.svg))["../letters/#1923"] == "1923: 5 letters"


def test_a_bar_without_url_is_no_link():
    pic = P.timeline_svg({"1923-11": 4}, lambda key: None)
    root = parse(pic.svg)
    assert list(root.iter(SVG + "a")) == []
    assert root.find(f".//{SVG}g[@aria-label='November 1923: 4 letters']") is not None


# --- network ---------------------------------------------------------------------------------

def test_network_counts_equal_the_input():
    pic = P.network_svg(EDGES, NAMES, person_url)
    people, letters = pic.tables
    written = {r[0].text: int(r[1].text) for r in people.rows}
    received = {r[0].text: int(r[2].text) for r in people.rows}
    assert written["N. N. Krestinsky"] == 4 and received["I. V. Stalin"] == 3
    assert sum(written.values()) == sum(received.values()) == sum(EDGES.values())
    assert {(r[0].text, r[1].text): int(r[2].text) for r in letters.rows} == {
        (NAMES[a], NAMES[b]): n for (a, b), n in EDGES.items()}
    names = link_names(parse(pic.svg))
    assert names["../persons/stalin/"] == "I. V. Stalin: 1 letter written, 3 received"
    assert len(names) == len(NAMES)


def test_network_draws_an_arrow_each_way_and_width_by_letters():
    edges = {("a", "b"): 9, ("b", "a"): 1}
    pic = P.network_svg(edges, {"a": "A", "b": "B"}, person_url)
    paths = parse(pic.svg).findall(f".//{SVG}g[@aria-hidden='true']/{SVG}path")
    widths = sorted(float(p.get("stroke-width")) for p in paths)
    assert len(paths) == 2 and widths[0] < widths[1]


def test_network_groups_all_but_the_top_correspondents():
    rng = random.Random(3)
    names = {f"p{i}": f"Person {i}" for i in range(200)}
    edges: dict[tuple[str, str], int] = {}
    for _ in range(3000):
        a, b = rng.sample(sorted(names), 2)
        edges[(a, b)] = edges.get((a, b), 0) + 1
    pic = P.network_svg(edges, names, person_url, top=20, others_url="../persons/")
    people, letters = pic.tables
    assert len(people.rows) == 21
    others = people.rows[-1]
    assert others[0].text == "180 other correspondents" and others[0].href == "../persons/"
    # nothing is lost: letters written by the shown nodes and the group, plus those among the
    # grouped correspondents themselves, are all the letters
    among = int(re.search(r"\(([\d,]+) letters? among", letters.caption).group(1).replace(",", ""))
    assert sum(numbers(people, 1)) == sum(edges.values())
    assert sum(numbers(letters, 2)) + among == sum(edges.values())
    assert len(link_names(parse(pic.svg))) == 21


def test_network_ranks_by_volume_then_name():
    nodes, _, _ = P.network_data({("b", "a"): 2, ("c", "a"): 2, ("d", "e"): 1},
                                 {"a": "Z", "b": "Y", "c": "X", "d": "W", "e": "V"}, top=10)
    assert [n.ref for n in nodes] == ["a", "c", "b", "e", "d"]


# --- map -------------------------------------------------------------------------------------

def test_decode_topojson_joins_arcs_and_unquantizes():
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [10, 40]},
        "arcs": [[[0, 0], [2, 0], [0, 4]], [[2, 4], [-2, 0], [0, -4]]],
        "objects": {"countries": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "Square"}},
            {"type": "MultiPolygon", "arcs": [[[~1, ~0]]], "properties": {"name": "Backwards"}},
            {"type": None},
        ]}},
    }
    basemap = P.decode_topojson(topology)
    square, backwards = basemap.countries
    assert square.name == "Square"
    assert square.rings == (((10.0, 40.0), (11.0, 40.0), (11.0, 41.0), (10.0, 41.0),
                             (10.0, 40.0)),)
    assert backwards.rings == (tuple(reversed(square.rings[0])),)


def test_vendored_basemap_decodes(basemap):
    names = {c.name for c in basemap.countries}
    assert {"Germany", "Russia", "Ukraine", "Poland"} <= names
    germany = next(c for c in basemap.countries if c.name == "Germany")
    lons = [p[0] for ring in germany.rings for p in ring]
    lats = [p[1] for ring in germany.rings for p in ring]
    assert 5 < min(lons) < 7 and 14 < max(lons) < 16 and 47 < min(lats) < 48 and 54 < max(lats) < 56


def test_map_counts_equal_the_input(basemap):
    pic = P.map_svg(PLACES, basemap)
    [table] = pic.tables
    assert sum(numbers(table, 1)) == sum(p.written for p in PLACES)
    assert sum(numbers(table, 2)) == sum(p.received for p in PLACES)
    assert sum(numbers(table, 3)) == sum(p.mentioned for p in PLACES)
    assert "1 without coordinates" in table.caption
    names = link_names(parse(pic.svg))
    assert names["../places/poltava/"] == "Poltava: 1 letter written, 1 letter received, 3 mentions"
    assert "../places/donbass/" not in names  # no coordinates: in the table, not on the map
    assert len(names) == len(PLACES) - 1


def test_map_puts_places_where_they_are(basemap):
    root = parse(P.map_svg(PLACES, basemap).svg)
    dots = {a.get("href").split("/")[-2]: a.find(f"{SVG}circle") for a in root.iter(SVG + "a")}
    x = {ref: float(c.get("cx")) for ref, c in dots.items()}
    y = {ref: float(c.get("cy")) for ref, c in dots.items()}
    assert x["hamburg"] < x["berlin"] < x["poltava"] < x["kharkov"]   # west to east
    assert y["moscow"] < y["berlin"] < y["poltava"]                   # north to south
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert all(0 < x[r] < width and 0 < y[r] < height for r in x)


def test_map_dot_area_follows_letters(basemap):
    root = parse(P.map_svg(PLACES, basemap).svg)
    r = {a.get("href").split("/")[-2]: float(a.find(f"{SVG}circle").get("r"))
         for a in root.iter(SVG + "a")}
    assert r["moscow"] == r["poltava"] > r["berlin"]  # 2 letters each, 1 letter
    filled = {a.get("href").split("/")[-2]: a.find(f"{SVG}circle").get("fill")
              for a in root.iter(SVG + "a")}
    assert filled["hamburg"] == "#ffffff" and filled["berlin"] != "#ffffff"  # mentioned only


def test_map_needs_a_place_with_coordinates(basemap):
    with pytest.raises(ValueError, match="coordinates"):
        P.map_svg([P.MapPlace("x", "X", None, written=1)], basemap)


# --- all pictures ----------------------------------------------------------------------------

def small_pictures(basemap) -> dict[str, P.Picture]:
    return {
        "timeline": P.timeline_svg({"1923-11": 4}, letters_url),
        "timeline-small": P.timeline_compact_svg({"1923": 3}, letters_url, id_prefix="own"),
        "network": P.network_svg(EDGES, NAMES, person_url),
        "map": P.map_svg(PLACES, basemap),
    }


def test_pictures_are_deterministic(basemap):
    first = small_pictures(basemap)
    P.basemap_from_topojson.cache_clear()
    again = small_pictures(P.basemap_from_topojson(basemap_text()))
    assert {k: v.svg for k, v in first.items()} == {k: v.svg for k, v in again.items()}
    assert {k: v.tables for k, v in first.items()} == {k: v.tables for k, v in again.items()}


def test_pictures_are_accessible_groups(basemap):
    for name, pic in small_pictures(basemap).items():
        root = parse(pic.svg)
        prefix = root.get("id")
        assert root.get("role") == "group", name
        assert root.get("aria-labelledby") == f"{prefix}-title"
        assert root.find(f"{SVG}title").get("id") == f"{prefix}-title"
        assert root.find(f"{SVG}desc").get("id") == f"{prefix}-desc"
        links = list(root.iter(SVG + "a"))
        assert links and all(a.get("aria-label") and a.get("href") for a in links), name
        # text is never smaller than 12 user units
        sizes = [float(t.get("font-size")) for t in root.iter(SVG + "text") if t.get("font-size")]
        assert min(sizes) >= 12, name


def test_untrusted_names_are_escaped(basemap):
    evil = '<script>alert("x")</script> & Co'
    pics = [
        P.network_svg({("a", "b"): 1}, {"a": evil, "b": "B"}, lambda r: f'?q="{r}"&x=<y>'),
        P.map_svg([P.MapPlace("a", evil, (52.5, 13.4), written=1, href='"><script>')], basemap),
        P.timeline_svg({"1923-11": 1}, lambda k: '"><script>alert(1)</script>'),
    ]
    for pic in pics:
        root = parse(pic.svg)  # still well-formed
        assert root.find(f".//{SVG}script") is None
        assert "<script>" not in pic.svg
        html = "".join(P.table_html(t) for t in pic.tables)
        assert "<script>" not in html


def test_bad_id_prefix_is_refused():
    with pytest.raises(ValueError, match="id_prefix"):
        P.timeline_svg({"1923-11": 1}, letters_url, id_prefix='x" onload="alert(1)')


def test_table_html_marks_headers_and_numbers():
    html = P.table_html(P.Table("Letters", ("Month", "Letters"),
                                ((P.Cell("November 1923", "../letters/#1923-11"),
                                  P.Cell("4", numeric=True)),)), table_id="t")
    assert html.startswith('<table id="t" class="ep-picture-table"><caption>Letters</caption>')
    assert '<th scope="row"><a href="../letters/#1923-11">November 1923</a></th>' in html
    assert '<td class="num">4</td>' in html


# --- 10,000 letters --------------------------------------------------------------------------

def synthetic(seed: int = 11):
    """10,000 letters among 1,500 persons over 16 years, at 200 places (skewed like a real
    correspondence: a few people and places account for most letters)."""
    rng = random.Random(seed)
    persons = [f"p{i}" for i in range(1500)]
    names = {p: f"Correspondent {i} of the edition" for i, p in enumerate(persons)}
    weights = [1 / (i + 1) ** 1.1 for i in range(len(persons))]
    places = [(f"pl{i}", rng.uniform(42, 60), rng.uniform(-5, 45)) for i in range(200)]
    place_weights = [1 / (i + 1) for i in range(len(places))]
    months: dict[str, int] = {}
    edges: dict[tuple[str, str], int] = {}
    written: dict[str, int] = {}
    received: dict[str, int] = {}
    for _ in range(10_000):
        key = f"{rng.randint(1910, 1925)}-{rng.randint(1, 12):02d}"
        months[key] = months.get(key, 0) + 1
        a, b = rng.choices(persons, weights, k=2)
        while b == a:
            b = rng.choice(persons)
        edges[(a, b)] = edges.get((a, b), 0) + 1
        at, to = rng.choices(places, place_weights, k=2)
        written[at[0]] = written.get(at[0], 0) + 1
        received[to[0]] = received.get(to[0], 0) + 1
    map_places = [P.MapPlace(ref, f"Place {ref}", (lat, lon), written.get(ref, 0),
                             received.get(ref, 0), rng.randint(0, 40), f"../places/{ref}/")
                  for ref, lat, lon in places]
    return months, edges, names, map_places


def test_pictures_of_10000_letters_stay_small(basemap, capsys):
    months, edges, names, places = synthetic()
    made = {}
    for name, make in [
        ("timeline", lambda: P.timeline_svg(months, letters_url)),
        ("network", lambda: P.network_svg(edges, names, person_url, others_url="../persons/")),
        ("map", lambda: P.map_svg(places, basemap)),
    ]:
        start = time.perf_counter()
        pic = make()
        seconds = time.perf_counter() - start
        size = len(pic.svg.encode()) + sum(len(P.table_html(t).encode()) for t in pic.tables)
        made[name] = pic
        with capsys.disabled():
            print(f"\n  {name}: {size / 1000:.0f} kB (SVG {len(pic.svg.encode()) / 1000:.0f} kB) "
                  f"in {seconds * 1000:.0f} ms", end="")
        assert size < 500_000, name
        parse(pic.svg)
    assert sum(numbers(made["timeline"].tables[0], 1)) == 10_000
    assert sum(numbers(made["network"].tables[0], 1)) == 10_000
    assert sum(numbers(made["map"].tables[0], 1)) == 10_000
    assert sum(numbers(made["map"].tables[0], 2)) == 10_000


# --- in a page: Nu Html Checker, axe, keyboard, screenshots ----------------------------------

def page_html(pic: P.Picture) -> str:
    prefix = parse(pic.svg).get("id")
    tables = "".join(P.table_html(t, f"{prefix}-table-{i}") for i, t in enumerate(pic.tables))
    return ('<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{pic.title}</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:1rem;color:#1a1a1a}"
            "figure{margin:0}.num{text-align:right}</style></head>\n"
            f"<body><main><h1>{pic.title}</h1>{P.figure_html(pic)}{tables}</main></body></html>\n")


@pytest.fixture(scope="module")
def pages(tmp_path_factory, basemap) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pictures")
    months, edges, names, places = synthetic()
    pics = dict(small_pictures(basemap))
    pics["timeline-10000"] = P.timeline_svg(months, letters_url)
    pics["network-10000"] = P.network_svg(edges, names, person_url, others_url="../persons/")
    pics["map-10000"] = P.map_svg(places, basemap)
    out = {}
    for name, pic in pics.items():
        path = folder / f"{name}.html"
        path.write_text(page_html(pic), encoding="utf-8")
        out[name] = path
    return out


def test_pictures_pass_the_nu_html_checker(pages, run_vnu):
    errors = run_vnu(list(pages.values()))
    assert errors == [], format_vnu(errors)


def test_nu_html_checker_sees_a_broken_picture(tmp_path, run_vnu):
    # the check above can fail: an attribute SVG does not have is reported
    page = tmp_path / "broken.html"
    page.write_text(page_html(P.timeline_svg({"1923-11": 4}, letters_url))
                    .replace('role="group"', 'role="group" colour="red"'), encoding="utf-8")
    assert run_vnu([page])


@pytest.mark.parametrize("name", ["timeline", "timeline-small", "network", "map",
                                  "timeline-10000", "network-10000", "map-10000"])
def test_pictures_pass_axe(pages, page, run_axe, name):
    page.goto(pages[name].as_uri())
    violations = run_axe(page)
    assert violations == [], format_axe(violations)


def test_axe_sees_a_picture_link_without_a_name(page, run_axe, tmp_path):
    html = page_html(P.timeline_svg({"1923-11": 4}, letters_url))
    html = re.sub(r' aria-label="November 1923: 4 letters"><title>[^<]*</title>', ">", html)
    path = tmp_path / "unnamed.html"
    path.write_text(html, encoding="utf-8")
    page.goto(path.as_uri())
    assert "link-name" in [v["id"] for v in run_axe(page)]


def test_links_are_reached_by_keyboard_and_show_focus(pages, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(pages["network"].as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused and re.search(r": \d+ letters? written, \d+ received$", focused)
    stroke = page.evaluate("getComputedStyle(document.activeElement.querySelector('.mark'))"
                           ".strokeWidth")
    assert stroke == "3px"


SHOTS = Path(os.environ.get("EPISTOLA_SCREENSHOTS", "")) if os.environ.get(
    "EPISTOLA_SCREENSHOTS") else None


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", ["timeline", "network", "map", "network-10000", "map-10000"])
def test_pictures_fit_and_stay_legible(pages, page, name, width, tmp_path):
    """At 1280 px the picture fits the page; at 390 px the page does not scroll sideways (the
    picture's frame may) and no label is drawn below 12 px. A screenshot of each is kept in
    $EPISTOLA_SCREENSHOTS when it is set, to be looked at."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(pages[name].as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    assert overflow <= 0
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg text.label')]
        .map(t => t.getBoundingClientRect().height))""")
    assert smallest >= 12
    if width == 1280:
        frame = page.evaluate("(() => { const f = document.querySelector('.ep-picture-frame');"
                              " return f.scrollWidth - f.clientWidth })()")
        assert frame <= 0  # no sideways scrolling on a desktop
    shot = (SHOTS or tmp_path) / f"{name}-{width}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 5_000
