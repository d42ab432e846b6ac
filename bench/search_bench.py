"""The search index at scale: time, peak memory and size, against the rest of the build.

    python -m bench.search_bench 1000            # sizes; default 1000
    python -m bench.search_bench 1000 10000 --only shipped,single-cli

For each size it generates the synthetic edition (bench/corpus.py), builds the site without the
index (the "rest of the build"), then indexes it several ways, each in a child process whose
whole process tree is sampled for memory every 10 ms:

- shipped: `epistola.search.index_site`, one Pagefind run per year plus one for the register,
  one after another (what every build does);
- single-cli: one Pagefind CLI run over all letter and register pages (one index);
- single-api: the same through the `pagefind` Python API (`PagefindIndex.add_directory`);
- one-letter edit: one letter's page changed, `index_site` given the previous site, so only that
  letter's year is indexed again.

It prints the figures and the ratio of each to the rest of the build. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import run_measured

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(ROOT)}
GLOB = "{letters,persons}/*/index.html"


# --- measuring a child process -------------------------------------------------------------------

def measure(code: str) -> tuple[float, int, str]:
    """Run Python code in a child process: (seconds, peak tree RSS in bytes, its output)."""
    run = run_measured([sys.executable, "-c", code], ROOT, ENV)
    return run.seconds, run.peak_rss, run.output


def size_of(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


# --- the steps, as child programs ----------------------------------------------------------------

def rest_of_build(editions: Path, site: Path) -> str:
    from epistola import pipeline
    extra = ", incremental=False" if "incremental" in inspect.signature(pipeline.run_build).parameters else ""
    return f"""
from pathlib import Path
import epistola.pipeline as p
p.index_site = lambda *a, **k: []  # the rest of the build: everything but the index
d = p.run_build(Path({str(editions)!r}), Path({str(site)!r}){extra})
errors = [str(x) for x in d if x.level == 'error']
assert not errors, errors[:5]
"""


def shipped(site: Path, previous: Path | None = None) -> str:
    return f"""
from pathlib import Path
from epistola.search import index_site
d = index_site(Path({str(site)!r}), {f"Path({str(previous)!r})" if previous else "None"})
assert not [x for x in d if x.level == 'error'], d
"""


def single_cli(site: Path, out: Path) -> str:
    return f"""
import subprocess
from pagefind_bin import get_executable
subprocess.run([str(get_executable()), '--site', {str(site)!r}, '--glob', {GLOB!r},
                '--output-path', {str(out)!r}, '--force-language', 'en', '--silent'], check=True)
"""


def single_api(site: Path, out: Path) -> str:
    return f"""
import asyncio
from pagefind.index import PagefindIndex
async def main():
    async with PagefindIndex(config={{'force_language': 'en', 'output_path': {str(out)!r}}}) as index:
        await index.add_directory({str(site)!r}, glob={GLOB!r})
asyncio.run(main())
"""


# --- one size ------------------------------------------------------------------------------------

def run(n: int, work: Path, only: set[str]) -> None:
    from bench.corpus import generate

    editions, site = work / "editions", work / "site"
    t = time.perf_counter()
    generate(n, editions)
    print(f"\n== {n:,} letters (corpus written in {time.perf_counter() - t:.1f} s, "
          f"{size_of(editions)[0] / 2**20:.1f} MiB of records)")

    rest_s, rest_mem, _ = measure(rest_of_build(editions, site))
    pages = len(list((site / "letters").glob("*/index.html"))) + len(list((site / "persons").glob("*/index.html")))
    print(f"rest of the build          {rest_s:7.1f} s  {rest_mem / 2**20:7.0f} MiB peak   "
          f"({pages:,} letter and register pages, {size_of(site)[0] / 2**20:.0f} MiB of site)")
    print(f"{'':27}{'time':>9}  {'peak':>12}  {'index size':>18}  {'time ratio':>10}")

    def report(label: str, seconds: float, peak: int, folder: Path) -> None:
        size, count = size_of(folder)
        print(f"{label:27}{seconds:7.1f} s  {peak / 2**20:7.0f} MiB  {size / 2**20:8.1f} MiB "
              f"{count:6,} files  {seconds / rest_s:9.2f}x")

    if "shipped" in only or "edit" in only:
        s, m, _ = measure(shipped(site))
        report("shipped: per year (CLI)", s, m, site / "pagefind")
        bundles = json.loads((site / "pagefind" / "bundles.json").read_text())["bundles"]
        years = [b for b in bundles if b["kind"] == "letters"]
        print(f"{'':27}{len(years)} year bundles, the largest {max(b['pages'] for b in years):,} letters")
    if "edit" in only:
        staging = work / ".site.new"
        shutil.copytree(site, staging, ignore=shutil.ignore_patterns("pagefind"))
        letter = sorted((staging / "letters").glob("*/index.html"))[n // 2]
        letter.write_text(letter.read_text(encoding="utf-8").replace(
            "</article>", "<p>An editor's correction.</p></article>", 1), encoding="utf-8")
        s, m, _ = measure(shipped(staging, site))
        report("one-letter edit (shipped)", s, m, staging / "pagefind")
        shutil.rmtree(staging)
    if "single-cli" in only:
        out = work / "single-cli"
        s, m, _ = measure(single_cli(site, out))
        report("one index, CLI", s, m, out)
    if "single-api" in only:
        out = work / "single-api"
        s, m, _ = measure(single_api(site, out))
        report("one index, Python API", s, m, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--only", default="shipped,edit,single-cli,single-api",
                        help="comma-separated: shipped, edit, single-cli, single-api")
    parser.add_argument("--work", type=Path, default=None, help="keep the work folder here")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    for n in args.sizes:
        if args.work:
            work = args.work / str(n)
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            run(n, work, only)
        else:
            with tempfile.TemporaryDirectory(prefix=f"search-bench-{n}-") as tmp:
                run(n, Path(tmp), only)


if __name__ == "__main__":
    main()
