"""`llmc list`, `llmc due`, `llmc stats` end to end (in-process, clock frozen), --json shapes."""

from __future__ import annotations

import json

import pytest
from explain_helpers import fresh_consoles  # noqa: F401 (an autouse fixture)
from explain_helpers import llmc as run_llmc
from progress_helpers import NOW, build_fixture_history


def llmc(capsys, *args: str) -> tuple[int, str, str]:
    """`llmc ARGS...` in-process at the fixture's NOW."""
    return run_llmc(capsys, *args, at=NOW)


DUE_KEYS = {"version", "now", "today", "timezone", "rollover_hour", "has_history", "due_now",
            "due_later_today", "reviews_left_today", "new_available_today", "next_due", "forecast"}
STATS_KEYS = {"version", "now", "today", "timezone", "rollover_hour", "has_history", "heatmap", "streak",
              "retention", "ratings", "study_seconds", "cards", "mean_stability_days", "layers"}
COUNT_KEYS = {"total", "new", "learning", "relearning", "young", "mature", "suspended", "leeches"}


def test_due_json(capsys):
    build_fixture_history()
    code, out, err = llmc(capsys, "due", "--json", "--days", "3")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert set(data) == DUE_KEYS
    assert data["now"] == "2026-03-12T15:00:00-04:00" and data["today"] == "2026-03-12"
    assert data["due_now"] == {"total": 2, "learning": 1, "review": 1}
    assert data["due_later_today"] == {"total": 2, "learning": 1, "review": 1}
    assert data["forecast"] == [{"date": "2026-03-13", "due": 0}, {"date": "2026-03-14", "due": 1},
                                {"date": "2026-03-15", "due": 1}]
    # the earliest active due date: gamma/failure_mode, 03-12 09:00 EDT (buried, but scheduled)
    assert data["next_due"] == "2026-03-12T09:00:00-04:00"


def test_stats_json(capsys):
    build_fixture_history()
    code, out, _err = llmc(capsys, "stats", "--json")
    data = json.loads(out)
    assert code == 0 and set(data) == STATS_KEYS
    assert data["streak"] == {"current": 6, "longest": 10}
    assert data["retention"] == {
        "desired": 0.9,
        "last_7_days": {"reviews": 5, "passed": 4, "rate": 0.8},
        "last_30_days": {"reviews": 8, "passed": 6, "rate": 0.75},
    }
    assert set(data["cards"]) == COUNT_KEYS and data["cards"]["total"] == 15
    assert [layer["id"] for layer in data["layers"]] == ["basics", "advanced"]
    assert set(data["layers"][0]) == COUNT_KEYS | {"id", "title", "mastery"}
    assert data["heatmap"][-1] == {"date": "2026-03-12", "ratings": 2}
    assert (data["ratings"], data["study_seconds"]) == (26, 750.0)


def test_list_json_of_the_built_in_bank_with_no_history(capsys):
    code, out, _err = llmc(capsys, "list", "--json")
    data = json.loads(out)
    assert code == 0 and data["has_history"] is False
    layer = data["layers"][0]
    assert set(layer) == {"id", "title", "concepts"}
    concept = layer["concepts"][0]
    assert set(concept) == {"id", "title", "calculator", "mastery", "cards"}
    assert concept["mastery"] == "new"
    assert [card["facet"] for card in concept["cards"]] == ["mechanism", "trade_off", "failure_mode"]
    assert set(concept["cards"][0]) == {"id", "facet", "state", "suspended", "leech", "buried_until", "due", "retrievability",
                                        "stability_days"}
    calculators = {c["id"] for lay in data["layers"] for c in lay["concepts"] if c["calculator"]}
    assert "kv-cache" in calculators


def test_list_one_layer_and_an_unknown_layer(capsys):
    code, out, _err = llmc(capsys, "list", "--json")
    first = json.loads(out)["layers"][0]
    code, out, _err = llmc(capsys, "list", "--layer", first["id"], "--json")
    assert code == 0 and [layer["id"] for layer in json.loads(out)["layers"]] == [first["id"]]
    code, out, err = llmc(capsys, "list", "--layer", "no-such-layer-at-all")
    assert code == 1 and out == ""
    assert err.startswith("llmc: ") and "no-such-layer-at-all" in err and len(err.strip().splitlines()) == 1


def test_empty_history_text(capsys):
    code, out, _err = llmc(capsys, "due")
    assert code == 0 and out.startswith("Nothing is scheduled yet")
    code, out, _err = llmc(capsys, "stats")
    assert code == 0 and out.startswith("No study yet")
    code, out, _err = llmc(capsys, "list")
    assert code == 0 and out.startswith("Nothing studied yet")


@pytest.mark.parametrize("days", ["0", "366", "-1", "many"])
def test_a_bad_forecast_length_is_a_usage_error_like_any_bad_option(capsys, days):
    code, out, err = llmc(capsys, "due", "--days", days)
    assert (code, out) == (2, "")  # as typer gives for any option value it refuses
    assert "Invalid value for '--days'" in err


def test_text_views_run(capsys):
    build_fixture_history()
    for command in ("due", "stats"):
        code, out, err = llmc(capsys, command)
        assert (code, err) == (0, "")
        assert out.strip()
    code, out, _err = llmc(capsys, "stats")
    assert "Streak         6 days now, longest 10 days" in out


@pytest.mark.parametrize("command", ["list", "due", "stats"])
def test_help(capsys, command):
    code, out, _err = llmc(capsys, command, "--help")
    assert code == 0 and "--json" in out
