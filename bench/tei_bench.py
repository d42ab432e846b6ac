"""A real TEI edition (schnitzler-briefe, 4,420 letters) built by Epistola and by the edition's own
XSLT pipeline, side by side in one run.

    python -m bench.tei_bench                       # the whole corpus
    python -m bench.tei_bench --letters 1000        # the first 1,000 letters only

It unpacks ../shared/corpora/schnitzler-briefe-data.tar.xz and schnitzler-briefe-xslt.tar.xz into
bench/out/tei/ (once), gives the data an edition.yaml (the only file a TEI project adds), and
measures, each command in its own child process:

- the XSLT: every letter page through one JVM, as the edition's Ant build runs it (Debian's
  default-jre-headless and libsaxonhe-java), and one letter alone;
- Epistola: a cold `build` (every page and export, with and without its search index), `build`
  again with nothing changed, one letter changed from the command line (twice), and the peak
  memory (summed PSS of the process tree) of both cold builds, sampled in runs of their own.

It prints the figures and the ratios; nothing here asserts. The figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from bench.measure import Run, run_measured

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
OUT = ROOT / "bench" / "out" / "tei"
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONPATH": str(ROOT)}
SAXON = Path("/usr/share/java/Saxon-HE.jar")

EDITION_YAML = """\
title: "Arthur Schnitzler: Briefwechsel mit Autorinnen und Autoren"
compilers: [Martin Anton Müller, Gerd-Hermann Susen, Laura Untner, Selma Jahnke]
year: 2026
publisher: Austrian Centre for Digital Humanities and Cultural Heritage (ACDH-CH)
language: de
licence: CC BY 4.0
licence_url: https://creativecommons.org/licenses/by/4.0/
base_url: https://schnitzler-briefe.example.org/
published: '2026-12-07'
letters: data/editions/*.xml
registers: [data/indices/listplace.xml, data/indices/listorg.xml, data/indices/listbibl.xml]
"""


def unpack() -> tuple[Path, Path]:
    """The data and the XSLT, unpacked once into bench/out/tei/."""
    OUT.mkdir(parents=True, exist_ok=True)
    data, xslt = OUT / "schnitzler-briefe-data", OUT / "schnitzler-briefe-xslt"
    for name, folder in (("schnitzler-briefe-data.tar.xz", data),
                         ("schnitzler-briefe-xslt.tar.xz", xslt)):
        if not folder.is_dir():
            with tarfile.open(CORPORA / name) as archive:
                archive.extractall(OUT, filter="data")
    (data / "edition.yaml").write_text(EDITION_YAML, encoding="utf-8")
    return data, xslt


def subset(data: Path, letters: int | None) -> Path:
    """An edition of the first `letters` letters (the whole edition when None)."""
    if letters is None:
        return data
    folder = OUT / f"first-{letters}"
    if not folder.is_dir():
        (folder / "data" / "editions").mkdir(parents=True)
        for path in sorted((data / "data" / "editions").glob("*.xml"))[:letters]:
            shutil.copy2(path, folder / "data" / "editions" / path.name)
        shutil.copytree(data / "data" / "indices", folder / "data" / "indices")
        (folder / "edition.yaml").write_text(EDITION_YAML, encoding="utf-8")
    return folder


def xslt(xslt_folder: Path, data: Path, edition: Path, out: Path, memory: bool = False,
         letters: Path | None = None) -> Run:
    if out.exists():
        shutil.rmtree(out)
    cmd = [str(xslt_folder / "run-xslt.sh"), str(data), str(out)]
    cmd.append(str(letters or edition / "data" / "editions"))
    return run_measured(cmd, ROOT, ENV, True, memory)


def epistola(edition: Path, out: Path, cold: bool, memory: bool = False) -> Run:
    if cold:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(out.parent / ".epistola-store", ignore_errors=True)
    return run_measured([sys.executable, str(ROOT / "build.py"), "build", "--editions",
                         str(edition), "--out", str(out), "--timings"], ROOT, ENV, True, memory)


def stages(run: Run) -> dict[str, float]:
    m = re.search(r"^timings: (.*)$", run.output or "", re.M)
    if not m:
        return {}
    return {name: float(at) for name, _, at in (part.rpartition(" ") for part in
                                                 m.group(1).split(", "))}


def edit_one_letter(edition: Path, round_: int) -> None:
    letters = sorted((edition / "data" / "editions").glob("*.xml"))
    path = letters[len(letters) // 2]
    text = path.read_text(encoding="utf-8")
    text = re.sub(r" \(bench \d+\)", "", text)
    at = text.index("</p>", text.index("<body"))
    path.write_text(text[:at] + f" (bench {round_})" + text[at:], encoding="utf-8")


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--letters", type=int, help="only the first N letters")
    args = p.parse_args(argv)
    if not SAXON.is_file():
        raise SystemExit("Saxon-HE is not installed: apt-get install default-jre-headless "
                         "libsaxonhe-java")
    data, xslt_folder = unpack()
    edition = subset(data, args.letters)
    n = len(list((edition / "data" / "editions").glob("*.xml")))
    site = OUT / f"site-{n}"
    one = OUT / "one-letter"
    shutil.rmtree(one, ignore_errors=True)
    one.mkdir()
    first = sorted((edition / "data" / "editions").glob("*.xml"))[0]
    shutil.copy2(first, one / first.name)

    r = {}
    r["xslt"] = xslt(xslt_folder, data, edition, OUT / "xslt-out")
    r["xslt_one"] = xslt(xslt_folder, data, edition, OUT / "xslt-one", letters=one)
    r["cold"] = epistola(edition, site, cold=True)
    r["nochange"] = epistola(edition, site, cold=False)
    edit_one_letter(edition, 1)
    r["one"] = epistola(edition, site, cold=False)
    edit_one_letter(edition, 2)
    r["one_again"] = epistola(edition, site, cold=False)
    edit_one_letter(edition, 0)
    r["xslt_memory"] = xslt(xslt_folder, data, edition, OUT / "xslt-out", memory=True)
    r["cold_memory"] = epistola(edition, site, cold=True, memory=True)

    x, c = r["xslt"], r["cold"]
    s = stages(c)
    without_index = s.get("made", c.seconds)
    files = sum(1 for p in site.rglob("*") if p.is_file() and "pagefind" not in p.parts)
    print(f"## {n:,} TEI letters (Epistola: {files:,} files besides the search index; "
          f"the XSLT: {n:,} letter pages)\n")
    print("| command | Epistola | the edition's XSLT | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| cold build, every page and export, no search index | {without_index:.2f} s | "
          f"{x.seconds:.2f} s (letter pages only) | {without_index / x.seconds:.2f} |")
    print(f"| cold `build` as a user runs it (search index included) | {c.seconds:.2f} s | | "
          f"{c.seconds / x.seconds:.2f} |")
    print(f"| `build` again, nothing changed | {r['nochange'].seconds:.2f} s | | |")
    for key, label in (("one", "one letter changed, `build`"),
                       ("one_again", "one letter changed, `build` (again)")):
        run = r[key]
        live = stages(run).get("live")
        extra = f" (pages and exports live at {live:.2f} s)" if live is not None else ""
        print(f"| {label} | {run.seconds:.2f} s{extra} | {r['xslt_one'].seconds:.2f} s "
              f"(one letter) | {run.seconds / r['xslt_one'].seconds:.2f} |")
    print(f"| peak memory (process tree PSS) | {mib(r['cold_memory'].peak_pss)} | "
          f"{mib(r['xslt_memory'].peak_pss)} | "
          f"{r['cold_memory'].peak_pss / max(r['xslt_memory'].peak_pss, 1):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
