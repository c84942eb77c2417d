"""Looking never writes: `llmc`, `due`, `stats`, `list` and `export` open the database
read-only (SQLite ``mode=ro``), so they work in a data folder the learner cannot write
to, leave an existing database byte-for-byte as it was, and create nothing in an empty
one; only commands that save give the read-only error. Also the database URL rules:
only the default data folder is created, an in-memory database is said to keep nothing,
``?mode=ro`` is honoured, and no library warning reaches the learner.

Permission bits are made to bind for root (as CI runs) by dropping CAP_DAC_OVERRIDE
with util-linux ``setpriv``, as in test_storage_faults.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sched_helpers import database_path, dump

from llmconcepts.scheduling.session import SessionOptions, open_session
from sched_helpers import USER_CARD_FILE as USER_CARDS

OLD_SCHEMA = Path(__file__).parent / "fixtures" / "storage" / "v1-history.db"
EXPORT = ("export", "json", "--all", "-o", "-")
LOOKING = [(), ("due", "--json"), ("stats", "--json"), ("list", "--json"), EXPORT]


def llmc(*args: str, unprivileged: bool = False, **env: str) -> subprocess.CompletedProcess:
    """`llmc ARGS` in a child process with the test's LLMC_HOME (and ``env`` added)."""
    command = [sys.executable, "-m", "llmconcepts", *args]
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without util-linux setpriv: permission bits cannot bind")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    return subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def studied_home() -> Path:
    """A data folder whose database holds one rating (Good on kv-cache/mechanism, now)."""
    now = datetime.now(timezone.utc)
    with open_session(SessionOptions(concepts=("kv-cache",)), now) as session:
        session.rate("kv-cache/mechanism", 3, now)
    return database_path().parent


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: hashlib.sha256(p.read_bytes()).digest() for p in folder.iterdir() if p.is_file()}


def test_a_read_only_data_folder_can_still_be_looked_at():
    home = studied_home()
    path = database_path()
    before, files = dump(path), listing(home)
    path.chmod(0o444)
    home.chmod(0o555)
    try:
        results = {args: llmc(*args, unprivileged=True) for args in LOOKING}
        saving = llmc("suspend", "kv-cache", unprivileged=True)
    finally:
        home.chmod(0o755)
        path.chmod(0o644)
    for args, result in results.items():
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr == "" or args[0] == "export" and result.stderr.startswith("Exported ")
    # each view shows the rating (from the file, not an empty stand-in)
    assert json.loads(results[("due", "--json")].stdout)["has_history"] is True
    assert json.loads(results[("stats", "--json")].stdout)["ratings"] == 1
    cards = {card["id"]: card for layer in json.loads(results[("list", "--json")].stdout)["layers"]
             for concept in layer["concepts"] for card in concept["cards"]}
    assert cards["kv-cache/mechanism"]["state"] == "learning"  # Good on the first of two steps
    exported = {card["id"]: card for card in json.loads(results[EXPORT].stdout)["cards"]}
    assert exported["kv-cache/mechanism"]["schedule"]["reps"] == 1
    assert "Streak" in results[()].stdout
    # only the command that saves is refused, in one line
    assert saving.returncode == 1
    assert saving.stderr == f"llmc: cannot write {path}: the file or its folder is read-only\n"
    assert dump(path) == before and listing(home) == files  # nothing written, not even a journal


def test_looking_leaves_a_writable_database_as_it_was():
    home = studied_home()
    before = database_path().read_bytes()
    for args in LOOKING:
        assert llmc(*args).returncode == 0
    assert database_path().read_bytes() == before
    assert not list(home.glob("*.backup-*"))


def test_an_empty_data_folder_gets_no_database_from_looking(llmc_home):
    results = {args: llmc(*args) for args in LOOKING[:4]}
    assert all(result.returncode == 0 for result in results.values()), results
    assert json.loads(results[("due", "--json")].stdout)["has_history"] is False
    assert llmc("due").stdout.startswith("Nothing is scheduled yet")
    assert llmc("stats").stdout.startswith("No study yet")
    assert llmc("list").stdout.startswith("Nothing studied yet")
    assert "Due now" in results[()].stdout
    assert not any(llmc_home.glob("llmc.db*"))  # "nothing is written until a command needs to"
    assert llmc("suspend", "kv-cache").returncode == 0
    assert (llmc_home / "llmc.db").exists()  # a command that saves creates it


