"""SQL aggregates behind the progress views. No Python loop ever walks the review log.

Every function takes an open connection (``Database.snapshot()``, a Core connection:
``llmc stats`` never imports the ORM) or session (``Database.reading()``) and
UTC-aware instants, and queries the Core tables of :mod:`llmconcepts.storage.tables`.
Learner days are turned into exact UTC ``[start, end)`` windows by
:class:`~llmconcepts.scheduling.day.LearnerClock` (zoneinfo, so a day is 23 or 25
hours long when the clocks change); each window is then one indexed range count in
SQL. That is exact across daylight-saving changes and the rollover hour, reads each
rating at most once and from an index, unlike date arithmetic on stored timestamps
in SQL.

Indexes used: ``cards.due``; ``review_log(reviewed_at, kind, state_before, rating,
duration_ms)`` (migration ``0003_progress_stats``), which answers the log counts
from the index alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Union

from sqlalchemy import Integer, String, and_, bindparam, case, cast, column, exists, func, or_, select, values

from llmconcepts.scheduling.fsrs_adapter import LEARNING, RELEARNING, REVIEW
from llmconcepts.storage.tables import KIND_REVIEW, STUDY_KINDS, cards, concept_layers, layers, review_log
from llmconcepts.storage.types import UTCDateTime

if TYPE_CHECKING:
    from sqlalchemy import Connection, Dialect
    from sqlalchemy.orm import Session

    from llmconcepts.scheduling.day import LearnerClock

    Reader = Union[Connection, Session]

#: A review card whose FSRS stability is at least this many days counts as mature, i.e.
#: mastered. Anki calls a card mature at an interval of 21 days or more (Anki manual,
#: "Statistics": card counts); FSRS stability is the interval at which recall falls to
#: 90 % (Ye et al., FSRS), so at the default desired retention 0.9 the two coincide.
MATURE_STABILITY_DAYS = 21.0

_card = cards.c
_log = review_log.c
_ACTIVE = and_(_card.suspended.is_(False), _card.hidden.is_(False))


def _sum(condition) -> object:  # noqa: ANN001 - a SQL boolean expression
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# -- review log ---------------------------------------------------------------------------

#: Learner days per statement when the windows travel as a VALUES list (3 bound
#: parameters each): stays under the 999-parameter limit of older SQLite builds.
_DAYS_PER_VALUES = 300


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

    def __add__(self, other: RetentionCounts) -> RetentionCounts:
        return RetentionCounts(self.reviews + other.reviews, self.passed + other.passed)


@dataclass(frozen=True)
class DayStudy:
    """Study ratings (review and practice) of one learner day and their summed duration;
    ``retention`` is the day's true-retention counts where they were asked for, else None."""

    ratings: int
    milliseconds: int
    retention: RetentionCounts | None = None


def first_study(connection: Connection) -> datetime | None:
    """Time of the earliest study rating (review or practice), or None (one index seek)."""
    query = select(_log.reviewed_at).where(_log.kind.in_(STUDY_KINDS)).order_by(_log.reviewed_at).limit(1)
    return connection.scalar(query)


def study_per_day(
    connection: Connection, clock: LearnerClock, days: Sequence[date], *, retention_days: int = 0
) -> dict[date, DayStudy]:
    """Study ratings and their durations on each of ``days`` (consecutive learner days,
    earliest first), and true-retention counts on the last ``retention_days`` of them;
    days without study are left out.

    Each day becomes its exact UTC window (``clock.day_start`` .. ``day_end``), and one
    correlated subquery per window reads the window's range of the covering index on
    ``review_log(reviewed_at, kind, ..., duration_ms)``: every rating is read once,
    from the index, and nothing is sorted (a GROUP BY over a join sorts every rating:
    three times slower on a million ratings). Retention counts of the last days come
    from the same pass, so the 7- and 30-day figures cost no second read.
    """
    if not days:
        return {}
    bounds = [clock.day_start(day) for day in days] + [clock.day_end(days[-1])]
    split = max(len(days) - retention_days, 0)
    result: dict[date, DayStudy] = {}
    for first, last, detailed in ((0, split, False), (split, len(days), True)):
        for number, text in _per_window(connection, bounds[first:last + 1], _day_summary(detailed)):
            ratings, milliseconds, *retention = (int(part) for part in text.split())
            if ratings:
                counts = None
                if detailed:
                    reviews, again = retention
                    counts = RetentionCounts(reviews, reviews - again)
                result[days[first + number]] = DayStudy(ratings, milliseconds, counts)
    return result


def _day_summary(detailed: bool) -> list:
    """What one window's subquery computes, as SQL expressions: ratings and summed
    milliseconds, plus review-state ratings and Agains among them when ``detailed``.

    A state_before of Review alone selects review-state ratings: a card in the Review
    state has always been rated before (a reset makes it new, state Learning).
    """
    parts = [func.count(), func.coalesce(func.sum(_log.duration_ms), 0)]
    if detailed:
        review_state = and_(_log.kind == KIND_REVIEW, _log.state_before == REVIEW)
        parts += [_sum(review_state), _sum(and_(review_state, _log.rating == 1))]
    return parts


