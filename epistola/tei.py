"""TEI P5 letters and registers -> records (model.Letter, model.Person).

Pure: bytes in, records and diagnostics out; nothing here opens a file. lxml parses; what the
parser gives is read by small named functions, one per element, looked up in ordered tables
(_INLINE and _BLOCK below), so a new convention is one more entry, not a new pass.

The header is read as the TEI Guidelines and the Correspondence SIG describe it (correspDesc,
correspAction, correspContext, msDesc, listBibl, revisionDesc), with the variants letter editions
use beside them: the sender and addressee told apart by @type on the names inside one
correspAction, `persName/@key` instead of `@ref`, context refs typed `prev`/`previous`/
`previous_letter` and scoped to a correspondence, the opener and closer kept in `front` and `back`.

The body becomes a tuple of body.Block, each a tree of body.Inline. An element the reader does not
know keeps its text: it becomes Inline("other", text=<element name>, children=...) and is counted,
so that `check` can say once, with a count, what is not rendered as its markup means.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from html.entities import name2codepoint
from typing import Callable, Iterable, Iterator

from lxml import etree

from .body import Block, Inline
from .body import plain_text as body_plain_text
from .diagnostics import Diagnostic, error, warning
from .frozen import FrozenMap
from .languages import language_tag
from .model import (
    RECEIPT_READING, ArchiveRef, Correspondent, Letter, LetterDate, Note, Person, Place, Related,
    Revision, SourceSpan,
)

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: TEI lists whose entries are register entries, never running text.
REGISTER_LISTS = {"listPerson": "persons", "listPlace": "places", "listOrg": "organisations",
                  "listBibl": "works"}
_OTHER_LISTS = {"listEvent", "listRelation", "listNym", "listObject", "listAnnotation"}
_ENTRY_TAGS = {"person": "persons", "personGrp": "persons", "place": "places", "org": "organisations",
               "bibl": "works", "biblStruct": "works"}

#: The kinds of linked name an entity reference becomes.
ENTITY_KINDS = ("person", "place", "organisation", "work", "event")
#: `n` of an entity Inline whose name is implied rather than spelt out ("er", "Ihr Bruder"):
#: a reference to the entry, but no spelling of its name.
IMPLIED = 1

_SPACE = re.compile(r"[ \t\r\n]+")
#: A date as letter files give it: ISO 8601 ("1850-03-12", "1850-03", "1850"), with a time or
#: a time zone after it, or in the basic form without hyphens ("18500312").
_ISO_DATE = re.compile(r"(-?\d{4})(?:-?(\d{1,2})(?:-?(\d{1,2}))?)?(?:T.*|Z|[+-]\d{2}:\d{2})?")


# ---------------------------------------------------------------------------------------------
# Small functions over lxml elements (namespace-blind: a TEI file without the TEI namespace reads
# the same)

_LOCAL_NAMES: dict[object, str] = {}


def _local(el) -> str:
    """The element's name without its namespace ("" for an entity reference)."""
    tag = el.tag
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag[tag.rfind("}") + 1:] if isinstance(tag, str) else ""
        if len(_LOCAL_NAMES) < 4096:  # a bounded memo: tag names are few
            _LOCAL_NAMES[tag] = name
    return name


def _by_name(el) -> dict[str, list]:
    """The children of el grouped by name, in file order within each name."""
    out: dict[str, list] = {}
    for child in el:
        out.setdefault(_local(child), []).append(child)
    return out


def _kids(el, *names: str) -> list:
    return [c for c in el if _local(c) in names]


def _kid(el, *names: str):
    for c in el:
        if _local(c) in names:
            return c
    return None


def _path(el, *steps: str):
    for step in steps:
        if el is None:
            return None
        el = _kid(el, step)
    return el


def _under(el, name: str) -> Iterator:
    """Every `name` element below el, in document order."""
    return el.iter("{*}" + name)


def _norm(text: str | None) -> str:
    """XML white space (not the no-break space, which is meant) collapsed and trimmed."""
    if not text:
        return ""
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        return _SPACE.sub(" ", text).strip()
    return text.strip()


def _plain(el) -> str:
    if el is None:
        return ""
    if not len(el):
        return _norm(el.text)
    if next(el.iter("{*}lb"), None) is not None:
        return _norm("".join(_texts_with_breaks(el)))
    return _norm("".join(el.itertext()))


def _texts_with_breaks(el) -> Iterator[str]:
    """The texts of el, a line break a space ("in Weimar<lb/>Kassel"), unless it breaks a word
    (`<lb break="no"/>`)."""
    yield el.text or ""
    for child in el:
        if _local(child) == "lb":
            yield "" if child.get("break") == "no" else " "
        elif isinstance(child.tag, str):
            yield from _texts_with_breaks(child)
        yield child.tail or ""


_NAME_PARTS = {"forename", "surname", "roleName", "addName", "nameLink", "genName"}


def _name_text(el) -> str:
    """A name as written, with its parts (forename, surname, ...) one space apart even when the
    file runs them together (`<forename>Richard</forename><surname>Beer-Hofmann</surname>`)."""
    if any(_local(c) in _NAME_PARTS for c in el):
        pieces = [el.text or ""]
        for child in el:
            pieces.append(" " + _plain(child) if _local(child) in _NAME_PARTS else _plain(child))
            pieces.append(child.tail or "")
        return _norm("".join(pieces))
    return _plain(el)


def _first_line(el, default: int = 1) -> int:
    return el.sourceline or default if el is not None else default


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def slug(value: str) -> str:
    """A key as the site's URLs need it ([a-z0-9]+(-[a-z0-9]+)*): "L00123" -> "l00123",
    "Goethe_JW" -> "goethe-jw"."""
    lower = value.lower()
    if _SLUG.fullmatch(lower):
        return lower
    value = unicodedata.normalize("NFKD", value.replace("ß", "ss"))
    value = value.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")


# ---------------------------------------------------------------------------------------------
# Keys and authority IDs

_AUTHORITY_URIS = (
    ("gnd", re.compile(r"d-nb\.info/gnd/([0-9][0-9X-]*)", re.I)),
    ("viaf", re.compile(r"viaf\.org/viaf/(\d+)", re.I)),
    ("wikidata", re.compile(r"wikidata\.org/(?:wiki|entity)/(Q\d+)", re.I)),
    ("geonames", re.compile(r"geonames\.org/(\d+)", re.I)),
    ("pmb", re.compile(r"pmb\.acdh\.oeaw\.ac\.at/(?:entity|apis/entities/entity/\w+)/(\d+)", re.I)),
)
AUTHORITIES = tuple(scheme for scheme, _ in _AUTHORITY_URIS)


def authority_id(uri: str) -> tuple[str, str] | None:
    """("gnd", "118609807") for "https://d-nb.info/gnd/118609807/", and so on for VIAF,
    Wikidata, GeoNames and PMB; None for any other URI."""
    for scheme, pattern in _AUTHORITY_URIS:
        m = pattern.search(uri)
        if m:
            value = m.group(1)
            return scheme, value.upper() if scheme in ("gnd", "wikidata") else value
    return None


def ref_key(token: str) -> str:
    """One pointer (@ref, @key, @target token) -> the register key it names.

    "#pmb123" and "listperson.xml#pmb123" -> "pmb123"; an authority URI -> "gnd-118609807";
    any other URI -> its last path segment; a bare key is made URL-safe ("Goethe_JW" -> "goethe-jw").
    """
    token = token.strip()
    if "://" in token:
        authority = authority_id(token)
        if authority:
            return slug(f"{authority[0]}-{authority[1]}")
    if "#" in token:
        token = token.rsplit("#", 1)[1]
    elif "/" in token:
        token = [s for s in token.split("/") if s][-1] if token.strip("/") else ""
    return slug(token)


_ID_TOKEN = re.compile(r"\S*\d\S*")


def pointer_tokens(el) -> list[str]:
    """The pointers of @ref, else of @key: a list of tokens (`ref="#pmb1 #pmb2"`), but a @key
    that is a name with spaces ("Meyer (zum Hirschen) Anna") is one key; only identifiers with
    digits in them ("A001749 A000711") are taken as a list."""
    ref = el.get("ref")
    if ref is not None and ref.strip():
        return ref.split()
    key = (el.get("key") or "").strip()
    tokens = key.split()
    if len(tokens) > 1 and not all(_ID_TOKEN.fullmatch(t) for t in tokens):
        return [key]
    return tokens


def ref_keys(el) -> list[str]:
    """The register keys an element points at (pointer_tokens; several when a name stands for
    several entries: `ref="#pmb1 #pmb2"`)."""
    keys = []
    for token in pointer_tokens(el):
        key = ref_key(token)
        if key and key not in keys:
            keys.append(key)
    return keys


def letter_id(token: str) -> str:
    """A pointer at a letter file or id -> the letter's id: "L00045.xml", "#L00045",
    "../editions/L00045.xml#p3" -> "l00045"."""
    token = token.strip()
    path, _, fragment = token.partition("#")
    name = [s for s in path.split("/") if s][-1] if path.strip("/") else fragment
    name = re.sub(r"\.(xml|html?|tei)$", "", name, flags=re.I)
    return slug(name)


# ---------------------------------------------------------------------------------------------
# Parsing

def _parser() -> etree.XMLParser:
    # internal entities only (no file or network look-ups), no comments or processing
    # instructions (their neighbouring texts are joined, as a reader sees them)
    return etree.XMLParser(resolve_entities="internal", no_network=True, load_dtd=False,
                           remove_comments=True, remove_pis=True)


def _parse(data: bytes, path: str) -> tuple[object | None, list[Diagnostic]]:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        with_characters, replaced = _html_entities_replaced(data)
        if replaced and "Entity" in str(exc):
            root, diags = _parse(with_characters, path)
            if root is not None:
                line = data.count(b"\n", 0, data.find(b"&" + replaced[0].encode() + b";")) + 1
                names = ", ".join(f"&{name};" for name in replaced)
                return root, [warning(path, line, f"{names} not declared in the file; read as "
                                      "HTML's characters of those names", "tei-entity")]
        line = exc.lineno or 1
        message = re.sub(r"\s*\(<string>, line \d+\)$", "", exc.msg or str(exc))
        return None, [error(path, line, f"not well-formed XML: {message}", "tei-xml")]
    except (ValueError, TypeError) as exc:  # bytes lxml will not take at all (empty input)
        return None, [error(path, 1, f"not well-formed XML: {exc}", "tei-xml")]
    if root is None:
        return None, [error(path, 1, "not well-formed XML: the file is empty", "tei-xml")]
    return root, []


_ENTITY_REFERENCE = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")


def _html_entities_replaced(data: bytes) -> tuple[bytes, list[str]]:
    """HTML's named characters (&nbsp;, &mdash;) that a file uses without declaring them (its
    DTD, which declared them, is not read) -> character references; and the names replaced."""
    replaced: list[str] = []

    def character(m: re.Match) -> bytes:
        name = m.group(1).decode()
        code = name2codepoint.get(name)
        if code is None or name in _XML_ENTITIES or b"<!ENTITY " + m.group(1) in data:
            return m.group(0)
        if name not in replaced:
            replaced.append(name)
        return b"&#%d;" % code

    return _ENTITY_REFERENCE.sub(character, data), replaced


