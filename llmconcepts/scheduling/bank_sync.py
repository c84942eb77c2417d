"""Keep the cards table in step with the card files, and know cheaply when it is.

:func:`~llmconcepts.scheduling.operations.sync_bank` makes the cards table match a
loaded bank (new concepts become new cards, removed ones are hidden). A study
session, the dashboard and ``llmc list`` load the bank anyway; ``llmc due`` and
``llmc stats`` do not (a learner's bank of thousands of concepts takes a second to
load), so they need to know whether the table already matches the files on disk.

Each sync records the bank's :attr:`~llmconcepts.cardbank.model.CardBank.signature`
(which files, their sizes and modification times: see
:func:`llmconcepts.cardbank.loader.source_signature`) in the one-row ``bank_sync``
table. :func:`synced_report_database` compares it with the files as they are now (a
few ``stat`` calls) and loads the bank and syncs only when they differ: on a fresh
data directory, or after a card file was added, edited or removed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from llmconcepts.storage.tables import bank_sync

if TYPE_CHECKING:
    from llmconcepts.cardbank.model import CardBank
    from llmconcepts.scheduling.operations import SyncReport
    from llmconcepts.storage.engine import Database

_ROW_ID = 1


def recorded_signature(db: Database) -> str | None:
    """The signature the cards table was last synced with (None: unknown)."""
    with db.snapshot() as connection:  # Core only: no ORM import on the report path
        return connection.execute(select(bank_sync.c.signature).where(bank_sync.c.id == _ROW_ID)).scalar()


def sync_with_bank(db: Database, bank: CardBank, now: datetime) -> SyncReport | None:
    """Sync the cards table with ``bank`` unless it was already synced with these files.

    Returns:
        What the sync changed, or None when the recorded signature showed nothing to do.

    Raises:
        ReadOnlyDatabaseError: cards must be added, hidden or restored and ``db`` cannot
            be written (the caller may reopen it for writing). Recording the signature
            is skipped quietly when it cannot be written: it only saves work.
        StorageError: any other database failure.
    """
    from llmconcepts.errors import StorageError
    from llmconcepts.scheduling.operations import sync_bank

    recorded = recorded_signature(db)
    if bank.signature is not None and recorded == bank.signature:
        return None
    report = sync_bank(db, bank, now)
    if recorded != bank.signature:  # a write only when it changes: other sessions see every write
        try:
            record_signature(db, bank.signature)
        except StorageError:
            pass  # read-only, locked, full: the record only saves a later report some work
    return report


def record_signature(db: Database, signature: str | None) -> None:
    """Store ``signature`` as the one ``bank_sync`` row (a bank of unknown origin stores
    NULL, so the next report syncs again)."""
    with db.writing() as session:
        session.execute(delete(bank_sync))
        session.execute(insert(bank_sync).values(id=_ROW_ID, signature=signature))


def synced_database(bank: CardBank, now: datetime, *, read_only: bool = False) -> Database:
    """The open database with ``bank`` synced into it (closed again if the sync fails).

    ``read_only``: opened for reading (see ``open_database``), and reopened for writing
    only when the bank has cards the database has not recorded yet; a database file
    this user cannot write is then returned unsynced (a look shows it as last synced;
    trying to write would leave read-only ``-wal``/``-shm`` files beside it).

    Raises:
        StorageError: the database cannot be opened, or the sync cannot be written.
    """
    from llmconcepts.storage.engine import can_write, open_database
    from llmconcepts.storage.errors import ReadOnlyDatabaseError

    db = open_database(now, read_only=read_only)
    try:
        sync_with_bank(db, bank, now)
    except ReadOnlyDatabaseError:
        if not read_only:
            db.close()
            raise
        if db.sqlite_path is not None and not can_write(db.sqlite_path):
            return db  # a look at a database this user cannot write: as last synced
        db.close()
        return synced_database(bank, now)
    except BaseException:
        db.close()
        raise
    return db


def synced_report_database(now: datetime) -> Database:
    """The database opened for reading, with the cards table matching the card files.

    When the recorded signature matches the files, nothing is loaded or written (the
    usual case). Otherwise the bank is loaded and synced and the new signature recorded,
    so the next report is quick again; a database that does not exist yet is synced in
    memory only (nothing is created). If the sync must write and cannot (a read-only
    data folder), the database is returned as it stands: the report then shows the
    cards as last synced.

    Raises:
        CardBankError: the bank had to be loaded and a card file is invalid.
        StorageError: the database cannot be opened or read.
    """
    from llmconcepts.cardbank.loader import current_signature, load_bank
    from llmconcepts.storage.engine import can_write, open_database
    from llmconcepts.storage.errors import ReadOnlyDatabaseError

    db = open_database(now, read_only=True)
    try:
        signature = current_signature()
        if signature is not None and recorded_signature(db) == signature:
            return db
    except BaseException:
        db.close()
        raise
    kept, path = _on_disk(db), db.sqlite_path
    db.close()
    bank = load_bank()
    if not kept:
        return synced_database(bank, now, read_only=True)
    if path is None or can_write(path):  # trying on a read-only file would leave -wal/-shm files
        try:
            synced_database(bank, now).close()
        except ReadOnlyDatabaseError:
            pass
    return open_database(now, read_only=True)


def _on_disk(db: Database) -> bool:
    """False for the empty in-memory database that stands for one not created yet (or
    for an in-memory URL): a sync there is not kept, so it is not written elsewhere."""
    return db.sqlite_path is not None or db.engine.url.get_backend_name() != "sqlite"
