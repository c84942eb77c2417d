"""Settings (config.toml, `llmc config show/set`) and the schedule commands
(`llmc suspend`, `llmc unsuspend`, `llmc reset`)."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest
from sched_helpers import card_row, make_bank, utc, write_config
from typer.testing import CliRunner

from llmconcepts import paths
from llmconcepts.cli.app import app
from llmconcepts.errors import ConfigError
from llmconcepts.scheduling.fsrs_adapter import build_scheduler
from llmconcepts.scheduling.session import SessionOptions, open_session
from llmconcepts.scheduling.settings import Settings, load_settings, parse_duration, set_setting

runner = CliRunner()


def test_defaults_are_ankis_fsrs_defaults():
    settings = load_settings()
    assert settings == Settings()
    assert settings.desired_retention == 0.9
    assert settings.learning_steps == (timedelta(minutes=1), timedelta(minutes=10))
    assert settings.relearning_steps == (timedelta(minutes=10),)
    assert settings.maximum_interval == 36500 and settings.fuzz is True
    assert (settings.new_per_day, settings.reviews_per_day, settings.rollover_hour) == (10, 200, 4)
    assert settings.leech_threshold == 8
    scheduler = build_scheduler(settings)
    assert scheduler.desired_retention == 0.9 and scheduler.enable_fuzzing


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("1h", 3600), ("2d", 172800),
                                              ("1.5m", 90)])
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["10", "m", "-1m", "0m", "10 minutes", "400d"])
def test_bad_durations(text):
    with pytest.raises(ConfigError):
        parse_duration(text)


def test_set_validates_and_writes_toml():
    set_setting("desired-retention", "0.85")
    set_setting("learning-steps", "1m 10m 1h")
    set_setting("relearning_steps", "")  # no relearning steps, as Anki allows
    path = paths.config_path()
    assert tomllib.loads(path.read_text()) == {
        "desired-retention": 0.85, "learning-steps": "1m 10m 1h", "relearning-steps": ""}
    settings = load_settings()
    assert settings.desired_retention == 0.85
    assert settings.learning_steps == (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))
    assert settings.relearning_steps == ()


@pytest.mark.parametrize(("name", "value", "message"), [
    ("desired-retention", "0.5", "between 0.7 and 0.99"),
    ("desired-retention", "0.995", "between 0.7 and 0.99"),
    ("desired-retention", "nan", "finite"),
    ("learning-steps", "1m ten", "not a duration"),
    ("new-per-day", "-1", "between 0 and 9999"),
    ("rollover-hour", "24", "between 0 and 23"),
    ("fuzz", "maybe", "true or false"),
    ("timezone", "Mars/Olympus", "not a known IANA time zone"),
    ("fsrs-parameters", "1 2 3", "Expected 21 parameters"),
    ("desired-retentoin", "0.9", "Did you mean desired-retention"),
])
def test_set_rejects_bad_values_and_keeps_the_file(name, value, message):
    write_config("new-per-day = 5\n")
    with pytest.raises(ConfigError, match=message):
        set_setting(name, value)
    assert paths.config_path().read_text() == "new-per-day = 5\n"


def test_a_broken_file_lists_every_problem():
    write_config('desired-retention = 2\nnew-per-day = "lots"\ncolour = "blue"\n')
    with pytest.raises(ConfigError) as info:
        load_settings()
    text = str(info.value)
    assert "desired-retention" in text and "new-per-day" in text and "colour" in text
    assert "\n" not in text


def test_invalid_toml_is_one_clear_line():
    write_config("desired-retention = = 0.9\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()


def test_config_commands():
    shown = runner.invoke(app, ["config", "show"])
    assert shown.exit_code == 0
    assert "desired-retention" in shown.output and "0.9" in shown.output
    changed = runner.invoke(app, ["config", "set", "desired-retention", "0.85"])
    assert changed.exit_code == 0 and "desired-retention = 0.85" in changed.output
    assert load_settings().desired_retention == 0.85
    refused = runner.invoke(app, ["config", "set", "desired-retention", "1.5"])
    assert refused.exit_code == 1 and isinstance(refused.exception, ConfigError)


def test_settings_reach_the_scheduler():
    write_config('desired-retention = 0.8\nlearning-steps = "5m"\nfuzz = false\n')
    now = utc(2026, 9, 1, 12)
    with open_session(SessionOptions(), now, bank=make_bank("a")) as session:
        preview = session.preview("a/mechanism", now)
    assert preview[1] == timedelta(minutes=5)  # Again: the one learning step
    assert preview[3] > timedelta(days=1)  # Good on the last step graduates


@pytest.fixture()
def test_bank(monkeypatch):
    bank = make_bank("a", "b")
    monkeypatch.setattr("llmconcepts.cardbank.loader.load_bank", lambda **_: bank)
    return bank


def test_suspend_unsuspend_reset_commands(test_bank):
    result = runner.invoke(app, ["suspend", "a"])
    assert result.exit_code == 0, result.output
    assert "suspended 3 cards" in result.output
    assert card_row("a/mechanism")[11] == 1
    result = runner.invoke(app, ["unsuspend", "a/mechanism"])
    assert result.exit_code == 0 and "unsuspended 1 card: a/mechanism" in result.output
    now = utc(2026, 9, 1, 12)
    with open_session(SessionOptions(), now, bank=test_bank) as session:
        session.rate("a/mechanism", 3, now)
    refused = runner.invoke(app, ["reset", "a/mechanism"], input="n\n")
    assert refused.exit_code == 1 and card_row("a/mechanism")[9] == 1  # reps kept
    result = runner.invoke(app, ["reset", "a/mechanism", "--yes"])
    assert result.exit_code == 0 and "reset 1 card" in result.output
    assert card_row("a/mechanism")[8:10] == (None, 0)
    unknown = runner.invoke(app, ["suspend", "zzz"])
    assert unknown.exit_code == 1
