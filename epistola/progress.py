"""A progress bar for long builds on a terminal; silent in CI and when output is not a terminal."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

#: The stages of a build, in order, as the pipeline reports them.
BUILD_STAGES = ("reading records", "checking", "rendering pages and exports", "writing the site",
                "done")


class ProgressBar:
    """`[#####-----] 3/5 rendering pages and exports  1.2 s` redrawn in place on one line."""

    WIDTH = 20

    def __init__(self, stream: TextIO | None = None, stages: tuple[str, ...] = BUILD_STAGES):
        self.stream = stream or sys.stderr
        self.stages = stages
        self.live = bool(getattr(self.stream, "isatty", lambda: False)()) and not os.environ.get("CI")
        self.started = time.perf_counter()

    def __call__(self, stage: str) -> None:
        if not self.live:
            return
        done = self.stages.index(stage) + 1 if stage in self.stages else 0
        filled = self.WIDTH * done // len(self.stages)
        took = time.perf_counter() - self.started
        line = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {done}/{len(self.stages)} {stage}  {took:.1f} s"
        end = "\n" if stage == self.stages[-1] else ""
        self.stream.write(f"\r\x1b[K{line}{end}")
        self.stream.flush()
