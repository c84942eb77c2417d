"""Every scheduling decision goes through the ``fsrs`` package (py-fsrs, FSRS-6).

This module converts between stored card state and ``fsrs.Card``, builds the
``fsrs.Scheduler`` from the settings, and makes interval fuzz reproducible.

Fuzz: py-fsrs spreads review intervals with the module-global ``random.random()``
(``Scheduler._get_fuzzed_interval``). To make the intervals previewed on the
rating buttons equal what the rating then gives, and a log replay reproduce every
stored due date, the global generator is seeded from the card id and the number
of earlier reviews of that card, and its previous state is restored afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fsrs import Scheduler

    from llmconcepts.scheduling.settings import Settings

LEARNING, REVIEW, RELEARNING = 1, 2, 3  # fsrs.State values, stored as integers
RATINGS = (1, 2, 3, 4)  # fsrs.Rating: Again, Hard, Good, Easy


@dataclass(frozen=True)
class FsrsState:
    """The fsrs package's card state, as stored. A new card has no last review and no due."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime | None
    last_review: datetime | None

    @classmethod
    def new(cls) -> FsrsState:
        """A never-reviewed card: fsrs Learning state, step 0, no memory state yet."""
        return cls(LEARNING, 0, None, None, None, None)

    @property
    def is_new(self) -> bool:
        return self.last_review is None


def build_scheduler(settings: Settings) -> Scheduler:
    """The fsrs Scheduler for these settings (package default weights unless set)."""
    from fsrs import Scheduler
    from fsrs.scheduler import DEFAULT_PARAMETERS

    return Scheduler(
        parameters=settings.fsrs_parameters or DEFAULT_PARAMETERS,
        desired_retention=settings.desired_retention,
        learning_steps=settings.learning_steps,
        relearning_steps=settings.relearning_steps,
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=settings.fuzz,
    )


def scheduler_from_config(config: str | None) -> Scheduler:
    """A Scheduler from its stored JSON (``Scheduler.to_json``); None = package defaults."""
    from fsrs import Scheduler

    return Scheduler.from_json(config) if config else Scheduler()


def scheduler_config(scheduler: Scheduler) -> str:
    """Canonical JSON of a scheduler configuration (stored once per distinct value)."""
    import json

    return json.dumps(scheduler.to_dict(), sort_keys=True)


@contextmanager
def _seeded_fuzz(card_id: str, history_length: int) -> Iterator[None]:
    saved = random.getstate()
    random.seed(f"llmc-fuzz:{card_id}:{history_length}")  # str seeds hash with SHA-512: stable across runs
    try:
        yield
    finally:
        random.setstate(saved)


def review(
    scheduler: Scheduler,
    card_id: str,
    history_length: int,
    before: FsrsState,
    rating: int,
    at: datetime,
) -> FsrsState:
    """The state after rating a card at ``at``, as the fsrs package computes it.

    Args:
        scheduler: the fsrs Scheduler in force.
        card_id: the card (seeds the fuzz).
        history_length: how many log rows (reviews, practice, resets) this card had before
            this one (seeds the fuzz).
        before: the card's state before the rating.
        rating: 1 Again, 2 Hard, 3 Good, 4 Easy.
        at: review time, UTC-aware (any aware datetime is converted).

    Returns:
        The new state; ``due`` and ``last_review`` are UTC-aware.
    """
    from fsrs import Card, Rating, State

    at = at.astimezone(timezone.utc)
    card = Card(
        card_id=0,
        state=State(before.state),
        step=before.step,
        stability=before.stability,
        difficulty=before.difficulty,
        due=before.due or at,
        last_review=before.last_review,
    )
    with _seeded_fuzz(card_id, history_length):
        after, _log = scheduler.review_card(card, Rating(rating), review_datetime=at)
    return FsrsState(
        int(after.state), after.step, after.stability, after.difficulty, after.due, after.last_review
    )


def preview(
    scheduler: Scheduler, card_id: str, history_length: int, before: FsrsState, at: datetime
) -> dict[int, timedelta]:
    """Rating 1..4 -> the interval that rating would give at ``at`` (Anki's button labels)."""
    result = {}
    for rating in RATINGS:
        after = review(scheduler, card_id, history_length, before, rating, at)
        assert after.due is not None
        result[rating] = after.due - at
    return result


def retrievability(scheduler: Scheduler, state: FsrsState, at: datetime) -> float | None:
    """FSRS retrievability (recall probability) at ``at``; None for a new card."""
    from fsrs import Card, State

    if state.is_new or state.stability is None:
        return None
    card = Card(
        card_id=0, state=State(state.state), step=state.step, stability=state.stability,
        difficulty=state.difficulty, due=state.due or at, last_review=state.last_review,
    )
    return float(scheduler.get_card_retrievability(card, at.astimezone(timezone.utc)))