_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


# ---------------------------------------------------------------------------------------------
# Dates

_DATE_ATTRS = ("when", "notBefore", "notAfter", "from", "to")


def _date_attrs(el, path: str, diags: list[Diagnostic]) -> dict[str, str]:
    """The normalised dating attributes of a date element (att.datable.w3c, or the -iso ones,
    or the -custom ones of a Gregorian or Julian date)."""
    out = {}
    for name in _DATE_ATTRS:
        value = _date_value(el, name)
        if value is None:
            continue
        iso = _iso(value)
        if iso is None and value == el.get(name + "-custom"):
            continue  # a custom notation the reader does not know: the date's text stands
        if iso is None:
            diags.append(warning(path, _first_line(el), f"{name}='{value}' is not an ISO date "
                                 "(YYYY, YYYY-MM or YYYY-MM-DD); the date is read without it",
                                 "tei-date"))
            continue
        out[name] = iso
    return out


_CUSTOM_CALENDARS = ("gregorian", "julian")
_DIGITS_ONLY = re.compile(r"-?\d{5,7}")


def _date_value(el, name: str) -> str | None:
    """A dating attribute as given: `name`, else `name`-iso, else `name`-custom when the
    date's calendar is the Gregorian or Julian one (whose days are near enough to the Gregorian
    to order letters); a Hijri or Hebrew value is not a Gregorian date."""
    value = el.get(name) or el.get(name + "-iso")
    if value is not None:
        return value
    custom = el.get(name + "-custom")
    calendar = " ".join(filter(None, (el.get("datingMethod"), el.get("calendar")))).lower()
    if custom is not None and (not calendar or any(c in calendar for c in _CUSTOM_CALENDARS)):
        return custom
    return None


def _iso(value: str) -> str | None:
    """An ISO date ("1850-03-12", "1850-03", "1850"), or None. A month or day of 00 says it is
    not known ("1850-00-00" is 1850); a time, a time zone and the basic form are read."""
    value = value.strip()
    m = _ISO_DATE.fullmatch(value)
    if not m or _DIGITS_ONLY.fullmatch(value):  # "18503" is no date in any form
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if not month or month.strip("0") == "":
        return year
    if not 1 <= int(month) <= 12:
        return None
    if not day or day.strip("0") == "":
        return f"{year}-{int(month):02d}"
    if not 1 <= int(day) <= 31:
        return None
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _letter_date(el, path: str, diags: list[Diagnostic]) -> LetterDate:
    attrs = _date_attrs(el, path, diags)
    text = _plain(el)
    when = attrs.get("when")
    not_before = attrs.get("notBefore") or attrs.get("from")
    not_after = attrs.get("notAfter") or attrs.get("to")
    if not text:
        text = when or " – ".join(v for v in (not_before, not_after) if v) or UNDATED
    evidence, cert = el.get("evidence"), el.get("cert")
    reading = ", ".join(filter(None, (evidence, f"certainty {cert}" if cert else None)))
    if not reading and ("from" in attrs or "to" in attrs):
        reading = "span"
    return LetterDate(text=text, when=when, not_before=not_before, not_after=not_after,
                      supplied=bool(evidence) or "[" in text, reading=reading or None)


UNDATED = "undated"


def _written_by(received: LetterDate) -> LetterDate:
    """The date of a letter whose header dates only its receipt: not after that day."""
    bound = received.when or received.not_after
    if bound is None:
        return LetterDate(text=UNDATED)
    # the letter itself gives no date: its text says so, and the page says how it was dated
    return LetterDate(text=UNDATED, not_after=bound, supplied=True, reading=RECEIPT_READING)


# ---------------------------------------------------------------------------------------------
# The header: correspondents, date, places, context

#: correspAction/@type (or the type of a name inside one) -> what the action is.
_ACTION_ROLES = {
    "sent": "sent", "sending": "sent", "send": "sent", "sender": "sent", "dispatched": "sent",
    "written": "sent", "writing": "sent", "author": "sent", "from": "sent", "absender": "sent",
    "received": "received", "receiving": "received", "receive": "received",
    "receiver": "received", "addressee": "received", "addressed": "received",
    "recipient": "received", "to": "received", "empfaenger": "received", "empfanger": "received",
    "cc": "cc", "copy": "cc", "copied": "cc", "carboncopy": "cc", "bcc": "cc",
    "forwarded": "forwarded", "redirected": "forwarded",
}
_CORRESPONDENT_NAMES = ("persName", "orgName", "name", "rs")


def _actions(corresp) -> list:
    """The correspAction elements; failing those, the sender and addressee of the Correspondence
    SIG's early proposal (`<correspDesc><sender>...</sender><addressee>...`)."""
    if corresp is None:
        return []
    return _kids(corresp, "correspAction") or _kids(corresp, "sender", "addressee")


def _action_type(action) -> str | None:
    name = _local(action)
    return "sent" if name == "sender" else "received" if name == "addressee" else action.get("type")


def _action_role(value: str | None) -> str | None:
    return _ACTION_ROLES.get(slug(value or "").replace("-", "")) if value else None


def _action_role_of(action) -> str | None:
    """What an action is: its @type's role, made "cc" or "forwarded" by a @subtype saying so
    (`type="received" subtype="cc"`; a receiving or sending `subtype="redirecting"` is the
    letter's way to its last recipient, not its sender)."""
    role = _action_role(_action_type(action))
    sub = _action_role(action.get("subtype"))
    if role is not None and sub in ("cc", "forwarded"):
        return sub
    if role is not None and _REDIRECTING.search(action.get("subtype") or ""):
        return "forwarded"
    return role


_REDIRECTING = re.compile(r"redirect|forward", re.I)


def _correspondent(el) -> Correspondent | None:
    name = _name_text(el)
    keys = ref_keys(el)
    if not name and not keys:
        return None
    kind = (el.get("type") or "").lower()
    register = "organisations" if _local(el) == "orgName" or kind.startswith("org") else "persons"
    return Correspondent(name=name or keys[0], ref=keys[0] if keys else None, register=register)


def _action_names(action) -> list:
    """The names in a correspAction: its own children, or those of its prose (model.pLike)."""
    names = _kids(action, *_CORRESPONDENT_NAMES)
    if not names:
        tags = ["{*}" + name for name in _CORRESPONDENT_NAMES]
        names = [n for p in _kids(action, "p", "ab") for n in p.iter(*tags)]
    return names


def _correspondents(actions: list, path: str, diags: list[Diagnostic]):
    """Senders and recipients, by the action's @type or, inside one action, by the names' own
    @type/@role; an untyped action is read by its place (the first sends, the next receives)."""
    senders: list[Correspondent] = []
    recipients: list[Correspondent] = []
    untyped_seen = 0
    for action in actions:
        role = _action_role_of(action)
        if role is None and _action_type(action) is None:
            names_typed = any(_action_role(n.get("type") or n.get("role"))
                              for n in _action_names(action))
            if not names_typed:
                role = "sent" if untyped_seen == 0 else "received"
                untyped_seen += 1
                diags.append(warning(path, _first_line(action), "correspAction has no @type; "
                                     f"read as '{role}' from its place", "tei-correspaction-type"))
        for name_el in _action_names(action):
            name_role = _action_role(name_el.get("type") or name_el.get("role")) or role
            person = _correspondent(name_el)
            if person is None or name_role is None:
                continue
            if name_role == "sent":
                senders.append(person)
            elif name_role == "received":
                recipients.append(person)
            else:  # cc, forwarded
                recipients.append(replace(person, role=name_role))
    # a party named in two actions (received, then sent on) is one party
    return tuple(dict.fromkeys(senders)), tuple(dict.fromkeys(recipients))


def _place(action, *names: str) -> Place | None:
    """The place of an action (its placeName or settlement), or the first of `names` beside it."""
    if action is None:
        return None
    el = _kid(action, *(names or ("placeName", "settlement")))
    if el is None:
        return None
    if names and _kid(el, "placeName", "settlement") is not None:  # <placeSender><placeName>
        el = _kid(el, "placeName", "settlement")
    inner = _kid(el, "settlement", "placeName")  # <placeName><settlement ref=..>Wien</settlement>
    keys = ref_keys(el) or (ref_keys(inner) if inner is not None else [])
    name = _plain(el)
    if not name and not keys:
        return None
    supplied = bool(el.get("evidence") or el.get("cert")) or name.startswith("[")
    return Place(name=name or keys[0], supplied=supplied, ref=keys[0] if keys else None)


def _actions_by_role(actions: list) -> dict[str, list]:
    out: dict[str, list] = {}
    for action in actions:
        role = _action_role_of(action)
        if role:
            out.setdefault(role, []).append(action)
    return out


def _dated(actions: list):
    for action in actions:
        el = _kid(action, "date")
        if el is not None:
            return el
    return None


def _related_type(ref) -> str:
    """The relation a correspContext ref names, in one vocabulary: "previous", "next",
    "previous-in-corresp", "next-in-corresp", "reply-to", "replied-by", or the @type as given."""
    words = " ".join(filter(None, (ref.get("type"), ref.get("subtype")))).lower()
    compact = re.sub(r"[^a-z]", "", words)
    if any(word in compact for word in ("replyto", "answerto", "responseto")):
        return "reply-to"
    if "repliedby" in compact or "answeredby" in compact or "reply" in compact or "answer" in compact:
        return "replied-by"
    base = "previous" if "prev" in compact else "next" if "next" in compact else None
    if base is None:
        return ref.get("type") or ref.get("subtype") or "related"
    return base + "-in-corresp" if "corresp" in compact else base


def _related(context) -> tuple[Related, ...]:
    if context is None:
        return ()
    out = []
    for ref in _kids(context, "ref", "ptr"):
        target = (ref.get("target") or "").strip()
        if not target:
            continue
        kind = _related_type(ref)
        if kind in ("previous", "next", "previous-in-corresp", "next-in-corresp", "reply-to",
                    "replied-by") and "://" not in target:
            target = letter_id(target.split()[0]) or target
        out.append(Related(type=kind, target=target, label=_plain(ref)))
    return tuple(out)


def resolve_related(letters: Iterable[Letter]) -> list[Letter]:
    """Context refs given as URLs of the edition's own letters ("https://.../A040962",
    ".../L00045.xml") -> those letters' ids, now that every id is known. Others stay as given."""
    letters = list(letters)
    ids = {letter.id for letter in letters}
    out = []
    for letter in letters:
        related = tuple(
            replace(r, target=letter_id(r.target.split("?")[0]))
            if "://" in r.target and letter_id(r.target.split("?")[0]) in ids else r
            for r in letter.related)
        in_reply_to = letter.in_reply_to
        if in_reply_to is None:
            in_reply_to = next((r.target for r in related if r.type == "reply-to" and r.target in ids),
                               None)
        out.append(replace(letter, related=related, in_reply_to=in_reply_to)
                   if related != letter.related or in_reply_to != letter.in_reply_to else letter)
    return out


