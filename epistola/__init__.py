"""Epistola: a static site generator for scholarly digital editions of correspondence."""

__version__ = "0.1.0"
