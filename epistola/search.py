"""The search index (pure): what Pagefind indexes, and the bundles made of what it writes.

Pure: documents are `read -> bytes`, bundles are `{path: bytes} -> {path: bytes}`; running
Pagefind and reading and writing the index belong to engine/index.py.

**Search documents.** The build writes one small HTML document for each letter and each person
of the register (`pagefind/documents/`, pages.py), made for the indexer rather than for readers:
the letter's text in plain words, an empty element with the id of each paragraph and note where
it begins (so a hit can land on it, and the id's text is not stored twice), the metadata a
result shows, every name form of the persons involved (so that any spelling the register knows
finds the letter), and, for the index itself, the letter's place in the edition's order and its
facet values. The published pages are not indexed: an edit that only changes a letter's
neighbours' links leaves their documents, and the index, alone.

**Bundles.** Letters are indexed in date-ordered *segments* of at most SEGMENT_LETTERS letters,
each its own Pagefind bundle, so that neither the indexer (whose memory grows with the letters
it holds) nor the browser (whose search time grows faster than the hits) ever meets more than
one segment at a time. Letters changed since their segment was made go into a small
*recent* bundle that the search page prefers over the segments for those letters, and which is
folded into its segments when it grows (a log-structured index). A *directory* bundle, whose
pages are the segments and the register, tells the search page which segments hold a word, so
that a word found nowhere costs one small file. The register has a bundle of its own.

Each bundle is canonicalised after Pagefind (`canonical_bundle`): its pages are numbered in the
edition's order and named by that number (the search page orders and filters results by it, with
no further download), each word's postings keep one location per letter, whose weight is the sum
of the word's weights there (all that relevance ranking reads of them: the search page finds the
passages itself, in the text it shows), the index is cut into small chunks, Pagefind's filters
and sort orders are left out (the search page keeps the facets in small tables of its own), and
the bundle's folder is named after its content, so that a browser never mixes two versions of
one. The same documents give the same bytes on any machine, whatever order the file system
lists them in.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterable, Mapping, Sequence

import cbor2
from markupsafe import escape

from . import anchors
from .body import parse_inline, plain_text
from .corpus import year_of
from .display import archive_gloss, date_display
from .model import Edition

#: Where the index lives, relative to the site root.
PAGEFIND_DIR = "pagefind"
#: Where the build writes the documents Pagefind indexes.
DOCUMENTS = f"{PAGEFIND_DIR}/documents"
#: What the search page reads first (relative to PAGEFIND_DIR).
MANIFEST = "manifest.json"
#: How the bundles are written: an index written another way is made again in whole.
FORM = 3
#: Most letters in one segment.
SEGMENT_LETTERS = 1500
#: Most letters in the recent bundle before it is folded into its segments.
RECENT_LETTERS = 100
#: The facet groups, as the search page shows them.
FACETS = ("sender", "recipient", "year", "place", "fond", "kind")
#: Raw bytes of index a chunk holds before the next word starts a new one.
CHUNK_BYTES = 8_000
#: A directory location is a word's length times this, plus the pages holding it.
DIRECTORY_SCALE = 1_000_000
#: A location in the recent bundle is a position times this, plus the word's length.
LENGTH_SCALE = 256

Read = Callable[..., Any]


# --- documents -----------------------------------------------------------------------------------

def letter_document_path(letter_id: str) -> str:
    return f"{DOCUMENTS}/letters/{letter_id}.html"


def person_document_path(ref: str) -> str:
    return f"{DOCUMENTS}/persons/{ref}.html"


_DOCUMENT_PATH = re.compile(r"^pagefind/documents/(letters|persons)/([a-z0-9]+(?:-[a-z0-9]+)*)\.html$")


def document_of(path: str) -> tuple[str, str] | None:
    """("letters", id) or ("persons", ref) for the path of a search document, else None."""
    if not path.startswith("pagefind/"):  # (most of a site's paths: no match to try)
        return None
    m = _DOCUMENT_PATH.match(path)
    return (m.group(1), m.group(2)) if m else None


def order_key(letter) -> str:
    """A letter's place in the edition's order as one string: date, number, id (sorts like
    letters.Summary.sort_key)."""
    number = f"{letter.number:012d}" if letter.number is not None else "~"
    return f"{letter.date.sort_key}\t{number}\t{letter.id}"


def name_words(forms: Iterable[str]) -> str:
    """Every word of the name forms, once (the first spelling of each, whatever its case): all a
    search for any of the forms, or any part of one, needs, in a fraction of the words."""
    seen: dict[str, str] = {}
    for form in forms:
        for word in form.split():
            seen.setdefault(word.casefold(), word)
    return " ".join(seen.values())


def letter_facets(letter) -> dict[str, list[str]]:
    """The facet values of a letter, as the search page's filters offer them."""
    facets: dict[str, list[str]] = {
        "sender": list(dict.fromkeys(c.name for c in letter.senders)),
        "recipient": list(dict.fromkeys(c.name for c in letter.recipients)),
        "year": [],
        "place": [letter.place.name] if letter.place else [],
        "fond": [],
        "kind": [letter.kind],
    }
    year = year_of(letter)
    if year != "undated":
        facets["year"] = [year]
    if letter.archive is not None and letter.archive.fond:
        facets["fond"] = [f"{letter.archive.repository}, fond {letter.archive.fond}"]
    return facets


