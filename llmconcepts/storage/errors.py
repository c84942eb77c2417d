"""Turn database and file-system failures into one-line :class:`StorageError` messages.

Each message says what is wrong with which file and what the learner can do.
The transaction in flight is rolled back by the caller's context manager before
the error reaches the learner, so nothing is half-written.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from llmconcepts.errors import LlmcError, StorageError


class OlderSchemaError(StorageError):
    """The database was written by an earlier llmc and was opened for reading only, so
    it could not be upgraded."""


class ReadOnlyDatabaseError(StorageError):
    """A write was refused: the database file or its folder is read-only, or the
    database was opened for reading only."""


def _read_only_message(where: Path | str) -> str:
    """Which file stops the write: the database, its folder, or SQLite's ``-wal``/``-shm``
    files beside it (left read-only when the database was read-only once)."""
    import os

    path = Path(where)
    stuck = [
        side.name for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if side.exists() and not os.access(side, os.W_OK)
    ]
    if stuck and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
        files, them = (" and ".join(stuck), "them") if len(stuck) > 1 else (stuck[0], "it")
        return (f"cannot write {where}: {files} beside it {'are' if len(stuck) > 1 else 'is'} read-only; "
                f"make {them} writable, or delete {them} while no llmc runs")
    return f"cannot write {where}: the file or its folder is read-only"


def describe(exc: BaseException, where: Path | str, busy_timeout_s: float) -> StorageError:
    """The StorageError for a sqlite3/SQLAlchemy/OS error raised while using ``where``."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).splitlines()[0] if str(original) else type(original).__name__
    lowered = text.lower()
    code = getattr(original, "errno", None)
    if "not a database" in lowered or "malformed" in lowered or "file is encrypted" in lowered:
        return StorageError(
            f"{where} is not a readable llmc database (not SQLite, or corrupt); "
            "move it aside to start afresh, or restore a backup"
        )
    if "readonly" in lowered or "read-only" in lowered or code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyDatabaseError(_read_only_message(where))
    full = StorageError(f"the disk holding {where} is full; free some space and try again (nothing was saved)")
    if "disk is full" in lowered or "disk full" in lowered or code == errno.ENOSPC:
        return full
    if "unable to open database file" in lowered:
        if disk_is_full(where):
            return full
        return StorageError(
            f"cannot open {where}: the folder is missing or not writable (SQLite needs to create files beside it)"
        )
    if "locked" in lowered or "busy" in lowered:
        return StorageError(
            f"{where} is busy: another program held it for more than {busy_timeout_s:g} s; "
            "try again (nothing was saved)"
        )
    if "disk i/o error" in lowered or code == errno.EIO:
        if disk_is_full(where):
            return full
        return StorageError(f"input/output error on {where}; check the disk (nothing was saved)")
    return StorageError(f"database error on {where}: {text}")


#: Free space under which a failed write is put down to a full disk. SQLite reports
#: SQLITE_IOERR (or SQLITE_CANTOPEN), not SQLITE_FULL, when it cannot create or grow
#: the ``-wal`` and ``-shm`` files beside the database; the ``-shm`` index alone takes
#: 32 KiB, and a WAL grows a few pages (4 KiB each) at a time.
FULL_BELOW_BYTES = 1024 * 1024


def disk_is_full(where: Path | str) -> bool:
    """Whether the file system holding database file ``where`` has less than
    :data:`FULL_BELOW_BYTES` free (False when ``where`` is no local path, such as a URL)."""
    import shutil

    path = Path(where)
    for probe in (path, path.parent):
        try:
            return shutil.disk_usage(probe).free < FULL_BELOW_BYTES
        except (OSError, ValueError):
            continue
    return False


@contextmanager
def translated(where: Path | str, busy_timeout_s: float) -> Iterator[None]:
    """Re-raise database-driver and OS errors as :class:`StorageError` (LlmcErrors pass through)."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except LlmcError:
        raise
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        # Only what the database or the OS reports; other SQLAlchemy errors are bugs.
        raise describe(exc, where, busy_timeout_s) from exc
