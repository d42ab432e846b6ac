"""The one place that creates the Jinja environment: autoescape on, undefined names fail loudly;
and the one place that says how a templates folder's scripts and style sheets are shipped.

Templates are given as text (name -> source), read from disk by the command that builds, so
rendering stays a pure function of the corpus and the templates.
"""

from __future__ import annotations

import traceback
from functools import lru_cache
from typing import Mapping

import rcssmin
import rjsmin
from jinja2 import Environment, FunctionLoader, StrictUndefined, TemplateError

from .diagnostics import Diagnostic, error


def shipped(name: str, data: bytes) -> bytes:
    """An asset as the site serves it: a script or style sheet without its comments and spare
    white space (the templates folder keeps them: it is what editors read and change), anything
    else, and an asset already minified (*.min.js), as it is. The search page's scripts are
    what a reader downloads before a first result, so every kilobyte counts."""
    if name.endswith((".min.js", ".min.css")):
        return data
    if name.endswith((".js", ".mjs")):
        return rjsmin.jsmin(data)
    if name.endswith(".css"):
        return rcssmin.cssmin(data)
    return data


def environment(templates: Mapping[str, str]) -> Environment:
    """An environment over these template sources; the same sources give the same environment,
    so that a rebuild (serve) reuses the compiled templates."""
    return _environment(tuple(sorted(templates.items())))


@lru_cache(maxsize=4)
def _environment(templates: tuple[tuple[str, str], ...]) -> Environment:
    sources = dict(templates)

    def load(name: str) -> tuple[str, str, object] | None:
        # the name doubles as file name, so an error at render time can say which template failed
        return (sources[name], name, lambda: True) if name in sources else None

    env = Environment(
        loader=FunctionLoader(load),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def template_diagnostic(exc: TemplateError, name: str, folder: str = "templates") -> Diagnostic:
    """A template error as one line that points at the template file and line."""
    line = getattr(exc, "lineno", None)
    where = getattr(exc, "filename", None) or getattr(exc, "name", None)
    if line is None:  # raised while rendering: the innermost template frame says where
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_template_frame(f)]
        if frames:
            where, line = frames[-1].filename, frames[-1].lineno
    line, where = line or 1, where or name
    return error(f"{folder}/{where}", line, f"template error: {exc.message or exc}", "template")


def _is_template_frame(frame: traceback.FrameSummary) -> bool:
    """Jinja rewrites the frames of template code to point at the template and its line."""
    return frame.name in ("template", "top-level template code") or frame.name.startswith("block '")
