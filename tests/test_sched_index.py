"""The session's in-memory queue index stays equal to what the database says.

A study session reads its cards once and then updates only the cards it changes.
The reference here is a session opened afresh at the same moment, which reads
everything from the database: after any mix of ratings, undos, burials, waiting
(across learner days) and writes by another connection, both must build the same
queue, and the dashboard's counts must be that queue's. A session must also notice
another process's writes before its next card.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sched_helpers import card_row, database_path, make_bank, make_concept, utc, write_config

from llmconcepts.errors import LlmcError
from llmconcepts.scheduling import admin
from llmconcepts.scheduling.session import SessionOptions, dashboard, open_session

START = utc(2026, 6, 1, 12)  # 08:00 in New York
BANK = make_bank(
    make_concept("a", "one"),
    make_concept("b", "one", prerequisites=("a",)),
    make_concept("c", "two", prerequisites=("b",)),
    make_concept("d", "two"),
    layers=("one", "two"),
)
CARDS = tuple(ref.id for ref in BANK.cards())
CONCEPTS = ("a", "b", "c", "d")

actions = st.one_of(
    st.tuples(st.just("study"), st.integers(1, 4)),
    st.tuples(st.just("rate"), st.sampled_from(CARDS), st.integers(1, 4)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("bury")),
    st.tuples(st.just("wait"), st.sampled_from([1, 10, 25, 60 * 5, 60 * 20, 60 * 24 * 3])),  # minutes
    st.tuples(st.just("elsewhere-rate"), st.sampled_from(CARDS), st.integers(1, 4)),
    st.tuples(st.just("elsewhere-suspend"), st.sampled_from(CONCEPTS), st.booleans()),
    st.tuples(st.just("elsewhere-reset"), st.sampled_from(CARDS)),
)


@pytest.fixture(autouse=True)
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")


def _act(session: object, action: tuple, now) -> bool:
    """Carry out one action; True when it went through another connection."""
    kind = action[0]
    try:
        if kind == "study" and (card := session.next_card(now)) is not None:
            session.rate(card.card_id, action[1], now)
        elif kind == "rate":
            session.rate(action[1], action[2], now)
        elif kind == "undo":
            session.undo(now)
        elif kind == "bury" and (card := session.next_card(now)) is not None:
            session.bury(card.card_id, now)
        elif kind == "elsewhere-rate":
            with open_session(SessionOptions(), now, bank=BANK) as other:
                other.rate(action[1], action[2], now)
            return True
        elif kind == "elsewhere-suspend":
            (admin.suspend if action[2] else admin.unsuspend)(action[1], now, bank=BANK)
            return True
        elif kind == "elsewhere-reset":
            admin.reset(action[1], now, bank=BANK)
            return True
    except LlmcError:
        pass  # a suspended card, or an undo of a card rated elsewhere since: refused, nothing changed
    return False


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(actions, min_size=1, max_size=15), layer_only=st.booleans())
def test_the_kept_queue_equals_a_fresh_read_after_every_step(steps, layer_only):
    options = SessionOptions(layers=("two",) if layer_only else ())
    with tempfile.TemporaryDirectory() as home:
        os.environ["LLMC_HOME"] = home
        write_config("new-per-day = 5\nreviews-per-day = 3\n")
        now = START
        with open_session(options, now, bank=BANK) as kept:
            for action in steps:
                if action[0] == "wait":
                    now += timedelta(minutes=action[1])
                    continue
                index_before, day_before = kept._index, kept._index_day
                elsewhere = _act(kept, action, now)
                # the UI reads the clock for every card; a new moment also skips the
                # session's per-moment queue cache, so the index itself is compared
                now += timedelta(seconds=1)
                with open_session(options, now, bank=BANK) as fresh:
                    fresh._buried = set(kept._buried)  # what the kept session remembers beyond the database
                    assert kept._queue(now) == fresh._queue(now)
                    kept_left, fresh_left = kept.progress(now), fresh.progress(now)
                    assert (kept_left.new_left, kept_left.review_left) == (
                        fresh_left.new_left, fresh_left.review_left)
                _assert_new_siblings_held_back(kept, now)
                if not layer_only and _buried_in_the_database(kept._buried, now):
                    _assert_dashboard_agrees(kept, now)
                if not elsewhere and index_before is not None and kept._index is not index_before:
                    assert kept._index_day != day_before  # read whole again only on a new learner day


def _buried_in_the_database(card_ids, now) -> bool:
    """The session's burials are all still stored (a burial ends when the learner day does;
    the session keeps its cards buried after that), so the dashboard sees them too."""
    return all(card_row(card)[13] is not None and card_row(card)[13] > now.strftime("%Y-%m-%d %H:%M:%S.%f")
               for card in card_ids)


def _assert_new_siblings_held_back(session, now) -> None:
    """Read from the database directly: the queue's new cards are of distinct concepts, none
    with a card rated today (and not reset since) or a learning card or review it serves today."""
    queue, _quota = session._queue(now)
    _day, start, end = session.clock.today(now)
    connection = sqlite3.connect(database_path())
    try:
        rated_today = {concept for (concept,) in connection.execute(
            "SELECT cards.concept_id FROM review_log JOIN cards ON cards.id = review_log.card_id "
            "WHERE review_log.kind = 'review' AND cards.last_review IS NOT NULL "
            "AND review_log.reviewed_at >= ? AND review_log.reviewed_at < ?",
            (start.strftime("%Y-%m-%d %H:%M:%S.%f"), end.strftime("%Y-%m-%d %H:%M:%S.%f")))}
    finally:
        connection.close()
    served_today = queue.reviews + queue.learning_due + queue.learning_ahead
    held = rated_today | {card.split("/")[0] for card in served_today}
    concepts = [card.split("/")[0] for card in queue.new]
    assert len(set(concepts)) == len(concepts)
    assert not held & set(concepts)


def _assert_dashboard_agrees(session, now) -> None:
    """The dashboard's SQL counts are the figures of the whole-bank queue."""
    queue, new_quota = session._queue(now)
    board = dashboard(now, bank=BANK)
    reviews_now = [card for card in queue.reviews if session._index.kind_and_due(card)[1] <= now]
    assert board.due_now == len(queue.learning_due) + len(reviews_now)
    assert board.new_available_today == min(new_quota, queue.new_offerable)


