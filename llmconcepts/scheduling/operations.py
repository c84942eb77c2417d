"""Operations that change the schedule, each one database transaction.

* :func:`rate_card`: the fsrs state after a rating and its log row commit
  together or not at all. A review time earlier than the card's last review (the
  system clock went backwards) is moved up to that last review, so the card's
  history stays in order and its due date is never before a review.
* :func:`undo_rating`: puts the card row back exactly as the log row's snapshot
  recorded it and deletes the log row.
* Leeches (Anki manual, "Leeches"): a card whose lapses reach the threshold
  (default 8) is tagged leech and suspended; it is flagged again every half
  threshold of further lapses (12, 16, ...).
* :func:`sync_bank`: new concepts become new cards; cards of concepts gone from
  the bank are hidden (history kept); text edits change nothing here, since
  cards are keyed by id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import Session

from llmconcepts.cardbank.model import split_card_id
from llmconcepts.errors import LlmcError, StorageError, UnknownConceptError
from llmconcepts.scheduling.fsrs_adapter import (
    REVIEW,
    FsrsState,
    preview,
    review,
    scheduler_config,
)
from llmconcepts.storage.models import (
    KIND_PRACTICE,
    KIND_RESET,
    KIND_REVIEW,
    CardRow,
    ReviewLogRow,
    SchedulerConfigRow,
)
from llmconcepts.storage.repository import CARD_COLUMNS, STATE_NAMES

if TYPE_CHECKING:
    from fsrs import Scheduler

    from llmconcepts.cardbank.model import CardBank
    from llmconcepts.storage.engine import Database


class CardUnavailableError(LlmcError):
    """The card cannot be rated (or buried) now: it was suspended, or its concept left the
    card bank (the card is hidden), by another ``llmc`` process since it was shown.

    Attributes:
        card_id: e.g. ``"kv-cache/mechanism"``.
        reason: "suspended" or "removed".
    """

    def __init__(self, card_id: str, reason: str) -> None:
        self.card_id = card_id
        self.reason = reason
        if reason == "suspended":
            super().__init__(f"card '{card_id}' is suspended; unsuspend it first")
        else:
            super().__init__(f"no card '{card_id}' in the bank")


@dataclass(frozen=True)
class Rated:
    """What :func:`rate_card` did. ``kind`` is the card's kind before the rating
    ("new", "learning", "review", "relearning") or "cram" for practice."""

    log_id: int
    card_id: str
    rating: int
    kind: str
    next_due: datetime
    interval: timedelta
    became_leech: bool


@dataclass(frozen=True)
class SyncReport:
    """Cards added for new concepts, hidden for removed ones, shown again for returned ones."""

    added: tuple[str, ...]
    hidden: tuple[str, ...]
    restored: tuple[str, ...]


def fsrs_state(row: Any) -> FsrsState:
    """The fsrs part of a card row or record."""
    return FsrsState(row.state, row.step, row.stability, row.difficulty, row.due, row.last_review)


def review_time(now: datetime, last_review: datetime | None) -> datetime:
    """The time a rating is recorded at: ``now`` in UTC, but never before the card's
    last review (a clock that went backwards must not reorder a card's history)."""
    now = now.astimezone(timezone.utc)
    if last_review is not None and now < last_review:
        return last_review
    return now


def kind_of(row: Any) -> str:
    """"new", "learning", "review" or "relearning" for a card row or record."""
    return "new" if row.last_review is None else STATE_NAMES[row.state]


def is_leech_lapse(lapses: int, threshold: int) -> bool:
    """Anki's rule: leech at ``threshold`` lapses, then again every half threshold."""
    if threshold <= 0 or lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0


def _snapshot(row: CardRow) -> str:
    values = {}
    for name in CARD_COLUMNS:
        value = getattr(row, name)
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(values, sort_keys=True)


def _restore(row: CardRow, snapshot: str) -> None:
    values = json.loads(snapshot)
    datetime_columns = {"due", "last_review", "buried_until", "added_at"}
    for name in CARD_COLUMNS:
        if name == "id":
            continue
        value = values[name]
        if name in datetime_columns and value is not None:
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:  # snapshots written by raw SQL hold naive UTC
                value = value.replace(tzinfo=timezone.utc)
        setattr(row, name, value)


def _card_row(session: Session, card_id: str) -> CardRow:
    row = session.get(CardRow, card_id)
    if row is None or row.hidden:
        raise CardUnavailableError(card_id, "removed")
    return row


def _history_length(session: Session, card_id: str) -> int:
    """Log rows of this card so far (any kind): seeds the fuzz. Counted on the
    (card_id, id) index alone, so it stays fast on a long history."""
    query = select(func.count()).select_from(ReviewLogRow).where(ReviewLogRow.card_id == card_id)
    return int(session.scalar(query) or 0)


def _scheduler_id(session: Session, config: str) -> int:
    existing = session.scalar(select(SchedulerConfigRow.id).where(SchedulerConfigRow.config == config))
    if existing is not None:
        return existing
    row = SchedulerConfigRow(config=config)
    session.add(row)
    session.flush()
    return row.id


def _log_row(
    row: CardRow, before: FsrsState, kind: str, rating: int | None, at: datetime, snapshot: str
) -> ReviewLogRow:
    return ReviewLogRow(
        card_id=row.id, kind=kind, rating=rating, reviewed_at=at, duration_ms=None, answer="",
        covered="[]", card_before=snapshot,
        state_before=before.state, step_before=before.step, stability_before=before.stability,
        difficulty_before=before.difficulty, due_before=before.due, last_review_before=before.last_review,
        state_after=row.state, step_after=row.step, stability_after=row.stability,
        difficulty_after=row.difficulty, due_after=row.due, last_review_after=row.last_review,
    )


def rate_card(
    db: Database,
    scheduler: Scheduler,
    card_id: str,
    rating: int,
    now: datetime,
    *,
    leech_threshold: int,
    practice: bool = False,
    duration_ms: int | None = None,
    answer: str = "",
    covered: Iterable[str] = (),
) -> Rated:
    """Rate a card and log it, in one transaction.

    Args:
        db: the open database.
        scheduler: the fsrs Scheduler in force.
        card_id: e.g. ``"kv-cache/mechanism"``.
        rating: 1 Again, 2 Hard, 3 Good, 4 Easy.
        now: UTC time of the rating.
        leech_threshold: lapses that make a leech (0 = never).
        practice: cram rating: logged as kind "practice", the schedule is unchanged.
        duration_ms: time the learner took, in milliseconds.
        answer: the typed answer, stored verbatim.
        covered: texts of the key points the answer covered.

    Raises:
        LlmcError: rating not 1-4.
        CardUnavailableError: an unknown or hidden card, a suspended card (unless practice).
        StorageError: the database failed; nothing was written.
    """
    if rating not in (1, 2, 3, 4):
        raise LlmcError(f"a rating is 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy), not {rating!r}")
    if duration_ms is not None and duration_ms < 0:
        raise LlmcError("a review duration cannot be negative")
    with db.writing() as session:
        row = _card_row(session, card_id)
        if row.suspended and not practice:
            raise CardUnavailableError(card_id, "suspended")
        before = fsrs_state(row)
        kind = "cram" if practice else kind_of(row)
        at = review_time(now, row.last_review)
        snapshot = _snapshot(row)
        became_leech = False
        if not practice:
            after = review(scheduler, card_id, _history_length(session, card_id), before, rating, at)
            row.state, row.step = after.state, after.step
            row.stability, row.difficulty = after.stability, after.difficulty
            row.due, row.last_review = after.due, after.last_review
            row.reps += 1
            if before.state == REVIEW and not before.is_new and rating == 1:
                row.lapses += 1
                if is_leech_lapse(row.lapses, leech_threshold):
                    row.leech = True
                    row.suspended = True
                    became_leech = True
        log = _log_row(row, before, KIND_PRACTICE if practice else KIND_REVIEW, rating, at, snapshot)
        log.duration_ms = duration_ms
        log.answer = answer
        log.covered = json.dumps(list(covered), ensure_ascii=False)
        log.scheduler_id = None if practice else _scheduler_id(session, scheduler_config(scheduler))
        session.add(log)
        session.flush()
        next_due = row.due if row.due is not None else at
        return Rated(log.id, card_id, rating, kind, next_due, max(next_due - at, timedelta(0)), became_leech)


def preview_card(db: Database, scheduler: Scheduler, card_id: str, now: datetime) -> dict[int, timedelta]:
    """Rating 1..4 -> the interval :func:`rate_card` would give at ``now`` (same fuzz)."""
    with db.reading() as session:
        row = _card_row(session, card_id)
        before = fsrs_state(row)
        at = review_time(now, row.last_review)
        return preview(scheduler, card_id, _history_length(session, card_id), before, at)


def undo_rating(db: Database, log_id: int) -> str:
    """Undo one rating exactly: the card row as it was, the log row gone.

    Returns:
        The card id.

    Raises:
        LlmcError: the rating is already gone, or the card was rated again since
            (by another llmc process), so undoing would lose that later rating.
    """
    with db.writing() as session:
        log = session.get(ReviewLogRow, log_id)
        if log is None:
            raise LlmcError("nothing to undo: that rating is no longer in the history")
        row = session.get(CardRow, log.card_id)
        later = session.scalar(
            select(func.count()).select_from(ReviewLogRow).where(
                ReviewLogRow.card_id == log.card_id, ReviewLogRow.id > log.id
            )
        )
        current = fsrs_state(row)
        recorded = FsrsState(log.state_after, log.step_after, log.stability_after,
                             log.difficulty_after, log.due_after, log.last_review_after)
        if later or current != recorded:
            raise LlmcError(
                f"cannot undo the rating of '{log.card_id}': the card was changed since (by another llmc?)"
            )
        _restore(row, log.card_before)
        session.delete(log)
        session.flush()
        if log.scheduler_id is not None and not session.scalar(
            select(exists().where(ReviewLogRow.scheduler_id == log.scheduler_id))
        ):
            # the configuration was recorded for this rating alone: undo that too
            session.delete(session.get(SchedulerConfigRow, log.scheduler_id))
        return row.id


def resolve_targets(session: Session, target: str) -> list[str]:
    """Card ids named by ``target``: a card id (``kv-cache/mechanism``) or a concept id
    (all its cards).

    Raises:
        UnknownConceptError: nothing matches (with the closest ids).
    """
    import difflib

    if "/" in target:
        row = session.get(CardRow, target)
        if row is not None and not row.hidden:
            return [target]
        candidates = list(session.scalars(select(CardRow.id).where(CardRow.hidden.is_(False))))
    else:
        ids = list(session.scalars(
            select(CardRow.id).where(CardRow.concept_id == target, CardRow.hidden.is_(False)).order_by(CardRow.id)
        ))
        if ids:
            return ids
        candidates = list(session.scalars(
            select(CardRow.concept_id).where(CardRow.hidden.is_(False)).distinct()
        ))
    raise UnknownConceptError(target, difflib.get_close_matches(target, candidates, n=3))


def set_suspended(db: Database, target: str, suspended: bool) -> list[str]:
    """Suspend or unsuspend a card or every card of a concept. Unsuspending keeps the
    leech tag (as Anki does). Returns the card ids changed."""
    with db.writing() as session:
        ids = resolve_targets(session, target)
        changed = list(session.scalars(
            select(CardRow.id).where(CardRow.id.in_(ids), CardRow.suspended != suspended)
        ))
        if changed:
            session.execute(update(CardRow).where(CardRow.id.in_(changed)).values(suspended=suspended))
        return changed


def reset_cards(db: Database, target: str, now: datetime) -> list[str]:
    """Make a card (or a concept's cards) new again, as Anki's "Forget": memory state,
    reps, lapses and leech tag cleared; suspension kept; history kept, plus a "reset"
    log row so a replay reproduces the state. Returns the card ids reset."""
    reset: list[str] = []
    with db.writing() as session:
        for card_id in resolve_targets(session, target):
            row = session.get(CardRow, card_id)
            assert row is not None
            if row.last_review is None and row.reps == 0:
                continue  # already new: nothing to log
            before = fsrs_state(row)
            snapshot = _snapshot(row)
            new = FsrsState.new()
            row.state, row.step, row.stability, row.difficulty = new.state, new.step, None, None
            row.due = row.last_review = row.buried_until = None
            row.reps = row.lapses = 0
            row.leech = False
            session.add(_log_row(row, before, KIND_RESET, None, review_time(now, None), snapshot))
            reset.append(card_id)
    return reset


def check_writable(db: Database) -> None:
    """Refuse now, before anything is shown, an SQLite database that cannot be written (a
    read-only file, ``?mode=ro``): SQLite opens such a file for reading without a word
    and only fails at the first write.

    The probe is an UPDATE that matches no row, in a read transaction rolled back at its
    end: it needs the write lock, which SQLite refuses at once on a read-only database.
    It waits for no lock (busy timeout 0 for that statement): a database another process
    is writing right now is left to the ratings, which wait for it as usual. Other
    backends are not probed.

    Raises:
        ReadOnlyDatabaseError: the database is read-only ("cannot write ...").
        StorageError: any other database failure but a lock held elsewhere.
    """
    from sqlalchemy import false, text

    from llmconcepts.storage.errors import ReadOnlyDatabaseError

    if db.engine.dialect.name != "sqlite":
        return
    try:
        with db.reading() as session:
            waits = session.execute(text("PRAGMA busy_timeout")).scalar()
            session.execute(text("PRAGMA busy_timeout = 0"))
            try:
                session.execute(update(CardRow).where(false()).values(suspended=CardRow.suspended))
            finally:
                session.execute(text(f"PRAGMA busy_timeout = {int(waits or 0)}"))
    except ReadOnlyDatabaseError:
        raise
    except StorageError as exc:
        cause = getattr(exc.__cause__, "orig", exc.__cause__)  # the driver's error
        if not getattr(cause, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise


def bury_card(db: Database, card_id: str, until: datetime) -> datetime | None:
    """Hide a card from the queue until ``until`` (the next learner day's start).

    Returns:
        The burial time the card had before (None: not buried), for :func:`unbury_card`.
    """
    with db.writing() as session:
        row = _card_row(session, card_id)
        before = row.buried_until
        row.buried_until = until
        return before


def unbury_card(db: Database, card_id: str, until: datetime | None) -> None:
    """Undo :func:`bury_card`: give the card back the burial time it had before
    (``until``, None for none), as Anki's undo does for a burial."""
    with db.writing() as session:
        _card_row(session, card_id).buried_until = until


def sync_bank(db: Database, bank: CardBank, now: datetime) -> SyncReport:
    """Make the cards table match the bank: add new cards, hide removed ones, show
    returned ones; record each concept's layer for the progress views. Reads first
    and writes only when something changed."""
    from llmconcepts.progress.layers import sync_layers

    wanted = bank.card_ids()  # from the bank's index: no card text is read
    missing = set(wanted)  # wanted ids the table does not have
    hidden: list[str] = []
    restored: list[str] = []
    table = CardRow.__table__
    with db.reading() as session:
        # Streamed and compared row by row: a large bank's ids are not held a second time.
        rows = session.execute(select(table.c.id, table.c.hidden).execution_options(yield_per=5000))
        for card_id, is_hidden in rows:
            if card_id in missing:
                missing.remove(card_id)
                if is_hidden:
                    restored.append(card_id)
            elif not is_hidden:
                hidden.append(card_id)
    added = [card_id for card_id in wanted if card_id in missing]
    hidden.sort()
    restored.sort()
    if added or hidden or restored:
        with db.writing() as session:
            _apply_sync(session, added, hidden, restored, now)
    sync_layers(db, bank)
    return SyncReport(tuple(added), tuple(hidden), tuple(restored))


def _apply_sync(
    session: Session,
    added: list[str],
    hidden: list[str],
    restored: list[str],
    now: datetime,
) -> None:
    present = set(session.scalars(select(CardRow.id)))  # again, inside the write lock
    new = FsrsState.new()
    rows = [_new_card_row(card_id, new, now) for card_id in added if card_id not in present]
    if rows:
        session.execute(insert(CardRow), rows)
    for chunk_start in range(0, max(len(hidden), len(restored)), 500):
        if hidden[chunk_start:chunk_start + 500]:
            session.execute(update(CardRow).where(CardRow.id.in_(hidden[chunk_start:chunk_start + 500]))
                            .values(hidden=True))
        if restored[chunk_start:chunk_start + 500]:
            session.execute(update(CardRow).where(CardRow.id.in_(restored[chunk_start:chunk_start + 500]))
                            .values(hidden=False))


def _new_card_row(card_id: str, new: FsrsState, now: datetime) -> dict[str, Any]:
    """The cards-table row of a card the bank gained: never reviewed, added ``now``."""
    concept_id, kind = split_card_id(card_id)
    return {
        "id": card_id, "concept_id": concept_id, "facet": kind.value,
        "state": new.state, "step": new.step, "stability": None, "difficulty": None,
        "due": None, "last_review": None, "reps": 0, "lapses": 0, "suspended": False,
        "leech": False, "buried_until": None, "hidden": False, "added_at": now,
    }
