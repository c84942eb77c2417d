"""Golden test: our scheduler gives exactly what the fsrs package's own Scheduler gives.

A card rated Good, Good, Good, Again, Good from new, each time at its due time,
must get the same due dates, stability and difficulty as ``fsrs.Scheduler`` run
directly on an ``fsrs.Card`` (fuzz off, as the py-fsrs docs advise for tests),
whether the session stays open or the database is closed and reopened between
every rating. With fuzz on, the interval shown before rating equals the one the
rating gives, and stays inside the package's fuzz range.
"""

from __future__ import annotations

import random
from datetime import timedelta

import fsrs
import pytest
from sched_helpers import frozen, make_bank, utc, write_config

from llmconcepts.scheduling.session import SessionOptions, open_session

CARD = "kv-cache/mechanism"
SEQUENCE = (3, 3, 3, 1, 3)  # Good, Good, Good, Again, Good
START = utc(2026, 3, 2, 15, 0)


def expected_states():
    """Run the fsrs package by itself over the same sequence."""
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=1, due=START)
    when = START
    states = []
    for rating in SEQUENCE:
        card, _log = scheduler.review_card(card, fsrs.Rating(rating), review_datetime=when)
        states.append((card.state, card.step, card.due, card.stability, card.difficulty))
        when = card.due
    return states


def test_hand_calculation_anchors_the_fsrs_reference():
    """FSRS-6 default weights: a first Good gives S0 = w2 = 2.3065 days; the second Good
    10 minutes later is a same-day review whose short-term factor
    e^(w17 (G - 3 + w18)) * S^-w19 = e^(0.5425 * 0.0912) * 2.3065^-0.0658 = 0.9945 is clamped
    to 1, so S stays 2.3065 and, at desired retention 0.9, the interval is round(S) = 2 days."""
    states = expected_states()
    assert states[0][3] == pytest.approx(2.3065)
    assert states[0][2] == START + timedelta(minutes=10)
    assert states[1][3] == pytest.approx(2.3065)
    assert states[1][2] == START + timedelta(minutes=10) + timedelta(days=2)
    assert states[3][0] == fsrs.State.Relearning and states[3][2] - states[2][2] == timedelta(minutes=10)


def _check(outcome, record, expected, when):
    state, step, due, stability, difficulty = expected
    assert outcome.next_due == due
    assert outcome.interval == due - when
    assert record.state == int(state) and record.step == step
    assert record.due == due
    assert record.stability == stability  # exact: same code path, same floats
    assert record.difficulty == difficulty


def _record(session, card_id=CARD):
    from llmconcepts.storage import repository

    with session.db.reading() as s:
        return repository.get_card(s, card_id)


def test_same_session_matches_fsrs_package():
    write_config("fuzz = false\n")
    bank = make_bank("kv-cache")
    when = START
    with frozen(START):
        session = open_session(SessionOptions(), when, bank=bank)
    try:
        for rating, expected in zip(SEQUENCE, expected_states()):
            outcome = session.rate(CARD, rating, when)
            _check(outcome, _record(session), expected, when)
            when = outcome.next_due
    finally:
        session.close()


def test_save_and_reload_between_every_rating_matches_fsrs_package():
    write_config("fuzz = false\n")
    bank = make_bank("kv-cache")
    when = START
    for rating, expected in zip(SEQUENCE, expected_states()):
        with frozen(when):
            with open_session(SessionOptions(), when, bank=bank) as session:
                assert session.next_card(when).card_id == CARD
                outcome = session.rate(CARD, rating, when)
        with open_session(SessionOptions(), when, bank=bank) as reopened:
            _check(outcome, _record(reopened), expected, when)
        when = outcome.next_due


def test_fuzzed_preview_equals_rating_and_stays_in_the_package_range():
    bank = make_bank("kv-cache")
    unfuzzed = fsrs.Scheduler(enable_fuzzing=False)
    reference = fsrs.Card(card_id=1, due=START)
    when = START
    random.seed(12345)
    expected_random = random.Random(12345).random()
    with open_session(SessionOptions(), when, bank=bank) as session:
        for rating in SEQUENCE:
            shown = session.preview(CARD, when)
            outcome = session.rate(CARD, rating, when)
            assert shown[rating] == outcome.interval
            reference, _ = unfuzzed.review_card(reference, fsrs.Rating(rating), review_datetime=when)
            plain_days = (reference.due - when).days
            if reference.state == fsrs.State.Review and plain_days >= 3:
                # py-fsrs FUZZ_RANGES (as Anki): delta = 1 + 0.15 per day over 2.5 (up to 7)
                # + 0.1 per day over 7 (up to 20) + 0.05 per day over 20
                delta = (1 + 0.15 * max(min(plain_days, 7) - 2.5, 0)
                         + 0.1 * max(min(plain_days, 20) - 7, 0) + 0.05 * max(plain_days - 20, 0))
                low, high = max(2, round(plain_days - delta)), round(plain_days + delta)
                assert low <= outcome.interval.days <= high
            else:
                assert outcome.interval == reference.due - when  # no fuzz on steps or < 2.5 days
            # the schedule continues from what we stored (fuzzed), like a learner would
            reference = fsrs.Card(card_id=1, state=reference.state, step=reference.step,
                                  stability=reference.stability, difficulty=reference.difficulty,
                                  due=outcome.next_due, last_review=reference.last_review)
            when = outcome.next_due
    assert random.random() == expected_random  # the global generator was left as it was
