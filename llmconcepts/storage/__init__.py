"""The review database: SQLAlchemy tables, engine and pragmas, migrations, queries.

``engine.open_database(now)`` opens (creating or upgrading) the database and gives
``reading()`` / ``writing()`` transactions; ``repository`` holds read-only queries
(card states, due cards, the log) for the scheduler, export and stats. Importing
this package is free: SQLAlchemy loads only with those modules. See docs/scheduling.md.
"""
