"""What the records' frozen values share: a mapping that cannot change, and pickling by fields.

The build store pickles tens of thousands of small records. A frozen dataclass with slots
pickles its state as a dict that unpickling sets field by field through `object.__setattr__`,
looking its fields up each time; `by_fields` makes a class pickle as the arguments of its
constructor instead, several times faster to load.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

T = TypeVar("T")


def by_fields(cls: type[T]) -> type[T]:
    """Class decorator (under @dataclass): pickle as the constructor's arguments."""
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)

    def __reduce__(self):
        return (cls, tuple([getattr(self, name) for name in names]))

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls


class FrozenMap(dict):
    """A dict that cannot be changed: a record's mapping fields (key lines, authority IDs) stay as
    read, and unlike a MappingProxyType it can be pickled (the build store keeps records)."""

    __slots__ = ()

    def _read_only(self, *args, **kwargs):
        raise TypeError("a FrozenMap cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]
    __ior__ = _read_only  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __reduce__(self):
        return (FrozenMap, (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenMap({dict.__repr__(self)})"
