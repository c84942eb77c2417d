"""One way of writing a moment relative to the learner's days, used by every view.

``today 15:03``, ``tomorrow 09:00``, ``Tue 5 May 09:00``: the day is the learner day
(it starts at the rollover hour, 4 am by default, so 01:30 after a late evening is
still "today"), the clock time is local in the learner's zone. ``llmc due``, the
dashboard and the end of a study session all write times this way.
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
