"""Authority files: the identifier schemes a register entry may carry, and checks of their IDs.

Pure functions over plain data. Each scheme knows the fixed pattern of its IDs, the URI that
names an ID in linked data (the form CMIF and TEI `@ref` carry), the page a reader follows, and
how to read an ID back out of a URI as TEI editions give it
(`<idno type="GND">https://d-nb.info/gnd/118642499</idno>`).

Patterns are those the schemes publish as the format of their identifiers (the same ones
Wikidata's properties P227, P214, P1566 check):

- Wikidata item: `Q[1-9][0-9]*`
- GND: `1[012]?\\d{7}[0-9X]|[47]\\d{6}-\\d|[1-9]\\d{0,7}-[0-9X]|3\\d{7}[0-9X]`; the all-digit
  form of a person (1…) also carries a check digit, `(11 - (Σ dᵢ·wᵢ mod 11)) mod 11` with
  weights 11…2 from the left of the ten-digit number, 10 written as X (DNB, "Prüfziffern-
  berechnung"). Older hyphenated numbers of the SWD and GKD used other rules, so only their form
  is checked.
- VIAF cluster: `[1-9]\\d(\\d{0,7}|\\d{17,20})`
- GeoNames feature: `[1-9]\\d{0,9}`
- PMB (Personen der Moderne Basis, used by schnitzler-briefe and other ACDH editions): digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from .diagnostics import NOTE, Diagnostic, error, note, warning
from .model import Person

#: The level of the count of entries without an ID: said, never a failure (not with --strict).
INFO = NOTE


@dataclass(frozen=True, slots=True)
class Scheme:
    """One authority file."""

    key: str
    """The key in a register's `ids` mapping: "wikidata", "gnd", "viaf", "geonames", "pmb"."""
    label: str
    """The name a reader knows it by: "GND"."""
    pattern: re.Pattern[str]
    """The whole ID must match (fullmatch)."""
    expected: str
    """The pattern said for a person fixing a record: "Q followed by digits, e.g. Q855"."""
    uri: str
    """The URI of an ID, `{id}` standing for it: what CMIF and TEI `@ref` carry."""
    page: str
    """The page a reader follows from a register page, `{id}` standing for the ID."""
    recognise: re.Pattern[str]
    """Matches a URI of this scheme in any of its usual spellings; group "id" is the ID."""
    tei_type: str
    """The `idno/@type` a TEI register gives it."""


def _scheme(key: str, label: str, pattern: str, expected: str, uri: str, page: str,
            recognise: str, tei_type: str) -> Scheme:
    return Scheme(key, label, re.compile(pattern), expected, uri, page,
                  re.compile(recognise, re.IGNORECASE), tei_type)


#: The schemes, in the order a register page lists its links.
SCHEMES: dict[str, Scheme] = {s.key: s for s in (
    _scheme("wikidata", "Wikidata", r"Q[1-9][0-9]*",
            "Q followed by digits, e.g. Q855",
            "http://www.wikidata.org/entity/{id}", "https://www.wikidata.org/wiki/{id}",
            r"^https?://(?:www\.|m\.)?wikidata\.org/(?:entity|wiki)/(?P<id>Q[0-9]+)/?$",
            "WIKIDATA"),
    _scheme("gnd", "GND",
            r"1[012]?[0-9]{7}[0-9X]|[47][0-9]{6}-[0-9]|[1-9][0-9]{0,7}-[0-9X]|3[0-9]{7}[0-9X]",
            "the DNB's GND number, e.g. 118642499 or 2004272-3",
            "https://d-nb.info/gnd/{id}", "https://d-nb.info/gnd/{id}",
            r"^https?://(?:www\.)?d-nb\.info/gnd/(?P<id>[0-9X-]+)/?(?:about/[a-z]+)?$",
            "GND"),
    _scheme("viaf", "VIAF", r"[1-9][0-9](?:[0-9]{0,7}|[0-9]{17,20})",
            "2 to 9 or 19 to 22 digits, e.g. 101787139",
            "http://viaf.org/viaf/{id}", "https://viaf.org/viaf/{id}/",
            r"^https?://(?:www\.)?viaf\.org/viaf/(?P<id>[0-9]+)/?$",
            "VIAF"),
    _scheme("geonames", "GeoNames", r"[1-9][0-9]{0,9}",
            "digits, e.g. 2950159",
            "https://sws.geonames.org/{id}/", "https://www.geonames.org/{id}/",
            r"^https?://(?:www\.|sws\.)?geonames\.org/(?P<id>[0-9]+)(?:/[^/?#]*)?/?$",
            "GEONAMES"),
    _scheme("pmb", "PMB", r"[1-9][0-9]*",
            "digits, e.g. 2121",
            "https://pmb.acdh.oeaw.ac.at/entity/{id}/", "https://pmb.acdh.oeaw.ac.at/entity/{id}/",
            r"^https?://pmb\.acdh\.oeaw\.ac\.at/(?:apis/)?entity/(?P<id>[0-9]+)/?$",
            "PMB"),
)}

_TEI_TYPES = {s.tei_type.casefold(): s for s in SCHEMES.values()}


@dataclass(frozen=True, slots=True)
class AuthorityLink:
    """An authority ID as a register page shows it: "GND 118642499", linked."""

    scheme: str
    label: str
    id: str
    uri: str
    """The linked-data URI (for CMIF, TEI and `rel`/`resource` attributes)."""
    url: str
    """The page a reader follows."""

    @property
    def text(self) -> str:
        return f"{self.label} {self.id}"