def test_another_process_suspending_the_next_card_is_seen_before_it_is_shown():
    bank = make_bank("a", "b")
    with open_session(SessionOptions(), START, bank=bank) as session:
        first = session.next_card(START)
        assert first.card_id == "a/mechanism"
        admin.suspend("a", START, bank=bank)  # another connection, as another llmc process would
        later = START + timedelta(seconds=5)
        assert session.next_card(later).card_id == "b/mechanism"
        assert session.progress(later).new_left == 1  # b's first card; a's are suspended


def test_a_new_learner_day_in_the_same_session_reads_the_day_afresh():
    write_config("fuzz = false\nnew-per-day = 1\n")
    bank = make_bank("a", "b")
    with open_session(SessionOptions(), START, bank=bank) as session:
        outcome = session.rate("a/mechanism", 4, START)  # Easy: a review card, due in 8 days
        assert outcome.interval == timedelta(days=8)  # round(w3 = 8.2956) days, FSRS-6 defaults
        assert session.next_card(START) is None  # the day's one new card is taken
        due_day = START + timedelta(days=8)  # same session, eight learner days later
        progress = session.progress(due_day)
        assert (progress.review_left, progress.new_left) == (1, 1)


def test_dashboard_counts_by_hand():
    write_config("fuzz = false\n")
    bank = make_bank("a", "b", "c", "d")
    with open_session(SessionOptions(), START, bank=bank) as session:
        for card in ("a/mechanism", "b/mechanism", "c/mechanism"):
            session.rate(card, 4, START)  # Easy: review cards, due in 8 days
        session.rate("d/mechanism", 1, START)  # Again: learning, due in 1 minute
    admin.suspend("c/trade_off", START, bank=bank)
    day = START + timedelta(days=8)
    with open_session(SessionOptions(), day, bank=bank) as session:
        session.rate("a/mechanism", 1, day)  # a lapse: relearning, due in 10 minutes
        session.bury("b/mechanism", day)
    board = dashboard(day + timedelta(minutes=11), bank=bank)
    # due now: d (learning step since day 1) and a (relearning step), plus the review c;
    # b is buried. New: one card per concept not held back until tomorrow; a was rated
    # today, c has a review and d a learning step due today; b's only scheduled card is
    # buried, so b gives its trade-off card: 1, under the 10 a day.
    assert (board.due_now, board.new_available_today) == (3, 1)
    assert board.next_due == START + timedelta(minutes=1)
    assert board.streak_days == 1  # nothing on the seven days in between


def test_the_index_counts_held_back_and_buried_new_cards_by_hand():
    """Concepts x, y, z; one review a day left. x's review (due 09:00) is taken, so x gives no
    new card, and both its new cards are buried anyway; y's review (10:00) is beyond the
    quota, so y gives its first new card; z was rated today (its card is due days later,
    outside the index) and one of its two new cards is buried."""
    from llmconcepts.scheduling.queue import QueueIndex
    from llmconcepts.scheduling.session import select_cards
    from llmconcepts.storage.repository import CardRecord

    bank = make_bank("x", "y", "z")
    start, end = utc(2026, 6, 1, 8), utc(2026, 6, 2, 8)
    now = start + timedelta(hours=3)

    def review(card_id, due):
        concept, facet = card_id.split("/")
        return CardRecord(card_id, concept, facet, 2, None, 5.0, 5.0, due, start - timedelta(days=5), 1, 0,
                          False, False, None, False, start)

    new_cards = [("x/trade_off", False, end), ("x/failure_mode", False, end),
                 ("y/trade_off", False, None), ("y/failure_mode", False, None),
                 ("z/trade_off", False, None), ("z/failure_mode", False, end)]
    scheduled = [review("x/mechanism", start + timedelta(hours=1)), review("y/mechanism", start + timedelta(hours=2))]
    flags = [(c, True, True) for c in ("x", "y", "z")]
    index = QueueIndex(select_cards(bank, SessionOptions()), start, end).load(new_cards, scheduled, flags, {"z"})
    one = index.queue(now, end, new_quota=10, review_quota=1)
    assert one.reviews == ("x/mechanism",) and one.new == ("y/trade_off",)
    # active new cards: y's 2 and z/trade_off; y gives one today; held: z/trade_off (x's are buried)
    assert (one.new_available, one.new_offerable, one.new_held) == (3, 1, 1)
    two = index.queue(now, end, new_quota=10, review_quota=2)  # y's review is taken too
    assert two.new == () and (two.new_available, two.new_offerable, two.new_held) == (3, 0, 3)
