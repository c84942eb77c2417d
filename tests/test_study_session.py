"""What the study screens ask of the scheduler: undo of a burial, the end-of-session counts
(later today / tomorrow as learner days) and the facts that say why nothing is left.

Expected values come from the rules written out in each test (Anki's undo, the learner
day from the rollover hour, the configured learning steps), on a frozen clock.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sched_helpers import database_path, make_bank, utc, write_config

from llmconcepts.scheduling.session import SessionOptions, Undone, open_session

BANK = make_bank("a", "b")
NOW = utc(2026, 5, 4, 9, 0)  # learner day 4 May in UTC with the 4 am rollover


def column(card_id: str, name: str):
    connection = sqlite3.connect(database_path())
    try:
        return connection.execute(f"SELECT {name} FROM cards WHERE id = ?", (card_id,)).fetchone()[0]
    finally:
        connection.close()


def test_undo_takes_back_a_burial_and_the_card_comes_back():
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        first = session.next_card(NOW).card_id
        session.bury(first, NOW)
        assert column(first, "buried_until") is not None
        assert session.next_card(NOW).card_id != first
        assert session.undo_last(NOW) == Undone(first, "burial")
        assert column(first, "buried_until") is None  # as before the burial
        assert session.next_card(NOW).card_id == first
        assert session.undo_last(NOW) is None


def test_undo_goes_back_through_ratings_and_burials_latest_first():
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        rated = session.next_card(NOW).card_id
        session.rate(rated, 3, NOW)
        buried = session.next_card(NOW).card_id
        session.bury(buried, NOW)
        assert session.undo_last(NOW) == Undone(buried, "burial")
        assert session.undo(NOW) == rated  # then the rating
        assert column(rated, "last_review") is None  # new again
        assert session.summary(NOW).ratings_saved == 0


def test_summary_counts_later_today_and_the_next_learner_day_apart(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    write_config('learning-steps = "30m 1d"\nfuzz = false\n')
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        # Again on a new card: the first step, 30 minutes -> 09:30 today.
        session.rate(session.next_card(NOW).card_id, 1, NOW)
        # Good on a new card: the second step, 1 day -> 09:00 on 5 May, the next learner day.
        session.rate(session.next_card(NOW).card_id, 3, NOW)
        summary = session.summary(NOW)
    assert summary.due_later_today == 1
    assert summary.due_tomorrow == 1


def test_a_card_due_later_today_is_not_due_tomorrow(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    write_config('learning-steps = "10h"\nfuzz = false\n')
    late = utc(2026, 5, 4, 17, 0)  # Again: 10 hours -> 03:00 on 5 May, still learner day 4 May
    with open_session(SessionOptions(), late, bank=BANK) as session:
        session.rate(session.next_card(late).card_id, 1, late)
        summary = session.summary(late)
    assert (summary.due_later_today, summary.due_tomorrow) == (1, 0)


def test_outlook_when_todays_new_cards_are_used(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    write_config("new-per-day = 2\n")
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        for _ in range(2):
            # Easy on a new card: a review at FSRS-6's initial Easy stability, about 8 days
            session.rate(session.next_card(NOW).card_id, 4, NOW)
        assert session.next_card(NOW) is None
        outlook = session.outlook(NOW)
    assert outlook.new_per_day == 2 and outlook.new_today == 2 and outlook.new_in_session == 2
    assert outlook.new_unseen == 4  # 6 cards, 2 introduced
    assert outlook.introduced == 2 and not outlook.limit_reached
    assert outlook.next_due is not None and outlook.next_due > NOW + timedelta(days=5)


def test_outlook_with_no_new_cards_a_day(monkeypatch):
    write_config("new-per-day = 0\n")
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        assert session.next_card(NOW) is None
        outlook = session.outlook(NOW)
    assert (outlook.new_per_day, outlook.new_unseen, outlook.introduced) == (0, 6, 0)
    assert outlook.next_due is None


def test_outlook_of_a_cram_session_with_nothing_introduced():
    with open_session(SessionOptions(cram=True), NOW, bank=BANK) as session:
        assert session.next_card(NOW) is None
        outlook = session.outlook(NOW)
    assert outlook.options.cram and outlook.introduced == 0


def test_outlook_counts_the_selection_only():
    with open_session(SessionOptions(concepts=("a",)), NOW, bank=BANK) as session:
        session.rate("a/mechanism", 1, NOW)
    with open_session(SessionOptions(concepts=("b",)), NOW, bank=BANK) as session:
        outlook = session.outlook(NOW)
    assert outlook.introduced == 0 and outlook.next_due is None and outlook.new_unseen == 3


def test_limit_reached_is_reported():
    with open_session(SessionOptions(limit=1), NOW, bank=BANK) as session:
        session.rate(session.next_card(NOW).card_id, 4, NOW)
        assert session.next_card(NOW) is None
        outlook = session.outlook(NOW)
    assert outlook.limit == 1 and outlook.limit_reached


def test_limit_counts_cards_and_their_learning_steps_still_come_back():
    # --limit 1 (docs/study.md): one card taken up; with the default steps "1m 10m" it is
    # rated Again (1 minute), Good (10 minutes), Good (graduates): 3 ratings, 1 card.
    with open_session(SessionOptions(limit=1), NOW, bank=BANK) as session:
        shown = []
        when = NOW
        for rating in (1, 3, 3):
            card = session.next_card(when)
            shown.append(card.card_id)
            session.rate(card.card_id, rating, when)
            when += timedelta(minutes=1)
        assert session.next_card(when + timedelta(minutes=30)) is None
        assert len(set(shown)) == 1 and session.summary(when).ratings_saved == 3


def _elsewhere(change) -> None:
    """Run ``change(db)`` on a connection of its own, as another llmc process would."""
    from llmconcepts.storage.engine import open_database

    db = open_database(NOW)
    try:
        change(db)
    finally:
        db.close()


def test_a_card_suspended_elsewhere_while_shown_is_not_rated_and_not_shown_again():
    from llmconcepts.scheduling.operations import CardUnavailableError, set_suspended

    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        shown = session.next_card(NOW).card_id
        assert shown == "a/mechanism"
        _elsewhere(lambda db: set_suspended(db, "a", True))  # `llmc suspend a`
        with pytest.raises(CardUnavailableError) as raised:
            session.rate(shown, 3, NOW)
        assert (raised.value.card_id, raised.value.reason) == ("a/mechanism", "suspended")
        assert session.next_card(NOW).card_id == "b/mechanism"
        assert session.summary(NOW).ratings_saved == 0
    assert column("a/mechanism", "last_review") is None


def test_after_a_card_suspended_elsewhere_the_next_card_is_not_its_sibling():
    """Only the shown facet is suspended; its concept's next facet must not follow it
    straight away while another concept's card is waiting (QA: context-window)."""
    from llmconcepts.scheduling.operations import CardUnavailableError, set_suspended

    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        shown = session.next_card(NOW).card_id
        assert shown == "a/mechanism"
        _elsewhere(lambda db: set_suspended(db, "a/mechanism", True))  # `llmc suspend a/mechanism`
        with pytest.raises(CardUnavailableError):
            session.rate(shown, 3, NOW)
        assert session.next_card(NOW).card_id == "b/mechanism"


