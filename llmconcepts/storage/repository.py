"""Read-only queries over the review database, for the scheduler, export and stats.

Every function takes an open SQLAlchemy ``Session`` (from ``Database.reading()``)
and returns plain frozen dataclasses with UTC-aware datetimes, so callers never
hold ORM objects. Queries use the indexes on ``cards.due``, ``cards.state``,
``review_log.reviewed_at`` and ``review_log(card_id, id)``; counts are SQL
aggregates, never Python loops over the log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, bindparam, case, exists, func, select, true
from sqlalchemy.orm import Session

from llmconcepts.storage.models import KIND_REVIEW, CardRow, ReviewLogRow

if TYPE_CHECKING:
    from sqlalchemy.sql.base import ReadOnlyColumnCollection

STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}
LEARNING_STATE, REVIEW_STATE = 1, 2  # fsrs.State values, as stored
_CHUNK = 500  # stays under SQLite's bound-parameter limit


@dataclass(frozen=True)
class CardRecord:
    """One card's stored state.

    ``state`` is the fsrs State value (1 Learning, 2 Review, 3 Relearning); a card
    never reviewed is "new": ``last_review`` and ``due`` are None. ``hidden`` marks a
    card whose concept left the bank (its history is kept).
    """

    id: str
    concept_id: str
    facet: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime | None
    last_review: datetime | None
    reps: int
    lapses: int
    suspended: bool
    leech: bool
    buried_until: datetime | None
    hidden: bool
    added_at: datetime

    @property
    def is_new(self) -> bool:
        return self.last_review is None

    @property
    def state_name(self) -> str:
        """"new", "learning", "review" or "relearning"."""
        return "new" if self.is_new else STATE_NAMES[self.state]

    def is_buried(self, now: datetime) -> bool:
        return self.buried_until is not None and self.buried_until > now


@dataclass(frozen=True)
class LogEntry:
    """One row of the review log (kind "review", "practice" or "reset")."""

    id: int
    card_id: str
    kind: str
    rating: int | None
    reviewed_at: datetime
    duration_ms: int | None
    answer: str
    covered: tuple[str, ...]
    state_before: int
    step_before: int | None
    stability_before: float | None
    difficulty_before: float | None
    due_before: datetime | None
    last_review_before: datetime | None
    state_after: int
    step_after: int | None
    stability_after: float | None
    difficulty_after: float | None
    due_after: datetime | None
    last_review_after: datetime | None
    scheduler_config: str | None

    @property
    def was_new(self) -> bool:
        """The card had never been reviewed before this rating."""
        return self.last_review_before is None


CARD_COLUMNS = tuple(c.key for c in CardRow.__table__.columns)
assert CARD_COLUMNS == tuple(f.name for f in fields(CardRecord)), "CardRecord must list the cards columns in order"


def card_record(row: CardRow) -> CardRecord:
    return CardRecord(**{name: getattr(row, name) for name in CARD_COLUMNS})


def get_card(session: Session, card_id: str) -> CardRecord | None:
    """The card with that id, or None."""
    row = session.get(CardRow, card_id)
    return card_record(row) if row is not None else None


def load_cards(
    session: Session, card_ids: Iterable[str] | None = None, *, include_hidden: bool = False
) -> list[CardRecord]:
    """Cards by id (all when ``card_ids`` is None), ordered by id.

    Reads plain rows (no ORM objects): this runs before every card shown."""
    table = CardRow.__table__
    base = select(*table.columns)
    if not include_hidden:
        base = base.where(table.c.hidden.is_(False))
    if card_ids is None:
        return [CardRecord(*row) for row in session.execute(base.order_by(table.c.id))]
    ids = list(card_ids)
    records: list[CardRecord] = []
    for start in range(0, len(ids), _CHUNK):
        query = base.where(table.c.id.in_(ids[start : start + _CHUNK]))
        records.extend(CardRecord(*row) for row in session.execute(query))
    return sorted(records, key=lambda record: record.id)


def new_card_states(session: Session) -> Iterator[tuple[str, bool, datetime | None]]:
    """(id, suspended, buried until) of every unhidden new card: only what a queue needs
    of them, so a bank of many unseen cards is read quickly. Streams."""
    table = CardRow.__table__
    query = select(table.c.id, table.c.suspended, table.c.buried_until).where(
        table.c.hidden.is_(False), table.c.last_review.is_(None)
    )
    yield from session.execute(query.execution_options(yield_per=5000))  # rows unpack as tuples


def scheduled_cards(session: Session, due_before: datetime | None) -> Iterator[CardRecord]:
    """Unhidden cards already reviewed, due before ``due_before`` (all of them when None).
    Streams."""
    table = CardRow.__table__
    query = select(*table.columns).where(table.c.hidden.is_(False), table.c.last_review.is_not(None))
    if due_before is not None:
        query = query.where(table.c.due < due_before)
    for row in session.execute(query.execution_options(yield_per=2000)):
        yield CardRecord(*row)


def concept_cards(session: Session, concept_id: str) -> list[CardRecord]:
    """The unhidden cards of one concept, by id (an index seek on ``cards.concept_id``)."""
    table = CardRow.__table__
    query = (
        select(*table.columns)
        .where(table.c.concept_id == concept_id, table.c.hidden.is_(False))
        .order_by(table.c.id)
    )
    return [CardRecord(*row) for row in session.execute(query)]


def concept_flags(session: Session) -> Iterator[tuple[str, bool, bool]]:
    """(concept id, introduced, usable) per concept over its unhidden cards: introduced when
    any card has been reviewed, usable when any card is not suspended. One grouped pass."""
    table = CardRow.__table__
    query = select(
        table.c.concept_id,
        func.max(case((table.c.last_review.is_not(None), 1), else_=0)),
        func.max(case((table.c.suspended.is_(False), 1), else_=0)),
    ).where(table.c.hidden.is_(False)).group_by(table.c.concept_id)
    for concept_id, introduced, usable in session.execute(query):
        yield concept_id, bool(introduced), bool(usable)


def change_marker(session: Session) -> tuple[object, int] | None:
    """Something that differs after any other connection (another llmc process, or another
    open database in this one) committed to the database; None when the backend cannot tell.

    SQLite's ``PRAGMA data_version`` on the session's connection: the value changes when a
    different connection commits, never for the connection's own commits. It is only
    comparable on one connection, so the marker holds the DBAPI connection too (compare
    with :func:`same_marker`).
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    version = connection.exec_driver_sql("PRAGMA data_version").scalar()
    return connection.connection.dbapi_connection, int(version)


