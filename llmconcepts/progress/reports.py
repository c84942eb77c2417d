"""The three progress reports: what ``llmc list``, ``llmc due`` and ``llmc stats`` show.

Each ``*_report(now, ...)`` function opens the review database read-only (one read
transaction, so the figures are one consistent snapshot even while a study session
writes), reads the learner's settings for the time zone, rollover hour, limits and
desired retention, and returns a frozen report. ``as_json()`` gives the stable JSON
documented in ``docs/progress.md``: dates are the learner's local days (ISO 8601
``YYYY-MM-DD``), instants are ISO 8601 with the learner's UTC offset.

``due`` and ``stats`` do not parse the card bank (a large bank of the learner's own
cards takes seconds to load): layers come from the database (see ``layers.py``),
and the bank is loaded only when the card files changed since the cards table was
last synced with them (``scheduling/bank_sync.py``).
``list`` needs the bank's titles and order, so it loads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from llmconcepts.errors import LlmcError

if TYPE_CHECKING:
    from llmconcepts.cardbank.model import CardBank
    from llmconcepts.progress.queries import CardCounts, DueCounts, LayerCounts, RetentionCounts
    from llmconcepts.scheduling.day import LearnerClock
    from llmconcepts.scheduling.settings import Settings
    from llmconcepts.storage.engine import Database

MAX_FORECAST_DAYS = 365
JSON_VERSION = 1
#: Learner days (today included) of the two true-retention figures of ``llmc stats``.
RETENTION_DAYS = (7, 30)


@dataclass(frozen=True)
class LearnerTime:
    """When the report was made, and the learner's calendar it is read in."""

    now: datetime
    today: date
    clock: LearnerClock

    @property
    def zone(self) -> tzinfo:
        return self.clock.zone

    @property
    def rollover_hour(self) -> int:
        return self.clock.rollover_hour

    def day_of(self, instant: datetime) -> date:
        """The learner day of an instant."""
        return self.clock.day_of(instant)

    @property
    def zone_name(self) -> str:
        """IANA name of the zone when known (``Europe/Paris``), else its str (``UTC``)."""
        return getattr(self.zone, "key", None) or str(self.zone)

    def local(self, instant: datetime | None) -> str | None:
        """An instant as ISO 8601 in the learner's zone, to the second (None stays None)."""
        return None if instant is None else instant.astimezone(self.zone).isoformat(timespec="seconds")

    def as_json(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "now": self.local(self.now),
            "today": self.today.isoformat(),
            "timezone": self.zone_name,
            "rollover_hour": self.rollover_hour,
        }


# -- llmc due -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastDay:
    day: date
    due: int


@dataclass(frozen=True)
class DueReport:
    """What is due now, later today, and on each of the next days.

    Attributes:
        has_history: some card has been studied (else nothing is scheduled yet).
        due_now: active cards due at or before now.
        due_later_today: active cards due after now, before the learner day ends.
        reviews_left_today: today's review limit minus review-state ratings done today.
        new_available_today: new cards ``llmc study`` may still introduce today (one per
            concept not held back, within the quota: ``repository.new_cards_open``).
        next_due: the earliest due time of any active card (None: none scheduled).
        forecast: cards due on each learner day after today.
    """

    time: LearnerTime
    has_history: bool
    due_now: DueCounts
    due_later_today: DueCounts
    reviews_left_today: int
    new_available_today: int
    next_due: datetime | None
    forecast: tuple[ForecastDay, ...]

    def as_json(self) -> dict[str, Any]:
        def counts(due: DueCounts) -> dict[str, int]:
            return {"total": due.total, "learning": due.learning, "review": due.review}

        return {
            **self.time.as_json(),
            "has_history": self.has_history,
            "due_now": counts(self.due_now),
            "due_later_today": counts(self.due_later_today),
            "reviews_left_today": self.reviews_left_today,
            "new_available_today": self.new_available_today,
            "next_due": self.time.local(self.next_due),
            "forecast": [{"date": day.day.isoformat(), "due": day.due} for day in self.forecast],
        }


