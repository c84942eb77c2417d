"""benchmarks/generate_history.py: the synthetic history it writes is complete and consistent."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generate_history import HistorySpec, generate  # noqa: E402
from sched_helpers import read_history  # noqa: E402

END = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def test_history_has_the_asked_sizes_and_replays_to_the_cards_table(tmp_path, monkeypatch):
    home = tmp_path / "history"
    spec = HistorySpec(cards=40, reviews=403, days=60, seed=3, end=END)
    result = generate(home, spec)
    assert (result["cards"], result["reviews"]) == (40, 403)
    log, cards, replayed = read_history(home, END)
    assert len(log) == 403
    # 403 = 40 x 10 + 3: ten ratings per card, one more for the first three cards.
    per_card = {}
    for entry in log:
        per_card[entry.card_id] = per_card.get(entry.card_id, 0) + 1
    assert sorted(per_card.values()) == [10] * 37 + [11] * 3
    window_end = END - timedelta(days=1)
    assert all(END - timedelta(days=61) <= e.reviewed_at <= window_end for e in log)
    assert len(replayed) == 40
    for card_id, again in replayed.items():
        stored = cards[card_id]
        assert (again.state.state, again.state.stability, again.state.due, again.reps, again.lapses) == (
            stored.state, stored.stability, stored.due, stored.reps, stored.lapses
        )
    # Each card's last rating is timed to come due at a target 2 days before END to 30 days
    # after it; one whose next interval is too long is rated 10 minutes after the rating before.
    by_card = {}
    for entry in log:
        by_card.setdefault(entry.card_id, []).append(entry.reviewed_at)
    for card_id, times in by_card.items():
        due = cards[card_id].due
        on_target = END - timedelta(days=2, hours=1) <= due <= END + timedelta(days=30, hours=1)
        rated_again_at_once = times[-1] - times[-2] == timedelta(minutes=10)
        assert on_target or (rated_again_at_once and due > END), (card_id, due)


def test_same_seed_same_history(tmp_path):
    spec = HistorySpec(cards=6, reviews=30, days=30, seed=11, end=END)
    dumps = []
    for name in ("a", "b"):
        generate(tmp_path / name, spec)
        log, _cards, _replayed = read_history(tmp_path / name, END)
        dumps.append([(e.card_id, e.rating, e.reviewed_at, e.due_after) for e in log])
    assert dumps[0] == dumps[1]


def test_existing_home_is_refused(tmp_path):
    home = tmp_path / "taken"
    home.mkdir()
    with pytest.raises(FileExistsError):
        generate(home, HistorySpec(cards=3, reviews=3, days=5, end=END))
