"""One way of writing a moment relative to the learner's days, and one way of writing
an interval, used by every view.

``today 15:03``, ``tomorrow 09:00``, ``Tue 5 May 09:00``: the day is the learner day
(it starts at the rollover hour, 4 am by default, so 01:30 after a late evening is
still "today"), the clock time is local in the learner's zone. ``llmc due``, the
dashboard and the end of a study session all write times this way. Intervals are
written as Anki writes them on its answer buttons (``<1m``, ``10m``, ``3h``, ``8d``),
on the buttons and in "Next due in 3h (today 15:03)" alike.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmconcepts.scheduling.day import LearnerClock


def learner_when(instant: datetime, clock: LearnerClock, today: date) -> str:
    """``today 14:20``, ``tomorrow 09:00`` or ``Tue 5 May 09:00``.

    Args:
        instant: an aware datetime.
        clock: the learner's zone and rollover hour.
        today: the current learner day (``clock.day_of(now)``).
    """
    local = instant.astimezone(clock.zone)
    day = clock.day_of(instant)
    time_of_day = f"{local:%H:%M}"
    if day == today:
        return f"today {time_of_day}"
    if day == today + timedelta(days=1):
        return f"tomorrow {time_of_day}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def due_in(instant: datetime, now: datetime, clock: LearnerClock) -> str:
    """``now`` when ``instant`` is not after ``now``, else ``in 3h (today 14:20)``: the
    wait (:func:`format_interval`) and the moment (:func:`learner_when`)."""
    if instant <= now:
        return "now"
    return f"in {format_interval(instant - now)} ({learner_when(instant, clock, clock.day_of(now))})"


def format_interval(interval: timedelta) -> str:
    """An interval as Anki writes it on its buttons: ``<1m``, ``10m``, ``3h``, ``8d``, ``1.5mo``, ``2y``.

    Months are 30 days and years 365 days, as in Anki's display.
    """
    seconds = interval.total_seconds()
    if seconds < 60:
        return "<1m"
    minutes = seconds / 60
    if minutes < 59.5:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 23.5:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 29.5:
        return f"{round(days)}d"
    if days < 365:
        return f"{_one_decimal(days / 30)}mo"
    return f"{_one_decimal(days / 365)}y"


def _one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
