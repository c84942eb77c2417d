"""Bank sync marker: which version of the card files the cards table was last synced with.

``llmc due`` and ``llmc stats`` read the cards table without loading the card bank,
so they must know whether the table still matches the card files (a fresh data
directory, a card file added, edited away or removed since the last study session).
The bank sync records a signature of the files it synced from (paths, sizes and
modification times); a report compares it with the files on disk (a few ``stat``
calls) and syncs first only when they differ.

Revision ID: 0004_bank_sync
Revises: 0003_progress_stats
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_bank_sync"
down_revision = "0003_progress_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_sync",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("signature", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("bank_sync")
