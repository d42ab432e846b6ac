"""A document's heading -> kind, senders and recipients.

Forms the collection uses: "G. L. Pyatakov to I. V. Stalin", "I. V. Stalin - B. I. Magidov",
"N. N. Krestinsky to I. V. Stalin, F. E. Dzerzhinsky, M. A. Trilisser, V. R. Menzhinsky",
"Telegram of G. E. Zinoviev to I. V. Stalin, L. B. Kamenev", "G. E. Zinoviev, N. I. Bukharin -
I. V. Stalin", "The Politburo of the Central Committee of the RCP(b) to L. D. Trotsky".
Pure functions; never raise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..model import DOCUMENT_KINDS

#: Words that open a heading and name the kind of document ("Telegram of X to Y").
_KIND_PREFIX = re.compile(
    r"^(?:(?P<kind>letter|telegram|cipher telegram|note|notes|memorandum|memo|report|statement)"
    r"s?\s+(?:of|from|by)\s+|from\s+)", re.I)
_KINDS = {"letter": "letter", "telegram": "telegram", "cipher telegram": "telegram",
          "note": "note", "notes": "note", "memorandum": "memorandum", "memo": "memorandum",
          "report": "memorandum", "statement": "memorandum"}
_TO = re.compile(r"\s+to\s+")
_DASH = re.compile(r"\s+[-–—]\s+|\s*[–—]\s*")
_LIST_SEP = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
#: Initials then a surname: "G. L. Pyatakov", "A.V.Kvashonkin", "L. D. [Trotsky]".
_PERSON = re.compile(r"^(?:[A-Z][a-z]?\.\s*){1,3}\s*\[?[A-Z][\w'’\-\[\]]+\]?$")
#: A surname or pseudonym alone: "Stalin", "Koba", "MAGIDOV".
_SURNAME = re.compile(r"^\[?[A-Z][\w'’\-]+\]?$")


@dataclass(frozen=True)
class Party:
    """A sender or recipient as the heading names it."""

    name: str
    organisation: bool = False


@dataclass(frozen=True)
class Heading:
    kind: str
    senders: tuple[Party, ...]
    recipients: tuple[Party, ...]
    title: str
    """The heading with its sender/recipient separator written " to "."""


def is_person_name(text: str) -> bool:
    return bool(_PERSON.match(text) or _SURNAME.match(text))


def _parties(text: str) -> tuple[Party, ...]:
    text = text.strip(" .,;:")
    if not text:
        return ()
    pieces = [p for p in _LIST_SEP.split(text) if p]
    if all(is_person_name(p) for p in pieces):
        return tuple(Party(p) for p in pieces)
    if is_person_name(text):
        return (Party(text),)
    # An institution may itself contain "and" or commas ("the Central Committee and the Central
    # Control Commission"); split only where a person's name stands on its own.
    out: list[Party] = []
    pending: list[str] = []
    for piece in re.split(r"\s*,\s*", text):
        if is_person_name(piece):
            if pending:
                out.append(Party(", ".join(pending), organisation=True))
                pending = []
            out.append(Party(piece))
        else:
            pending.append(piece)
    if pending:
        out.append(Party(", ".join(pending), organisation=True))
    return tuple(out)


def parse_heading(line: str) -> Heading | None:
    """A heading -> Heading; None when no sender and recipient can be told apart."""
    text = " ".join(line.replace("\u00a0", " ").split()).strip()
    if not text or len(text) > 300:
        return None
    kind = "letter"
    prefix = ""
    m = _KIND_PREFIX.match(text)
    if m:
        if m["kind"]:
            kind = _KINDS.get(m["kind"].lower(), "letter")
            kind = kind if kind in DOCUMENT_KINDS else "letter"
        prefix = text[:m.end()]
        text = text[m.end():]
    split = _TO.search(text) or _DASH.search(text)
    if split is None:
        return None
    senders = _parties(text[:split.start()])
    recipients = _parties(text[split.end():])
    if not senders or not recipients:
        return None
    title = prefix + text[:split.start()].strip() + " to " + text[split.end():].strip()
    return Heading(kind, senders, recipients, title.strip())


# --- person refs -----------------------------------------------------------------------------

def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def surname(name: str) -> str:
    """The surname of "G. L. Pyatakov" (brackets dropped: "L. D. [Trotsky]" -> "Trotsky")."""
    words = re.sub(r"[\[\]]", "", name).replace(".", ". ").split()
    return words[-1] if words else name


def initials(name: str) -> str:
    """"G. L." of "G. L. Pyatakov"; "" when the name has none."""
    words = re.sub(r"[\[\]]", "", name).replace(".", ". ").split()
    return " ".join(w for w in words[:-1] if re.fullmatch(r"[A-Z][a-z]?\.", w))


def person_ref(party: Party) -> str:
    """Register key: the surname for a person ("stalin"), a short slug for an organisation."""
    if party.organisation:
        words = [w for w in slug(party.name).split("-") if w not in ("the", "of", "and", "for")]
        return "-".join(words[:5]) or "unknown"
    return slug(surname(party.name)) or "unknown"


def normalise_initials(name: str) -> str:
    """"A.V.Kvashonkin" -> "A. V. Kvashonkin"."""
    return re.sub(r"\b([A-Z][a-z]?\.)\s*(?=[A-Z])", r"\1 ", name).strip()
