"""Shared fixtures: Debian's Chromium for Playwright, built sites, a local HTTP server, the checkers.

Fixtures for everyone's tests:

- ``browser_type_launch_args`` (pytest-playwright's own fixture, overridden): launches Debian's
  ``chromium`` instead of a browser Playwright would download. ``page``, ``browser`` and
  ``context`` from pytest-playwright then just work.
- ``chromium_launch_args``: the same launch options as a dict, for tests that start a browser
  themselves (``sync_playwright().chromium.launch(**chromium_launch_args)``).
- ``edition_site``: the bundled edition (``editions/``) built once per session; its site folder.
- ``mini_site``: the two-letter test edition (``tests/fixtures/mini-edition``) built once per session.
- ``build_site(editions, out)``: build any editions folder through the command line; returns the
  site folder and fails the test with the diagnostics when the build fails.
- ``serve_folder(folder, mount="/")``: serve a folder on 127.0.0.1 on a free port at the path
  ``mount``; returns the base URL (ending in ``/``). Servers stop at the end of the session.
- ``edition_url`` / ``mini_url``: the two built sites, each served at the path of its edition's
  ``base_url`` (as deployed: the 404 page must link from any depth, so it uses that path).
- ``vnu_jar``, ``axe_script``, ``linkinator_bin``: paths to the npm checkers in ``tools/``
  (installed by ``bash scripts/test.sh``).
- ``run_vnu(files)``, ``run_axe(page)``, ``run_linkinator(urls)``: run a checker and return its
  findings; ``format_vnu``, ``format_axe``, ``format_links`` turn findings into readable lines for
  an assertion message.
- ``dead_fragments(site)``: links to ``page#id`` where the page has no such id, across pages
  (linkinator 7 checks a fragment only when the link is seen before its target page is crawled).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import shutil
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Callable, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = ROOT / "editions"
MINI_EDITION = ROOT / "tests" / "fixtures" / "mini-edition"
TOOLS = ROOT / "tools" / "node_modules"

CHROMIUM_ARGS = [
    "--no-sandbox",                    # root in CI
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The machine's network is closed: keep Chromium from calling home at every start.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config):
    # pytest-playwright's own base_url fixture trips a pytest 9 deprecation; nothing of ours.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning")


# --- browser --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium_launch_args() -> dict:
    """Options for ``playwright.chromium.launch(**...)``: Debian's chromium, headless."""
    return {"executable_path": shutil.which("chromium") or "/usr/bin/chromium",
            "args": list(CHROMIUM_ARGS)}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_launch_args):
    """pytest-playwright's launch options, pointed at Debian's chromium."""
    return {**browser_type_launch_args, **chromium_launch_args}


# --- building sites -------------------------------------------------------------------------------

def has_records(editions: Path) -> bool:
    return any((editions / "letters").glob("*.md"))


def _build(editions: Path, out: Path) -> Path:
    """Build ``editions`` into ``out`` through the command line, as an editor would."""
    from epistola.cli import main

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stderr):
        status = main(["build", "--editions", str(editions), "--out", str(out)])
    if status != 0:
        pytest.fail(f"building {editions} failed with exit status {status}:\n{stderr.getvalue()}",
                    pytrace=False)
    return out


@pytest.fixture(scope="session")
def build_site() -> Callable[[Path, Path], Path]:
    """``build_site(editions, out) -> out``: build an editions folder; fail with its diagnostics."""
    return _build


@pytest.fixture(scope="session")
def edition_site(tmp_path_factory) -> Path:
    """The bundled edition (``editions/``) built once per session; the site folder."""
    if not has_records(EDITIONS):
        pytest.skip("editions/letters/ has no records yet: run 'python build.py ingest "
                    "sources/*.txt' to create them")
    return _build(EDITIONS, tmp_path_factory.mktemp("edition") / "site")


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory) -> Path:
    """The two-letter test edition built once per session; the site folder."""
    return _build(MINI_EDITION, tmp_path_factory.mktemp("mini") / "site")


