"""The command-line contract, through `python build.py` as an editor runs it.

Exit status 0 success, 1 the edition has errors, 2 the command was used wrongly; every problem is
one line `path:line: error|warning: message [code]`; bad input never produces a traceback; `check`
writes nothing; a failed build leaves the published site as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from epistola.engine.store import STORE_FOLDER

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini-edition"
DIAGNOSTIC = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>[1-9][0-9]*): (?P<level>error|warning|note): "
                        r"(?P<message>\S.*) \[(?P<code>[a-z0-9][a-z0-9-]*)\]$")
#: The line `build`, `check` and `ingest` end with: what was read and made, how many problems.
SUMMARY = re.compile(r"^(?P<command>build|check|ingest): (?P<what>[^:]+): "
                     r"(?P<errors>[0-9,]+) errors?, (?P<warnings>[0-9,]+) warnings? "
                     r"\([0-9.]+ s\)$")
#: The line that counts the warnings a rebuild held back (those of records it did not read).
HELD = re.compile(r"^\((?P<count>[0-9,]+) more warnings? not shown: (?P<codes>.*); --verbose "
                  r"shows them\)$")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done


def diagnostics(done: subprocess.CompletedProcess, notes: bool = False) -> list[re.Match]:
    """The errors and warnings on stderr (and the notes too, with `notes`). Every line must be
    one diagnostic, but for the summary line a build or check ends with, whose counts must be
    those of the lines above it."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    summary = SUMMARY.match(lines[-1]) if lines else None
    if summary:
        lines.pop()
    held = HELD.match(lines[-1]) if summary and lines else None
    if held:
        lines.pop()
    bad = [line for line in lines if not DIAGNOSTIC.match(line)]
    assert not bad, "not in the form 'path:line: level: message [code]':\n" + "\n".join(bad)
    found = [DIAGNOSTIC.match(line) for line in lines]
    if summary:
        assert int(summary["errors"].replace(",", "")) == \
            sum(d["level"] == "error" for d in found), done.stderr
        assert int(summary["warnings"].replace(",", "")) == \
            sum(d["level"] == "warning" for d in found) \
            + (int(held["count"].replace(",", "")) if held else 0), done.stderr
    return [d for d in found if notes or d["level"] != "note"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def pages_of(site: Path) -> dict[str, bytes]:
    """The site without its search index (the documents made for the indexer kept): an index
    brought up to date holds a changed letter in a recent bundle, which a clean build does not."""
    return {path: data for path, data in snapshot(site).items()
            if not path.startswith("pagefind/") or path.startswith("pagefind/documents/")}


@pytest.fixture
def edition(tmp_path) -> Path:
    """A private copy of the two-letter test edition, free to break."""
    return Path(shutil.copytree(MINI, tmp_path / "editions"))


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- usage ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["frobnicate"],
    ["build", "--no-such-option"],
    ["--no-such-option"],
    ["ingest"],                      # no source named
    ["serve", "--port", "eighty"],
    ["check", "--editions"],         # option without its value
])
def test_wrong_usage_exits_2_with_a_usage_line(args, tmp_path):
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "usage:" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_exits_0(tmp_path):
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("ingest", "build", "check", "serve"):
        assert command in done.stdout


