"""Timing and peak memory of a child process tree, shared by the benchmarks."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes, summed over a process and all its descendants.

    RSS counts every page a process can touch, so forked workers count the pages they share
    with their parent (copy-on-write) once more each; PSS (proportional set size, from
    /proc/PID/smaps_rollup) divides each shared page among the processes that share it, and its
    sum is the memory the tree really occupies. For a single process the two differ only by
    its share of the shared libraries."""
    rss = pss = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):  # the process ended while it was read
            continue
    return rss, pss


def tree_cpu(pid: int) -> int:
    """Processor time (clock ticks) used so far by a process and its descendants, those that
    ended and were waited for included."""
    used = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return used


def _tree(pid: int):
    """A process and all its descendants (Linux /proc), parents first."""
    stack = [pid]
    while stack:
        p = stack.pop()
        yield p
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    stack += [int(c) for c in handle.read().split()]
        except (OSError, ValueError):  # the process ended while it was read
            continue


@dataclass
class Run:
    seconds: float
    peak_rss: int
    output: str
    peak_pss: int = 0


def run_measured(cmd: list[str], cwd: Path, env: Mapping[str, str], check: bool = True,
                 memory: bool = True) -> Run:
    """Run cmd, timing it and (memory) sampling its process tree's memory every 10 ms.

    Sampling is not free: the kernel walks a process's page tables to sum its PSS, 8.7 ms of
    processor time for a process of 550 MB on the 2-core development machine, so sampling a
    build of that size every 10 ms takes most of one core away from it. Time a command in a run
    without sampling (memory=False), and take its peak memory from another."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    peak = peak_pss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not stop.is_set():
            rss, pss = tree_memory(proc.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            stop.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    if memory:
        sampler.join()
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{output[-3000:]}")
    return Run(seconds, peak, output, peak_pss)