# ---------------------------------------------------------------------------------------------
# The header: the source, printed editions, revisions

def _archive(source_desc) -> tuple[ArchiveRef | None, str | None, int]:
    """The first manuscript witness: (archive, physical description, line)."""
    if source_desc is None:
        return None, None, 0
    ms = next(_under(source_desc, "msDesc"), None)
    if ms is None:
        return None, None, 0
    ident = _kid(ms, "msIdentifier")
    physical = _physical(_kid(ms, "physDesc"))
    if ident is None:
        return None, physical, _first_line(ms)
    settlement = _plain(_kid(ident, "settlement")) or None
    repository = _plain(_kid(ident, "repository")) or _plain(_kid(ident, "institution"))
    collection = _plain(_kid(ident, "collection")) or None
    shelfmark = _plain(_kid(ident, "idno")) or None
    if not repository and not shelfmark and not collection:
        return None, physical, _first_line(ms)
    text = ", ".join(v for v in (settlement, repository, collection, shelfmark) if v)
    return (ArchiveRef(repository=repository or collection or "", settlement=settlement,
                       shelfmark=shelfmark, text=text), physical, _first_line(ms))


def _physical(phys) -> str | None:
    """The physical description as prose; postal stamps and other `additions` are not part
    of it."""
    if phys is None:
        return None
    parts = [_plain(c) for c in phys if _local(c) != "additions"]
    text = " ".join(p for p in parts if p)
    return text or None


def _bibl_struct_text(el) -> str:
    def names(parent, tag):
        return "; ".join(_name_text(a) for a in _kids(parent, tag) if _name_text(a))

    out = []
    analytic, monogr = _kid(el, "analytic"), _kid(el, "monogr")
    if analytic is not None:
        head = names(analytic, "author")
        title = _plain(_kid(analytic, "title"))
        out.append(f"{head}: {title}" if head else title)
    if monogr is not None:
        head = names(monogr, "author") if analytic is None else ""
        title = _plain(_kid(monogr, "title"))
        title = f"{head}: {title}" if head else title
        out.append(f"In: {title}" if analytic is not None else title)
        imprint = _kid(monogr, "imprint")
        if imprint is not None:
            place = "; ".join(_plain(p) for p in _kids(imprint, "pubPlace"))
            publisher = _plain(_kid(imprint, "publisher"))
            date = _plain(_kid(imprint, "date"))
            where = ": ".join(v for v in (place, publisher) if v)
            out.append(" ".join(v for v in (where, date) if v))
        scopes = _kids(monogr, "biblScope") + (_kids(imprint, "biblScope") if imprint is not None else [])
        out.extend(_plain(s) for s in scopes)
    series = _kid(el, "series")
    if series is not None:
        out.append(f"({_plain(series)})")
    text = ". ".join(p for p in out[:2] if p)
    rest = ", ".join(p for p in out[2:] if p)
    return _norm(f"{text}. {rest}" if rest else text) or _plain(el)


def _printed(source_desc) -> tuple[str, ...]:
    if source_desc is None:
        return ()
    out = []
    for lst in _under(source_desc, "listBibl"):
        for el in lst:
            name = _local(el)
            text = _bibl_struct_text(el) if name == "biblStruct" else _plain(el) if name == "bibl" else ""
            if text and text not in out:
                out.append(text)
    for el in _kids(source_desc, "bibl", "biblStruct"):
        text = _bibl_struct_text(el) if _local(el) == "biblStruct" else _plain(el)
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _revisions(header) -> tuple[Revision, ...]:
    desc = _kid(header, "revisionDesc")
    if desc is None:
        return ()
    return tuple(Revision(when=c.get("when") or c.get("when-iso"), who=c.get("who"), text=_plain(c))
                 for c in _under(desc, "change"))


def _language(root, text_el, header) -> str | None:
    for el in (text_el, _kid(text_el, "body") if text_el is not None else None, root):
        if el is not None and language_tag(el.get(XML_LANG)):
            return language_tag(el.get(XML_LANG))
    usage = _path(header, "profileDesc", "langUsage")
    if usage is not None:
        languages = [lang for lang in _kids(usage, "language") if lang.get("ident")]
        if languages:
            def share(lang) -> float:
                try:
                    return float(lang.get("usage") or 0)
                except ValueError:
                    return 0.0
            return language_tag(max(languages, key=share).get("ident"))  # the first of equals
    return None


def _title(header) -> tuple[str, int]:
    stmt = _path(header, "fileDesc", "titleStmt")
    if stmt is None:
        return "", 1
    titles = _kids(stmt, "title")
    for test in (lambda t: t.get("level") == "a", lambda t: t.get("type") == "main",
                 lambda t: t.get("level") is None and t.get("type") is None, lambda t: True):
        for title in titles:
            if test(title) and _plain(title):
                return _plain(title), _first_line(title)
    return "", _first_line(stmt)


# ---------------------------------------------------------------------------------------------
# The body: inline handlers, one per element

#: Raw content, before white space is settled, is a list of str (text) and Inline. _LINE in it
#: says a line-like element begins or ends here: a break, unless at the start of a line.
_LINE = Inline("\x00line")
_BREAK = Inline("break")

#: Elements that stand on their own line; met inside running text, they are set off by breaks.
_LINE_LIKE = {"l", "addrLine", "p", "ab", "lg", "item", "row", "cell", "head", "dateline",
              "signed", "address", "closer", "opener", "postscript", "table", "list", "div",
              "docDate", "byline", "trailer", "floatingText", "body", "label", "figDesc",
              "caption"}

#: Elements read as their content alone: what they say about the text is not shown.
_TRANSPARENT = {"date", "time", "seg", "damage", "subst", "num", "measure", "w", "pc", "s", "phr",
                "cl", "m", "ex", "am", "bibl", "author", "editor", "publisher", "pubPlace",
                "biblScope", "imprint", "monogr", "analytic", "forename", "surname", "roleName",
                "addName", "nameLink", "genName", "term", "gloss", "mentioned", "soCalled",
                "distinct", "restore", "mod", "cit", "idno", "country", "region", "geogName",
                "bloc", "district", "objectName", "span", "rhyme", "caesura", "affiliation",
                "occupation", "listBibl", "stamp", "addSpan"}

#: Characters some editions give only by an empty `c` with a @rendition (no charDecl).
_RENDITION_CHARACTERS = {"kaufmannsund": "&", "ampersand": "&", "prozent": "%", "percent": "%",
                         "tilde": "~", "geschwungene-klammer-auf": "{", "geschwungene-klammer-zu": "}",
                         "curly-bracket-open": "{", "curly-bracket-close": "}"}

_ENTITY_TAGS = {"persName": "person", "placeName": "place", "settlement": "place",
                "geogName": "place", "country": "place", "region": "place", "district": "place",
                "bloc": "place", "orgName": "organisation", "title": "work", "workName": "work",
                "eventName": "event"}
_RS_TYPES = {"person": "person", "persname": "person", "pers": "person", "persongrp": "person",
             "people": "person", "persons": "person", "place": "place", "places": "place",
             "placename": "place", "location": "place",
             "settlement": "place", "org": "organisation", "orgname": "organisation",
             "organisation": "organisation", "organization": "organisation",
             "institution": "organisation", "orgs": "organisation", "work": "work",
             "works": "work", "title": "work", "bibl": "work", "book": "work", "text": "work",
             "writing": "work", "event": "event", "eventname": "event"}


def _entity_kind(el) -> str | None:
    name = _local(el)
    if name in _ENTITY_TAGS:
        return _ENTITY_TAGS[name]
    kind = el.get("type") or ""
    return _RS_TYPES.get(kind) or _RS_TYPES.get(slug(kind).replace("-", ""))