def due_report(now: datetime, days: int = 7, *, bank: CardBank | None = None) -> DueReport:
    """Cards due now, later today, and per learner day for the ``days`` days after today.

    ``bank``: the card bank to count against (default: the card files on disk, loaded
    only when they changed since the last sync).

    Raises:
        LlmcError: ``days`` outside 1..365.
        ConfigError: invalid ``config.toml``. StorageError: the database failed.
    """
    from llmconcepts.progress import queries
    from llmconcepts.progress.days import day_boundaries
    from llmconcepts.scheduling.history import today_counts
    from llmconcepts.storage import repository

    if not 1 <= days <= MAX_FORECAST_DAYS:
        raise LlmcError(f"--days must be between 1 and {MAX_FORECAST_DAYS}, not {days}")
    settings, clock, time = _learner(now)
    with _database(now, synced=True, bank=bank) as db, db.reading() as session:
        _day, start, end = clock.today(now)
        due_now, later = queries.due_now_and_later(session, time.now, end)
        forecast_days = [time.today + timedelta(days=offset) for offset in range(1, days + 1)]
        per_day = queries.due_per_window(session, day_boundaries(clock, forecast_days))
        done = today_counts(session, clock, time.now)
        reviews_left = max(settings.reviews_per_day - done.reviews, 0)
        new_today = repository.new_cards_open(session, time.now, start, end, review_quota=reviews_left,
                                              cap=settings.new_per_day - done.new)
        return DueReport(
            time=time,
            has_history=queries.any_studied(session),
            due_now=due_now,
            due_later_today=later,
            reviews_left_today=reviews_left,
            new_available_today=new_today,
            next_due=repository.next_due(session),
            forecast=tuple(ForecastDay(day, count) for day, count in zip(forecast_days, per_day)),
        )


# -- llmc stats ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatmapDay:
    day: date
    ratings: int


@dataclass(frozen=True)
class StatsReport:
    """Study statistics.

    Attributes:
        heatmap: study ratings (review and practice) per learner day, from a Monday
            25 weeks back through today (see :func:`~llmconcepts.progress.days.heatmap_days`).
        current_streak, longest_streak: runs of learner days with study.
        desired_retention: the FSRS setting the retention is compared with.
        retention_7, retention_30: true retention over the last 7 and 30 learner days.
        ratings, study_seconds: every study rating up to the end of today, and their
            summed recorded durations.
        cards: cards by state over all layers (hidden cards excluded).
        layers: the same per layer, in study order.
    """

    time: LearnerTime
    heatmap: tuple[HeatmapDay, ...]
    current_streak: int
    longest_streak: int
    desired_retention: float
    retention_7: RetentionCounts
    retention_30: RetentionCounts
    ratings: int
    study_seconds: float
    cards: CardCounts
    layers: tuple[LayerCounts, ...]

    @property
    def has_history(self) -> bool:
        return self.ratings > 0 or self.cards.started > 0

    def as_json(self) -> dict[str, Any]:
        def retention(counts: RetentionCounts) -> dict[str, Any]:
            return {"reviews": counts.reviews, "passed": counts.passed, "rate": counts.rate}

        return {
            **self.time.as_json(),
            "has_history": self.has_history,
            "heatmap": [{"date": day.day.isoformat(), "ratings": day.ratings} for day in self.heatmap],
            "streak": {"current": self.current_streak, "longest": self.longest_streak},
            "retention": {
                "desired": self.desired_retention,
                "last_7_days": retention(self.retention_7),
                "last_30_days": retention(self.retention_30),
            },
            "ratings": self.ratings,
            "study_seconds": round(self.study_seconds, 3),
            "cards": _counts_json(self.cards),
            "mean_stability_days": self.cards.mean_stability,
            "layers": [
                {"id": layer.layer_id, "title": layer.title, **_counts_json(layer.counts),
                 "mastery": layer.counts.mature / layer.counts.total if layer.counts.total else None}
                for layer in self.layers
            ],
        }


def _counts_json(counts: CardCounts) -> dict[str, int]:
    return {
        "total": counts.total, "new": counts.new, "learning": counts.learning,
        "relearning": counts.relearning, "young": counts.young, "mature": counts.mature,
        "suspended": counts.suspended, "leeches": counts.leeches,
    }


