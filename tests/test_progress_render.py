"""Terminal views of list/due/stats: fitted to 80 and 60 columns, readable without colour."""

from __future__ import annotations

import io
import re

import pytest
from progress_helpers import NOW, build_fixture_history
from rich.cells import cell_len
from rich.console import Console

from llmconcepts.progress.reports import due_report, list_report, stats_report
from llmconcepts.ui.progress import (
    bar,
    heat_level,
    heat_levels,
    render_due,
    render_list,
    render_stats,
    stacked_bar,
)

COLOR_CODE = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-7]|38;5;\d+)(?:;\d+)*m")


def rendered(render, report, width: int, **console_options) -> str:
    out = io.StringIO()
    options = {"color_system": None, "force_terminal": False, "legacy_windows": False} | console_options
    render(report, Console(file=out, width=width, **options))
    return out.getvalue()


@pytest.fixture
def bank():
    return build_fixture_history()


def reports(bank):
    return {
        "due": (render_due, due_report(NOW)),
        "stats": (render_stats, stats_report(NOW)),
        "list": (render_list, list_report(NOW, bank=bank)),
    }


@pytest.mark.parametrize("width", [80, 60, 44])
def test_no_line_is_wider_than_the_console(bank, width):
    for name, (render, report) in reports(bank).items():
        text = rendered(render, report, width)
        too_wide = [line for line in text.splitlines() if cell_len(line) > width]
        assert too_wide == [], (name, width, too_wide)


@pytest.mark.parametrize("width", [80, 60])
def test_stats_lines_are_whole_at_80_and_60_columns(bank, width):
    lines = rendered(render_stats, stats_report(NOW), width).splitlines()
    assert "Streak         6 days now, longest 10 days" in lines
    assert "Retention      80.0% last 7 days (5 reviews)" in lines
    assert "               75.0% last 30 days (8 reviews)" in lines
    assert "Study time     12 min over 26 ratings" in lines  # 750 s
    assert "Cards          15: 5 new · 1 learning · 1 relearning" in lines
    assert "               3 young · 5 mature (stability 21+ days)" in lines
    assert "               1 suspended · 1 leech" in lines
    assert "Mean stability 16.9 days" in lines
    # the heatmap: seven weekday rows of 26 cells, the last column cut after Thursday
    start = lines.index("Ratings per day  last 26 weeks")
    rows = lines[start + 2:start + 9]
    assert [row[:4] for row in rows] == ["Mon ", "    ", "Wed ", "    ", "Fri ", "    ", "    "]
    assert [len(row[4:].split(" ")) for row in rows] == [26, 26, 26, 26, 25, 25, 25]
    assert lines[start + 10] == "    26 ratings on 22 days"
    # mastery bars: Basics 3 mature, 2 learning, 1 new of 6 cards (50 %)
    basics = next(line for line in lines if line.startswith("Basics"))
    cells = basics.split()[1]
    assert basics.endswith(" 50%")
    assert (cells.count("█"), cells.count("▒"), cells.count("░")) == _thirds(len(cells), 3, 2, 1)


def _thirds(width: int, mature: int, learning: int, new: int) -> tuple[int, int, int]:
    total = mature + learning + new
    first = round(width * mature / total)
    second = round(width * (mature + learning) / total) - first
    return first, second, width - first - second