class _TextReader:
    """Reads one letter's text: the blocks of front, body and back, the notes, the page images.
    Holds what the handlers share: note numbers, the unhandled-element count, diagnostics."""

    def __init__(self, path: str, root, base_line: int):
        self.path = path
        self.base_line = base_line
        self.unhandled: Counter[str] = Counter()
        self.diags: list[Diagnostic] = []
        self.facsimiles: list[str] = []
        self.marks: dict[object, list[int]] = {}
        """Element -> numbers of the notes whose mark it carries (an anchor, a note in place,
        an element a note points at, a ref pointing at a note)."""
        self.note_number: dict[object, int] = {}
        self.characters = _character_declarations(_kid(root, "teiHeader"))
        self.surfaces = _surfaces(root)

    # -- reading the whole text

    def read(self, text_el) -> tuple[tuple[Block, ...], tuple[Note, ...]]:
        regions = _regions(text_el)
        self._number_notes(regions)
        blocks: list[Block] = []
        pending: list[Inline] = []
        for region in regions:
            blocks.extend(self.blocks(region, _Context(None), pending))
        if pending:
            _attach(blocks, pending, self.block_line(text_el))
        notes = tuple(sorted((self._note(el, n) for el, n in self.note_number.items()),
                             key=lambda note: note.n))
        return tuple(blocks), notes

    def _number_notes(self, regions: list) -> None:
        """Number the notes in reading order of their marks: a note pointing at an anchor
        (@corresp, @target) is marked there; a note a ref or ptr points at, at that ref; any
        other note where it stands."""
        notes = [n for region in regions for n in _reading_iter(region, "note")]
        if not notes:
            return
        wanted = {t.lstrip("#") for note in notes
                  for t in ((note.get("target") or "") + " " + (note.get("corresp") or "")).split()}
        note_ids = {n.get(XML_ID): n for n in notes if n.get(XML_ID)}
        ids: dict[str, object] = {}
        order = []  # the elements that can carry a mark, in document order
        for region in regions:
            for el in _reading_iter(region):
                xml_id = el.get(XML_ID)
                if xml_id and xml_id in wanted:
                    ids.setdefault(xml_id, el)
                    order.append(el)
                elif _local(el) in ("note", "ref", "ptr"):
                    order.append(el)
        marked_at: dict[object, list] = {}
        anchored = set()
        for note in notes:
            for token in (note.get("target") or "").split() + (note.get("corresp") or "").split():
                target = ids.get(token.lstrip("#"))
                if target is not None and target is not note and note not in target.iterancestors():
                    marked_at.setdefault(target, []).append(note)
                    anchored.add(note)
                    break
            else:
                pointers = (note.get("target") or note.get("corresp") or "").split()
                if pointers:
                    self.diags.append(warning(
                        self.path, _first_line(note),
                        f"note points at '{pointers[0]}', which is nothing in this letter; "
                        "its mark is put where the note stands", "tei-note-anchor"))
        for el in order:  # a ref or ptr pointing at a note is that note's mark
            if _local(el) in ("ref", "ptr") and el not in marked_at:
                tokens = (el.get("target") or "").split()
                hit = [note_ids[t[1:]] for t in tokens if t.startswith("#") and t[1:] in note_ids]
                hit = [n for n in hit if n not in anchored]
                if hit:
                    marked_at[el] = hit
                    anchored.update(hit)
        n = 0
        for el in order:
            for note in marked_at.get(el, ()):
                if note not in self.note_number:
                    n += 1
                    self.note_number[note] = n
                    self.marks.setdefault(el, []).append(n)
            if _local(el) == "note" and el not in anchored and el not in self.note_number:
                n += 1
                self.note_number[el] = n
                self.marks.setdefault(el, []).append(n)

    def _note(self, el, n: int) -> Note:
        inlines = _normalise(self.inlines(el), edges=True)
        note_type = el.get("type")
        kind = "commentary" if note_type in (None, "commentary", "editorial", "annotation") else note_type
        return Note(n=n, text=plain_text(inlines), line=_first_line(el), inlines=inlines, kind=kind)

    # -- inline content

    def inlines(self, el) -> list:
        """The raw content of el: texts (str) and inlines, white space as in the file."""
        out: list = []
        if el.text:
            out.append(el.text)
        for child in el:
            out.extend(self.inline(child))
            if child.tail:
                out.append(child.tail)
        return out

    def children(self, el) -> tuple[Inline, ...]:
        """The content of el as the children of an inline: white space settled."""
        return _normalise(self.inlines(el), edges=False)

    def inline(self, el) -> list:
        name = _local(el)
        if not name:  # an entity the parser left unresolved keeps its text ("&foo;")
            return [el.text] if isinstance(el.text, str) else []
        if (name in REGISTER_LISTS or name in _OTHER_LISTS) and _is_register(el):
            return []  # register data, read by read_tei_register, not text
        handler = _INLINE.get(name)
        if handler is not None:
            out = handler(self, el)
        elif name in _LINE_LIKE:
            out = [_LINE, *self.inlines(el), _LINE]
        elif name in _TRANSPARENT:
            out = self.inlines(el)
        else:
            self.unhandled[name] += 1
            out = [Inline("other", name, children=self.children(el))]
        if el in self.marks and name not in ("anchor", "note", "ref", "ptr"):
            out = out + [Inline("anchor", n=n) for n in self.marks[el]]  # after what it marks
        return out

    # -- blocks

    def block_line(self, el) -> int:
        return max(0, _first_line(el, self.base_line) - self.base_line)

    def paragraph(self, el, part: str | None, ctx: _Context, pending: list[Inline]) -> list[Block]:
        """A paragraph-like element: one block, split where a letter part stands inside it
        (a `signed` at the end of a `p`, a `seg` of a letterhead)."""
        return self.blocks(el, ctx, pending, run_part=part, splits=_SPLITS_PARAGRAPH)

    def blocks(self, el, ctx: _Context, pending: list[Inline], run_part: str | None = None,
               splits: frozenset[str] | None = None) -> list[Block]:
        """The blocks of a container: block-level children by their handlers, the running text
        between them as blocks of `run_part`. Marks with no text of their own (a page break, a
        note's anchor between paragraphs) join the next block, or the last at the end."""
        run_part = ctx.part if ctx.forced else run_part
        out: list[Block] = []
        run: list[Inline] = []
        line = self.block_line(el)

        def flush() -> None:
            nonlocal run
            if not run:
                return
            if _visible(run):
                out.append(Block(run_part, _normalise([*pending, *run], edges=True), line))
                pending.clear()
            else:
                pending.extend(i for i in run if i.__class__ is not str and i is not _LINE)
            run = []

        if el.text:
            run.append(el.text)
        for child in el:
            name = _local(child)
            handler = _BLOCK.get(name) if splits is None or name in splits else None
            if handler is not None:
                flush()
                line = self.block_line(child)
                produced = handler(self, child, ctx, pending)
                if child in self.marks and name != "note":
                    marks = [Inline("anchor", n=n) for n in self.marks[child]]
                    if produced:
                        last = produced[-1]
                        produced[-1] = Block(last.part, last.inlines + tuple(marks), last.line)
                    else:
                        pending.extend(marks)
                out.extend(produced)
            else:
                if not run:
                    line = self.block_line(child)
                run.extend(self.inline(child))
            if child.tail:
                run.append(child.tail)
        flush()
        return out


class _Context:
    """What a block handler inherits: the letter part of running text and whether that part
    holds for everything inside (a postscript's paragraphs are all postscript)."""

    __slots__ = ("part", "forced")

    def __init__(self, part: str | None, forced: bool = False):
        self.part = part
        self.forced = forced


def _regions(text_el) -> list:
    """The parts of a text that hold the letter, in reading order: front, body, back, and the
    texts of a group."""
    out = []
    for child in text_el:
        name = _local(child)
        if name in ("front", "body", "back"):
            out.append(child)
        elif name == "group":
            for inner in _under(child, "text"):
                out.extend(c for c in inner if _local(c) in ("front", "body", "back"))
    return out


_REGISTER_PLACES = {"back", "front", "body", "div", "standOff", "text", *REGISTER_LISTS, *_OTHER_LISTS}


def _is_register(el) -> bool:
    """A list of register entries (listPerson in a letter's back), not a bibliography in a
    note or a paragraph."""
    parent = el.getparent()
    return parent is not None and _local(parent) in _REGISTER_PLACES


_LIST_TAGS = tuple("{*}" + name for name in (*REGISTER_LISTS, *_OTHER_LISTS))


def _reading_iter(region, name: str | None = None) -> Iterator:
    """Every element (or every `name` element) of the reading text in a region, in document
    order; the register lists a back or a div holds are left out."""
    for child in region:
        child_name = _local(child)
        if not child_name or child_name in REGISTER_LISTS or child_name in _OTHER_LISTS:
            continue  # a list right in front, body or back is register data
        nested = [lst for lst in child.iter(*_LIST_TAGS) if _is_register(lst)]
        excluded = {el for lst in nested for el in lst.iter()} if nested else ()
        for el in (child.iter("{*}" + name) if name else child.iter()):
            if isinstance(el.tag, str) and el not in excluded:
                yield el


def _visible(items: Iterable) -> bool:
    """Whether there is anything to read: text, or an editorial sign standing for text."""
    for i in items:
        if i.__class__ is str:
            if i.strip():
                return True
        elif i.kind == "text":
            if i.text.strip():
                return True
        elif i.kind in ("gap", "supplied"):
            return True
        elif i.children and _visible(i.children):
            return True
    return False


def _attach(blocks: list[Block], marks: list[Inline], line: int) -> None:
    if blocks:
        last = blocks[-1]
        blocks[-1] = Block(last.part, last.inlines + tuple(marks), last.line)
    elif marks:  # a letter of notes only: the marks need a place
        blocks.append(Block(None, tuple(marks), line))
    marks.clear()


#: Inlines that take no room in the text: white space next to them is still at a line's edge.
_MARKERS = {"pagebreak", "anchor", "space", "other"}


def _normalise(items: list, edges: bool) -> tuple[Inline, ...]:
    """Raw content -> inlines as a reader sees them: neighbouring texts joined, runs of white
    space one space, a line-like element set off by one break, no space around a break; with
    `edges` (a whole block), no space or break at its start or end either."""
    out: list = []
    texts: list[str] = []
    breaks = False
    for item in items:
        if item.__class__ is str:
            texts.append(item)
            continue
        if item is _LINE:
            if texts:
                out.append(_collapse(texts))
                texts = []
            if out and out[-1] is not _BREAK:
                out.append(_BREAK)
                breaks = True
        elif item.kind == "text":  # a text a handler made: joins the raw texts around it
            texts.append(item.text)
        else:
            if texts:
                out.append(_collapse(texts))
                texts = []
            if item.kind == "break":
                breaks = True
            out.append(item)
    if texts:
        out.append(_collapse(texts))
    if breaks:  # no space around a line break
        for k, item in enumerate(out):
            if item.__class__ is not str and item.kind == "break":
                if k > 0 and out[k - 1].__class__ is str:
                    out[k - 1] = out[k - 1].rstrip(" ")
                if k + 1 < len(out) and out[k + 1].__class__ is str:
                    out[k + 1] = out[k + 1].lstrip(" ")
    if edges:
        _strip_edge(out, start=True)
        _strip_edge(out, start=False)
    return tuple(Inline("text", i) if i.__class__ is str else i for i in out if i != "")


def _collapse(texts: list[str]) -> str:
    text = texts[0] if len(texts) == 1 else "".join(texts)
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        return _SPACE.sub(" ", text)
    return text


def _strip_edge(items: list, start: bool) -> None:
    """Remove white space and breaks at the start (or end) of a block, looking past marks
    that take no room (a page break before the first word) and into the first inline."""
    k = 0 if start else len(items) - 1
    step = 1 if start else -1
    while 0 <= k < len(items):
        i = items[k]
        if i.__class__ is str:
            text = i.lstrip(" ") if start else i.rstrip(" ")
            items[k] = text
            if text:
                return
        elif i.kind == "break":
            items[k] = ""
        elif i.kind in _MARKERS and not i.children:
            pass
        else:
            if i.children:
                inner = [c.text if c.kind == "text" else c for c in i.children]
                _strip_edge(inner, start)
                items[k] = Inline(i.kind, i.text, i.n, tuple(
                    Inline("text", c) if c.__class__ is str else c for c in inner if c != ""))
            return
        k += step


def plain_text(inlines: Iterable[Inline]) -> str:
    """Inlines read from TEI -> their text as a reader sees it, its white space settled
    (body.plain_text)."""
    return _norm(body_plain_text(tuple(inlines)))


def _character_declarations(header) -> dict[str, str]:
    """charDecl/char and glyph ids -> the character they stand for (their mapping)."""
    out = {}
    decl = next(_under(header, "charDecl"), None) if header is not None else None
    if decl is None:
        return out
    for el in list(_under(decl, "char")) + list(_under(decl, "glyph")):
        xml_id = el.get(XML_ID)
        if not xml_id:
            continue
        mappings = _kids(el, "mapping")
        chosen = next((m for m in mappings if m.get("type") in ("standard", "normalized", "normalised")),
                      mappings[0] if mappings else None)
        text = "".join(chosen.itertext()) if chosen is not None else ""
        if text:
            out[xml_id] = text
    return out


# -- the handlers (each: reader, element -> inlines)

def _wrap(kind: str, attr: Callable[[object], str] = lambda el: "") -> Callable:
    def handler(reader: _TextReader, el) -> list[Inline]:
        return [Inline(kind, attr(el), children=reader.children(el))]
    handler.__name__ = f"_{kind}"
    return handler


def _line_break(reader: _TextReader, el) -> list[Inline]:
    return [Inline("break", "no" if el.get("break") == "no" else "")]


