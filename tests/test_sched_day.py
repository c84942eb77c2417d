"""The learner's day: rollover hour in the learner's zone, right across DST changes.

Expected instants are worked out by hand from the zone rules:
America/New_York is UTC-5 (EST) and UTC-4 (EDT); in 2026 EDT starts Sunday 8 March
at 2:00 local (clocks jump to 3:00) and ends Sunday 1 November at 2:00 local (back to
1:00). Asia/Kolkata is UTC+5:30 all year.
"""

from __future__ import annotations

import warnings
import zoneinfo
from datetime import date, timedelta, timezone
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sched_helpers import frozen, make_bank, utc, write_config

from llmconcepts.errors import LlmcWarning
from llmconcepts.scheduling.day import LearnerClock, clock_for, local_timezone
from llmconcepts.scheduling.session import SessionOptions, open_session
from llmconcepts.scheduling.settings import Settings

NEW_YORK = LearnerClock(ZoneInfo("America/New_York"), 4)
KOLKATA = LearnerClock(ZoneInfo("Asia/Kolkata"), 4)


@pytest.mark.parametrize(
    ("clock", "day", "start_utc", "end_utc"),
    [
        # 4:00 EST on 7 March = 09:00Z; 4:00 EDT on 8 March = 08:00Z: a 23-hour learner day
        (NEW_YORK, date(2026, 3, 7), utc(2026, 3, 7, 9), utc(2026, 3, 8, 8)),
        (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 8), utc(2026, 3, 9, 8)),
        # 4:00 EDT on 31 October = 08:00Z; 4:00 EST on 1 November = 09:00Z: a 25-hour day
        (NEW_YORK, date(2026, 10, 31), utc(2026, 10, 31, 8), utc(2026, 11, 1, 9)),
        (NEW_YORK, date(2026, 11, 1), utc(2026, 11, 1, 9), utc(2026, 11, 2, 9)),
        # 4:00 IST = 22:30Z the evening before
        (KOLKATA, date(2026, 3, 8), utc(2026, 3, 7, 22, 30), utc(2026, 3, 8, 22, 30)),
    ],
)
def test_day_boundaries(clock, day, start_utc, end_utc):
    assert clock.day_start(day) == start_utc
    assert clock.day_end(day) == end_utc
    assert clock.day_of(start_utc) == day
    assert clock.day_of(end_utc - timedelta(microseconds=1)) == day
    assert clock.day_of(end_utc) == day + timedelta(days=1)


@pytest.mark.parametrize(
    ("clock", "instant", "day"),
    [
        (NEW_YORK, utc(2026, 3, 8, 7, 59), date(2026, 3, 7)),  # 3:59 EDT, just after the jump
        (NEW_YORK, utc(2026, 3, 8, 6, 30), date(2026, 3, 7)),  # 1:30 EST, before the jump
        (NEW_YORK, utc(2026, 11, 1, 5, 30), date(2026, 10, 31)),  # first 1:30 (EDT)
        (NEW_YORK, utc(2026, 11, 1, 6, 30), date(2026, 10, 31)),  # second 1:30 (EST)
        (NEW_YORK, utc(2026, 11, 1, 8, 59), date(2026, 10, 31)),  # 3:59 EST
        (KOLKATA, utc(2026, 3, 7, 22, 29), date(2026, 3, 7)),  # 3:59 IST on 8 March
        (KOLKATA, utc(2026, 3, 7, 18, 30), date(2026, 3, 7)),  # midnight IST: still the 7th
    ],
)
def test_instants_before_the_rollover_belong_to_the_previous_day(clock, instant, day):
    assert clock.day_of(instant) == day


def test_rollover_inside_a_dst_gap_is_consistent():
    """A 2 am rollover does not exist on 8 March in New York; the day still has one start."""
    clock = LearnerClock(ZoneInfo("America/New_York"), 2)
    start = clock.day_start(date(2026, 3, 8))
    assert start == utc(2026, 3, 8, 7)  # 2:00 read with the EST offset = 3:00 EDT
    assert clock.day_of(start - timedelta(seconds=1)) == date(2026, 3, 7)
    assert clock.day_of(start) == date(2026, 3, 8)


