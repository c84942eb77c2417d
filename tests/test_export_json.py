"""JSON export: every selected card with its text as written and its FSRS state.

Expected states are worked out by hand from FSRS-6 (py-fsrs defaults, fuzz off,
Anki's learning steps 1m 10m):

* initial stability S0(G) = w[G-1]: Good -> w2 = 2.3065 days, Easy -> w3 = 8.2956 days;
* initial difficulty D0(G) = w4 - exp(w5 * (G - 1)) + 1, clamped to [1, 10]:
  Good -> 6.4133 - exp(0.8334 * 2) + 1 = 2.1182..., Easy -> 6.4133 - exp(0.8334 * 3) + 1 < 1 -> 1;
* Good on a new card moves it to the second learning step (due in 10 minutes);
  Easy graduates it to review with interval round(S) = 8 days at retention 0.9;
* retrievability R(t, S) = (1 + F * t / S) ** -w20 with F = 0.9 ** (-1 / w20) - 1,
  t in whole days since the last review (FSRS-6 forgetting curve).
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest
from export_helpers import T1, TOTAL, export, fixture_bank
from sched_helpers import write_config

from llmconcepts.scheduling.session import SessionOptions, open_session

W = (0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
     1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542)  # py-fsrs 6 defaults


def read(result) -> dict:
    return json.loads(result.path.read_text(encoding="utf-8"))


@pytest.fixture
def studied():
    write_config('timezone = "UTC"\nfuzz = false\n')
    bank = fixture_bank()
    with open_session(SessionOptions(), T1, bank=bank) as session:
        session.rate("alpha-concept/mechanism", 3, T1)
        session.rate("alpha-concept/trade_off", 4, T1)
    return bank


def test_the_schedule_of_each_card_matches_fsrs_worked_by_hand(tmp_path, studied):
    document = read(export("json", tmp_path, now=T1 + timedelta(days=2), bank=studied))
    cards = {card["id"]: card for card in document["cards"]}
    assert document["count"] == len(cards) == TOTAL

    good = cards["alpha-concept/mechanism"]["schedule"]
    assert good["state"] == "learning" and good["step"] == 1
    assert good["due"] == "2026-05-04T09:10:00+00:00"
    assert good["last_review"] == "2026-05-04T09:00:00+00:00"
    assert good["stability_days"] == pytest.approx(W[2])
    assert good["difficulty"] == pytest.approx(W[4] - math.exp(W[5] * 2) + 1)
    assert (good["reps"], good["lapses"], good["suspended"], good["leech"]) == (1, 0, False, False)

    easy = cards["alpha-concept/trade_off"]["schedule"]
    assert easy["state"] == "review"
    assert easy["due"] == "2026-05-12T09:00:00+00:00"  # round(8.2956) = 8 days
    assert easy["stability_days"] == pytest.approx(W[3])
    assert easy["difficulty"] == pytest.approx(1.0)
    factor = 0.9 ** (-1 / W[20]) - 1
    assert easy["retrievability"] == pytest.approx((1 + factor * 2 / W[3]) ** -W[20])

    new = cards["beta-concept/failure_mode"]["schedule"]
    assert new == {
        "state": "new", "due": None, "last_review": None, "stability_days": None, "difficulty": None,
        "retrievability": None, "step": 0, "reps": 0, "lapses": 0, "suspended": False, "leech": False,
        "buried_until": None,
    }


def test_the_header_names_the_day_and_the_selection(tmp_path, studied):
    from llmconcepts.export.selection import ExportScope

    result = export("json", tmp_path, now=T1 + timedelta(minutes=30), bank=studied,
                    scope=ExportScope(layers=("Foundations",)))
    document = read(result)
    assert result.path.name == "llmc-2026-05-04.json"
    assert {key: document[key] for key in ("format", "version", "exported_at", "learner_day", "selection")} == {
        "format": "llmc-cards", "version": 1, "exported_at": "2026-05-04T09:30:00+00:00",
        "learner_day": "2026-05-04", "selection": {"due": True, "layers": ["foundations"], "concepts": []},
    }
    assert [card["id"] for card in document["cards"]] == ["alpha-concept/mechanism"]


def test_text_is_exported_as_written(tmp_path):
    document = read(export("json", tmp_path))
    card = next(card for card in document["cards"] if card["id"] == "tricky-text/mechanism")
    assert card == {
        "id": "tricky-text/mechanism",
        "concept": "tricky-text",
        "concept_title": 'Tricky <text> & "quotes"',
        "layer": "my-notes",
        "layer_title": "My notes",
        "facet": "mechanism",
        "facet_label": "Mechanism",
        "builtin": False,
        "prompt": "When is a < b && c > d, and what does {{Answer}} print?",
        "answer": "If a < b & c > d then {{Answer}} and }} stay literal, \"quoted\" and 'single' too: "
                  "ü ß 日本語 😀 → ∑. This is *important* and **vital**.",
        "key_points": [
            {"text": "a < b & c > d", "cues": ["less than"]},
            {"text": "Braces {{x}} stay as typed", "cues": ["braces"]},
            {"text": "Emphasis: *marked*", "cues": ["marked"]},
        ],
        "sources": ["O'Brien & Søndergaard 2024, <Notes> {{draft}}"],
        "schedule": card["schedule"],
    }
    assert card["schedule"]["state"] == "new"  # no database yet: every card is new
    assert "日本語" in (tmp_path / "llmc-2026-05-04.json").read_text(encoding="utf-8")  # UTF-8, not \\u escapes
