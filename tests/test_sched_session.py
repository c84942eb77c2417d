"""Session figures: progress counts, the end-of-session summary and the dashboard,
against hand-worked expectations (and the fsrs package for one due date)."""

from __future__ import annotations

from datetime import timedelta

import fsrs
import pytest
from sched_helpers import make_bank, utc, write_config

from llmconcepts.scheduling.session import SessionOptions, dashboard, open_session

DAY1 = utc(2026, 4, 6, 14)  # 10:00 EDT
BANK = make_bank("a", "b", "c", "d")
GRADUATED = ("a/mechanism", "b/mechanism", "c/mechanism")


@pytest.fixture(autouse=True)
def settings(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    write_config("fuzz = false\nnew-per-day = 5\n")


def graduate():
    with open_session(SessionOptions(), DAY1, bank=BANK) as session:
        for card in GRADUATED:
            session.rate(card, 4, DAY1)  # Easy: review, due in round(8.2956) = 8 days


def test_dashboard_before_and_after_study():
    graduate()
    after = dashboard(DAY1, bank=BANK)
    # 5 new a day, 3 done; a, b and c were studied today, so only d gives a new card: 1
    assert (after.due_now, after.new_available_today, after.streak_days) == (0, 1, 1)
    assert after.next_due == DAY1 + timedelta(days=8)
    due_day = DAY1 + timedelta(days=8)
    board = dashboard(due_day, bank=BANK)
    # a, b and c have a review due: their new facets wait for another day; d gives one
    assert (board.due_now, board.new_available_today, board.streak_days) == (3, 1, 0)


def test_progress_and_summary_of_a_review_session():
    graduate()
    now = DAY1 + timedelta(days=8)
    with open_session(SessionOptions(review_only=True), now, bank=BANK) as session:
        progress = session.progress(now)
        assert (progress.done, progress.new_left, progress.learning_left, progress.review_left) == (0, 0, 0, 3)
        ratings = {"a/mechanism": 3, "b/mechanism": 1, "c/mechanism": 3}
        for seconds, (card, rating) in enumerate(ratings.items(), start=1):
            shown = session.next_card(now)
            assert shown.card_id == card and shown.kind == "review"
            session.rate(card, rating, now, duration_ms=1000 * seconds)
        progress = session.progress(now)
        assert (progress.done, progress.learning_left, progress.review_left) == (3, 1, 0)
        later = now + timedelta(minutes=10)
        relearn = session.next_card(later)
        assert (relearn.card_id, relearn.kind) == ("b/mechanism", "relearning")
        outcome = session.rate("b/mechanism", 3, later, duration_ms=4000)
        assert session.next_card(later) is None
        summary = session.summary(later)

    # the fsrs package, by itself: Easy on day 1, Again 8 days later, Good 10 minutes after
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card, _ = scheduler.review_card(fsrs.Card(card_id=1, due=DAY1), fsrs.Rating.Easy, DAY1)
    card, _ = scheduler.review_card(card, fsrs.Rating.Again, now)
    card, _ = scheduler.review_card(card, fsrs.Rating.Good, later)
    assert outcome.next_due == card.due
    end_of_tomorrow = utc(2026, 4, 16, 8)  # learner day 14 April is today; 16 April 04:00 EDT
    assert summary.studied_by_kind == {"review": 3, "relearning": 1}
    assert summary.again_count == 1
    assert summary.time_spent == timedelta(seconds=1 + 2 + 3 + 4)
    assert summary.retention_today == pytest.approx(2 / 3)  # relearning ratings do not count
    assert summary.due_tomorrow == int(card.due < end_of_tomorrow)
    assert summary.streak_days == 1
    assert summary.ratings_saved == 4


def test_summary_of_an_empty_session():
    with open_session(SessionOptions(), DAY1, bank=BANK) as session:
        summary = session.summary(DAY1)
    assert summary.studied_by_kind == {} and summary.retention_today is None
    assert (summary.again_count, summary.ratings_saved, summary.streak_days) == (0, 0, 0)
