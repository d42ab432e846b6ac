"""Diagnostics: one line each, `path:line: level: message [code]`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .frozen import by_fields

ERROR = "error"
WARNING = "warning"
#: Said once, never a failure, even with --strict (a build store set aside, say).
NOTE = "note"

#: Characters that would break a diagnostic over several lines (str.splitlines splits on each).
_LINE_BREAKS = {c: repr(chr(c))[1:-1] for c in (0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85,
                                                0x2028, 0x2029)}


@by_fields
@dataclass(frozen=True, order=True, slots=True)
class Diagnostic:
    path: str
    line: int
    level: str
    message: str
    code: str

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.level}: {self.message} [{self.code}]"
        return text.translate(_LINE_BREAKS)  # values quoted from a record stay on one line


def error(path: str, line: int, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, ERROR, message, code)


def warning(path: str, line: int, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, WARNING, message, code)


def note(path: str, line: int, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, NOTE, message, code)


def in_order(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once, in the order of its fields (as `sorted`, with a key: the
    dataclass's own comparison builds two tuples a comparison, thousands of times a build)."""
    return sorted(set(diagnostics), key=_fields)


def _fields(d: Diagnostic) -> tuple[str, int, str, str, str]:
    return d.path, d.line, d.level, d.message, d.code


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    return any(d.level == ERROR or (strict and d.level == WARNING) for d in diagnostics)


class EpistolaError(Exception):
    """A problem the command line reports as one clean line."""

    def __init__(self, diagnostic: Diagnostic | str):
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic
