"""Open the review database: engine, SQLite pragmas, transactions, schema upgrade.

SQLite (the default, ``llmc.db`` in the data directory) runs with:

* ``journal_mode=WAL``: readers never block the writer, so a study session and
  ``llmc stats`` can run at once;
* ``busy_timeout``: a writer waits (default 5 s) for another process's write to
  finish instead of failing at once;
* ``foreign_keys=ON``: the log cannot point at a missing card;
* ``synchronous=FULL``: a committed rating survives a crash or power cut.

Python's sqlite3 module is told not to issue BEGIN itself; we emit ``BEGIN`` for
reads and ``BEGIN IMMEDIATE`` for writes (see the SQLAlchemy SQLite docs,
"Serializable isolation / Savepoints / Transactional DDL"). Taking the write lock
at the start of a write transaction means a rating never fails half-way with
SQLITE_BUSY after it has read the card: it waits, then reads fresh state.

Any SQLAlchemy URL works through ``LLMC_DATABASE_URL``; the pragmas apply to SQLite only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, make_url

from llmconcepts import paths
from llmconcepts.errors import StorageError
from llmconcepts.storage.errors import translated
from llmconcepts.storage.migrate import ensure_schema

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

DEFAULT_BUSY_TIMEOUT_S = 5.0
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass
class Database:
    """An open review database. Use :meth:`reading` and :meth:`writing` for transactions."""

    engine: Engine
    write_engine: Engine
    where: str
    sqlite_path: Path | None
    busy_timeout_s: float

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session in one read transaction (a consistent snapshot); nothing is written.

        Raises:
            StorageError: any database failure, as one line.
        """
        from sqlalchemy.orm import Session  # the ORM is imported only by commands that use it

        with translated(self.where, self.busy_timeout_s):
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
                session.rollback()

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A Core connection in one read transaction (a consistent snapshot); nothing is
        written. For reports that query ``tables`` and need no ORM objects: unlike
        :meth:`reading`, it never imports ``sqlalchemy.orm`` (about 0.1 s of start-up).

        Raises:
            StorageError: any database failure, as one line.
        """
        with translated(self.where, self.busy_timeout_s):
            with self.engine.connect() as connection, connection.begin() as transaction:
                yield connection
                transaction.rollback()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in one write transaction: everything in the block commits together
        or, on any exception, nothing does.

        Raises:
            StorageError: any database failure (locked past the timeout, disk full...).
        """
        from sqlalchemy.orm import Session

        with translated(self.where, self.busy_timeout_s):
            with Session(self.write_engine, expire_on_commit=False) as session, session.begin():
                yield session

    def close(self) -> None:
        """Close every pooled connection (checkpoints the WAL when it is the last one)."""
        self.engine.dispose()


def open_database(
    now: datetime,
    url: str | None = None,
    *,
    busy_timeout_s: float | None = None,
) -> Database:
    """Open (creating or upgrading as needed) the review database.

    Args:
        now: current UTC time (names the backup copy made before an upgrade).
        url: SQLAlchemy URL; default ``$LLMC_DATABASE_URL`` or ``llmc.db`` in the data dir.
        busy_timeout_s: how long a write waits for another process's lock, in seconds
            (default :data:`DEFAULT_BUSY_TIMEOUT_S`).

    Returns:
        The open :class:`Database` at the current schema.

    Raises:
        StorageError: not SQLite or corrupt, read-only or missing folder, disk full,
            locked past the timeout, a schema from a newer llmc, a bad URL.
    """
    from sqlalchemy.exc import ArgumentError

    url = url or paths.database_url()
    if busy_timeout_s is None:
        busy_timeout_s = DEFAULT_BUSY_TIMEOUT_S
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"LLMC_DATABASE_URL is not a database URL: {url}") from exc
    sqlite_path = _sqlite_file(parsed)
    where = str(sqlite_path) if sqlite_path else parsed.render_as_string(hide_password=True)
    if sqlite_path is not None:
        _check_sqlite_file(sqlite_path)
    with translated(where, busy_timeout_s):
        try:
            engine = create_engine(
                parsed, connect_args={"timeout": busy_timeout_s} if sqlite_path else {}
            )
        except (ArgumentError, ImportError) as exc:
            raise StorageError(f"cannot use the database URL {where}: {exc}") from exc
        if parsed.get_backend_name() == "sqlite":
            _configure_sqlite(engine, busy_timeout_s)
        write_engine = engine.execution_options(llmc_write=True)
        try:
            ensure_schema(engine, write_engine, sqlite_path, now)
        except BaseException:
            engine.dispose()
            raise
    return Database(engine, write_engine, where, sqlite_path, busy_timeout_s)


def _sqlite_file(url) -> Path | None:  # url: sqlalchemy.URL
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _check_sqlite_file(path: Path) -> None:
    """Create the folder; refuse early, without writing, a file that is not SQLite."""
    where = str(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder of {where}: {exc.strerror or exc}") from exc
    if path.is_dir():
        raise StorageError(f"{where} is a folder, not a database file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"cannot read {where}: {exc.strerror or exc}") from exc
    if header and header != SQLITE_HEADER:
        raise StorageError(
            f"{where} is not a readable llmc database (not SQLite, or corrupt); "
            "move it aside to start afresh, or restore a backup"
        )


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    busy_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 (DBAPI objects)
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        write = conn.get_execution_options().get("llmc_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