def test_a_forecast_into_the_next_year_names_the_year(bank):
    """NOW is Thu 2026-03-12: 300 days on is Wed 2027-01-06, the 365th day Fri 2027-03-12."""
    lines = rendered(render_due, due_report(NOW, days=365), 60).splitlines()
    labels = [" ".join(line.split()[:2]) for line in lines if re.match(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) 20", line)]
    assert len(labels) == 365
    assert labels[0] == "Fri 2026-03-13" and labels[299] == "Wed 2027-01-06" and labels[-1] == "Fri 2027-03-12"
    assert max(len(line) for line in lines) <= 60


@pytest.mark.parametrize("width", [80, 60])
def test_due_lines_at_80_and_60_columns(bank, width):
    lines = rendered(render_due, due_report(NOW), width).splitlines()
    assert lines[:3] == [
        "Due now        2  1 learning · 1 review",
        "Later today    2  1 learning · 1 review",
        "New today      1  available",  # epsilon only (see test_due_now_later_today_and_new_available)
    ]
    forecast = [line for line in lines if re.match(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) 03-", line)]
    assert [line.split()[1] for line in forecast] == ["03-13", "03-14", "03-15", "03-16", "03-17", "03-18", "03-19"]
    assert [int(line.split()[-1]) for line in forecast] == [0, 1, 1, 0, 0, 0, 2]
    # Bars get the width left by "Thu 03-19 " and " 2" (at most 48 cells): 48 at 80 columns,
    # 60 - 13 = 47 at 60. The peak (2 cards) fills it; 1 card is half: 24 cells, or 23 and 4/8.
    bar_width = {80: 48, 60: 47}[width]
    assert forecast[-1].count("█") == bar_width
    assert forecast[1].count("█") == bar_width // 2
    assert forecast[1].endswith("▌" + " " * (bar_width - bar_width // 2 - 1) + " 1") == (bar_width % 2 == 1)


@pytest.mark.parametrize("width", [80, 60])
def test_list_rows_are_aligned_at_80_and_60_columns(bank, width):
    lines = rendered(render_list, list_report(NOW, bank=bank), width).splitlines()
    assert "├── ● Alpha" in lines and "└── ○ Epsilon" in lines
    mechanism = next(line for line in lines if "Mechanism" in line)
    assert mechanism.split() == ["│", "Mechanism", "review", "2026-03-14", "R", "90%"]
    facet_rows = [line for line in lines if line[4:].startswith(("Mechanism", "Trade-off", "Failure mode"))]
    assert len(facet_rows) == 15
    # tree guide (4) + facet label (12) + 2 spaces: every card's state starts in column 18
    assert {line[16:18] for line in facet_rows} == {"  "}
    assert all(line[18] != " " for line in facet_rows)
    assert any("today 03:00" in line for line in facet_rows)  # alpha/trade_off, learner day 03-12
    assert [line.split()[2:4] for line in facet_rows if "buried" in line] == [["mode", "buried"]]  # gamma/f


def test_no_color_keeps_every_glyph_and_drops_colour(bank, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    for name, (render, report) in reports(bank).items():
        plain = rendered(render, report, 80, color_system="truecolor", force_terminal=True)
        assert not COLOR_CODE.search(plain), name
    monkeypatch.delenv("NO_COLOR")
    coloured = rendered(render_stats, stats_report(NOW), 80, color_system="truecolor", force_terminal=True)
    assert COLOR_CODE.search(coloured)  # so the check above can fail
    monkeypatch.setenv("NO_COLOR", "1")
    stats = rendered(render_stats, stats_report(NOW), 80, color_system="truecolor", force_terminal=True)
    for glyph in "·░█▒":
        assert glyph in stats
    listing = rendered(render_list, list_report(NOW, bank=bank), 80, color_system="truecolor", force_terminal=True)
    for mark in "●◐○":
        assert mark in listing


def test_empty_history_says_how_to_start():
    due = rendered(render_due, due_report(NOW), 80)
    assert due.splitlines()[0] == "Nothing is scheduled yet: a card is scheduled once you have studied it."
    assert "llmc study" in due and "Next 7 days" not in due
    stats = rendered(render_stats, stats_report(NOW), 60)
    assert stats.splitlines()[0] == "No study yet: statistics appear after your first ratings."
    assert "Ratings per day" not in stats and "Mastery" not in stats
    from sched_helpers import make_bank

    listing = rendered(render_list, list_report(NOW, bank=make_bank("kv-cache")), 60)
    first_sentence = " ".join(listing.splitlines()[:2])  # wrapped between words at 60 columns
    assert first_sentence == "Nothing studied yet: llmc study introduces these concepts in this order."


def test_bar_lengths_in_eighths():
    assert bar(1, 2, 10) == "█████"
    assert bar(1, 3, 4) == "█▍"  # 4 x 8 / 3 = 10.7 -> 11 eighths = 1 full cell and 3/8
    assert bar(0, 5, 10) == "" and bar(1, 0, 10) == ""
    assert bar(1, 1000, 10) == "▏"  # anything above zero shows
    assert bar(7, 7, 3) == "███"


def test_stacked_bar_cells_add_up():
    assert stacked_bar((3, 2, 1), 12).plain == "██████▒▒▒▒░░"
    assert stacked_bar((1, 1, 1), 10).plain == "███▒▒▒▒░░░"  # 3.33 -> 3, 6.67 -> 7, 10
    assert stacked_bar((0, 0, 0), 10).plain == ""


def test_heat_levels_are_quartiles_of_days_with_study():
    # nonzero counts 1..8: the 2nd, 4th and 6th of 8 sorted values bound levels 1-3
    bounds = heat_levels([0, 1, 2, 3, 4, 5, 6, 7, 8])
    assert bounds == (2, 4, 6)
    assert [heat_level(count, bounds) for count in (0, 1, 2, 3, 4, 5, 6, 7, 8)] == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert heat_levels([0, 0]) == (0, 0, 0)


def test_due_says_when_the_next_card_comes_when_nothing_is_due(bank):
    from dataclasses import replace
    from datetime import timedelta

    from llmconcepts.progress.queries import DueCounts

    report = replace(due_report(NOW, days=2), due_now=DueCounts(0, 0), next_due=NOW + timedelta(hours=3))
    lines = rendered(render_due, report, 60).splitlines()
    # 15:00 EDT + 3 h = 18:00 the same learner day
    assert "Next due       in 3h (today 18:00)" in lines
    later = replace(report, next_due=NOW + timedelta(days=2, hours=1))  # Sat 03-14 16:00 EDT
    assert "Next due       in 2d (Sat 14 Mar 16:00)" in rendered(render_due, later, 60).splitlines()
