"""`python build.py serve`: builds, serves on 127.0.0.1, rebuilds on save, shows a failed build in
the browser, reloads open pages, and stops cleanly. Every wait is bounded."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

import pytest

from epistola.diagnostics import error, has_errors
from epistola.engine.recipe import build
from epistola.serve import RELOAD_SCRIPT, error_page, inject_reload, snapshot

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini-edition"
TIMEOUT = 60.0


def wait_for(what: str, check: Callable[[], object], timeout: float = TIMEOUT) -> object:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


class Served:
    """A `build.py serve` process on a free port over a copy of an edition."""

    def __init__(self, tmp: Path, *args: str):
        self.editions = tmp / "editions"
        self.out = tmp / "site"
        shutil.copytree(MINI, self.editions)
        env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", "0", "--editions",
             str(self.editions), "--out", str(self.out), *args],
            cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            first = self.lines.get(timeout=TIMEOUT)
        except queue.Empty:
            self.stop()
            raise AssertionError("serve printed nothing: " + self.process.stderr.read())
        assert first.startswith("Serving "), first
        self.url = first.split(" at ", 1)[1].split(" ", 1)[0]
        assert self.url.startswith("http://127.0.0.1:") and self.url.endswith("/")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def record(self, name: str = "174.md") -> Path:
        return self.editions / "letters" / name

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.record(name)
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            _, err = self.process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError("serve did not stop on " + signal.Signals(sig).name)
        return self.process.returncode, err


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("serve"))
    yield server
    server.stop()


def test_serves_the_site_and_only_served_pages_carry_the_reload_script(served):
    status, page = fetch(served.url + "letters/174/")
    assert status == 200
    assert "B. I. Magidov to I. V. Stalin" in page
    assert page.count(RELOAD_SCRIPT.decode()) == 1
    on_disk = (served.out / "letters" / "174" / "index.html").read_text(encoding="utf-8")
    assert "__epistola" not in on_disk
    assert not any("__epistola" in p.read_text(encoding="utf-8", errors="replace")
                   for p in served.out.rglob("*") if p.is_file() and p.suffix in (".html", ".js"))
    # the page as served is the page on disk plus the script, nothing else
    assert page.replace(RELOAD_SCRIPT.decode(), "") == on_disk
    status, css = fetch(served.url + "assets/edition.css")
    assert status == 200 and "__epistola" not in css
    assert fetch(served.url + "no/such/page/")[0] == 404


def test_after_a_build_the_watcher_waits_until_open_pages_are_told(tmp_path):
    """What follows a build (saving the caches holds the interpreter for a tenth of a second at
    10,000 letters) must not delay the reload: the watcher goes on once every open event stream
    has sent it, or a page that opened since shows the new build already."""
    from epistola.serve import ServeState, make_server

    state = ServeState()
    server = make_server(tmp_path, 0, state)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/__epistola/events"
    streams = []
    try:
        for _ in range(2):
            streams.append(urllib.request.urlopen(url, timeout=TIMEOUT))
            assert streams[-1].readline() == b"retry: 500\n"
        wait_for("both streams open", lambda: state.listening == 2)
        state.publish(None)
        state.wait_told(TIMEOUT)
        assert state.told == state.listening == 2  # told, not timed out
        for stream in streams:
            assert stream.readline() == b"\n" and stream.readline() == b"event: reload\n"
        late = urllib.request.urlopen(url, timeout=TIMEOUT)  # opened after the build
        streams.append(late)
        assert late.readline() == b"retry: 500\n"
        wait_for("the late stream", lambda: state.listening == 3)
        state.wait_told(TIMEOUT)
        assert state.told == 3
        streams.pop(0).close()  # a page that goes away is not waited for
        state.publish(None)
        state.wait_told(TIMEOUT)
        assert state.told >= state.listening
    finally:
        for stream in streams:
            stream.close()
        state.stop()
        server.shutdown()
        server.server_close()


def test_a_save_rebuilds_and_tells_open_pages_to_reload(served):
    events = urllib.request.urlopen(served.url + "__epistola/events", timeout=TIMEOUT)
    try:
        assert events.headers["Content-Type"] == "text/event-stream"
        assert events.readline() == b"retry: 500\n"
        served.edit("174.md", "title: B. I. Magidov to I. V. Stalin", "title: Magidov writes to Stalin")
        lines = []
        while not lines or not lines[-1].startswith(b"event: reload"):
            lines.append(events.readline())  # bounded by the socket timeout
        assert lines[-1] == b"event: reload\n"
    finally:
        events.close()
    status, page = fetch(served.url + "letters/174/")
    assert status == 200 and "Magidov writes to Stalin" in page
    served.edit("174.md", "title: Magidov writes to Stalin", "title: B. I. Magidov to I. V. Stalin")
    wait_for("the title back", lambda: "B. I. Magidov to I. V. Stalin" in fetch(served.url + "letters/174/")[1])


def test_the_search_index_follows_the_pages_it_indexes(served):
    manifest = served.out / "pagefind" / "manifest.json"
    wait_for("the first index", manifest.is_file)
    first = manifest.read_bytes()
    served.edit("174.md", "title: B. I. Magidov to I. V. Stalin", "title: Magidov indexed anew")
    wait_for("the new page", lambda: "Magidov indexed anew" in fetch(served.url + "letters/174/")[1])
    # then the index: the changed letter goes into the recent bundle, which the page prefers
    wait_for("the new index", lambda: manifest.read_bytes() != first)
    now = json.loads(manifest.read_text(encoding="utf-8"))
    assert now["recent"]["pages"] == 1
    recent = served.out / "pagefind" / now["recent"]["path"]
    assert recent.is_dir() and any(recent.rglob("*.pf_fragment"))
    # every file the manifest names is there (the page never meets a half-written index)
    assert (served.out / "pagefind" / now["directory"]["path"]).is_dir()
    served.edit("174.md", "title: Magidov indexed anew", "title: B. I. Magidov to I. V. Stalin")
    wait_for("the title back", lambda: "B. I. Magidov to I. V. Stalin" in fetch(served.url + "letters/174/")[1])


def test_a_broken_record_shows_its_diagnostics_instead_of_a_stale_page(served):
    good = served.record().read_text(encoding="utf-8")
    before = (served.out / "letters" / "174" / "index.html").read_bytes()
    served.edit("174.md", "ref: stalin}]", "ref: stallin}]")
    status, page = wait_for("the error page", lambda: (r := fetch(served.url + "letters/176/"))[0] == 500 and r)
    assert "The build failed" in page
    assert ("174.md:7: error: recipient &#x27;I. V. Stalin&#x27; has ref &#x27;stallin&#x27;, which "
            "is not in") in page
    assert "did you mean &#x27;stalin&#x27;? [person-unknown]" in page
    assert RELOAD_SCRIPT.decode() in page  # so that the fix reloads it
    # every page shows it, not only the one that changed; the site on disk is untouched
    assert fetch(served.url)[0] == 500
    assert (served.out / "letters" / "174" / "index.html").read_bytes() == before
    served.record().write_text(good, encoding="utf-8")
    status, page = wait_for("the fixed page", lambda: (r := fetch(served.url + "letters/176/"))[0] == 200 and r)
    assert "The build failed" not in page


def test_a_template_change_rebuilds(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    server = Served(tmp_path, "--templates", str(templates))
    try:
        about = templates / "about.html"
        about.write_text(about.read_text(encoding="utf-8").replace(
            "{% block content %}", "{% block content %}<p>Freshly edited template.</p>", 1),
            encoding="utf-8")
        wait_for("the edited template", lambda: "Freshly edited template." in fetch(server.url + "about/")[1])
        css = templates / "assets" / "edition.css"
        css.write_text(css.read_text(encoding="utf-8") + "\n.edited-asset { color: red; }\n",
                       encoding="utf-8")
        wait_for("the edited asset", lambda: ".edited-asset" in fetch(server.url + "assets/edition.css")[1])
        about.write_text(about.read_text(encoding="utf-8").replace("Freshly edited template.",
                                                                   "{{ no_such_value }}"),
                         encoding="utf-8")
        status, page = wait_for("the template error", lambda: (r := fetch(server.url + "about/"))[0] == 500 and r)
        assert "about.html:" in page and "no_such_value" in page and "[template]" in page
    finally:
        code, err = server.stop(signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in err
    assert "[template]" in err  # diagnostics are printed as well


def test_stops_cleanly_on_ctrl_c_and_prints_no_progress_off_a_terminal(tmp_path):
    server = Served(tmp_path)
    assert fetch(server.url)[0] == 200
    code, err = server.stop(signal.SIGINT)
    assert code == 0
    # a clean edition, and stderr is not a terminal: nothing to say but its notes
    assert [line for line in err.splitlines() if ": note: " not in line] == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1].strip("/"))),
                                 timeout=2).close()


def test_a_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        editions = tmp_path / "editions"
        shutil.copytree(MINI, editions)
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port),
                                 "--editions", str(editions), "--out", str(tmp_path / "site")],
                                capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 1
    assert [line for line in result.stderr.strip().splitlines() if ": note: " not in line] == [
        f"serve:1: error: cannot listen on 127.0.0.1:{port} (Address already in use); pass "
        "another --port [serve-port]"]


def test_an_open_page_reloads_itself_in_the_browser(served, page):
    # pytest-playwright's page: a second sync Playwright inside its running loop is refused
    try:
        page.goto(served.url + "letters/176/")
        page.wait_for_function("document.readyState === 'complete'")
        page.evaluate("window.__marker = 1")
        served.edit("176.md", "{.salutation}\nDear comrade. MAGIDOV!",
                    "{.salutation}\nDear comrade MAGIDOV, edited!")
        page.wait_for_function("window.__marker === undefined", timeout=TIMEOUT * 1000)
        page.wait_for_selector("text=Dear comrade MAGIDOV, edited!", timeout=TIMEOUT * 1000)
    finally:
        served.edit("176.md", "Dear comrade MAGIDOV, edited!", "Dear comrade. MAGIDOV!")


# --- the pieces ----------------------------------------------------------------------------------

def test_error_page_escapes_the_diagnostics():
    page = error_page([error("a.md", 3, "<script>alert(1)</script> & more", "x")]).decode()
    assert "<script>alert" not in page
    assert "a.md:3: error: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more [x]" in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Build failed</title>" in page


def test_reload_script_goes_before_the_last_closing_body():
    page = b"<html><body><p>x</p></BODY></html>"
    assert inject_reload(page) == b"<html><body><p>x</p>" + RELOAD_SCRIPT + b"</BODY></html>"
    assert inject_reload(b"<p>no body</p>") == b"<p>no body</p>" + RELOAD_SCRIPT


def test_snapshot_sees_edits_and_ignores_editor_swap_files(tmp_path):
    (tmp_path / "letters").mkdir()
    record = tmp_path / "letters" / "a.md"
    record.write_text("one", encoding="utf-8")
    first = snapshot([tmp_path])
    for name in (".a.md.swp", "a.md~", ".#a.md", "4913"):
        (tmp_path / "letters" / name).write_text("x", encoding="utf-8")
    assert snapshot([tmp_path]) == first
    record.write_text("two!", encoding="utf-8")
    assert snapshot([tmp_path]) != first
    second = snapshot([tmp_path])
    record.unlink()
    assert snapshot([tmp_path]) != second


def test_a_snapshot_refreshed_from_the_paths_the_system_names_equals_a_new_one(tmp_path,
                                                                               monkeypatch):
    """serve looks again only at the files the system says changed; where that cannot be
    enough (a folder made, moved or removed, a path outside the watched folders) it looks at
    every file."""
    import epistola.serve as serve
    from epistola.serve import refreshed

    monkeypatch.chdir(tmp_path)  # relative folders, as given on the command line
    folders = [Path("editions"), Path("templates")]
    (tmp_path / "editions" / "letters").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    for i in range(4):
        (tmp_path / "editions" / "letters" / f"{i}.md").write_text(str(i), encoding="utf-8")
    (tmp_path / "templates" / "base.html").write_text("<p>", encoding="utf-8")
    walks = []
    walk = os.walk
    monkeypatch.setattr(serve.os, "walk", lambda *a, **k: walks.append(a) or walk(*a, **k))
    letters = tmp_path / "editions" / "letters"

    def check(change: Callable[[], object], *named: Path, looks_at_all: bool) -> None:
        seen = snapshot(folders)
        change()
        walks.clear()
        now = refreshed(seen, [str(p) for p in named], folders)
        assert bool(walks) == looks_at_all
        assert now == snapshot(folders)

    check(lambda: (letters / "1.md").write_text("one!", encoding="utf-8"), letters / "1.md",
          looks_at_all=False)
    check(lambda: (letters / "9.md").write_text("new", encoding="utf-8"), letters / "9.md",
          looks_at_all=False)
    check(lambda: (letters / "2.md").unlink(), letters / "2.md", looks_at_all=False)
    check(lambda: (tmp_path / "templates" / "base.html").write_text("<div>", encoding="utf-8"),
          tmp_path / "templates" / "base.html", looks_at_all=False)
    (letters / ".git").mkdir()
    check(lambda: ((letters / "0.md.swp").write_text("x", encoding="utf-8"),
                   (letters / ".git" / "index").write_text("x", encoding="utf-8")),
          letters / "0.md.swp", letters / ".git" / "index", looks_at_all=False)
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "5.md").write_text("five", encoding="utf-8")
    check(lambda: (tmp_path / "drafts").rename(letters / "drafts"), letters / "drafts",
          looks_at_all=True)  # a folder moved in: its files say nothing
    check(lambda: shutil.rmtree(letters / "drafts"), letters / "drafts", looks_at_all=True)
    check(lambda: None, tmp_path / "elsewhere.md", looks_at_all=True)
    (tmp_path / "batch.tmp").mkdir()  # a folder named like a scratch file: its files count
    (tmp_path / "batch.tmp" / "7.md").write_text("seven", encoding="utf-8")
    check(lambda: (tmp_path / "batch.tmp").rename(letters / "batch.tmp"),
          letters / "batch.tmp", looks_at_all=True)
    # a symbolic link to a folder: snapshot does not follow it, the system's notices do
    (tmp_path / "outside").mkdir()
    (letters / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    check(lambda: (tmp_path / "outside" / "8.md").write_text("eight", encoding="utf-8"),
          letters / "linked" / "8.md", looks_at_all=True)


def test_the_watcher_is_told_of_a_save_and_rebuilds_once_for_it(tmp_path, monkeypatch):
    """The system reports the save (no periodic comparison happens within the test: its
    interval is set to an hour); editors' swap files and hidden folders start no build, and a
    save made while a build runs starts another one."""
    from epistola import serve

    monkeypatch.setattr(serve, "WAKE_MS", 3_600_000)
    folder = tmp_path / "editions"
    (folder / "letters").mkdir(parents=True)
    (folder / ".git").mkdir()
    record = folder / "letters" / "a.md"
    record.write_text("one", encoding="utf-8")
    builds: queue.Queue[frozenset] = queue.Queue()
    during: list[Callable[[], None]] = []

    def build(taken: frozenset) -> list:
        assert taken == snapshot([folder])  # what the watcher saw is what the build reads
        built = taken
        for change in during:
            change()
        during.clear()
        builds.put(built)
        return []

    with _watching(folder, build):
        for name in (".a.md.swp", "a.md~", ".#a.md", "4913"):
            (folder / "letters" / name).write_text("x", encoding="utf-8")
        (folder / ".git" / "index").write_text("x", encoding="utf-8")
        time.sleep(0.5)
        assert builds.empty()

        during.append(lambda: record.write_text("three", encoding="utf-8"))
        record.write_text("two", encoding="utf-8")
        first = builds.get(timeout=TIMEOUT)
        second = builds.get(timeout=TIMEOUT)  # the save made during the first build
        assert first != second == snapshot([folder])
        time.sleep(0.5)
        assert builds.empty()


def test_a_folder_named_like_a_scratch_file_moved_out_is_noticed_at_once(tmp_path, monkeypatch):
    """Moving a folder out says nothing of its files: the system names only the folder. Its
    name ("batch.tmp") is one an editor's scratch file could have, yet its records are gone
    and the site must lose them at once, not at the next periodic comparison (an hour here)."""
    from epistola import serve

    monkeypatch.setattr(serve, "WAKE_MS", 3_600_000)
    folder = tmp_path / "editions"
    (folder / "letters" / "batch.tmp").mkdir(parents=True)
    (folder / "letters" / "a.md").write_text("one", encoding="utf-8")
    (folder / "letters" / "batch.tmp" / "b.md").write_text("two", encoding="utf-8")
    builds: queue.Queue[frozenset] = queue.Queue()

    def build(taken: frozenset) -> list:
        builds.put(taken)
        return []

    with _watching(folder, build):
        (folder / "letters" / "batch.tmp").rename(tmp_path / "batch.tmp")
        taken = builds.get(timeout=TIMEOUT)
        assert taken == snapshot([folder])
        assert [os.path.basename(entry[0]) for entry in taken] == ["a.md"]


@contextlib.contextmanager
def _watching(folder: Path, build: Callable[[frozenset], list]) -> Iterator[None]:
    """serve.watch on folder in a thread, from the snapshot of now, until the block ends."""
    import io

    from epistola import serve

    stop = threading.Event()
    watcher = threading.Thread(target=serve.watch, daemon=True, args=(
        [folder], build, serve.ServeState(), False, serve.Progress(io.StringIO()), stop,
        snapshot([folder])))
    watcher.start()
    try:
        time.sleep(0.5)  # the watcher has started (it cannot say when)
        yield
    finally:
        stop.set()
        watcher.join(timeout=TIMEOUT)
    assert not watcher.is_alive()


def test_a_rebuild_prints_only_the_diagnostics_it_changed():
    """Off a terminal there are no progress lines; the first build prints every diagnostic,
    the next ones only those not printed before, and how many others still stand."""
    import io

    from epistola.serve import Progress

    out = io.StringIO()
    progress = Progress(out)
    old = [error("ed/letters/a.md", 3, "one", "x"), error("ed/letters/b.md", 4, "two", "x")]
    new = error("ed/letters/c.md", 5, "three", "x")
    progress.done(progress.start("building"), old, True)
    progress.done(progress.start("rebuilding"), [*old, new], True)
    progress.done(progress.start("rebuilding"), [old[0]], True)
    assert out.getvalue().splitlines() == [
        str(old[0]), str(old[1]),
        str(new), "(2 more as reported before)",
        "(1 more as reported before)",
    ]


def test_the_cycle_collector_runs_once_after_a_build_when_the_editor_pauses(tmp_path, monkeypatch):
    import io

    from epistola import serve

    monkeypatch.setattr(serve, "WAKE_MS", 100)
    monkeypatch.setattr(serve, "COLLECT_AFTER_MS", 300)
    collected: queue.Queue[int] = queue.Queue()
    monkeypatch.setattr(serve, "_collect_cycles", lambda: collected.put(1))
    folder = tmp_path / "editions"
    folder.mkdir()
    record = folder / "a.md"
    record.write_text("one", encoding="utf-8")
    builds: queue.Queue[int] = queue.Queue()
    stop = threading.Event()
    watcher = threading.Thread(target=serve.watch, daemon=True, args=(
        [folder], lambda taken: builds.put(1) or [], serve.ServeState(), False,
        serve.Progress(io.StringIO()), stop, snapshot([folder])))
    watcher.start()
    try:
        time.sleep(1.0)
        assert collected.empty()  # no build yet: nothing to collect
        record.write_text("two", encoding="utf-8")
        builds.get(timeout=TIMEOUT)
        collected.get(timeout=TIMEOUT)
        time.sleep(1.0)
        assert collected.empty()  # once a build, not at every pause
    finally:
        stop.set()
        watcher.join(timeout=TIMEOUT)
