"""`python build.py check` on a deliberately broken edition gives exactly the golden diagnostics.

After an intended change to a check or a message, regenerate the golden file with
`bash scripts/regen-golden.sh` and review its diff.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import epistola.validate

ROOT = Path(__file__).resolve().parent.parent
BROKEN = "tests/fixtures/broken-edition"
GOLDEN = ROOT / "tests" / "fixtures" / "broken-edition.expected"
MINI = ROOT / "tests" / "fixtures" / "mini-edition"
#: The line `check` ends with (its time is left out of the golden file).
SUMMARY = re.compile(r"check: [0-9,]+ letters?(, [0-9,]+ [a-z]+)*: [0-9,]+ errors?, "
                     r"[0-9,]+ warnings? \([0-9.]+ s\)")


def build_py(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def diagnostic_lines(stderr: str) -> str:
    """What `check` printed above its summary line, which must be there."""
    *lines, summary = stderr.splitlines(keepends=True)
    assert SUMMARY.fullmatch(summary.rstrip("\n")), summary
    return "".join(lines)


def problem_lines(stderr: str) -> str:
    """The errors and warnings `check` printed: its notes (entries without an authority ID)
    are no problem."""
    return "".join(line for line in diagnostic_lines(stderr).splitlines(keepends=True)
                   if ": note: " not in line)


@pytest.fixture(scope="module")
def broken_check() -> subprocess.CompletedProcess:
    return build_py("check", "--editions", BROKEN)


def test_broken_edition_gives_the_golden_diagnostics(broken_check):
    expected = GOLDEN.read_text(encoding="utf-8")
    assert diagnostic_lines(broken_check.stderr) == expected, (
        "diagnostics differ from tests/fixtures/broken-edition.expected; if the change is "
        "intended, run scripts/regen-golden.sh and review the diff")
    assert broken_check.stdout == ""
    assert broken_check.returncode == 1


def test_the_summary_counts_the_golden_diagnostics(broken_check):
    summary = broken_check.stderr.splitlines()[-1]
    expected = GOLDEN.read_text(encoding="utf-8")
    errors, warnings = expected.count(": error: "), expected.count(": warning: ")
    assert summary.startswith(f"check: 17 letters, 6 persons: {errors} errors, {warnings} "
                              "warnings ("), summary


def test_golden_lines_are_well_formed_and_point_into_the_fixture(broken_check):
    lines = diagnostic_lines(broken_check.stderr).splitlines()
    assert lines
    for line in lines:
        m = re.fullmatch(r"(\S+):(\d+): (error|warning|note): (.+) \[([a-z0-9-]+)\]", line)
        assert m, line
        path, number = ROOT / m.group(1), int(m.group(2))
        assert path.is_file(), line
        assert 1 <= number <= len(path.read_bytes().splitlines()), line
    assert "Traceback" not in broken_check.stderr


def test_golden_exercises_every_check_of_the_gate(broken_check):
    """Every code listed in validate.py's docstring, and the per-file ones, occur in the golden."""
    documented = set(re.findall(r"^    ([a-z][a-z-]+) {2,}", epistola.validate.__doc__, re.M))
    assert len(documented) >= 15
    found = set(re.findall(r"\[([a-z0-9-]+)\]$", broken_check.stderr, re.M))
    per_file = {"yaml", "encoding", "duplicate-id", "record-no-front-matter", "record-bad-id",
                "record-missing-key", "record-unknown-key", "date-invalid", "date-range",
                "body-unknown-part", "body-attribute", "record-bad-ref", "persons-format"}
    assert documented | per_file <= found, sorted((documented | per_file) - found)


def test_the_good_records_of_the_broken_edition_give_nothing(broken_check):
    """176.md is stored with a byte-order mark and CRLF line ends; clean.md is plain. Both fine."""
    assert (ROOT / BROKEN / "letters" / "176.md").read_bytes().startswith(b"\xef\xbb\xbf---\r\n")
    for name in ("176.md", "clean.md"):
        assert not [line for line in broken_check.stderr.splitlines()
                    if line.startswith(f"{BROKEN}/letters/{name}:")]


def _warnings_only_edition(tmp_path: Path) -> Path:
    """The mini edition with a register entry no letter names: one warning, no error."""
    editions = tmp_path / "editions"
    shutil.copytree(MINI, editions)
    with open(editions / "persons.yaml", "a", encoding="utf-8") as handle:
        handle.write("kamenev:\n  name: L. B. Kamenev\n")
    return editions


def test_exit_status_0_with_warnings_only(tmp_path):
    result = build_py("check", "--editions", str(_warnings_only_edition(tmp_path)))
    assert result.returncode == 0, result.stderr
    lines = problem_lines(result.stderr)
    assert lines.count("\n") == 1 and ": warning: " in lines
    assert lines.rstrip().endswith("[person-unused]")


def test_strict_turns_warnings_into_errors(tmp_path):
    result = build_py("check", "--strict", "--editions", str(_warnings_only_edition(tmp_path)))
    assert result.returncode == 1
    assert problem_lines(result.stderr).rstrip().endswith("[person-unused]")


def test_a_clean_edition_checks_with_its_notes_only():
    result = build_py("check", "--editions", str(MINI))
    assert (result.returncode, problem_lines(result.stderr), result.stdout) == (0, "", "")
    assert re.fullmatch(r".*/persons\.yaml:1: note: .* \[authority-missing\]\n",
                        diagnostic_lines(result.stderr)), result.stderr


def test_check_writes_nothing(tmp_path):
    out = tmp_path / "site"
    build_py("check", "--editions", str(MINI), "--out", str(out))
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _templates(tmp_path: Path, letter_html: str) -> Path:
    """A templates folder with a letter page and a person page."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "letter.html").write_text(letter_html, encoding="utf-8")
    (templates / "person.html").write_text("<h1>{{ title }}</h1>\n", encoding="utf-8")
    return templates


def test_the_minimal_templates_render(tmp_path):
    templates = _templates(tmp_path, "<h1>{{ title }}</h1>\n")
    result = build_py("check", "--editions", str(MINI), "--templates", str(templates))
    assert (result.returncode, problem_lines(result.stderr)) == (0, "")


def test_template_using_an_undefined_value_is_one_line_with_its_line(tmp_path):
    templates = _templates(tmp_path, "<h1>{{ title }}</h1>\n{% if true %}\n"
                                     "<p>{{ page.no_such_value }}</p>\n{% endif %}\n")
    result = build_py("check", "--editions", str(MINI), "--templates", str(templates))
    assert result.returncode == 1
    lines = problem_lines(result.stderr).splitlines()
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(r".*/templates/letter\.html:3: error: template error: .*no_such_value.* "
                        r"\[template\]", lines[0]), lines[0]
    assert "Traceback" not in result.stderr


def test_template_syntax_error_is_one_line_with_its_line(tmp_path):
    templates = _templates(tmp_path, "<h1>{{ title }}</h1>\n\n{% if %}\n")
    result = build_py("check", "--editions", str(MINI), "--templates", str(templates))
    assert result.returncode == 1
    assert re.fullmatch(r".*/templates/letter\.html:3: error: template error: .* \[template\]\n",
                        problem_lines(result.stderr)), result.stderr
