#!/usr/bin/env python3
"""Epistola's command line: `python build.py [ingest|build|check|serve] ...` (see README.md)."""

import gc
import os
import sys

from epistola.cli import main

if __name__ == "__main__":
    # A build makes millions of objects and no reference cycles worth a pass of the collector,
    # and this process ends below without freeing them: a collection when the build is over
    # would only go through them all (0.4 s at 10,000 letters). serve runs its own.
    gc.disable()
    status = main()
    # Everything is written and closed: end without freeing the build's objects one by one.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
