"""Faults: each is one clear StorageError line, and nothing is half-written.

Covered: a file that is not SQLite, a corrupt file, a read-only data directory or
database, a locked database past the busy timeout, a full disk, a schema from a
newer llmc, another program's database, a bad database URL.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sched_helpers import database_path, dump, make_bank, utc
from sqlalchemy import event

from llmconcepts.errors import StorageError
from llmconcepts.scheduling.session import SessionOptions, open_session
from llmconcepts.storage import engine as storage_engine
from llmconcepts.storage.engine import open_database

NOW = utc(2026, 7, 1, 12)
BANK = make_bank("a", "b")
TESTS = Path(__file__).parent


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and text.strip() == text and text
    return text


def make_history() -> Path:
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        for card in ("a/mechanism", "b/mechanism"):
            session.rate(card, 3, NOW)
    return database_path()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_is_not_sqlite_is_refused_untouched():
    path = database_path()
    path.parent.mkdir(parents=True)
    path.write_text("my shopping list\n")
    with pytest.raises(StorageError) as info:
        open_session(SessionOptions(), NOW, bank=BANK)
    assert "not a readable llmc database" in one_line(info.value)
    assert path.read_text() == "my shopping list\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["llmc.db"]


def test_a_corrupt_file_is_refused_with_one_line():
    path = make_history()
    data = bytearray(path.read_bytes())
    data[4096:-512] = bytes((i * 37) % 251 for i in range(len(data) - 4096 - 512))  # pages 2+ garbled
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError) as info:
        with open_session(SessionOptions(), NOW, bank=BANK) as session:
            session.next_card(NOW)
    assert "not a readable llmc database (not SQLite, or corrupt)" in one_line(info.value)


def test_the_cli_reports_a_corrupt_database_in_one_line_and_exit_1(tmp_path):
    home = tmp_path / "cli-home"
    home.mkdir()
    (home / "llmc.db").write_bytes(b"SQLite format 3\x00" + b"\x13" * 8000)
    env = {**os.environ, "LLMC_HOME": str(home)}
    result = subprocess.run([sys.executable, "-m", "llmconcepts", "suspend", "kv-cache"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("llmc: ")
    assert "Traceback" not in result.stderr


READ_ONLY_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from sched_helpers import make_bank, utc
from llmconcepts.errors import LlmcError
from llmconcepts.scheduling.session import SessionOptions, open_session
try:
    with open_session(SessionOptions(), utc(2026, 7, 1, 13), bank=make_bank("a", "b")) as session:
        session.rate("a/trade_off", 3, utc(2026, 7, 1, 13))
except LlmcError as exc:
    print(f"llmc: {{exc}}", file=sys.stderr)
    sys.exit(1)
print("rated")
"""


def run_without_write_permission(home: Path) -> subprocess.CompletedProcess:
    """Run the rating script where permission bits bind, even for root (as CI runs):
    root loses CAP_DAC_OVERRIDE through util-linux ``setpriv``."""
    command = [sys.executable, "-c", READ_ONLY_SCRIPT.format(tests=str(TESTS))]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without util-linux setpriv: permission bits cannot bind")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    env = {**os.environ, "LLMC_HOME": str(home)}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_a_read_only_data_directory_without_a_database():
    home = database_path().parent
    home.mkdir(parents=True)
    home.chmod(0o555)
    try:
        result = run_without_write_permission(home)
    finally:
        home.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "not writable" in result.stderr or "read-only" in result.stderr
    assert list(home.iterdir()) == []


def test_a_read_only_database_keeps_its_history_untouched():
    path = make_history()
    before = dump(path)
    home = path.parent
    path.chmod(0o444)
    home.chmod(0o555)
    try:
        result = run_without_write_permission(home)
    finally:
        home.chmod(0o755)
        path.chmod(0o644)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "read-only" in result.stderr or "not writable" in result.stderr
    assert dump(path) == before


