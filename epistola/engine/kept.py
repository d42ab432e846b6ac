"""What a process made last, kept with what it was made from.

`serve` builds the same edition save after save: the registers, the corpus, the listing of the
site's pages are the same until an edit changes what they are made from. Each is kept here once,
in the process that made it, and made again when its key differs.
"""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

T = TypeVar("T")

_NOTHING = object()


class Kept(Generic[T]):
    """The value made last and its key: a tuple compared by equality (digests), or, with
    `by_identity`, element by element by identity (objects a build keeps unchanged)."""

    def __init__(self, by_identity: bool = False):
        self._by_identity = by_identity
        self._key: object = _NOTHING
        self._value: T | None = None

    def get(self, key: tuple, make: Callable[[], T]) -> T:
        if not self._holds(key):
            self._key, self._value = key, make()
        return self._value  # type: ignore[return-value]

    def clear(self) -> None:
        self._key, self._value = _NOTHING, None

    def _holds(self, key: tuple) -> bool:
        known = self._key
        if known is _NOTHING:
            return False
        if not self._by_identity:
            return known == key
        return len(known) == len(key) and all(  # type: ignore[arg-type]
            a is b for a, b in zip(known, key))
