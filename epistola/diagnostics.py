"""Diagnostics: one line each, `path:line: level: message [code]`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    level: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message} [{self.code}]"


def error(path: str, line: int, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, ERROR, message, code)


def warning(path: str, line: int, message: str, code: str) -> Diagnostic:
    return Diagnostic(path, line, WARNING, message, code)


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    return any(d.level == ERROR or (strict and d.level == WARNING) for d in diagnostics)


class EpistolaError(Exception):
    """A problem the command line reports as one clean line."""

    def __init__(self, diagnostic: Diagnostic | str):
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic
