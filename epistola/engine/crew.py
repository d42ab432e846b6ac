"""The one fork helper: a build's worker processes, each keeping what it made between calls.

A `Crew` of n forks n - 1 children of this process; `map(function, shares)` runs
`function(share)` for the first share here and for each other share in a child, all at once,
and returns the results in order. A child keeps its own memory between calls, so the letters it
read in one call (analysing them) are there for the next (making their pages): nothing large
travels between the processes but summaries and the lists of what was made.

Functions are module-level (they are named, not pickled); arguments and results are pickled.
An exception in a child stops the others and is raised here as CrewError with its text.
"""

from __future__ import annotations

import os
import pickle
import signal
import traceback
from multiprocessing.connection import Connection, Pipe
from typing import Any, Callable, Sequence


class CrewError(Exception):
    """A worker process failed; the message is its exception."""


def shared_counter() -> Any:
    """A number every process of a crew forked later can add to (progress shown by this one)."""
    from multiprocessing.sharedctypes import RawValue
    return RawValue("q", 0)


def cores() -> int:
    """How many processes a build may run at once."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # (not Linux)
        return max(1, os.cpu_count() or 1)


class Crew:
    def __init__(self, size: int):
        self.size = max(1, size)
        self._children: list[tuple[int, Connection]] = []
        for _ in range(self.size - 1):
            here, there = Pipe()
            pid = os.fork()
            if pid == 0:  # the child: serve calls until told to stop, then leave at once
                here.close()
                _serve(there)
            there.close()
            self._children.append((pid, here))

    def map(self, function: Callable[[Any], Any], shares: Sequence[Any],
            waiting: Callable[[], None] | None = None) -> list[Any]:
        """function(share) for each share (at most `size`), in parallel; results in order.
        `waiting` is called now and then while this process waits for the others."""
        if len(shares) > self.size:
            raise ValueError(f"{len(shares)} shares for a crew of {self.size}")
        sent = []
        for (pid, conn), share in zip(self._children, shares[1:]):
            conn.send_bytes(pickle.dumps((function.__module__, function.__qualname__, share),
                                         protocol=5))
            sent.append(conn)
        try:
            first = [function(shares[0])] if shares else []
        except BaseException:
            self.close(kill=True)
            raise
        results = []
        for conn in sent:
            while waiting is not None and not conn.poll(0.2):
                waiting()
            try:
                ok, value = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError) as exc:
                self.close(kill=True)
                raise CrewError(f"a worker process ended unexpectedly ({exc})") from None
            if not ok:
                self.close(kill=True)
                if isinstance(value, OSError):
                    raise value
                raise CrewError(value)
            results.append(value)
        return first + results

    def close(self, kill: bool = False) -> None:
        for pid, conn in self._children:
            try:
                if kill:
                    os.kill(pid, signal.SIGKILL)
                else:
                    conn.send_bytes(b"")
            except (OSError, ValueError):
                pass
            conn.close()
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self._children = []

    def __enter__(self) -> "Crew":
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close(kill=kind is not None)


def _serve(conn: Connection) -> None:
    import importlib

    status = 0
    try:
        while True:
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                break
            if not message:
                break
            module, name, share = pickle.loads(message)
            try:
                function = getattr(importlib.import_module(module), name)
                reply = (True, function(share))
            except OSError as exc:  # (a full disk: the build reports it as it would here)
                reply = (False, OSError(exc.errno, exc.strerror, exc.filename))
            except BaseException as exc:  # noqa: BLE001 - every failure goes back as text
                reply = (False, "".join(traceback.format_exception_only(exc)).strip()
                         or exc.__class__.__name__)
            conn.send_bytes(pickle.dumps(reply, protocol=5))
    except BaseException:  # noqa: BLE001 - a child never runs the parent's code after this
        status = 1
    finally:
        os._exit(status)
