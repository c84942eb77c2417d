"""Keep the database's copy of the curriculum layers in step with the card bank.

``llmc stats`` groups cards by layer but must not parse the bank: a learner's own
bank of thousands of concepts takes seconds and hundreds of MB to load. The bank
sync (:func:`llmconcepts.scheduling.operations.sync_bank`, run whenever a study
session or the dashboard opens) therefore also records every layer (id, title, rank
in study order) and every concept's layer, much as Anki stores a deck id on each
card. Tables: ``layers`` and ``concept_layers`` (migration ``0003_progress_stats``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from llmconcepts.storage.models import ConceptLayerRow, LayerRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from llmconcepts.cardbank.model import CardBank
    from llmconcepts.storage.engine import Database

_CHUNK = 500  # stays under SQLite's bound-parameter limit


def sync_layers(db: Database, bank: CardBank) -> bool:
    """Make ``layers`` and ``concept_layers`` describe exactly the bank's layers and concepts.

    Reads first and writes (one transaction) only when something differs, so the
    usual call costs one read of two small tables.

    Returns:
        True when the tables were changed.

    Raises:
        StorageError: the database failed (nothing is half-written).
    """
    layers = {layer.id: (layer.title, position) for position, layer in enumerate(bank.layers)}
    concepts = {concept.id: concept.layer for concept in bank.concepts}
    with db.reading() as session:
        if _stored(session) == (layers, concepts):
            return False
    with db.writing() as session:
        stored_layers, stored_concepts = _stored(session)  # again, under the write lock
        _apply(session, LayerRow, LayerRow.id, stored_layers, layers,
               lambda key, value: {"id": key, "title": value[0], "position": value[1]})
        _apply(session, ConceptLayerRow, ConceptLayerRow.concept_id, stored_concepts, concepts,
               lambda key, value: {"concept_id": key, "layer_id": value})
    return True


def _stored(session: Session) -> tuple[dict[str, tuple[str, int]], dict[str, str]]:
    layer_rows = session.execute(select(LayerRow.id, LayerRow.title, LayerRow.position))
    layers = {layer_id: (title, position) for layer_id, title, position in layer_rows}
    concept_rows = session.execute(select(ConceptLayerRow.concept_id, ConceptLayerRow.layer_id))
    concepts = {concept_id: layer_id for concept_id, layer_id in concept_rows}
    return layers, concepts


def _apply(session: Session, table, key_column, stored: dict, wanted: dict, row_of) -> None:  # noqa: ANN001
    """Delete rows that are gone or changed, insert rows that are new or changed."""
    stale = [key for key, value in stored.items() if wanted.get(key) != value]
    fresh = [row_of(key, value) for key, value in wanted.items() if stored.get(key) != value]
    for start in range(0, len(stale), _CHUNK):
        session.execute(delete(table).where(key_column.in_(stale[start:start + _CHUNK])))
    if fresh:
        session.execute(insert(table), fresh)
