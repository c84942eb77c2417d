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

The schema itself is created by the migrations in ``migrations/versions``; these
classes must match the head revision (a test compares them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from llmconcepts.storage.types import UTCDateTime

KIND_REVIEW = "review"
KIND_PRACTICE = "practice"
KIND_RESET = "reset"


class Base(DeclarativeBase):
    pass


class CardRow(Base):
    """Scheduling state of one card. ``state`` holds ``fsrs.State`` values (1 Learning,
    2 Review, 3 Relearning)."""

    __tablename__ = "cards"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    concept_id: Mapped[str] = mapped_column(String(200), index=True)
    facet: Mapped[str] = mapped_column(String(20))
    state: Mapped[int] = mapped_column(Integer, index=True)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(Integer)
    lapses: Mapped[int] = mapped_column(Integer)
    suspended: Mapped[bool] = mapped_column(Boolean)
    leech: Mapped[bool] = mapped_column(Boolean)
    buried_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchedulerConfigRow(Base):
    """One fsrs scheduler configuration (``fsrs.Scheduler.to_json()``), stored once."""

    __tablename__ = "scheduler_configs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    config: Mapped[str] = mapped_column(Text, unique=True)


class ReviewLogRow(Base):
    """One event in a card's history (rating, practice or reset)."""

    __tablename__ = "review_log"
    __table_args__ = (
        Index("ix_review_log_card_id_id", "card_id", "id"),
        # progress stats count per day, retention and study time from this index alone
        Index("ix_review_log_reviewed_at_kind", "reviewed_at", "kind", "state_before", "rating", "duration_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"))
    kind: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    covered: Mapped[str] = mapped_column(Text)  # JSON list of key-point texts
    state_before: Mapped[int] = mapped_column(Integer)
    step_before: Mapped[int | None] = mapped_column(Integer)
    stability_before: Mapped[float | None] = mapped_column(Float)
    difficulty_before: Mapped[float | None] = mapped_column(Float)
    due_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_review_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_after: Mapped[int] = mapped_column(Integer)
    step_after: Mapped[int | None] = mapped_column(Integer)
    stability_after: Mapped[float | None] = mapped_column(Float)
    difficulty_after: Mapped[float | None] = mapped_column(Float)
    due_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_review_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    card_before: Mapped[str] = mapped_column(Text)  # JSON snapshot of the cards row
    scheduler_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduler_configs.id", name="fk_review_log_scheduler_id"), index=True
    )


class LayerRow(Base):
    """A curriculum layer as of the last bank sync; ``position`` is its rank in study order."""

    __tablename__ = "layers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class ConceptLayerRow(Base):
    """The layer of a concept in the bank (as Anki keeps a deck id on each card)."""

    __tablename__ = "concept_layers"

    concept_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    layer_id: Mapped[str] = mapped_column(String(200))