def _per_window(connection: Connection, bounds: Sequence[datetime], parts: list) -> list[tuple[int, str]]:
    """(window number, the ``parts`` of its study ratings joined by spaces) for each window
    ``[bounds[i], bounds[i + 1])``; a scalar subquery returns one value, so the parts
    travel as one text and each window's index range is read once."""
    if len(bounds) < 2:
        return []
    rows: list[tuple[int, str]] = []
    for offset, windows in _window_tables(connection, bounds):
        summary = select(_joined(parts)).where(
            _log.reviewed_at >= windows.c.start, _log.reviewed_at < windows.c.end, _log.kind.in_(STUDY_KINDS),
        ).scalar_subquery()
        found = connection.execute(select(windows.c.number, summary))
        rows += [(offset + number, text) for number, text in found]
    return rows


def _joined(parts: list) -> object:
    text = cast(parts[0], String)
    for part in parts[1:]:
        text = text + " " + cast(part, String)
    return text


def _has_json_each(dialect: Dialect) -> bool:
    """SQLite's JSON functions are built in since 3.38 (and in Python's builds before)."""
    return dialect.name == "sqlite"


def _window_tables(connection: Connection, bounds: Sequence[datetime]) -> list[tuple[int, object]]:
    """The windows as (number of the first, a table of ``number``, ``start``, ``end``).

    On SQLite, one JSON parameter read with ``json_each``: a statement of the same
    shape every time (building and compiling a VALUES list of hundreds of bound
    instants took longer than counting a thousand ratings). The instants are written
    as the column type stores them, so comparisons are those of the stored values.
    Elsewhere, VALUES lists of at most :data:`_DAYS_PER_VALUES` windows.
    """
    dialect = connection.dialect
    if _has_json_each(dialect):
        stored = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        instants = [stored(instant) if stored else instant for instant in bounds]
        pairs = json.dumps(list(zip(instants, instants[1:])))
        entries = func.json_each(bindparam("windows", pairs, type_=String)).table_valued("key", "value")
        table = select(
            entries.c.key.label("number"),
            func.json_extract(entries.c.value, "$[0]").label("start"),
            func.json_extract(entries.c.value, "$[1]").label("end"),
        ).subquery("windows")
        return [(0, table)]
    tables = []
    for first in range(0, len(bounds) - 1, _DAYS_PER_VALUES):
        chunk = bounds[first:first + _DAYS_PER_VALUES + 1]
        rows = [(number, start, end) for number, (start, end) in enumerate(zip(chunk, chunk[1:]))]
        tables.append((first, values(
            column("number", Integer), column("start", UTCDateTime), column("end", UTCDateTime),
            name="windows",
        ).data(rows).cte()))
    return tables


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


def due_now_and_later(session: Reader, now: datetime, day_end: datetime) -> tuple[DueCounts, DueCounts]:
    """(due at or before ``now``, due after ``now`` and before ``day_end``); buried cards
    are left out as a study session leaves them out."""
    is_review = _card.state == REVIEW
    is_now = _card.due <= now
    query = select(
        _sum(is_now & ~is_review), _sum(is_now & is_review),
        _sum(~is_now & ~is_review), _sum(~is_now & is_review),
    ).where(
        _card.due < day_end, _ACTIVE,
        or_(_card.buried_until.is_(None), _card.buried_until <= now),
    )
    now_learning, now_review, later_learning, later_review = (int(v) for v in session.execute(query).one())
    return DueCounts(now_learning, now_review), DueCounts(later_learning, later_review)


_DUE_BETWEEN = (
    select(func.count())
    .select_from(cards)
    .where(_card.due >= bindparam("start"), _card.due < bindparam("end"), _ACTIVE)
)


def due_per_window(session: Session, boundaries: Sequence[datetime]) -> list[int]:
    """Active scheduled cards due in each ``[boundaries[i], boundaries[i+1])`` (index on due)."""
    connection = session.connection()
    return [
        int(connection.execute(_DUE_BETWEEN, {"start": start, "end": end}).scalar_one())
        for start, end in zip(boundaries, boundaries[1:])
    ]


def any_studied(session: Reader) -> bool:
    """True once any card (hidden ones aside) has been studied; stops at the first."""
    query = select(exists().where(_card.last_review.is_not(None), _card.hidden.is_(False)))
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
    card = _card
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


def card_counts_by_layer(connection: Connection) -> list[LayerCounts]:
    """Card counts of every layer in study order (layers with no cards included), then
    one entry for cards without a recorded layer if there are any. One GROUP BY."""
    layer_of = concept_layers.c
    query = (
        select(layer_of.layer_id, *_card_count_columns())
        .select_from(cards)
        .outerjoin(concept_layers, layer_of.concept_id == _card.concept_id)
        .where(_card.hidden.is_(False))
        .group_by(layer_of.layer_id)
    )
    by_layer = {}
    for layer_id, *counts, stability_sum, stability_count in connection.execute(query):
        by_layer[layer_id] = CardCounts(*(int(count) for count in counts), float(stability_sum), int(stability_count))
    in_order = select(layers.c.id, layers.c.title).order_by(layers.c.position)
    result = [
        LayerCounts(layer_id, title, by_layer.pop(layer_id, CardCounts()))
        for layer_id, title in connection.execute(in_order)
    ]
    unsorted = CardCounts()
    for counts in by_layer.values():  # no layer row: not synced yet, or a layer since removed
        unsorted = unsorted + counts
    if unsorted.total:
        result.append(LayerCounts(None, "Not yet sorted into a layer", unsorted))
    return result
