"""benchmarks/fixtures.py: template histories copied in SQL are complete and still FSRS histories.

The claim of the module: shifting a card's whole history by a constant time gives a
history the scheduler could have produced, because FSRS state depends on the
ratings and on the gaps between them. So replaying the log through the fsrs package
(``scheduling.history.replay``) must rebuild every card's state, stability,
difficulty, reps and lapses exactly as stored; only the due date may differ (the
interval fuzz was seeded with the template's card id).
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import fixtures  # noqa: E402
from sched_helpers import read_history  # noqa: E402

END = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
DAYS = 365  # fixtures.history_spec: a year


def _build(home: Path, cards: int, reviews: int, monkeypatch) -> None:
    monkeypatch.setattr(fixtures, "TEMPLATE_BUDGET", 40)  # few templates, so most cards are copies
    fixtures.build_history(home, None, fixtures.history_spec(cards, reviews, END))


def _read(home: Path):
    return read_history(home, END)


@pytest.fixture(scope="module")
def builtin_cards():
    return fixtures.builtin_card_count()


def test_copies_replay_to_the_cards_table(tmp_path, monkeypatch, builtin_cards):
    # builtin_cards x 4 + 5 ratings: four per card, five for the first five cards. With a budget
    # of 40 simulated ratings the 4-rating cards share 10 templates (40 // 4).
    reviews = 4 * builtin_cards + 5
    home = tmp_path / "history"
    _build(home, builtin_cards, reviews, monkeypatch)
    log, cards, replayed = _read(home)

    assert len(log) == reviews
    per_card: dict[str, list] = {}
    for entry in log:
        per_card.setdefault(entry.card_id, []).append(entry)
    assert sorted(len(rows) for rows in per_card.values()) == [4] * (builtin_cards - 5) + [5] * 5

    # Ids follow time, and every rating lies in the year before the learner's today.
    times = [entry.reviewed_at for entry in log]
    assert times == sorted(times)
    window_end = END - timedelta(days=1)
    assert all(window_end - timedelta(days=DAYS) <= t <= window_end for t in times)

    # At most 5 + 10 distinct shapes (ratings and gaps between them): the templates.
    shapes = {
        (tuple(e.rating for e in rows), tuple(b.reviewed_at - a.reviewed_at for a, b in pairwise(rows)))
        for rows in per_card.values()
    }
    assert len(shapes) <= 15 < len(per_card)

    assert set(replayed) == set(cards)
    for card_id, again in replayed.items():
        stored = cards[card_id]
        assert (again.state.state, again.state.step, again.state.stability, again.state.difficulty,
                again.reps, again.lapses) == (stored.state, stored.step, stored.stability, stored.difficulty,
                                              stored.reps, stored.lapses), card_id
        last = per_card[card_id][-1]
        assert (stored.due, stored.last_review) == (last.due_after, last.last_review_after), card_id
        assert stored.last_review == last.reviewed_at


def test_same_seed_same_database(tmp_path, monkeypatch, builtin_cards):
    dumps = []
    for name in ("a", "b"):
        _build(tmp_path / name, builtin_cards, 3 * builtin_cards, monkeypatch)
        log, _cards, _replayed = _read(tmp_path / name)
        dumps.append([(e.id, e.card_id, e.rating, e.reviewed_at, e.due_after) for e in log])
    assert dumps[0] == dumps[1]
    assert len(dumps[0]) == 3 * builtin_cards


def test_synthetic_bank_files_stay_under_the_loader_bound(tmp_path, monkeypatch):
    # The loader refuses a file of more than 200,000 YAML values, so a large synthetic bank is
    # split: 2,001 concepts (6,003 cards) make three files of at most CONCEPTS_PER_FILE concepts.
    concepts = 2 * fixtures.CONCEPTS_PER_FILE + 1
    written = fixtures.write_synthetic_bank(tmp_path / "cards", 3 * concepts - 2)
    assert written == 3 * concepts  # whole concepts of three cards each
    assert len(list((tmp_path / "cards").glob("*.yaml"))) == 3
    monkeypatch.setenv("LLMC_CARDS", str(tmp_path / "cards"))
    from llmconcepts.cardbank.loader import load_bank

    bank = load_bank(use_cache=False)
    assert sum(1 for c in bank.concepts if not c.builtin) == concepts
