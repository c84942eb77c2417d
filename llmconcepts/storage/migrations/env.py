"""Alembic environment for llmc: always run programmatically (see ``storage/migrate.py``).

The caller passes an open SQLAlchemy connection in ``config.attributes["connection"]``
that is already inside a write transaction (``BEGIN IMMEDIATE`` on SQLite): every
pending migration and its version stamp commit together or not at all, and a
second llmc process opening the database at the same moment waits instead of
migrating twice.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    render_as_batch=True,  # SQLite alters tables by copy; batch mode does that safely
)
with context.begin_transaction():
    context.run_migrations()
