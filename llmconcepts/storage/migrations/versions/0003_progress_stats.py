"""Progress views: the curriculum layers in the database, and a covering index for stats.

``llmc stats`` and ``llmc due`` must answer without parsing the card bank (a large
bank of the learner's own cards takes seconds to load), yet stats groups cards by
layer. So the bank sync also records each layer (id, title, position in the
curriculum) and each concept's layer, as Anki keeps a deck id on every card.
Rows written before this revision have no layer until the next sync.

The index on ``review_log(reviewed_at, kind, state_before, rating, duration_ms)``
lets reviews per day, true retention and total study time be counted from the
index alone, without reading the wide log rows (answers, JSON snapshots).

Owner: progress (``llmconcepts/progress``); written for ``llmc list/due/stats``.

Revision ID: 0003_progress_stats
Revises: 0002_scheduler_configs
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_progress_stats"
down_revision = "0002_scheduler_configs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "layers",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "concept_layers",
        sa.Column("concept_id", sa.String(200), primary_key=True),
        sa.Column("layer_id", sa.String(200), nullable=False),
    )
    op.create_index(
        "ix_review_log_reviewed_at_kind",
        "review_log",
        ["reviewed_at", "kind", "state_before", "rating", "duration_ms"],
    )


def downgrade() -> None:
    op.drop_index("ix_review_log_reviewed_at_kind", table_name="review_log")
    op.drop_table("concept_layers")
    op.drop_table("layers")