def _page_break(reader: _TextReader, el) -> list[Inline]:
    facs = (el.get("facs") or "").split()
    image = reader.surfaces.get(facs[0][1:], facs[0]) if facs and facs[0].startswith("#") else \
        (facs[0] if facs else "")
    if image and image not in reader.facsimiles:
        reader.facsimiles.append(image)
    number = el.get("n") or ""
    return [Inline("pagebreak", image, int(number) if number.isdigit() else 0)]


def _space(reader: _TextReader, el) -> list[Inline]:
    extent = el.get("extent")
    if extent is None:
        quantity, unit = el.get("quantity"), el.get("unit")
        extent = f"{quantity} {unit}" if quantity and unit else quantity or unit or ""
        if el.get("dim") == "vertical":
            extent = f"vertical {extent}".strip()
    return [Inline("space", extent)]


def _gap(reader: _TextReader, el) -> list[Inline]:
    return [Inline("gap", "[…]")]


def _supplied(reader: _TextReader, el) -> list[Inline]:
    children = reader.children(el)
    return [Inline("supplied", plain_text(children), children=children)]


_ALTERNATIVES = {"sic", "corr", "abbr", "expan", "orig", "reg"}


def _choice(reader: _TextReader, el) -> list[Inline]:
    """The alternatives of a choice, each as its own kind; one of another element (a seg) keeps
    its text as "other"."""
    alternatives = []
    for child in el:
        name = _local(child)
        if not name:
            continue
        inner = reader.inline(child)
        if name in _ALTERNATIVES and len(inner) == 1 and inner[0].__class__ is not str:
            alternatives.append(inner[0])
        else:
            alternatives.append(Inline("other", name, children=_normalise(inner, edges=False)))
    return [Inline("choice", children=tuple(alternatives))]


def _character(reader: _TextReader, el) -> list[Inline]:
    if len(el) or el.text:
        return reader.inlines(el)
    for token in (el.get("ref") or "").split():
        if token.lstrip("#") in reader.characters:
            return [reader.characters[token.lstrip("#")]]
    for token in (el.get("rendition") or el.get("rend") or "").split():
        name = token.lstrip("#").lower()
        if name in _RENDITION_CHARACTERS:
            return [_RENDITION_CHARACTERS[name]]
        if name in ("dots", "punkte"):
            count = (el.get("n") or "3").strip()
            return ["." * (int(count) if count.isdigit() else 3)]
    reader.unhandled[_local(el)] += 1
    return [Inline("other", _local(el))]


def _entity(reader: _TextReader, el) -> list[Inline]:
    keys = ref_keys(el)
    if not keys:
        return reader.inlines(el)
    if len(keys) < len(pointer_tokens(el)):
        reader.diags.append(warning(reader.path, _first_line(el), f"<{_local(el)}> names the same "
                                    f"entry twice: ref='{el.get('ref') or el.get('key')}'; once is "
                                    "enough", "tei-ref-twice"))
    kind = _entity_kind(el)
    if kind is None:  # a reference of a kind the site has no register for
        reader.unhandled[_local(el)] += 1
        return [Inline("other", _local(el), children=reader.children(el))]
    implied = IMPLIED if (el.get("subtype") or el.get("type") or "").lower() == "implied" else 0
    node = reader.children(el)
    for key in reversed(keys):  # several entries: nested, the first outermost
        node = (Inline(kind, key, implied, node),)
    return list(node)


def _reference(reader: _TextReader, el) -> list[Inline]:
    if el in reader.marks:  # a ref or ptr pointing at a note is the note's mark
        return [Inline("anchor", n=n) for n in reader.marks[el]]
    target = (el.get("target") or "").strip()
    if not target:
        return reader.inlines(el)
    return [Inline("ref", target, children=reader.children(el))]


def _anchor(reader: _TextReader, el) -> list[Inline]:
    marks = [Inline("anchor", n=n) for n in reader.marks.get(el, ())]
    return marks + reader.inlines(el)  # an anchor wrapping a passage keeps the passage


def _note_mark(reader: _TextReader, el) -> list[Inline]:
    """A note stands in the text: its mark, if it is marked here (its text goes to the notes)."""
    return [Inline("anchor", n=n) for n in reader.marks.get(el, ())]


def _run_in_salute(reader: _TextReader, el) -> list:
    """A salutation run into the first paragraph ("Lieber Richard! Ich ..."): its text, and
    a space after it when the file gives none, for the salutation ends a phrase."""
    out = reader.inlines(el)
    following = el.getnext()
    if not (el.tail or "")[:1].isspace() and not (
            not el.tail and following is not None and _local(following) in ("space", "lb")):
        out.append(" ")
    return out


def _foreign_language(el) -> str:
    return language_tag(el.get(XML_LANG)) or ""


def _hi_rend(el) -> str:
    return (el.get("rend") or el.get("rendition") or el.get("style") or "").strip().lstrip("#")


def _keeping_content(handler: Callable) -> Callable:
    """A handler for an element that should be empty (lb, pb, space, gap): what a file puts
    inside one anyway is kept after it."""
    def keeping(reader: _TextReader, el) -> list:
        out = handler(reader, el)
        if len(el) or el.text:
            out = [*out, *reader.inlines(el)]
        return out
    keeping.__name__ = handler.__name__
    return keeping


_INLINE: dict[str, Callable[[_TextReader, object], list[Inline]]] = {
    "lb": _keeping_content(_line_break),
    "pb": _keeping_content(_page_break),
    "hi": _wrap("hi", _hi_rend),
    "emph": _wrap("hi", lambda el: el.get("rend") or "emphasis"),
    "del": _wrap("del", lambda el: el.get("rend") or el.get("type") or ""),
    "add": _wrap("add", lambda el: el.get("place") or ""),
    "choice": _choice,
    "sic": _wrap("sic"),
    "corr": _wrap("corr"),
    "abbr": _wrap("abbr"),
    "expan": _wrap("expan"),
    "orig": _wrap("orig"),
    "reg": _wrap("reg"),
    "unclear": _wrap("unclear", lambda el: el.get("reason") or ""),
    "gap": _keeping_content(_gap),
    "supplied": _supplied,
    "space": _keeping_content(_space),
    "foreign": _wrap("foreign", _foreign_language),
    "quote": _wrap("quote"),
    "q": _wrap("quote"),
    "said": _wrap("quote"),
    "c": _character,
    "g": _character,
    "rs": _entity,
    "persName": _entity,
    "placeName": _entity,
    "orgName": _entity,
    "title": _entity,
    "name": _entity,
    "settlement": _entity,
    "eventName": _entity,
    "workName": _entity,
    "ref": _reference,
    "ptr": _reference,
    "anchor": _anchor,
    "note": _note_mark,
    "salute": _run_in_salute,  # met in running text; as a block of its own, see _BLOCK
}


# -- the block handlers (each: reader, element, context, pending marks -> blocks)

def _part_block(part: str) -> Callable:
    def handler(reader: _TextReader, el, ctx: _Context, pending: list[Inline]) -> list[Block]:
        return reader.paragraph(el, ctx.part if ctx.forced else part, ctx, pending)
    handler.__name__ = f"_{part}_block"
    return handler


def _running_paragraph(reader: _TextReader, el, ctx: _Context, pending: list[Inline]) -> list[Block]:
    return reader.paragraph(el, ctx.part, ctx, pending)


def _salute(reader: _TextReader, el, ctx: _Context, pending: list[Inline]) -> list[Block]:
    # a salute in a closer is the closing formula ("Herzlichst Ihr")
    part = ctx.part if ctx.forced or ctx.part == "closing" else "salutation"
    return reader.paragraph(el, part, ctx, pending)


def _container(part: str | None, forced: bool = False) -> Callable:
    def handler(reader: _TextReader, el, ctx: _Context, pending: list[Inline]) -> list[Block]:
        inner = ctx if ctx.forced else _Context(part if part is not None else ctx.part, forced)
        return reader.blocks(el, inner, pending, run_part=inner.part)
    handler.__name__ = f"_{part or 'plain'}_container"
    return handler


_DIV_PARTS = {"address": "address", "envelope": "address", "postscript": "postscript",
              "ps": "postscript", "opener": "heading", "closer": "closing",
              "dateline": "dateline", "datum": "dateline", "signature": "signature",
              "salutation": "salutation", "salute": "salutation"}


def _division(reader: _TextReader, el, ctx: _Context, pending: list[Inline]) -> list[Block]:
    part = _DIV_PARTS.get((el.get("type") or "").lower())
    if ctx.forced or part is None:
        return reader.blocks(el, ctx, pending, run_part=ctx.part)
    inner = _Context(part, forced=part in ("address", "postscript"))
    return reader.blocks(el, inner, pending, run_part=part)


_BLOCK: dict[str, Callable[[_TextReader, object, _Context, list[Inline]], list[Block]]] = {
    "p": _running_paragraph,
    "ab": _running_paragraph,
    "seg": _running_paragraph,
    "lg": _running_paragraph,
    "row": _running_paragraph,
    "item": _running_paragraph,
    "figDesc": _running_paragraph,
    "caption": _running_paragraph,
    "byline": _running_paragraph,
    "trailer": _running_paragraph,
    "head": _part_block("heading"),
    "dateline": _part_block("dateline"),
    "docDate": _part_block("dateline"),
    "signed": _part_block("signature"),
    "address": _part_block("address"),
    "salute": _salute,
    "opener": _container("heading"),
    "closer": _container("closing"),
    "postscript": _container("postscript", forced=True),
    "div": _division,
    "div1": _division, "div2": _division, "div3": _division, "div4": _division,
    "div5": _division, "div6": _division, "div7": _division,
    "front": _container(None), "body": _container(None), "back": _container(None),
    "floatingText": _container(None), "text": _container(None), "group": _container(None),
    "table": _container(None), "list": _container(None), "figure": _container(None),
    "epigraph": _container(None), "argument": _container(None),
}

#: Inside a paragraph, the elements that end it and stand on their own.
_SPLITS_PARAGRAPH = frozenset({"signed", "dateline", "address", "closer", "opener", "postscript",
                               "p", "ab", "lg", "table", "list", "head", "div", "seg", "docDate",
                               "byline", "trailer", "floatingText", "figure"})


# ---------------------------------------------------------------------------------------------
# Letters