def _meta(name: str, value: str) -> str:
    return f'<meta data-pagefind-meta="{name}[content]" content="{escape(value)}">\n'


def _head(language: str, title: str, info: dict, metas: Iterable[tuple[str, str]]) -> str:
    head = [
        "<!DOCTYPE html>\n",
        f'<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n',
        f"<title>{escape(title)}</title>\n",
        '<meta name="robots" content="noindex">\n',
        f'<meta name="epistola-search" content="{escape(json.dumps(info, ensure_ascii=False, sort_keys=True))}">\n',
    ]
    head += [_meta(name, value) for name, value in metas if value]
    head.append("</head>\n")
    return "".join(head)


def letter_document(read: Read, letter_id: Hashable) -> bytes:
    """The search document of a letter."""
    from .pages import search_names

    edition: Edition = read("edition")
    letter = read("letter", letter_id)
    reading = read("reading", letter_id)
    key = order_key(letter)
    title = letter.title if letter.number is None else f"No. {letter.number} {letter.title}"
    date = date_display(letter.date)
    info = {"kind": "letter", "key": key, "facets": letter_facets(letter)}
    metas = [("url", anchors.letter_url(letter.id)), ("date", date),
             ("number", "" if letter.number is None else str(letter.number)),
             ("place", letter.place.name if letter.place else ""),
             ("kind", letter.kind), ("names", name_words(search_names(read, letter)))]
    out = [_head(edition.language, title, info, metas), "<body>\n",
           f'<article data-pagefind-body data-pagefind-sort="key:{escape(key)}">\n',
           f'<h1 data-pagefind-meta="title">{escape(title)}</h1>\n']
    described = [", ".join(c.name for c in letter.senders) + " to "
                 + ", ".join(c.name for c in letter.recipients),
                 letter.date.text + ("" if date in ("undated", letter.date.text) else f" ({date})")]
    if letter.place:
        described.append(letter.place.name)
    if letter.archive is not None:
        a = letter.archive
        described.append(a.text or "")
        described.append(f"{a.repository}: {archive_gloss(a)}")
    if letter.physical:
        described.append(letter.physical)
    out.append(f"<p>{escape('. '.join(d.rstrip('.') for d in described if d))}.</p>\n")
    for text in (reading, *reading.texts):  # (the body, then any further text: an original)
        prefix = text.prefix
        if prefix:
            heading = [text.text.title, text.text.date_text, text.text.archive_text]
            out.append(f"<p>{escape('. '.join(h for h in heading if h))}</p>\n")
        for i, block in enumerate(text.blocks, start=1):
            words = plain_text(block.inlines).strip()
            out.append(f'<p><span id="{anchors.paragraph_id(i, prefix)}"></span>{escape(words)}</p>\n')
        for note in text.notes:
            words = plain_text(note.inlines).strip()
            out.append(f'<p><span id="{anchors.note_id(note.n, prefix)}"></span>{escape(words)}</p>\n')
    out.append("</article>\n</body>\n</html>\n")
    return "".join(out).encode("utf-8")


