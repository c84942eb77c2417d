"""Large synthetic data directories for the benchmarks, built in seconds rather than minutes.

benchmarks/generate_history.py rates every card through the fsrs package, about
0.3 ms a rating here: a million ratings would take longer than the whole
benchmark may. This module keeps its simulation but runs it on a few *template*
cards only, then copies each template's history onto other cards inside SQLite,
shifted in time by a whole number of seconds drawn per card. FSRS state depends
on the ratings and on the time between them, not on the calendar, so a shifted
copy is still a history the scheduler could have produced; only the fuzz on the
intervals was seeded with the template's card id, and the ``card_before``
snapshots (read only by undo, of a rating made in the same session) keep the
template's times.

The shift stays within the history's window (a copy never starts before it or
ends on the learner's "today") and within :data:`MAX_SHIFT` of the template, so
due dates keep the spread the generator gives them: most cards due over the next
month, about one in ten due now.

Everything is seeded: the same sizes, seed and end time give the same database.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_history import HistorySpec, _simulate, _write, synthetic_bank_yaml  # noqa: E402

#: Concepts per synthetic bank file: the loader refuses a file of more than 200,000
#: YAML values (an alias-bomb guard); a synthetic concept is about 50.
CONCEPTS_PER_FILE = 1000
#: Simulated ratings spent on templates; more templates means fewer identical shapes.
TEMPLATE_BUDGET = 12_000
MAX_SHIFT = timedelta(days=5)


def builtin_card_count() -> int:
    """Cards in the built-in bank."""
    from llmconcepts.cardbank.loader import load_bank

    return len(load_bank(user_dirs=[], use_cache=False).card_ids())


def write_synthetic_bank(folder: Path, cards: int) -> int:
    """Write made-up concepts (three cards each) into ``folder``, in files of
    :data:`CONCEPTS_PER_FILE`, at least ``cards`` cards; return the number written."""
    folder.mkdir(parents=True, exist_ok=True)
    concepts = -(-cards // 3)
    for index, first in enumerate(range(1, concepts + 1, CONCEPTS_PER_FILE)):
        count = min(CONCEPTS_PER_FILE, concepts - first + 1)
        text = synthetic_bank_yaml(count, first)
        (folder / f"synthetic-{index:03d}.yaml").write_text(text, encoding="utf-8")
    return 3 * concepts


def use_home(home: Path, cards_dir: Path | None) -> None:
    """Point this process's llmc at ``home`` (and the learner's cards at ``cards_dir``)."""
    os.environ["LLMC_HOME"] = str(home)
    os.environ.pop("LLMC_DATABASE_URL", None)
    if cards_dir is None:
        os.environ.pop("LLMC_CARDS", None)
    else:
        os.environ["LLMC_CARDS"] = str(cards_dir)


def share_bank_cache(source_home: Path, target_home: Path) -> None:
    """Copy the parsed-bank cache between homes that read the same card folders (its key
    covers the files' contents, not the home), so the bank is parsed once."""
    from llmconcepts.cardbank.cache import STORE_PREFIX, STORE_SUFFIX

    for source in (source_home / "cache").glob(f"{STORE_PREFIX}-*{STORE_SUFFIX}"):
        (target_home / "cache").mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target_home / "cache" / source.name)


def prepare_base(home: Path, cards_dir: Path | None, spec: HistorySpec) -> None:
    """Create ``home`` with the bank parsed (its cache written) and every card in the
    database, unrated: a starting point that :func:`build_history` copies."""
    from llmconcepts.cardbank.loader import load_bank
    from llmconcepts.scheduling.bank_sync import sync_with_bank  # records the files it synced with, as a session does
    from llmconcepts.storage.engine import open_database

    home.mkdir(parents=True)
    use_home(home, cards_dir)
    bank = load_bank()
    db = open_database(spec.end)
    try:
        sync_with_bank(db, bank, spec.end - timedelta(days=spec.days + 1))
    finally:
        db.close()


