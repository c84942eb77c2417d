"""Initial schema: cards and the review log.

Revision ID: 0001_initial
Revises:
Create Date: 2026-01-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cards",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("concept_id", sa.String(200), nullable=False),
        sa.Column("facet", sa.String(20), nullable=False),
        sa.Column("state", sa.Integer, nullable=False),
        sa.Column("step", sa.Integer, nullable=True),
        sa.Column("stability", sa.Float, nullable=True),
        sa.Column("difficulty", sa.Float, nullable=True),
        sa.Column("due", sa.DateTime, nullable=True),
        sa.Column("last_review", sa.DateTime, nullable=True),
        sa.Column("reps", sa.Integer, nullable=False),
        sa.Column("lapses", sa.Integer, nullable=False),
        sa.Column("suspended", sa.Boolean, nullable=False),
        sa.Column("leech", sa.Boolean, nullable=False),
        sa.Column("buried_until", sa.DateTime, nullable=True),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_cards_concept_id", "cards", ["concept_id"])
    op.create_index("ix_cards_state", "cards", ["state"])
    op.create_index("ix_cards_due", "cards", ["due"])

    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("card_id", sa.String(200), sa.ForeignKey("cards.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("reviewed_at", sa.DateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=True),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("covered", sa.Text, nullable=False),
        sa.Column("state_before", sa.Integer, nullable=False),
        sa.Column("step_before", sa.Integer, nullable=True),
        sa.Column("stability_before", sa.Float, nullable=True),
        sa.Column("difficulty_before", sa.Float, nullable=True),
        sa.Column("due_before", sa.DateTime, nullable=True),
        sa.Column("last_review_before", sa.DateTime, nullable=True),
        sa.Column("state_after", sa.Integer, nullable=False),
        sa.Column("step_after", sa.Integer, nullable=True),
        sa.Column("stability_after", sa.Float, nullable=True),
        sa.Column("difficulty_after", sa.Float, nullable=True),
        sa.Column("due_after", sa.DateTime, nullable=True),
        sa.Column("last_review_after", sa.DateTime, nullable=True),
        sa.Column("card_before", sa.Text, nullable=False),
    )
    op.create_index("ix_review_log_reviewed_at", "review_log", ["reviewed_at"])
    op.create_index("ix_review_log_card_id_id", "review_log", ["card_id", "id"])


def downgrade() -> None:
    op.drop_table("review_log")
    op.drop_table("cards")