def person_document(read: Read, ref: Hashable) -> bytes:
    """The search document of a person of the register."""
    edition: Edition = read("edition")
    person = read("entry", ("persons", ref))
    info = {"kind": "person", "key": str(ref)}
    out = [_head(edition.language, person.name, info, [("url", anchors.person_url(str(ref)))]),
           "<body>\n", f'<article data-pagefind-body data-pagefind-sort="key:{escape(ref)}">\n',
           f'<h1 data-pagefind-meta="title">{escape(person.name)}</h1>\n']
    for text in (person.full_name, person.dates,
                 plain_text(parse_inline(person.description)) if person.description else None,
                 ", ".join(person.variants)):
        if text:
            out.append(f"<p>{escape(text)}</p>\n")
    for forms in person.names_other.values():
        out.append(f"<p>{escape(', '.join(forms))}</p>\n")
    out.append("</article>\n</body>\n</html>\n")
    return "".join(out).encode("utf-8")


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the index reads of a search document besides its text."""

    kind: str
    """"letter" or "person"."""
    key: str
    """Its place in the order of its bundle."""
    facets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    language: str = "en"


_INFO = re.compile(rb'<meta name="epistola-search" content="([^"]*)">')
_LANG = re.compile(rb'<html lang="([^"]*)">')


def document_info(data: bytes) -> DocumentInfo:
    """The key and facets a search document carries in its head; ValueError when it has none."""
    head = data[:data.find(b"</head>")] if b"</head>" in data else data[:8192]
    m = _INFO.search(head)
    if m is None:
        raise ValueError("not a search document (no epistola-search line in its head)")
    import html
    info = json.loads(html.unescape(m.group(1).decode("utf-8")))
    lang = _LANG.search(head)
    facets = info.get("facets") or {}
    return DocumentInfo(str(info["kind"]), str(info["key"]),
                        tuple((g, tuple(facets.get(g, ()))) for g in FACETS if facets.get(g)),
                        lang.group(1).decode() if lang else "en")


class Interrupted(Exception):
    """Indexing stopped because its caller asked it to (a newer save, in serve)."""


# --- planning ------------------------------------------------------------------------------------

def plan_segments(keys: Sequence[str], size: int = SEGMENT_LETTERS) -> list[tuple[int, int]]:
    """Cut the letters (their order keys, sorted) into segments of at most `size`, as even as
    can be: (first, end) index ranges."""
    n = len(keys)
    if n == 0:
        return []
    count = -(-n // size)
    bounds = [n * i // count for i in range(count + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(count)]


def place_of(key: str, firsts: Sequence[str], segments_keys: Sequence[Sequence[str]]) -> tuple[int, int]:
    """Where a letter with this key stands among the segments: (segment, the number of that
    segment's pages before it). `firsts` are the first keys of the segments but the first."""
    k = bisect.bisect_right(firsts, key)
    return k, bisect.bisect_left(segments_keys[k], key)


# --- Pagefind's files ----------------------------------------------------------------------------

_SIGNATURE = b"pagefind_dcd"


def unpack(data: bytes) -> Any:
    """A Pagefind data file (gzip around a signature and CBOR)."""
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"not a Pagefind data file: {exc}") from None
    if not raw.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind data file")
    return cbor2.loads(raw[len(_SIGNATURE):])


