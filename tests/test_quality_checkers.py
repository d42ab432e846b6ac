"""The quality gates' checkers are real: each finds a planted fault and passes the same page fixed."""

from __future__ import annotations

from pathlib import Path

from conftest import dead_fragments, format_axe, format_links, format_vnu

HEAD = '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>t</title></head>\n'


def test_nu_html_checker_reports_broken_markup(tmp_path, run_vnu):
    broken = tmp_path / "broken.html"
    broken.write_text(HEAD + '<body>\n<p><div>block in a paragraph</p>\n<img src="x.png">\n'
                      '<a href="#x" href="#y">twice</a>\n</body>\n</html>\n', encoding="utf-8")
    fixed = tmp_path / "fixed.html"
    fixed.write_text(HEAD + '<body>\n<div><p>a paragraph</p></div>\n<img src="x.png" alt="">\n'
                     '<a href="#x">once</a>\n</body>\n</html>\n', encoding="utf-8")

    errors = run_vnu([broken, fixed])

    text = format_vnu(errors, tmp_path)
    assert errors and all(e["url"].endswith("broken.html") for e in errors), text
    assert any("alt" in e["message"] for e in errors), text
    assert any("Duplicate attribute" in e["message"] for e in errors), text
    assert text.startswith("broken.html:"), text


def test_axe_reports_an_unlabelled_input(page, run_axe):
    page.set_content(HEAD + '<body><main><h1>Form</h1><input type="text"></main></body></html>')
    violations = run_axe(page)
    assert [v["id"] for v in violations] == ["label"], format_axe(violations)
    assert "input" in format_axe(violations)

    page.set_content(HEAD + '<body><main><h1>Form</h1><label>Name <input type="text"></label>'
                     '</main></body></html>')
    assert run_axe(page) == []


def test_axe_reports_low_contrast(page, run_axe):
    page.set_content(HEAD + '<body><main><h1>T</h1><p style="color:#bbb;background:#fff">'
                     'faint text</p></main></body></html>')
    assert "color-contrast" in [v["id"] for v in run_axe(page)]


def _site(root: Path, pages: dict[str, str]) -> Path:
    for name, body in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEAD + f"<body>{body}</body>\n</html>\n", encoding="utf-8")
    return root


def test_linkinator_finds_broken_links_and_fragments(tmp_path, serve_folder, run_linkinator):
    base = serve_folder(_site(tmp_path, {
        "index.html": '<a href="a/">a</a> <a href="gone/">gone</a> <a href="a/#nowhere">frag</a>'
                      ' <a href="#missing">here</a> <a href="https://example.org/">outside</a>',
        "a/index.html": '<p id="here">a</p> <a href="../">home</a> <a href="../#top">top</a>',
    }))

    links = run_linkinator([base])

    broken = sorted(link["url"].removeprefix(base) for link in links if link["state"] == "BROKEN")
    assert set(broken) >= {"gone/", "a/#nowhere", "#missing"}, format_links(links, base)
    assert not any("example.org" in link["url"] and link["state"] == "BROKEN" for link in links)
    # A link back to a page already crawled: linkinator 7 may miss it; the page reader does not.
    assert dead_fragments(tmp_path) == [
        '/a/index.html -> ../#top (no id="top" in /index.html)',
        '/index.html -> a/#nowhere (no id="nowhere" in /a/index.html)',
        '/index.html -> #missing (no id="missing" in /index.html)',
    ]


def test_linkinator_passes_a_sound_site(tmp_path, serve_folder, run_linkinator):
    base = serve_folder(_site(tmp_path, {
        "index.html": '<h1 id="top">home</h1> <a href="a/">a</a> <a href="a/#here">here</a>',
        "a/index.html": '<p id="here">a</p> <a href="../#top">top</a>',
    }))
    links = run_linkinator([base])
    assert links and all(link["state"] != "BROKEN" for link in links), format_links(links, base)
    assert dead_fragments(tmp_path) == []