# --- serving --------------------------------------------------------------------------------------

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files like a static host: no directory listings, the site's 404.html for a miss."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".mjs": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".json": "application/json",
        ".wasm": "application/wasm",
        ".xml": "application/xml",
        ".csv": "text/csv; charset=utf-8",
        ".svg": "image/svg+xml",
    }

    mount = "/"

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def translate_path(self, path):
        if not path.startswith(self.mount):
            return str(Path(self.directory) / "\0outside-the-mount")  # no such file: 404
        return super().translate_path("/" + path[len(self.mount):])

    def list_directory(self, path):
        self.send_error(404)
        return None

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up early (linkinator cancels bodies it does not need) is no fault.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def serve_folder() -> Iterator[Callable[..., str]]:
    """``serve_folder(folder, mount="/") -> "http://127.0.0.1:PORT/MOUNT/"``.

    Every server stops after the session.
    """
    servers: list[QuietServer] = []

    def serve(folder: Path, mount: str = "/") -> str:
        mount = "/" + mount.strip("/") + "/" if mount.strip("/") else "/"
        handler_class = type("MountedHandler", (QuietHandler,), {"mount": mount})
        handler = functools.partial(handler_class, directory=str(folder))
        server = QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{mount}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def base_path(editions: Path) -> str:
    """The path part of the edition's ``base_url`` (``/`` when it has none)."""
    import yaml

    data = yaml.safe_load((editions / "edition.yaml").read_text(encoding="utf-8")) or {}
    return urllib.parse.urlsplit(str(data.get("base_url") or "/")).path or "/"


@pytest.fixture(scope="session")
def edition_url(edition_site, serve_folder) -> str:
    """The bundled edition's site, served over HTTP; the base URL ends in ``/``."""
    return serve_folder(edition_site, base_path(EDITIONS))


@pytest.fixture(scope="session")
def mini_url(mini_site, serve_folder) -> str:
    """The test edition's site, served over HTTP; the base URL ends in ``/``."""
    return serve_folder(mini_site, base_path(MINI_EDITION))


# --- checkers -------------------------------------------------------------------------------------

def _tool(relative: str) -> Path:
    path = TOOLS / relative
    if not path.exists():
        pytest.fail(f"{path} is missing: install the checkers with 'bash scripts/test.sh' "
                    "(or: cd tools && npm ci --ignore-scripts)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    """The Nu Html Checker (run it with ``java -Xss4m -jar``)."""
    if shutil.which("java") is None:
        pytest.fail("java is missing: the Nu Html Checker needs a Java runtime", pytrace=False)
    return _tool("vnu-jar/build/dist/vnu.jar")


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core, to inject with ``page.add_script_tag(path=...)``."""
    return _tool("axe-core/axe.min.js")


@pytest.fixture(scope="session")
def linkinator_bin() -> Path:
    """linkinator's command-line entry point."""
    return _tool(".bin/linkinator")


# --- running the checkers -------------------------------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SKIP_EXTERNAL = r"^https?://(?!localhost|127\.0\.0\.1)"  # offline: external links cannot resolve


@pytest.fixture(scope="session")
def run_vnu(vnu_jar) -> Callable[[list[Path]], list[dict]]:
    """``run_vnu(files) -> errors``: the Nu Html Checker over all files in one Java call.

    Each error is vnu's JSON message (``url``, ``lastLine``, ``firstColumn``, ``message``,
    ``extract``); files it could not read count as errors too.
    """
    def run(files: list[Path]) -> list[dict]:
        if not files:
            return []
        done = subprocess.run(
            ["java", "-Xss4m", "-jar", str(vnu_jar), "--errors-only", "--format", "json",
             "--stdout", *map(str, files)],
            capture_output=True, text=True, timeout=600)
        try:
            messages = json.loads(done.stdout)["messages"]
        except (ValueError, KeyError):
            pytest.fail(f"the Nu Html Checker gave no report (exit {done.returncode}):\n"
                        f"{done.stdout[-2000:]}{done.stderr[-2000:]}", pytrace=False)
        return [m for m in messages if m.get("type") in ("error", "non-document-error")]
    return run


def format_vnu(errors: list[dict], root: Path | None = None) -> str:
    """One line a vnu error: ``file:line:column: message`` and the offending source."""
    lines = []
    for m in errors:
        where = m.get("url", "?").removeprefix("file:")
        if root is not None:
            with contextlib.suppress(ValueError):
                where = str(Path(where).relative_to(root))
        extract = " ".join(m.get("extract", "").split())
        lines.append(f"{where}:{m.get('lastLine', '?')}:{m.get('firstColumn', '?')}: "
                     f"{m.get('message')}" + (f"\n    {extract}" if extract else ""))
    return "\n".join(lines)


@pytest.fixture(scope="session")
def run_axe(axe_script) -> Callable:
    """``run_axe(page) -> violations``: axe-core (WCAG 2.0/2.1 A and AA) on a loaded page."""
    def run(page, tags: list[str] = AXE_TAGS) -> list[dict]:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.add_script_tag(path=str(axe_script))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})", tags)
        return result["violations"]
    return run