def _gzip(raw: bytes) -> bytes:
    # (level 6, not Pagefind's 9: files 0.4 % larger, made in half the time)
    return gzip.compress(raw, compresslevel=6, mtime=0)


def pack(value: Any) -> bytes:
    return _gzip(_SIGNATURE + cbor2.dumps(value))


def pack_json(value: Any) -> bytes:
    """The search page's own data files: JSON, gzipped (it checks for gzip and inflates)."""
    return _gzip(json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                            sort_keys=True).encode("utf-8"))


def unpack_json(data: bytes) -> Any:
    return json.loads(gzip.decompress(data))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _array_header(n: int) -> bytes:
    """CBOR's head of a definite-length array of n items."""
    if n < 24:
        return bytes([0x80 | n])
    if n < 0x100:
        return bytes([0x98, n])
    if n < 0x10000:
        return b"\x99" + n.to_bytes(2, "big")
    return b"\x9a" + n.to_bytes(4, "big")


def _prefixes(a: str, b: str) -> tuple[str, str]:
    """Pagefind's chunk boundaries: the shortest prefixes that still tell a from b."""
    common = 0
    for x, y in zip(b, a):
        if x != y:
            break
        common += 1
    return a[:common + 1], b[:common + 1]


def _chunk_meta(firsts_lasts: list[tuple[str, str]]) -> list[list[str]]:
    """[from, to] of each chunk, trimmed as Pagefind trims them (chunk_meta in its indexer), so
    that the browser asks for the chunks Pagefind's own would have it ask for."""
    named = [[first, last] for first, last in firsts_lasts]
    for i in range(len(named) - 1):
        left, right = _prefixes(named[i][1], named[i + 1][0])
        if left >= named[i][0]:
            named[i][1] = left
        named[i + 1][0] = right
    return named


def _uint(n: int, major: int = 0) -> bytes:
    """CBOR's head of major type `major` with value n (an unsigned int when major is 0)."""
    if n < 24:
        return bytes([major << 5 | n])
    if n < 0x100:
        return bytes([major << 5 | 24, n])
    if n < 0x10000:
        return bytes([major << 5 | 25]) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes([major << 5 | 26]) + n.to_bytes(4, "big")
    return bytes([major << 5 | 27]) + n.to_bytes(8, "big")


_SMALL = [_uint(n) for n in range(4096)]
_SMALL_NEGATIVE = [_uint(n, 1) for n in range(512)]


def _int(n: int) -> bytes:
    if n >= 0:
        return _SMALL[n] if n < 4096 else _uint(n)
    n = -1 - n
    return _SMALL_NEGATIVE[n] if n < 512 else _uint(n, 1)


def _ints(values: list) -> bytes:
    return _array_header(len(values)) + b"".join([_int(v) for v in values])


def _text(value: str) -> bytes:
    data = value.encode("utf-8")
    return _uint(len(data), 3) + data


