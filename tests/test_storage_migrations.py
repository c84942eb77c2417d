"""Schema versions: fresh databases match the models; an old database upgrades in place
with its history intact and a backup beside it; a newer one is refused untouched."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sched_helpers import database_path, make_bank, utc

from llmconcepts.scheduling.history import replay
from llmconcepts.scheduling.session import SessionOptions, open_session
from llmconcepts.storage import migrate, repository
from llmconcepts.storage.engine import open_database
from llmconcepts.storage.models import Base

FIXTURE = Path(__file__).parent / "fixtures" / "storage" / "v1-history.db"
NOW = utc(2026, 2, 1, 12)


def test_revision_list_matches_the_migration_scripts():
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    walked = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(walked) == migrate.REVISIONS
    assert script.get_current_head() == migrate.HEAD
    stems = sorted(p.stem for p in (migrate.MIGRATIONS_DIR / "versions").glob("*.py"))
    assert tuple(stems) == migrate.REVISIONS


def test_a_fresh_database_matches_the_models_exactly():
    db = open_database(NOW)
    try:
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert differences == []
        with db.reading() as s:
            pragmas = {name: s.connection().exec_driver_sql(f"PRAGMA {name}").scalar()
                       for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")}
        assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 2}
    finally:
        db.close()


def _rows(path: Path, query: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


LOG_COLUMNS = ("id, card_id, kind, rating, reviewed_at, duration_ms, answer, covered, state_before, "
               "stability_before, state_after, stability_after, due_after, card_before")


def test_old_schema_upgrades_in_place_with_history_and_a_backup():
    target = database_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURE, target)
    old_log = _rows(target, f"SELECT {LOG_COLUMNS} FROM review_log ORDER BY id")
    old_cards = _rows(target, "SELECT * FROM cards ORDER BY id")
    assert _rows(target, "SELECT version_num FROM alembic_version") == [("0001_initial",)]
    assert len(old_log) == 7

    bank = make_bank("kv-cache", "attention")
    with open_session(SessionOptions(), NOW, bank=bank) as session:
        assert _rows(target, "SELECT version_num FROM alembic_version") == [(migrate.HEAD,)]
        assert _rows(target, f"SELECT {LOG_COLUMNS} FROM review_log ORDER BY id") == old_log
        assert _rows(target, "SELECT scheduler_id FROM review_log") == [(None,)] * 7
        old_ids = ", ".join(f"'{row[0]}'" for row in old_cards)
        assert _rows(target, f"SELECT * FROM cards WHERE id IN ({old_ids}) ORDER BY id") == old_cards
        with session.db.reading() as s:
            rebuilt = replay(s)
            stored = {r.id: r for r in repository.load_cards(s)}
        for card_id, card in rebuilt.items():
            assert card.state.due == stored[card_id].due
            assert card.state.stability == stored[card_id].stability
        # the learner carries on where they were
        outcome = session.rate("kv-cache/mechanism", 3, NOW)
        assert outcome.next_due > NOW

    backups = sorted(target.parent.glob("llmc.db.backup-0001_initial-*"))
    assert [b.name for b in backups] == ["llmc.db.backup-0001_initial-20260201T120000Z"]
    assert _rows(backups[0], "SELECT version_num FROM alembic_version") == [("0001_initial",)]
    assert _rows(backups[0], f"SELECT {LOG_COLUMNS} FROM review_log ORDER BY id") == old_log


def test_opening_at_head_makes_no_backup():
    open_database(NOW).close()
    open_database(NOW).close()
    assert list(database_path().parent.glob("*.backup-*")) == []