def format_axe(violations: list[dict], where: str = "") -> str:
    """One block a violation: rule, impact, help, and each offending element with axe's summary."""
    lines = []
    for v in violations:
        lines.append(f"{where}[{v['id']}] ({v.get('impact')}) {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " ".join(map(str, node.get("target", [])))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {summary}\n      {node.get('html', '')[:200]}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def run_linkinator(linkinator_bin) -> Callable[..., list[dict]]:
    """``run_linkinator(urls, recurse=True) -> links``: every link linkinator visited.

    Fragments are checked; external links are skipped (the machine is offline). Each link is a
    dict with ``url``, ``status``, ``state`` (``OK``, ``BROKEN``, ``SKIPPED``) and ``parent``.
    """
    def run(urls: list[str], recurse: bool = True) -> list[dict]:
        cmd = [str(linkinator_bin), *urls, "--check-fragments", "--check-css",
               "--skip", SKIP_EXTERNAL, "--format", "json"]
        if recurse:
            cmd.append("--recurse")
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        try:
            return json.loads(done.stdout)["links"]
        except (ValueError, KeyError):
            pytest.fail(f"linkinator gave no report (exit {done.returncode}):\n"
                        f"{done.stdout[-2000:]}{done.stderr[-2000:]}", pytrace=False)
    return run


def format_links(links: list[dict], base: str = "") -> str:
    """One line a link: ``page -> target (status)`` with the server's address left out."""
    def short(url: str | None) -> str:
        return (url or "?").replace(base, "/") if base else (url or "?")
    return "\n".join(f"{short(l.get('parent'))} -> {short(l['url'])} (HTTP {l.get('status')})"
                      for l in links)


def dead_fragments(site: Path) -> list[str]:
    """``page -> target#id`` for every internal link whose fragment names no element of its target.

    linkinator 7 validates a fragment only when it meets the link before it crawls the target
    page; links back to pages crawled earlier (a person page to ``letters/173/#note-2``) go
    unchecked. This reads every page instead. Targets that do not exist are linkinator's to report.
    """
    from lxml import html

    origin = "http://site.invalid/"
    ids: dict[str, set[str]] = {}
    links: list[tuple[str, str, str]] = []  # (page, href, target path)
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        tree = html.fromstring(page.read_bytes())
        ids[rel] = {str(v) for v in tree.xpath("//@id | //a/@name")}
        for href in tree.xpath("//a/@href | //area/@href"):
            url = urllib.parse.urlsplit(urllib.parse.urljoin(origin + rel, str(href).strip()))
            if not url.fragment or f"{url.scheme}://{url.netloc}/" != origin:
                continue
            path = urllib.parse.unquote(url.path).lstrip("/")
            if path == "" or path.endswith("/"):
                path += "index.html"
            elif (site / path).is_dir():
                path += "/index.html"
            links.append((rel, str(href), path + "#" + urllib.parse.unquote(url.fragment)))
    dead = []
    for rel, href, target in links:
        path, _, fragment = target.partition("#")
        if path in ids and fragment not in ids[path]:
            dead.append(f"/{rel} -> {href} (no id=\"{fragment}\" in /{path})")
    return dead