def _pages(pages: list, number: Sequence[int], compact: bool, length: int | None) -> tuple[bytes, set[int]]:
    """A word's pages (each [page as the difference to the one before, locations, metadata
    locations]) under their new numbers, in that order, encoded; and those numbers.

    With `compact`, a page keeps one location: the word's first position there (times
    LENGTH_SCALE, plus `length`, when given), weighted with the sum of its weights, capped as
    Pagefind caps a weight (relevance reads no more of them)."""
    small, header, ints = _SMALL, _array_header, _ints
    rows = []
    at = 0
    for page in pages:
        at += page[0]
        locs = page[1]
        if compact and locs:
            head = locs[0]
            if head >= 0 and min(locs) >= 0:  # (every occurrence of the default weight)
                total, first = 25 * len(locs), head
            elif head < 0 and len(locs) > 1 and min(locs[1:]) >= 0:  # (all of one weight)
                total, first = (-head - 1) * (len(locs) - 1), locs[1]
            else:
                weight, pos, total, first = 25, 0, 0, None
                for loc in locs:
                    if loc < 0:
                        weight, pos = -loc - 1, 0
                        continue
                    pos += loc
                    total += weight
                    if first is None or pos < first:
                        first = pos
            if length is not None:
                first = first * LENGTH_SCALE + min(length, LENGTH_SCALE - 1)
            if total == 25:
                encoded = b"\x81" + (small[first] if first < 4096 else _int(first))
            else:
                encoded = b"\x82" + _int(-min(255, total) - 1) + _int(first)
        else:
            encoded = ints(locs) if locs else b"\x80"
        meta = page[2] if len(page) > 2 else None
        rows.append((number[at], encoded + ints(meta) if meta else encoded + b"\x80"))
    rows.sort(key=_first)
    out = [header(len(rows))]
    before = 0
    for new, rest in rows:
        delta = new - before
        out.append(b"\x83" + (small[delta] if delta < 4096 else _int(delta)) + rest)
        before = new
    return b"".join(out), {row[0] for row in rows}


def _rounded_count(words: int) -> int:
    """A page's number of words to within a tenth (relevance weighs a page's length against the
    average; the metadata every search loads is a quarter smaller for it)."""
    if words < 20:
        return words
    return round(1.1 ** round(math.log(words, 1.1)))


def _first(row: tuple) -> Any:
    return row[0]


class _Chunker:
    """Words (already CBOR) into index chunks of about CHUNK_BYTES, named after their content."""

    def __init__(self, language: str):
        self.language = language
        self.files: dict[str, bytes] = {}
        self.chunks: list[tuple[str, str, str]] = []
        self._words: list[bytes] = []
        self._first = self._last = ""
        self._size = 0

    def add(self, word: str, encoded: bytes) -> None:
        if not self._words:
            self._first = word
        self._words.append(encoded)
        self._last = word
        self._size += len(encoded)
        if self._size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._words:
            return
        raw = b"\x81" + _array_header(len(self._words)) + b"".join(self._words)
        # (the bundle's folder is named after its content: its chunks need no such names)
        name = str(len(self.chunks))
        self.files[f"index/{name}.pf_index"] = _gzip(_SIGNATURE + raw)
        self.chunks.append((self._first, self._last, name))
        self._words, self._size = [], 0

    def meta_chunks(self) -> list[list[str]]:
        self.flush()
        trimmed = _chunk_meta([(first, last) for first, last, _ in self.chunks])
        return [[first, to, name] for (first, to), (_, _, name) in zip(trimmed, self.chunks)]


@dataclass
class Bundle:
    """A canonical bundle: its files, and the words it holds with the number of its pages
    holding each (what the directory lists)."""

    files: dict[str, bytes]
    vocabulary: list[tuple[str, int]] = field(default_factory=list)
    pages: int = 0

    @property
    def name(self) -> str:
        h = hashlib.sha256()
        for path in sorted(self.files):
            h.update(path.encode() + b"\0" + _digest(self.files[path]).encode())
        return h.hexdigest()[:16]


#: How a bundle's pagefind-entry.json names the WebAssembly file: Pagefind fetches
#: `<bundle>wasm.<name>.pagefind`; every bundle lies two folders below pagefind/, so this name
#: leads every bundle's instance to the one copy in pagefind/, which the browser then fetches once.
def _wasm_name(language: str) -> str:
    return f"x/../../../wasm.{language}"