def test_looking_upgrades_an_older_schema_in_place_after_a_backup():
    """Issue 3: opening an older database upgrades it after writing a backup beside it; the
    daily glance (llmc, due, stats) must not fail the first time after an llmc upgrade."""
    path = database_path()
    path.parent.mkdir(parents=True)
    shutil.copyfile(OLD_SCHEMA, path)
    before = dump(path)
    result = llmc("due", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["has_history"] is True  # the fixture's ratings, read after the upgrade
    backups = list(path.parent.glob("llmc.db.backup-0001_initial-*"))
    assert len(backups) == 1 and dump(backups[0]) == before


def test_an_older_schema_that_cannot_be_written_is_explained_in_one_line():
    path = database_path()
    path.parent.mkdir(parents=True)
    shutil.copyfile(OLD_SCHEMA, path)
    before = path.read_bytes()
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        result = llmc("due", unprivileged=True)
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)
    assert result.returncode == 1
    assert result.stderr.startswith(f"llmc: {path} was written by an earlier llmc and must be upgraded before "
                                    "it can be read, but that failed: ")
    assert "read-only" in result.stderr and result.stderr.count("\n") == 1
    assert path.read_bytes() == before and sorted(p.name for p in path.parent.iterdir()) == ["llmc.db"]


def test_an_older_schema_opened_with_mode_ro_is_never_upgraded(tmp_path):
    path = tmp_path / "old.db"
    shutil.copyfile(OLD_SCHEMA, path)
    before = path.read_bytes()
    result = llmc("due", LLMC_DATABASE_URL=f"sqlite:///{path}?mode=ro")
    assert result.returncode == 1
    assert result.stderr == (f"llmc: {path} was written by an earlier llmc (schema '0001_initial'): it must be "
                             "upgraded by a command that saves (llmc study, or llmc suspend), run where the "
                             "database can be written\n")
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]


def test_the_folder_of_a_given_database_url_is_never_created(tmp_path):
    missing = tmp_path / "no" / "such" / "folder"
    url = f"sqlite:///{missing / 'x.db'}"
    message = (f"llmc: cannot open {missing / 'x.db'}: the folder {missing} does not exist "
               "(create it, or correct LLMC_DATABASE_URL)\n")
    for args in (("suspend", "kv-cache"), ("due",)):
        result = llmc(*args, LLMC_DATABASE_URL=url)
        assert (result.returncode, result.stderr) == (1, message)
    assert not (tmp_path / "no").exists()


def test_the_default_data_folder_is_created_when_needed(llmc_home):
    assert not llmc_home.exists()
    assert llmc("suspend", "kv-cache").returncode == 0
    assert (llmc_home / "llmc.db").is_file()


def test_an_in_memory_database_is_said_once_to_keep_nothing(llmc_home):
    result = llmc("suspend", "kv-cache", LLMC_DATABASE_URL="sqlite://")
    assert result.returncode == 0
    assert result.stdout.startswith("suspended 3 cards")
    assert result.stderr == ("llmc: warning: the database sqlite:// is in memory: nothing will be saved "
                             "(unset LLMC_DATABASE_URL to keep your history)\n")
    assert not any(llmc_home.glob("llmc.db*"))


