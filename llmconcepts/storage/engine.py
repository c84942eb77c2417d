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
Only the default data directory is created when missing; the folder of a URL the
learner gave must exist. An in-memory SQLite URL (``sqlite://``) works, with a warning
that nothing will be saved.

Commands that only look (``llmc``, ``due``, ``stats``, ``list``, ``export``) open the
database with ``read_only=True``: SQLite opens the file with ``mode=ro`` (no journal,
no WAL checkpoint, no schema upgrade), so they work in a data folder the learner may
not write to. A database that does not exist yet reads as an empty one, held in
memory: nothing is created until a command needs to write.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, make_url

from llmconcepts import paths
from llmconcepts.errors import StorageError
from llmconcepts.storage.errors import OlderSchemaError, translated
from llmconcepts.storage.migrate import HEAD, REVISIONS, current_revision, ensure_schema

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
    read_only: bool = False,
) -> Database:
    """Open (creating or upgrading as needed) the review database.

    Args:
        now: current UTC time (names the backup copy made before an upgrade).
        url: SQLAlchemy URL; default ``$LLMC_DATABASE_URL`` or ``llmc.db`` in the data dir.
            Only the data dir is created when missing, not the folder of a URL given here
            or in ``$LLMC_DATABASE_URL``.
        busy_timeout_s: how long a write waits for another process's lock, in seconds
            (default :data:`DEFAULT_BUSY_TIMEOUT_S`).
        read_only: open for reading only: nothing is created, upgraded or written (a
            write fails with the read-only error); a missing database reads as empty.

    Returns:
        The open :class:`Database` at the current schema.

    Raises:
        StorageError: not SQLite or corrupt, read-only or missing folder, disk full,
            locked past the timeout, a schema from a newer llmc (or, read-only, from an
            older one), a bad URL.
    """
    from sqlalchemy.exc import ArgumentError

    given = url or os.environ.get("LLMC_DATABASE_URL")
    url = given or paths.database_url()
    if busy_timeout_s is None:
        busy_timeout_s = DEFAULT_BUSY_TIMEOUT_S
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"LLMC_DATABASE_URL is not a database URL: {url}") from exc
    sqlite_path = _sqlite_file(parsed)
    where = str(sqlite_path) if sqlite_path else parsed.render_as_string(hide_password=True)
    if _in_memory(parsed):
        _warn_nothing_saved(where)
    url_read_only = sqlite_path is not None and parsed.query.get("mode") == "ro"
    if sqlite_path is not None and "mode" in parsed.query:
        # SQLite's own open mode: ``?mode=ro`` is honoured as read-only (the driver would
        # ignore it without ``uri=true``, and write); rw and rwc are what we do anyway.
        read_only = read_only or url_read_only
        parsed = parsed.difference_update_query(["mode"])
    if url_read_only and not sqlite_path.exists():
        # An empty stand-in would let a session "save" ratings into memory and lose them.
        raise StorageError(f"{where} does not exist, and ?mode=ro in LLMC_DATABASE_URL lets llmc "
                           "create nothing; correct the path or drop ?mode=ro")
    if sqlite_path is not None and given and not sqlite_path.parent.is_dir():
        raise StorageError(f"cannot open {where}: the folder {sqlite_path.parent} does not exist "
                           "(create it, or correct LLMC_DATABASE_URL)")
    if read_only:
        try:
            return _open_read_only(parsed, sqlite_path, where, busy_timeout_s)
        except OlderSchemaError:
            if url_read_only:
                raise  # the learner asked for read-only access: never upgrade
            # A viewing command after an llmc upgrade: upgrade in place (a backup copy
            # is written first), as a saving command would, then read.
            _upgrade_for_reading(now, given, busy_timeout_s, where, sqlite_path)
            return _open_read_only(parsed, sqlite_path, where, busy_timeout_s)
    if sqlite_path is not None:
        _check_sqlite_file(sqlite_path, create_folder=not given)
        if sqlite_path.exists() and not can_write(sqlite_path):
            # Refused before SQLite opens it: SQLite would create -wal and -shm files beside
            # it, read-only like the file, and they would block writing even once the
            # learner makes the file writable again.
            from llmconcepts.storage.errors import ReadOnlyDatabaseError

            raise ReadOnlyDatabaseError(f"cannot write {where}: the file or its folder is read-only")
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


def _upgrade_for_reading(
    now: datetime, url: str | None, busy_timeout_s: float, where: str, sqlite_path: Path | None
) -> None:
    """Upgrade an older database so a read-only open can read it.

    A file or folder this user cannot write is refused before trying: an attempt would
    leave a backup copy and SQLite's ``-wal``/``-shm`` files (read-only, like the file)
    behind, on every run.

    Raises:
        StorageError: it cannot be upgraded here (a read-only file or folder, a lock...):
            the message says so and what to do.
    """
    from llmconcepts.storage.errors import ReadOnlyDatabaseError

    try:
        if sqlite_path is not None and not can_write(sqlite_path):
            raise ReadOnlyDatabaseError(f"cannot write {where}: the file or its folder is read-only")
        open_database(now, url, busy_timeout_s=busy_timeout_s).close()
    except StorageError as exc:
        raise StorageError(
            f"{where} was written by an earlier llmc and must be upgraded before it can be read, "
            f"but that failed: {exc}"
        ) from exc