def stats_report(now: datetime, *, bank: CardBank | None = None) -> StatsReport:
    """Heatmap, streaks, true retention, study time, card counts and mastery per layer.

    ``bank``: as for :func:`due_report`.

    Raises:
        ConfigError: invalid ``config.toml``. StorageError: the database failed.
    """
    from llmconcepts.progress import queries
    from llmconcepts.progress.days import days_between, heatmap_days, streaks
    from llmconcepts.progress.queries import CardCounts, DayStudy, RetentionCounts

    settings, clock, time = _learner(now)
    with _database(now, synced=True, bank=bank) as db, db.snapshot() as connection:
        heatmap = heatmap_days(time.today)
        first = queries.first_study(connection)
        # Every learner day from the first study rating (or the heatmap's start) to today, in
        # one pass over the index: the heatmap, both streaks, the totals and the retention of
        # the last 7 and 30 days (inside the heatmap's weeks) all come from it.
        studied = {} if first is None else queries.study_per_day(
            connection, clock, days_between(min(clock.day_of(first), heatmap[0]), time.today),
            retention_days=RETENTION_DAYS[-1])
        current, longest = streaks(sorted(studied, reverse=True), time.today)
        layers = tuple(queries.card_counts_by_layer(connection))
    none = DayStudy(0, 0)

    def retention(days: int) -> RetentionCounts:
        since = time.today - timedelta(days=days - 1)
        return sum((study.retention for day, study in studied.items() if day >= since), RetentionCounts(0, 0))

    return StatsReport(
        time=time,
        heatmap=tuple(HeatmapDay(day, studied.get(day, none).ratings) for day in heatmap),
        current_streak=current,
        longest_streak=longest,
        desired_retention=settings.desired_retention,
        retention_7=retention(RETENTION_DAYS[0]),
        retention_30=retention(RETENTION_DAYS[1]),
        ratings=sum(day.ratings for day in studied.values()),
        study_seconds=sum(day.milliseconds for day in studied.values()) / 1000,
        cards=sum((layer.counts for layer in layers), CardCounts()),
        layers=layers,
    )


# -- llmc list ----------------------------------------------------------------------------

MASTERY_NEW, MASTERY_LEARNING, MASTERY_MASTERED = "new", "learning", "mastered"


@dataclass(frozen=True)
class FacetStatus:
    """One card of a concept.

    Attributes:
        state: "new", "learning", "relearning" or "review" (the FSRS state).
        due: next due time (UTC; None for a new card).
        retrievability: FSRS probability of recall now (None for a new card).
        mature: in the Review state with stability of at least 21 days.
        buried_until: when a burial (``s`` in a session) ends, while it lasts; else None.
    """

    card_id: str
    facet: str
    state: str
    suspended: bool
    leech: bool
    due: datetime | None
    retrievability: float | None
    stability: float | None
    mature: bool
    buried_until: datetime | None = None


@dataclass(frozen=True)
class ConceptStatus:
    id: str
    title: str
    has_calculator: bool
    facets: tuple[FacetStatus, ...]

    @property
    def mastery(self) -> str:
        """"mastered" when every card is mature, "new" when none was studied, else "learning"."""
        if self.facets and all(facet.mature for facet in self.facets):
            return MASTERY_MASTERED
        if all(facet.state == "new" for facet in self.facets):
            return MASTERY_NEW
        return MASTERY_LEARNING


@dataclass(frozen=True)
class LayerStatus:
    id: str
    title: str
    concepts: tuple[ConceptStatus, ...]

    def mastered(self) -> int:
        return sum(1 for concept in self.concepts if concept.mastery == MASTERY_MASTERED)


@dataclass(frozen=True)
class ListReport:
    """The curriculum (or one layer) with each card's state, due date and retrievability."""

    time: LearnerTime
    layers: tuple[LayerStatus, ...]

    @property
    def has_history(self) -> bool:
        return any(f.state != "new" for layer in self.layers for c in layer.concepts for f in c.facets)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.time.as_json(),
            "has_history": self.has_history,
            "layers": [
                {
                    "id": layer.id, "title": layer.title,
                    "concepts": [
                        {
                            "id": concept.id, "title": concept.title, "calculator": concept.has_calculator,
                            "mastery": concept.mastery,
                            "cards": [
                                {"id": f.card_id, "facet": f.facet, "state": f.state, "suspended": f.suspended,
                                 "leech": f.leech, "buried_until": self.time.local(f.buried_until),
                                 "due": self.time.local(f.due),
                                 "retrievability": f.retrievability, "stability_days": f.stability}
                                for f in concept.facets
                            ],
                        }
                        for concept in layer.concepts
                    ],
                }
                for layer in self.layers
            ],
        }


