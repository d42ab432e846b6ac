"""The command line: parse arguments, run a command, print diagnostics and a summary, return an
exit status.

Exit status: 0 success, 1 the edition has errors, 2 the command was used wrongly. Library code
raises EpistolaError; only this module turns it into one clean line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from .diagnostics import ERROR, NOTE, WARNING, Diagnostic, EpistolaError, has_errors

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
#: Warnings of unchanged records are counted, not printed, beyond this many lines.
SHOWN_LINES = 100


def parser(prog: str = "build.py") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Build a digital edition of letters.")
    sub = p.add_subparsers(dest="command")

    ingest = sub.add_parser("ingest", help="parse raw transcriptions into letter records")
    ingest.add_argument("sources", nargs="+", type=Path, metavar="SOURCE")
    ingest.add_argument("--editions", type=Path, default=Path("editions"))
    ingest.add_argument("--force", action="store_true",
                        help="overwrite records edited by hand, after keeping a backup")
    ingest.add_argument("--strict", action="store_true", help="treat warnings as errors")

    for name, help_text in (("build", "validate, render and index the site"),
                            ("check", "validate the edition without writing anything")):
        cmd = sub.add_parser(name, help=help_text)
        _build_options(cmd)

    serve = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on every save")
    _build_options(serve)
    serve.add_argument("--port", type=int, default=8000)
    return p


def _build_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--editions", type=Path, default=Path("editions"))
    cmd.add_argument("--out", type=Path, default=Path("site"))
    cmd.add_argument("--templates", type=Path, default=None, help=argparse.SUPPRESS)
    cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
    cmd.add_argument("--verbose", action="store_true",
                     help="print every warning, not only those of the records that changed")
    cmd.add_argument("--timings", action="store_true", help=argparse.SUPPRESS)


def report(diagnostics: Iterable[Diagnostic], stream=None, fresh: Iterable[str] | None = None,
           verbose: bool = True) -> int:
    """Print diagnostics, errors first, then warnings. Without `verbose`, the warnings of files
    not in `fresh` (the records a rebuild did not read again) are counted, not printed, and so
    are warnings past SHOWN_LINES lines. Returns how many warnings were left unprinted."""
    stream = stream or sys.stderr  # looked up at call time, so redirected stderr is honoured
    ordered = sorted(diagnostics, key=cause_first)
    fresh_paths = None if fresh is None else set(fresh)
    held: Counter[str] = Counter()
    shown = 0
    for d in ordered:
        quiet = d.level == WARNING and not verbose and (
            (fresh_paths is not None and d.path not in fresh_paths) or shown >= SHOWN_LINES)
        if quiet:
            held[d.code] += 1
            continue
        print(d, file=stream)
        shown += 1
    if held:
        codes = ", ".join(f"{code} {count:,}" for code, count in sorted(held.items()))
        print(f"({sum(held.values()):,} more warnings not shown: {codes}; --verbose shows "
              "them)", file=stream)
    return sum(held.values())


#: Errors that say a file could not be read at all: what follows from them comes after.
CAUSES = frozenset(("io", "encoding", "yaml", "record-no-front-matter", "record-front-matter",
                    "edition-missing", "edition-format", "persons-format", "places-format",
                    "organisations-format", "templates-missing", "no-editions"))


def cause_first(d: Diagnostic) -> tuple:
    """The order diagnostics are printed in: files that could not be read, then the other
    errors, then notes, then warnings; by file and line within each."""
    rank = {ERROR: 1, NOTE: 2, WARNING: 3}.get(d.level, 4)
    if d.level == ERROR and d.code in CAUSES:
        rank = 0
    return (rank, d)


def summary_line(command: str, letters: int, entries: dict[str, int],
                 diagnostics: Sequence[Diagnostic], seconds: float, extra: str = "") -> str:
    """`build: 4 letters, 29 persons: 0 errors, 3 warnings (0.29 s)`."""
    errors = sum(d.level == ERROR for d in diagnostics)
    warnings = sum(d.level == WARNING for d in diagnostics)
    parts = [f"{letters:,} letter{'' if letters == 1 else 's'}"]
    parts += [f"{count:,} {register if count != 1 else _singular(register)}"
              for register, count in entries.items()]
    return (f"{command}: {', '.join(parts)}{extra}: {errors:,} error{'' if errors == 1 else 's'}, "
            f"{warnings:,} warning{'' if warnings == 1 else 's'} ({seconds:.2f} s)")


def _singular(register: str) -> str:
    return {"persons": "person", "places": "place", "organisations": "organisation"}.get(
        register, register)


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    if prog is None:  # `epistola ...` (the console script) or `python build.py ...`
        prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "epistola"
    try:
        args = parser(prog).parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage line
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    started = time.perf_counter()
    try:
        if args.command == "ingest":
            from .ingest.command import run_ingest
            lines: list[str] = []
            diags = run_ingest(args.sources, args.editions, force=args.force,
                               report=lines.append)
            report(diags)
            for line in lines:  # (the summary comes last, after the diagnostics)
                print(line, file=sys.stderr)
            return EXIT_ERRORS if has_errors(diags, strict=args.strict) else EXIT_OK
        if args.command in ("build", "check"):
            return _build(args, started)
        if args.command == "serve":
            from .serve import run_serve
            return run_serve(args.editions, args.out, port=args.port, strict=args.strict,
                             templates=args.templates)
        return EXIT_USAGE  # pragma: no cover - argparse guarantees a command
    except EpistolaError as exc:
        print(exc, file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        return 130


class ProgressBar:
    """A build's progress on a terminal (tqdm): the letters read, then the files made, with the
    time left. Silent when stderr is not a terminal, and in CI."""

    #: A build with fewer steps than this in a stage shows no bar (it is over at once).
    SMALL = 200

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)()) \
            and not os.environ.get("CI")
        self.bar = None
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.live or total < self.SMALL:
            return
        if stage != self.stage:
            self.close()
            from tqdm import tqdm
            self.stage = stage
            self.bar = tqdm(total=total, desc=stage, unit="", file=self.stream, leave=False,
                            dynamic_ncols=True, mininterval=0.2)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _build(args: argparse.Namespace, started: float) -> int:
    from .engine.recipe import build, check

    if args.command == "build":
        bar = ProgressBar()
        try:
            outcome = build(args.editions, args.out, templates=args.templates,
                            strict=args.strict, progress=bar)
        finally:
            bar.close()
    else:
        outcome = check(args.editions, args.out, templates=args.templates, strict=args.strict)
    diags = outcome.diagnostics
    report(diags, fresh=None if outcome.first else outcome.fresh_paths, verbose=args.verbose)
    took = time.perf_counter() - started
    extra = ""
    if args.command == "build" and outcome.written:
        made = len(outcome.made) + len(outcome.removed)
        extra = f", {made:,} file{'' if made == 1 else 's'} made" if not outcome.unchanged \
            else ", nothing changed"
    print(summary_line(args.command, outcome.letters, outcome.entries, diags, took, extra),
          file=sys.stderr)
    if getattr(args, "timings", False):  # (benchmarks: when each stage of the build ended)
        print("timings: " + ", ".join(f"{stage} {at:.3f}" for stage, at in outcome.stages.items()),
              file=sys.stderr)
        busiest = sorted(outcome.seconds_by_kind.items(), key=lambda item: -item[1])
        print("made by kind: " + ", ".join(f"{kind} {took:.3f}" for kind, took in busiest),
              file=sys.stderr)
    return EXIT_ERRORS if has_errors(diags, strict=args.strict) else EXIT_OK
