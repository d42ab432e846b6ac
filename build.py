#!/usr/bin/env python3
"""Epistola's command line: `python build.py [ingest|build|check|serve] ...` (see README.md)."""

import os
import sys

from epistola.cli import main

if __name__ == "__main__":
    status = main()
    # Everything is written and closed: end without freeing the build's objects one by one.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
