"""`llmc cards validate`: a one-line summary and exit 0 on a clean bank; every
problem as file:line on stderr and exit 1 otherwise.

In-process tests point the built-in bank at the fixture bank ``banks/valid`` so
they do not depend on the shipped cards; the subprocess test and the shipped-bank
test use the real ones.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmconcepts import paths
from llmconcepts.cli.app import app

BANKS = Path(__file__).parent / "fixtures" / "banks"
runner = CliRunner()


@pytest.fixture
def fixture_builtin(monkeypatch):
    monkeypatch.setattr(paths, "builtin_cards_dir", lambda: BANKS / "valid")


def validate(*args: str):
    return runner.invoke(app, ["cards", "validate", *args])


def test_no_path_checks_builtin_and_user_cards_and_prints_a_summary(fixture_builtin, monkeypatch):
    assert validate().stdout == "4 concepts, 12 cards in 2 layers: OK\n"
    monkeypatch.setenv("LLMC_CARDS", str(BANKS / "user"))
    result = validate()
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "5 concepts, 15 cards in 3 layers: OK\n"


def test_paths_are_checked_against_the_builtin_bank(fixture_builtin):
    result = validate(str(BANKS / "user" / "team-notes.yaml"))  # its prerequisite is built-in
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "1 concept, 3 cards in 1 layer: OK\n"


def test_a_builtin_file_named_as_a_path_is_not_a_clash_with_itself(fixture_builtin):
    result = validate(str(BANKS / "valid" / "01-basics.yaml"), str(BANKS / "valid"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "4 concepts, 12 cards in 2 layers: OK\n"


def test_problems_go_to_stderr_one_per_line_and_exit_1(fixture_builtin):
    result = validate(str(BANKS / "malformed" / "key-point-count.yaml"))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 problems found"
    assert [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in lines[:-1]] == [
        "key-point-count.yaml:12",
        "key-point-count.yaml:20",
    ]


def test_a_user_id_clash_fails_the_default_check_naming_both_files(fixture_builtin, monkeypatch):
    monkeypatch.setenv("LLMC_CARDS", str(BANKS / "user-clash"))
    result = validate()
    assert result.exit_code == 1
    [problem, summary] = result.stderr.splitlines()
    assert "mine.yaml:8: kv-cache.id: the id 'kv-cache' is already used by the built-in concept in" in problem
    assert "01-basics.yaml:8" in problem
    assert summary == "1 problem found"


def test_a_path_that_does_not_exist_is_a_user_error(fixture_builtin, tmp_path: Path):
    result = validate(str(tmp_path / "missing.yaml"))
    assert result.exit_code == 1
    assert "missing.yaml: no such file or folder" in result.stderr


def test_the_shipped_bank_is_clean():
    result = validate()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(": OK\n")


def test_exit_codes_through_the_console_entry_point():
    def run(*args: str) -> int:
        command = [sys.executable, "-m", "llmconcepts", "cards", "validate", *args]
        return subprocess.run(command, capture_output=True, text=True).returncode

    assert run(str(BANKS / "yaml11")) == 0
    assert run(str(BANKS / "malformed" / "cycle.yaml")) == 1


def test_every_problem_of_every_path_is_reported_at_once(fixture_builtin, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = validate(str(BANKS / "duplicate-id-across"), str(BANKS / "malformed" / "tab-indent.yaml"),
                      str(tmp_path / "nonexist.yaml"), str(empty))
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    # the two paths that hold nothing, first and in the order given
    assert lines[:2] == [f"{tmp_path / 'nonexist.yaml'}: no such file or folder",
                         f"{empty}: no .yaml card files in this folder"]
    files = [line.split(":", 1)[0].rsplit("/", 1)[-1] for line in lines[2:-1]]
    assert "tab-indent.yaml" in files  # a file that cannot be parsed
    assert {"a.yaml", "b.yaml"} & set(files)  # an id defined in two files of the folder
    assert lines[-1] == f"{len(lines) - 1} problems found"
