"""The review database's tables as SQLAlchemy Core ``Table`` objects: the one schema description.

``models.py`` maps its ORM classes onto these tables; read-only reports (``llmc
stats``) query them through a Core connection (``Database.snapshot``) and so never
import ``sqlalchemy.orm``, which alone costs about 0.1 s of start-up. What each
table holds is described in ``models.py``; the schema itself is created by the
migrations in ``migrations/versions`` and must match these tables (a test compares
them).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

from llmconcepts.storage.types import UTCDateTime

KIND_REVIEW = "review"
KIND_PRACTICE = "practice"
KIND_RESET = "reset"
#: Review-log kinds that are study (a rating or a cram rating); a reset is not.
STUDY_KINDS = (KIND_REVIEW, KIND_PRACTICE)

metadata = MetaData()

cards = Table(
    "cards",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("concept_id", String(200), nullable=False, index=True),
    Column("facet", String(20), nullable=False),
    Column("state", Integer, nullable=False, index=True),
    Column("step", Integer),
    Column("stability", Float),
    Column("difficulty", Float),
    Column("due", UTCDateTime, index=True),
    Column("last_review", UTCDateTime),
    Column("reps", Integer, nullable=False),
    Column("lapses", Integer, nullable=False),
    Column("suspended", Boolean, nullable=False),
    Column("leech", Boolean, nullable=False),
    Column("buried_until", UTCDateTime),
    Column("hidden", Boolean, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

scheduler_configs = Table(
    "scheduler_configs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("config", Text, nullable=False, unique=True),
)

review_log = Table(
    "review_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_id", ForeignKey("cards.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("rating", Integer),
    Column("reviewed_at", UTCDateTime, nullable=False, index=True),
    Column("duration_ms", Integer),
    Column("answer", Text, nullable=False),
    Column("covered", Text, nullable=False),  # JSON list of key-point texts
    Column("state_before", Integer, nullable=False),
    Column("step_before", Integer),
    Column("stability_before", Float),
    Column("difficulty_before", Float),
    Column("due_before", UTCDateTime),
    Column("last_review_before", UTCDateTime),
    Column("state_after", Integer, nullable=False),
    Column("step_after", Integer),
    Column("stability_after", Float),
    Column("difficulty_after", Float),
    Column("due_after", UTCDateTime),
    Column("last_review_after", UTCDateTime),
    Column("card_before", Text, nullable=False),  # JSON snapshot of the cards row
    Column(
        "scheduler_id",
        ForeignKey("scheduler_configs.id", name="fk_review_log_scheduler_id"),
        index=True,
    ),
    Index("ix_review_log_card_id_id", "card_id", "id"),
    # progress stats count per day, retention and study time from this index alone
    Index("ix_review_log_reviewed_at_kind", "reviewed_at", "kind", "state_before", "rating", "duration_ms"),
)

layers = Table(
    "layers",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("title", Text, nullable=False),
    Column("position", Integer, nullable=False),
)

concept_layers = Table(
    "concept_layers",
    metadata,
    Column("concept_id", String(200), primary_key=True),
    Column("layer_id", String(200), nullable=False),
)

#: One row (id 1): the signature of the card files the cards table was last synced
#: with (``llmconcepts.scheduling.bank_sync``); NULL or no row: unknown, sync again.
bank_sync = Table(
    "bank_sync",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("signature", String(64)),
)
