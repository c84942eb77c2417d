"""The engine: UTC round trip, all-or-nothing write transactions, light CLI start-up."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sched_helpers import dump, utc
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from llmconcepts.storage.engine import open_database
from llmconcepts.storage.models import CardRow

NOW = utc(2026, 10, 25, 0, 30)


def new_row(card_id: str, due: datetime | None) -> CardRow:
    return CardRow(id=card_id, concept_id=card_id.split("/")[0], facet="mechanism", state=2, step=None,
                   stability=3.5, difficulty=5.0, due=due, last_review=NOW, reps=1, lapses=0,
                   suspended=False, leech=False, buried_until=None, hidden=False, added_at=NOW)


def test_datetimes_come_back_utc_aware_and_equal():
    paris = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Paris"))  # 01:30Z, after DST ends
    db = open_database(NOW)
    try:
        with db.writing() as session:
            session.add(new_row("x/mechanism", paris))
        with db.reading() as session:
            due = session.scalar(select(CardRow.due))
    finally:
        db.close()
    assert due == utc(2026, 10, 25, 1, 30)
    assert due.tzinfo is timezone.utc  # the fsrs package accepts only this tzinfo


def test_naive_datetimes_are_refused():
    db = open_database(NOW)
    try:
        with pytest.raises(StatementError, match="naive datetime"):
            with db.writing() as session:
                session.add(new_row("x/mechanism", datetime(2026, 1, 1)))
                session.flush()
    finally:
        db.close()


def test_a_failing_write_transaction_leaves_nothing():
    db = open_database(NOW)
    try:
        with db.writing() as session:
            session.add(new_row("keep/mechanism", NOW + timedelta(days=1)))
        before = dump()
        with pytest.raises(RuntimeError):
            with db.writing() as session:
                session.add(new_row("lost/mechanism", NOW))
                session.flush()
                raise RuntimeError("killed between the two writes")
        assert dump() == before
    finally:
        db.close()


def test_cli_start_up_imports_no_database_or_scheduler_code():
    code = ("import sys, llmconcepts.cli.app; "
            "print(sorted(m for m in ('sqlalchemy', 'alembic', 'fsrs', 'tomli_w', 'tzlocal') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
