"""SQL aggregates behind the progress views. No Python loop ever walks the review log.

Every function takes an open SQLAlchemy ``Session`` (from ``Database.reading()``)
and UTC-aware instants. Learner days are turned into exact UTC ``[start, end)``
windows by :class:`~llmconcepts.scheduling.day.LearnerClock` (zoneinfo, so a day is
23 or 25 hours long when the clocks change); each window is then one indexed range
count in SQL. That is exact across daylight-saving changes and the rollover hour,
reads each rating at most once and from an index, and works on any SQL backend,
unlike date arithmetic on stored timestamps in SQL.

Indexes used: ``cards.due``; ``review_log(reviewed_at, kind, state_before, rating,
duration_ms)`` (migration ``0003_progress_stats``), which answers the log counts
from the index alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, case, exists, func, or_, select

from llmconcepts.scheduling.fsrs_adapter import LEARNING, RELEARNING, REVIEW
from llmconcepts.scheduling.history import STUDY_KINDS
from llmconcepts.storage.models import KIND_REVIEW, CardRow, ConceptLayerRow, LayerRow, ReviewLogRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from llmconcepts.scheduling.day import LearnerClock

#: A review card whose FSRS stability is at least this many days counts as mature, i.e.
#: mastered. Anki calls a card mature at an interval of 21 days or more (Anki manual,
#: "Statistics": card counts); FSRS stability is the interval at which recall falls to
#: 90 % (Ye et al., FSRS), so at the default desired retention 0.9 the two coincide.
MATURE_STABILITY_DAYS = 21.0

_ACTIVE = and_(CardRow.suspended.is_(False), CardRow.hidden.is_(False))


def _sum(condition) -> object:  # noqa: ANN001 - a SQL boolean expression
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# -- review log ---------------------------------------------------------------------------

#: Learner days per statement of :func:`study_per_day` (3 bound parameters each): stays
#: under the 999-parameter limit of older SQLite builds.
_DAYS_PER_QUERY = 300


@dataclass(frozen=True)
class DayStudy:
    """Study ratings (review and practice) of one learner day and their summed duration."""

    ratings: int
    milliseconds: int


def first_study(session: Session) -> datetime | None:
    """Time of the earliest study rating (review or practice), or None (one index seek)."""
    query = (
        select(ReviewLogRow.reviewed_at)
        .where(ReviewLogRow.kind.in_(STUDY_KINDS))
        .order_by(ReviewLogRow.reviewed_at)
        .limit(1)
    )
    return session.scalar(query)


def study_per_day(session: Session, clock: LearnerClock, days: Sequence[date]) -> dict[date, DayStudy]:
    """Study ratings and their durations on each of ``days`` (consecutive learner days);
    days without study are left out.

    Each day becomes its exact UTC window (``clock.day_start`` .. ``day_end``); the
    windows go to the database as a VALUES list, and for each window one correlated
    subquery reads its range of the covering index on ``review_log(reviewed_at, kind,
    ..., duration_ms)``. Every rating is read once, from the index, and nothing is
    sorted (a GROUP BY over the join sorts every rating: three times slower on a
    million ratings).
    """
    from sqlalchemy import Integer, String, cast, column, values

    from llmconcepts.storage.types import UTCDateTime

    log = ReviewLogRow
    result: dict[date, DayStudy] = {}
    for chunk_start in range(0, len(days), _DAYS_PER_QUERY):
        chunk = days[chunk_start:chunk_start + _DAYS_PER_QUERY]
        windows = values(
            column("number", Integer), column("start", UTCDateTime), column("end", UTCDateTime), name="windows"
        ).data([(number, clock.day_start(day), clock.day_end(day)) for number, day in enumerate(chunk)]).cte()
        # A scalar subquery returns one value, so count and summed time travel as the text
        # "<count> <milliseconds>": one pass over each day's index range instead of two.
        summary = (
            select(cast(func.count(), String) + " " + cast(func.coalesce(func.sum(log.duration_ms), 0), String))
            .where(log.reviewed_at >= windows.c.start, log.reviewed_at < windows.c.end, log.kind.in_(STUDY_KINDS))
            .scalar_subquery()
        )
        for number, text in session.execute(select(windows.c.number, summary)):
            ratings, milliseconds = (int(part) for part in text.split())
            if ratings:
                result[chunk[number]] = DayStudy(ratings, milliseconds)
    return result


@dataclass(frozen=True)
class RetentionCounts:
    """Review-state ratings (kind "review", card in the Review state) and how many passed.

    True retention (Anki manual, "Statistics": "True Retention") is the share of those
    ratings that were not Again; learning steps and cram practice do not count.
    """

    reviews: int
    passed: int

    @property
    def rate(self) -> float | None:
        """passed / reviews, or None when there were no review-state ratings."""
        return self.passed / self.reviews if self.reviews else None


def retention_counts(session: Session, start: datetime, end: datetime) -> RetentionCounts:
    """True-retention counts for ratings in ``[start, end)``, from the index alone.

    A card in the Review state has always been rated before (a reset makes it new,
    state Learning), so ``state_before = Review`` alone selects review-state ratings.
    """
    log = ReviewLogRow
    query = select(func.count(), _sum(log.rating == 1)).where(
        log.reviewed_at >= start, log.reviewed_at < end,
        log.kind == KIND_REVIEW, log.state_before == REVIEW,
    )
    reviews, again = session.execute(query).one()
    return RetentionCounts(int(reviews), int(reviews) - int(again))


# -- cards --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueCounts:
    """Active (not suspended, hidden or buried) scheduled cards due in a window, by kind.

    ``learning`` counts the Learning and Relearning states; ``review`` the Review state.
    """

    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.learning + self.review


def due_now_and_later(session: Session, now: datetime, day_end: datetime) -> tuple[DueCounts, DueCounts]:
    """(due at or before ``now``, due after ``now`` and before ``day_end``); buried cards
    are left out as a study session leaves them out."""
    card = CardRow
    is_review = card.state == REVIEW
    is_now = card.due <= now
    query = select(
        _sum(is_now & ~is_review), _sum(is_now & is_review),
        _sum(~is_now & ~is_review), _sum(~is_now & is_review),
    ).where(
        card.due < day_end, _ACTIVE,
        or_(card.buried_until.is_(None), card.buried_until <= now),
    )
    now_learning, now_review, later_learning, later_review = (int(v) for v in session.execute(query).one())
    return DueCounts(now_learning, now_review), DueCounts(later_learning, later_review)


_DUE_BETWEEN = (
    select(func.count())
    .select_from(CardRow)
    .where(CardRow.due >= bindparam("start"), CardRow.due < bindparam("end"), _ACTIVE)
)


def due_per_window(session: Session, boundaries: Sequence[datetime]) -> list[int]:
    """Active scheduled cards due in each ``[boundaries[i], boundaries[i+1])`` (index on due)."""
    connection = session.connection()
    return [
        int(connection.execute(_DUE_BETWEEN, {"start": start, "end": end}).scalar_one())
        for start, end in zip(boundaries, boundaries[1:])
    ]


def new_cards_available(session: Session, cap: int) -> int:
    """Active new cards, counted up to ``cap`` (today's new-card quota).

    A new card is always in the Learning state, so the index on ``state`` narrows the
    search to new and learning cards, and the count stops once the quota is covered.
    """
    if cap <= 0:
        return 0
    inner = (
        select(CardRow.id)
        .where(CardRow.state == LEARNING, CardRow.last_review.is_(None), _ACTIVE)
        .limit(cap)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def any_studied(session: Session) -> bool:
    """True once any card (hidden ones aside) has been studied; stops at the first."""
    query = select(exists().where(CardRow.last_review.is_not(None), CardRow.hidden.is_(False)))
    return bool(session.scalar(query))


@dataclass(frozen=True)
class CardCounts:
    """Cards (hidden ones excluded) by memory state, with two flags counted apart.

    ``new + learning + relearning + young + mature == total``. ``young`` and ``mature``
    split the Review state at :data:`MATURE_STABILITY_DAYS`. ``suspended`` and
    ``leeches`` count cards of any state carrying that flag.
    """

    total: int = 0
    new: int = 0
    learning: int = 0
    relearning: int = 0
    young: int = 0
    mature: int = 0
    suspended: int = 0
    leeches: int = 0
    stability_sum: float = 0.0
    stability_count: int = 0

    @property
    def started(self) -> int:
        """Cards studied at least once."""
        return self.total - self.new

    @property
    def mean_stability(self) -> float | None:
        """Mean FSRS stability in days of the cards that have one (studied cards)."""
        return self.stability_sum / self.stability_count if self.stability_count else None

    def __add__(self, other: CardCounts) -> CardCounts:
        return CardCounts(*(a + b for a, b in zip(_values(self), _values(other))))


def _values(counts: CardCounts) -> tuple:
    return (counts.total, counts.new, counts.learning, counts.relearning, counts.young, counts.mature,
            counts.suspended, counts.leeches, counts.stability_sum, counts.stability_count)


@dataclass(frozen=True)
class LayerCounts:
    """Card counts of one layer. ``layer_id`` None gathers cards whose concept has no
    recorded layer (a database not yet synced with the bank)."""

    layer_id: str | None
    title: str
    counts: CardCounts


def _card_count_columns() -> tuple:
    card = CardRow
    is_new = card.last_review.is_(None)
    studied = card.last_review.is_not(None)
    in_review = studied & (card.state == REVIEW)
    mature = in_review & (card.stability >= MATURE_STABILITY_DAYS)
    return (
        func.count(), _sum(is_new), _sum(studied & (card.state == LEARNING)),
        _sum(studied & (card.state == RELEARNING)), _sum(in_review & ~mature), _sum(mature),
        _sum(card.suspended.is_(True)), _sum(card.leech.is_(True)),
        func.coalesce(func.sum(card.stability), 0.0), func.count(card.stability),
    )


def card_counts_by_layer(session: Session) -> list[LayerCounts]:
    """Card counts of every layer in study order (layers with no cards included), then
    one entry for cards without a recorded layer if there are any. One GROUP BY."""
    query = (
        select(ConceptLayerRow.layer_id, *_card_count_columns())
        .select_from(CardRow)
        .outerjoin(ConceptLayerRow, ConceptLayerRow.concept_id == CardRow.concept_id)
        .where(CardRow.hidden.is_(False))
        .group_by(ConceptLayerRow.layer_id)
    )
    by_layer = {}
    for layer_id, *counts, stability_sum, stability_count in session.execute(query):
        by_layer[layer_id] = CardCounts(*(int(count) for count in counts), float(stability_sum), int(stability_count))
    layers = session.execute(select(LayerRow.id, LayerRow.title).order_by(LayerRow.position)).all()
    result = [LayerCounts(layer_id, title, by_layer.pop(layer_id, CardCounts())) for layer_id, title in layers]
    unsorted = CardCounts()
    for counts in by_layer.values():  # no layer row: not synced yet, or a layer since removed
        unsorted = unsorted + counts
    if unsorted.total:
        result.append(LayerCounts(None, "Not yet sorted into a layer", unsorted))
    return result