def same_marker(first: tuple[object, int] | None, second: tuple[object, int] | None) -> bool:
    """True when two :func:`change_marker` values prove nothing else wrote in between."""
    return first is not None and second is not None and first[0] is second[0] and first[1] == second[1]


def cards_due(session: Session, until: datetime) -> list[CardRecord]:
    """Scheduled cards (learning, review, relearning) due before ``until``, earliest first.

    Suspended and hidden cards are left out; buried ones are kept (callers decide).
    Pass the end of the learner's day for "due today".
    """
    table = CardRow.__table__
    query = (
        select(*table.columns)
        .where(table.c.due < until, table.c.suspended.is_(False), table.c.hidden.is_(False))
        .order_by(table.c.due, table.c.id)
    )
    return [CardRecord(*row) for row in session.execute(query)]


def next_due(session: Session) -> datetime | None:
    """The earliest due time of any active scheduled card (may be in the past)."""
    query = select(func.min(CardRow.due)).where(
        CardRow.suspended.is_(False), CardRow.hidden.is_(False)
    )
    value = session.scalar(query)
    return _utc(value)


@dataclass(frozen=True)
class ActiveCounts:
    """Unhidden scheduled cards neither suspended nor buried at a moment, counted in one pass.

    Attributes:
        learning_due: learning and relearning cards due by then.
        reviews_due: review cards due by then.
        next_due: the earliest due time among them (None: none is scheduled).
    """

    learning_due: int
    reviews_due: int
    next_due: datetime | None


def active_counts(session: Session, now: datetime) -> ActiveCounts:
    """:class:`ActiveCounts` at ``now``: one aggregate statement over the cards table."""
    cards = CardRow.__table__.c
    due_now = cards.last_review.is_not(None) & (cards.due <= now)
    query = select(
        _count_where(due_now & (cards.state != REVIEW_STATE)),
        _count_where(due_now & (cards.state == REVIEW_STATE)),
        func.min(cards.due),
    ).where(_active(now))
    learning, reviews, first_due = session.execute(query).one()
    return ActiveCounts(int(learning), int(reviews), _utc(first_due))


def _active(
    now: datetime, cards: ReadOnlyColumnCollection[str, Any] = CardRow.__table__.c
) -> ColumnElement[bool]:
    """SQL: the card (of the ``cards`` table or an alias's columns) is neither hidden,
    suspended nor buried at ``now``."""
    return (
        cards.hidden.is_(False)
        & cards.suspended.is_(False)
        & (cards.buried_until.is_(None) | (cards.buried_until <= now))
    )


def _studied_concepts(start: datetime, end: datetime) -> Select[tuple[str]]:
    """SQL: concept ids of the cards rated in ``[start, end)`` that are not new again.

    Ratings are the "review" rows, as the daily limits count them (cram practice and
    resets move no schedule). A card reset since is new again, and its rating no longer
    counts. Read through the index on ``review_log.reviewed_at``: only that day's rows."""
    cards, log = CardRow.__table__, ReviewLogRow.__table__
    return (
        select(cards.c.concept_id)
        .select_from(log.join(cards, log.c.card_id == cards.c.id))
        .where(log.c.reviewed_at >= start, log.c.reviewed_at < end, log.c.kind == KIND_REVIEW,
               cards.c.last_review.is_not(None))
    )


