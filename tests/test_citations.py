"""Archival citations: fixture files a historian can read, plus properties over arbitrary text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file

from epistola.citations import (
    Citation,
    find_citations,
    last_reference,
    normalise_repository,
    parse_citation,
    split_archive_line,
)
from epistola.model import ArchiveRef

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def show(ref: ArchiveRef) -> str:
    parts = [ref.repository]
    for label, value in (("F.", ref.fond), ("op.", ref.opis), ("d.", ref.delo), ("l.", ref.folios)):
        if value is not None:
            parts.append(f"{label} {value}")
    return f'{", ".join(parts)} = "{ref.text}"'


def citations_in(lines: list[str]) -> list[str]:
    """Every citation in successive notes, each Ibid. resolved across notes."""
    out: list[str] = []
    previous = None
    for line in lines:
        for c in find_citations(line, previous):
            assert line[c.start:c.end] == c.ref.text
            out.append(show(c.ref))
        previous = last_reference(line, previous)
    return out or ["(none)"]


@pytest.mark.parametrize("line,title,text,expected",
                         read_fixture_file(FIXTURES / "citations.txt"),
                         ids=[t[1] for t in read_fixture_file(FIXTURES / "citations.txt")])
def test_citations_fixture(line, title, text, expected):
    assert citations_in(text.splitlines()) == expected.splitlines()


@pytest.mark.parametrize("line,title,text,expected",
                         read_fixture_file(FIXTURES / "archive-lines.txt"),
                         ids=[t[1] for t in read_fixture_file(FIXTURES / "archive-lines.txt")])
def test_archive_lines_fixture(line, title, text, expected):
    ref, physical = split_archive_line(text.strip("\n"))
    got = [f"citation: {show(ref) if ref else '(none)'}", f"physical: {physical or '(none)'}"]
    assert got == expected.splitlines()


def test_parse_citation_forms():
    ref = parse_citation("RTsKhIDNI. F. 17. Op. 112. D. 486. L. 1")
    assert ref == ArchiveRef("RTsKhIDNI", "17", "112", "486", "1",
                             "RTsKhIDNI. F. 17. Op. 112. D. 486. L. 1")
    assert parse_citation("RTSKHIDNI. F. 558. On. 2. D. 137. L. 1-5.").opis == "2"
    assert parse_citation("(RTSKHIDNI, F. 76, Op. 3, D. 162, L. 14)").folios == "14"


def test_parse_citation_ibid_replaces_from_the_first_level_it_names():
    previous = parse_citation("RTsKhIDNI. F. 17. Op. 112. D. 486. L. 1")
    ibid = parse_citation("Ibid. D. 561. L. 56-56v.", previous)
    assert (ibid.repository, ibid.fond, ibid.opis, ibid.delo, ibid.folios) == (
        "RTsKhIDNI", "17", "112", "561", "56-56v")
    assert ibid.text == "Ibid. D. 561. L. 56-56v."
    assert parse_citation("Ibid. L. 17", previous).delo == "486"
    # naming the delo without folios drops the old folios: they belonged to the old file
    assert parse_citation("Ibid. D. 3.", previous).folios is None
    assert parse_citation("Ibid. D. 561.", None) is None
    assert parse_citation("Ibid., pp. 128-129", previous) is None


def test_parse_citation_rejects_what_is_not_a_citation():
    for text in ("", "Typewritten text.", "(Source. 1995. No. 5. P. 138)", "F. 558. On. 2.",
                 "The Party. F. 5"):
        assert parse_citation(text) is None


def test_repository_spellings_meet():
    for name in ("RTSKHIDNI", "RTsKhIDNI", "RCKhIDNI", "RGASPI", "rtskhidni"):
        assert normalise_repository(name) == "RTsKhIDNI"
    assert normalise_repository("GARF") == "GARF"
    assert normalise_repository("TsGAIPD") == "TsGAIPD"  # unknown: kept as printed


def test_citation_offsets_point_at_the_text():
    text = "A (RTsKhIDNI. F. 17. Op. 3. D. 391. L. 6-7) and (Ibid. L. 8)."
    found = find_citations(text)
    assert [text[c.start:c.end] for c in found] == ["RTsKhIDNI. F. 17. Op. 3. D. 391. L. 6-7",
                                                     "Ibid. L. 8"]
    assert all(isinstance(c, Citation) for c in found)


_citation_alphabet = st.sampled_from(
    list("FOpnDLIbid.,;()-– 0123456789vRTsKhNGASPXYZ\n") + ["Ibid.", "RTSKHIDNI", " F. ", " Op. ",
                                                          " On. ", " D. ", " L. ", "ob.", "1995. "])
_texts = st.one_of(st.text(), st.lists(_citation_alphabet, max_size=40).map("".join))


@settings(max_examples=300, deadline=None)
@given(_texts, st.one_of(st.none(), st.just(ArchiveRef("RTsKhIDNI", "17", "3", "391", "6", "x"))))
def test_citation_parsers_never_raise(text, previous):
    ref = parse_citation(text, previous)
    assert ref is None or ref.repository
    for c in find_citations(text, previous):
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start:c.end] == c.ref.text
    last_reference(text, previous)
    ref, physical = split_archive_line(text)
    assert ref is not None or physical is None
