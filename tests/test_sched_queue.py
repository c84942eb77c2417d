"""The queue: order, daily limits across sessions, prerequisites, siblings, options, cram."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sched_helpers import card_row, frozen, log_count, make_bank, make_concept, utc, write_config

from llmconcepts.errors import LlmcError, UnknownConceptError
from llmconcepts.scheduling.session import SessionOptions, dashboard, open_session

DAY1 = utc(2026, 4, 6, 14, 0)  # 10:00 in New York: mid learner-day
OPTIONS = SessionOptions()


@pytest.fixture(autouse=True)
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")


def drain(session, now, rating=3, kinds=None, max_cards=100):
    """Rate every card the session serves at ``now``; return the (card, kind) shown."""
    shown = []
    while len(shown) < max_cards and (card := session.next_card(now)) is not None:
        if kinds is not None and card.kind not in kinds:
            break
        shown.append((card.card_id, card.kind))
        session.rate(card.card_id, rating, now)
    return shown


def test_new_card_limit_holds_across_two_sessions_of_one_day():
    write_config("new-per-day = 4\n")
    bank = make_bank("a", "b", "c", "d")
    with frozen(DAY1), open_session(OPTIONS, DAY1, bank=bank) as first:
        assert first.progress(DAY1).new_left == 4
        for _ in range(3):
            card = first.next_card(DAY1)
            assert card.kind == "new"
            first.rate(card.card_id, 3, DAY1)
    later = DAY1 + timedelta(hours=3)
    with frozen(later), open_session(OPTIONS, later, bank=bank) as second:
        assert second.progress(later).new_left == 1
        shown = drain(second, later)
        assert [kind for _card, kind in shown].count("new") == 1
        assert second.progress(later).new_left == 0
    assert log_count() == 3 + len(shown)


def _graduate(bank, now, count):
    """Introduce ``count`` cards with Easy: straight to Review, due in round(w3) = 8 days
    (FSRS-6 default w3 = 8.2956 days at desired retention 0.9, fuzz off)."""
    with open_session(OPTIONS, now, bank=bank) as session:
        for _ in range(count):
            card = session.next_card(now)
            assert card.kind == "new"
            outcome = session.rate(card.card_id, 4, now)
            assert outcome.interval == timedelta(days=8)


def test_review_limit_holds_across_two_sessions_of_one_day():
    write_config("fuzz = false\nnew-per-day = 5\n")
    bank = make_bank("a", "b", "c", "d", "e")
    _graduate(bank, DAY1, 5)
    write_config("fuzz = false\nnew-per-day = 0\nreviews-per-day = 3\n")
    due_day = DAY1 + timedelta(days=8)
    with frozen(due_day), open_session(OPTIONS, due_day, bank=bank) as first:
        assert first.progress(due_day).review_left == 3
        for _ in range(2):
            card = first.next_card(due_day)
            assert card.kind == "review"
            first.rate(card.card_id, 3, due_day)
    later = due_day + timedelta(hours=1)
    with frozen(later), open_session(OPTIONS, later, bank=bank) as second:
        assert second.progress(later).review_left == 1
        assert [kind for _card, kind in drain(second, later)] == ["review"]
        assert second.progress(later).review_left == 0
    next_day = DAY1 + timedelta(days=9)
    with open_session(OPTIONS, next_day, bank=bank) as third:
        assert third.progress(next_day).review_left == 2  # the two left over, on a fresh quota


def test_order_is_learning_then_review_then_new():
    write_config("fuzz = false\nnew-per-day = 1\n")
    bank = make_bank("a", "b", "c")
    _graduate(bank, DAY1, 1)  # a/mechanism: review, due DAY1 + 8 days
    due_day = DAY1 + timedelta(days=8)
    with open_session(OPTIONS, due_day - timedelta(minutes=30), bank=bank) as session:
        now = due_day - timedelta(minutes=30)
        review = session.next_card(now)  # due in 30 minutes, so due today: before new cards
        assert review.kind == "review"
        session.rate(review.card_id, 1, due_day)  # lapse: relearning, due in 10 minutes
        card = session.next_card(due_day)
        assert card.kind == "new"
        session.rate(card.card_id, 3, due_day)  # learning, due in 10 minutes
        later = due_day + timedelta(minutes=15)
        kinds = [session.next_card(later).kind]
        assert kinds == ["relearning"]


def test_prerequisites_are_introduced_first():
    bank = make_bank(make_concept("attention", prerequisites=("embeddings",)), make_concept("embeddings"))
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        first = session.next_card(DAY1)
        assert first.card_id == "embeddings/mechanism"
        session.rate(first.card_id, 3, DAY1)
        # embeddings is now introduced, so attention (earlier in the bank) comes next
        assert session.next_card(DAY1).card_id == "attention/mechanism"


def test_suspended_prerequisite_does_not_block():
    bank = make_bank(make_concept("attention", prerequisites=("embeddings",)), make_concept("embeddings"))
    from llmconcepts.scheduling.admin import suspend

    suspend("embeddings", DAY1, bank=bank)
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        assert session.next_card(DAY1).card_id == "attention/mechanism"


def new_cards(shown):
    return [card for card, kind in shown if kind == "new"]


def buried_until(card_id):
    import sqlite3

    from sched_helpers import database_path

    connection = sqlite3.connect(database_path())
    try:
        return connection.execute("SELECT buried_until FROM cards WHERE id = ?", (card_id,)).fetchone()[0]
    finally:
        connection.close()


def test_a_days_new_cards_cover_concepts_and_later_facets_come_on_later_days():
    """Hand-worked: concepts a, b, c (three facets each, no prerequisites), 4 new cards a day,
    every card rated Easy (a review 8 days out, so no learning step comes back)."""
    write_config("fuzz = false\nnew-per-day = 4\n")
    bank = make_bank("a", "b", "c")
    assert dashboard(DAY1, bank=bank).new_available_today == 3  # one per concept, under the 4
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        assert session.progress(DAY1).new_left == 3
        # Day 1: each concept's mechanism. The fourth new card would be a/trade_off, but a
        # has had a card today: its next facet waits for a later day (no fallback, as Anki).
        assert drain(session, DAY1, rating=4) == [("a/mechanism", "new"), ("b/mechanism", "new"),
                                                  ("c/mechanism", "new")]
        assert session.progress(DAY1).new_left == 0
        outlook = session.outlook(DAY1)
        assert (outlook.new_today, outlook.new_unseen, outlook.new_unlocked, outlook.new_held) == (3, 6, 0, 6)
    assert dashboard(DAY1, bank=bank).new_available_today == 0
    # Day 2 (the mechanisms are due on day 9): the trade-offs; day 3: the failure modes.
    for offset, facet in ((1, "trade_off"), (2, "failure_mode")):
        day = DAY1 + timedelta(days=offset)
        assert dashboard(day, bank=bank).new_available_today == 3
        with open_session(OPTIONS, day, bank=bank) as session:
            assert drain(session, day, rating=4) == [(f"{c}/{facet}", "new") for c in ("a", "b", "c")]


def test_a_second_session_the_same_day_continues_without_the_held_facets():
    write_config("new-per-day = 4\n")
    bank = make_bank("a", "b", "c")
    with open_session(SessionOptions(new_limit=2), DAY1, bank=bank) as first:
        shown = drain(first, DAY1, rating=3)  # Good: learning steps come back within the session
    assert new_cards(shown) == ["a/mechanism", "b/mechanism"]  # --new 2: two concepts
    later = DAY1 + timedelta(hours=3)
    with frozen(later), open_session(OPTIONS, later, bank=bank) as second:
        # 2 of the 4 left today, but a and b were studied: only c gives a card
        assert second.progress(later).new_left == 1
        assert new_cards(drain(second, later, rating=4)) == ["c/mechanism"]


def test_with_new_2_the_last_two_new_cards_of_the_day_are_of_two_concepts():
    write_config("new-per-day = 6\n")
    bank = make_bank("a", "b", "c", "d", "e", "f")
    with open_session(SessionOptions(new_limit=4), DAY1, bank=bank) as first:
        drain(first, DAY1, rating=4)
    with open_session(SessionOptions(new_limit=2), DAY1, bank=bank) as second:
        assert new_cards(drain(second, DAY1, rating=4)) == ["e/mechanism", "f/mechanism"]


def test_prerequisites_still_hold_with_siblings_held_back():
    write_config("new-per-day = 4\n")
    bank = make_bank(make_concept("b", prerequisites=("a",)), make_concept("a"), make_concept("c"))
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        first = session.next_card(DAY1)
        assert first.card_id == "a/mechanism"  # b comes first in the bank but needs a
        session.rate(first.card_id, 4, DAY1)
        # a is introduced by its first rated card, so b is unlocked and comes before c;
        # a/trade_off waits for a later day
        assert new_cards(drain(session, DAY1, rating=4)) == ["b/mechanism", "c/mechanism"]


def test_review_siblings_are_spread_and_hold_the_new_facet_back():
    write_config("fuzz = false\n")
    bank = make_bank("a", "b")
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        for card in ("a/mechanism", "a/trade_off", "b/mechanism", "b/trade_off"):
            session.rate(card, 4, DAY1)  # rated by id (as after a --cram or a reset): all due on day 9
    due_day = DAY1 + timedelta(days=8)
    assert dashboard(due_day, bank=bank).new_available_today == 0  # a and b have reviews due today
    with open_session(OPTIONS, due_day, bank=bank) as session:
        shown = drain(session, due_day, rating=3)
        # due at the same moment, so in id order a/m, a/t, b/m, b/t; a concept's cards never
        # back to back; the failure modes wait for a day without a review of their concept
        assert shown == [("a/mechanism", "review"), ("b/mechanism", "review"),
                         ("a/trade_off", "review"), ("b/trade_off", "review")]
        assert session.outlook(due_day).new_held == 2


def test_a_reset_card_comes_back_as_new_the_same_day():
    bank = make_bank("a", "b")
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        session.rate("a/mechanism", 4, DAY1)
    from llmconcepts.scheduling.admin import reset

    reset("a/mechanism", DAY1, bank=bank)
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        # its rating today no longer counts: a has no introduced card rated today
        assert new_cards(drain(session, DAY1, rating=4)) == ["a/mechanism", "b/mechanism"]


def test_a_lone_learning_step_may_repeat_when_nothing_else_is_left():
    write_config("new-per-day = 1\n")
    bank = make_bank("a")
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        card = session.next_card(DAY1)
        session.rate(card.card_id, 1, DAY1)  # Again: learning step of 1 minute
        again = session.next_card(DAY1 + timedelta(minutes=1))
        assert again.card_id == card.card_id and again.kind == "learning"


def test_the_card_just_shown_is_not_shown_again_when_another_waits():
    write_config("new-per-day = 2\n")
    bank = make_bank("a", "b")
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        first = session.next_card(DAY1)
        session.rate(first.card_id, 1, DAY1)
        second = session.next_card(DAY1 + timedelta(minutes=2))  # first is due again, b is new
        assert second.card_id != first.card_id


def test_review_only_new_limit_and_limit():
    bank = make_bank("a", "b", "c")
    with open_session(SessionOptions(review_only=True), DAY1, bank=bank) as session:
        assert session.next_card(DAY1) is None
        assert session.progress(DAY1).new_left == 0
    with open_session(SessionOptions(new_limit=2), DAY1, bank=bank) as session:
        assert session.progress(DAY1).new_left == 2
        shown = drain(session, DAY1, kinds={"new"})
        assert len(shown) == 2
    with open_session(SessionOptions(limit=1), DAY1 + timedelta(hours=1), bank=bank) as session:
        now = DAY1 + timedelta(hours=1)
        shown = drain(session, now, rating=1, max_cards=5)
        assert {card for card, _ in shown} == {shown[0][0]}  # only its learning steps come back


def test_filters_by_layer_and_concept_and_reject_unknown_ids():
    bank = make_bank(make_concept("a", "one"), make_concept("b", "two"), make_concept("c", "two"))
    with open_session(SessionOptions(layers=("one",)), DAY1, bank=bank) as session:
        assert {c.split("/")[0] for c, _ in drain(session, DAY1)} == {"a"}
    with open_session(SessionOptions(concepts=("c",)), DAY1, bank=bank) as session:
        assert {c.split("/")[0] for c, _ in drain(session, DAY1)} == {"c"}
    with pytest.raises(LlmcError, match="no layer 'three'"):
        open_session(SessionOptions(layers=("three",)), DAY1, bank=bank)
    with pytest.raises(UnknownConceptError, match="'x'"):
        open_session(SessionOptions(concepts=("x",)), DAY1, bank=bank)


def test_cram_logs_practice_and_leaves_the_schedule_alone():
    write_config("fuzz = false\nnew-per-day = 2\n")
    bank = make_bank("a", "b")
    _graduate(bank, DAY1, 2)
    before = {card: card_row(card) for card in ("a/mechanism", "b/mechanism")}
    now = DAY1 + timedelta(days=2)  # not due for six more days
    with open_session(OPTIONS, now, bank=bank) as normal:
        assert normal.next_card(now) is not None  # only new cards...
        assert normal.progress(now).review_left == 0
    with open_session(SessionOptions(cram=True), now, bank=bank) as cram:
        first = cram.next_card(now)
        assert first.kind == "cram"
        assert set(cram.preview(first.card_id, now).values()) == {timedelta(days=6)}
        outcome = cram.rate(first.card_id, 1, now)  # Again: comes back at the end
        assert outcome.interval == timedelta(days=6) and outcome.next_due == DAY1 + timedelta(days=8)
        second = cram.next_card(now)
        assert second.card_id != first.card_id
        cram.rate(second.card_id, 3, now)
        third = cram.next_card(now)
        assert third.card_id == first.card_id
        cram.rate(third.card_id, 3, now)
        assert cram.next_card(now) is None
        assert cram.summary(now).studied_by_kind == {"cram": 3}
    assert {card: card_row(card) for card in before} == before
    assert log_count("practice") == 3 and log_count("review") == 2


def test_only_reviews_within_the_days_limit_hold_their_new_facets_back():
    """x/mechanism and y/mechanism come due at the same moment (ties go by card id, x first);
    z was never studied. With one review left for the day only x's review is served, so y
    and z each give a new card; with two, only z does."""
    from llmconcepts.progress.reports import due_report

    write_config("fuzz = false\n")
    bank = make_bank("x", "y", "z")
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        for card in ("x/mechanism", "y/mechanism"):
            session.rate(card, 4, DAY1)  # Easy: both due DAY1 + 8 days
    due_day = DAY1 + timedelta(days=8)
    for reviews_per_day, expected in ((1, 2), (2, 1)):
        write_config(f"fuzz = false\nnew-per-day = 10\nreviews-per-day = {reviews_per_day}\n")
        assert dashboard(due_day, bank=bank).new_available_today == expected
        assert due_report(due_day, bank=bank).new_available_today == expected
        with open_session(OPTIONS, due_day, bank=bank) as session:
            assert session.progress(due_day).new_left == expected


def test_burying_a_new_card_holds_its_concepts_new_facets_until_tomorrow():
    """a, b, c at 10 new a day. Burying a/mechanism (new) sets a's introduction aside for
    the day, as rating it would: the next card is b/mechanism, not a/trade_off, and the day
    can bring one new card each from b and c only, in the session and on the dashboard
    alike (`llmc due` counts with the dashboard's repository.new_cards_open). Undoing the
    burial brings back the queue as it was."""
    bank = make_bank("a", "b", "c")
    with frozen(DAY1), open_session(OPTIONS, DAY1, bank=bank) as session:
        assert session.next_card(DAY1).card_id == "a/mechanism"
        assert session.progress(DAY1).new_left == 3  # one per concept
        session.bury("a/mechanism", DAY1)
        assert session.next_card(DAY1).card_id == "b/mechanism"
        assert session.progress(DAY1).new_left == 2  # b and c
        assert dashboard(DAY1, bank=bank).new_available_today == 2
        # a's two other new cards wait for tomorrow (a concept set aside today)
        assert session.outlook(DAY1).new_held == 2
        session.undo_last(DAY1)
        assert session.next_card(DAY1).card_id == "a/mechanism"
        assert session.progress(DAY1).new_left == 3
        assert dashboard(DAY1, bank=bank).new_available_today == 3
        session.bury("a/mechanism", DAY1)
        assert new_cards(drain(session, DAY1)) == ["b/mechanism", "c/mechanism"]
    tomorrow = DAY1 + timedelta(days=1)
    with open_session(OPTIONS, tomorrow, bank=bank) as session:
        assert session.next_card(tomorrow).card_id == "a/mechanism"  # the burial is over


def test_after_burying_a_card_the_next_is_not_its_sibling_while_another_concept_waits():
    """a/trade_off is a learning step due since day 2; a/mechanism and b/mechanism are reviews
    due on day 9 (Easy on day 1: 8 days). The queue is a/t, a/m, b/m: burying a/trade_off
    must not bring a/mechanism straight after it."""
    write_config("fuzz = false\nnew-per-day = 10\n")
    bank = make_bank("a", "b")
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        session.rate("a/mechanism", 4, DAY1)
        session.rate("b/mechanism", 4, DAY1)
    day2 = DAY1 + timedelta(days=1)
    with open_session(OPTIONS, day2, bank=bank) as session:
        session.rate("a/trade_off", 1, day2)  # Again: a learning step of 1 minute
    day9 = DAY1 + timedelta(days=8, hours=1)
    with open_session(OPTIONS, day9, bank=bank) as session:
        assert session.next_card(day9).card_id == "a/trade_off"
        session.bury("a/trade_off", day9)
        assert session.next_card(day9).card_id == "b/mechanism"
        session.rate("b/mechanism", 3, day9)
        assert session.next_card(day9).card_id == "a/mechanism"  # the sibling once b's card is done
        session.undo_last(day9)
        session.undo_last(day9)  # the burial too: the queue as before it
        assert session.next_card(day9).card_id == "a/trade_off"
        assert buried_until("a/trade_off") is None  # as before the burial


def test_s_in_cram_skips_the_card_for_the_session_and_writes_nothing():
    write_config("fuzz = false\nnew-per-day = 2\n")
    bank = make_bank("a", "b")
    _graduate(bank, DAY1, 2)
    before = {card: card_row(card) for card in ("a/mechanism", "b/mechanism")}
    now = DAY1 + timedelta(days=2)
    with open_session(SessionOptions(cram=True), now, bank=bank) as cram:
        first = cram.next_card(now).card_id
        cram.bury(first, now)
        second = cram.next_card(now).card_id
        assert second != first
        cram.rate(second, 3, now)
        assert cram.next_card(now) is None  # the skipped card does not come back this session
        assert {card: card_row(card) for card in before} == before  # not buried in the database
        cram.undo_last(now)  # the rating
        assert cram.undo_last(now).card_id == first  # the skip
        assert cram.progress(now).review_left == 2  # both to cram again
    with open_session(OPTIONS, DAY1 + timedelta(days=8), bank=bank) as normal:
        assert normal.progress(DAY1 + timedelta(days=8)).review_left == 2  # neither was buried
    assert {card: card_row(card) for card in before} == before
