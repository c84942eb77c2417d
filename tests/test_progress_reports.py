"""Progress reports on the hand-made history of progress_helpers (read its docstring first).

Every expected value below is worked out by hand from the tables in that docstring.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from progress_helpers import NOW, build_fixture_history, edt
from sched_helpers import utc

from llmconcepts.errors import LlmcError
from llmconcepts.progress.days import heatmap_days, streaks
from llmconcepts.progress.reports import due_report, list_report, stats_report


@pytest.fixture
def bank():
    return build_fixture_history()


# -- stats --------------------------------------------------------------------------------


def test_streaks_follow_the_rollover_hour_and_the_dst_change(bank):
    report = stats_report(NOW)
    # Study days: 11-01, 11-02 | 02-01 ... 02-10 (02-10 only through the 01:30 rating on
    # 02-11) | 02-12, 02-13 (03:59 on 02-14), 02-14 (04:01) | 03-02 (practice; 03-01 was
    # only a reset) | 03-07 ... 03-12. 03-08 is studied only at 08:30 UTC = 04:30 EDT; with
    # the EST offset of the day before it would be 03:30 on 03-08, i.e. learner day 03-07,
    # and the current streak would be 4 (03-09 ... 03-12).
    assert report.current_streak == 6  # 03-07 ... 03-12
    assert report.longest_streak == 10  # 02-01 ... 02-10


def test_current_streak_survives_a_day_not_yet_studied_and_breaks_after_a_missed_day(bank):
    tomorrow_noon = edt(3, 13, 12)  # nothing studied yet on 03-13: the streak still counts
    assert stats_report(tomorrow_noon).current_streak == 6
    day_after = edt(3, 14, 12)  # 03-13 went by without study
    assert stats_report(day_after).current_streak == 0
    # 03-14 03:59 EDT is still learner day 03-13: the streak is alive until the rollover.
    assert stats_report(edt(3, 14, 3, 59)).current_streak == 6
    assert stats_report(edt(3, 14, 4, 0)).current_streak == 0
    assert stats_report(day_after).longest_streak == 10


def test_streak_rules_on_plain_day_lists():
    today = date(2026, 3, 12)
    day = lambda n: today - timedelta(days=n)  # noqa: E731
    assert streaks([], today) == (0, 0)
    assert streaks([day(0)], today) == (1, 1)
    assert streaks([day(1), day(2), day(4)], today) == (2, 2)  # ends yesterday: still current
    assert streaks([day(2), day(3)], today) == (0, 2)
    assert streaks([day(0), day(3), day(4), day(5)], today) == (1, 3)


def test_true_retention_over_7_and_30_learner_days(bank):
    report = stats_report(NOW)
    # 7 days = learner days 03-06 ... 03-12, i.e. [03-06 09:00 UTC, 03-13 08:00 UTC).
    # Review-state "review" ratings: 03-07 Again, 03-08 Good, 03-09 Good, 03-11 Hard,
    # 03-12 Good -> 5, of which 4 not Again. Left out: the learning rating on 03-08, the
    # practice on 03-10, the first rating of a new card on 03-12.
    assert (report.retention_7.reviews, report.retention_7.passed) == (5, 4)
    assert report.retention_7.rate == pytest.approx(0.8)
    # 30 days = 02-11 ... 03-12, from 02-11 09:00 UTC: adds 02-12 Good, 02-13 Again, 02-14
    # Easy -> 8 reviews, 6 passed. The Again at 02-11 06:30 UTC (01:30 EST) belongs to
    # learner day 02-10 and stays out although its calendar date is 02-11.
    assert (report.retention_30.reviews, report.retention_30.passed) == (8, 6)
    assert report.retention_30.rate == pytest.approx(0.75)
    assert report.desired_retention == 0.9


def test_heatmap_cells_count_study_ratings_per_learner_day(bank):
    report = stats_report(NOW)
    cells = {day.day: day.ratings for day in report.heatmap}
    # 26 week columns: the Monday 25 weeks before Monday 03-09 is 2025-09-15
    # (Sep 15 + 15 = Sep 30, +31 Oct 31, +30 Nov 30, +31 Dec 31, +31 Jan 31, +28 Feb 28,
    # +9 Mar 9: 175 days = 25 weeks), then 175 + 4 days through Thursday 03-12.
    assert report.heatmap[0].day == date(2025, 9, 15)
    assert report.heatmap[-1].day == date(2026, 3, 12)
    assert len(report.heatmap) == 179
    # Fall-back night 2025-11-02: 01:30 EDT, 01:30 EST and 03:30 EST are learner day 11-01;
    # 04:30 EST is 11-02. (With the EDT offset all night, 08:30 UTC would be 04:30 -> 11-02.)
    assert cells[date(2025, 11, 1)] == 3
    assert cells[date(2025, 11, 2)] == 1
    assert cells[date(2026, 2, 10)] == 1 and cells[date(2026, 2, 11)] == 0
    assert cells[date(2026, 2, 13)] == 1 and cells[date(2026, 2, 14)] == 1
    assert cells[date(2026, 3, 1)] == 0  # a reset is not study
    assert cells[date(2026, 3, 2)] == 1  # practice is
    assert cells[date(2026, 3, 7)] == 2  # 12:00 EST and 03:30 EDT the next night
    assert cells[date(2026, 3, 8)] == 1
    assert cells[date(2026, 3, 12)] == 2
    assert sum(cells.values()) == 26 == report.ratings


def test_study_time_sums_recorded_durations_of_study_ratings(bank):
    report = stats_report(NOW)
    assert report.ratings == 26  # every row but the reset
    assert report.study_seconds == 25 * 30  # the practice on 03-02 has no duration


def test_card_counts_mean_stability_and_mastery_per_layer(bank):
    report = stats_report(NOW)
    cards = report.cards
    # 15 cards in the bank (old/mechanism is hidden): new = beta/f, gamma/t, epsilon x3;
    # young = beta/m (5), gamma/f (10), delta/m (12); mature = alpha x3, delta/t, delta/f.
    assert (cards.total, cards.new, cards.learning, cards.relearning, cards.young, cards.mature) == (
        15, 5, 1, 1, 3, 5)
    assert (cards.suspended, cards.leeches) == (1, 1)
    # (30 + 25 + 40 + 5 + 1 + 2 + 10 + 12 + 22 + 22) / 10 studied cards
    assert cards.mean_stability == pytest.approx(16.9)
    by_layer = {layer.layer_id: layer for layer in report.layers}
    assert [layer.layer_id for layer in report.layers] == ["basics", "advanced"]
    assert by_layer["basics"].title == "Basics"
    basics, advanced = by_layer["basics"].counts, by_layer["advanced"].counts
    assert (basics.total, basics.new, basics.mature) == (6, 1, 3)  # mastery 3/6
    assert (advanced.total, advanced.new, advanced.relearning, advanced.young, advanced.mature) == (9, 4, 1, 2, 2)
    layers = report.as_json()["layers"]
    assert [round(layer["mastery"], 4) for layer in layers] == [0.5, round(2 / 9, 4)]


# -- due ----------------------------------------------------------------------------------


def test_due_now_later_today_and_new_available(bank):
    report = due_report(NOW)
    # Due now (at or before 15:00 EDT, active, not buried): beta/mechanism (review) and
    # gamma/mechanism (relearning). Left out: alpha/failure_mode (suspended), gamma/failure_mode
    # (buried), old/mechanism (hidden, and not due yet).
    assert (report.due_now.learning, report.due_now.review) == (1, 1)
    # Later today, before 03-13 04:00 EDT: beta/trade_off 15:05 and alpha/trade_off 03:00.
    assert (report.due_later_today.learning, report.due_later_today.review) == (1, 1)
    # 3 new cards a day, one introduced today (16:00 UTC): 2 more at most. Of the three
    # concepts with new cards, beta (a review due 10:00, a learning step due 15:05) and
    # gamma (a relearning step due 14:50) have cards due today, which come first and hold
    # their new facets back until tomorrow (Anki's new-sibling burying); epsilon, never
    # studied, gives one: 1.
    assert report.new_available_today == 1
    # 200 reviews a day, one review-state rating today.
    assert report.reviews_left_today == 199
    assert report.has_history


def test_forecast_counts_per_learner_day(bank):
    report = due_report(NOW, days=7)
    forecast = {day.day: day.due for day in report.forecast}
    assert list(forecast) == [date(2026, 3, 13) + timedelta(days=n) for n in range(7)]
    # alpha/mechanism Sat 03-14 10:00; delta/mechanism Mon 03-16 03:30 -> learner day Sun 03-15;
    # delta/trade_off Thu 03-19 23:00 and delta/failure_mode Fri 03-20 03:00 -> both 03-19.
    # old/mechanism (03-17) is hidden.
    assert forecast == {
        date(2026, 3, 13): 0, date(2026, 3, 14): 1, date(2026, 3, 15): 1, date(2026, 3, 16): 0,
        date(2026, 3, 17): 0, date(2026, 3, 18): 0, date(2026, 3, 19): 2,
    }
    assert [day.due for day in due_report(NOW, days=6).forecast] == [0, 1, 1, 0, 0, 0]


def test_forecast_days_are_checked():
    for days in (0, 366, -1):
        with pytest.raises(LlmcError, match="--days must be between 1 and 365"):
            due_report(NOW, days=days)


def test_forecast_across_the_spring_forward_night():
    """Learner day Sat 03-07 is 23 hours long (04:00 EST = 09:00 UTC to 04:00 EDT = 08:00 UTC)."""
    from sqlalchemy import update

    from llmconcepts.scheduling.operations import sync_bank
    from llmconcepts.storage.engine import open_database
    from llmconcepts.storage.models import CardRow
    from progress_helpers import fixture_bank, mark_synced_with_card_files
    from sched_helpers import write_config

    write_config('timezone = "America/New_York"\n')
    now = utc(2026, 3, 5, 17)  # Thursday 12:00 EST
    dues = {"alpha/mechanism": utc(2026, 3, 8, 7, 59),  # 03:59 EDT: still Sat 03-07
            "alpha/trade_off": utc(2026, 3, 8, 8, 0),  # 04:00 EDT: Sun 03-08
            "alpha/failure_mode": utc(2026, 3, 7, 8, 59)}  # 03:59 EST: still Fri 03-06
    db = open_database(now)
    try:
        sync_bank(db, fixture_bank(), now - timedelta(days=30))
        mark_synced_with_card_files(db)
        with db.writing() as session:
            for card_id, due in dues.items():
                session.execute(update(CardRow).where(CardRow.id == card_id).values(
                    state=2, stability=10.0, difficulty=5.0, due=due, last_review=now - timedelta(days=10)))
    finally:
        db.close()
    forecast = [(day.day, day.due) for day in due_report(now, days=3).forecast]
    assert forecast == [(date(2026, 3, 6), 1), (date(2026, 3, 7), 1), (date(2026, 3, 8), 1)]


# -- list ---------------------------------------------------------------------------------


def test_list_states_due_dates_retrievability_and_mastery(bank):
    report = list_report(NOW, bank=bank)
    assert [layer.id for layer in report.layers] == ["basics", "advanced"]
    concepts = {c.id: c for layer in report.layers for c in layer.concepts}
    assert {cid: c.mastery for cid, c in concepts.items()} == {
        "alpha": "mastered", "beta": "learning", "gamma": "learning", "delta": "learning", "epsilon": "new"}
    facets = {f.card_id: f for c in concepts.values() for f in c.facets}
    # FSRS defines stability as the interval after which recall probability falls to 90 %:
    # alpha/mechanism (S = 30 d) was last reviewed exactly 30 days ago.
    assert facets["alpha/mechanism"].retrievability == pytest.approx(0.9, abs=1e-9)
    assert facets["beta/failure_mode"].state == "new" and facets["beta/failure_mode"].retrievability is None
    assert facets["alpha/failure_mode"].suspended and facets["gamma/mechanism"].leech
    assert facets["gamma/mechanism"].state == "relearning"
    assert facets["alpha/mechanism"].due == edt(3, 14, 10)
    # buried until the next learner day starts, 03-13 04:00 EDT (fixture table); no other card is
    assert facets["gamma/failure_mode"].buried_until == edt(3, 13, 4)
    assert [card for card, facet in facets.items() if facet.buried_until] == ["gamma/failure_mode"]
    assert report.layers[0].mastered() == 1


def test_list_one_layer_by_title(bank):
    report = list_report(NOW, "advanced", bank=bank)
    assert [layer.id for layer in report.layers] == ["advanced"]
    assert [c.id for c in report.layers[0].concepts] == ["gamma", "delta", "epsilon"]


# -- JSON ---------------------------------------------------------------------------------


def test_json_dates_are_iso_8601_in_the_learners_zone(bank):
    due = due_report(NOW, days=2).as_json()
    assert due["now"] == "2026-03-12T15:00:00-04:00"
    assert due["today"] == "2026-03-12"
    assert (due["timezone"], due["rollover_hour"], due["version"]) == ("America/New_York", 4, 1)
    assert due["forecast"] == [{"date": "2026-03-13", "due": 0}, {"date": "2026-03-14", "due": 1}]
    listed = list_report(NOW, bank=bank).as_json()
    card = listed["layers"][0]["concepts"][0]["cards"][0]
    assert card["id"] == "alpha/mechanism" and card["due"] == "2026-03-14T10:00:00-04:00"
    stats = stats_report(NOW).as_json()
    assert stats["heatmap"][0] == {"date": "2025-09-15", "ratings": 0}
    # before the spring-forward change the offset is EST's
    assert stats_report(utc(2026, 3, 1, 12)).as_json()["now"] == "2026-03-01T07:00:00-05:00"
    assert datetime.fromisoformat(due["now"]) == NOW


def test_heatmap_window_starts_on_a_monday_26_weeks_back():
    days = heatmap_days(date(2026, 3, 15))  # a Sunday: the last column is full
    assert days[0] == date(2025, 9, 15) and days[0].weekday() == 0
    assert len(days) == 26 * 7
    assert len(heatmap_days(date(2026, 3, 16))) == 25 * 7 + 1  # a Monday starts a new column


def test_empty_history():
    due = due_report(NOW)
    stats = stats_report(NOW)
    assert not due.has_history and not stats.has_history
    assert due.due_now.total == 0 and due.forecast[0].due == 0
    assert stats.current_streak == stats.longest_streak == 0
    assert stats.retention_7.rate is None and stats.as_json()["retention"]["last_7_days"]["rate"] is None
    assert stats.cards.mean_stability is None


def test_progress_views_match_the_scheduler_on_a_real_session():
    """Ratings made through the study session: due and stats agree with what it did."""
    from sched_helpers import make_bank

    from llmconcepts.scheduling.session import SessionOptions, open_session

    bank = make_bank("kv-cache", "attention")
    with open_session(SessionOptions(), NOW, bank=bank) as session:
        for _ in range(2):
            card = session.next_card(NOW)
            session.rate(card.card_id, 3, NOW, duration_ms=12_000)
    stats = stats_report(NOW + timedelta(minutes=1), bank=bank)
    assert stats.ratings == 2 and stats.study_seconds == 24
    assert stats.cards.learning == 2 and stats.cards.new == 4
    assert [(layer.layer_id, layer.counts.total) for layer in stats.layers] == [("basics", 6)]
    due = due_report(NOW + timedelta(minutes=1), bank=bank)
    # Good on a new card starts the second learning step (10 minutes, the default steps).
    assert due.due_later_today.learning == 2 and due.due_now.total == 0
    assert due.next_due == NOW + timedelta(minutes=10)
    assert stats_report(NOW + timedelta(minutes=1), bank=bank).current_streak == 1
