"""The command line: parse arguments, run a command, print diagnostics, return an exit status.

Exit status: 0 success, 1 the edition has errors, 2 the command was used wrongly. Library code
raises EpistolaError; only this module turns it into one clean line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .diagnostics import Diagnostic, EpistolaError, has_errors

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="build.py", description="Build a digital edition of letters.")
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


def report(diagnostics: Sequence[Diagnostic], stream=None) -> None:
    stream = stream or sys.stderr  # looked up at call time, so redirected stderr is honoured
    for d in diagnostics:
        print(d, file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage line
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        if args.command == "ingest":
            from .ingest.command import run_ingest
            diags = run_ingest(args.sources, args.editions, force=args.force)
        elif args.command in ("build", "check"):
            from .pipeline import run_build
            from .progress import ProgressBar
            diags = run_build(args.editions, args.out, write=args.command == "build",
                              strict=args.strict, templates=args.templates, progress=ProgressBar())
        elif args.command == "serve":
            from .serve import run_serve
            return run_serve(args.editions, args.out, port=args.port, strict=args.strict,
                             templates=args.templates)
        else:  # pragma: no cover - argparse guarantees a command
            return EXIT_USAGE
    except EpistolaError as exc:
        print(exc, file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        return 130
    report(diags)
    return EXIT_ERRORS if has_errors(diags, strict=args.strict) else EXIT_OK
