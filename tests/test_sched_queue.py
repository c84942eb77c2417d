"""The queue: order, daily limits across sessions, prerequisites, siblings, options, cram."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sched_helpers import card_row, frozen, log_count, make_bank, make_concept, utc, write_config

from llmconcepts.errors import LlmcError, UnknownConceptError
from llmconcepts.scheduling.session import SessionOptions, open_session

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


def test_siblings_are_spread_and_no_card_repeats_back_to_back():
    bank = make_bank("a", "b")
    with open_session(OPTIONS, DAY1, bank=bank) as session:
        shown = drain(session, DAY1, rating=3)
    concepts = [card.split("/")[0] for card, _kind in shown]
    assert concepts[:6] == ["a", "b", "a", "b", "a", "b"]
    assert all(x != y for x, y in zip(shown, shown[1:]))


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
