"""Schema versions: bring any older llmc database up to the head revision on open.

Migrations are Alembic revisions in ``storage/migrations/versions`` (one file per
revision, file stem = revision id), run programmatically; the version lives in
Alembic's ``alembic_version`` table. Opening a database at the head revision costs
one query and never imports Alembic. Opening an older one first writes a backup
copy beside the file (``llmc.db.backup-<old revision>-<UTC time>``, made with
SQLite's online backup API), then applies every pending revision in one
transaction. A database stamped with a revision this llmc does not know was
written by a newer llmc and is refused, untouched.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from llmconcepts.errors import StorageError

#: Every revision, oldest first. Kept in step with migrations/versions by a test.
REVISIONS: tuple[str, ...] = (
    "0001_initial", "0002_scheduler_configs", "0003_progress_stats", "0004_bank_sync",
)
HEAD = REVISIONS[-1]
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def current_revision(conn: Connection) -> str | None:
    """The database's schema revision, or None for an empty database.

    Raises:
        StorageError: the database has tables but no llmc version (another program's file).
    """
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables:
        if tables:
            raise StorageError(
                "the database is not an llmc database (it holds other tables: "
                f"{', '.join(sorted(tables)[:3])}); point LLMC_DATABASE_URL elsewhere"
            )
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_schema(engine: Engine, write_engine: Engine, sqlite_path: Path | None, now: datetime) -> None:
    """Create or upgrade the schema to :data:`HEAD`.

    Args:
        engine: the database engine (deferred transactions).
        write_engine: the same engine with write transactions (``BEGIN IMMEDIATE``).
        sqlite_path: the SQLite file, for the backup copy; None for other backends.
        now: UTC time, used in the backup's name.

    Raises:
        StorageError: newer schema, or another program's database. Other failures
            propagate as SQLAlchemy/OS errors for the caller to translate.
    """
    with engine.connect() as conn:
        revision = current_revision(conn)
        conn.rollback()
    if revision == HEAD:
        return
    _refuse_unknown(revision)
    backup: Path | None = None
    try:
        with write_engine.connect() as conn, conn.begin():
            revision = current_revision(conn)  # again, under the write lock: another process may have upgraded
            if revision == HEAD:
                return
            _refuse_unknown(revision)
            if revision is not None and sqlite_path is not None:
                backup = backup_copy(sqlite_path, revision, now)
            _run_alembic_upgrade(conn, HEAD)
    except BaseException:
        if backup is not None:  # the upgrade did not happen: the copy would only pile up
            backup.unlink(missing_ok=True)
        raise


def _refuse_unknown(revision: str | None) -> None:
    if revision is not None and revision not in REVISIONS:
        raise StorageError(
            f"the database was written by a newer llmc (schema '{revision}'); "
            "upgrade llmc to use it (it was left untouched)"
        )


def _run_alembic_upgrade(conn: Connection, target: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    command.upgrade(config, target)


def upgrade_to(engine: Engine, target: str) -> None:
    """Migrate to an exact revision (tests use it to build old-schema databases)."""
    with engine.connect() as conn, conn.begin():
        _run_alembic_upgrade(conn, target)


def backup_copy(sqlite_path: Path, revision: str, now: datetime) -> Path:
    """Copy the SQLite file beside itself, consistently even while in WAL mode.

    Returns the backup's path (``<name>.backup-<revision>-<YYYYmmddTHHMMSSZ>``).
    """
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = sqlite_path.with_name(f"{sqlite_path.name}.backup-{revision}-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = sqlite_path.with_name(f"{sqlite_path.name}.backup-{revision}-{stamp}-{counter}")
    source = sqlite3.connect(sqlite_path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    return target