def read_tei_letter(data: bytes, path: str) -> tuple[Letter | None, list[Diagnostic], Counter[str]]:
    """One TEI P5 letter file -> (the letter, what is wrong, the unhandled elements by name).

    The letter is None when the file cannot be read as a letter (not XML, not TEI, a register);
    the diagnostics then say why, on one line each."""
    root, diags = _parse(data, path)
    if root is None:
        return None, diags, Counter()
    refusal = _not_a_letter(root, path)
    if refusal is not None:
        return None, [refusal], Counter()
    ident = _letter_ident(root, path)
    if not ident:
        return None, [error(path, _first_line(root), "no id for this letter: give <TEI> an "
                            "xml:id or the file a name of letters and digits", "tei-id")], Counter()
    header, text_el = _kid(root, "teiHeader"), _kid(root, "text")
    corresp = _corresp_desc(header)
    key_lines: dict[str, int] = {}
    title, key_lines["title"] = _title(header)
    people = _correspondence(header, text_el, path, diags, key_lines)
    source_desc = _path(header, "fileDesc", "sourceDesc")
    archive, physical, archive_line = _archive(source_desc)
    if archive_line:
        key_lines["archive"] = archive_line
    text = _read_text(root, text_el, path, diags)
    unhandled = text.pop("unhandled", Counter())
    own = [entry for lst in _header_lists(header)
           for entry in _entries_of(lst, path, diags, from_letter=True)]
    if own:
        text["register_entries"] = (*own, *text.get("register_entries", ()))
    people = _named_by_entries(people, text.get("register_entries", ()))
    related = _related(_kid(corresp, "correspContext") if corresp is not None else None)
    senders, recipients, date = people["senders"], people["recipients"], people["date"]
    letter = Letter(
        id=ident, number=None,
        title=title or _fallback_title(senders, recipients, date) or ident,
        senders=senders, recipients=recipients, date=date, place=people["place"],
        place_received=people["place_received"], archive=archive, physical=physical, body="",
        kind=_kind(source_desc), printed=_printed(source_desc), revisions=_revisions(header),
        related=related, in_reply_to=next((r.target for r in related if r.type == "reply-to"), None),
        language=_language(root, text_el, header), path=path, key_lines=FrozenMap(key_lines),
        **text)
    return letter, diags, unhandled


def _not_a_letter(root, path: str) -> Diagnostic | None:
    """Why a parsed file is not one TEI letter, or None when it is one."""
    name = _local(root)
    line = _first_line(root)
    if name == "teiCorpus":
        return error(path, line, "a teiCorpus holds several texts; a TEI letter file holds one "
                     "<TEI> (one letter)", "tei-not-letter")
    if name != "TEI":
        return error(path, line, f"not a TEI file: the root element is <{name or '?'}>, not <TEI>",
                     "tei-not-tei")
    header, text_el = _kid(root, "teiHeader"), _kid(root, "text")
    if header is None:
        return error(path, line, "TEI file without a teiHeader", "tei-not-tei")
    corresp = _corresp_desc(header)
    if corresp is None and text_el is not None and _holds_register(text_el):
        return error(path, line, "a register (a list of entries), not a letter: name it under "
                     "'registers:' in edition.yaml, not 'letters:'", "tei-not-letter")
    return None


def _corresp_desc(header):
    """The letter's correspDesc: in profileDesc, where the Guidelines put it, else wherever the
    header holds one (schemas older than the Guidelines' element keep it in sourceDesc)."""
    if header is None:
        return None
    corresp = _path(header, "profileDesc", "correspDesc")
    return corresp if corresp is not None else next(_under(header, "correspDesc"), None)


def _letter_ident(root, path: str) -> str:
    """The letter's id: its xml:id, else its file name, made URL-safe ("L00123" -> "l00123")."""
    stem = re.sub(r"\.[^./]*$", "", path.replace("\\", "/").rsplit("/", 1)[-1])
    return slug(root.get(XML_ID) or "") or slug(stem)


def _correspondence(header, text_el, path: str, diags: list[Diagnostic],
                    key_lines: dict[str, int]) -> dict:
    """Senders, recipients, the date and the places, from correspDesc (and, for the date, from
    creation or the letter's own dateline when correspDesc has none)."""
    profile = _kid(header, "profileDesc")
    corresp = _corresp_desc(header)
    actions = _actions(corresp)
    senders, recipients = _correspondents(actions, path, diags)
    by_role = _actions_by_role(actions)
    # an untyped action holding typed names (sender and addressee in one) describes the sending
    sent = by_role.get("sent") or [a for a in actions if not _action_type(a)][:1]
    received = by_role.get("received", [])
    date_el = _dated(sent)
    if date_el is None and corresp is not None:  # a date beside the actions (early proposal)
        beside = _kid(corresp, "date", "dateSender")
        date_el = beside if beside is None or _kid(beside, "date") is None else _kid(beside, "date")
    if date_el is None:
        date_el = _creation_date(profile)
    if date_el is None and text_el is not None:
        date_el = _text_date(text_el)
    # only its receipt dated: the letter was written by then
    received_el = _dated(received) if date_el is None else None
    if corresp is None:
        senders = _authors(header)
        diags.append(warning(path, _first_line(header), "no correspDesc: recipients and the "
                             "date are not given in the header" + (
                                 "; the senders are the title's authors" if senders else
                                 ", nor senders"), "tei-no-correspdesc"))
    for key, el in (("senders", sent[0] if sent else None),
                    # (names typed as addressees in the one action: that action's line)
                    ("recipients", received[0] if received else
                     sent[0] if sent and recipients else None),
                    ("date", date_el if date_el is not None else received_el),
                    ("related", _kid(corresp, "correspContext") if corresp is not None else None)):
        if el is not None:
            key_lines[key] = _first_line(el)
    return {
        "senders": senders, "recipients": recipients,
        "date": _letter_date(date_el, path, diags) if date_el is not None else
        _written_by(_letter_date(received_el, path, diags)) if received_el is not None else
        LetterDate(text=UNDATED),
        "place": _place(sent[0] if sent else None) or _place(corresp, "placeSender"),
        "place_received": _place(received[0] if received else None)
        or _place(corresp, "placeAddressee"),
    }


def _authors(header) -> tuple[Correspondent, ...]:
    """The authors of titleStmt, as senders of a letter whose header has no correspDesc: who
    wrote a letter sent it."""
    stmt = _path(header, "fileDesc", "titleStmt")
    out = []
    for author in _kids(stmt, "author") if stmt is not None else ():
        name = _kid(author, *_CORRESPONDENT_NAMES)
        party = _correspondent(name if name is not None else author)
        if party is not None and party not in out:
            out.append(party)
    return tuple(out)


def _read_text(root, text_el, path: str, diags: list[Diagnostic]) -> dict:
    """The Letter fields the <text> gives: blocks, notes, page images, source span, and the
    persons the letter's back describes."""
    if text_el is None:
        diags.append(warning(path, _first_line(root), "no <text>: the letter has no body",
                             "tei-no-text"))
        return {}
    regions = _regions(text_el)
    body_line = _first_line(regions[0] if regions else text_el)
    reader = _TextReader(path, root, body_line)
    blocks: tuple[Block, ...] = ()
    notes: tuple[Note, ...] = ()
    try:
        blocks, notes = reader.read(text_el)
    except RecursionError:
        diags.append(error(path, body_line, "the text is nested too deeply to be read", "tei-depth"))
    diags.extend(reader.diags)
    # every list: the persons make an edition's persons when it has no index of them
    # (persons_from_forms); a place, body or work its index lacks is taken from them too
    # (entries_missing_from)
    entries = [entry for lst in _register_lists(text_el)
               for entry in _entries_of(lst, path, diags, from_letter=True)]
    return {"blocks": blocks, "notes": notes, "body_line": body_line,
            "source": SourceSpan(path, body_line, max(_last_line(regions), body_line)),
            "facsimiles": tuple(reader.facsimiles) or _facsimile_graphics(root),
            "register_entries": tuple(entries), "unhandled": reader.unhandled}


def _header_lists(header) -> list:
    """The register lists of the header's particDesc and settingDesc: the persons and places
    of this letter, described where the correspondents and places point."""
    profile = _kid(header, "profileDesc") if header is not None else None
    if profile is None:
        return []
    return [lst for desc in _kids(profile, "particDesc", "settingDesc")
            for lst in _kids(desc, *REGISTER_LISTS)]


def _named_by_entries(people: dict, entries: Iterable[Person]) -> dict:
    """Correspondents and places named only by a pointer (`<persName ref="#p1"/>`), given the
    name of the entry the letter's own lists hold for it."""
    names = {(e.register, e.ref): e.name for e in entries}
    if not names:
        return people

    def named(party, register: str):
        return _pointer_named(party, names, register)

    return {**people,
            "senders": tuple(named(c, c.register) for c in people["senders"]),
            "recipients": tuple(named(c, c.register) for c in people["recipients"]),
            "place": named(people["place"], "places"),
            "place_received": named(people["place_received"], "places")}


def _pointer_named(party, names: dict[tuple[str, str], str], register: str,
                   ref: str | None = None):
    """A correspondent or place named by a pointer alone (the reader could give its name only
    as its key), with the name of the entry it points at (under `ref`, when the pointer names
    the entry by another key); any other party as it is."""
    if party is None or party.ref is None or party.name != party.ref:
        return party
    name = names.get((register, ref or party.ref))
    return replace(party, name=name) if name else party


def _kind(source_desc) -> str:
    """"telegram" when the source says the object is one (objectType, objectDesc/@form), else
    "letter"."""
    if source_desc is not None:
        for el in [*_under(source_desc, "objectType"), *_under(source_desc, "objectDesc")]:
            words = " ".join(filter(None, (el.get("corresp"), el.get("ana"), el.get("form"),
                                           _plain(el))))
            if "telegra" in words.lower():
                return "telegram"
    return "letter"


def _fallback_title(senders, recipients, date: LetterDate) -> str:
    names = " – ".join(filter(None, ("; ".join(s.name for s in senders),
                                     "; ".join(r.name for r in recipients if r.role == "to"))))
    return f"{names}, {date.text}" if names and date.text != UNDATED else names


def _creation_date(profile):
    """profileDesc/creation/date: when the letter was written, for a header with no
    correspDesc date."""
    creation = _kid(profile, "creation") if profile is not None else None
    return _kid(creation, "date") if creation is not None else None


def _text_date(text_el):
    """A date the letter itself gives with a normalised value, when the header has none
    (docDate, or a date in the dateline)."""
    for el in _under(text_el, "docDate"):
        return el
    for dateline in _under(text_el, "dateline"):
        for el in _under(dateline, "date"):
            if any(_date_value(el, a) for a in _DATE_ATTRS):
                return el
    return None


def _holds_register(text_el) -> bool:
    body = _kid(text_el, "body")
    if body is None:
        return False
    lists = [el for el in body.iter() if _local(el) in REGISTER_LISTS]
    has_prose = any(_local(el) in ("p", "ab", "opener", "closer") for el in body.iter()
                    if not any(_local(a) in REGISTER_LISTS for a in el.iterancestors()))
    return bool(lists) and not has_prose


def _register_lists(text_el, *names: str) -> Iterator:
    """The register lists (of `names`, or all) a letter's text carries, in its back mostly;
    a list nested in another is read with it."""
    for el in text_el.iter(*("{*}" + name for name in names or REGISTER_LISTS)):
        if _is_register(el) and _local(el.getparent()) not in REGISTER_LISTS:
            yield el


def _last_line(regions: list) -> int:
    """The line the letter's text ends on: that of the last element of its last region that
    is not register data (lxml gives the line an element starts on)."""
    for region in reversed(regions):
        for child in reversed(region):
            if _local(child) and not (_local(child) in REGISTER_LISTS or _local(child) in _OTHER_LISTS):
                last = child
                for last in child.iter():
                    pass
                return last.sourceline or 0
        if region.sourceline:
            return region.sourceline
    return 0