def test_a_database_locked_past_the_timeout(monkeypatch):
    path = make_history()
    before = dump(path)
    monkeypatch.setattr(storage_engine, "DEFAULT_BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        with open_session(SessionOptions(), NOW, bank=BANK) as session:
            with pytest.raises(StorageError) as info:
                session.rate("a/trade_off", 3, NOW)
            assert "busy" in one_line(info.value) and "0.2 s" in str(info.value)
            assert session.progress(NOW).done == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert dump(path) == before


def test_a_full_disk_saves_nothing():
    path = make_history()
    before = dump(path)
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]

        @event.listens_for(session.db.engine, "connect")
        def cap_size(dbapi_connection, _record):  # SQLite's own "disk full" once the file would grow
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        session.db.engine.dispose()
        with pytest.raises(StorageError) as info:
            session.rate("a/trade_off", 3, NOW, answer="x" * 200_000)
        assert "full" in one_line(info.value)
    assert dump(path) == before


def test_a_schema_from_a_newer_llmc_is_refused_untouched():
    path = make_history()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    connection.close()
    checksum = digest(path)
    with pytest.raises(StorageError) as info:
        open_session(SessionOptions(), NOW, bank=BANK)
    assert "newer llmc" in one_line(info.value)
    assert digest(path) == checksum
    assert list(path.parent.glob("*.backup-*")) == []


def test_another_programs_database_is_refused():
    path = database_path()
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.close()
    with pytest.raises(StorageError) as info:
        open_database(NOW)
    assert "not an llmc database" in one_line(info.value)


def test_a_bad_database_url(monkeypatch):
    monkeypatch.setenv("LLMC_DATABASE_URL", "not a url at all")
    with pytest.raises(StorageError) as info:
        open_database(NOW)
    one_line(info.value)


def test_an_empty_file_becomes_a_new_database():
    path = database_path()
    path.parent.mkdir(parents=True)
    path.touch()
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        assert session.next_card(NOW) is not None


# --- a disk with no room at all: SQLite says "disk I/O error", not "disk is full" ---

def usage_with_free(free: int):
    """A stand-in for shutil.disk_usage: a 160 KiB file system with ``free`` bytes left."""
    def disk_usage(_path):
        return shutil._ntuple_diskusage(160 * 1024, 160 * 1024 - free, free)

    return disk_usage


@pytest.mark.parametrize(("message", "free", "expected"), [
    # No room to create the -wal/-shm files: SQLITE_IOERR or SQLITE_CANTOPEN, not SQLITE_FULL.
    ("disk I/O error", 0, "the disk holding {where} is full; free some space and try again (nothing was saved)"),
    ("disk I/O error", 1024 * 1024 - 1, "the disk holding {where} is full; free some space and try again "
                                        "(nothing was saved)"),
    ("unable to open database file", 0, "the disk holding {where} is full; free some space and try again "
                                        "(nothing was saved)"),
    # With a megabyte or more free, an I/O error is what it says.
    ("disk I/O error", 1024 * 1024, "input/output error on {where}; check the disk (nothing was saved)"),
    ("unable to open database file", 50 * 1024 * 1024,
     "cannot open {where}: the folder is missing or not writable (SQLite needs to create files beside it)"),
])
def test_an_io_error_on_a_full_disk_says_the_disk_is_full(monkeypatch, tmp_path, message, free, expected):
    from llmconcepts.storage.errors import describe

    where = tmp_path / "llmc.db"
    monkeypatch.setattr(shutil, "disk_usage", usage_with_free(free))
    error = describe(sqlite3.OperationalError(message), where, 5.0)
    assert one_line(error) == expected.format(where=where)


def test_an_io_error_on_a_url_that_is_no_file_stays_an_io_error():
    from llmconcepts.storage.errors import describe

    error = describe(sqlite3.OperationalError("disk I/O error"), "postgresql://db.example/llmc", 5.0)
    assert str(error) == "input/output error on postgresql://db.example/llmc; check the disk (nothing was saved)"


def test_a_rating_that_cannot_open_its_wal_on_a_full_disk_saves_nothing(monkeypatch):
    path = make_history()
    before = dump(path)
    monkeypatch.setattr(shutil, "disk_usage", usage_with_free(0))
    with open_session(SessionOptions(), NOW, bank=BANK) as session:
        @event.listens_for(session.db.engine, "connect")
        def no_room(_dbapi_connection, _record):  # what SQLite raises when -wal/-shm cannot be made
            raise sqlite3.OperationalError("disk I/O error")

        session.db.engine.dispose()
        with pytest.raises(StorageError) as info:
            session.rate("a/trade_off", 3, NOW)
        assert one_line(info.value) == (f"the disk holding {path} is full; free some space and try again "
                                        "(nothing was saved)")
    assert dump(path) == before
