"""Write a synthetic, seeded review history into an llmc data directory (for benchmarks).

Usage::

    python benchmarks/generate_history.py HOME [--cards 3000] [--reviews 100000]
        [--days 365] [--seed 7] [--due-spread 30] [--end 2026-05-04T09:00:00+00:00]

HOME becomes a complete ``LLMC_HOME``: ``HOME/llmc.db`` (created through the
storage layer, at the current schema) and, when ``--cards`` is more than the
built-in bank holds, ``HOME/cards/synthetic.yaml`` with made-up concepts that
fill the difference (loaded as the learner's own cards, so a session studies
them; split into files of at most 1,000 concepts, ``synthetic-0001.yaml``... when
more are needed, since the loader refuses a single file of more than 200,000 YAML
values). Then ``LLMC_HOME=HOME llmc study`` runs over that history. An existing
HOME is refused, so a benchmark always starts from the same bytes.

The history: the first ``--cards`` cards of the curriculum each get an equal
share of ``--reviews`` ratings (the remainder spread one each over the first
cards). A card is introduced at a random time in the first 80 % of the window of
``--days`` days that ends ``--end`` minus one day (so the learner's "today" is
still empty and the day's limits are untouched), and its ratings fall at
uniformly random times from then to the end of the window, except the last,
which is timed so that the card comes due at a target drawn uniformly from two
days before ``--end`` to ``--due-spread`` days after it (with the default 30,
about one card in thirteen is due on the day: 2.5 days of 32). A card whose next
interval is too long for that gets its last rating 10 minutes after the one
before, and comes due later. Ratings are drawn
Again 10 %, Hard 15 %, Good 65 %, Easy 10 %. Every state after a rating is what
the ``fsrs`` package gives (through ``llmconcepts.scheduling.fsrs_adapter``, with
the same reproducible fuzz as a live rating), so replaying the log reproduces the
cards table; lapses and leech tags follow ``operations``, but a leech is left
active (as if the learner had unsuspended it at once), since with many ratings
per card most cards would otherwise end suspended. Cards are simulated one at a
time and written in batches of :data:`WRITE_BATCH` cards (Core executemany) into a
temporary table, which is copied into the review log in time order at the end, all
in one transaction: memory stays flat, so a million ratings fit in well under 1 GB.

The same seed, sizes and end time give the same database content.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

RATING_WEIGHTS = {1: 0.10, 2: 0.15, 3: 0.65, 4: 0.10}
REVIEW_AGAIN_AFTER = timedelta(minutes=10)  # soonest a card's last rating follows the one before
SYNTHETIC_FILE = "synthetic.yaml"
SYNTHETIC_FILE_CONCEPTS = 1000  # concepts per synthetic file: far below the loader's per-file bound
WRITE_BATCH = 2000  # cards simulated before their rows are written


@dataclass(frozen=True)
class HistorySpec:
    """What to generate (see the module docstring)."""

    cards: int = 3000
    reviews: int = 100_000
    days: int = 365
    seed: int = 7
    due_spread_days: float = 30.0
    end: datetime = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def synthetic_bank_yaml(concepts: int, first: int = 1) -> str:
    """YAML for ``concepts`` made-up concepts in a layer of their own (order 99)."""
    lines = [
        "# Synthetic concepts written by benchmarks/generate_history.py; not study material.",
        "layer:", "  id: synthetic", "  title: Synthetic", "  order: 99", "", "concepts:",
    ]
    for number in range(first, first + concepts):
        lines += [
            f"  - id: synthetic-{number:05d}",
            f"    title: Synthetic concept {number:05d}",
            "    sources: [benchmarks/generate_history.py]",
        ]
        for facet in ("mechanism", "trade_off", "failure_mode"):
            lines += [
                f"    {facet}:",
                f"      prompt: Synthetic prompt {number} for the {facet} facet.",
                f"      answer: Synthetic answer {number}; the first, second and third points all hold.",
                "      key_points:",
                "        - {point: The first point holds, cues: [first point]}",
                "        - {point: The second point holds, cues: [second point]}",
                "        - {point: The third point holds, cues: [third point]}",
            ]
    return "\n".join(lines) + "\n"


def _card_values(row: dict) -> SimpleNamespace:
    """A card row's values as attributes, the shape ``operations._snapshot`` reads, so the
    ``card_before`` snapshots are byte for byte what a live rating writes."""
    return SimpleNamespace(**row)


def generate(home: Path, spec: HistorySpec) -> dict[str, float]:
    """Create ``home`` with the bank and history of ``spec``; return counts and seconds taken.

    Raises:
        FileExistsError: ``home`` exists already.
    """
    started = time.perf_counter()
    home.mkdir(parents=True)
    os.environ["LLMC_HOME"] = str(home)
    os.environ.pop("LLMC_CARDS", None)
    os.environ.pop("LLMC_DATABASE_URL", None)

    from llmconcepts.cardbank.loader import load_bank
    from llmconcepts.paths import builtin_cards_dir

    builtin = load_bank(builtin_dir=builtin_cards_dir(), user_dirs=[])
    missing = spec.cards - len(builtin.cards())
    if missing > 0:
        _write_synthetic_bank(home / "cards", -(-missing // 3))
    bank = load_bank()
    card_ids = [ref.id for ref in bank.cards()][: spec.cards]
    if len(card_ids) < spec.cards:
        raise SystemExit(f"the bank has only {len(card_ids)} cards")
    reviews = _write(bank, _simulate(card_ids, spec), spec)
    return {"cards": len(card_ids), "reviews": reviews, "seconds": time.perf_counter() - started}


def _write_synthetic_bank(folder: Path, concepts: int) -> None:
    """``synthetic.yaml``, or numbered files of at most SYNTHETIC_FILE_CONCEPTS concepts each."""
    folder.mkdir()
    if concepts <= SYNTHETIC_FILE_CONCEPTS:
        (folder / SYNTHETIC_FILE).write_text(synthetic_bank_yaml(concepts), encoding="utf-8")
        return
    for number, first in enumerate(range(1, concepts + 1, SYNTHETIC_FILE_CONCEPTS), start=1):
        size = min(SYNTHETIC_FILE_CONCEPTS, concepts + 1 - first)
        (folder / f"synthetic-{number:04d}.yaml").write_text(synthetic_bank_yaml(size, first), encoding="utf-8")


def _simulate(card_ids: list[str], spec: HistorySpec) -> Iterator[tuple[dict, list[dict]]]:
    """(final card values, its log rows) of each card in turn, computed in memory."""
    from llmconcepts.scheduling.fsrs_adapter import REVIEW, FsrsState, build_scheduler, review
    from llmconcepts.scheduling.operations import _snapshot, is_leech_lapse
    from llmconcepts.scheduling.settings import Settings

    settings = Settings()
    scheduler = build_scheduler(settings)
    rng = random.Random(spec.seed)
    window_end = spec.end - timedelta(days=1)
    window_start = window_end - timedelta(days=spec.days)
    span = (window_end - window_start).total_seconds()
    share, extra = divmod(spec.reviews, len(card_ids))
    ratings, weights = list(RATING_WEIGHTS), list(RATING_WEIGHTS.values())
    for index, card_id in enumerate(card_ids):
        count = share + (1 if index < extra else 0)
        intro = window_start + timedelta(seconds=rng.uniform(0, 0.8 * span))
        left = (window_end - intro).total_seconds()
        times = sorted(intro + timedelta(seconds=rng.uniform(0, left)) for _ in range(count))
        concept_id, _sep, facet = card_id.rpartition("/")
        new = FsrsState.new()
        row = {
            "id": card_id, "concept_id": concept_id, "facet": facet, "state": new.state, "step": new.step,
            "stability": None, "difficulty": None, "due": None, "last_review": None, "reps": 0,
            "lapses": 0, "suspended": False, "leech": False, "buried_until": None, "hidden": False,
            "added_at": window_start,
        }
        logs = []
        target = spec.end + timedelta(days=rng.uniform(-2, spec.due_spread_days))
        for number, at in enumerate(times):
            rating = rng.choices(ratings, weights)[0]
            before = FsrsState(row["state"], row["step"], row["stability"], row["difficulty"],
                               row["due"], row["last_review"])
            if number == count - 1:
                earliest = times[number - 1] + REVIEW_AGAIN_AFTER if number else intro
                at = _last_review_time(scheduler, card_id, number, before, rating, target,
                                       earliest=min(earliest, window_end), latest=window_end)
            snapshot = _snapshot(_card_values(row))
            after = review(scheduler, card_id, number, before, rating, at)
            row.update(state=after.state, step=after.step, stability=after.stability,
                       difficulty=after.difficulty, due=after.due, last_review=after.last_review)
            row["reps"] += 1
            if before.state == REVIEW and not before.is_new and rating == 1:
                row["lapses"] += 1
                if is_leech_lapse(row["lapses"], settings.leech_threshold):
                    row["leech"] = True  # tagged, but left active: see the module docstring
            logs.append({
                "card_id": card_id, "kind": "review", "rating": rating, "reviewed_at": at,
                "duration_ms": rng.randint(4_000, 60_000), "answer": "", "covered": "[]",
                "state_before": before.state, "step_before": before.step,
                "stability_before": before.stability, "difficulty_before": before.difficulty,
                "due_before": before.due, "last_review_before": before.last_review,
                "state_after": after.state, "step_after": after.step,
                "stability_after": after.stability, "difficulty_after": after.difficulty,
                "due_after": after.due, "last_review_after": after.last_review,
                "card_before": snapshot,
            })
        yield row, logs


def _last_review_time(scheduler, card_id, number, before, rating, target, *, earliest, latest):
    """A review time whose resulting due date lands near ``target`` (within the window).

    The interval depends a little on when the review happens (retrievability), so
    the time is refined a few times: t = target - interval(t).
    """
    from llmconcepts.scheduling.fsrs_adapter import review

    at = latest
    for _ in range(4):
        after = review(scheduler, card_id, number, before, rating, at)
        at = min(max(target - (after.due - at), earliest), latest)
    return at


def _write(bank, history: Iterator[tuple[dict, list[dict]]], spec: HistorySpec) -> int:
    """Cards (synced from the bank, then updated) and log rows, in one write transaction.

    Log rows are staged in a temporary table batch by batch, then copied into the
    review log ordered by time (ties keep the staging order, as a stable sort would),
    so ids follow time. Returns the number of log rows written.
    """
    from itertools import islice

    from sqlalchemy import Column, MetaData, Table, insert, literal_column, select, update

    from llmconcepts.scheduling.fsrs_adapter import build_scheduler, scheduler_config
    from llmconcepts.scheduling.bank_sync import sync_with_bank  # records the files it synced with, as a session does
    from llmconcepts.scheduling.settings import Settings
    from llmconcepts.storage.engine import open_database
    from llmconcepts.storage.models import CardRow, ReviewLogRow, SchedulerConfigRow

    log_table = ReviewLogRow.__table__
    columns = [column for column in log_table.columns if column.name != "id"]
    staged = Table("staged_log", MetaData(), *(Column(c.name, c.type) for c in columns), prefixes=["TEMPORARY"])
    window_start = spec.end - timedelta(days=spec.days + 1)
    written = 0
    db = open_database(spec.end)
    try:
        sync_with_bank(db, bank, window_start)
        config = scheduler_config(build_scheduler(Settings()))
        with db.writing() as session:
            config_id = session.execute(
                insert(SchedulerConfigRow).values(config=config).returning(SchedulerConfigRow.id)
            ).scalar_one()
            connection = session.connection()
            staged.create(connection)
            while batch := list(islice(history, WRITE_BATCH)):
                studied = [row for row, logs in batch if logs]
                if studied:
                    session.execute(update(CardRow), studied)
                logs = [dict(log, scheduler_id=config_id) for _row, rows in batch for log in rows]
                if logs:
                    connection.execute(insert(staged), logs)
                written += len(logs)
            names = [column.name for column in columns]
            ordered = select(*(staged.c[name] for name in names)).order_by(
                staged.c.reviewed_at, literal_column("rowid"))
            connection.execute(insert(log_table).from_select(names, ordered))
            staged.drop(connection)
    finally:
        db.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("home", type=Path, help="the data directory to create (must not exist)")
    parser.add_argument("--cards", type=int, default=HistorySpec.cards, help="cards with a history")
    parser.add_argument("--reviews", type=int, default=HistorySpec.reviews, help="ratings in all")
    parser.add_argument("--days", type=int, default=HistorySpec.days, help="length of the history")
    parser.add_argument("--seed", type=int, default=HistorySpec.seed)
    parser.add_argument("--due-spread", type=float, default=HistorySpec.due_spread_days,
                        help="days after --end over which the cards come due")
    parser.add_argument("--end", type=datetime.fromisoformat, default=None,
                        help="'now' of the history, ISO 8601 with offset (default: the current time)")
    args = parser.parse_args(argv)
    end = args.end or datetime.now(timezone.utc)
    if end.tzinfo is None:
        parser.error("--end needs a UTC offset, e.g. 2026-05-04T09:00:00+00:00")
    if args.cards < 1 or args.reviews < 0 or args.days < 1:
        parser.error("--cards and --days must be at least 1, --reviews at least 0")
    if args.home.exists():
        parser.error(f"{args.home} exists; give a new folder")
    spec = HistorySpec(args.cards, args.reviews, args.days, args.seed, args.due_spread,
                       end.astimezone(timezone.utc))
    from llmconcepts.errors import LlmcError

    try:
        result = generate(args.home, spec)
    except LlmcError as exc:
        print(f"generate_history: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"home": str(args.home), **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
