"""What to study now, in Anki's order, from stored card records.

Order: learning and relearning cards whose step is due; then review cards due
before the end of the learner's day (earliest first, at most the day's remaining
review quota); then new cards in curriculum order (layer order, then bank order),
a concept only once its prerequisites have been introduced (at most the remaining
new quota); last, learning steps that come due within the learn-ahead window
(Anki's "learn ahead limit", 20 minutes), so a session need not stop while a
1-minute step ticks down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from llmconcepts.scheduling.fsrs_adapter import REVIEW
from llmconcepts.storage.repository import CardRecord

#: Anki's default "Learn ahead limit" (Preferences > Review), 20 minutes.
LEARN_AHEAD = timedelta(minutes=20)


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


@dataclass(frozen=True)
class Queue:
    """Card ids by group, each in the order they should be shown."""

    learning_due: tuple[str, ...]
    reviews: tuple[str, ...]
    new: tuple[str, ...]
    learning_ahead: tuple[str, ...]
    learning_today: int  # learning/relearning cards with a step due before the day ends
    reviews_due_today: int  # before the review quota
    new_available: int  # new cards in the selection, locked ones included, before the quota

    def candidates(self) -> tuple[str, ...]:
        return self.learning_due + self.reviews + self.new + self.learning_ahead


def active(card: CardRecord, now: datetime, buried: frozenset[str] | set[str]) -> bool:
    """Neither suspended, hidden nor buried."""
    return not (card.suspended or card.hidden or card.is_buried(now) or card.id in buried)


def build_queue(
    selection: Selection,
    cards: Mapping[str, CardRecord],
    now: datetime,
    day_end: datetime,
    *,
    new_quota: int,
    review_quota: int,
    buried: frozenset[str] | set[str] = frozenset(),
) -> Queue:
    """The queue at ``now`` for the selected cards.

    Args:
        selection: what the session covers.
        cards: stored records of the selected cards.
        now: UTC time.
        day_end: UTC end of the learner's day.
        new_quota: new cards that may still be introduced (0 for review-only).
        review_quota: review cards that may still be studied today.
        buried: cards buried in this session (in addition to stored burials).
    """
    learning_due: list[CardRecord] = []
    learning_ahead: list[CardRecord] = []
    reviews: list[CardRecord] = []
    new: list[str] = []
    learning_today = 0
    new_available = 0
    introduced = {cards[c].concept_id for c in selection.order if c in cards and not cards[c].is_new}
    unavailable = _concepts_without_active_cards(selection, cards, now, buried)
    for card_id in selection.order:
        card = cards.get(card_id)
        if card is None or not active(card, now, buried):
            continue
        if card.is_new:
            new_available += 1
            concept = selection.concept_of[card_id]
            if all(p in introduced or p in unavailable for p in selection.prerequisites.get(concept, ())):
                new.append(card_id)
            continue
        assert card.due is not None
        if card.state == REVIEW:
            if card.due < day_end:
                reviews.append(card)
            continue
        if card.due < day_end:
            learning_today += 1
        if card.due <= now:
            learning_due.append(card)
        elif card.due <= now + LEARN_AHEAD:
            learning_ahead.append(card)
    by_due = lambda card: (card.due, card.id)  # noqa: E731
    return Queue(
        learning_due=tuple(c.id for c in sorted(learning_due, key=by_due)),
        reviews=tuple(c.id for c in sorted(reviews, key=by_due)[: max(review_quota, 0)]),
        new=tuple(new[: max(new_quota, 0)]),
        learning_ahead=tuple(c.id for c in sorted(learning_ahead, key=by_due)),
        learning_today=learning_today,
        reviews_due_today=len(reviews),
        new_available=new_available,
    )


def _concepts_without_active_cards(
    selection: Selection, cards: Mapping[str, CardRecord], now: datetime, buried: frozenset[str] | set[str]
) -> set[str]:
    """Concepts whose every card is suspended (or missing): they cannot be introduced,
    so they must not block the concepts that list them as prerequisites."""
    has_active: dict[str, bool] = {}
    for card_id in selection.order:
        concept = selection.concept_of[card_id]
        card = cards.get(card_id)
        usable = card is not None and not card.suspended and not card.hidden
        has_active[concept] = has_active.get(concept, False) or usable
    return {concept for concept, usable in has_active.items() if not usable}


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
