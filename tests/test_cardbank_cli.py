"""`llmc cards validate`: a one-line summary and exit 0 on a clean bank; every
problem as file:line on stderr and exit 1 otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from llmconcepts.cli.app import app

BANKS = Path(__file__).parent / "fixtures" / "banks"
runner = CliRunner()


def test_clean_files_print_a_summary_and_exit_0():
    result = runner.invoke(app, ["cards", "validate", str(BANKS / "valid" / "01-basics.yaml"), str(BANKS / "valid")])
    assert result.exit_code == 0, result.output
    assert result.stdout == "4 concepts, 12 cards in 2 layers: OK\n"


def test_singular_summary():
    result = runner.invoke(app, ["cards", "validate", str(BANKS / "yaml11")])
    assert result.stdout == "1 concept, 3 cards in 1 layer: OK\n"


def test_problems_go_to_stderr_one_per_line_and_exit_1():
    result = runner.invoke(app, ["cards", "validate", str(BANKS / "malformed" / "key-point-count.yaml")])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 problems found"
    assert [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in lines[:-1]] == [
        "key-point-count.yaml:12",
        "key-point-count.yaml:20",
    ]


def test_a_path_that_does_not_exist_is_a_user_error(tmp_path: Path):
    result = runner.invoke(app, ["cards", "validate", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 1
    assert "missing.yaml: no such file or folder" in result.stderr


def test_no_path_checks_the_builtin_bank_and_the_users_cards(monkeypatch, tmp_path: Path):
    """A learner file reusing a built-in id fails the default check, naming both files."""
    builtin = runner.invoke(app, ["cards", "validate"])
    assert builtin.exit_code == 0, builtin.stderr  # the shipped bank must be clean
    clash = tmp_path / "mine.yaml"
    clash.write_text(
        (BANKS / "user-clash" / "mine.yaml").read_text(encoding="utf-8").replace("id: kv-cache", "id: logits"),
        encoding="utf-8",
    )
    monkeypatch.setenv("LLMC_CARDS", str(tmp_path))
    result = runner.invoke(app, ["cards", "validate"])
    assert result.exit_code == 1
    [problem] = result.stderr.splitlines()[:-1]
    assert "mine.yaml:8: logits.id: the id 'logits' is already used by the built-in concept in" in problem
    assert "01-primer.yaml:" in problem


def test_exit_codes_through_the_console_entry_point():
    def run(*args: str) -> int:
        command = [sys.executable, "-m", "llmconcepts", "cards", "validate", *args]
        return subprocess.run(command, capture_output=True, text=True).returncode

    assert run(str(BANKS / "valid")) == 0
    assert run(str(BANKS / "malformed" / "cycle.yaml")) == 1
