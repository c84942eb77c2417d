"""What every llmc command shares: help that reads like a Unix tool's (argument names in
capitals, no Python types, summaries that fit an 80-column list), -h and --version, a
closed output pipe ending quietly with status 141, range-checked options as usage errors
(exit 2), and suspend/unsuspend/reset naming concepts and facets as the rest of llmc does."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from sched_helpers import card_row
from typer.main import get_command

from llmconcepts import __version__
from llmconcepts.cli.app import app


def run(*args: str, stdin: str | None = "", **kwargs) -> subprocess.CompletedProcess:
    """`llmc ARGS` in a child process, as a learner runs it."""
    return subprocess.run([sys.executable, "-m", "llmconcepts", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, **kwargs)


def every_command() -> list[tuple[str, ...]]:
    """The path of every command and group below the root, e.g. ("config", "set")."""
    found: list[tuple[str, ...]] = []

    def walk(command, path: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.append((*path, name))
            walk(sub, (*path, name))

    walk(get_command(app), ())
    return found


COMMANDS = every_command()


def test_the_command_list_is_complete():
    assert {path[0] for path in COMMANDS} == {"cards", "config", "explain", "export", "study", "reset",
                                             "suspend", "unsuspend", "list", "due", "stats"}


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "llmc")
def test_help_reads_like_a_unix_tool(path):
    long = run(*path, "--help")
    short = run(*path, "-h")
    assert long.returncode == 0 and long.stderr == ""
    assert short.stdout == long.stdout
    usage = long.stdout.splitlines()[0]
    assert usage.startswith(f"Usage: llmc {' '.join(path)}".rstrip())
    assert "{" not in usage  # typer's {target}: braces mean a choice in usage syntax
    # no Python type names (<str>, <list[Path]>, <int>...) anywhere in the help
    assert not re.search(r"<(str|int|float|bool|Path|list\[)", long.stdout), long.stdout
    for argument in re.findall(r"\b([A-Za-z_]+)(?:\.\.\.)?(?=\]|\s|$)", usage.split("[OPTIONS]", 1)[-1]):
        assert argument.isupper() or argument in {"COMMAND", "ARGS"}, usage
    assert "-h, --help" in long.stdout


@pytest.mark.parametrize("path", [(), *[p for p in COMMANDS if len(p) == 1]],
                         ids=lambda p: " ".join(p) or "llmc")
def test_command_lists_show_whole_summaries_at_80_columns(path):
    result = run(*path, "--help", env={**os.environ, "COLUMNS": "80"})
    if "Commands:" not in result.stdout:
        return
    listed = result.stdout.split("Commands:", 1)[1].strip().splitlines()
    assert listed
    for line in listed:
        assert len(line) <= 80
        assert line.rstrip().endswith("."), line  # a whole sentence, not cut with "..." or "e.g."
        assert not line.rstrip().endswith(("...", "e.g.")), line


def test_version_and_h_at_the_root():
    result = run("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"llmc {__version__}\n", "")
    assert __version__ == "0.1.0"  # pyproject.toml's version
    assert run("-h").stdout.startswith("Usage: llmc [OPTIONS] COMMAND [ARGS]...")


def closed_pipe_run(*args: str) -> subprocess.CompletedProcess:
    """Run llmc with standard output a pipe whose reader is already gone, as in
    ``llmc list | head -0``: every write fails with EPIPE."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run([sys.executable, "-m", "llmconcepts", *args], stdout=writer,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, timeout=120)
    finally:
        os.close(writer)


@pytest.mark.parametrize("args", [("list",), ("list", "--json"), ("due",), ("stats",),
                                  ("explain", "kv-cache"), ("--help",), ("suspend", "-h"), ("--version",),
                                  ("config", "show")],
                         ids=" ".join)
def test_a_closed_output_pipe_ends_quietly_with_141(args):
    result = closed_pipe_run(*args)
    # 141 = 128 + SIGPIPE (13): what a shell reports for `cat` in the same pipe
    assert (result.returncode, result.stderr) == (141, "")


def test_a_reader_that_stops_early_gets_its_line_and_llmc_ends_quietly():
    shell = f"{sys.executable} -m llmconcepts list | head -1; echo \"status ${{PIPESTATUS[0]}}\""
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Nothing studied yet") and lines[-1] in ("status 0", "status 141")
    assert result.stderr == ""


@pytest.mark.parametrize(("args", "option"), [(("due", "--days", "0"), "--days"),
                                              (("due", "--days", "366"), "--days"),
                                              (("study", "--plain", "--limit", "0"), "--limit"),
                                              (("study", "--plain", "--new", "-1"), "--new")])
def test_out_of_range_option_values_are_usage_errors(args, option):
    result = run(*args)
    assert result.returncode == 2 and f"Invalid value for '{option}'" in result.stderr


# --- suspend, unsuspend, reset: the concept and facet as the learner writes them ---

@pytest.mark.parametrize(("target", "changed"), [
    ("GQA", "mqa-gqa/failure_mode, mqa-gqa/mechanism, mqa-gqa/trade_off"),  # an alias
    ("kv cache", "kv-cache/failure_mode, kv-cache/mechanism, kv-cache/trade_off"),  # the title
    ("kv-cache/trade-off", "kv-cache/trade_off"),  # the facet as the study screen shows it
    ("kv-cache/Trade-off", "kv-cache/trade_off"),
    ("KV-Cache/tradeoff", "kv-cache/trade_off"),
    ("kv-cache/trade_off", "kv-cache/trade_off"),
    ("GQA/failure-mode", "mqa-gqa/failure_mode"),
    ("kv cache/Failure mode", "kv-cache/failure_mode"),
    ("A/B test", "ab-testing/failure_mode, ab-testing/mechanism, ab-testing/trade_off"),  # a '/' in an alias
])
def test_suspend_accepts_aliases_titles_and_facet_spellings(target, changed):
    result = run("suspend", target)
    count = changed.count(",") + 1
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"suspended {count} card{'s' if count > 1 else ''}: {changed}\n"
    result = run("unsuspend", target)
    assert result.stdout == f"unsuspended {count} card{'s' if count > 1 else ''}: {changed}\n"


def test_an_unknown_facet_is_named_with_the_facets():
    result = run("suspend", "kv-cache/nope")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "llmc: no facet 'nope'; facets are mechanism, trade_off, failure_mode\n"


def test_reset_asks_clearly_and_no_changes_nothing():
    assert run("suspend", "kv-cache/mechanism").returncode == 0  # creates the card rows
    result = run("reset", "kv-cache/mechanism", stdin="n\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == ("Reset kv-cache/mechanism to new? Its review history is kept. [y/N]: "
                             "Nothing changed.\n")
    result = run("reset", "GQA", stdin="\n")  # Enter takes the default, no
    assert result.stdout == ("Reset the 3 cards of mqa-gqa to new? Their review history is kept. [y/N]: "
                             "Nothing changed.\n")
    assert card_row("kv-cache/mechanism")[11] == 1  # still suspended: nothing touched


def test_reset_with_a_closed_input_is_one_line_and_exit_1():
    result = subprocess.run([sys.executable, "-m", "llmconcepts", "reset", "kv-cache/mechanism"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == ("llmc: no answer to the question (standard input is closed); nothing changed. "
                             "Use --yes to reset without asking\n")
    assert "Aborted" not in result.stdout + result.stderr
