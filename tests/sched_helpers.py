"""Shared by the scheduler and storage tests: tiny in-test banks, settings, clocks, dumps."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from llmconcepts.cardbank.model import FACET_ORDER, CardBank, Concept, Facet, KeyPoint, Layer, SourceLocation


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


def make_concept(concept_id: str, layer: str = "basics", prerequisites: tuple[str, ...] = (),
                 text: str = "") -> Concept:
    facets = tuple(
        Facet(kind, f"{concept_id}: {kind.label}? {text}", f"Answer on {concept_id}. {text}",
              (KeyPoint(f"point of {concept_id}", (concept_id,)),))
        for kind in FACET_ORDER
    )
    return Concept(concept_id, concept_id.replace("-", " ").title(), layer, (), tuple(prerequisites),
                   ("test source",), facets, SourceLocation(Path("test.yaml"), 1))


def make_bank(*concepts: Concept | str, layers: tuple[str, ...] | None = None) -> CardBank:
    """A bank of the given concepts (a bare id makes a prerequisite-free concept in 'basics')."""
    built = tuple(make_concept(c) if isinstance(c, str) else c for c in concepts)
    layer_ids = layers or tuple(dict.fromkeys(c.layer for c in built))
    return CardBank(tuple(Layer(lid, lid.title(), order) for order, lid in enumerate(layer_ids, 1)), built)


def write_config(text: str) -> Path:
    """Write config.toml in the test's LLMC_HOME."""
    home = Path(os.environ["LLMC_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def database_path() -> Path:
    return Path(os.environ["LLMC_HOME"]) / "llmc.db"


def dump(path: Path | None = None) -> list[str]:
    """Every row of the llmc tables as SQL text (sqlite3 iterdump): byte-level state."""
    connection = sqlite3.connect(path or database_path())
    try:
        return [line for line in connection.iterdump() if not line.startswith(("BEGIN", "COMMIT"))]
    finally:
        connection.close()


def card_row(card_id: str, path: Path | None = None) -> tuple:
    connection = sqlite3.connect(path or database_path())
    try:
        return connection.execute("SELECT * FROM cards WHERE id = ?", (card_id,)).fetchone()
    finally:
        connection.close()


def log_count(kind: str = "review", path: Path | None = None) -> int:
    connection = sqlite3.connect(path or database_path())
    try:
        return connection.execute("SELECT COUNT(*) FROM review_log WHERE kind = ?", (kind,)).fetchone()[0]
    finally:
        connection.close()


def frozen(now: datetime):
    """Freeze the clock at ``now``. Given as a timestamp: time-machine would otherwise set
    TZ to the datetime's zone (UTC) and hide the learner's zone from the code under test."""
    import time_machine

    return time_machine.travel(now.timestamp(), tick=False)


#: A learner's own card file (one concept, its own layer) for tests that add one to a data folder.
USER_CARD_FILE = """\
layer: {id: team-notes, title: Team notes, order: 9}
concepts:
  - id: gpu-budget
    title: Our GPU budget
    aliases: []
    prerequisites: [kv-cache]
    sources: [Team wiki, 2026]
    mechanism: {prompt: How is the budget split?, answer: By team and quarter., key_points: [{point: Per team, cues: [team]}, {point: Per quarter, cues: [quarter]}, {point: Reviewed monthly, cues: [monthly]}]}
    trade_off: {prompt: What does a reserve cost?, answer: Idle GPUs., key_points: [{point: Idle capacity, cues: [idle]}, {point: Faster launches, cues: [faster]}, {point: Planned yearly, cues: [yearly]}]}
    failure_mode: {prompt: When does it run out?, answer: After a long training run., key_points: [{point: Long runs, cues: [long run]}, {point: Retries, cues: [retry]}, {point: No alert, cues: [alert]}]}
"""


def read_history(home, now: datetime):  # noqa: ANN001, ANN201 - a data folder; (log, cards, replayed)
    """The review log, the cards table and the log replayed through fsrs, of the llmc.db in
    ``home`` (benchmark-generated histories)."""
    from llmconcepts.scheduling.history import replay
    from llmconcepts.storage import repository
    from llmconcepts.storage.engine import open_database

    db = open_database(now, f"sqlite:///{home / 'llmc.db'}")
    try:
        with db.reading() as session:
            log = list(repository.review_log(session, kinds=None))
            cards = {c.id: c for c in repository.load_cards(session)}
            return log, cards, replay(session)
    finally:
        db.close()
