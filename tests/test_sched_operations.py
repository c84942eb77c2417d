"""Undo, suspend, leeches, reset, bank changes, a clock going backwards, and log replay."""

from __future__ import annotations

from datetime import timedelta

import fsrs
import pytest
from sched_helpers import card_row, dump, log_count, make_bank, make_concept, utc, write_config

from llmconcepts.errors import LlmcError, UnknownConceptError
from llmconcepts.scheduling import admin
from llmconcepts.scheduling.history import replay
from llmconcepts.scheduling.session import SessionOptions, open_session
from llmconcepts.storage import repository

NOW = utc(2026, 5, 4, 14, 0)
OPTIONS = SessionOptions()


def stored_states(session):
    with session.db.reading() as s:
        return {r.id: r for r in repository.load_cards(s, include_hidden=True)}


def assert_replay_matches(session):
    with session.db.reading() as s:
        rebuilt = replay(s)
    stored = stored_states(session)
    assert rebuilt, "nothing was replayed"
    for card_id, card in rebuilt.items():
        record = stored[card_id]
        assert (card.state.state, card.state.step, card.state.stability, card.state.difficulty,
                card.state.due, card.state.last_review) == (
            record.state, record.step, record.stability, record.difficulty, record.due, record.last_review)
        assert (card.reps, card.lapses) == (record.reps, record.lapses)


def test_undo_restores_byte_identical_database_content():
    bank = make_bank("a", "b")
    with open_session(OPTIONS, NOW, bank=bank) as session:
        session.rate("a/mechanism", 3, NOW, duration_ms=1200, answer="first", covered=("point of a",))
        before = dump()
        session.rate("a/mechanism", 4, NOW + timedelta(minutes=10), duration_ms=800, answer="[bold]x[/]")
        assert dump() != before
        assert session.undo(NOW + timedelta(minutes=11)) == "a/mechanism"
        assert dump() == before
        assert session.progress(NOW).done == 1


def test_undo_refuses_when_another_process_rated_the_card_since():
    bank = make_bank("a")
    with open_session(OPTIONS, NOW, bank=bank) as mine, open_session(OPTIONS, NOW, bank=bank) as other:
        mine.rate("a/mechanism", 3, NOW)
        other.rate("a/mechanism", 3, NOW + timedelta(minutes=10))
        with pytest.raises(LlmcError, match="changed since"):
            mine.undo(NOW + timedelta(minutes=11))
    assert log_count() == 2


def test_undo_with_nothing_to_undo_returns_none():
    with open_session(OPTIONS, NOW, bank=make_bank("a")) as session:
        assert session.undo(NOW) is None


def test_suspend_and_unsuspend_a_card_or_a_whole_concept():
    bank = make_bank("a", "b")
    assert admin.suspend("a", NOW, bank=bank) == ["a/failure_mode", "a/mechanism", "a/trade_off"]
    assert admin.suspend("a/mechanism", NOW, bank=bank) == []  # already
    with open_session(OPTIONS, NOW, bank=bank) as session:
        served = []
        while (card := session.next_card(NOW)) is not None:
            served.append(card.card_id)
            session.bury(card.card_id, NOW)
        # a's cards are suspended; burying b's new card holds b's other new facets for the day
        assert served == ["b/mechanism"]
        with pytest.raises(LlmcError, match="suspended"):
            session.rate("a/mechanism", 3, NOW)
    assert admin.unsuspend("a/trade_off", NOW, bank=bank) == ["a/trade_off"]
    assert card_row("a/trade_off")[11] == 0 and card_row("a/mechanism")[11] == 1
    # the concept found as `llmc explain` finds it (a typo forgiven), the facet by its name
    assert admin.suspend("aa", NOW, bank=bank) == ["a/trade_off"]
    with pytest.raises(UnknownConceptError, match="no concept matches 'qqqq'"):
        admin.suspend("qqqq", NOW, bank=bank)
    no_facet = "^no facet 'mechansim'; facets are mechanism, trade_off, failure_mode$"
    with pytest.raises(LlmcError, match=no_facet):
        admin.suspend("b/mechansim", NOW, bank=bank)


def _lapse_until(session, card_id, when, lapses):
    """Drive a review card through lapses: Again at due, then Good after the 10m relearning step."""
    outcomes = []
    for _ in range(lapses):
        outcome = session.rate(card_id, 1, when)
        outcomes.append(outcome)
        if outcome.became_leech:
            break
        when = outcome.next_due
        when = session.rate(card_id, 3, when).next_due
    return outcomes, when


def test_leech_at_eight_lapses_is_tagged_suspended_and_reported():
    write_config("fuzz = false\n")
    bank = make_bank("a")
    with open_session(OPTIONS, NOW, bank=bank) as session:
        when = session.rate("a/mechanism", 4, NOW).next_due  # Easy: straight to review
        outcomes, when = _lapse_until(session, "a/mechanism", when, 10)
        assert [o.became_leech for o in outcomes] == [False] * 7 + [True]
        row = card_row("a/mechanism")
        assert row[10] == 8 and row[11] == 1 and row[12] == 1  # lapses, suspended, leech
        assert session.next_card(when) is None or session.next_card(when).card_id != "a/mechanism"
        assert session.undo(when) == "a/mechanism"  # undo un-leeches exactly
        assert card_row("a/mechanism")[10:13] == (7, 0, 0)


