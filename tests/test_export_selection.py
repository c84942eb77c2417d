"""Which cards an export holds: due today on the learner's day (rollover hour, time
zone), layers and concepts as typed, all; buried and suspended cards left out.

The schedule is made by rating cards through the study session (the real fsrs
scheduler) at a fixed time, with the default learning steps 1m 10m (Anki's): Good
on a new card moves it to the 10-minute step; Easy graduates it to review with
an interval of days.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from export_helpers import T1, export, fixture_bank
from sched_helpers import write_config

from llmconcepts.cardbank.lookup import UnknownLayerError
from llmconcepts.errors import ExportError, UnknownConceptError
from llmconcepts.export.selection import ExportScope, select_cards
from llmconcepts.scheduling import admin
from llmconcepts.scheduling.day import LearnerClock
from llmconcepts.scheduling.session import SessionOptions, open_session

UTC_CLOCK = LearnerClock(timezone.utc, rollover_hour=4)


@pytest.fixture
def bank():
    return fixture_bank()


@pytest.fixture
def studied(bank):
    """At T1 (09:00 UTC): alpha/mechanism Good (due 09:10), alpha/trade_off Easy (due in
    days), gamma/mechanism Good then buried, beta/mechanism Good then suspended."""
    write_config('timezone = "UTC"\n')
    with open_session(SessionOptions(), T1, bank=bank) as session:
        session.rate("alpha-concept/mechanism", 3, T1)
        session.rate("alpha-concept/trade_off", 4, T1)
        session.rate("gamma-concept/mechanism", 3, T1)
        session.bury("gamma-concept/mechanism", T1)
        session.rate("beta-concept/mechanism", 3, T1)
    admin.suspend("beta-concept/mechanism", T1, bank=bank)
    return bank


def ids(selection) -> list[str]:
    return [card.id for card in selection.cards]


def test_due_today_is_the_learning_card_only(studied):
    selection = select_cards(studied, ExportScope(), T1 + timedelta(hours=1), UTC_CLOCK)
    assert ids(selection) == ["alpha-concept/mechanism"]


def test_due_today_runs_until_the_rollover_hour_of_the_next_calendar_day(studied):
    before_rollover = datetime(2026, 5, 5, 3, 59, tzinfo=timezone.utc)
    selection = select_cards(studied, ExportScope(), before_rollover, UTC_CLOCK)
    assert selection.learner_day.isoformat() == "2026-05-04"
    # The burial ends when the next learner day starts (04:00), so gamma is still hidden.
    assert ids(selection) == ["alpha-concept/mechanism"]
    after_rollover = datetime(2026, 5, 5, 4, 0, tzinfo=timezone.utc)
    selection = select_cards(studied, ExportScope(), after_rollover, UTC_CLOCK)
    assert selection.learner_day.isoformat() == "2026-05-05"
    assert ids(selection) == ["alpha-concept/mechanism", "gamma-concept/mechanism"]


def test_nothing_is_due_before_anything_was_studied(bank):
    assert ids(select_cards(bank, ExportScope(), T1, UTC_CLOCK)) == []


def test_layers_and_concepts_are_a_union_in_curriculum_order(bank):
    scope = ExportScope(layers=("Serving::Ops",), concepts=("alpha concept",), due=False)
    assert ids(select_cards(bank, scope, T1, UTC_CLOCK)) == [
        "alpha-concept/mechanism", "alpha-concept/trade_off", "alpha-concept/failure_mode",
        "gamma-concept/mechanism", "gamma-concept/trade_off", "gamma-concept/failure_mode",
    ]


def test_everything_lists_the_learners_layer_in_its_place(bank):
    selection = select_cards(bank, ExportScope(due=False), T1, UTC_CLOCK)
    concepts = list(dict.fromkeys(card.card.concept.id for card in selection.cards))
    # foundations (order 1), my-notes (the learner's, order 1: after the built-in one), serving-ops (2)
    assert concepts == ["alpha-concept", "beta-concept", "tricky-text", "gamma-concept"]


def test_due_within_a_layer(studied):
    scope = ExportScope(layers=("foundations",), due=True)
    assert ids(select_cards(studied, scope, T1 + timedelta(hours=1), UTC_CLOCK)) == ["alpha-concept/mechanism"]
    scope = ExportScope(layers=("serving-ops",), due=True)
    assert ids(select_cards(studied, scope, T1 + timedelta(hours=1), UTC_CLOCK)) == []


def test_names_forgive_typos_and_unknown_ones_are_refused_with_suggestions(bank):
    assert ids(select_cards(bank, ExportScope(layers=("foundatoins",), due=False), T1, UTC_CLOCK))[0] == \
        "alpha-concept/mechanism"  # a small typo is forgiven
    with pytest.raises(UnknownLayerError, match="no layer matches 'retrieval'.* Layers: foundations, my-notes"):
        select_cards(bank, ExportScope(layers=("retrieval",)), T1, UTC_CLOCK)
    with pytest.raises(UnknownConceptError, match="no concept matches 'transformer'. Did you mean"):
        select_cards(bank, ExportScope(concepts=("transformer",)), T1, UTC_CLOCK)


def test_default_file_is_dated_with_the_learner_day_in_the_learners_zone(tmp_path):
    write_config('timezone = "America/New_York"\n')
    # 07:30 UTC is 03:30 EDT (UTC-4 in May): before the 4 am rollover, so still May 3rd.
    result = export("anki", tmp_path, now=datetime(2026, 5, 4, 7, 30, tzinfo=timezone.utc))
    assert result.path.name == "llmc-2026-05-03.apkg"
    # 08:00 UTC is 04:00 EDT: the learner's May 4th has begun.
    result = export("csv", tmp_path, now=datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc))
    assert result.path.name == "llmc-2026-05-04.csv"


def test_an_empty_due_selection_says_how_to_export_everything(tmp_path, bank):
    folder = tmp_path / "out"
    with pytest.raises(ExportError) as raised:
        export("anki", folder, scope=ExportScope())
    assert str(raised.value) == (
        "nothing is due today (learner day 2026-05-04; a new card is due once `llmc study` has introduced it); "
        "`llmc export anki --all` exports every card"
    )
    with pytest.raises(ExportError, match="nothing from serving-ops is due today .* leave out --due"):
        export("json", folder, scope=ExportScope(layers=("serving ops",)))
    assert list(folder.iterdir()) == []
