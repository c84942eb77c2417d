"""What to study now, in Anki's order, from stored card records.

Order: learning and relearning cards whose step is due; then review cards due
before the end of the learner's day (earliest first, at most the day's remaining
review quota); then new cards in curriculum order (layer order, then bank order),
a concept only once its prerequisites have been introduced (at most the remaining
new quota); last, learning steps that come due within the learn-ahead window
(Anki's "learn ahead limit", 20 minutes), so a session need not stop while a
1-minute step ticks down.

New siblings are buried as Anki's "Bury new siblings" option buries them: a concept
gives at most one new card a learner day, and none on a day one of its cards has been
rated or has a learning step or a review (within the review quota) due, nor while one
of its new cards is buried (the learner set the concept's introduction aside for the
day: a burial lasts until the next learner day, and undoing it frees the concept
again). Anki gathers
learning cards, then reviews, then new cards, and skips a new card whose note already
has a card in the day's queue (Anki manual, "Deck Options", Burying); a rating buries
the note's other new cards until the next day. So a concept's next facet comes on a
later day, and a day's new cards cover as many concepts as the quota allows. There is
no fallback to held-back facets when the quota is not used up, as in Anki.

:class:`QueueIndex` keeps the cards a queue can draw on in memory, in those orders,
so that building the next queue costs the cards it returns, not the size of the
bank; the study session decides when it must be read again (``session.py``).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from itertools import chain, islice
from operator import itemgetter

from llmconcepts.scheduling.fsrs_adapter import REVIEW
from llmconcepts.storage.repository import STATE_NAMES, CardRecord

#: Anki's default "Learn ahead limit" (Preferences > Review), 20 minutes.
LEARN_AHEAD = timedelta(minutes=20)

_DUE, _ID = itemgetter(0), itemgetter(1)  # of a (due, card id) entry


@dataclass(frozen=True)
class Selection:
    """The cards a session may show, fixed when it opens.

    Attributes:
        order: card ids in curriculum order (concept by concept, facets in order).
        concept_of: card id -> concept id.
        prerequisites: concept id -> prerequisite concept ids inside the selection
            (prerequisites outside what the learner chose to study are not enforced).
    """

    order: tuple[str, ...]
    concept_of: Mapping[str, str]
    prerequisites: Mapping[str, tuple[str, ...]]

    @cached_property
    def positions(self) -> dict[str, int]:
        """Card id -> its index in :attr:`order` (built once, on first use)."""
        return {card_id: index for index, card_id in enumerate(self.order)}

    @cached_property
    def concepts(self) -> frozenset[str]:
        """The selected concept ids."""
        return frozenset(self.concept_of.values())


@dataclass(frozen=True)
class Queue:
    """Card ids by group, each in the order they should be shown."""

    learning_due: tuple[str, ...]
    reviews: tuple[str, ...]
    new: tuple[str, ...]
    learning_ahead: tuple[str, ...]
    learning_today: int  # learning/relearning cards with a step due before the day ends
    reviews_due_today: int  # before the review quota
    new_available: int  # active new cards in the selection, locked and held ones included
    new_offerable: int  # new cards the day can still bring: one per concept not held back (locked included)
    new_held: int  # active new cards of concepts held back until tomorrow (studied, due or with a new card buried today)

    def candidates(self) -> tuple[str, ...]:
        return self.learning_due + self.reviews + self.new + self.learning_ahead


def active(card: CardRecord, now: datetime, buried: frozenset[str] | set[str]) -> bool:
    """Neither suspended, hidden nor buried."""
    return not (card.suspended or card.hidden or card.is_buried(now) or card.id in buried)


class QueueIndex:
    """The queue-relevant state of a selection's cards for one learner day, held in memory.

    It keeps what :meth:`queue` needs and nothing else: the new cards (as positions in
    curriculum order, and a count per concept), the scheduled cards due before the day
    ends plus the learn-ahead window (or every scheduled card, for cram), which concepts
    are introduced or have an unsuspended card (for prerequisites), which were studied
    (had a card rated) this learner day (their new cards are held back until tomorrow),
    and burial times that end after the day started. Suspended and hidden cards are left
    out. Build it once with :meth:`load`; after changing a card call
    :meth:`refresh_concept` with its concept's stored rows. A queue then costs the
    learning cards of the day, the reviews taken and the new cards scanned, not the size
    of the bank.

    The caller reloads it when the learner day changes or another process may have
    written (see ``StudySession``): it is a copy of the database, valid for one day.
    """

    def __init__(
        self,
        selection: Selection,
        day_start: datetime,
        day_end: datetime,
        *,
        every_scheduled: bool = False,
    ) -> None:
        """Args:
            selection: what the session covers.
            day_start, day_end: UTC bounds of the learner day the index is valid for.
            every_scheduled: keep every scheduled card, not only those due by the day's
                end plus the learn-ahead window (cram studies cards that are not due).
        """
        self.selection = selection
        self._positions = selection.positions
        self.day_start = day_start
        self.horizon = None if every_scheduled else day_end + LEARN_AHEAD
        self._new: list[int] = []  # positions of new cards, ascending
        # card id -> (fsrs state, due): all a queue reads of a scheduled card. A tuple, not the
        # CardRecord: a day's due cards in a large history are tens of thousands of them.
        self._scheduled: dict[str, tuple[int, datetime]] = {}
        self._learning: list[tuple[datetime, str]] = []  # (due, id), ascending
        self._reviews: list[tuple[datetime, str]] = []
        self._buried_until: dict[str, datetime] = {}  # only burials that end after day_start
        self._introduced: set[str] = set()
        self._unavailable: set[str] = set()
        self._studied_today: set[str] = set()  # concepts with a card rated this learner day
        self._new_per_concept: dict[str, int] = {}  # concept -> its new cards in _new
        # kept with the two above: concepts with new cards not studied today, and the new
        # cards of concepts studied today (before burials and today's due cards)
        self._open_concepts = 0
        self._held_new = 0

    def load(
        self,
        new_cards: Iterable[tuple[str, bool, datetime | None]],
        scheduled: Iterable[CardRecord],
        flags: Iterable[tuple[str, bool, bool]],
        studied_today: Iterable[str],
    ) -> QueueIndex:
        """Fill the index from stored rows and return it.

        Args:
            new_cards: (id, suspended, buried until) of the new cards
                (``repository.new_card_states``).
            scheduled: reviewed cards due before :attr:`horizon`
                (``repository.scheduled_cards``).
            flags: (concept, introduced, usable) (``repository.concept_flags``).
            studied_today: concepts with a card rated in the learner day
                (``repository.studied_concepts``).
        """
        for card_id, suspended, buried_until in new_cards:
            self._put_new(card_id, suspended, buried_until, keep_order=False)
        for record in scheduled:
            self._put_scheduled(record, keep_order=False)
        for entries in (self._new, self._learning, self._reviews):
            entries.sort()  # once, rather than an insertion per card
        concepts = self.selection.concepts
        usable = set()
        for concept, introduced, has_usable in flags:
            if concept in concepts:
                if introduced:
                    self._introduced.add(concept)
                if has_usable:
                    usable.add(concept)
        self._unavailable = set(concepts - usable)
        self._studied_today = set(concepts.intersection(studied_today))
        for concept in self._new_per_concept:
            self._tally(concept, +1)
        return self

    def refresh_concept(self, concept: str, records: Iterable[CardRecord], *, studied_today: bool) -> None:
        """Take in the stored state of one concept's unhidden cards (after a rating, an
        undo or a burial changed one of them) and whether a card of it was rated in the
        learner day (``repository.studied_concepts``)."""
        records = list(records)
        self._tally(concept, -1)
        for record in records:
            self._drop(record.id)
            self._put(record)
        if concept in self.selection.concepts:
            (self._studied_today.add if studied_today else self._studied_today.discard)(concept)
        self._tally(concept, +1)
        if concept not in self.selection.concepts:
            return  # prerequisites are only enforced inside the selection
        self._introduced.discard(concept)
        if any(not record.is_new for record in records):
            self._introduced.add(concept)
        if any(not record.suspended for record in records):
            self._unavailable.discard(concept)
        else:
            self._unavailable.add(concept)

    def _tally(self, concept: str, sign: int) -> None:
        """Add (+1) or take back (-1) the concept's share of the open and held counts."""
        new = self._new_per_concept.get(concept, 0)
        if concept in self._studied_today:
            self._held_new += sign * new
        elif new:
            self._open_concepts += sign

    def _put(self, record: CardRecord) -> None:
        if record.hidden:
            return
        if record.is_new:
            self._put_new(record.id, record.suspended, record.buried_until)
        else:
            self._put_scheduled(record)

    def _put_new(self, card_id: str, suspended: bool, buried_until: datetime | None, *, keep_order: bool = True) -> None:
        position = self._positions.get(card_id)
        if position is None or suspended:
            return
        (insort if keep_order else list.append)(self._new, position)
        concept = self.selection.concept_of[card_id]
        self._new_per_concept[concept] = self._new_per_concept.get(concept, 0) + 1
        self._note_burial(card_id, buried_until)

    def _put_scheduled(self, record: CardRecord, *, keep_order: bool = True) -> None:
        assert record.due is not None
        if record.id not in self._positions or record.suspended:
            return
        if self.horizon is not None and record.due >= self.horizon:
            return
        self._scheduled[record.id] = (record.state, record.due)
        ordered = self._reviews if record.state == REVIEW else self._learning
        (insort if keep_order else list.append)(ordered, (record.due, record.id))
        self._note_burial(record.id, record.buried_until)

    def _note_burial(self, card_id: str, buried_until: datetime | None) -> None:
        if buried_until is not None and buried_until > self.day_start:
            self._buried_until[card_id] = buried_until

    def _drop(self, card_id: str) -> None:
        self._buried_until.pop(card_id, None)
        scheduled = self._scheduled.pop(card_id, None)
        if scheduled is not None:
            state, due = scheduled
            ordered = self._reviews if state == REVIEW else self._learning
            del ordered[bisect_left(ordered, (due, card_id))]
            return
        position = self._positions.get(card_id)
        at = bisect_left(self._new, position) if position is not None else len(self._new)
        if at < len(self._new) and self._new[at] == position:
            del self._new[at]
            concept = self.selection.concept_of[card_id]
            self._new_per_concept[concept] -= 1
            if not self._new_per_concept[concept]:
                del self._new_per_concept[concept]

    # -- reading -----------------------------------------------------------------------
    def _inactive(self, card_id: str, now: datetime, buried: frozenset[str] | set[str]) -> bool:
        until = self._buried_until.get(card_id)
        return card_id in buried or (until is not None and until > now)

    def _inactive_at(self, now: datetime, buried: frozenset[str] | set[str]) -> set[str]:
        """The cards of the index buried at ``now`` (stored or in ``buried``): few, so each
        queue looks them up in a set instead of checking every card."""
        return {card_id for card_id in chain(buried, self._buried_until) if self._inactive(card_id, now, buried)}

    def active_among(self, card_ids: Iterable[str], now: datetime, buried: frozenset[str] | set[str]) -> list[str]:
        """Those of ``card_ids`` that are in the index (new, or scheduled within its
        horizon; so not suspended) and not buried at ``now``, in the order given."""
        inactive, scheduled = self._inactive_at(now, buried), self._scheduled
        return [c for c in card_ids if (c in scheduled or self._is_new(c)) and c not in inactive]

    def _is_new(self, card_id: str) -> bool:
        position = self._positions.get(card_id)
        if position is None:
            return False
        at = bisect_left(self._new, position)
        return at < len(self._new) and self._new[at] == position

    def kind_and_due(self, card_id: str) -> tuple[str, datetime | None]:
        """("new", None) for a new card, else the scheduled card's state name and due."""
        scheduled = self._scheduled.get(card_id)
        if scheduled is None:
            return "new", None
        state, due = scheduled
        return STATE_NAMES[state], due

    def scheduled_by_due(self, now: datetime) -> list[str]:
        """Scheduled cards active at ``now``, the soonest due first (the cram order)."""
        inactive = self._inactive_at(now, frozenset())
        return [card_id for _due, card_id in heapq.merge(self._learning, self._reviews) if card_id not in inactive]

    def queue(
        self,
        now: datetime,
        day_end: datetime,
        *,
        new_quota: int,
        review_quota: int,
        buried: frozenset[str] | set[str] = frozenset(),
    ) -> Queue:
        """The queue at ``now``.

        Args:
            now: UTC time, within the learner day the index was loaded for.
            day_end: UTC end of that learner day.
            new_quota: new cards that may still be introduced (0 for review-only).
            review_quota: review cards that may still be studied today.
            buried: cards buried in this session (in addition to stored burials).
        """
        inactive = self._inactive_at(now, buried)
        learning, reviews = self._learning, self._reviews
        due_now = bisect_right(learning, now, key=_DUE)
        due_ahead = bisect_right(learning, now + LEARN_AHEAD, key=_DUE)
        learning_end = learning_today = bisect_left(learning, day_end, key=_DUE)
        reviews_end = reviews_today = bisect_left(reviews, day_end, key=_DUE)
        for card_id in inactive:
            scheduled = self._scheduled.get(card_id)
            if scheduled is not None and scheduled[1] < day_end:  # (state, due)
                if scheduled[0] == REVIEW:
                    reviews_today -= 1
                else:
                    learning_today -= 1
        taken: list[str] = []
        for _due, card_id in islice(reviews, reviews_end):
            if len(taken) >= review_quota:
                break
            if card_id not in inactive:
                taken.append(card_id)
        due_today = _ids(islice(learning, learning_end), inactive) + tuple(taken)
        held = self._held_back(due_today, inactive)
        return Queue(
            learning_due=_ids(islice(learning, due_now), inactive),
            reviews=tuple(taken),
            new=self._unlocked_new(new_quota, inactive, held),
            learning_ahead=_ids(islice(learning, due_now, due_ahead), inactive),
            learning_today=learning_today,
            reviews_due_today=reviews_today,
            new_available=len(self._new) - sum(held.buried_new.values()),
            new_offerable=held.open_concepts,
            new_held=held.new_cards,
        )

    def _held_back(self, due_today: Iterable[str], inactive: set[str]) -> _Held:
        """The concepts held back at a moment (see :class:`_Held`), from the running counts
        corrected by ``due_today`` (active learning cards and the reviews taken, due before
        the day ends) and the ``inactive`` (buried) cards."""
        concept_of, studied = self.selection.concept_of, self._studied_today
        per_concept = self._new_per_concept
        buried_new: dict[str, int] = {}
        for card_id in inactive:
            if self._is_new(card_id):
                concept = concept_of[card_id]
                buried_new[concept] = buried_new.get(concept, 0) + 1
        # held today beyond the studied ones: a card due today, or a new card buried
        held = frozenset(concept_of[card_id] for card_id in due_today).union(buried_new) - studied
        open_concepts, new_cards = self._open_concepts, self._held_new
        for concept, buried in buried_new.items():
            if concept in studied:  # held already: only its buried cards come off
                new_cards -= buried
        for concept in held:
            new = per_concept.get(concept, 0)
            if new:
                open_concepts -= 1  # counted as open by the index
                new_cards += new - buried_new.get(concept, 0)
        return _Held(studied, held, buried_new, open_concepts, new_cards)

    def _unlocked_new(self, quota: int, inactive: set[str], held: _Held) -> tuple[str, ...]:
        """At most ``quota`` active new cards in curriculum order, the first of each concept
        that is not held back today (see :class:`_Held`) and whose prerequisites are
        introduced (or cannot be: every card of theirs suspended)."""
        if quota <= 0:
            return ()
        chosen: list[str] = []
        taken_concepts: set[str] = set()  # a concept's first new card only: its others wait a day
        order, concept_of = self.selection.order, self.selection.concept_of
        prerequisites = self.selection.prerequisites
        introduced, unavailable = self._introduced, self._unavailable
        for position in self._new:
            card_id = order[position]
            concept = concept_of[card_id]
            if card_id in inactive or concept in taken_concepts or held.holds(concept):
                continue
            needs = prerequisites.get(concept, ())
            if all(p in introduced or p in unavailable for p in needs):
                chosen.append(card_id)
                taken_concepts.add(concept)
                if len(chosen) == quota:
                    break
        return tuple(chosen)


