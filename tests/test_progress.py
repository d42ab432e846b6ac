"""The build's progress bar: drawn on a terminal, silent in CI and when output is a file."""

import io
from pathlib import Path

from epistola.pipeline import run_build
from epistola.progress import BUILD_STAGES, ProgressBar

MINI = Path(__file__).parent / "fixtures" / "mini-edition"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_build_on_a_terminal_draws_every_stage_in_order(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    screen = Terminal()
    run_build(MINI, tmp_path / "site", search=False, progress=ProgressBar(screen))
    drawn = [line.split("\x1b[K")[-1] for line in screen.getvalue().split("\r") if line]
    assert [line.split("] ")[1].split("  ")[0] for line in drawn] == [
        f"{i}/{len(BUILD_STAGES)} {stage}" for i, stage in enumerate(BUILD_STAGES, start=1)]
    assert drawn[-1].startswith("[" + "#" * ProgressBar.WIDTH + "]") and drawn[-1].endswith("\n")


def test_a_check_skips_the_writing_stage(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    seen: list[str] = []
    run_build(MINI, tmp_path / "site", write=False, progress=seen.append)
    assert seen == ["reading records", "checking", "rendering pages and exports", "done"]
    assert not (tmp_path / "site").exists()


def test_silent_in_ci_and_in_a_file(monkeypatch):
    monkeypatch.setenv("CI", "true")
    screen = Terminal()
    ProgressBar(screen)("checking")
    assert screen.getvalue() == ""
    monkeypatch.delenv("CI")
    log = io.StringIO()  # not a terminal
    ProgressBar(log)("checking")
    assert log.getvalue() == ""