def is_valid(scheme: str, value: str) -> bool:
    """True when `value` is a well-formed ID of `scheme` (a key of SCHEMES)."""
    return _problem(scheme, value) is None


def _problem(scheme: str, value: str) -> str | None:
    """Why `value` is no ID of `scheme`, or None when it is one."""
    s = SCHEMES.get(scheme)
    if s is None:
        return f"unknown authority scheme '{scheme}' (known: {', '.join(SCHEMES)})"
    if not s.pattern.fullmatch(value):
        return f"expected {s.expected}"
    if scheme == "gnd" and re.fullmatch(r"1[012]?[0-9]{7}[0-9X]", value):
        if gnd_check_digit(value[:-1]) != value[-1]:
            return f"its check digit should be {gnd_check_digit(value[:-1])}"
    return None


def gnd_check_digit(number: str) -> str:
    """The check digit of an all-digit GND number (the digits before the check digit)."""
    digits = number.rjust(10, "0")
    total = sum(int(d) * w for d, w in zip(digits, range(11, 1, -1)))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def uri(scheme: str, value: str) -> str:
    """The linked-data URI of an ID: `uri("wikidata", "Q855")` ->
    "http://www.wikidata.org/entity/Q855". Raises ValueError for a malformed ID."""
    problem = _problem(scheme, value)
    if problem is not None:
        raise ValueError(f"{scheme} ID {value!r}: {problem}")
    return SCHEMES[scheme].uri.format(id=value)


def link(scheme: str, value: str) -> AuthorityLink:
    """How a register page shows the ID. Raises ValueError for a malformed ID."""
    target = uri(scheme, value)
    s = SCHEMES[scheme]
    return AuthorityLink(scheme, s.label, value, target, s.page.format(id=value))


def links(ids: Mapping[str, str]) -> list[AuthorityLink]:
    """The well-formed IDs of an entry in the order of SCHEMES; malformed ones are left out (the
    check reports them)."""
    return [link(key, ids[key]) for key in SCHEMES if key in ids and is_valid(key, ids[key])]


def preferred_uri(ids: Mapping[str, str], order: Iterable[str] = ("gnd", "viaf", "wikidata",
                                                                 "geonames", "pmb")
                  ) -> str | None:
    """The one URI to put in a CMIF `@ref`: the first well-formed ID in `order` (correspSearch
    matches persons by GND and VIAF first, places by GeoNames), or None."""
    for key in order:
        if key in ids and is_valid(key, ids[key]):
            return uri(key, ids[key])
    return None


def identify(text: str, tei_type: str | None = None) -> tuple[str, str] | None:
    """The (scheme, ID) a URI or an `idno` names, or None when it names none we know.

    `identify("https://d-nb.info/gnd/118642499")` -> ("gnd", "118642499");
    `identify("118642499", tei_type="GND")` -> ("gnd", "118642499"). A bare ID needs the
    `idno/@type` to say its scheme; an ID that does not fit its scheme's pattern gives None.
    """
    text = text.strip()
    for s in SCHEMES.values():
        m = s.recognise.match(text)
        if m:
            value = m.group("id").upper() if s.key in ("wikidata", "gnd") else m.group("id")
            return (s.key, value) if is_valid(s.key, value) else None
    if tei_type:
        s = _TEI_TYPES.get(tei_type.strip().casefold())
        if s is not None and is_valid(s.key, text):
            return s.key, text
    return None


def check_ids(entries: Iterable[Person], path: str, register: str | None = None
              ) -> list[Diagnostic]:
    """What is wrong with the authority IDs of a register's entries.

    One error a malformed ID, naming the entry (`places.yaml:12: error: GND ID 'x12' of
    'berlin' is malformed (expected …) [authority-id]`); a warning for an ID two entries share;
    and one closing note saying how many entries have no ID at all.
    """
    entries = list(entries)
    diags: list[Diagnostic] = []
    seen: dict[tuple[str, str], Person] = {}
    without = []
    for entry in entries:
        if not entry.ids:
            without.append(entry.ref)
        for key, value in entry.ids.items():
            value = str(value)
            label = SCHEMES[key].label if key in SCHEMES else key
            problem = _problem(key, value)
            if key not in SCHEMES:
                diags.append(error(path, entry.line, f"{problem} for '{entry.ref}'",
                                   "authority-scheme"))
                continue
            if problem is not None:
                found = identify(value)
                hint = (f"; write the ID alone: {found[1]}" if found and found[0] == key
                        else "")
                diags.append(error(path, entry.line, f"{label} ID '{value}' of '{entry.ref}' is "
                                   f"malformed ({problem}{hint})", "authority-id"))
                continue
            other = seen.setdefault((key, value), entry)
            if other is not entry:
                diags.append(warning(path, entry.line, f"{label} ID '{value}' of '{entry.ref}' is "
                                     f"also the ID of '{other.ref}' (line {other.line}): two "
                                     "entries for one person, place or body?",
                                     "authority-id-shared"))
    if without:
        what = register or (entries[0].register if entries else "entries")
        shown = ", ".join(without[:8]) + (", …" if len(without) > 8 else "")
        diags.append(note(path, 1, f"{len(without)} of {len(entries)} {what} have no "
                          f"authority ID ({shown})", "authority-missing"))
    return diags