def test_zone_comes_from_setting_then_tz(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    assert local_timezone("") == ZoneInfo("Asia/Kolkata")
    assert local_timezone("Europe/Paris") == ZoneInfo("Europe/Paris")
    assert clock_for(Settings(rollover_hour=6)).rollover_hour == 6


def _new_cards_allowed(now, bank):
    with frozen(now), open_session(SessionOptions(), now, bank=bank) as session:
        return session.progress(now).new_left


def _study_new(now, bank, count):
    with open_session(SessionOptions(), now, bank=bank) as session:
        for _ in range(count):
            card = session.next_card(now)
            assert card is not None and card.kind == "new"
            session.rate(card.card_id, 3, now)


@pytest.mark.parametrize(
    ("zone", "last_minute_of_day", "first_minute_of_next"),
    [
        ("America/New_York", utc(2026, 3, 8, 7, 59), utc(2026, 3, 8, 8, 0)),
        ("America/New_York", utc(2026, 11, 1, 8, 59), utc(2026, 11, 1, 9, 0)),
        ("Asia/Kolkata", utc(2026, 3, 7, 22, 29), utc(2026, 3, 7, 22, 30)),
    ],
)
def test_daily_new_quota_restarts_at_4am_local(monkeypatch, zone, last_minute_of_day, first_minute_of_next):
    monkeypatch.setenv("TZ", zone)
    write_config("new-per-day = 2\n")
    bank = make_bank("a", "b", "c", "d")
    _study_new(last_minute_of_day - timedelta(hours=2), bank, 2)
    assert _new_cards_allowed(last_minute_of_day, bank) == 0  # still the same learner day
    assert _new_cards_allowed(first_minute_of_next, bank) == 2  # a new day: a fresh quota


def test_timezone_setting_wins_over_tz(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    write_config('new-per-day = 1\ntimezone = "America/New_York"\n')
    bank = make_bank("a", "b")
    _study_new(utc(2026, 3, 8, 7, 0), bank, 1)
    assert _new_cards_allowed(utc(2026, 3, 8, 7, 59), bank) == 0
    assert _new_cards_allowed(utc(2026, 3, 8, 8, 0), bank) == 1


def test_bury_lasts_until_the_next_learner_day(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    bank = make_bank("a", "b")
    now = utc(2026, 11, 1, 3, 0)  # 23:00 EDT on 31 October: learner day 31 October
    with open_session(SessionOptions(), now, bank=bank) as session:
        session.bury("a/mechanism", now)
        # a buried new card holds its concept's other new facets for the day (docs/scheduling.md)
        assert session.next_card(now).card_id == "b/mechanism"
    with open_session(SessionOptions(), utc(2026, 11, 1, 8, 59), bank=bank) as session:
        ids = _all_new(session, utc(2026, 11, 1, 8, 59))
        assert "a/mechanism" not in ids
    with open_session(SessionOptions(), utc(2026, 11, 1, 9, 0), bank=bank) as session:
        assert "a/mechanism" in _all_new(session, utc(2026, 11, 1, 9, 0))


def _all_new(session, now):
    seen = []
    while (card := session.next_card(now)) is not None and card.card_id not in seen:
        seen.append(card.card_id)
        session.bury(card.card_id, now)  # take it off today's queue without rating
    return seen


def test_streak_counts_learner_days_not_calendar_days(monkeypatch):
    """Ratings at 10:00 EST on 6 March, 03:30 EDT on 8 March (still learner day 7 March,
    just after the clocks jumped) and 08:00 EDT on 8 March: three learner days in a row."""
    monkeypatch.setenv("TZ", "America/New_York")
    bank = make_bank("a", "b", "c")
    for when, card in ((utc(2026, 3, 6, 15), "a/mechanism"), (utc(2026, 3, 8, 7, 30), "b/mechanism"),
                       (utc(2026, 3, 8, 12), "c/mechanism")):
        with open_session(SessionOptions(), when, bank=bank) as session:
            session.rate(card, 3, when)

    def streak(now):
        with open_session(SessionOptions(), now, bank=bank) as session:
            return session.summary(now).streak_days

    assert streak(utc(2026, 3, 8, 13)) == 3
    assert streak(utc(2026, 3, 9, 7, 59)) == 3  # 03:59 on 9 March: still learner day 8 March
    assert streak(utc(2026, 3, 9, 20)) == 3  # nothing yet on the 9th: the streak holds until the day ends
    assert streak(utc(2026, 3, 10, 8)) == 0  # the 9th passed without study
    assert streak(utc(2026, 3, 8, 7, 45)) == 2  # seen from learner day 7 March: the 6th and the 7th


# --- the forms of TZ: IANA name, zone file path, POSIX rule, each after an optional ':' ---

def zone_file(key: str) -> Path:
    """The TZif file of IANA zone ``key`` on this machine (system tzdata, else the tzdata package)."""
    for directory in zoneinfo.TZPATH:
        if (Path(directory) / key).is_file():
            return Path(directory) / key
    return Path(str(resources.files("tzdata") / "zoneinfo" / key))  # a folder named zoneinfo too


def offsets(zone, *instants):
    return [instant.astimezone(zone).utcoffset() for instant in instants]


@pytest.mark.parametrize("prefix", ["", ":"])
def test_tz_as_a_zone_file_path_is_its_iana_zone(monkeypatch, prefix):
    monkeypatch.setenv("TZ", prefix + str(zone_file("Asia/Kolkata")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "follows UTC" warning
        assert local_timezone("") is ZoneInfo("Asia/Kolkata")  # the key, so reports can name it


def test_tz_as_a_link_to_a_zone_file_is_the_zone_linked(monkeypatch, tmp_path):
    """/etc/localtime is usually a symbolic link into the zoneinfo folder."""
    link = tmp_path / "localtime"
    link.symlink_to(zone_file("America/New_York"))
    monkeypatch.setenv("TZ", f":{link}")
    assert local_timezone("") is ZoneInfo("America/New_York")


def test_tz_as_a_copied_zone_file_reads_the_file(monkeypatch, tmp_path):
    copy = tmp_path / "my-zone"
    copy.write_bytes(zone_file("America/New_York").read_bytes())
    monkeypatch.setenv("TZ", str(copy))
    zone = local_timezone("")
    assert str(zone) == str(copy)
    # EST (UTC-5) in January, EDT (UTC-4) in July
    assert offsets(zone, utc(2026, 1, 15), utc(2026, 7, 15)) == [timedelta(hours=-5), timedelta(hours=-4)]
    # the DST night of 8 March 2026 as in test_day_boundaries: a 23-hour learner day
    clock = LearnerClock(zone, 4)
    assert (clock.day_start(date(2026, 3, 8)), clock.day_end(date(2026, 3, 8))) == (
        utc(2026, 3, 8, 8), utc(2026, 3, 9, 8))


def test_tz_etc_localtime_copied_takes_the_systems_zone_name(monkeypatch, tmp_path):
    """A copied /etc/localtime (no link to follow) is named by the system's configuration
    (tzlocal reads /etc/timezone and the like); its rules still come from the file."""
    from llmconcepts.scheduling import day

    system_file = tmp_path / "localtime"
    system_file.write_bytes(zone_file("Asia/Kolkata").read_bytes())
    monkeypatch.setattr(day, "SYSTEM_LOCALTIME", system_file)
    monkeypatch.setattr("tzlocal.get_localzone_name", lambda: "Asia/Kolkata")
    monkeypatch.setenv("TZ", f":{system_file}")
    zone = local_timezone("")
    assert str(zone) == "Asia/Kolkata"
    assert offsets(zone, utc(2026, 1, 15)) == [timedelta(hours=5, minutes=30)]


def test_tz_etc_localtime_is_the_system_zone(monkeypatch):
    if not Path("/etc/localtime").exists():
        pytest.skip("this system has no /etc/localtime")
    with open("/etc/localtime", "rb") as handle:  # the system zone's rules, by definition
        system = ZoneInfo.from_file(handle)
    monkeypatch.setenv("TZ", ":/etc/localtime")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zone = local_timezone("")
    instants = [utc(2026, month, 15, 12) for month in range(1, 13)]
    assert offsets(zone, *instants) == offsets(system, *instants)


@pytest.mark.parametrize(("tz", "january", "july"), [
    # POSIX counts west of Greenwich: UTC-5 is five hours ahead of UTC
    ("UTC-5", timedelta(hours=5), timedelta(hours=5)),
    (":UTC-5", timedelta(hours=5), timedelta(hours=5)),
    ("UTC+5", timedelta(hours=-5), timedelta(hours=-5)),
    ("IST-5:30", timedelta(hours=5, minutes=30), timedelta(hours=5, minutes=30)),
    # central Europe: CET (UTC+1), CEST (UTC+2) from the last Sunday of March to that of October
    ("CET-1CEST,M3.5.0,M10.5.0/3", timedelta(hours=1), timedelta(hours=2)),
])
def test_tz_as_a_posix_rule(monkeypatch, tz, january, july):
    monkeypatch.setenv("TZ", tz)
    zone = local_timezone("")
    assert offsets(zone, utc(2026, 1, 15), utc(2026, 7, 15)) == [january, july]


def test_posix_rule_with_dst_changes_at_the_rule_times(monkeypatch):
    """New York's rule as POSIX text: EDT from 2:00 on the second Sunday of March (8 March
    2026) to 2:00 on the first Sunday of November (1 November 2026), as the zone itself."""
    monkeypatch.setenv("TZ", "EST5EDT4,M3.2.0,M11.1.0")
    clock = LearnerClock(local_timezone(""), 4)
    assert clock.day_start(date(2026, 3, 8)) == utc(2026, 3, 8, 8)
    assert clock.day_start(date(2026, 11, 1)) == utc(2026, 11, 1, 9)


@pytest.mark.parametrize(("tz", "problem"), [
    ("Garbage/Zone", "is neither an IANA time zone name such as Europe/Paris nor a POSIX rule such as CET-1"),
    ("Europe/Pari", "is neither an IANA time zone name such as Europe/Paris nor a POSIX rule such as CET-1"),
    ("/no/such/zone", "is not a readable time zone file"),
    (":/no/such/zone", "is not a readable time zone file"),
])
def test_a_tz_that_names_no_zone_is_utc_with_a_warning(monkeypatch, tz, problem):
    monkeypatch.setenv("TZ", tz)
    with pytest.warns(LlmcWarning) as caught:
        assert local_timezone("") is timezone.utc
    assert [str(w.message) for w in caught] == [
        f"TZ={tz} {problem}; your study days follow UTC "
        "(set TZ, or `llmc config set timezone Europe/Paris` for example)"]


@pytest.mark.parametrize("content", [b"not a zone\n", b"TZif2" + bytes(20),
                                     zone_file("Asia/Kolkata").read_bytes()[:200]])  # cut short
def test_a_file_that_is_not_a_zone_file_is_utc_with_a_warning(monkeypatch, tmp_path, content):
    broken = tmp_path / "zone"
    broken.write_bytes(content)
    monkeypatch.setenv("TZ", str(broken))
    with pytest.warns(LlmcWarning, match="is not a readable time zone file"):
        assert local_timezone("") is timezone.utc


@pytest.mark.parametrize("folder", ["zoneinfo", "zoneinfo/posix"])
def test_a_file_under_any_zoneinfo_folder_is_named_by_its_key(monkeypatch, tmp_path, folder):
    """The key is the path after the last folder called zoneinfo (and its posix/ copy)."""
    copy = tmp_path / folder / "Asia" / "Kolkata"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(zone_file("Asia/Kolkata").read_bytes())
    monkeypatch.setenv("TZ", str(copy))
    assert local_timezone("") is ZoneInfo("Asia/Kolkata")