def build_history(home: Path, cards_dir: Path | None, spec: HistorySpec, *, base: Path | None = None) -> dict:
    """Create ``home`` (an LLMC_HOME whose learner's cards are ``cards_dir``) with the
    first ``spec.cards`` cards of the bank rated ``spec.reviews`` times in all.

    Card ``i`` gets ``reviews // cards`` ratings, one more for the first
    ``reviews % cards`` cards, as in generate_history.py. ``base`` is a home made by
    :func:`prepare_base` for the same cards and end time, copied to save the parse
    and the sync. Returns the counts written.
    """
    from llmconcepts.cardbank.loader import load_bank
    from llmconcepts.paths import DATABASE_FILE

    home.mkdir(parents=True, exist_ok=True)
    if base is not None:
        shutil.copy2(base / DATABASE_FILE, home / DATABASE_FILE)
        share_bank_cache(base, home)
    use_home(home, cards_dir)
    bank = load_bank()
    every_card = bank.card_ids()
    card_ids = every_card[: spec.cards]
    if len(card_ids) < spec.cards:
        raise SystemExit(f"the bank has only {len(card_ids)} cards, {spec.cards} wanted")
    share, extra = divmod(spec.reviews, len(card_ids))
    groups = {share + 1: card_ids[:extra], share: card_ids[extra:]}
    rng = random.Random(spec.seed)
    history: dict[str, tuple[dict, list[dict]]] = {}
    plan: list[tuple[str, str, int]] = []  # card id, template card id, shift in seconds
    for count, ids in groups.items():
        if count == 0 or not ids:
            continue
        templates = ids[: max(1, min(len(ids), TEMPLATE_BUDGET // count))]
        template_spec = replace(spec, cards=len(templates), reviews=count * len(templates),
                                seed=rng.randrange(2**32))
        simulated = {row["id"]: (row, logs) for row, logs in _simulate(templates, template_spec)}
        history.update(simulated)
        plan += _copy_plan(ids, templates, simulated, spec, rng)
    _write(bank, iter(history.values()), spec)
    _replicate(home / "llmc.db", plan)
    return {"cards": len(every_card), "rated_cards": sum(len(ids) for c, ids in groups.items() if c),
            "reviews": spec.reviews, "templates": len(history)}


def _copy_plan(
    ids, templates, simulated, spec: HistorySpec, rng: random.Random
) -> list[tuple[str, str, int]]:
    """Which template each card copies and by how many seconds it is shifted."""
    window_end = spec.end - timedelta(days=1)
    window_start = window_end - timedelta(days=spec.days)
    plan = []
    for index, card_id in enumerate(ids):
        template = templates[index % len(templates)]
        if card_id == template:
            plan.append((card_id, template, 0))
            continue
        logs = simulated[template][1]
        earliest = max(window_start - logs[0]["reviewed_at"], -MAX_SHIFT)
        latest = min(window_end - logs[-1]["reviewed_at"], MAX_SHIFT)
        shift = rng.uniform(earliest.total_seconds(), max(earliest, latest).total_seconds())
        plan.append((card_id, template, int(shift)))
    return plan


def _datetime_columns(table) -> list[str]:
    from llmconcepts.storage.types import UTCDateTime

    return [column.name for column in table.columns if isinstance(column.type, UTCDateTime)]


def _replicate(database: Path, plan: list[tuple[str, str, int]]) -> None:
    """Copy template histories onto the planned cards, in SQL, and renumber the log in
    time order (as a learner's ratings would have been numbered)."""
    from llmconcepts.storage.models import CardRow, ReviewLogRow

    connection = sqlite3.connect(database, isolation_level=None)
    try:
        _check_datetime_format(connection)
        # A scratch build: no journal, no fsync, indexes built once at the end (sorting
        # beats a million B-tree inserts). WAL, as llmc sets it, is restored below.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA temp_store = MEMORY")
        connection.execute("PRAGMA cache_size = -262144")
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'review_log' AND sql IS NOT NULL"
        ).fetchall()
        connection.execute("BEGIN IMMEDIATE")
        for name, _sql in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        connection.execute(
            "CREATE TEMP TABLE plan (card_id TEXT PRIMARY KEY, template_id TEXT, shift INTEGER)"
        )
        connection.executemany("INSERT INTO plan VALUES (?, ?, ?)", plan)
        card_times = set(_datetime_columns(CardRow.__table__))
        copied = ["state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses", "leech"]
        assignments = ", ".join(
            f"{name} = {_shifted('source.' + name) if name in card_times else 'source.' + name}"
            for name in copied
        )
        connection.execute(
            f"UPDATE cards SET {assignments} FROM "
            "(SELECT plan.card_id AS target, plan.shift AS shift, cards.* FROM plan "
            "JOIN cards ON cards.id = plan.template_id WHERE plan.card_id <> plan.template_id) AS source "
            "WHERE cards.id = source.target"
        )
        log_times = set(_datetime_columns(ReviewLogRow.__table__))
        columns = [c.name for c in ReviewLogRow.__table__.columns if c.name != "id"]
        values = ", ".join(
            "plan.card_id" if name == "card_id"
            else _shifted("log." + name) if name in log_times
            else "log." + name
            for name in columns
        )
        connection.execute("CREATE TEMP TABLE template_log AS SELECT * FROM review_log")
        connection.execute("DELETE FROM review_log")
        connection.execute(
            f"INSERT INTO review_log ({', '.join(columns)}) SELECT {values} "
            "FROM template_log AS log JOIN plan ON plan.template_id = log.card_id "
            f"ORDER BY {columns.index('reviewed_at') + 1}"
        )
        for _name, sql in indexes:
            connection.execute(sql)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()


def _shifted(column: str) -> str:
    """SQL moving a stored datetime ('YYYY-MM-DD HH:MM:SS.ffffff', naive UTC) by
    ``shift`` seconds, keeping its microseconds; NULL stays NULL."""
    return f"(datetime({column}, shift || ' seconds') || substr({column}, 20))"


def _check_datetime_format(connection: sqlite3.Connection) -> None:
    """The SQL in :func:`_shifted` relies on SQLAlchemy's SQLite storage format."""
    two = "[0-9]" * 2
    pattern = f"{two * 2}-{two}-{two} {two}:{two}:{two}.{two * 3}"
    odd = connection.execute(
        "SELECT reviewed_at FROM review_log WHERE reviewed_at NOT GLOB ? LIMIT 1", (pattern,)
    ).fetchone()
    if odd is not None:
        raise SystemExit(f"unexpected datetime format in review_log: {odd[0]!r}")


def history_spec(cards: int, reviews: int, end: datetime, seed: int = 7) -> HistorySpec:
    """A year of history ending at ``end`` (see generate_history.HistorySpec)."""
    return HistorySpec(cards=cards, reviews=reviews, seed=seed, end=end)