def canonical_bundle(files: Mapping[str, bytes], compact: bool, lengths: bool = False) -> Bundle:
    """A bundle as Pagefind wrote it -> the canonical bundle (see the module's notes).

    `files` maps paths relative to the bundle folder to their bytes: pagefind-entry.json, the
    metadata, index/*, fragment/* (anything else is left out). The pages are put in the order of
    the `key` sort their documents carry. `compact` keeps one location a page; with `lengths`,
    that location also says the length of the word (the recent bundle, which no directory
    covers: the search page tells a word Pagefind matched from one it fell back to by it, see
    directory_bundle). Raises ValueError (or KeyError, IndexError, TypeError) on files of
    another shape."""
    entry = json.loads(files["pagefind-entry.json"])
    [(language, info)] = entry["languages"].items()
    meta = unpack(files[f"pagefind.{info['hash']}.pf_meta"])
    version, pages, chunks, _filters, sorts = meta[:5]
    meta_fields = meta[5] if len(meta) > 5 else []
    order = dict(sorts).get("key")
    if order is None or sorted(order) != list(range(len(pages))):
        raise ValueError("the pages carry no key to order them by")
    number = [0] * len(pages)
    for new, old in enumerate(order):
        number[old] = new
    out: dict[str, bytes] = {}
    chunker = _Chunker(language)
    vocabulary: list[tuple[str, int]] = []
    for chunk in chunks:
        [words] = unpack(files[f"index/{chunk[2]}.pf_index"])
        for word, postings, variants in words:
            length = len(word) if lengths else None
            encoded, held = _pages(postings, number, compact, length)
            parts = [b"\x83", _text(word), encoded, _array_header(len(variants))]
            for form, variant_pages in sorted(variants, key=lambda variant: variant[0]):
                variant_encoded, variant_held = _pages(variant_pages, number, compact, length)
                held |= variant_held
                parts += [b"\x82", _text(form), variant_encoded]
            vocabulary.append((word, len(held)))
            chunker.add(word, b"".join(parts))
    new_pages = []
    for new, old in enumerate(order):
        name = str(new)
        new_pages.append([name, _rounded_count(pages[old][1])])
        out[f"fragment/{name}.pf_fragment"] = files[f"fragment/{pages[old][0]}.pf_fragment"]
    meta_chunks = chunker.meta_chunks()
    out.update(chunker.files)
    raw_meta = cbor2.dumps([version, new_pages, meta_chunks, [], [], meta_fields])
    meta_name = f"{language}_{_digest(raw_meta)[:10]}"
    out[f"pagefind.{meta_name}.pf_meta"] = _gzip(_SIGNATURE + raw_meta)
    entry = {"version": entry["version"],
             "languages": {language: {"hash": meta_name, "wasm": _wasm_name(language),
                                      "page_count": len(new_pages)}},
             "include_characters": entry.get("include_characters", [])}
    out["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False,
                                            separators=(",", ":")).encode("utf-8")
    vocabulary.sort()
    return Bundle(out, vocabulary, len(new_pages))


def directory_bundle(vocabularies: Sequence[Sequence[tuple[str, int]]], language: str,
                     version: str, include_characters: Sequence[str] = ()) -> Bundle:
    """The directory: a bundle whose pages are the given bundles (segments, then the register),
    each holding the words its bundle holds, once. Searched like any bundle, it answers which
    bundles hold a word, with Pagefind's own stemming and prefix rules.

    The one location of a word on a page says two things (DIRECTORY_SCALE): the length of the
    word, and how many of that bundle's pages hold it. Where no word of the index begins with a
    searched word's stem, Pagefind falls back to the longest word that begins the stem ("reich"
    for "reichswehr"); the search page tells such a word by its length, which is less than the
    stem's."""
    import heapq

    chunker = _Chunker(language)
    merged = heapq.merge(*[[(word, page, count) for word, count in vocabulary]
                           for page, vocabulary in enumerate(vocabularies)])
    current, postings = None, []

    def emit() -> None:
        before, pages = 0, []
        for page, count in postings:
            pages.append([page - before, [len(current) * DIRECTORY_SCALE + min(count, DIRECTORY_SCALE - 1)], []])
            before = page
        chunker.add(current, cbor2.dumps([current, pages, []]))

    for word, page, count in merged:
        if word != current:
            if current is not None:
                emit()
            current, postings = word, []
        postings.append((page, count))
    if current is not None:
        emit()
    meta_chunks = chunker.meta_chunks()
    out = dict(chunker.files)
    pages = [[str(i), len(v)] for i, v in enumerate(vocabularies)]
    raw_meta = cbor2.dumps([version, pages, meta_chunks, [], [], []])
    meta_name = f"{language}_{_digest(raw_meta)[:10]}"
    out[f"pagefind.{meta_name}.pf_meta"] = _gzip(_SIGNATURE + raw_meta)
    entry = {"version": version,
             "languages": {language: {"hash": meta_name, "wasm": _wasm_name(language),
                                      "page_count": len(pages)}},
             "include_characters": list(include_characters)}
    out["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False,
                                            separators=(",", ":")).encode("utf-8")
    return Bundle(out, [], len(pages))


