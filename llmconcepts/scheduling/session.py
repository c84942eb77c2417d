"""The study-session API used by ``llmc study`` and the dashboard.

A :class:`StudySession` shows cards from the queue (see ``queue.py``), records
each rating as one transaction (see ``operations.py``), and can undo its own
ratings and burials exactly, the last one first (as Anki's undo). Everything it
persists is in the database at once, so a session that ends abruptly loses at
most the rating in flight; what it keeps in memory (the undo stack, the card just
shown, this session's counts) only shapes the rest of the session.

The queue is computed from a :class:`~llmconcepts.scheduling.queue.QueueIndex`: the
selection's queue-relevant card states for the learner day, read from the database
once and then kept current in memory. After each rating, undo or burial only the
touched concept's rows are read again (in the read transaction that builds the next
queue). The whole index is read again when the learner day changes, or when
another connection has committed since it was read (another ``llmc`` process:
SQLite's ``PRAGMA data_version`` on the same connection, checked in that same
read transaction, changes on any commit but our own). Backends that cannot tell
reload the index before every card.

Limits: the day's new-card and review quotas are counted over today's log, so a
second session the same day continues the count. ``SessionOptions.limit`` caps
the number of distinct cards a session takes up; learning steps of cards already
taken up still come back. In cram mode every introduced card in the selection is
studied once more (Again puts it back at the end); the ratings are logged as
practice and the schedule does not move.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from llmconcepts.errors import LlmcError, UnknownConceptError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from llmconcepts.cardbank.model import CardBank
    from llmconcepts.scheduling.day import LearnerClock
    from llmconcepts.scheduling.queue import Queue, QueueIndex, Selection
    from llmconcepts.scheduling.settings import Settings
    from llmconcepts.storage.engine import Database
    from llmconcepts.storage.repository import CardRecord

KINDS = ("new", "learning", "review", "relearning", "cram")
_INSTANT = timedelta(microseconds=1)  # "after now": the smallest step past it


@dataclass(frozen=True)
class SessionOptions:
    """What a session covers.

    Attributes:
        layers: layer ids; with ``concepts``, a concept is studied if it is in one of
            these layers or named in ``concepts``; both empty = the whole bank.
        concepts: concept ids.
        new_limit: most new cards this session (still capped by today's remaining
            new-card quota unless cram).
        limit: most distinct cards this session.
        review_only: no new cards.
        cram: study introduced cards whether due or not; ratings are logged as
            practice and the schedule is unchanged.
    """

    layers: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    new_limit: int | None = None
    limit: int | None = None
    review_only: bool = False
    cram: bool = False


@dataclass(frozen=True)
class QueuedCard:
    """The card to show: id (``kv-cache/mechanism``), kind ("new", "learning",
    "review", "relearning" or "cram") and its due time (UTC; None for a new card)."""

    card_id: str
    kind: str
    due: datetime | None


@dataclass(frozen=True)
class Progress:
    """Ratings done this session and cards left by kind (as Anki's three counts)."""

    done: int
    new_left: int
    learning_left: int
    review_left: int


@dataclass(frozen=True)
class RatingOutcome:
    """Result of a rating: the card's next due time (UTC) and the interval until it.
    ``became_leech``: the card just reached the leech threshold and was suspended."""

    card_id: str
    rating: int
    next_due: datetime
    interval: timedelta
    became_leech: bool


@dataclass(frozen=True)
class SessionSummary:
    """End-of-session figures.

    Attributes:
        studied_by_kind: ratings this session by the card's kind when shown.
        again_count: Again ratings this session.
        time_spent: time spent answering: the sum of the kept ratings' durations (each
            from showing the card to rating it).
        retention_today: share of today's review-state ratings (all sessions) that were
            not Again (Anki's "true retention"); None when there were none.
        due_tomorrow: active cards (not suspended, hidden or buried) whose due time falls
            in the next learner day; cards already due today are not counted.
        streak_days: consecutive learner days with study, ending today.
        ratings_saved: ratings of this session now in the database.
        due_later_today: active cards that come due after ``now`` and before today's
            learner day ends (learning steps, mostly).
        session_time: wall-clock time from opening the session to ``now`` (explain
            views, burials and undos included).
    """

    studied_by_kind: dict[str, int]
    again_count: int
    time_spent: timedelta
    retention_today: float | None
    due_tomorrow: int
    streak_days: int
    ratings_saved: int
    due_later_today: int = 0
    session_time: timedelta = timedelta(0)


@dataclass(frozen=True)
class Outlook:
    """Why a session has no card to show now, and when one comes due (the facts; the UI
    words them). Counts are of the session's selection unless said otherwise.

    Attributes:
        now: the moment described (UTC).
        clock: the learner clock (to write ``next_due`` as a learner day).
        new_per_day: the ``new-per-day`` setting.
        new_today: new cards introduced today, in every session and selection.
        new_in_session: new cards introduced in this session.
        new_unseen: new cards not yet introduced, neither suspended nor buried.
        new_unlocked: how many of those the queue could take now (prerequisites met, one
            per concept not held back), capped by nothing else; 0 with ``new_unseen`` > 0
            means all are held back or wait for prerequisites.
        reviews_per_day: the ``reviews-per-day`` setting.
        reviews_today: review-state cards studied today, in every session.
        reviews_held_back: reviews due today beyond the day's review quota.
        limit: the session's ``--limit`` (distinct cards), None when unset.
        limit_reached: that many distinct cards were taken up.
        options: what the session was opened with (``--new``, ``--review-only``, ``--cram``).
        introduced: introduced, active cards (what ``--cram`` studies).
        next_due: the earliest due time after ``now`` of an active scheduled card
            (None: no card is scheduled after now).
        new_held: of ``new_unseen``, the cards held back until tomorrow: their concept had
            a card rated today, has one due today, or has a new card buried (Anki's burying
            of new siblings).
        suspended_studied: cards of the selection studied before and now suspended
            (a leech, or ``llmc suspend``).
        buried_studied: cards of the selection studied before and buried at ``now``.
    """

    now: datetime
    clock: LearnerClock
    new_per_day: int
    new_today: int
    new_in_session: int
    new_unseen: int
    new_unlocked: int
    reviews_per_day: int
    reviews_today: int
    reviews_held_back: int
    limit: int | None
    limit_reached: bool
    options: SessionOptions
    introduced: int
    next_due: datetime | None
    new_held: int = 0
    suspended_studied: int = 0
    buried_studied: int = 0


@dataclass(frozen=True)
class Undone:
    """What :meth:`StudySession.undo_last` took back: ``action`` is "rating" or "burial"."""

    card_id: str
    action: str


@dataclass(frozen=True)
class Dashboard:
    """What ``llmc`` with no command shows."""

    due_now: int
    new_available_today: int
    streak_days: int
    next_due: datetime | None
    clock: LearnerClock | None = None  # to write ``next_due`` as a learner day


@dataclass(frozen=True)
class _Burial:
    """A burial of this session, with what undo puts back: the card's stored burial time
    before it (``stored`` False: a cram skip, never written) and the card shown before."""

    card_id: str
    buried_before: datetime | None
    last_shown_before: str | None
    stored: bool = True


@dataclass(frozen=True)
class _Studied:
    """A selection's introduced cards at a moment: ``active`` ones (neither suspended nor
    buried), the earliest due time after the moment among them, and how many are
    ``suspended`` and (unsuspended but) ``buried``."""

    active: int
    next_due: datetime | None
    suspended: int
    buried: int


@dataclass(frozen=True)
class _Done:
    log_id: int
    card_id: str
    kind: str
    rating: int
    duration_ms: int | None


@dataclass
class StudySession:
    """One study session over an open database. Build it with :func:`open_session`."""

    db: Database
    bank: CardBank
    settings: Settings
    clock: LearnerClock
    options: SessionOptions
    selection: Selection
    _scheduler: object = field(repr=False)
    opened_at: datetime | None = None  # UTC, for the session's wall time
    _done: list[_Done] = field(default_factory=list)
    _undoable: list[_Done | _Burial] = field(default_factory=list)  # ratings and burials, in order
    _last_shown: str | None = None  # the card last rated or buried (or brought back by undo)
    _buried: set[str] = field(default_factory=set)
    _cram_pending: list[str] = field(default_factory=list)
    _closed: bool = False
    _changes: int = 0  # bumped by every rating, undo and bury of this session
    _queue_cache: tuple | None = field(default=None, repr=False)
    _index: QueueIndex | None = field(default=None, repr=False)
    _index_day: date | None = None  # the learner day the index was read for
    _index_marker: object = field(default=None, repr=False)  # repository.change_marker then
    _touched: set[str] = field(default_factory=set)  # concepts changed since the index was current

    # -- queue -------------------------------------------------------------------------
    def _current_index(self, session: Session, now: datetime) -> QueueIndex:
        """The queue index, brought up to date inside the caller's read transaction:
        read whole on a new learner day or after another connection wrote, else only
        the concepts this session changed since."""
        from llmconcepts.scheduling.queue import QueueIndex
        from llmconcepts.storage import repository

        day, start, end = self.clock.today(now)
        marker = repository.change_marker(session)
        if self._index is None or day != self._index_day or not repository.same_marker(marker, self._index_marker):
            index = QueueIndex(self.selection, start, end, every_scheduled=self.options.cram)
            self._index = index.load(
                repository.new_card_states(session),
                repository.scheduled_cards(session, index.horizon),
                repository.concept_flags(session),
                repository.studied_concepts(session, start, end),
            )
            self._index_day, self._index_marker = day, marker
        else:
            for concept in self._touched:
                records = repository.concept_cards(session, concept)
                studied = bool(repository.studied_concepts(session, start, end, concept=concept))
                self._index.refresh_concept(concept, records, studied_today=studied)
        self._touched.clear()
        return self._index

    def _changed(self, card_id: str) -> None:
        """This session changed a card: its concept's rows are read again before the next queue."""
        self._touched.add(self.selection.concept_of[card_id])
        self._changes += 1

    def _record(self, card_id: str) -> CardRecord | None:
        """One unhidden card's stored state."""
        from llmconcepts.storage import repository

        with self.db.reading() as session:
            record = repository.get_card(session, card_id)
        return None if record is None or record.hidden else record

    def _taken_up(self) -> set[str]:
        return {done.card_id for done in self._done}

    def _slots_left(self) -> int | None:
        if self.options.limit is None:
            return None
        return max(self.options.limit - len(self._taken_up()), 0)

    def _queue(self, now: datetime) -> tuple[Queue, int]:
        """The queue and the new-card quota left.

        Reused while neither ``now`` nor this session's state changes (the UI asks for
        progress and the next card right after a rating)."""
        key = (now, self._changes)
        if self._queue_cache is not None and self._queue_cache[0] == key:
            return self._queue_cache[1]
        result = self._build_queue(now)
        self._queue_cache = (key, result)
        return result

    def _build_queue(self, now: datetime) -> tuple[Queue, int]:
        from llmconcepts.scheduling.history import today_counts

        _day, _start, end = self.clock.today(now)
        with self.db.reading() as session:
            index = self._current_index(session, now)
            counts = today_counts(session, self.clock, now)
        new_quota = max(self.settings.new_per_day - counts.new, 0)
        if self.options.new_limit is not None:
            new_in_session = sum(1 for done in self._done if done.kind == "new")
            new_quota = min(new_quota, max(self.options.new_limit - new_in_session, 0))
        if self.options.review_only:
            new_quota = 0
        review_quota = max(self.settings.reviews_per_day - counts.reviews, 0)
        queue = index.queue(now, end, new_quota=new_quota, review_quota=review_quota, buried=self._buried)
        return queue, new_quota

    def _cram_candidates(self, now: datetime) -> list[str]:
        """Cards still to cram, in order (reused, as the queue is, for one moment and state)."""
        key = ("cram", now, self._changes)
        if self._queue_cache is not None and self._queue_cache[0] == key:
            return self._queue_cache[1]
        with self.db.reading() as session:
            index = self._current_index(session, now)
        candidates = index.active_among(self._cram_pending, now, self._buried)
        self._queue_cache = (key, candidates)
        return candidates

    def next_card(self, now: datetime) -> QueuedCard | None:
        """The card to show next, or None when the session is over.

        Never the card just shown and rated, unless it is a learning step that is due
        (within Anki's 20-minute learn-ahead window) and nothing else is left; a
        concept's facets are kept apart when another card is available. Asking again
        before rating (or burying) gives the same card.
        """
        from llmconcepts.scheduling.queue import pick_next

        now = _utc(now)
        if self.options.cram:
            candidates = self._cram_candidates(now)
            learning: set[str] = set()
        else:
            queue, _quota = self._queue(now)
            candidates = list(queue.candidates())
            last = self._last_shown  # pick_next asks only whether the card just shown is a learning step
            is_step = last is not None and (last in queue.learning_due or last in queue.learning_ahead)
            learning = {last} if is_step else set()
        slots = self._slots_left()
        if slots == 0:
            taken = self._taken_up()
            candidates = [c for c in candidates if c in taken]
        chosen = pick_next(candidates, self.selection.concept_of, self._last_shown, learning)
        if chosen is None:
            return None
        assert self._index is not None
        kind, due = self._index.kind_and_due(chosen)
        return QueuedCard(chosen, "cram" if self.options.cram else kind, due)

    def progress(self, now: datetime) -> Progress:
        """Ratings done and cards left: new (today's quota, or fewer if the day can bring
        fewer: one per concept not held back, see ``queue.py``), learning (cards with a
        step due today) and review (due today, within quota), with this session's limits
        applied."""
        now = _utc(now)
        done = len(self._done)
        slots = self._slots_left()
        if self.options.cram:
            left = len(self._cram_candidates(now))
            return Progress(done, 0, 0, left if slots is None else min(left, slots))
        queue, new_quota = self._queue(now)
        new_left = min(new_quota, queue.new_offerable)
        review_left = len(queue.reviews)
        if slots is not None:
            review_left = min(review_left, slots)
            new_left = min(new_left, max(slots - review_left, 0))
        return Progress(done, new_left, queue.learning_today, review_left)

    # -- ratings -----------------------------------------------------------------------
    def preview(self, card_id: str, now: datetime) -> dict[int, timedelta]:
        """Rating 1..4 -> the interval that rating would give now (equal to what
        :meth:`rate` then gives). In cram mode every rating leaves the schedule as is,
        so each shows the time until the card's current due date.

        Raises:
            CardUnavailableError: the card left the bank since it was shown (hidden by
                another ``llmc``); the session will not show it again.
        """
        from llmconcepts.scheduling.operations import CardUnavailableError, preview_card

        now = _utc(now)
        with self._unless_unavailable(card_id):
            if self.options.cram:
                record = self._record(card_id)
                if record is None:
                    raise CardUnavailableError(card_id, "removed")
                wait = max(record.due - now, timedelta(0)) if record.due else timedelta(0)
                return {rating: wait for rating in (1, 2, 3, 4)}
            return preview_card(self.db, self._scheduler, card_id, now)

    @contextmanager
    def _unless_unavailable(self, card_id: str) -> Iterator[None]:
        """Let a :class:`CardUnavailableError` through after marking the card's concept
        changed: the next queue is read afresh and leaves the card out."""
        from llmconcepts.scheduling.operations import CardUnavailableError

        try:
            yield
        except CardUnavailableError:
            self._changed(card_id)
            self._last_shown = card_id  # it was on screen: its siblings wait, as after a rating
            raise

    def rate(
        self,
        card_id: str,
        rating: int,
        now: datetime,
        *,
        duration_ms: int | None = None,
        answer: str = "",
        covered: tuple[str, ...] = (),
    ) -> RatingOutcome:
        """Rate a card (1 Again, 2 Hard, 3 Good, 4 Easy) and save it at once.

        A card buried elsewhere since it was shown is still rated (the learner answered
        it); it stays buried until its burial ends.

        Raises:
            LlmcError: bad rating, a card outside this session.
            CardUnavailableError: the card was suspended or left the bank since it was
                shown (another ``llmc``); nothing was saved and the session will not show
                it again.
            StorageError: the database failed; the rating was not saved.
        """
        from llmconcepts.scheduling.operations import rate_card

        now = _utc(now)
        if card_id not in self.selection.concept_of:
            raise LlmcError(f"card '{card_id}' is not part of this session")
        with self._unless_unavailable(card_id):
            rated = rate_card(
                self.db, self._scheduler, card_id, rating, now,
                leech_threshold=self.settings.leech_threshold, practice=self.options.cram,
                duration_ms=duration_ms, answer=answer, covered=covered,
            )
        done = _Done(rated.log_id, card_id, rated.kind, rating, duration_ms)
        self._done.append(done)
        self._undoable.append(done)
        self._changed(card_id)
        self._last_shown = card_id
        if self.options.cram and card_id in self._cram_pending:
            self._cram_pending.remove(card_id)
            if rating == 1:
                self._cram_pending.append(card_id)
        return RatingOutcome(card_id, rating, rated.next_due, rated.interval, rated.became_leech)

    def undo(self, now: datetime) -> str | None:
        """Undo this session's last rating or burial (see :meth:`undo_last`).

        Returns:
            The card id, to show it again; None when there is nothing left to undo.
        """
        undone = self.undo_last(now)
        return None if undone is None else undone.card_id

    def undo_last(self, now: datetime) -> Undone | None:
        """Undo this session's last action exactly, the latest first: a rating (card
        state and log as before) or a burial (the card's burial time as before).

        Returns:
            What was undone, to show that card again; None when nothing is left.

        Raises:
            LlmcError: a rating's card was rated again elsewhere since.
        """
        if not self._undoable:
            return None
        last = self._undoable[-1]
        if isinstance(last, _Burial):
            from llmconcepts.scheduling.operations import unbury_card

            if last.stored:
                unbury_card(self.db, last.card_id, last.buried_before)
            self._undoable.pop()
            if not any(isinstance(a, _Burial) and a.card_id == last.card_id for a in self._undoable):
                self._buried.discard(last.card_id)
            self._last_shown = last.last_shown_before  # the queue as before the burial
            self._changed(last.card_id)
            return Undone(last.card_id, "burial")
        self._undo_rating(last)
        return Undone(last.card_id, "rating")

    def _undo_rating(self, last: _Done) -> None:
        from llmconcepts.scheduling.operations import undo_rating

        undo_rating(self.db, last.log_id)
        self._undoable.pop()
        self._done.pop()  # the last rating is also the last entry here
        self._changed(last.card_id)
        if self.options.cram:
            if last.card_id in self._cram_pending:
                self._cram_pending.remove(last.card_id)
            self._cram_pending.insert(0, last.card_id)
        self._last_shown = last.card_id

    def bury(self, card_id: str, now: datetime) -> None:
        """Hide the card until the next learner day starts (saved at once), as Anki's
        "Bury card". The next card is not one of its siblings while another concept's
        card is waiting, and a buried new card holds its concept's other new cards back
        until tomorrow (see ``queue.py``).

        In cram mode the card is only skipped for the rest of this session: nothing is
        written (cram never moves the schedule).

        Raises:
            LlmcError: a card outside this session.
            CardUnavailableError: the card left the bank since it was shown.
        """
        from llmconcepts.scheduling.operations import bury_card

        now = _utc(now)
        if card_id not in self.selection.concept_of:
            raise LlmcError(f"card '{card_id}' is not part of this session")
        if self.options.cram:
            burial = _Burial(card_id, None, self._last_shown, stored=False)
        else:
            with self._unless_unavailable(card_id):
                before = bury_card(self.db, card_id, self.clock.next_day_start(now))
            burial = _Burial(card_id, before, self._last_shown)
        self._undoable.append(burial)
        self._buried.add(card_id)
        self._last_shown = card_id  # its siblings wait while other cards are left
        self._changed(card_id)

    # -- summary -----------------------------------------------------------------------
    def summary(self, now: datetime) -> SessionSummary:
        """Figures for the end-of-session screen."""
        from sqlalchemy import func, select

        from llmconcepts.scheduling.history import streak_days, today_counts
        from llmconcepts.storage.models import CardRow

        now = _utc(now)
        studied = {kind: 0 for kind in KINDS}
        for done in self._done:
            studied[done.kind] += 1
        _day, _start, today_end = self.clock.today(now)
        tomorrow_end = self.clock.day_end(self.clock.day_of(today_end))
        cards = CardRow.__table__.c

        def due_count(after: datetime, before: datetime, shown_at: datetime) -> Any:
            """Cards due in [after, before) that are neither suspended, hidden nor buried at ``shown_at``."""
            return select(func.count()).select_from(CardRow.__table__).where(
                cards.due >= after, cards.due < before, cards.suspended.is_(False), cards.hidden.is_(False),
                cards.buried_until.is_(None) | (cards.buried_until <= shown_at),
            )

        with self.db.reading() as session:
            counts = today_counts(session, self.clock, now)
            later_today = session.scalar(due_count(now + _INSTANT, today_end, now))
            due_tomorrow = session.scalar(due_count(today_end, tomorrow_end, today_end))
            streak = streak_days(session, self.clock, now)
        return SessionSummary(
            studied_by_kind={kind: n for kind, n in studied.items() if n},
            again_count=sum(1 for done in self._done if done.rating == 1),
            time_spent=timedelta(milliseconds=sum(done.duration_ms or 0 for done in self._done)),
            retention_today=counts.retention,
            due_tomorrow=int(due_tomorrow or 0),
            streak_days=streak,
            ratings_saved=len(self._done),
            due_later_today=int(later_today or 0),
            session_time=max(now - self.opened_at, timedelta(0)) if self.opened_at else timedelta(0),
        )

    def outlook(self, now: datetime) -> Outlook:
        """Why the session has no card to show (see :class:`Outlook`), for its end screen:
        the limits that hold cards back and when the next card comes due."""
        from llmconcepts.scheduling.history import today_counts

        now = _utc(now)
        _day, _start, end = self.clock.today(now)
        with self.db.reading() as session:
            index = self._current_index(session, now)
            counts = today_counts(session, self.clock, now)
            studied = self._studied_cards(session, now)
        # every unlocked new card (no quota) and no review: what the limits hold back
        queue = index.queue(now, end, new_quota=len(self.selection.order), review_quota=0, buried=self._buried)
        review_quota = max(self.settings.reviews_per_day - counts.reviews, 0)
        return Outlook(
            now=now,
            clock=self.clock,
            new_per_day=self.settings.new_per_day,
            new_today=counts.new,
            new_in_session=sum(1 for done in self._done if done.kind == "new"),
            new_unseen=queue.new_available,
            new_unlocked=len(queue.new),
            reviews_per_day=self.settings.reviews_per_day,
            reviews_today=counts.reviews,
            reviews_held_back=max(queue.reviews_due_today - review_quota, 0),
            limit=self.options.limit,
            limit_reached=self._slots_left() == 0,
            options=self.options,
            introduced=studied.active,
            next_due=studied.next_due,
            new_held=queue.new_held,
            suspended_studied=studied.suspended,
            buried_studied=studied.buried,
        )

    def _studied_cards(self, session: Session, now: datetime) -> _Studied:
        """The selection's introduced (studied, unhidden) cards at ``now``: see :class:`_Studied`."""
        from sqlalchemy import case, func, select, type_coerce

        from llmconcepts.storage.tables import cards
        from llmconcepts.storage.types import UTCDateTime

        c = cards.c
        buried = c.buried_until > now  # NULL (never buried) is not
        active = c.suspended.is_(False) & (c.buried_until.is_(None) | (c.buried_until <= now))
        # type_coerce: an aggregate's value goes through the column type (aware UTC back)
        first_due = type_coerce(func.min(case((active & (c.due > now), c.due))), UTCDateTime)
        query = select(
            func.count(case((active, 1))), first_due,
            func.count(case((c.suspended.is_(True), 1))),
            func.count(case((c.suspended.is_(False) & buried, 1))),
        ).where(c.last_review.is_not(None), c.hidden.is_(False))
        if not self.options.layers and not self.options.concepts:  # the whole bank: no filter
            chunks: list[list[str]] = [[]]
        else:
            concepts = sorted(self.selection.concepts)
            chunks = [concepts[i:i + 500] for i in range(0, len(concepts), 500)]
        found = _Studied(0, None, 0, 0)
        for chunk in chunks:
            part = query.where(c.concept_id.in_(chunk)) if chunk else query
            count, first, suspended, buried_count = session.execute(part).one()
            if found.next_due is not None and (first is None or found.next_due < first):
                first = found.next_due
            found = _Studied(found.active + int(count or 0), first, found.suspended + int(suspended or 0),
                             found.buried + int(buried_count or 0))
        return found

    def close(self) -> None:
        """Release the database (every rating is already saved)."""
        if not self._closed:
            self._closed = True
            self.db.close()

    def __enter__(self) -> StudySession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("pass an aware datetime (UTC) as now")
    return now.astimezone(timezone.utc)


def select_cards(bank: CardBank, options: SessionOptions) -> Selection:
    """The session's cards in curriculum order (layer order, then bank order).

    Raises:
        LlmcError: an unknown layer id.
        UnknownConceptError: an unknown concept id (with the closest ids).
    """
    from llmconcepts.cardbank.model import FACET_ORDER
    from llmconcepts.scheduling.queue import Selection

    layer_ids = [layer.id for layer in bank.layers]
    for layer in options.layers:
        if layer not in layer_ids:
            close = difflib.get_close_matches(layer, layer_ids, n=3)
            hint = f" Did you mean: {', '.join(close)}?" if close else f" Layers: {', '.join(layer_ids)}."
            raise LlmcError(f"no layer '{layer}'.{hint}")
    for concept in options.concepts:
        if concept not in bank:
            raise UnknownConceptError(
                concept, difflib.get_close_matches(concept, [c.id for c in bank.concepts], n=3)
            )
    layer_rank = {layer.id: (layer.order, index) for index, layer in enumerate(bank.layers)}
    ranked = sorted(
        enumerate(bank.concepts),
        key=lambda item: (layer_rank.get(item[1].layer, (float("inf"), 0)), item[0]),
    )
    everything = not options.layers and not options.concepts
    chosen = [
        concept for _index, concept in ranked
        if everything or concept.layer in options.layers or concept.id in options.concepts
    ]
    chosen_ids = {concept.id for concept in chosen}
    order: list[str] = []
    concept_of: dict[str, str] = {}
    for concept in chosen:
        kinds = set(concept.facet_kinds)  # the bank's index: no card text is read
        for kind in FACET_ORDER:
            if kind in kinds:
                card_id = concept.card_id(kind)
                order.append(card_id)
                concept_of[card_id] = concept.id
    prerequisites = {
        concept.id: tuple(p for p in concept.prerequisites if p in chosen_ids and p != concept.id)
        for concept in chosen
    }
    return Selection(tuple(order), concept_of, prerequisites)


def _load_bank() -> CardBank:
    from llmconcepts.cardbank.loader import load_bank

    return load_bank()


def open_session(options: SessionOptions, now: datetime, *, bank: CardBank | None = None) -> StudySession:
    """Open a study session: the database (data dir or ``LLMC_DATABASE_URL``), the
    settings, the bank (built-in and the learner's own cards unless ``bank`` is given),
    synced into the database. ``bank`` must be the whole bank, not a filtered one:
    cards missing from it are hidden (use ``options`` to narrow the session).

    Raises:
        LlmcError: bad options (unknown layer, negative limit).
        UnknownConceptError: an unknown concept id.
        ConfigError: invalid ``config.toml``.
        CardBankError: invalid card files.
        StorageError: the database cannot be opened, upgraded or written (a read-only
            file or ``?mode=ro``: ``ReadOnlyDatabaseError``).
    """
    from llmconcepts.scheduling.bank_sync import synced_database
    from llmconcepts.scheduling.day import clock_for
    from llmconcepts.scheduling.fsrs_adapter import build_scheduler
    from llmconcepts.scheduling.operations import check_writable
    from llmconcepts.scheduling.settings import load_settings

    now = _utc(now)
    for name, value in (("new", options.new_limit), ("limit", options.limit)):
        if value is not None and value < 0:
            raise LlmcError(f"--{name} must be 0 or more, not {value}")
    settings = load_settings()
    if bank is None:
        bank = _load_bank()
    selection = select_cards(bank, options)
    db = synced_database(bank, now)
    try:
        check_writable(db)  # before a card is shown and answered, not at its rating
        session = StudySession(
            db, bank, settings, clock_for(settings), options, selection, build_scheduler(settings), now
        )
        if options.cram:
            session._cram_pending = _cram_order(session, now)
    except BaseException:
        db.close()
        raise
    return session


def _cram_order(session: StudySession, now: datetime) -> list[str]:
    """Introduced, active cards of the selection, the soonest due first."""
    with session.db.reading() as db_session:
        index = session._current_index(db_session, now)
    return index.scheduled_by_due(now)


def dashboard(now: datetime, *, bank: CardBank | None = None) -> Dashboard:
    """Counts for ``llmc`` with no command: cards due now (learning steps due and
    reviews due, within today's review quota), new cards still available today,
    the study streak and the next due time of any active card.

    The same figures a session over the whole bank shows (its queue's learning steps
    due, reviews due by now within the quota, the new cards it can still bring today
    within the quota: one per concept not held back, see ``queue.py``), counted by
    SQL aggregates instead of building the queue: after the sync, the bank's cards are
    exactly the unhidden rows.

    Raises:
        The same errors as :func:`open_session`.
    """
    from llmconcepts.scheduling.bank_sync import synced_database
    from llmconcepts.scheduling.day import clock_for
    from llmconcepts.scheduling.history import streak_days, today_counts
    from llmconcepts.scheduling.settings import load_settings
    from llmconcepts.storage import repository

    now = _utc(now)
    settings = load_settings()
    db = synced_database(bank if bank is not None else _load_bank(), now, read_only=True)
    clock = clock_for(settings)
    _day, start, end = clock.today(now)
    try:
        with db.reading() as session:
            counts = today_counts(session, clock, now)
            review_quota = max(settings.reviews_per_day - counts.reviews, 0)
            cards = repository.active_counts(session, now)
            new_today = repository.new_cards_open(
                session, now, start, end, review_quota=review_quota, cap=settings.new_per_day - counts.new
            )
            streak = streak_days(session, clock, now)
    finally:
        db.close()
    return Dashboard(
        due_now=cards.learning_due + min(review_quota, cards.reviews_due),  # reviews go earliest due first
        new_available_today=new_today,
        streak_days=streak,
        next_due=cards.next_due,
        clock=clock,
    )
