"""`llmc export anki|csv|json` from the command line: the summary, bad input (one
`llmc:` line, exit 1, no file and no temporary file left), usage errors (exit 2),
and the start-up path staying free of heavy imports.

The built-in bank is pointed at the export fixture bank, and the learner's cards at
the fixture user bank, so counts do not depend on the shipped cards.
"""

from __future__ import annotations

import errno
import json
import os

import pytest
from export_helpers import BUILTIN, TOTAL, USER, modules_loaded_by
from test_explain_cli import (
    llmc,  # runs `llmc ARGS...` in-process: (exit code, stdout, stderr)
)

from llmconcepts import paths
from llmconcepts.ui import console as console_module


@pytest.fixture(autouse=True)
def setup(monkeypatch, tmp_path):
    """Fixture banks, a UTC learner day, a clean working folder, fresh consoles."""
    monkeypatch.setattr(paths, "builtin_cards_dir", lambda: BUILTIN)
    monkeypatch.setenv("LLMC_CARDS", str(USER))
    monkeypatch.setenv("TZ", "UTC")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    console_module.console.cache_clear()
    console_module.error_console.cache_clear()
    yield work
    console_module.console.cache_clear()
    console_module.error_console.cache_clear()


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_summary_names_the_file_and_the_notes_per_deck(capsys, setup):
    code, out, err = llmc(capsys, "export", "anki", "--all", "-o", "deck.apkg")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Exported {TOTAL} notes to {setup / 'deck.apkg'}",
        "  6  LLM Concepts::Foundations",
        "  3  LLM Concepts::My cards::My notes",
        "  3  LLM Concepts::Serving:Ops",
        "In Anki: File > Import. Notes already there are updated, not duplicated.",
    ]
    assert files_in(setup) == ["deck.apkg"]


def test_default_is_the_cards_due_today_and_an_empty_day_says_how_to_export_all(capsys, setup):
    code, out, err = llmc(capsys, "export", "anki")
    assert code == 1 and out == ""
    assert err.startswith("llmc: nothing is due today (learner day ")
    assert err.rstrip().endswith("`llmc export anki --all` exports every card")
    assert err.count("\n") == 1
    assert files_in(setup) == []


def test_an_existing_file_is_kept_unless_force(capsys, setup):
    target = setup / "mine.csv"
    target.write_text("precious", encoding="utf-8")
    code, out, err = llmc(capsys, "export", "csv", "--all", "-o", "mine.csv")
    assert code == 1 and out == ""
    assert err == f"llmc: {target} already exists; use --force to replace it, or -o to choose another file\n"
    assert target.read_text(encoding="utf-8") == "precious"
    code, _, err = llmc(capsys, "export", "csv", "--all", "-o", "mine.csv", "--force")
    assert (code, err) == (0, "")
    assert target.read_text(encoding="utf-8").startswith("#separator:Comma\n")
    assert files_in(setup) == ["mine.csv"]


def test_a_missing_folder_or_a_file_in_the_way_is_refused(capsys, setup):
    code, _, err = llmc(capsys, "export", "anki", "--all", "-o", "nowhere/deck.apkg")
    assert code == 1
    assert err == f"llmc: cannot write {setup / 'nowhere' / 'deck.apkg'}: the folder {setup / 'nowhere'} does not exist\n"
    (setup / "plain-file").write_text("x", encoding="utf-8")
    code, _, err = llmc(capsys, "export", "anki", "--all", "-o", "plain-file/deck.apkg")
    assert code == 1 and "is not a folder" in err
    assert files_in(setup) == ["plain-file"]


def test_a_folder_as_output_gets_the_default_name(capsys, setup):
    (setup / "exports").mkdir()
    code, out, _ = llmc(capsys, "export", "json", "--all", "-o", "exports")
    assert code == 0
    (name,) = files_in(setup / "exports")
    assert name.startswith("llmc-") and name.endswith(".json")
    assert f"to {setup / 'exports' / name}" in out


def test_a_write_failure_leaves_no_partial_or_temporary_file(capsys, setup, monkeypatch):
    from llmconcepts.export import anki

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(anki, "build_decks", disk_full)
    code, _, err = llmc(capsys, "export", "anki", "--all")
    assert code == 1
    assert err.startswith("llmc: cannot write ") and err.endswith(": No space left on device\n")
    assert files_in(setup) == []


def test_an_unwritable_folder_is_refused_without_leaving_anything(capsys, setup, monkeypatch):
    import tempfile

    def read_only(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)  # as root, chmod cannot make a folder read-only
    code, _, err = llmc(capsys, "export", "csv", "--all")
    assert code == 1 and err.endswith(": Permission denied\n")
    assert files_in(setup) == []


def test_stdout_output_for_scripts_keeps_the_summary_on_stderr(capsys, setup):
    code, out, err = llmc(capsys, "export", "json", "--concept", "gamma concept", "-o", "-")
    assert code == 0
    document = json.loads(out)
    assert document["selection"] == {"due": False, "layers": [], "concepts": ["gamma-concept"]}
    assert [card["id"] for card in document["cards"]] == [
        "gamma-concept/mechanism", "gamma-concept/trade_off", "gamma-concept/failure_mode",
    ]
    assert err.splitlines() == ["Exported 3 cards to standard output", "  3  LLM Concepts::Serving:Ops"]
    assert files_in(setup) == []


def test_an_apkg_cannot_go_to_stdout(capsys):
    code, out, err = llmc(capsys, "export", "anki", "--all", "-o", "-")
    assert (code, out) == (1, "")
    assert err == "llmc: an .apkg cannot go to standard output; give a file name with -o\n"


def test_all_with_another_selection_is_a_usage_error(capsys, setup):
    code, _, err = llmc(capsys, "export", "anki", "--all", "--due")
    assert code == 2
    assert "--all exports every card; leave out --due, --layer and --concept" in err
    assert files_in(setup) == []


def test_an_unknown_layer_is_one_line_with_the_layers(capsys, setup):
    code, _, err = llmc(capsys, "export", "anki", "--layer", "retrieval")
    assert code == 1
    assert err == "llmc: no layer matches 'retrieval'. Layers: foundations, my-notes, serving-ops.\n"


def test_each_export_command_has_help(capsys):
    for fmt in ("anki", "csv", "json"):
        code, out, _ = llmc(capsys, "export", fmt, "--help")
        assert code == 0
        for option in ("--due", "--all", "--layer", "--concept", "--output", "--force"):
            assert option in out


def test_start_up_and_help_import_no_heavy_library():
    loaded = modules_loaded_by("import llmconcepts.cli.app, llmconcepts.cli.export, llmconcepts.export")
    assert not loaded & {"genanki", "sqlalchemy", "fsrs", "markdown_it", "anki", "numpy"}


@pytest.mark.skipif(not os.path.isdir("/sys") or os.access("/sys", os.W_OK) and os.geteuid() != 0,
                    reason="needs a folder that even root cannot create files in")
def test_a_real_folder_that_refuses_new_files(capsys, setup):
    code, out, err = llmc(capsys, "export", "anki", "--all", "-o", "/sys/llmc-test.apkg")
    assert (code, out) == (1, "")
    assert err.startswith("llmc: cannot write /sys/llmc-test.apkg: ")
    assert not os.path.exists("/sys/llmc-test.apkg")
