"""The one hash helper: digests of bytes, text and plain values, and of the code itself."""

from __future__ import annotations

import hashlib
import pickle
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

#: The libraries whose versions shape the output: a new one is a new build.
_LIBRARIES = ("jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "pyyaml", "lxml",
              "pagefind-bin")


def digest(*parts: Any) -> str:
    """A short, stable digest of bytes, strings and values made of tuples, numbers, strings,
    None and frozen dataclasses (pickled: the same value gives the same bytes)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, bytes):
            data = part
        elif isinstance(part, str):
            data = part.encode("utf-8", "surrogatepass")
        else:
            data = pickle.dumps(part, protocol=5)
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The Python sources of epistola and the versions of the libraries that shape the output:
    a store made by other code is not trusted."""
    package = Path(__file__).resolve().parent.parent
    parts: list[Any] = [sys.version_info[:2]]
    for path in sorted(package.rglob("*.py")):
        parts += [path.relative_to(package).as_posix(), path.read_bytes()]
    for name in _LIBRARIES:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    return digest(*parts)