def can_write(path: Path) -> bool:
    """This process may write the file and create files beside it (SQLite's journal)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _sqlite_file(url) -> Path | None:  # url: sqlalchemy.URL
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _in_memory(url) -> bool:  # url: sqlalchemy.URL
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or "mode=memory" in database or url.query.get("mode") == "memory"
    )


def _warn_nothing_saved(where: str) -> None:
    import warnings

    from llmconcepts.errors import LlmcWarning

    warnings.warn(LlmcWarning(f"the database {where} is in memory: nothing will be saved "
                              "(unset LLMC_DATABASE_URL to keep your history)"), stacklevel=1)


def _check_sqlite_file(path: Path, *, create_folder: bool) -> None:
    """Create the folder if asked (the default data dir only); refuse early, without
    writing, a file that is not SQLite."""
    where = str(path)
    if create_folder:
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


def _configure_sqlite(engine: Engine, busy_timeout_s: float, *, read_only: bool = False) -> None:
    busy_ms = int(busy_timeout_s * 1000)
    # Read-only: no journal-mode change (a write), and SQLite itself refuses any write.
    pragmas = ("PRAGMA query_only = ON",) if read_only else (
        "PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 (DBAPI objects)
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        write = conn.get_execution_options().get("llmc_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _open_read_only(url, sqlite_path: Path | None, where: str, busy_timeout_s: float) -> Database:
    """The database opened for reading only, or an empty one in memory when there is none
    yet (no file, an empty file, an in-memory URL, a database without tables).

    Raises:
        StorageError: as :func:`open_database`; a schema older than this llmc's (only a
            writable open upgrades it).
    """
    from sqlalchemy.exc import ArgumentError

    if _in_memory(url) or (sqlite_path is not None and _no_database_yet(sqlite_path)):
        return _empty_database(where, busy_timeout_s)
    with translated(where, busy_timeout_s):
        try:
            if sqlite_path is not None:
                engine = create_engine("sqlite://",
                                       creator=lambda: _connect_read_only(sqlite_path, busy_timeout_s))
            else:
                engine = create_engine(url)
        except (ArgumentError, ImportError) as exc:
            raise StorageError(f"cannot use the database URL {where}: {exc}") from exc
        if url.get_backend_name() == "sqlite":
            _configure_sqlite(engine, busy_timeout_s, read_only=True)
        try:
            with engine.connect() as connection:
                revision = current_revision(connection)
                connection.rollback()
        except BaseException:
            engine.dispose()
            raise
    if revision == HEAD:
        return Database(engine, engine, where, sqlite_path, busy_timeout_s)
    engine.dispose()
    if revision is None:
        return _empty_database(where, busy_timeout_s)
    if revision in REVISIONS:
        raise OlderSchemaError(
            f"{where} was written by an earlier llmc (schema '{revision}'): it must be upgraded by a "
            "command that saves (llmc study, or llmc suspend), run where the database can be written"
        )
    raise StorageError(
        f"the database was written by a newer llmc (schema '{revision}'); "
        "upgrade llmc to use it (it was left untouched)"
    )


def _no_database_yet(path: Path) -> bool:
    """True when ``path`` holds no database: missing or empty. Refuses a folder or a
    file that is not SQLite, without writing."""
    try:
        if path.stat().st_size == 0:
            return True
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    _check_sqlite_file(path, create_folder=False)
    return False


def _connect_read_only(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """A read-only SQLite connection (``mode=ro``).

    A database in WAL mode needs its ``-shm`` index beside it, which SQLite creates on
    open; in a folder the learner cannot write, with no ``-wal`` file (so no write in
    progress or left to checkpoint), the file is read as ``immutable`` instead, which
    needs neither.
    """
    from urllib.parse import quote

    base = f"file:{quote(str(path.resolve()))}?mode=ro"
    if not path.with_name(path.name + "-wal").exists() and not can_write(path):
        # Nothing is being written (no -wal) and nobody with our rights could: read the file
        # as it is. Opened ``mode=ro``, SQLite would create a -shm (and -wal) beside it with
        # the file's read-only permissions, which would then block writing once the learner
        # makes the file writable again.
        return sqlite3.connect(f"{base}&immutable=1", uri=True, timeout=busy_timeout_s, check_same_thread=False)
    connection = sqlite3.connect(base, uri=True, timeout=busy_timeout_s, check_same_thread=False)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError as exc:
        connection.close()
        if path.with_name(path.name + "-wal").exists():
            raise
        if "readonly" not in str(exc) and "unable to open" not in str(exc):
            raise
    return sqlite3.connect(f"{base}&immutable=1", uri=True, timeout=busy_timeout_s, check_same_thread=False)


def _empty_database(where: str, busy_timeout_s: float) -> Database:
    """A new, empty database at the current schema, in memory: what a database that does
    not exist yet reads as. Writes to it (the bank sync of the dashboard) are not kept."""
    from sqlalchemy.pool import StaticPool

    from llmconcepts.storage.tables import metadata

    engine = create_engine("sqlite://", poolclass=StaticPool)
    _configure_sqlite(engine, busy_timeout_s)
    with translated(where, busy_timeout_s):
        metadata.create_all(engine)
    return Database(engine, engine.execution_options(llmc_write=True), where, None, busy_timeout_s)