@dataclass(frozen=True)
class _Held:
    """Which concepts give no new card today, at one moment, and the counts that follow.

    A concept is held back when a card of it was rated in the learner day, when it has
    an active learning card or a review within the quota due before the day ends (that
    card comes first, and rating it holds the concept back anyway), or when one of its
    new cards is buried. Built from the index's running counts plus the day's due cards
    and the buried cards, so it costs those, not the size of the bank.

    Attributes:
        studied: concepts with a card rated today (the index's set, not copied).
        held: concepts not in ``studied`` with a card due today or a new card buried.
        buried_new: concept -> its new cards buried at the moment.
        open_concepts: concepts not held back that have an active new card (each can give
            one new card today).
        new_cards: active new cards of held-back concepts.
    """

    studied: set[str]
    held: frozenset[str]
    buried_new: Mapping[str, int]
    open_concepts: int
    new_cards: int

    def holds(self, concept: str) -> bool:
        return concept in self.studied or concept in self.held


def _ids(entries: Iterable[tuple[datetime, str]], leave_out: set[str]) -> tuple[str, ...]:
    """The card ids of (due, card id) entries, in order, except ``leave_out``."""
    ids = tuple(map(_ID, entries))  # the usual case (nothing buried) stays at C speed
    return tuple(card_id for card_id in ids if card_id not in leave_out) if leave_out else ids


def pick_next(
    candidates: Sequence[str],
    concept_of: Mapping[str, str],
    last_shown: str | None,
    learning_ids: set[str],
) -> str | None:
    """The first candidate that is neither the card just shown nor a sibling of it
    (siblings spread, as Anki keeps a note's cards apart); else any other card; the
    card just shown only when it is a learning step and nothing else is left."""
    last_concept = concept_of.get(last_shown) if last_shown else None
    fallback = None
    for card_id in candidates:
        if card_id == last_shown:
            continue
        if last_concept is None or concept_of.get(card_id) != last_concept:
            return card_id
        if fallback is None:
            fallback = card_id
    if fallback is not None:
        return fallback
    if last_shown is not None and last_shown in candidates and last_shown in learning_ids:
        return last_shown
    return None
