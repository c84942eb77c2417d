"""The learner's day: a local calendar day that starts at the rollover hour.

As in Anki ("Next day starts at", default 4 am), reviews done at 1 am still
belong to the evening before. Days are computed in the learner's time zone
(the ``timezone`` setting, else ``$TZ``, else the system zone) with zoneinfo,
so they stay right across daylight-saving changes: a learner day is 23 or 25
hours long on the nights the clocks change. Every instant here is a UTC-aware
datetime; only the calendar arithmetic happens in local time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_or_none(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None if unknown or malformed."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def local_timezone(name: str = "") -> tzinfo:
    """The learner's zone: ``name`` if given, else ``$TZ`` (IANA form), else the system zone.

    Falls back to UTC, with an :class:`~llmconcepts.errors.LlmcWarning` that says why,
    when ``$TZ`` is not an IANA zone name (``UTC+5``, a POSIX rule, is not) or the
    system zone cannot be determined.
    """
    if name:
        zone = zone_or_none(name)
        if zone is not None:
            return zone
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        zone = zone_or_none(env)
        if zone is not None:
            return zone
        return _utc_because(f"TZ={env} is not an IANA time zone name such as Europe/Paris")
    try:
        import tzlocal

        return tzlocal.get_localzone()
    except Exception:  # noqa: BLE001 - any failure to detect the zone means UTC
        return _utc_because("this system's time zone cannot be determined")


def _utc_because(reason: str) -> tzinfo:
    import warnings

    from llmconcepts.errors import LlmcWarning

    warnings.warn(LlmcWarning(f"{reason}; your study days follow UTC "
                              "(set TZ, or `llmc config set timezone Europe/Paris` for example)"),
                  stacklevel=1)  # one place, so a command that asks twice is told once
    return timezone.utc


@dataclass(frozen=True)
class LearnerClock:
    """Maps UTC instants to learner days and back.

    Attributes:
        zone: the learner's time zone.
        rollover_hour: local hour (0-23) at which a learner day starts.
    """

    zone: tzinfo
    rollover_hour: int = 4

    def day_start(self, day: date) -> datetime:
        """UTC instant at which learner day ``day`` starts (its rollover hour, local time).

        A rollover hour that does not exist that night (skipped by a DST change)
        resolves with the offset in force before the change, as zoneinfo does.
        """
        local = datetime.combine(day, time(self.rollover_hour), tzinfo=self.zone)
        return local.astimezone(timezone.utc)

    def day_end(self, day: date) -> datetime:
        """UTC instant at which learner day ``day`` ends (the next day's start)."""
        return self.day_start(day + timedelta(days=1))

    def day_of(self, instant: datetime) -> date:
        """The learner day containing ``instant`` (an aware datetime)."""
        wall = instant.astimezone(self.zone).replace(tzinfo=None)
        day = (wall - timedelta(hours=self.rollover_hour)).date()
        # Wall-clock arithmetic can be off by one inside a DST fold or gap; settle it
        # against the exact boundaries.
        if instant < self.day_start(day):
            day -= timedelta(days=1)
        elif instant >= self.day_end(day):
            day += timedelta(days=1)
        return day

    def today(self, now: datetime) -> tuple[date, datetime, datetime]:
        """(learner day, its UTC start, its UTC end) for ``now``."""
        day = self.day_of(now)
        return day, self.day_start(day), self.day_end(day)

    def next_day_start(self, now: datetime) -> datetime:
        """UTC start of the learner day after the one containing ``now`` (bury until then)."""
        return self.day_end(self.day_of(now))


def clock_for(settings) -> LearnerClock:  # settings: scheduling.settings.Settings
    """The learner clock described by the settings."""
    return LearnerClock(local_timezone(settings.timezone), settings.rollover_hour)
