"""`build.py ingest`: files written, twice identical, hand edits refused or backed up with --force."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from epistola.diagnostics import has_errors
from epistola.engine.recipe import load
from epistola.ingest.command import run_ingest
from epistola.records import parse_letter, parse_persons

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sources" / "bolshevik-correspondence-1923-nos-173-176.txt"
LETTERS = ["letters/173.md", "letters/174.md", "letters/175.md", "letters/176.md"]

MORE = """No. 177
I. V. Stalin to V. M. Molotov
November 25, 1923
Dear Molotov!
I have read the papers 1 .
I. Stalin.
RTSKHIDNI. F. 558. Op. 1. D. 5380. L. 1. Autograph.
Notes:
1 Not found.
"""


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def ingest(*args, capfd=None):
    """The ingest command as the command line runs it: exit status and what it prints."""
    sources = [Path(a) for a in args if not str(a).startswith("--")]
    target = Path(args[list(args).index("--editions") + 1])
    sources.remove(target)
    diags = run_ingest(sources, target, force="--force" in args)
    return (1 if has_errors(diags) else 0), "".join(f"{d}\n" for d in diags)


@pytest.fixture
def editions(tmp_path):
    target = tmp_path / "editions"
    diags = run_ingest([SEED], target)
    assert not [d for d in diags if d.level == "error"]
    return target


def test_fresh_ingest_writes_records_registers_and_manifest(editions):
    files = snapshot(editions)
    assert sorted(files) == [".ingest-manifest.json", "edition.yaml", *LETTERS, "persons.yaml"]
    manifest = json.loads(files[".ingest-manifest.json"])["files"]
    assert sorted(manifest) == ["edition.yaml", *LETTERS, "persons.yaml"]
    for name, digest in manifest.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    site, diags = load(editions)
    assert not [d for d in diags if d.level == "error"]
    assert [l.id for l in site.corpus.letters] == ["173", "174", "175", "176"]
    refs = set(site.corpus.persons)
    for letter in site.corpus.letters:
        for c in letter.senders + letter.recipients:
            assert c.ref in refs


def test_ingesting_twice_gives_identical_files(editions, capfd):
    before = snapshot(editions)
    code, err = ingest(SEED, "--editions", editions, capfd=capfd)
    assert code == 0
    assert "error" not in err
    assert snapshot(editions) == before


def test_the_command_line(tmp_path):
    """build.py ingest: warnings on stderr naming the source line; exit 1 on a hand edit."""
    command = [sys.executable, "build.py", "ingest", "sources/" + SEED.name,
               "--editions", str(tmp_path / "e")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    shown = "sources/bolshevik-correspondence-1923-nos-173-176.txt"
    assert f"{shown}:14: warning: note 4 " in done.stderr
    assert done.stderr.count("[note-unanchored]") == 3
    assert len(done.stderr.splitlines()) == 7
    # the summary is printed when ingest is done; the command line prints the diagnostics after
    summaries = [line for line in done.stderr.splitlines() if line.startswith("ingest: ")]
    assert len(summaries) == 1 and re.fullmatch(
        r"ingest: 4 documents found, 4 records written, 0 left as the editors had them: "
        r"0 errors, 6 warnings \(\d+\.\d\d s\)", summaries[0])
    record = tmp_path / "e" / "letters" / "175.md"
    record.write_text(record.read_text() + "\nA correction.\n")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "175.md:1: error: edited by hand" in done.stderr
    assert "Traceback" not in done.stderr


def test_hand_edited_record_is_refused_and_named(editions, capfd):
    record = editions / "letters" / "176.md"
    edited = record.read_text().replace("in_reply_to: null", "in_reply_to: '174'")
    record.write_text(edited)
    code, err = ingest(SEED, "--editions", editions, capfd=capfd)
    assert code == 1
    lines = [line for line in err.splitlines() if ": error: " in line]
    assert len(lines) == 1
    assert "letters/176.md:1: error: edited by hand" in lines[0] and "[ingest-edited]" in lines[0]
    assert record.read_text() == edited
    assert not (editions / ".backup").exists()
    # and it stays protected on the next run too
    code, _ = ingest(SEED, "--editions", editions, capfd=capfd)
    assert code == 1 and record.read_text() == edited


def test_force_keeps_a_backup_before_overwriting(editions, capfd):
    record = editions / "letters" / "176.md"
    fresh = record.read_bytes()
    edited = record.read_text().replace("in_reply_to: null", "in_reply_to: '174'").encode()
    record.write_bytes(edited)
    code, err = ingest(SEED, "--editions", editions, "--force", capfd=capfd)
    assert code == 0
    backup = editions / ".backup" / "letters" / f"176.md.{hashlib.sha256(edited).hexdigest()[:8]}"
    assert backup.read_bytes() == edited
    assert record.read_bytes() == fresh
    assert "176.md:1: warning: edited by hand; overwritten because of --force" in err
    assert f".backup/letters/{backup.name} [ingest-backup]" in err
    # the overwritten file is ingest's again: no complaint next time
    code, _ = ingest(SEED, "--editions", editions, capfd=capfd)
    assert code == 0


def test_curated_persons_register_is_kept_when_nothing_is_missing(editions, capfd):
    persons = editions / "persons.yaml"
    curated = persons.read_text().replace(
        "  sort_name: Stalin, I. V.\n",
        "  sort_name: Stalin, Iosif Vissarionovich\n  dates: 1878–1953\n")
    persons.write_text(curated)
    code, err = ingest(SEED, "--editions", editions, capfd=capfd)
    assert code == 0 and "error" not in err
    assert persons.read_text() == curated


def test_new_refs_are_appended_to_an_untouched_register(editions, tmp_path, capfd):
    more = tmp_path / "more.txt"
    more.write_text(MORE)
    before = (editions / "persons.yaml").read_text()
    code, _ = ingest(SEED, more, "--editions", editions, capfd=capfd)
    assert code == 0
    after = (editions / "persons.yaml").read_text()
    assert after.startswith(before)
    assert after[len(before):] == "molotov:\n  name: V. M. Molotov\n  sort_name: Molotov, V. M.\n"
    assert (editions / "letters" / "177.md").exists()


def test_new_refs_join_a_curated_register_and_its_entries_stay_as_they_are(editions, tmp_path,
                                                                         capfd):
    """New persons named by new sources are added to a register the editors edited by hand, as a
    merge (a warning says so): their entries stay verbatim, and no --force is needed."""
    more = tmp_path / "more.txt"
    more.write_text(MORE)
    persons = editions / "persons.yaml"
    curated = persons.read_text() + "trotsky:\n  name: L. D. Trotsky\n"
    persons.write_text(curated)
    code, err = ingest(SEED, more, "--editions", editions, capfd=capfd)
    assert code == 0, err
    assert "persons.yaml:1: warning: edited by hand;" in err and "[ingest-merged]" in err
    assert (editions / "letters" / "177.md").exists()
    text = persons.read_text()
    assert text.startswith(curated)  # every hand-curated entry kept verbatim
    assert {p.ref for p in parse_persons(text, "persons.yaml")[0]} >= {"trotsky", "molotov", "stalin"}


def test_edition_yaml_with_added_keys_is_kept(editions, capfd):
    edition = editions / "edition.yaml"
    curated = edition.read_text() + "licence: CC BY 4.0\npublished: '2026-11-26'\n"
    edition.write_text(curated)
    code, err = ingest(SEED, "--editions", editions, capfd=capfd)
    assert code == 0 and "error" not in err
    assert edition.read_text() == curated


def test_a_file_without_manifest_entry_is_treated_as_hand_made(tmp_path, capfd):
    target = tmp_path / "editions"
    (target / "letters").mkdir(parents=True)
    (target / "letters" / "173.md").write_text("my own transcription\n")
    code, err = ingest(SEED, "--editions", target, capfd=capfd)
    assert code == 1 and "letters/173.md:1: error: edited by hand" in err
    assert (target / "letters" / "173.md").read_text() == "my own transcription\n"


def test_committed_edition_is_protected_too(tmp_path, capfd):
    """A copy of the committed editions/ with one more hand correction: ingest refuses it."""
    copy = tmp_path / "editions"
    shutil.copytree(ROOT / "editions", copy)
    record = copy / "letters" / "173.md"
    edited = record.read_text().replace("instead of A.I. e.", "instead of A.I.[^4] e.")
    assert edited != record.read_text()
    record.write_text(edited)
    code, err = ingest(SEED, "--editions", copy, capfd=capfd)
    assert code == 1
    assert "letters/173.md:1: error: edited by hand" in err
    assert record.read_text() == edited


def test_unreadable_source_writes_nothing(tmp_path, capfd):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"No. 1\nA to B\n\xff\xfe\n")
    code, err = ingest(bad, "--editions", tmp_path / "e", capfd=capfd)
    assert code == 1
    assert "bad.txt:3: error: not valid UTF-8" in err
    assert not (tmp_path / "e").exists()


def test_missing_source_is_one_clean_line(tmp_path, capfd):
    code, err = ingest(tmp_path / "nope.txt", "--editions", tmp_path / "e", capfd=capfd)
    assert code == 1
    assert err.count("\n") == 1 and "nope.txt:1: error: cannot read file" in err


def test_the_same_page_from_two_places_gives_one_record_per_document(tmp_path, capfd):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SEED.read_bytes())
    code, err = ingest(SEED, copy, "--editions", tmp_path / "e", capfd=capfd)
    assert code == 0 and "[copy-differs]" not in err
    assert sorted(p.name for p in (tmp_path / "e" / "letters").iterdir()) == [
        "173.md", "174.md", "175.md", "176.md"]
    record = (tmp_path / "e" / "letters" / "174.md").read_text()
    letter, _ = parse_letter(record, "174.md")
    assert letter.source.first == 56 and [s.first for s in letter.also_from] == [56]
    assert letter.also_from[0].file.endswith("copy.txt")
