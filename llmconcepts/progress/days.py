"""Calendar arithmetic of the progress views: heatmap window, day windows, streaks.

Pure functions over learner days (``datetime.date`` values from
:class:`~llmconcepts.scheduling.day.LearnerClock`); nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmconcepts.scheduling.day import LearnerClock

#: Weeks shown by the stats heatmap (Anki's and GitHub's calendars show about half a year).
HEATMAP_WEEKS = 26


def heatmap_days(today: date, weeks: int = HEATMAP_WEEKS) -> list[date]:
    """The heatmap's days: from the Monday ``weeks - 1`` weeks before this week's
    Monday through ``today``, so the grid is ``weeks`` whole columns of Monday..Sunday
    with the current week cut at today."""
    return days_between(today - timedelta(days=today.weekday() + 7 * (weeks - 1)), today)


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` through ``last`` (empty when ``last`` is earlier)."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def day_boundaries(clock: LearnerClock, days: list[date]) -> list[datetime]:
    """UTC starts of consecutive learner ``days`` plus the end of the last one:
    ``len(days) + 1`` instants, each exact in the learner's zone (DST included)."""
    return [clock.day_start(day) for day in days] + [clock.day_end(days[-1])]


def streaks(study_days_latest_first: Iterable[date], today: date) -> tuple[int, int]:
    """(current streak, longest streak) in learner days.

    A streak is a run of consecutive days with study. The current streak is the run
    that ends today, or yesterday when nothing has been studied yet today (the day is
    not over, so it does not break the streak yet); otherwise 0.

    Args:
        study_days_latest_first: distinct days with study, strictly decreasing.
        today: the learner's current day.
    """
    latest: date | None = None
    previous: date | None = None
    run = longest = first_run = 0
    for day in study_days_latest_first:
        if previous is not None and previous - day == timedelta(days=1):
            run += 1
        else:
            if previous is not None and not first_run:
                first_run = run
            run = 1
            latest = latest or day
        longest = max(longest, run)
        previous = day
    if latest is None:
        return 0, 0
    first_run = first_run or run
    current = first_run if (today - latest).days <= 1 else 0
    return current, longest
