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
import stat

import pytest
from export_helpers import BUILTIN, TOTAL, USER, modules_loaded_by, write_big_bank
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


def test_an_empty_selection_is_reported_before_an_existing_file(capsys, setup):
    target = setup / "mine.apkg"
    target.write_bytes(b"precious")
    code, out, err = llmc(capsys, "export", "anki", "-o", "mine.apkg")  # nothing is due in a new home
    assert (code, out) == (1, "")
    assert err.startswith("llmc: nothing is due today") and "--force" not in err
    assert target.read_bytes() == b"precious"


def test_json_summary_counts_cards_per_layer_not_per_anki_deck(capsys, setup):
    code, out, err = llmc(capsys, "export", "json", "--all", "-o", "cards.json")
    assert (code, err) == (0, "")
    assert out.splitlines() == [  # the fixture bank's layers, by title, in curriculum order
        f"Exported {TOTAL} cards to {setup / 'cards.json'}",
        "  6  Foundations",
        "  3  My notes",
        "  3  Serving::Ops",
    ]


def test_ctrl_c_says_nothing_was_written_and_leaves_the_target_alone(capsys, setup, monkeypatch):
    from llmconcepts.export import anki

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(anki, "build_decks", interrupted)
    target = setup / "mine.apkg"
    target.write_bytes(b"precious")
    code, out, err = llmc(capsys, "export", "anki", "--all", "-o", "mine.apkg", "--force")
    assert (code, out) == (130, "")
    assert err == "llmc: export interrupted; nothing was written\n"
    assert target.read_bytes() == b"precious"
    assert files_in(setup) == ["mine.apkg"]  # no temporary file


def test_ctrl_c_while_writing_to_stdout_says_the_output_is_incomplete(capsys, setup, monkeypatch):
    from llmconcepts.export import json_export

    real_card_json = json_export.card_json
    written = []

    def interrupted_after_one(*args, **kwargs):
        if written:
            raise KeyboardInterrupt
        written.append(True)
        return real_card_json(*args, **kwargs)

    monkeypatch.setattr(json_export, "card_json", interrupted_after_one)
    code, _out, err = llmc(capsys, "export", "json", "--all", "-o", "-")
    assert code == 130
    assert err == "llmc: export interrupted; what reached standard output is incomplete\n"


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
    # JSON has no decks: the cards are counted per layer (the fixture layer is titled "Serving::Ops")
    assert err.splitlines() == ["Exported 3 cards to standard output", "  3  Serving::Ops"]
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


# --- the output path: symbolic links, special files, folders named with a slash ---

def test_a_symbolic_link_is_written_through_and_kept(capsys, setup, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "real.csv"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    (setup / "link.csv").symlink_to(real)
    code, _, err = llmc(capsys, "export", "csv", "--all", "-o", "link.csv")
    assert code == 1 and "already exists" in err  # the file behind the link counts as existing
    assert real.read_text(encoding="utf-8") == "old"
    code, out, err = llmc(capsys, "export", "csv", "--all", "-o", "link.csv", "--force")
    assert (code, err) == (0, "")
    assert (setup / "link.csv").is_symlink() and os.readlink(setup / "link.csv") == str(real)
    assert real.read_text(encoding="utf-8").startswith("#separator:Comma\n")
    assert real.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its permissions
    assert files_in(setup) == ["link.csv"] and files_in(elsewhere) == ["real.csv"]  # no temporary file
    assert f"to {setup / 'link.csv'}" in out


def test_a_link_to_a_missing_file_creates_that_file(capsys, setup, tmp_path):
    (setup / "link.json").symlink_to(tmp_path / "made.json")
    code, _, _ = llmc(capsys, "export", "json", "--all", "-o", "link.json")
    assert code == 0
    assert (setup / "link.json").is_symlink()
    assert json.loads((tmp_path / "made.json").read_text(encoding="utf-8"))["cards"]


def test_a_symbolic_link_loop_is_refused(capsys, setup):
    (setup / "a.csv").symlink_to(setup / "b.csv")
    (setup / "b.csv").symlink_to(setup / "a.csv")
    code, _, err = llmc(capsys, "export", "csv", "--all", "-o", "a.csv", "--force")
    assert code == 1
    assert err == f"llmc: cannot write {setup / 'a.csv'}: its symbolic links form a loop\n"


def test_a_named_pipe_is_refused_even_with_force(capsys, setup):
    fifo = setup / "pipe.csv"
    os.mkfifo(fifo)
    code, out, err = llmc(capsys, "export", "csv", "--all", "-o", "pipe.csv", "--force")
    assert (code, out) == (1, "")
    assert err == (f"llmc: cannot write {fifo}: it is a named pipe (FIFO), not a regular file; "
                   "-o - writes to standard output\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert files_in(setup) == ["pipe.csv"]


def test_a_device_is_refused_even_with_force_and_even_through_a_link(capsys, setup):
    before = os.stat("/dev/null")
    assert stat.S_ISCHR(before.st_mode)
    code, _, err = llmc(capsys, "export", "anki", "--all", "-o", "/dev/null", "--force")
    assert code == 1
    assert err == "llmc: cannot write /dev/null: it is a character device, not a regular file\n"
    (setup / "sink.json").symlink_to("/dev/null")
    code, _, err = llmc(capsys, "export", "json", "--all", "-o", "sink.json", "--force")
    assert code == 1
    assert err == (f"llmc: cannot write {setup / 'sink.json'} (/dev/null): it is a character device, "
                   "not a regular file; -o - writes to standard output\n")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    assert (setup / "sink.json").is_symlink()


def test_a_name_ending_in_a_slash_is_a_folder_that_must_exist(capsys, setup):
    code, _, err = llmc(capsys, "export", "csv", "--all", "-o", "sub/")
    assert code == 1
    assert err == f"llmc: cannot write into sub/: the folder {setup / 'sub'} does not exist\n"
    assert files_in(setup) == []  # no file called "sub"
    (setup / "plain").write_text("x", encoding="utf-8")
    code, _, err = llmc(capsys, "export", "csv", "--all", "-o", "plain/")
    assert code == 1 and err == f"llmc: cannot write into plain/: {setup / 'plain'} is not a folder\n"
    (setup / "sub").mkdir()
    code, _, _ = llmc(capsys, "export", "csv", "--all", "-o", f"{setup / 'sub'}/")
    assert code == 0
    (name,) = files_in(setup / "sub")
    assert name.startswith("llmc-") and name.endswith(".csv")


def test_a_long_export_writes_nothing_to_stderr_when_it_is_not_a_terminal(tmp_path):
    """A progress bar is drawn only on a terminal: with stderr captured (a pipe), an
    export long enough for a bar (over 300 cards) writes nothing there at all."""
    import subprocess
    import sys
    from pathlib import Path

    cards = write_big_bank(tmp_path / "cards", concepts=110)  # 330 cards of the learner's own
    env = {**os.environ, "LLMC_HOME": str(tmp_path / "home"), "LLMC_CARDS": str(cards), "TZ": "UTC"}
    llmc_program = Path(sys.executable).with_name("llmc")
    for fmt, name in (("json", "z.json"), ("anki", "z.apkg")):
        result = subprocess.run([str(llmc_program), "export", fmt, "--all", "-o", name], cwd=tmp_path,
                                env=env, capture_output=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stderr == b""
        assert result.stdout.startswith(b"Exported ")
