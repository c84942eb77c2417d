"""What the review log tells: streaks, today's counts, and a full replay.

Replay rebuilds every card's fsrs state from the log alone, with the scheduler
configuration recorded on each row and the same reproducible fuzz as the live
rating (see ``fsrs_adapter``): it must reproduce the stored ``cards`` table, which
is both a test of the log's completeness and a way to re-derive states.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from llmconcepts.scheduling.fsrs_adapter import REVIEW, FsrsState, review, scheduler_from_config
from llmconcepts.storage import repository
from llmconcepts.storage.models import KIND_PRACTICE, KIND_RESET, STUDY_KINDS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from llmconcepts.scheduling.day import LearnerClock


def streak_days(session: Session, clock: LearnerClock, now: datetime) -> int:
    """Consecutive learner days with at least one rating (review or practice), ending today.

    A day without study yet does not break the streak until it is over: with nothing
    rated today the count ends yesterday. Walks back one index seek per day studied
    ("the last rating before this day's start"), never over the whole log.
    """
    today = clock.day_of(now)
    latest = repository.latest_rating_before(session, clock.day_end(today), STUDY_KINDS)
    if latest is None or clock.day_of(latest) < today - timedelta(days=1):
        return 0
    day = clock.day_of(latest)
    streak = 0
    while latest is not None and clock.day_of(latest) == day:
        streak += 1
        latest = repository.latest_rating_before(session, clock.day_start(day), STUDY_KINDS)
        day -= timedelta(days=1)
    return streak


@dataclass(frozen=True)
class TodayCounts:
    """Ratings of the learner day so far (kind "review" only: cram practice is not counted).

    Attributes:
        new: first ratings of new cards (against "new cards per day").
        reviews: ratings of cards in the Review state (against "reviews per day").
        review_again: of those, how many were Again (true retention = 1 - again/reviews).
    """

    day: date
    new: int
    reviews: int
    review_again: int

    @property
    def retention(self) -> float | None:
        return None if self.reviews == 0 else (self.reviews - self.review_again) / self.reviews


def today_counts(session: Session, clock: LearnerClock, now: datetime) -> TodayCounts:
    day, start, end = clock.today(now)
    new, reviews, again = repository.day_rating_counts(session, start, end)
    return TodayCounts(day=day, new=new, reviews=reviews, review_again=again)


@dataclass(frozen=True)
class ReplayedCard:
    """A card's state rebuilt from its log: fsrs state, reviews and lapses."""

    state: FsrsState
    reps: int
    lapses: int


def replay(session: Session) -> dict[str, ReplayedCard]:
    """Rebuild the state of every card that has history, from the log alone."""
    schedulers: dict[str | None, object] = {}
    cards: dict[str, ReplayedCard] = {}
    rows_seen: dict[str, int] = {}
    for entry in repository.review_log(session, kinds=None):
        current = cards.get(entry.card_id, ReplayedCard(FsrsState.new(), 0, 0))
        number = rows_seen.get(entry.card_id, 0)
        rows_seen[entry.card_id] = number + 1
        if entry.kind == KIND_PRACTICE:
            continue
        if entry.kind == KIND_RESET:
            cards[entry.card_id] = ReplayedCard(FsrsState.new(), 0, 0)
            continue
        assert entry.rating is not None
        if entry.scheduler_config not in schedulers:
            schedulers[entry.scheduler_config] = scheduler_from_config(entry.scheduler_config)
        after = review(schedulers[entry.scheduler_config], entry.card_id, number, current.state,
                       entry.rating, entry.reviewed_at)
        lapse = current.state.state == REVIEW and not current.state.is_new and entry.rating == 1
        cards[entry.card_id] = replace(
            current, state=after, reps=current.reps + 1, lapses=current.lapses + int(lapse)
        )
    return cards
