"""One letter from every copy of a document: the same text read twice, and an original beside its
translation.

A document can reach ingest more than once: from a monthly page and from its own page, from two
sites, or as the Russian original and the English translation. Each becomes one letter: a second
copy of a text in the same language is recorded as a further source, and every wording
difference between the copies is reported with both lines; a text in another language becomes
one of the letter's texts. Two documents are the same when they carry the same number (and their
dates do not disagree), or, when one has no number, the same date and the same persons.
Pure functions; never raise.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from ..diagnostics import Diagnostic, warning
from ..model import Letter, SourceSpan, Text
from ..records import dump_letter, parse_letter, text_entry, text_section

#: The language of a body that does not say (the edition's), and the language of the originals.
EDITION_LANGUAGE = "en"
ORIGINAL_LANGUAGE = "ru"


def language_of(letter: Letter) -> str:
    return letter.language or EDITION_LANGUAGE


def same_document(a: Letter, b: Letter) -> bool:
    """Whether two letters are copies (or texts) of one document."""
    if a.number is not None and b.number is not None:
        return a.number == b.number and _dates_agree(a, b, undated_agrees=True)
    return _dates_agree(a, b, undated_agrees=False) and _people_agree(a, b)


def _dates_agree(a: Letter, b: Letter, undated_agrees: bool) -> bool:
    ka, kb = a.date.sort_key, b.date.sort_key
    if "9999" in (ka, kb):
        return undated_agrees
    return ka == kb


def _people_agree(a: Letter, b: Letter) -> bool:
    def refs(parties) -> set[str]:
        return {p.ref for p in parties if p.ref}

    return bool(refs(a.senders) & refs(b.senders)) and bool(refs(a.recipients) & refs(b.recipients))


def files_of(letter: Letter) -> set[str]:
    """The source files the letter's body was read from."""
    return {s.file for s in (letter.source, *letter.also_from) if s is not None}


def as_text(letter: Letter) -> Text:
    """A letter's body and what its page printed about it, as a further text of another letter."""
    language = language_of(letter)
    return Text(
        language=language, role=letter.role or _role(language), body=letter.body,
        notes=letter.notes, unnumbered_notes=letter.unnumbered_notes, title=letter.title,
        date_text=letter.date.text, archive_text=letter.archive.text if letter.archive else None,
        physical=letter.physical, source=letter.source, also_from=letter.also_from,
        printed=letter.printed)


def _role(language: str) -> str:
    return "original" if language == ORIGINAL_LANGUAGE else "translation"


def with_roles(letter: Letter) -> Letter:
    """A letter with further texts says the language and role of its body; one without keeps
    them only when its body is not in the edition's language."""
    if letter.texts:
        language = language_of(letter)
        return replace(letter, language=language, role=letter.role or _role(language))
    if letter.language in (None, EDITION_LANGUAGE):
        return replace(letter, language=None, role=None)
    return letter


def refresh(target: Letter, fresh: Letter) -> Letter:
    """The record read again from the same source: the fresh reading, under the record's id,
    keeping the texts and copies that came from other sources."""
    own = files_of(fresh)
    others = tuple(s for s in target.also_from if s.file not in own)
    if target.source is not None and target.source.file not in own:
        others = (target.source, *others)
    number = fresh.number if fresh.number is not None else target.number
    return with_roles(replace(fresh, id=target.id, number=number, texts=target.texts,
                              also_from=fresh.also_from + others))


def add_copy(target: Letter, copy: Letter) -> Letter:
    """A second copy of the body's text: recorded as a further source (a copy read before keeps
    its place in the list, with the lines it now has)."""
    if copy.source is None:
        return target
    number = target.number if target.number is not None else copy.number
    return replace(target, number=number, also_from=_with_copy(target.also_from, copy.source))


def _with_copy(spans: tuple[SourceSpan, ...], span: SourceSpan) -> tuple[SourceSpan, ...]:
    if any(s.file == span.file for s in spans):
        return tuple(span if s.file == span.file else s for s in spans)
    return spans + (span,)


def add_text(target: Letter, other: Letter) -> tuple[Letter, Text | None]:
    """A text in another language: a new text of the letter, or the same text read again from
    its source (it replaces the one the record has), or a further copy of it (recorded as a
    further source). Returns the letter and, for a further copy, the text it copies."""
    language = language_of(other)
    fresh = as_text(other)
    texts = list(target.texts)
    for i, text in enumerate(texts):
        if text.language != language:
            continue
        if fresh.source is not None and text.source is not None and \
                fresh.source.file == text.source.file:
            texts[i] = replace(fresh, role=text.role, also_from=text.also_from)
            return with_roles(replace(target, texts=tuple(texts))), None
        if fresh.source is not None:
            texts[i] = replace(text, also_from=_with_copy(text.also_from, fresh.source))
        return with_roles(replace(target, texts=tuple(texts))), text
    number = target.number if target.number is not None else other.number
    return with_roles(replace(target, number=number, texts=tuple(texts) + (fresh,))), None


