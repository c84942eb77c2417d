"""Two llmc processes rating different cards at the same moment both land.

Both start on an empty data directory, so they also race to create the schema and
to add the bank's cards; WAL, the busy timeout and write transactions that take the
lock up front (BEGIN IMMEDIATE) must let every rating of both commit.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sched_helpers import database_path

TESTS = Path(__file__).parent
CONCEPTS = [f"c{i}" for i in range(10)]

WORKER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from sched_helpers import make_bank, utc
from llmconcepts.scheduling.session import SessionOptions, open_session
import llmconcepts.storage.engine, llmconcepts.scheduling.operations, alembic.command, fsrs  # warm imports
name, concepts = sys.argv[1], sys.argv[2].split(",")
signals = Path(sys.argv[3])
(signals / f"ready-{{name}}").touch()
while not (signals / "go").exists():
    time.sleep(0.005)
now = utc(2026, 8, 3, 15)
bank = make_bank(*{concepts!r})
with open_session(SessionOptions(), now, bank=bank) as session:
    for concept in concepts:
        for facet in ("mechanism", "trade_off", "failure_mode"):
            session.rate(f"{{concept}}/{{facet}}", 3, now, answer=name)
print("done", name)
"""


def test_two_processes_rating_different_cards_at_once_both_land(tmp_path):
    signals = tmp_path / "signals"
    signals.mkdir()
    script = WORKER.format(tests=str(TESTS), concepts=CONCEPTS)
    env = {**os.environ}
    halves = {"left": CONCEPTS[:5], "right": CONCEPTS[5:]}
    workers = [
        subprocess.Popen([sys.executable, "-c", script, name, ",".join(concepts), str(signals)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, concepts in halves.items()
    ]
    deadline = time.monotonic() + 120
    while not all((signals / f"ready-{name}").exists() for name in halves):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), "a worker died"
        time.sleep(0.01)
    (signals / "go").touch()
    results = [worker.communicate(timeout=120) for worker in workers]
    for worker, (stdout, stderr) in zip(workers, results):
        assert worker.returncode == 0, stderr
        assert stdout.startswith("done")

    connection = sqlite3.connect(database_path())
    try:
        by_process = dict(connection.execute("SELECT answer, COUNT(*) FROM review_log GROUP BY answer"))
        cards = connection.execute("SELECT COUNT(*), SUM(reps), COUNT(due) FROM cards").fetchone()
    finally:
        connection.close()
    assert by_process == {"left": 15, "right": 15}
    assert cards == (30, 30, 30)


KILLED_WORKER = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from sqlalchemy import event
from sqlalchemy.orm import Session
from sched_helpers import make_bank, utc
from llmconcepts.scheduling.session import SessionOptions, open_session

now = utc(2026, 8, 3, 15)
with open_session(SessionOptions(), now, bank=make_bank("a")) as session:
    session.rate("a/mechanism", 3, now)
    session.rate("a/trade_off", 3, now)

    @event.listens_for(Session, "after_flush")
    def die(session_, _context):  # the third rating is written but not committed: kill -9
        os.kill(os.getpid(), signal.SIGKILL)

    session.rate("a/failure_mode", 3, now)
print("not killed")
"""


def test_a_process_killed_mid_rating_loses_only_that_rating(tmp_path):
    result = subprocess.run([sys.executable, "-c", KILLED_WORKER.format(tests=str(TESTS))],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == -9, result.stderr
    connection = sqlite3.connect(database_path())
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        logged = [row[0] for row in connection.execute("SELECT card_id FROM review_log ORDER BY id")]
        reps = dict(connection.execute("SELECT id, reps FROM cards"))
    finally:
        connection.close()
    assert logged == ["a/mechanism", "a/trade_off"]
    assert reps == {"a/mechanism": 1, "a/trade_off": 1, "a/failure_mode": 0}
