"""The search at scale, as a reader and as an editor meet it.

    python -m bench.search_bench 1000 10000 100000          # sizes; default 10000
    python -m bench.search_bench 10000 --only browser --rounds 3

For each size it generates the synthetic edition (bench/corpus.py) into bench/out/search-<n>/
and builds it once (kept between runs; --fresh makes them again), then:

- **index** (cold): the search index made again from the built site's search documents, in a
  child process: its time, and, in a second run, the peak memory of its process tree (summed
  PSS; sampling slows what it samples, so time and memory are taken in separate runs, as in
  build_bench); beside it, the rest of a cold build (every page and export, no index) measured
  the same way. Runs alternate (index, rest, index, rest) on this shared machine.
- **browser**: the site served over HTTP on 127.0.0.1 as a static host serves it (text
  gzipped, every file but manifest.json cacheable), the search page opened in Chromium
  (Playwright, Debian's chromium) and a search typed and sent with Enter, then the later
  searches on the same page. For each step: the bytes the server sent (headers and bodies, the
  library included), the requests, the time from pressing Enter to the first results on the
  page and to the counts, and what the page said. Each round opens a fresh browser context
  (empty cache).
- **edit**: one word added to one letter's record; `build` from the command line, whose stages
  (--timings) give the index work after the pages went live; then `serve`: from the save to
  the new manifest naming the letter in its recent bundle, and to the search page finding the
  new word. Each is checked in the browser.

It prints the figures; nothing here asserts. The figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.measure import run_measured

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(ROOT)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: What a reader does, in order, on one page: search a place (a few hundred letters at 10,000),
#: a word in most letters, a word in none, a person's name; tick a year, order by relevance; ask
#: for every count of a search to be exact.
STEPS = [("search", "Tiflis"), ("search", "Workers"), ("search", "Reichswehr"), ("search", "Zifyev"),
         ("tick", "year"), ("sort", "relevance"), ("search", "Tiflis"), ("count", "")]


# --- a static host -------------------------------------------------------------------------------

class Host(http.server.SimpleHTTPRequestHandler):
    """Serves a folder as a static host would: text compressed with gzip when the browser
    accepts it, every file cacheable but the manifest. Counts what it sends."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".html": "text/html; charset=utf-8", ".js": "text/javascript",
                      ".css": "text/css", ".json": "application/json",
                      ".pf_json": "application/octet-stream"}
    sent: list = []
    sent_log: dict = {}
    step = ["open"]
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def end_headers(self):
        if self.path.split("?")[0].endswith("manifest.json"):
            self.send_header("Cache-Control", "no-cache")
        else:
            self.send_header("Cache-Control", "max-age=3600")
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        ctype = self.guess_type(path)
        if ctype.startswith(("text/", "application/json")) and os.path.isfile(path) \
                and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(Path(path).read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return io.BytesIO(data)
        return super().send_head()

    def setup(self):
        super().setup()
        counted = _Counted(self.wfile)
        self.wfile = counted
        self._counted = counted

    def finish(self):
        super().finish()
        with Host.lock:
            Host.sent.append((Host.step[0], self.path, self._counted.n))


class _Counted(io.RawIOBase):
    def __init__(self, inner):
        self.inner, self.n = inner, 0

    def write(self, data):
        self.n += len(data)
        return self.inner.write(data)

    def flush(self):
        return self.inner.flush()

    def writable(self):
        return True


def serve(folder: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Host, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


# --- the browser ---------------------------------------------------------------------------------

#: Times, in the page, from the reader's action (Enter, a filter ticked, the order changed, a
#: button pressed) to the first results and to the counts.
TIMER = """
window.__enter = null; window.__times = [];
const acted = () => { window.__enter = performance.now(); window.__times = []; };
document.addEventListener('keydown', e => { if (e.key === 'Enter') acted(); }, true);
document.addEventListener('change', acted, true);
document.addEventListener('click', e => { if (e.target.closest && e.target.closest('.search-count-all')) acted(); }, true);
new MutationObserver(list => {
  for (const m of list) {
    if (window.__enter === null) continue;
    window.__times.push([m.attributeName, performance.now() - window.__enter]);
  }
}).observe(document, {subtree: true, attributes: true,
                      attributeFilter: ['data-shown', 'data-counted']});
"""


def browse(url: str, steps, rounds: int) -> list[list[dict]]:
    """Each round: a fresh context (empty cache), the search page opened, then each step in turn
    on the same page."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=CHROMIUM_ARGS)
        for _ in range(rounds):
            context = browser.new_context()
            page = context.new_page()
            page.add_init_script(TIMER)
            done = []
            Host.sent.clear()
            Host.sent_log.clear()
            Host.step[0] = "open"
            page.goto(url + "search/")
            page.wait_for_selector("#search[data-counted]", timeout=600_000)
            page.wait_for_load_state("networkidle")
            for n, (action, arg) in enumerate(steps):
                label = {"search": arg, "tick": f"+ a {arg} ticked", "sort": f"+ by {arg}",
                         "count": "+ count them all"}[action]
                Host.step[0] = label
                mark = len(Host.sent)
                before = page.get_attribute("#search", "data-counted")
                if action == "search":
                    page.fill("#search-input", arg)
                    page.evaluate("window.__enter = null")
                    page.press("#search-input", "Enter")
                elif action == "tick":
                    page.check(f'#search-facets input[name="{arg}"]:not(:checked)')
                elif action == "sort":
                    page.select_option("#search-sort", arg)
                elif action == "count":
                    if not page.is_visible(".search-count-all"):
                        continue
                    page.click(".search-count-all")
                page.wait_for_function("old => document.querySelector('#search').dataset.counted !== old",
                                       arg=before, timeout=600_000)
                page.wait_for_load_state("networkidle")
                times = page.evaluate("window.__times")
                first = next((t for name, t in times if name == "data-shown"), None)
                counted = next((t for name, t in reversed(times) if name == "data-counted"), None)
                sent = Host.sent[mark:]
                opened = Host.sent[:mark] if n == 0 else []
                Host.sent_log.setdefault(label, list(sent))
                done.append({"step": label, "requests": len(sent) + len(opened),
                             "bytes": sum(s[2] for s in sent) + sum(s[2] for s in opened),
                             "first": first, "counted": counted,
                             "status": page.inner_text("#search-status")})
            context.close()
            results.append(done)
        browser.close()
    return results


def report_browser(n: int, rounds: list[list[dict]]) -> None:
    print(f"\nbrowser, {n:,} letters ({len(rounds)} rounds, each in a fresh browser; the first "
          "search includes opening the page; bytes of the first round)")
    print(f"{'search':28} {'requests':>9} {'KB sent':>9} {'first results (ms)':>22} {'counted (ms)':>16}")
    for i, step in enumerate(rounds[0]):
        steps = [r[i] for r in rounds]
        kb = [steps[0]["bytes"] / 1024]
        first = [s["first"] for s in steps if s["first"] is not None]
        counted = [s["counted"] for s in steps if s["counted"] is not None]
        print(f"{step['step'][:28]:28} {steps[0]['requests']:>9} {min(kb):>9.1f} "
              f"{', '.join(f'{t:.0f}' for t in first):>22} {', '.join(f'{t:.0f}' for t in counted):>16}")
        print(f"{'':28}   {steps[0]['status'][:110]}")
        if os.environ.get("SEARCH_BENCH_FILES"):
            groups: dict[str, list[int]] = {}
            for _, path, size in sorted(Host.sent_log.get(step["step"], []), key=lambda s: s[1]):
                kind = re.sub(r"/[0-9a-f]{16}/", "/*/", path.split("?")[0])
                kind = re.sub(r"/\d+\.pf_fragment$", "/N.pf_fragment", kind)
                kind = re.sub(r"/[^/]+\.pf_index$", "/N.pf_index", kind)
                groups.setdefault(kind, []).append(size)
            for kind, sizes in sorted(groups.items(), key=lambda g: -sum(g[1])):
                print(f"{'':32}{len(sizes):4} x {kind[:70]:70} {sum(sizes) / 1024:8.1f} KB")


# --- the index and the rest of the build ---------------------------------------------------------

def prepare(n: int, fresh: bool) -> Path:
    """bench/out/search-<n>/ with the edition and its site, built (search index included)."""
    from bench.corpus import generate

    base = OUT / f"search-{n}"
    editions = base / "editions"
    if fresh and base.exists():
        shutil.rmtree(base)
    if not (editions / "edition.yaml").exists():
        started = time.perf_counter()
        generate(n, editions)
        print(f"{n:,} letters generated in {time.perf_counter() - started:.0f} s")
    if not (base / "site" / "pagefind" / "manifest.json").exists():
        run = run_measured([sys.executable, "build.py", "build", "--editions", str(editions),
                            "--out", str(base / "site"), "--timings"], ROOT, ENV, False, False)
        print(f"{n:,} letters built in {run.seconds:.0f} s")
    return base


INDEX_CHILD = """
import hashlib, shutil, sys, time
from pathlib import Path
from epistola.engine.index import update_index
site = Path(sys.argv[1])
documents = site / "pagefind" / "documents"
pages = {path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
         for path in sorted(documents.rglob("*.html"))}
for name in ("letters", "recent", "register", "directory", "facets", "manifest.json"):
    target = site / "pagefind" / name
    shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
started = time.perf_counter()
diags, state = update_index(site, site, pages, [], [], {}, fresh=True)
assert not [d for d in diags if d.level == "error"], diags
print("index", time.perf_counter() - started)
"""

REST_CHILD = """
import sys, time
from pathlib import Path
from epistola.engine import recipe
started = time.perf_counter()
out = recipe.build(Path(sys.argv[1]), Path(sys.argv[2]), search=False)
assert not [d for d in out.diagnostics if d.level == "error"]
print("rest", time.perf_counter() - started)
"""


def timed(cmd: list[str], sampled: bool):
    """A child run: (its result, processor seconds of it and its children)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = run_measured(cmd, ROOT, ENV, True, sampled)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return run, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure_index(base: Path, rounds: int) -> dict:
    """The cold index against the rest of a cold build, alternating: wall and processor times,
    then, in a run of each of their own, peak memory."""
    rest_out = base / "rest-site"
    times: dict[str, list[tuple[float, float]]] = {"index": [], "rest": []}
    memory: dict[str, tuple[int, int]] = {}
    for i in range(rounds + 1):
        sampled = i == rounds  # (the last round samples memory and is not timed)
        run, cpu = timed([sys.executable, "-c", INDEX_CHILD, str(base / "site")], sampled)
        if sampled:
            memory["index"] = (run.peak_pss, run.peak_rss)
        else:
            times["index"].append((run.seconds, cpu))
        shutil.rmtree(rest_out, ignore_errors=True)
        (base / ".epistola-store" / "rest-site.pickle").unlink(missing_ok=True)
        run, cpu = timed([sys.executable, "-c", REST_CHILD, str(base / "editions"), str(rest_out)],
                         sampled)
        if sampled:
            memory["rest"] = (run.peak_pss, run.peak_rss)
        else:
            times["rest"].append((run.seconds, cpu))
    shutil.rmtree(rest_out, ignore_errors=True)
    return {"times": times, "memory": memory}


def report_index(n: int, found: dict, base: Path) -> None:
    t, m = found["times"], found["memory"]
    size = sum(p.stat().st_size for p in (base / "site" / "pagefind").rglob("*")
               if p.is_file() and "documents" not in p.parts)
    docs = sum(p.stat().st_size for p in (base / "site" / "pagefind" / "documents").rglob("*")
               if p.is_file())
    manifest = json.loads((base / "site" / "pagefind" / "manifest.json").read_text())
    print(f"\nindex, {n:,} letters: {len(manifest['segments'])} segments, "
          f"{size / 2**20:.1f} MiB of index, {docs / 2**20:.1f} MiB of search documents")
    for label, key in (("cold index       ", "index"), ("rest of the build", "rest")):
        print(f"  {label} {', '.join(f'{w:.1f}' for w, _ in t[key])} s "
              f"({', '.join(f'{c:.1f}' for _, c in t[key])} s of processor time), "
              f"peak {m[key][0] / 2**20:,.0f} MiB PSS ({m[key][1] / 2**20:,.0f} MiB RSS)")


# --- one letter changed --------------------------------------------------------------------------

def edit_letter(editions: Path, n: int, word: str) -> str:
    """Add a word to a sentence of a letter in the middle of the edition; its id."""
    letter_id = str(n // 2)
    record = editions / "letters" / f"{letter_id}.md"
    text = record.read_text(encoding="utf-8")
    text = re.sub(r" zq[a-z]+", "", text)
    body_at = text.index("\n---\n") + 5
    at = text.index(". ", text.index("\n\n", body_at + 1) + 2)
    record.write_text(text[:at] + f" {word}" + text[at:], encoding="utf-8")
    return letter_id


_STAGES = re.compile(r"^timings: (.*)$", re.M)


def stages_of(output: str) -> dict[str, float]:
    m = _STAGES.search(output or "")
    found = {}
    if m:
        for part in m.group(1).split(", "):
            name, _, at = part.rpartition(" ")
            found[name] = float(at)
    return found


def findable(url: str, word: str) -> tuple[bool, str]:
    """Whether the search page finds the word (a fresh browser), and what it says."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url + "search/?q=" + word)
        page.wait_for_selector("#search[data-counted]", timeout=600_000)
        hits = page.eval_on_selector_all(".search-hits > li h3 a", "as => as.map(a => a.href)")
        said = page.inner_text("#search-status")
        browser.close()
    return bool(hits), said


def measure_edits(base: Path, n: int, rounds: int) -> dict:
    editions, site = base / "editions", base / "site"
    url, server = serve(site)
    found: dict = {"build": [], "serve": []}
    # (a build first, unmeasured: after a change to Epistola itself, it makes everything again)
    run_measured([sys.executable, "build.py", "build", "--editions", str(editions), "--out",
                  str(site)], ROOT, ENV, False, False)
    try:
        for i in range(rounds):
            word = "zq" + "".join(chr(ord("a") + int(c)) for c in f"{time.time_ns() % 10**6:06d}")
            edit_letter(editions, n, word)
            run = run_measured([sys.executable, "build.py", "build", "--editions", str(editions),
                                "--out", str(site), "--timings"], ROOT, ENV, False, False)
            s = stages_of(run.output)
            ok, said = findable(url, word)
            found["build"].append({"command": run.seconds, "live": s.get("live"),
                                   "index": (s["indexed"] - s["live"]) if "indexed" in s else None,
                                   "found": ok, "said": said})
        found["serve"] = serve_edits(base, n, rounds, url)
    finally:
        server.shutdown()
    return found


def serve_edits(base: Path, n: int, rounds: int, url: str) -> list[dict]:
    """`serve`: from each save to the manifest naming the new text, and whether it is found."""
    from bench.build_bench import idle

    editions, site = base / "editions", base / "site"
    proc = subprocess.Popen([sys.executable, "build.py", "serve", "--port", "0", "--editions",
                             str(editions), "--out", str(site)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    times = []
    try:
        proc.stdout.readline()
        idle(proc.pid)
        manifest = site / "pagefind" / "manifest.json"
        for i in range(rounds):
            word = "zq" + "".join(chr(ord("a") + int(c)) for c in f"{(time.time_ns() + i) % 10**6:06d}")
            before = manifest.read_bytes()
            started = time.perf_counter()
            edit_letter(editions, n, word)
            while True:
                try:
                    now = manifest.read_bytes()
                except OSError:
                    now = before
                if now != before:
                    break
                time.sleep(0.005)
            seconds = time.perf_counter() - started
            ok, said = findable(url, word)
            times.append({"seconds": seconds, "found": ok, "said": said})
            idle(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return times


def report_edits(n: int, found: dict) -> None:
    print(f"\none letter changed, {n:,} letters")
    for r in found["build"]:
        print(f"  build: command {r['command']:.2f} s, pages live at {r['live']:.2f} s, "
              f"index work {r['index']:.2f} s; new word found: {r['found']} ({r['said'][:60]})")
    for r in found["serve"]:
        print(f"  serve: save to new index {r['seconds']:.2f} s; new word found: {r['found']} "
              f"({r['said'][:60]})")


# --- main ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10000])
    parser.add_argument("--only", default="browser,index,edit",
                        help="comma-separated: browser, index, edit")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="generate and build again")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for n in args.sizes:
        base = prepare(n, args.fresh)
        if "browser" in only:
            url, server = serve(base / "site")
            try:
                report_browser(n, browse(url, STEPS, args.rounds))
            finally:
                server.shutdown()
        if "index" in only:
            report_index(n, measure_index(base, args.rounds), base)
        if "edit" in only:
            report_edits(n, measure_edits(base, n, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