def translation_first(original: Letter, translation: Letter) -> Letter:
    """The translation as the letter, the original (and the texts it had) beside it; under the
    original's id, which is the record's."""
    number = original.number if original.number is not None else translation.number
    return with_roles(replace(translation, id=original.id, number=number,
                              texts=(as_text(original), *original.texts)))


# --- wording differences ---------------------------------------------------------------------

_SKIP = re.compile(r"^(?:No\.?|Number|№)\s*\d+\.?$|^(?:Notes?|Примечани[ея])\s*:?$|^_{3,}$", re.I)


def wording_differences(label: str, first: tuple[str, list[tuple[int, str]]],
                        second: tuple[str, list[tuple[int, str]]]) -> list[Diagnostic]:
    """A warning, at the second copy's line, for each place where two copies of one text read
    differently; each names both lines. `first` and `second` are (path, [(line, text)]) of each
    copy's source lines."""
    path_a, lines_a = first
    path_b, lines_b = second
    a = [(n, _norm(t)) for n, t in lines_a if _norm(t) and not _SKIP.match(_norm(t))]
    b = [(n, _norm(t)) for n, t in lines_b if _norm(t) and not _SKIP.match(_norm(t))]
    matcher = difflib.SequenceMatcher(None, [t for _, t in a], [t for _, t in b], autojunk=False)
    out: list[Diagnostic] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            line_a = a[i1 + k] if i1 + k < i2 else None
            line_b = b[j1 + k] if j1 + k < j2 else None
            out.append(_difference(label, path_a, line_a, path_b, line_b, b, j1))
    return out


def _difference(label: str, path_a: str, line_a: tuple[int, str] | None, path_b: str,
                line_b: tuple[int, str] | None, b: list[tuple[int, str]], j: int) -> Diagnostic:
    if line_a is not None and line_b is not None:
        was, now = _changed_words(line_a[1], line_b[1])
        return warning(path_b, line_b[0], f"this copy of {label} reads \"{now}\" where the copy "
                       f"at {path_a}:{line_a[0]} reads \"{was}\"; check which the printed edition "
                       "has", "copy-differs")
    if line_b is not None:
        return warning(path_b, line_b[0], f"this copy of {label} has \"{_short(line_b[1])}\", "
                       f"which the copy at {path_a} does not have; check which the printed "
                       "edition has", "copy-differs")
    at = b[min(j, len(b) - 1)][0] if b else 1
    return warning(path_b, at, f"the copy of {label} at {path_a}:{line_a[0]} has "
                   f"\"{_short(line_a[1])}\", which this copy does not have; check which the "
                   "printed edition has", "copy-differs")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _changed_words(a: str, b: str) -> tuple[str, str]:
    """The words where two readings of a line differ, with a word of context on each side."""
    wa, wb = a.split(), b.split()
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    blocks = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not blocks:
        return _short(a), _short(b)
    i1, i2, j1, j2 = blocks[0][1], blocks[-1][2], blocks[0][3], blocks[-1][4]
    i1, j1 = max(i1 - 1, 0), max(j1 - 1, 0)
    i2, j2 = min(i2 + 1, len(wa)), min(j2 + 1, len(wb))
    return _short(" ".join(wa[i1:i2])), _short(" ".join(wb[j1:j2]))


def span_lines(lines: list[str], span: SourceSpan) -> list[tuple[int, str]]:
    """The (line number, text) of a source span, from the source's lines."""
    return [(n, lines[n - 1]) for n in range(span.first, min(span.last, len(lines)) + 1)]


# --- a text added to a record the editors changed --------------------------------------------

def merged_record(current: str, path: str, base: Letter, merged: Letter) -> str | None:
    """The record file `current` (which the editors changed; it reads as `base`) with what
    `merged` adds to it: further texts, further copies. Everything the editors wrote stays as
    they wrote it. None when that cannot be done safely (the caller then leaves the file)."""
    if dump_letter(base) == current:
        return dump_letter(merged)
    added = merged.texts[len(base.texts):]
    if merged.texts[:len(base.texts)] != base.texts or not added or \
            replace(merged, texts=base.texts) != base:
        return None  # more than further texts changed: no safe place to put it in their file
    lines = current.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None or any(re.match(r"^texts\s*:", line) for line in lines[1:end]):
        return None
    front = lines[:end] + ["texts:" + "\n" + "".join(text_entry(t) for t in added).rstrip("\n")]
    text = "\n".join(front + lines[end:])
    text = text.rstrip("\n") + "\n" + "".join(text_section(t) for t in added)
    reread, problems = parse_letter(text, path)
    if reread is None or any(p.level == "error" for p in problems) or \
            reread != merged:
        return None
    return text
