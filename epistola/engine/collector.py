"""The one place a build tells Python's cycle collector to wait.

A build that starts from a store holds millions of small objects (the store's records, pages
and facts), none of them in a reference cycle. While they pile up, the collector goes through
all of them each time the heap has grown by a quarter: at 10,000 letters that is seconds spent
finding nothing.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused(pause: bool = True) -> Iterator[None]:
    """The collector waits inside the block (when `pause`). What the block made stays to the
    end of the build, so it is frozen before the collector starts again: else its first pass
    would go through all of it."""
    enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.freeze()
        if enabled:
            gc.enable()


def settle() -> None:
    """What the build has read so far stays to its end: the collector passes it by from now on."""
    gc.freeze()


def resume_in_worker() -> None:
    """A worker process makes and drops its own objects: it collects them itself."""
    gc.enable()