def test_a_card_removed_from_the_bank_elsewhere_while_shown_cannot_be_revealed_or_buried():
    from llmconcepts.scheduling.operations import CardUnavailableError, sync_bank

    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        shown = session.next_card(NOW).card_id
        _elsewhere(lambda db: sync_bank(db, make_bank("b"), NOW))  # a left the bank: its cards hidden
        with pytest.raises(CardUnavailableError, match="no card 'a/mechanism'") as raised:
            session.preview(shown, NOW)
        assert raised.value.reason == "removed"
        with pytest.raises(CardUnavailableError):
            session.bury(shown, NOW)
        assert session.undo_last(NOW) is None  # the failed burial left nothing to undo
        assert session.next_card(NOW).card_id == "b/mechanism"


def test_a_card_buried_elsewhere_while_shown_is_still_rated_and_stays_buried():
    from llmconcepts.scheduling.operations import bury_card

    tomorrow = utc(2026, 5, 5, 4, 0)  # the next learner day starts at 04:00 (UTC, rollover 4)
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        shown = session.next_card(NOW).card_id
        _elsewhere(lambda db: bury_card(db, shown, tomorrow))  # `s` on it in another session
        outcome = session.rate(shown, 1, NOW)  # the learner answered: the rating counts
        assert outcome.interval == timedelta(minutes=1)  # Again: the first learning step
        later = NOW + timedelta(minutes=2)
        # its step is due, but the burial holds until tomorrow; b is next
        assert session.next_card(later).card_id == "b/mechanism"
        assert session.summary(later).ratings_saved == 1


def test_the_summary_gives_the_time_since_the_session_opened():
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        session.rate(session.next_card(NOW).card_id, 3, NOW, duration_ms=4_000)
        summary = session.summary(NOW + timedelta(minutes=1, seconds=12))
    assert summary.session_time == timedelta(minutes=1, seconds=12)  # opened at NOW
    assert summary.time_spent == timedelta(seconds=4)  # answering only


def test_the_outlook_counts_studied_cards_suspended_or_buried():
    write_config("leech-threshold = 1\nfuzz = false\n")
    with open_session(SessionOptions(concepts=("a",)), NOW, bank=BANK) as session:
        session.rate("a/mechanism", 4, NOW)  # Easy: a review card, due in 8 days
    due_day = NOW + timedelta(days=8)
    with open_session(SessionOptions(concepts=("a",), review_only=True), due_day, bank=BANK) as session:
        assert session.next_card(due_day).card_id == "a/mechanism"
        assert session.rate("a/mechanism", 1, due_day).became_leech  # one lapse reaches 1
        assert session.next_card(due_day) is None
        outlook = session.outlook(due_day)
    assert (outlook.introduced, outlook.next_due) == (0, None)
    assert (outlook.suspended_studied, outlook.buried_studied) == (1, 0)
