"""Tables of the review database (SQLAlchemy 2.x typed ORM).

* ``cards``: one row per schedulable card (``kv-cache/mechanism``) holding the fsrs
  package's card state (state, step, stability, difficulty, due, last review) plus
  Anki-style bookkeeping (reps, lapses, suspended, leech, buried until, hidden).
  A never-reviewed ("new") card has ``last_review`` NULL and ``due`` NULL.
* ``review_log``: append-only history. One row per rating (kind ``review``), per
  cram rating (kind ``practice``, schedule unchanged) and per manual reset (kind
  ``reset``, rating NULL, as Anki's revlog "manual" entries). Each row keeps the
  fsrs state before and after, the typed answer, the key points it covered and
  the scheduler configuration used: enough to replay every card's state and to
  train FSRS parameters later. ``card_before`` is a JSON snapshot of the whole
  card row, so undo restores it exactly.
* ``scheduler_configs``: each distinct fsrs scheduler configuration once (JSON).
* ``layers`` and ``concept_layers``: the curriculum's layers and each concept's layer,
  as of the last bank sync, so progress views group cards by layer without parsing
  the bank (written by ``llmconcepts.progress.layers``).
* ``alembic_version``: the schema version (managed by Alembic, see ``migrate.py``).

The columns are defined once, as Core tables in ``tables.py`` (which read-only
reports use without importing the ORM); these classes map onto them, and the
annotations below give each attribute its Python type. The schema itself is created
by the migrations in ``migrations/versions`` and must match the head revision (a
test compares them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase, Mapped

from llmconcepts.storage import tables
from llmconcepts.storage.tables import KIND_PRACTICE, KIND_RESET, KIND_REVIEW, STUDY_KINDS

__all__ = ["KIND_PRACTICE", "KIND_RESET", "KIND_REVIEW", "STUDY_KINDS", "Base", "CardRow",
           "ConceptLayerRow", "LayerRow", "ReviewLogRow", "SchedulerConfigRow"]


class Base(DeclarativeBase):
    metadata = tables.metadata


class CardRow(Base):
    """Scheduling state of one card. ``state`` holds ``fsrs.State`` values (1 Learning,
    2 Review, 3 Relearning)."""

    __table__ = tables.cards

    id: Mapped[str]
    concept_id: Mapped[str]
    facet: Mapped[str]
    state: Mapped[int]
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime | None]
    last_review: Mapped[datetime | None]
    reps: Mapped[int]
    lapses: Mapped[int]
    suspended: Mapped[bool]
    leech: Mapped[bool]
    buried_until: Mapped[datetime | None]
    hidden: Mapped[bool]
    added_at: Mapped[datetime]


class SchedulerConfigRow(Base):
    """One fsrs scheduler configuration (``fsrs.Scheduler.to_json()``), stored once."""

    __table__ = tables.scheduler_configs

    id: Mapped[int]
    config: Mapped[str]


class ReviewLogRow(Base):
    """One event in a card's history (rating, practice or reset)."""

    __table__ = tables.review_log

    id: Mapped[int]
    card_id: Mapped[str]
    kind: Mapped[str]
    rating: Mapped[int | None]
    reviewed_at: Mapped[datetime]
    duration_ms: Mapped[int | None]
    answer: Mapped[str]
    covered: Mapped[str]  # JSON list of key-point texts
    state_before: Mapped[int]
    step_before: Mapped[int | None]
    stability_before: Mapped[float | None]
    difficulty_before: Mapped[float | None]
    due_before: Mapped[datetime | None]
    last_review_before: Mapped[datetime | None]
    state_after: Mapped[int]
    step_after: Mapped[int | None]
    stability_after: Mapped[float | None]
    difficulty_after: Mapped[float | None]
    due_after: Mapped[datetime | None]
    last_review_after: Mapped[datetime | None]
    card_before: Mapped[str]  # JSON snapshot of the cards row
    scheduler_id: Mapped[int | None]


class LayerRow(Base):
    """A curriculum layer as of the last bank sync; ``position`` is its rank in study order."""

    __table__ = tables.layers

    id: Mapped[str]
    title: Mapped[str]
    position: Mapped[int]


class ConceptLayerRow(Base):
    """The layer of a concept in the bank (as Anki keeps a deck id on each card)."""

    __table__ = tables.concept_layers

    concept_id: Mapped[str]
    layer_id: Mapped[str]
