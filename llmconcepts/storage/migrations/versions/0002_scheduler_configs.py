"""Record the scheduler configuration of each rating.

A log replay is exact only with the desired retention, steps and parameters that
were in force at each rating; learners change those settings. Rows written
before this revision get NULL, read as the fsrs package defaults.

Revision ID: 0002_scheduler_configs
Revises: 0001_initial
Create Date: 2026-01-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_scheduler_configs"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_configs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("config", sa.Text, nullable=False, unique=True),
    )
    with op.batch_alter_table("review_log") as batch:
        batch.add_column(sa.Column("scheduler_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_review_log_scheduler_id", "scheduler_configs", ["scheduler_id"], ["id"]
        )
        batch.create_index("ix_review_log_scheduler_id", ["scheduler_id"])


def downgrade() -> None:
    with op.batch_alter_table("review_log") as batch:
        batch.drop_index("ix_review_log_scheduler_id")
        batch.drop_constraint("fk_review_log_scheduler_id", type_="foreignkey")
        batch.drop_column("scheduler_id")
    op.drop_table("scheduler_configs")