def _surfaces(root) -> dict[str, str]:
    """facsimile/surface (or graphic) ids -> the image they show, for pb/@facs="#id"."""
    out = {}
    facsimile = _kid(root, "facsimile")
    if facsimile is None:
        return out
    for el in facsimile.iter():
        xml_id = el.get(XML_ID)
        if not xml_id:
            continue
        url = el.get("url")
        if url is None:
            graphic = next(_under(el, "graphic"), None)
            url = graphic.get("url") if graphic is not None else None
        if url:
            out[xml_id] = url
    return out


def _facsimile_graphics(root) -> tuple[str, ...]:
    facsimile = _kid(root, "facsimile")
    if facsimile is None:
        return ()
    urls = []
    for el in _under(facsimile, "graphic"):
        url = el.get("url")
        if url and url not in urls:
            urls.append(url)
    return tuple(urls)


# ---------------------------------------------------------------------------------------------
# Registers

def read_tei_register(data: bytes, path: str) -> tuple[list[Person], list[Diagnostic]]:
    """A TEI file with listPerson, listPlace, listOrg or listBibl -> its entries (model.Person
    with register "persons", "places", "organisations" or "works"). A letter file's own lists
    (in its back) read the same way."""
    root, diags = _parse(data, path)
    if root is None:
        return [], diags
    entries: list[Person] = []
    lists = [el for el in root.iter() if _local(el) in REGISTER_LISTS and not any(
        _local(a) in _ENTRY_TAGS or _local(a) == "teiHeader" for a in el.iterancestors())]
    for lst in lists:
        entries.extend(_entries_of(lst, path, diags))
    if not lists:
        diags.append(warning(path, _first_line(root), "no listPerson, listPlace, listOrg or "
                             "listBibl in this register file", "tei-register-empty"))
    seen: dict[tuple[str, str], int] = {}
    unique = []
    for entry in entries:
        key = (entry.register, entry.ref)
        if key in seen:
            diags.append(warning(path, entry.line, f"entry '{entry.ref}' is given twice; the "
                                 f"other is on line {seen[key]}; this one is left out",
                                 "tei-register-duplicate"))
            continue
        seen[key] = entry.line
        unique.append(entry)
    return unique, diags


def _entries_of(lst, path: str, diags: list[Diagnostic], from_letter: bool = False) -> list[Person]:
    """The entries of one list, nested lists included."""
    register = REGISTER_LISTS.get(_local(lst), "persons")
    out = []
    for el in lst:
        name = _local(el)
        if name in REGISTER_LISTS:
            out.extend(_entries_of(el, path, diags, from_letter))
        elif _ENTRY_TAGS.get(name) == register:
            out.extend(_entry_and_within(el, register, path, diags, from_letter))
    return out


def _entry_and_within(el, register: str, path: str, diags: list[Diagnostic],
                      from_letter: bool) -> list[Person]:
    """An entry and the entries within it (a place within a place). A list of another register
    inside an entry (the works a place is named in) is not part of this register."""
    read = _letter_entry if from_letter else _entry
    entry = read(el, register, path, diags)
    out = [entry] if entry is not None else []
    for inner in el:
        name = _local(inner)
        if name == _local(el):
            out.extend(_entry_and_within(inner, register, path, diags, from_letter))
        elif REGISTER_LISTS.get(name) == register:
            out.extend(_entries_of(inner, path, diags, from_letter))
    return out


#: Entries as letters' backs repeat them (the same person in a thousand letters), by their XML:
#: each is read once. Its result depends on the XML alone, so the memo changes no output.
_LETTER_ENTRIES: dict[tuple[str, bytes], tuple[Person | None, tuple]] = {}


def _letter_entry(el, register: str, path: str, diags: list[Diagnostic]) -> Person | None:
    """An entry of a letter's own list. Its `line` is 0: the entry is a copy, kept in many files,
    and a message about it names the line in the file at hand."""
    key = (register, etree.tostring(el, with_tail=False))
    known = _LETTER_ENTRIES.get(key)
    here = _first_line(el)
    if known is None:
        found: list[Diagnostic] = []
        entry = _entry(el, register, path, found)
        entry = replace(entry, line=0) if entry is not None else None
        known = (entry, tuple((d.line - here, d.level, d.message, d.code) for d in found))
        if len(_LETTER_ENTRIES) > 200_000:  # a bound for a long-running serve
            _LETTER_ENTRIES.clear()
        _LETTER_ENTRIES[key] = known
    entry, found_again = known
    diags.extend(Diagnostic(path, here + offset, level, message, code)
                 for offset, level, message, code in found_again)
    return entry


_ENTRY_NAMES = {"persons": ("persName", "name"), "places": ("placeName", "name", "settlement",
                                                             "geogName", "country"),
                "organisations": ("orgName", "name"), "works": ("title",)}


def _entry(el, register: str, path: str, diags: list[Diagnostic]) -> Person | None:
    """One register entry. Its children are grouped by name once: a register of thousands of
    entries is read in one pass over each."""
    xml_id, n = el.get(XML_ID), el.get("n")
    ref = slug(xml_id or n or "")
    line = _first_line(el)
    if not ref:
        diags.append(warning(path, line, f"<{_local(el)}> without xml:id or n: it cannot be "
                             "linked and is left out", "tei-register-id"))
        return None
    aliases = tuple(a for a in (slug(n or ""), slug(el.get("key") or "")) if a and a != ref)
    kids = _by_name(el)
    if _local(el) == "biblStruct":
        names = [_bibl_struct_text(el)]
        forms = []
    else:
        forms = _preferred_first([c for name in _ENTRY_NAMES[register] for c in kids.get(name, ())])
        names = [_name_text(c) for c in forms]
    names = [x for x in dict.fromkeys(names) if x and "://" not in x]  # a link is not a name
    if not names:
        names = [ref]
    sort_name = None
    if register == "persons" and forms:
        sort_name = _sort_name(forms[0])
    name = _display_name(forms[0]) if register == "persons" and forms else names[0]
    variants = tuple(v for v in names if v not in (name, sort_name))
    return Person(
        ref=ref, name=name, sort_name=sort_name if sort_name != name else None, variants=variants,
        description=_description(kids, register), dates=_entry_dates(kids, register),
        kind=_ENTRY_KINDS[register], line=line, register=register,
        ids=FrozenMap(_authority_ids(kids.get("idno", ()))),
        coordinates=_coordinates(kids.get("location", ()), path, diags),
        aliases=aliases)


_ENTRY_KINDS = {"persons": "person", "places": "place", "organisations": "organisation",
                "works": "work"}


def _preferred_first(forms: list) -> list:
    """Name forms with the preferred first: one typed pref/main/reg, then untyped ones, then the
    rest (alternative names, former names), each group in file order."""
    def rank(form) -> int:
        kind = (form.get("type") or "").lower()
        return 0 if kind in ("pref", "main", "reg", "preferred", "full") else 1 if not kind else 2
    return sorted(forms, key=rank)


def _sort_name(el) -> str | None:
    surname, forename = _kid(el, "surname"), _kid(el, "forename")
    if surname is not None and forename is not None:
        return f"{_plain(surname)}, {_plain(forename)}"
    return None


def _display_name(el) -> str:
    surname, forename = _kid(el, "surname"), _kid(el, "forename")
    if surname is not None and forename is not None:
        return _norm(f"{_plain(forename)} {_plain(surname)}")
    return _name_text(el)


def _description(kids: dict[str, list], register: str) -> str | None:
    if register == "persons":
        jobs = [_plain(o) for o in kids.get("occupation", ()) if _plain(o)]
        if jobs:
            return ", ".join(dict.fromkeys(jobs))
    if register == "works":
        authors = [_name_text(a) for a in kids.get("author", ()) if _name_text(a)]
        if authors:
            return "; ".join(authors)
    for desc in [*kids.get("desc", ()), *kids.get("note", ())]:
        kind = (desc.get("type") or "").lower()
        text = _plain(desc)
        if text and not kind.endswith("_id") and not kind.endswith("-id") and not text.isdigit() \
                and kind not in ("idno", "collections", "image", "references", "apis_dates") \
                and "://" not in text:
            return text
    return None


def _date_text(el) -> str:
    if el is None:
        return ""
    text = _plain(el)
    if text:
        return text
    for name in ("when", "from", "notBefore"):
        value = el.get(name) or el.get(name + "-iso")
        if value:
            return value
    return ""


def _event_date(el) -> str:
    """The date of a birth or death: its date child, else its own dating attributes or text
    (never the text of the place named in it)."""
    if el is None:
        return ""
    date = _kid(el, "date")
    if date is not None:
        return _date_text(date)
    if not len(el) and _norm(el.text):
        return _norm(el.text)
    for name in ("when", "from", "notBefore"):
        value = el.get(name) or el.get(name + "-iso")
        if value:
            return value
    return ""


def _entry_dates(kids: dict[str, list], register: str) -> str | None:
    if register == "persons":
        born = _event_date(kids["birth"][0]) if "birth" in kids else ""
        died = _event_date(kids["death"][0]) if "death" in kids else ""
        if born and died:
            return f"{born} – {died}"
        return f"* {born}" if born else f"† {died}" if died else None
    candidates = [*kids.get("date", ()), *kids.get("floruit", ()), *kids.get("existence", ())]
    for note in [*kids.get("note", ()), *kids.get("event", ())]:
        candidates.extend(_kids(note, "date"))
    for candidate in candidates:
        text = _date_text(candidate)
        if text:
            return text
    return None


def _authority_ids(idnos: Iterable) -> dict[str, str]:
    out: dict[str, str] = {}
    for idno in idnos:
        value = _plain(idno)
        if not value:
            continue
        declared = None
        for attr in ("subtype", "type"):
            word = (idno.get(attr) or "").lower()
            if word in AUTHORITIES:
                declared = word
                break
        found = authority_id(value) if "://" in value else None
        scheme = declared or (found[0] if found else None)
        if scheme is None or scheme in out:
            continue
        if found and found[0] == scheme:
            out[scheme] = found[1]
        elif "://" in value:
            out[scheme] = [s for s in value.split("/") if s][-1]
        else:
            out[scheme] = value
    return out


def _coordinates(locations: Iterable, path: str, diags: list[Diagnostic]) -> tuple[float, float] | None:
    locations = list(locations)
    locations.sort(key=lambda loc: 0 if (loc.get("type") or "") in ("coords", "") else 1)
    for loc in locations:
        if (loc.get("type") or "") not in ("coords", ""):
            continue
        geo = _kid(loc, "geo")
        if geo is None:
            continue
        coordinates = parse_geo(_plain(geo))
        if coordinates is None:
            diags.append(warning(path, _first_line(geo), f"geo '{_plain(geo)}' is not 'latitude "
                                 "longitude'; the place is left without coordinates", "tei-geo"))
        return coordinates
    return None


