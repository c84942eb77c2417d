"""Progress of an export: the steps reported (counted by hand for a 339-card bank and
reports every 200 cards), the package step advancing while genanki writes, and the
bar drawn only on a terminal."""

from __future__ import annotations

import inspect
import io
import zipfile

import pytest
from export_helpers import BUILTIN, T1, write_big_bank
from rich.console import Console

from llmconcepts.cardbank.loader import load_bank
from llmconcepts.export.selection import ExportScope, select_cards
from llmconcepts.scheduling.day import clock_for
from llmconcepts.scheduling.settings import load_settings
from llmconcepts.ui.export import export_progress

# The fixture built-in bank (9 cards) and 110 made-up concepts of the learner's (330): 339.
TOTAL = 339


@pytest.fixture
def selection(tmp_path):
    bank = load_bank(builtin_dir=BUILTIN, user_dirs=[write_big_bank(tmp_path / "cards", 110)], use_cache=False)
    chosen = select_cards(bank, ExportScope(due=False), T1, clock_for(load_settings()))
    assert len(chosen.cards) == TOTAL
    return chosen


def test_the_package_step_advances_while_genanki_writes_and_ends_with_the_file(selection):
    from llmconcepts.export.anki import write_apkg

    stream = io.BytesIO()
    reports = []

    def record(step, done, total):
        callers = {frame.function for frame in inspect.stack()}
        complete = stream.getbuffer().nbytes > 0 and zipfile.is_zipfile(io.BytesIO(stream.getvalue()))
        reports.append((step, done, total, "write_to_db" in callers, complete))

    write_apkg(selection, stream, T1, record)
    assert [(step, done, total) for step, done, total, _, _ in reports] == [
        ("notes", 0, TOTAL), ("notes", 200, TOTAL), ("notes", TOTAL, TOTAL),
        ("package", 0, TOTAL), ("package", 200, TOTAL), ("package", TOTAL, TOTAL),
    ]
    during_write, at_the_end = reports[4], reports[5]
    assert during_write[3] and not during_write[4]  # from inside genanki's write, file not done
    assert at_the_end[4] and not at_the_end[3]  # after the zip is complete


@pytest.mark.parametrize(("fmt", "step"), [("csv", "rows"), ("json", "cards")])
def test_csv_and_json_report_one_step(selection, fmt, step):
    from llmconcepts.export.csv_export import write_csv
    from llmconcepts.export.json_export import write_json

    reports = []

    def record(*report):
        reports.append(report)

    if fmt == "csv":
        write_csv(selection, io.BytesIO(), record)
    else:
        write_json(selection, io.BytesIO(), T1, load_settings(), record)
    assert reports == [(step, 0, TOTAL), (step, 200, TOTAL), (step, TOTAL, TOTAL)]


def test_the_bar_names_each_step_on_a_terminal():
    output = io.StringIO()
    terminal = Console(file=output, force_terminal=True, width=100, color_system=None)
    with export_progress(terminal) as progress:
        progress("notes", 0, 500)
        progress("notes", 500, 500)
        progress("package", 200, 500)
    shown = output.getvalue()
    assert "Building notes" in shown and "Writing package" in shown and "200/500" in shown


def test_nothing_at_all_is_written_off_a_terminal_or_for_a_short_export():
    for console, total in ((Console(file=io.StringIO(), force_terminal=False), 500),
                           (Console(file=io.StringIO(), force_terminal=True), 300)):
        with export_progress(console) as progress:
            progress("notes", 0, total)
            progress("package", total, total)
        assert console.file.getvalue() == ""