def test_leech_warns_again_every_half_threshold():
    write_config("fuzz = false\nleech-threshold = 4\n")
    bank = make_bank("a")
    with open_session(OPTIONS, NOW, bank=bank) as session:
        when = session.rate("a/mechanism", 4, NOW).next_due
        outcomes, when = _lapse_until(session, "a/mechanism", when, 4)
        assert outcomes[-1].became_leech and len(outcomes) == 4
    admin.unsuspend("a/mechanism", when, bank=bank)
    assert card_row("a/mechanism")[12] == 1  # still tagged leech
    with open_session(OPTIONS, when, bank=bank) as session:
        when = session.rate("a/mechanism", 3, when).next_due
        outcomes, when = _lapse_until(session, "a/mechanism", when, 3)
        assert [o.became_leech for o in outcomes] == [False, True]  # lapses 5, 6 = 4 + 4/2


def test_reset_makes_cards_new_keeps_history_and_replays():
    bank = make_bank("a")
    with open_session(OPTIONS, NOW, bank=bank) as session:
        session.rate("a/mechanism", 3, NOW)
        session.rate("a/mechanism", 3, NOW + timedelta(minutes=10))
    assert admin.reset("a/mechanism", NOW + timedelta(hours=1), bank=bank) == ["a/mechanism"]
    row = card_row("a/mechanism")
    assert row[3:11] == (1, 0, None, None, None, None, 0, 0)
    assert log_count("review") == 2 and log_count("reset") == 1
    assert admin.reset("a", NOW + timedelta(hours=1), bank=bank) == []  # all already new
    later = NOW + timedelta(hours=2)
    with open_session(OPTIONS, later, bank=bank) as session:
        assert session.next_card(later).kind == "new"
        session.rate("a/mechanism", 2, later)
        assert_replay_matches(session)


def test_bank_changes_add_hide_and_keep_schedules():
    first = make_bank("a", "b")
    with open_session(OPTIONS, NOW, bank=first) as session:
        session.rate("a/mechanism", 3, NOW)
        session.rate("b/mechanism", 3, NOW)
    kept = card_row("a/mechanism")
    b_history = card_row("b/mechanism")
    edited = make_bank(make_concept("a", text="now with better wording"), "c")
    with open_session(OPTIONS, NOW, bank=edited) as session:
        records = stored_states(session)
        assert card_row("a/mechanism") == kept  # edited text: same schedule
        assert records["b/mechanism"].hidden and log_count() == 2  # removed: hidden, kept
        assert records["c/mechanism"].is_new and not records["c/mechanism"].hidden
        assert not session.next_card(NOW).card_id.startswith("b/")
        with pytest.raises(LlmcError):
            session.rate("b/mechanism", 3, NOW)
    with open_session(OPTIONS, NOW, bank=first) as session:
        assert card_row("b/mechanism")[:15] == b_history[:15] and not stored_states(session)["b/mechanism"].hidden


def test_clock_going_backwards_keeps_the_card_in_order():
    write_config("fuzz = false\n")
    bank = make_bank("a")
    with open_session(OPTIONS, NOW, bank=bank) as session:
        session.rate("a/mechanism", 3, NOW)
        earlier = NOW - timedelta(hours=5)
        outcome = session.rate("a/mechanism", 3, earlier)
        # recorded at the last review time, as if no time had passed: fsrs from that instant
        reference = fsrs.Scheduler(enable_fuzzing=False)
        card, _ = reference.review_card(fsrs.Card(card_id=1, due=NOW), fsrs.Rating.Good, NOW)
        card, _ = reference.review_card(card, fsrs.Rating.Good, NOW)
        assert outcome.next_due == card.due and outcome.next_due > NOW
        with session.db.reading() as s:
            times = [entry.reviewed_at for entry in repository.review_log(s)]
        assert times == [NOW, NOW]
        assert_replay_matches(session)


def test_replay_reproduces_every_card_across_settings_changes():
    bank = make_bank("a", "b", "c")
    when = NOW
    ratings = [3, 1, 3, 4, 2, 3, 1, 1, 3, 4, 3, 2]
    for part, config in enumerate(("", "desired-retention = 0.8\nlearning-steps = \"2m 15m 1h\"\n",
                                   "fuzz = false\nrelearning-steps = \"5m 30m\"\n")):
        write_config(config)
        with open_session(OPTIONS, when, bank=bank) as session:
            for index, rating in enumerate(ratings):
                card = session.next_card(when)
                if card is None:
                    when += timedelta(days=3)
                    continue
                session.rate(card.card_id, rating, when, duration_ms=1000 * index)
                if index == 5:
                    session.undo(when)
                when += timedelta(minutes=7 + 60 * part)
            leftover = session.next_card(when)
            if leftover is not None:
                session.bury(leftover.card_id, when)
        when += timedelta(days=2)
    with open_session(SessionOptions(cram=True), when, bank=bank) as session:
        card = session.next_card(when)
        session.rate(card.card_id, 1, when)
        assert_replay_matches(session)