def parse_geo(text: str) -> tuple[float, float] | None:
    """TEI geo ("lat lon") -> (latitude, longitude): "48.2 16.37", "48,208333 16,373056"
    (decimal commas) and "48.2,16.37" all read."""
    text = text.strip()
    parts = text.split()
    if len(parts) == 1 and parts[0].count(",") == 1:
        parts = parts[0].split(",")
    elif len(parts) == 2:
        parts = [p.rstrip(",").replace(",", ".") for p in parts]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


# ---------------------------------------------------------------------------------------------
# Registers from the letters themselves

def walk_inlines(inlines: Iterable[Inline],
                 parent: Inline | None = None) -> Iterator[tuple[Inline, Inline | None]]:
    """Every inline of a tree with its parent, in reading order."""
    for i in inlines:
        yield i, parent
        if i.children:
            yield from walk_inlines(i.children, i)


def letter_inlines(letter: Letter) -> Iterator[tuple[Inline, Inline | None]]:
    """Every inline of a letter's blocks and notes, with its parent."""
    for block in letter.blocks or ():
        yield from walk_inlines(block.inlines)
    for note in letter.notes:
        yield from walk_inlines(note.inlines or ())


def _spelling(mention: Inline, parent: Inline | None) -> str | None:
    """How a mention spells the name, or None when it does not spell it (an implied mention,
    one of several entries named together)."""
    if mention.n == IMPLIED:
        return None
    if parent is not None and parent.kind in ENTITY_KINDS and len(parent.children) == 1:
        return None
    if len(mention.children) == 1 and mention.children[0].kind in ENTITY_KINDS:
        return None
    text = plain_text(mention.children)
    return text or None


def persons_from_letters(letters: Iterable[Letter]) -> list[Person]:
    """The persons register of an edition without a persons index, from the letters' own markup
    (persons_from_forms over each letter's person_forms and register entries)."""
    letters = list(letters)
    return persons_from_forms([letter.register_entries for letter in letters],
                              [person_forms(letter) for letter in letters])


def person_forms(letter: Letter) -> tuple[tuple[str, str, str], ...]:
    """(ref, "header" or "text", spelling) of each naming of a person in a letter's
    correspDesc and text, in order: what persons_from_forms needs of a letter (a build keeps
    it with the letter's summary)."""
    out: list[tuple[str, str, str]] = []
    for c in (*letter.senders, *letter.recipients):
        if c.ref and c.register == "persons":
            out.append((c.ref, "header", c.name))
    for inline, parent in letter_inlines(letter):
        if inline.kind == "person":
            out.append((inline.text, "text", _spelling(inline, parent) or ""))
    return tuple(out)


_REGISTER_OF_KIND = {"place": "places", "organisation": "organisations", "work": "works"}


def named_forms(letter: Letter) -> tuple[tuple[str, str, str], ...]:
    """(register, ref, spelling) of each naming of a place, body or work in a letter's header
    (a body as correspondent, the places of writing and receipt) and in its text and notes, in
    order (what entries_named_only needs of a letter)."""
    out: list[tuple[str, str, str]] = []
    for c in (*letter.senders, *letter.recipients):
        if c.ref and c.register != "persons":
            out.append((c.register, c.ref, c.name if c.name != c.ref else ""))
    for place in (letter.place, letter.place_received):
        if place is not None and place.ref:
            out.append(("places", place.ref, place.name if place.name != place.ref else ""))
    for inline, parent in letter_inlines(letter):
        register = _REGISTER_OF_KIND.get(inline.kind)
        if register is not None and inline.text:
            out.append((register, inline.text, _spelling(inline, parent) or ""))
    return tuple(out)


def entries_named_only(entries: Iterable[Person],
                       form_lists: Iterable[Iterable[tuple[str, str, str]]]) -> list[Person]:
    """A place, body or work the letters name by a key that no index and no letter's own list
    describes: an entry named by its most frequent spelling (the key itself when it is never
    spelt out), the other spellings its variants; in register and ref order."""
    known = {(e.register, e.ref) for e in entries}
    forms: dict[tuple[str, str], Counter[str]] = {}
    for named in form_lists:
        for register, ref, spelling in named:
            if (register, ref) not in known:
                counter = forms.setdefault((register, ref), Counter())
                if spelling:
                    counter[spelling] += 1
    out = []
    for (register, ref), spellings in sorted(forms.items()):
        ordered = _by_frequency(spellings) or [ref]
        out.append(Person(ref=ref, name=ordered[0], variants=tuple(ordered[1:]),
                          register=register, kind=_ENTRY_KINDS[register]))
    return out


def entries_missing_from(entries: Iterable[Person], entry_lists: Iterable[Iterable[Person]]
                         ) -> list[Person]:
    """The places, bodies and works the letters' own lists hold and the edition's indices lack
    (a letter names a place the index was never given): the first letter's copy of each, in
    register and ref order. Persons are left to persons_from_forms."""
    known = {(e.register, e.ref) for e in entries}
    found: dict[tuple[str, str], Person] = {}
    for own in entry_lists:
        for entry in own:
            key = (entry.register, entry.ref)
            if entry.register != "persons" and key not in known:
                found.setdefault(key, entry)
    return [found[key] for key in sorted(found)]


def persons_from_forms(entry_lists: Iterable[Iterable[Person]],
                       form_lists: Iterable[Iterable[tuple[str, str, str]]]
                       ) -> list[Person]:
    """Each key met in a correspDesc or a text reference (rs, persName with @ref) is one person.
    An entry the letters' files carry (back/listPerson) gives the name, dates and IDs; otherwise
    the most frequent correspDesc form is the sort name ("Beer-Hofmann, Richard", shown as
    "Richard Beer-Hofmann") and, failing one, the most frequent spelling in the texts is the name.
    The other spellings are variants."""
    header_forms: dict[str, Counter[str]] = {}
    text_forms: dict[str, Counter[str]] = {}
    entries: dict[str, Person] = {}
    for own in entry_lists:
        for entry in own:
            if entry.register == "persons" and entry.ref not in entries:
                entries[entry.ref] = entry
    for forms in form_lists:
        for ref, where, spelling in forms:
            if where == "header":
                header_forms.setdefault(ref, Counter())[spelling] += 1
            else:
                counter = text_forms.setdefault(ref, Counter())
                if spelling:
                    counter[spelling] += 1
    persons = []
    for ref in sorted(set(header_forms) | set(text_forms)):
        headers = header_forms.get(ref, Counter())
        texts = text_forms.get(ref, Counter())
        entry = entries.get(ref)
        if entry is not None:
            name, sort_name = entry.name, entry.sort_name
        elif headers:
            sort_name = _most_common(headers)
            name = _inverted(sort_name)
        elif texts:
            name, sort_name = _most_common(texts), None
        else:
            name, sort_name = ref, None
        known = {name, sort_name}
        variants = list(entry.variants) if entry is not None else []
        for form in [*_by_frequency(headers), *_by_frequency(texts)]:
            if form not in known and form not in variants:
                variants.append(form)
        base = entry or Person(ref=ref, name=name)
        persons.append(replace(base, name=name, sort_name=sort_name if sort_name != name else None,
                               variants=tuple(variants), register="persons", kind="person",
                               ids=_ids_of_key(ref, base.ids)))
    persons.sort(key=lambda p: (p.sort_key, p.ref))
    return persons


#: A key of the PMB (Personen der Moderne Basis), which the ACDH's editions point at as "#pmb123".
_PMB_KEY = re.compile(r"pmb([1-9][0-9]*)")


def _ids_of_key(ref: str, ids: FrozenMap) -> FrozenMap:
    """An entry's authority IDs, with the PMB ID its key names when it has none of its own:
    without an index, "#pmb11740" is all an edition says of whom it means, and that is PMB
    entity 11740."""
    m = _PMB_KEY.fullmatch(ref)
    if m is None or "pmb" in ids:
        return ids
    return FrozenMap({**ids, "pmb": m.group(1)})


def _most_common(forms: Counter[str]) -> str:
    return _by_frequency(forms)[0]


def _by_frequency(forms: Counter[str]) -> list[str]:
    # most frequent first; ties by first appearance (Counter keeps insertion order)
    return [form for form, _ in sorted(forms.items(), key=lambda item: -item[1])]


def _inverted(sort_form: str) -> str:
    """"Beer-Hofmann, Richard" -> "Richard Beer-Hofmann"; a name with no single comma stays."""
    if sort_form.count(",") == 1:
        surname, forename = (p.strip() for p in sort_form.split(","))
        if surname and forename:
            return f"{forename} {surname}"
    return sort_form


def merge_entries(*sources: Iterable[Person]) -> list[Person]:
    """Register entries from several sources, the first source's entry winning for each
    (register, ref); later sources only add entries the earlier ones lack (a place named in a
    letter's back and missing from the index)."""
    out: dict[tuple[str, str], Person] = {}
    for source in sources:
        for entry in source:
            out.setdefault((entry.register, entry.ref), entry)
    return list(out.values())


def key_resolver(entries: Iterable[Person]) -> Callable[[Letter], Letter]:
    """A letter -> the same letter with its keys resolved against the registers' entries:
    - a key naming an entry by its other key (`persName/@key` naming a person's @n) becomes the
      entry's ref, in the correspondents and the text;
    - a correspondent or a place named by a pointer alone (`<persName ref="persons.xml#p12"/>`,
      whose name the reader could only give as the key) takes the entry's name.
    Made once for a build's registers, used for every TEI letter."""
    aliases: dict[str, str] = {}
    names: dict[tuple[str, str], str] = {}
    for entry in entries:
        for alias in entry.aliases:
            aliases.setdefault(alias, entry.ref)
        names.setdefault((entry.register, entry.ref), entry.name)

    def resolved(party, register: str):
        """A correspondent or place with its key resolved and, given by a pointer alone, named."""
        if party is None or party.ref is None:
            return party
        ref = aliases.get(party.ref, party.ref)
        named = _pointer_named(party, names, register, ref)
        return named if ref == party.ref else replace(named, ref=ref)

    def fix(inlines: tuple[Inline, ...] | None):
        if inlines is None:
            return None
        return tuple(Inline(i.kind, aliases.get(i.text, i.text) if i.kind in ENTITY_KINDS else i.text,
                            i.n, fix(i.children) if i.children else ()) for i in inlines)

    def resolve(letter: Letter) -> Letter:
        parties = {"senders": tuple(resolved(c, c.register) for c in letter.senders),
                   "recipients": tuple(resolved(c, c.register) for c in letter.recipients),
                   "place": resolved(letter.place, "places"),
                   "place_received": resolved(letter.place_received, "places")}
        if not aliases:
            if all(parties[k] == getattr(letter, k) for k in parties):
                return letter
            return replace(letter, **parties)
        return replace(
            letter, **parties,
            blocks=tuple(Block(b.part, fix(b.inlines), b.line) for b in letter.blocks)
            if letter.blocks is not None else None,
            notes=tuple(replace(n, inlines=fix(n.inlines)) for n in letter.notes))
    return resolve