def studied_concepts(
    session: Session, start: datetime, end: datetime, *, concept: str | None = None
) -> set[str]:
    """Concepts with a card rated in ``[start, end)`` (see :func:`_studied_concepts`); with
    ``concept``, that one concept or nothing."""
    query = _studied_concepts(start, end).distinct()
    if concept is not None:
        query = query.where(CardRow.__table__.c.concept_id == concept)
    return set(session.scalars(query))


def new_cards_open(
    session: Session, now: datetime, day_start: datetime, day_end: datetime, *, review_quota: int, cap: int
) -> int:
    """New cards the whole bank's queue can still bring in the learner day ``[day_start,
    day_end)``, at most ``cap`` (today's new-card quota).

    The same rule as ``QueueIndex`` (``scheduling/queue.py``): one card per concept that
    has a new card active at ``now`` and is not held back until tomorrow, i.e. has no
    card rated today (see :func:`_studied_concepts`), no active learning card or
    review (within ``review_quota``, earliest due first) due before the day ends, and no
    new card buried at ``now``.
    Concepts still waiting for their prerequisites count: studying the prerequisites'
    first cards unlocks them today.

    Two statements, each bounded by what it returns rather than by the backlog: the due
    time and id of the last review the quota takes (the due index walked ``review_quota``
    rows), then the new cards through the index on ``cards.state`` (a new card is in the
    Learning state), each checked against its own concept's few cards (the index on
    ``cards.concept_id``), stopping at ``cap`` concepts.
    """
    if cap <= 0:
        return 0
    table, log = CardRow.__table__, ReviewLogRow.__table__
    card, sibling = table.c, table.alias("sibling").c
    holds = sibling.state != REVIEW_STATE
    if review_quota > 0:
        # "state + 0" keeps SQLite on the due index (in order, stopping at the quota)
        # rather than reading every Review card through the state index and sorting them
        last_taken = session.execute(
            select(card.due, card.id)
            .where(card.last_review.is_not(None), card.due < day_end, _active(now, card),
                   (card.state + 0) == REVIEW_STATE)
            .order_by(card.due, card.id).offset(review_quota - 1).limit(1)
        ).first()
        within_quota = true() if last_taken is None else (sibling.due < last_taken.due) | (
            (sibling.due == last_taken.due) & (sibling.id <= last_taken.id))
        holds = holds | within_quota
    rated_today = exists().where(
        log.c.card_id == sibling.id, log.c.reviewed_at >= day_start, log.c.reviewed_at < day_end,
        log.c.kind == KIND_REVIEW,
    )
    buried_new = (sibling.last_review.is_(None) & sibling.hidden.is_(False) & sibling.suspended.is_(False)
                  & (sibling.buried_until > now))
    held_back = exists().where(
        sibling.concept_id == card.concept_id,
        (sibling.last_review.is_not(None) & (((sibling.due < day_end) & _active(now, sibling) & holds) | rated_today))
        | buried_new,
    )
    open_concepts = (
        select(card.concept_id)
        .where(card.state == LEARNING_STATE, card.last_review.is_(None), _active(now, card), ~held_back)
        .distinct()
        .limit(cap)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(open_concepts)) or 0)


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: the number of rows meeting ``condition`` (0 for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _utc(value: datetime | str | None) -> datetime | None:
    """Aggregates bypass the column type: re-attach UTC (SQLite returns text here)."""
    from datetime import timezone

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def review_log(
    session: Session,
    *,
    card_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Sequence[str] | None = (KIND_REVIEW,),
) -> Iterator[LogEntry]:
    """Log rows in insertion order, filtered by card, time range ``[since, until)`` and kind
    (``kinds=None`` for every kind). Streams: safe on a million rows."""
    from llmconcepts.storage.models import SchedulerConfigRow

    query = (
        select(ReviewLogRow, SchedulerConfigRow.config)
        .outerjoin(SchedulerConfigRow, SchedulerConfigRow.id == ReviewLogRow.scheduler_id)
        .order_by(ReviewLogRow.id)
    )
    if card_id is not None:
        query = query.where(ReviewLogRow.card_id == card_id)
    if since is not None:
        query = query.where(ReviewLogRow.reviewed_at >= since)
    if until is not None:
        query = query.where(ReviewLogRow.reviewed_at < until)
    if kinds is not None:
        query = query.where(ReviewLogRow.kind.in_(list(kinds)))
    for row, config in session.execute(query.execution_options(yield_per=1000)):
        yield log_entry(row, config)


def log_entry(row: ReviewLogRow, config: str | None) -> LogEntry:
    return LogEntry(
        id=row.id, card_id=row.card_id, kind=row.kind, rating=row.rating,
        reviewed_at=row.reviewed_at, duration_ms=row.duration_ms, answer=row.answer,
        covered=tuple(json.loads(row.covered)),
        state_before=row.state_before, step_before=row.step_before,
        stability_before=row.stability_before, difficulty_before=row.difficulty_before,
        due_before=row.due_before, last_review_before=row.last_review_before,
        state_after=row.state_after, step_after=row.step_after,
        stability_after=row.stability_after, difficulty_after=row.difficulty_after,
        due_after=row.due_after, last_review_after=row.last_review_after,
        scheduler_config=config,
    )


def count_ratings(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    kinds: Sequence[str] = (KIND_REVIEW,),
    new_only: bool = False,
    state_before: int | None = None,
    rating: int | None = None,
    card_ids: Sequence[str] | None = None,
) -> int:
    """Number of log rows with ``start <= reviewed_at < end`` matching the filters.

    Args:
        new_only: only first ratings of new cards (counts against "new cards per day").
        state_before: only ratings of cards in that fsrs state (2 = review-state ratings,
            which count against "reviews per day" and define true retention).
        rating: only that rating (1 = Again).
        card_ids: only these cards.
    """
    query = select(func.count()).select_from(ReviewLogRow).where(
        ReviewLogRow.reviewed_at >= start,
        ReviewLogRow.reviewed_at < end,
        ReviewLogRow.kind.in_(list(kinds)),
    )
    if new_only:
        query = query.where(ReviewLogRow.last_review_before.is_(None))
    if state_before is not None:
        query = query.where(ReviewLogRow.state_before == state_before, ReviewLogRow.last_review_before.is_not(None))
    if rating is not None:
        query = query.where(ReviewLogRow.rating == rating)
    if card_ids is not None:
        query = query.where(ReviewLogRow.card_id.in_(list(card_ids)))
    return int(session.scalar(query) or 0)


def day_rating_counts(session: Session, start: datetime, end: datetime) -> tuple[int, int, int]:
    """(first ratings of new cards, ratings of Review-state cards, of those the Agains) among
    the "review" rows in ``[start, end)``: one indexed pass for the daily limits and retention."""
    log = ReviewLogRow
    was_new = log.last_review_before.is_(None)
    in_review = (log.state_before == 2) & log.last_review_before.is_not(None)
    query = select(
        func.coalesce(func.sum(case((was_new, 1), else_=0)), 0),
        func.coalesce(func.sum(case((in_review, 1), else_=0)), 0),
        func.coalesce(func.sum(case((in_review & (log.rating == 1), 1), else_=0)), 0),
    ).where(log.reviewed_at >= start, log.reviewed_at < end, log.kind == KIND_REVIEW)
    new, reviews, again = session.execute(query).one()
    return int(new), int(reviews), int(again)


def count_ratings_per_interval(
    session: Session, boundaries: Sequence[datetime], *, kinds: Sequence[str] = (KIND_REVIEW,)
) -> list[int]:
    """Ratings in each ``[boundaries[i], boundaries[i+1])``: pass learner-day starts for
    reviews per day. One indexed count per interval, so exact in any time zone."""
    return [
        count_ratings(session, start, end, kinds=kinds)
        for start, end in zip(boundaries, boundaries[1:])
    ]


_LATEST_BEFORE = (  # built once: streaks call it once per day studied
    select(ReviewLogRow.__table__.c.reviewed_at)
    .where(
        ReviewLogRow.__table__.c.reviewed_at < bindparam("before"),
        ReviewLogRow.__table__.c.kind.in_(bindparam("kinds", expanding=True)),
    )
    .order_by(ReviewLogRow.__table__.c.reviewed_at.desc())
    .limit(1)
)


def latest_rating_before(session: Session, before: datetime, kinds: Sequence[str]) -> datetime | None:
    """Time of the last log row of those kinds strictly before ``before`` (one index seek)."""
    return session.connection().execute(_LATEST_BEFORE, {"before": before, "kinds": list(kinds)}).scalar()


def review_counts(session: Session, card_ids: Sequence[str] | None = None) -> dict[str, int]:
    """Card id -> number of "review" rows in its whole history (seeds the interval fuzz)."""
    query = (
        select(ReviewLogRow.card_id, func.count())
        .where(ReviewLogRow.kind == KIND_REVIEW)
        .group_by(ReviewLogRow.card_id)
    )
    if card_ids is not None:
        query = query.where(ReviewLogRow.card_id.in_(list(card_ids)))
    return {card_id: int(count) for card_id, count in session.execute(query)}
