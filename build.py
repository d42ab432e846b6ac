#!/usr/bin/env python3
"""Epistola's command line: `python build.py [ingest|build|check|serve] ...` (see README.md)."""

import sys

from epistola.cli import main

if __name__ == "__main__":
    sys.exit(main())
