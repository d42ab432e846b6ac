"""Data files shipped with Epistola (see SOURCES.md beside this file for where each came from)."""

from __future__ import annotations

from importlib import resources

#: Natural Earth 1:50m country outlines (TopoJSON), from the npm package world-atlas 2.0.2.
BASEMAP = "countries-50m.json"
#: ISO 639-2 language codes, each with its ISO 639-1 code where it has one (Debian iso-codes).
LANGUAGE_CODES = "iso-639-2.json"


def read_text(name: str) -> str:
    """A data file's text, read from the installed package (works from a wheel or a checkout)."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def basemap_text() -> str:
    """The TopoJSON text of the basemap, for `epistola.pictures.basemap_from_topojson`."""
    return read_text(BASEMAP)
