"""Language codes as HTML's lang attribute wants them (BCP 47): a language's two-letter ISO
639-1 code where it has one ("fra" and "fre" are "fr"), and no code at all for one that names
no language ("dk", "esp"), so that a page never declares a language a browser or a screen
reader cannot know."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from . import data

_TAG = re.compile(r"([A-Za-z]{2,3})((?:-[A-Za-z0-9]{1,8})*)")


@lru_cache(maxsize=1)
def _codes() -> tuple[dict[str, str], frozenset[str]]:
    three = json.loads(data.read_text(data.LANGUAGE_CODES))["three"]
    return three, frozenset(two for two in three.values() if two)


@lru_cache(maxsize=1024)
def language_tag(code: str | None) -> str | None:
    """"fra" -> "fr", "ger" -> "de", "fr-FR" -> "fr-FR", "gsw" -> "gsw"; None for "dk", "esp",
    "" or anything that is not a language code."""
    m = _TAG.fullmatch((code or "").strip())
    if m is None:
        return None
    primary, rest = m.group(1).lower(), m.group(2)
    three, two = _codes()
    if len(primary) == 3:
        if primary not in three:
            return None
        primary = three[primary] or primary
    elif primary not in two:
        return None
    return primary + rest