def vocabularies_of_directory(files: Mapping[str, bytes]) -> list[list[tuple[str, int]]]:
    """The vocabularies a directory was made from (directory_bundle, read back)."""
    entry = json.loads(files["pagefind-entry.json"])
    [(_, info)] = entry["languages"].items()
    meta = unpack(files[f"pagefind.{info['hash']}.pf_meta"])
    found: list[list[tuple[str, int]]] = [[] for _ in meta[1]]
    for chunk in meta[2]:
        for word, pages, _ in unpack(files[f"index/{chunk[2]}.pf_index"])[0]:
            at = 0
            for page in pages:
                at += page[0]
                found[at].append((word, page[1][0] % DIRECTORY_SCALE))
    return found


# --- facets and the manifest ---------------------------------------------------------------------

@dataclass
class Labels:
    """The values of each facet group, each with a number that stays the same as long as the
    index is updated rather than made again (the segments' tables refer to them by it)."""

    values: dict[str, list[str]] = field(default_factory=lambda: {g: [] for g in FACETS})
    _ids: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, facets: Iterable[Mapping[str, Sequence[str]]]) -> "Labels":
        """Labels for these letters' facets, each group's values the most frequent first (the
        tables are the smaller for it)."""
        found: dict[str, dict[str, int]] = {g: {} for g in FACETS}
        for letter in facets:
            for group, values in letter.items():
                counts = found[group]
                for value in values:
                    counts[value] = counts.get(value, 0) + 1
        return cls({g: sorted(found[g], key=lambda v: (-found[g][v], v)) for g in FACETS})

    def id(self, group: str, value: str) -> int:
        ids = self._ids.get(group)
        if ids is None or len(ids) != len(self.values[group]):
            ids = self._ids[group] = {v: i for i, v in enumerate(self.values[group])}
        found = ids.get(value)
        if found is None:
            found = ids[value] = len(self.values[group])
            self.values[group].append(value)
        return found


def facet_table(facets: Sequence[Mapping[str, Sequence[str]]], labels: Labels) -> dict[str, list]:
    """Each group's column for these pages: the number of the page's value, a list of numbers
    when it has several, or null when it has none."""
    table: dict[str, list] = {}
    for group in FACETS:
        column: list = []
        for letter in facets:
            ids = [labels.id(group, v) for v in letter.get(group, ())]
            column.append(None if not ids else ids[0] if len(ids) == 1 else ids)
        table[group] = column
    return table


def facet_totals(facets: Iterable[Mapping[str, Sequence[str]]], labels: Labels) -> dict[str, list[int]]:
    """How many letters have each value of each group."""
    every: dict[str, list[str]] = {g: [] for g in FACETS}
    for letter in facets:
        for group, values in letter.items():
            every[group] += values
    totals = {g: [0] * len(labels.values[g]) for g in FACETS}
    for group, values in every.items():  # (values in the order first met, as labels number them)
        column = totals[group]
        for value, n in Counter(values).items():
            i = labels.id(group, value)
            if i >= len(column):
                column.extend([0] * (i + 1 - len(column)))
            column[i] += n
    return totals