def test_mode_ro_in_the_url_is_honoured_without_a_library_warning(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert llmc("suspend", "kv-cache", LLMC_DATABASE_URL=url).returncode == 0
    before = (tmp_path / "x.db").read_bytes()
    looked = llmc("due", LLMC_DATABASE_URL=f"{url}?mode=ro")
    assert (looked.returncode, looked.stderr) == (0, "")
    refused = llmc("unsuspend", "kv-cache", LLMC_DATABASE_URL=f"{url}?mode=ro")
    assert refused.returncode == 1
    assert refused.stderr == f"llmc: cannot write {tmp_path / 'x.db'}: the file or its folder is read-only\n"
    assert (tmp_path / "x.db").read_bytes() == before


def test_library_warnings_never_reach_the_learner():
    """Only llmc's own warnings are printed (one line each, once), even with -W always."""
    script = ("import warnings\n"
              "import sqlalchemy.exc\n"
              "from llmconcepts import cli\n"
              "from llmconcepts.errors import LlmcWarning\n"
              "cli._show_only_llmc_warnings()\n"
              "for _ in range(2):\n"
              "    warnings.warn('from SQLAlchemy', sqlalchemy.exc.SAWarning)\n"
              "    warnings.warn('deprecated thing', DeprecationWarning)\n"
              "    warnings.warn('plain', UserWarning)\n"
              "    warnings.warn(LlmcWarning('ours'))\n")
    result = subprocess.run([sys.executable, "-W", "always", "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stderr) == (0, "llmc: warning: ours\n")


def test_the_dashboard_records_cards_the_bank_gained_when_it_can_write():
    from sched_helpers import card_row, make_bank, utc

    from llmconcepts.scheduling.session import dashboard

    now = utc(2026, 7, 1, 12)
    dashboard(now, bank=make_bank("a"))
    assert not database_path().exists()  # nothing to record yet: looking creates nothing
    with open_session(SessionOptions(), now, bank=make_bank("a")) as session:
        session.rate("a/mechanism", 3, now)
    counts = dashboard(now, bank=make_bank("a", "b"))  # b is new to the database
    assert card_row("b/mechanism") is not None  # recorded, as llmc study would
    # 10 new a day, 1 done; a was studied today, so its 2 new cards wait for tomorrow, and
    # b gives its first card: 1
    assert counts.new_available_today == 1


def test_mode_ro_on_a_missing_file_is_refused_rather_than_read_as_empty(tmp_path):
    """A session on an empty in-memory stand-in would take ratings and keep none."""
    missing = tmp_path / "none.db"
    for args in (("due",), ("study", "--plain")):
        result = llmc(*args, LLMC_DATABASE_URL=f"sqlite:///{missing}?mode=ro")
        assert result.returncode == 1, (args, result.stderr)
        assert result.stderr == (f"llmc: {missing} does not exist, and ?mode=ro in LLMC_DATABASE_URL lets llmc "
                                 "create nothing; correct the path or drop ?mode=ro\n")
    assert not missing.exists()


def test_a_read_only_database_file_leaves_nothing_behind_and_works_again_once_writable(llmc_home):
    """QA: looking at a read-only llmc.db in a writable folder left read-only -wal/-shm
    files, and after `chmod u+w llmc.db` saving still failed because of them."""
    studied_home()
    path = database_path()
    (llmc_home / "cards").mkdir()
    (llmc_home / "cards" / "mine.yaml").write_text(USER_CARDS, encoding="utf-8")  # due/stats must sync
    path.chmod(0o444)
    try:
        files = listing(llmc_home)
        results = {args: llmc(*args, unprivileged=True) for args in LOOKING[:3]}
        assert all(result.returncode == 0 for result in results.values()), results
        refused = llmc("suspend", "kv-cache", unprivileged=True)
        assert (refused.returncode, refused.stderr) == (
            1, f"llmc: cannot write {path}: the file or its folder is read-only\n")
        assert listing(llmc_home) == files  # no -wal, no -shm, no backup, from looking or the refusal
    finally:
        path.chmod(0o644)
    saving = llmc("suspend", "kv-cache", unprivileged=True)
    assert saving.returncode == 0, saving.stderr


def test_an_older_read_only_database_file_is_refused_each_time_without_piling_up_backups(llmc_home):
    path = database_path()
    path.parent.mkdir(parents=True)
    shutil.copyfile(OLD_SCHEMA, path)
    path.chmod(0o444)
    try:
        for _attempt in range(2):
            result = llmc("due", unprivileged=True)
            assert result.returncode == 1
            assert result.stderr == (f"llmc: {path} was written by an earlier llmc and must be upgraded before it "
                                     f"can be read, but that failed: cannot write {path}: the file or its folder "
                                     "is read-only\n")
        assert sorted(p.name for p in path.parent.iterdir()) == ["llmc.db"]
    finally:
        path.chmod(0o644)
    assert llmc("due", unprivileged=True).returncode == 0
    assert len(list(path.parent.glob("llmc.db.backup-0001_initial-*"))) == 1


def test_a_read_only_shm_file_left_by_an_older_llmc_is_named_in_the_message(llmc_home):
    """Older llmc versions left read-only -shm files beside a read-only llmc.db; once the
    learner makes llmc.db writable again, that file still blocks writing."""
    import sqlite3

    studied_home()
    path = database_path()
    shm = path.with_name(path.name + "-shm")
    reader = sqlite3.connect(path)  # a WAL reader: SQLite writes the shared-memory index
    reader.execute("SELECT count(*) FROM cards").fetchone()
    index = shm.read_bytes()
    reader.close()  # the last connection removes -wal and -shm
    shm.write_bytes(index)
    shm.chmod(0o444)
    result = llmc("suspend", "kv-cache", unprivileged=True)
    assert result.returncode == 1
    assert result.stderr == (f"llmc: cannot write {path}: llmc.db-shm beside it is read-only; "
                             "make it writable, or delete it while no llmc runs\n")