def list_report(now: datetime, layer: str | None = None, *, bank: CardBank | None = None) -> ListReport:
    """The curriculum as layers of concepts, each card with its state now.

    Args:
        now: UTC time (retrievability is computed at this instant).
        layer: only this layer (id or title, as ``llmc study --layer``).
        bank: the card bank (default: built-in and the learner's own cards).

    Raises:
        UnknownLayerError: no such layer. CardBankError: invalid card files.
        ConfigError: invalid ``config.toml``. StorageError: the database failed.
    """
    from llmconcepts.calculators.registry import has_calculator
    from llmconcepts.cardbank.lookup import find_layer
    from llmconcepts.progress.queries import MATURE_STABILITY_DAYS
    from llmconcepts.scheduling.fsrs_adapter import build_scheduler, retrievability
    from llmconcepts.scheduling.operations import fsrs_state
    from llmconcepts.storage import repository

    if bank is None:
        from llmconcepts.cardbank.loader import load_bank

        bank = load_bank()
    layers = [find_layer(bank, layer)] if layer else list(bank.layers)
    settings, _clock, time = _learner(now)
    scheduler = build_scheduler(settings)
    wanted = {lay.id for lay in layers}
    concepts = [concept for concept in bank.concepts if concept.layer in wanted]
    card_ids = [card_id for concept in concepts for card_id in concept.card_ids()]  # no card text read
    with _database(now) as db, db.reading() as session:
        records = {record.id: record for record in repository.load_cards(session, card_ids)}

    def facet_status(card_id: str, facet: str) -> FacetStatus:
        record = records.get(card_id)
        buried = record.buried_until if record is not None and record.is_buried(time.now) else None
        if record is None or record.is_new:
            return FacetStatus(card_id, facet, "new", bool(record and record.suspended),
                               bool(record and record.leech), None, None, None, False, buried)
        mature = record.state_name == "review" and (record.stability or 0) >= MATURE_STABILITY_DAYS
        return FacetStatus(
            card_id, facet, record.state_name, record.suspended, record.leech, record.due,
            retrievability(scheduler, fsrs_state(record), time.now), record.stability, mature, buried,
        )

    statuses = {
        concept.id: ConceptStatus(
            concept.id, concept.title, has_calculator(concept.id),
            tuple(facet_status(concept.card_id(kind), kind.value) for kind in concept.facet_kinds),
        )
        for concept in concepts
    }
    return ListReport(time, tuple(
        LayerStatus(lay.id, lay.title, tuple(statuses[c.id] for c in concepts if c.layer == lay.id))
        for lay in layers
    ))


# -- shared -------------------------------------------------------------------------------


def _learner(now: datetime) -> tuple[Settings, LearnerClock, LearnerTime]:
    from llmconcepts.scheduling.day import clock_for
    from llmconcepts.scheduling.settings import load_settings

    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("pass an aware datetime (UTC) as now")
    now = now.astimezone(timezone.utc)
    settings = load_settings()
    clock = clock_for(settings)
    return settings, clock, LearnerTime(now, clock.day_of(now), clock)


@contextmanager
def _database(now: datetime, *, synced: bool = False, bank: CardBank | None = None) -> Iterator[Database]:
    """The review database opened for reading (empty when there is none yet), closed afterwards.

    ``synced``: first make sure the cards table matches ``bank``, or by default the card
    files (a fresh data directory, or card files changed since the last session),
    without loading them when it already does (``scheduling.bank_sync``).
    """
    from llmconcepts.storage.engine import open_database

    if synced:
        from llmconcepts.scheduling import bank_sync

        db = bank_sync.synced_report_database(now) if bank is None else \
            bank_sync.synced_database(bank, now, read_only=True)
    else:
        db = open_database(now, read_only=True)
    try:
        yield db
    finally:
        db.close()
