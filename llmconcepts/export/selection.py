"""Which cards an export holds: shared by the Anki, CSV and JSON exporters.

An :class:`ExportScope` says what the learner asked for; :func:`select_cards`
turns it into an :class:`ExportSelection`, the chosen cards in curriculum order
(layer order, then bank order; facets mechanism, trade-off, failure mode).

* **Due today** (``--due``, the default): cards in learning, review or relearning
  whose due time falls before the end of the learner's day (the day starts at the
  ``rollover-hour`` in the learner's time zone, as Anki's "next day starts at"),
  read with :func:`llmconcepts.storage.repository.cards_due`. Suspended, hidden and
  buried cards are left out, as the study queue leaves them out; new cards are not
  due. The daily review limit does not apply: an export carries every due card.
* **Layers and concepts** (``--layer``, ``--concept``, repeatable): every card of
  those layers and concepts (a union), each named as the learner types it (id,
  title or alias, resolved by :mod:`llmconcepts.cardbank.lookup`); with ``due``
  only those of them that are due today.
* **All** (``--all``): every card of the bank, built-in and the learner's own.

The review database is opened only when the selection depends on it (due cards)
or the caller wants each card's stored state (the JSON export); nothing is written
to it beyond what opening it needs (creating or upgrading the schema).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmconcepts.cardbank.model import CardBank, CardRef, Layer
    from llmconcepts.scheduling.day import LearnerClock
    from llmconcepts.storage.repository import CardRecord


@dataclass(frozen=True)
class ExportScope:
    """What to export, as the learner asked for it.

    Attributes:
        layers: layer queries (id or title, forgiving typos).
        concepts: concept queries (id, alias or title, forgiving typos).
        due: keep only cards due today. With no layers and no concepts, ``due=False``
            means every card of the bank.
    """

    layers: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    due: bool = True


@dataclass(frozen=True)
class ExportCard:
    """One card to export.

    Attributes:
        card: the concept and facet.
        layer: the concept's layer.
        record: the card's stored scheduling state; None when the schedule was not
            read, or when the card has never been stored (a new card).
    """

    card: CardRef
    layer: Layer
    record: CardRecord | None = None

    @property
    def id(self) -> str:
        return self.card.id


@dataclass(frozen=True)
class ExportSelection:
    """The chosen cards in curriculum order, and the learner day they were chosen on.

    ``layer_ids`` and ``concept_ids`` are the scope's queries resolved to ids.
    """

    cards: tuple[ExportCard, ...]
    scope: ExportScope
    layer_ids: tuple[str, ...]
    concept_ids: tuple[str, ...]
    learner_day: date
    with_schedule: bool


def resolve_scope(bank: CardBank, scope: ExportScope) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The scope's layer and concept queries as ids (duplicates dropped, order kept).

    Raises:
        UnknownLayerError: a layer query matches no layer (names the nearest).
        UnknownConceptError, AmbiguousConceptError: a concept query matches no concept,
            or several equally well.
    """
    from llmconcepts.cardbank.lookup import find_concept, find_layer

    layer_ids = tuple(dict.fromkeys(find_layer(bank, query).id for query in scope.layers))
    concept_ids = tuple(dict.fromkeys(find_concept(bank, query).id for query in scope.concepts))
    return layer_ids, concept_ids


def cards_in_scope(
    bank: CardBank, layer_ids: tuple[str, ...], concept_ids: tuple[str, ...]
) -> list[tuple[CardRef, Layer]]:
    """Cards of those layers and concepts (a union; both empty = the whole bank), with
    their layer, in curriculum order; due dates are not looked at."""
    from llmconcepts.cardbank.model import CardRef

    whole_bank = not layer_ids and not concept_ids
    layers = {layer.id: layer for layer in bank.layers}
    rank = {layer.id: index for index, layer in enumerate(bank.layers)}  # bank.layers is in study order
    concepts = sorted(
        (
            concept
            for concept in bank.concepts
            if whole_bank or concept.layer in layer_ids or concept.id in concept_ids
        ),
        key=lambda concept: rank[concept.layer],  # stable: bank order within a layer
    )
    return [(CardRef(concept, facet), layers[concept.layer]) for concept in concepts for facet in concept.facets]


def select_cards(
    bank: CardBank,
    scope: ExportScope,
    now: datetime,
    clock: LearnerClock,
    *,
    with_schedule: bool = False,
) -> ExportSelection:
    """The cards to export.

    Args:
        bank: the loaded card bank.
        scope: what the learner asked for.
        now: the time of the export (UTC-aware); decides "today" and burials.
        clock: the learner's day (time zone and rollover hour).
        with_schedule: attach each card's stored state (``ExportCard.record``).

    Returns:
        The selection, possibly empty (nothing due).

    Raises:
        UnknownLayerError, UnknownConceptError, AmbiguousConceptError: see :func:`resolve_scope`.
        StorageError: the review database cannot be opened or read.
    """
    layer_ids, concept_ids = resolve_scope(bank, scope)
    chosen = cards_in_scope(bank, layer_ids, concept_ids)
    day, _start, day_end = clock.today(now)
    records: dict[str, CardRecord] = {}
    if scope.due or with_schedule:
        records = _read_records(now, day_end, due_only=scope.due)
    if scope.due:
        chosen = [(ref, layer) for ref, layer in chosen if ref.id in records]
    cards = tuple(
        ExportCard(ref, layer, records.get(ref.id) if with_schedule else None) for ref, layer in chosen
    )
    return ExportSelection(cards, scope, layer_ids, concept_ids, day, with_schedule)


def _read_records(now: datetime, day_end: datetime, *, due_only: bool) -> dict[str, CardRecord]:
    """Stored card states by id: the cards due before ``day_end`` that are active now
    (not suspended, hidden or buried), or every stored card that is not hidden."""
    from llmconcepts.scheduling.queue import active
    from llmconcepts.storage import repository
    from llmconcepts.storage.engine import open_database

    db = open_database(now, read_only=True)
    try:
        with db.reading() as session:
            if due_only:
                found = [r for r in repository.cards_due(session, day_end) if active(r, now, set())]
            else:
                found = repository.load_cards(session)
    finally:
        db.close()
    return {record.id: record for record in found}
