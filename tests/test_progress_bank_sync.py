"""llmc due and llmc stats count the card files as they are, not as last synced.

They read the cards table without loading the bank; the bank sync records which card
files it synced with (scheduling/bank_sync.py), and the reports sync first when the
files differ: a fresh data directory (no session yet), or a card file added or
removed since the last session. Expected counts come from the curriculum
(../shared/concepts.yaml: 56 concepts, 3 facets each, 5 layers) and the README's
default of 10 new cards a day.
"""

from __future__ import annotations

from datetime import datetime, timezone
import pytest

from llmconcepts.progress.reports import due_report, stats_report
from sched_helpers import USER_CARD_FILE as USER_CARDS

NOW = datetime(2026, 11, 29, 15, tzinfo=timezone.utc)
BUILT_IN_CARDS = 56 * 3
LAYERS = ["primer", "model-mechanics", "runtime-constraints", "systems-and-retrieval", "evaluation-and-safety"]


def _session_sync() -> None:
    """What opening a study session does to the database: sync it with the card files."""
    from llmconcepts.cardbank.loader import load_bank
    from llmconcepts.scheduling.bank_sync import synced_database

    synced_database(load_bank(), NOW).close()


def test_a_fresh_data_directory_reports_the_whole_bank_as_new_and_writes_nothing(llmc_home):
    stats = stats_report(NOW)
    assert (stats.cards.total, stats.cards.new) == (BUILT_IN_CARDS, BUILT_IN_CARDS)
    assert [layer.layer_id for layer in stats.layers] == LAYERS
    assert due_report(NOW).new_available_today == 10
    assert not (llmc_home / "llmc.db").exists()


def test_reports_follow_a_card_file_added_and_removed_after_the_last_session(llmc_home):
    _session_sync()
    cards_dir = llmc_home / "cards"
    cards_dir.mkdir(parents=True)
    (cards_dir / "team.yaml").write_text(USER_CARDS, encoding="utf-8")
    stats = stats_report(NOW)
    assert stats.cards.total == BUILT_IN_CARDS + 3
    assert "team-notes" in [layer.layer_id for layer in stats.layers]
    (cards_dir / "team.yaml").unlink()
    stats = stats_report(NOW)
    assert stats.cards.total == BUILT_IN_CARDS
    assert "team-notes" not in [layer.layer_id for layer in stats.layers]


def test_a_table_synced_with_the_files_is_read_without_loading_the_bank(monkeypatch):
    from llmconcepts.cardbank import loader
    from llmconcepts.scheduling.bank_sync import recorded_signature
    from llmconcepts.storage.engine import open_database

    _session_sync()
    db = open_database(NOW, read_only=True)
    try:
        assert recorded_signature(db) == loader.current_signature() is not None
    finally:
        db.close()

    def no_loading(**_options):
        pytest.fail("the bank was loaded although the table matches the card files")

    monkeypatch.setattr(loader, "load_bank", no_loading)
    assert stats_report(NOW).cards.total == BUILT_IN_CARDS
    assert due_report(NOW).new_available_today == 10


def test_the_signature_changes_when_a_card_file_is_rewritten(llmc_home):
    import os

    from llmconcepts.cardbank.loader import current_signature

    cards_dir = llmc_home / "cards"
    cards_dir.mkdir(parents=True)
    copy = cards_dir / "team.yaml"
    copy.write_text(USER_CARDS, encoding="utf-8")
    before = current_signature()
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert current_signature() != before
    copy.write_text(copy.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert current_signature() not in (before, None)


def test_a_report_records_the_new_signature_so_the_next_one_does_not_load_the_bank(llmc_home, monkeypatch):
    from llmconcepts.cardbank import loader

    _session_sync()
    cards_dir = llmc_home / "cards"
    cards_dir.mkdir(parents=True)
    (cards_dir / "team.yaml").write_text(USER_CARDS, encoding="utf-8")
    assert stats_report(NOW).cards.total == BUILT_IN_CARDS + 3  # loads the bank and syncs

    def no_loading(**_options):
        pytest.fail("the bank was loaded again although nothing changed since the last report")

    monkeypatch.setattr(loader, "load_bank", no_loading)
    assert due_report(NOW).new_available_today == 10
    assert stats_report(NOW).cards.total == BUILT_IN_CARDS + 3
