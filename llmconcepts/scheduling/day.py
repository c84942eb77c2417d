"""The learner's day: a local calendar day that starts at the rollover hour.

As in Anki ("Next day starts at", default 4 am), reviews done at 1 am still
belong to the evening before. Days are computed in the learner's time zone
(the ``timezone`` setting, else ``$TZ``, else the system zone) with zoneinfo,
so they stay right across daylight-saving changes: a learner day is 23 or 25
hours long on the nights the clocks change. Every instant here is a UTC-aware
datetime; only the calendar arithmetic happens in local time.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_or_none(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None if unknown or malformed."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


#: The system zone's file; ``TZ=:/etc/localtime`` (systemd's usual form) names it.
SYSTEM_LOCALTIME = Path("/etc/localtime")


def local_timezone(name: str = "") -> tzinfo:
    """The learner's zone: ``name`` if given, else ``$TZ``, else the system zone.

    ``$TZ`` may be an IANA name (``Asia/Kolkata``) or the path of a zone file
    (``/usr/share/zoneinfo/Asia/Kolkata``, ``/etc/localtime``) or a POSIX rule
    (``UTC-5``), any of them after the ``:`` POSIX allows (``:/etc/localtime``,
    systemd's form); see :func:`zone_from_tz`. Falls back to UTC, with an
    :class:`~llmconcepts.errors.LlmcWarning` that says why, when ``$TZ`` is none of
    these or the system zone cannot be determined.
    """
    if name:
        zone = zone_or_none(name)
        if zone is not None:
            return zone
    env = os.environ.get("TZ", "")
    if env:
        return zone_from_tz(env) or _utc_because(_tz_problem(env))
    try:
        import tzlocal

        return tzlocal.get_localzone()
    except Exception:  # noqa: BLE001 - any failure to detect the zone means UTC
        return _utc_because("this system's time zone cannot be determined")


def zone_from_tz(value: str) -> tzinfo | None:
    """The zone a ``TZ`` value names, or None when it names none this module can read.

    A leading ``:`` is dropped (POSIX: what follows is implementation-defined; glibc
    reads it as a file or zone name). An absolute path is a TZif file: see
    :func:`zone_from_file`. Anything else is an IANA zone name or else a POSIX rule:
    see :func:`zone_from_posix_rule`.
    """
    spec = value[1:] if value.startswith(":") else value
    if os.path.isabs(spec):
        return zone_from_file(Path(spec))
    if not spec:
        return None
    return zone_or_none(spec) or zone_from_posix_rule(spec)


def zone_from_posix_rule(rule: str) -> ZoneInfo | None:
    """The zone of a POSIX ``TZ`` rule (``UTC-5``, ``IST-5:30``, ``CET-1CEST,M3.5.0,M10.5.0/3``),
    or None if ``rule`` is not one.

    POSIX counts the offset westward, so ``UTC-5`` is five hours *ahead* of UTC, as
    glibc reads it. The rule is not parsed here: it becomes the footer of a minimal TZif
    file (RFC 8536 section 3.3: no transitions, one placeholder local time type) whose
    footer zoneinfo parses and applies to every instant.
    """
    header = b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 1, 1)  # 1 type, 1 abbreviation byte
    block = header + struct.pack(">lBB", 0, 0, 0) + b"\0"  # the type: UTC+0, no DST, abbreviation ""
    try:
        data = block + block + b"\n" + rule.encode("ascii") + b"\n"  # v1 block, v2 block, footer
        return ZoneInfo.from_file(io.BytesIO(data), key=rule)
    except ValueError:  # not ASCII, or not a rule zoneinfo can read
        return None


def zone_from_file(path: Path) -> ZoneInfo | None:
    """The zone in TZif file ``path``, or None if it is missing or not a zone file.

    A file under a ``zoneinfo`` directory, itself or through a symbolic link (as
    ``/etc/localtime`` usually is), is the zone of its IANA key:
    ``/usr/share/zoneinfo/Asia/Kolkata`` -> ``Asia/Kolkata``. Any other zone file is
    read as it is, named by its path, or for :data:`SYSTEM_LOCALTIME` by the system
    zone's name as tzlocal finds it (``/etc/timezone`` and the like).
    """
    try:
        candidates = (path, path.resolve())
    except (OSError, RuntimeError):  # a symbolic-link loop
        return None
    for candidate in candidates:
        key = _zoneinfo_key(candidate)
        zone = zone_or_none(key) if key else None
        if zone is not None:
            return zone
    try:
        with path.open("rb") as handle:
            return ZoneInfo.from_file(handle, key=_system_zone_name(path) or str(path))
    except (OSError, ValueError, struct.error):  # struct.error: a truncated zone file
        return None


def _zoneinfo_key(path: Path) -> str | None:
    """``Asia/Kolkata`` for ``/usr/share/zoneinfo/Asia/Kolkata`` (or ``.../zoneinfo/posix/...``):
    the path after its last ``zoneinfo`` directory, None when there is none."""
    parts = path.parts
    for index in range(len(parts) - 2, -1, -1):
        if parts[index].startswith("zoneinfo"):  # zoneinfo, macOS's zoneinfo.default
            rest = parts[index + 1:]
            return "/".join(rest[1:] if rest[0] == "posix" and len(rest) > 1 else rest)
    return None


def _system_zone_name(path: Path) -> str | None:
    """The system zone's IANA name when ``path`` is the system zone file, else None."""
    if path != SYSTEM_LOCALTIME:
        return None
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - no name: the file is still read, under its path
        return None
    return name if name and zone_or_none(name) is not None else None


def _tz_problem(value: str) -> str:
    spec = value[1:] if value.startswith(":") else value
    if os.path.isabs(spec):
        return f"TZ={value} is not a readable time zone file"
    return f"TZ={value} is neither an IANA time zone name such as Europe/Paris nor a POSIX rule such as CET-1"


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