def test_the_console_script_is_the_same_command_line(tmp_path):
    script = Path(sys.executable).parent / "epistola"
    if not script.is_file():
        pytest.skip("the console script is installed with the project (pip install -e .)")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: epistola "), done.stdout
    done = subprocess.run([str(script), "check", "--editions", str(MINI)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert diagnostics(done) == []
    assert done.stderr.splitlines()[-1].startswith("check: 2 letters, 3 persons: 0 errors, ")


# --- success --------------------------------------------------------------------------------------

def test_build_of_a_sound_edition_exits_0(edition, tmp_path):
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not [d for d in diagnostics(done) if d["level"] == "error"]
    assert (tmp_path / "out" / "index.html").is_file()
    assert (tmp_path / "out" / "letters" / "174" / "index.html").is_file()


def test_build_is_the_default_command(edition, tmp_path):
    done = run("--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "index.html").is_file()


def test_check_validates_and_writes_nothing(edition, tmp_path):
    before = snapshot(tmp_path)
    done = run("check", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["editions"]


def test_check_reports_errors_and_still_writes_nothing(edition, tmp_path):
    replace_in(edition / "letters" / "174.md", "ref: magidov", "ref: nobody-known")
    before = snapshot(tmp_path)
    done = run("check", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 1
    assert any(d["level"] == "error" for d in diagnostics(done))
    assert snapshot(tmp_path) == before


def test_build_and_check_end_with_a_summary_line(edition, tmp_path):
    replace_in(edition / "letters" / "174.md", "physical:", "colour: blue\nphysical:")
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(diagnostics(done)) == 1  # the counts of the summary are checked there
    last = SUMMARY.match(done.stderr.splitlines()[-1])
    assert last["command"] == "build", done.stderr
    assert re.fullmatch(r"2 letters, 3 persons, [0-9]+ files made", last["what"]), last[0]
    assert (last["errors"], last["warnings"]) == ("0", "1")
    again = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert ", nothing changed: 0 errors, 1 warning (" in again.stderr.splitlines()[-1]
    checked = run("check", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert SUMMARY.match(checked.stderr.splitlines()[-1])["command"] == "check"
    assert "made" not in checked.stderr.splitlines()[-1]


def test_a_rebuild_prints_the_warnings_of_the_records_it_read_again(edition, tmp_path):
    """The warnings of records a rebuild did not read again are counted, not printed, unless
    --verbose asks for them; the first build prints them all."""
    replace_in(edition / "letters" / "174.md", "physical:", "colour: blue\nphysical:")
    replace_in(edition / "letters" / "176.md", "physical:", "mood: calm\nphysical:")
    args = ("build", "--editions", str(edition), "--out", "out")
    first = run(*args, cwd=tmp_path)
    assert {d["code"] for d in diagnostics(first)} == {"record-unknown-key"}
    assert len(diagnostics(first)) == 2 and "not shown" not in first.stderr
    replace_in(edition / "letters" / "176.md", "title: ", "title: Copy of ")
    second = run(*args, cwd=tmp_path)
    assert [Path(d["path"]).name for d in diagnostics(second)] == ["176.md"]
    assert HELD.match(second.stderr.splitlines()[-2])["codes"] == "record-unknown-key 1"
    replace_in(edition / "letters" / "176.md", "title: Copy of ", "title: ")
    verbose = run(*args, "--verbose", cwd=tmp_path)
    assert sorted(Path(d["path"]).name for d in diagnostics(verbose)) == ["174.md", "176.md"]
    assert "not shown" not in verbose.stderr
    unchanged = run(*args, cwd=tmp_path)  # nothing read again: nothing printed but the count
    assert diagnostics(unchanged) == []
    assert HELD.match(unchanged.stderr.splitlines()[-2])["count"] == "2"


# --- an edition with errors -----------------------------------------------------------------------

def test_edition_with_errors_exits_1_with_one_line_each(edition, tmp_path):
    letter = edition / "letters" / "174.md"
    replace_in(letter, "ref: magidov", "ref: nobody-known")               # unknown person
    replace_in(letter, "(in October)[^1]", "(in October)[^1][^9]")        # mark without a note
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 1
    found = diagnostics(done)
    errors = [d for d in found if d["level"] == "error"]
    assert len(errors) >= 2, done.stderr
    lines = letter.read_text(encoding="utf-8").splitlines()
    for d in errors:
        assert Path(d["path"]).name == "174.md", d.group(0)
        assert int(d["line"]) <= len(lines), d.group(0)
    text = "\n".join(d.group(0) for d in errors)
    assert "nobody-known" in text and "9" in text
    # each error points at the line that holds the fault
    by_name = {d["message"]: int(d["line"]) for d in errors}
    assert any("nobody-known" in lines[n - 1] for m, n in by_name.items() if "nobody-known" in m)
    assert any("[^9]" in lines[n - 1] for m, n in by_name.items() if "9" in m and "nobody" not in m)
    assert not (tmp_path / "out").exists()


def test_failed_build_leaves_the_published_site_untouched(edition, tmp_path):
    assert run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path).returncode == 0
    published = snapshot(tmp_path / "out")
    replace_in(edition / "letters" / "176.md", "ref: stalin", "ref: nobody-known")
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 1
    assert snapshot(tmp_path / "out") == published
    # no half-built staging folder left beside it (the build's lock file and the store of what
    # the last build made may stay)
    assert sorted(p.name for p in tmp_path.iterdir()
                  if p.name not in (".out.lock", STORE_FOLDER)) == ["editions", "out"]


def test_strict_turns_warnings_into_failure(edition, tmp_path):
    replace_in(edition / "letters" / "174.md", "physical:", "colour: blue\nphysical:")
    done = run("check", "--editions", str(edition), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warnings = [d for d in diagnostics(done) if d["level"] == "warning"]
    assert any("colour" in d["message"] for d in warnings), done.stderr
    strict = run("check", "--strict", "--editions", str(edition), cwd=tmp_path)
    assert strict.returncode == 1
    assert any("colour" in d["message"] for d in diagnostics(strict))


# --- bad input: a diagnostic, never a traceback ---------------------------------------------------

def _only_errors_name(done, name: str) -> list[re.Match]:
    assert done.returncode == 1, done.stderr
    errors = [d for d in diagnostics(done) if d["level"] == "error"]
    assert errors, done.stderr
    assert any(Path(d["path"]).name == name for d in errors), done.stderr
    return errors


def test_invalid_yaml_in_a_letter(edition, tmp_path):
    replace_in(edition / "letters" / "174.md", "title: B. I. Magidov to I. V. Stalin",
               "title: [B. I. Magidov to I. V. Stalin")
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    errors = _only_errors_name(done, "174.md")
    assert any("yaml" in d["code"] for d in errors), done.stderr


@pytest.mark.parametrize("name", ["persons.yaml", "edition.yaml"])
def test_invalid_yaml_in_a_register(edition, tmp_path, name):
    with open(edition / name, "a", encoding="utf-8") as f:
        f.write("broken: [unclosed\n  : : :\n")
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    _only_errors_name(done, name)


def test_invalid_utf8(edition, tmp_path):
    letter = edition / "letters" / "176.md"
    data = letter.read_bytes()
    cut = data.index(b"\n\n", data.index(b"---", 3)) + 2
    letter.write_bytes(data[:cut] + b"Caf\xe9 in Latin-1.\n\n" + data[cut:])
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    errors = _only_errors_name(done, "176.md")
    line = int(next(d for d in errors if Path(d["path"]).name == "176.md")["line"])
    assert line == data[:cut].count(b"\n") + 1, done.stderr
    assert any("UTF-8" in d["message"] for d in errors)


def test_record_without_front_matter(edition, tmp_path):
    (edition / "letters" / "999.md").write_text("Just a letter, no front matter.\n",
                                                encoding="utf-8")
    done = run("check", "--editions", str(edition), cwd=tmp_path)
    _only_errors_name(done, "999.md")


def test_empty_letter_file(edition, tmp_path):
    (edition / "letters" / "998.md").write_bytes(b"")
    done = run("check", "--editions", str(edition), cwd=tmp_path)
    _only_errors_name(done, "998.md")


def test_a_register_that_cannot_be_read_stands_alone(edition, tmp_path):
    """Its error comes first, before the errors of other files, and the refs to it are not each
    reported as unknown."""
    (edition / "persons.yaml").write_text("stalin: [unclosed\n", encoding="utf-8")
    replace_in(edition / "letters" / "174.md", "excesses[^2].", "excesses[^2][^9].")
    done = run("check", "--editions", str(edition), cwd=tmp_path)
    assert done.returncode == 1
    found = [(Path(d["path"]).name, d["code"]) for d in diagnostics(done)]
    assert found == [("persons.yaml", "yaml"), ("174.md", "note-mark-undefined")], found


def test_a_record_that_cannot_be_read_comes_first_and_its_reply_is_no_error(edition, tmp_path):
    """No. 176 answers No. 174: with 174.md unreadable, the reply is not reported as a link to
    nothing, and the one line says what to fix."""
    letter = edition / "letters" / "174.md"
    letter.write_bytes(letter.read_bytes().replace(b"Dear comrade.", b"Dear comrade\xff."))
    replace_in(edition / "letters" / "176.md", "ref: stalin}]", "ref: stallin}]")
    done = run("check", "--editions", str(edition), cwd=tmp_path)
    assert done.returncode == 1
    found = [(Path(d["path"]).name, d["code"]) for d in diagnostics(done)]
    assert found == [("174.md", "encoding"), ("176.md", "person-unknown")], found


@pytest.mark.parametrize("command", ["build", "check"])
def test_missing_editions_folder(tmp_path, command):
    done = run(command, "--editions", "nowhere", "--out", "out", cwd=tmp_path)
    assert done.returncode == 1
    [d] = diagnostics(done)
    assert d["level"] == "error" and "nowhere" in d["path"], done.stderr
    assert sorted(tmp_path.iterdir()) == []


def test_ingest_of_a_missing_source(tmp_path):
    done = run("ingest", "no-such-source.txt", "--editions", "editions", cwd=tmp_path)
    assert done.returncode == 1
    assert any("no-such-source.txt" in d["path"] for d in diagnostics(done)), done.stderr
    assert not (tmp_path / "editions").exists()


# --- the system says no: a full disk --------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path) -> Path:
    """A file system of 8 MiB of its own (tmpfs; root only), unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs",
                                            str(disk)], capture_output=True).returncode != 0:
        pytest.skip("mounting a small file system needs root")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def fill(disk: Path) -> Path:
    """Take every free block of the disk (a file that grows until the system refuses)."""
    ballast = disk / "ballast"
    with open(ballast, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                handle.write(b"\0" * 512)
        except OSError:
            pass
    return ballast


def test_a_full_disk_stops_the_build_with_one_line_and_keeps_the_site(edition, small_disk):
    out = small_disk / "out"
    first = run("build", "--editions", str(edition), "--out", str(out), cwd=small_disk)
    assert first.returncode == 0, first.stderr
    published = snapshot(out)
    replace_in(edition / "letters" / "176.md", "title: ", "title: Copy of ")
    ballast = fill(small_disk)

    done = run("build", "--editions", str(edition), "--out", str(out), cwd=small_disk)
    assert done.returncode == 1
    [d] = diagnostics(done)
    assert d["level"] == "error" and d["code"] == "io", d.group(0)
    assert d["message"].startswith("No space left on device; the build stopped and left out "
                                   "as it was: free some space"), d.group(0)
    # the file the system refused: one of the site's
    assert d["path"].startswith("out/") and d["path"].removeprefix("out/") in published, \
        d.group(0)
    assert snapshot(out) == published
    assert not [p for p in small_disk.rglob("*") if p.name.endswith((".partial", ".tmp"))]

    ballast.unlink()  # space again: the build picks up where the editor left it
    again = run("build", "--editions", str(edition), "--out", str(out), cwd=small_disk)
    assert again.returncode == 0, again.stderr
    clean = run("build", "--editions", str(edition), "--out", "clean", cwd=edition.parent)
    assert clean.returncode == 0, clean.stderr
    # the pages are a clean build's; the index holds the changed letter in its recent bundle
    assert pages_of(out) == pages_of(edition.parent / "clean")
    assert "Copy of" in (out / "letters" / "176" / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "pagefind" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["recent"]["pages"] == 1


# --- a site folder a build must not replace -------------------------------------------------------

@pytest.mark.parametrize("command", ["build", "serve"])
@pytest.mark.parametrize("out, says", [
    ("editions", "the site folder is the editions folder"),
    (".", "the site folder holds the editions folder"),
    ("editions/letters", "the site folder lies in the editions folder"),
    ("editions/site", "the site folder lies in the editions folder"),
    ("notes", "the site folder holds files no build made"),
    ("notes/todo.txt", "the site folder is a file"),
    ("published", "the site folder is a symbolic link"),
    ("loop", "the site folder or an input folder is a loop of symbolic links"),
])
def test_a_site_folder_that_holds_other_files_is_refused_and_left_alone(edition, tmp_path,
                                                                        command, out, says):
    """A build replaces its site folder whole: pointed at the records, at a folder above them
    or at anybody's files, it refuses before it writes anything, and nothing is lost."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("a file of the editor's\n", encoding="utf-8")
    (tmp_path / "published").symlink_to("notes")
    (tmp_path / "loop").symlink_to("loop")
    before = snapshot(tmp_path)
    done = run(command, "--editions", str(edition), "--out", out, "--port", "0", cwd=tmp_path) \
        if command == "serve" else run(command, "--editions", str(edition), "--out", out,
                                       cwd=tmp_path)
    assert done.returncode == 1
    [d] = diagnostics(done)
    assert (d["path"], d["level"], d["code"]) == (out, "error", "out-folder"), d.group(0)
    assert d["message"].startswith(says), d.group(0)
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["editions", "loop", "notes",
                                                          "published"]
    assert (tmp_path / "published").readlink() == Path("notes")


def test_the_current_folder_is_refused_as_the_site_folder(edition, tmp_path):
    """`--out .` in a folder of its own would put the build's lock and cache inside the site."""
    folder = tmp_path / "published"
    folder.mkdir()
    done = run("build", "--editions", str(edition), "--out", ".", cwd=folder)
    assert done.returncode == 1
    [d] = diagnostics(done)
    assert d["code"] == "out-folder", d.group(0)
    assert d["message"].startswith("the site folder holds the current folder"), d.group(0)
    assert list(folder.iterdir()) == []


def test_a_site_folder_that_is_a_mount_point_is_refused(edition, small_disk):
    """A mount point cannot be renamed: the build says so before it writes anything."""
    done = run("build", "--editions", str(edition), "--out", str(small_disk),
               cwd=edition.parent)
    assert done.returncode == 1
    [d] = diagnostics(done)
    assert d["code"] == "out-folder" and "mount point" in d["message"], d.group(0)
    assert list(small_disk.iterdir()) == []
    assert sorted(p.name for p in edition.parent.iterdir()) == ["disk", "editions"]


def test_a_site_folder_a_build_made_is_built_again(edition, tmp_path):
    assert run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path).returncode == 0
    shutil.rmtree(tmp_path / STORE_FOLDER)  # (what the folder is, is read from the folder)
    replace_in(edition / "letters" / "176.md", "title: ", "title: Copy of ")
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Copy of" in (tmp_path / "out" / "letters" / "176" / "index.html").read_text(
        encoding="utf-8")


def test_a_file_added_to_the_site_by_hand_is_never_lost(edition, tmp_path):
    """A CNAME or a .git put beside the pages is never lost. A build that knows what the build
    before made (its store) writes only its own files and leaves it; one that does not would
    replace the folder whole, and says so instead, leaving the file and the site as they were."""
    assert run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path).returncode == 0
    (tmp_path / "out" / "CNAME").write_text("letters.example.org\n", encoding="utf-8")
    (tmp_path / "out" / ".DS_Store").write_bytes(b"\0")  # (a Finder's: not worth a refusal)
    replace_in(edition / "letters" / "176.md", "title: ", "title: Copy of ")
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "CNAME").read_text(encoding="utf-8") == "letters.example.org\n"
    assert "Copy of" in (tmp_path / "out" / "letters" / "176" / "index.html").read_text(
        encoding="utf-8")

    replace_in(edition / "letters" / "176.md", "title: Copy of ", "title: Second copy of ")
    published = snapshot(tmp_path / "out")
    shutil.rmtree(tmp_path / STORE_FOLDER)  # what the build before made is not known
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 1
    [d] = diagnostics(done)
    assert (d["path"], d["code"]) == ("out", "out-folder"), d.group(0)
    assert d["message"].startswith("the site folder holds CNAME, which no build made"), d.group(0)
    assert snapshot(tmp_path / "out") == published

    (tmp_path / "out" / "CNAME").unlink()
    done = run("build", "--editions", str(edition), "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Second copy of" in (tmp_path / "out" / "letters" / "176" / "index.html").read_text(
        encoding="utf-8")


def test_a_page_taken_out_of_the_templates_goes_from_the_site(edition, tmp_path):
    """What the build before made may go: a page whose template was removed is no refusal."""
    templates = Path(shutil.copytree(ROOT / "templates", tmp_path / "templates"))
    args = ("build", "--editions", str(edition), "--out", "out", "--templates", str(templates))
    assert run(*args, cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "about" / "index.html").is_file()
    (templates / "about.html").unlink()
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "out" / "about").exists()
