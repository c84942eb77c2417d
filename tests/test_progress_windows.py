"""The learner-day windows of ``llmc stats`` as a VALUES list, the form used on databases
other than SQLite (SQLite gets them as one JSON parameter).

The expected values are the hand-worked ones of test_progress_reports.py (see the
docstring of progress_helpers): both forms must count the same ratings in the same
learner days, across both DST changes and the rollover hour, also when the windows are
split over several statements.
"""

from __future__ import annotations

from datetime import date

import pytest
from progress_helpers import NOW, build_fixture_history

from llmconcepts.progress import queries
from llmconcepts.progress.reports import stats_report


@pytest.fixture
def values_windows(monkeypatch):
    build_fixture_history()
    monkeypatch.setattr(queries, "_has_json_each", lambda dialect: False)
    monkeypatch.setattr(queries, "_DAYS_PER_VALUES", 40)  # 179+ days: five statements


def test_values_windows_count_study_per_learner_day(values_windows):
    report = stats_report(NOW)
    cells = {day.day: day.ratings for day in report.heatmap}
    assert cells[date(2025, 11, 1)] == 3  # fall-back night: 01:30 EDT, 01:30 EST, 03:30 EST
    assert cells[date(2025, 11, 2)] == 1
    assert cells[date(2026, 2, 10)] == 1 and cells[date(2026, 2, 11)] == 0
    assert cells[date(2026, 3, 1)] == 0  # a reset is not study
    assert cells[date(2026, 3, 2)] == 1  # practice is
    assert cells[date(2026, 3, 7)] == 2 and cells[date(2026, 3, 8)] == 1  # spring-forward night
    assert sum(cells.values()) == 26 == report.ratings
    assert report.study_seconds == 25 * 30
    assert (report.current_streak, report.longest_streak) == (6, 10)


def test_values_windows_give_the_same_true_retention(values_windows):
    report = stats_report(NOW)
    assert (report.retention_7.reviews, report.retention_7.passed) == (5, 4)
    assert (report.retention_30.reviews, report.retention_30.passed) == (8, 6)
