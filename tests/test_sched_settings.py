"""Settings (config.toml, `llmc config show/set`) and the schedule commands
(`llmc suspend`, `llmc unsuspend`, `llmc reset`)."""

from __future__ import annotations

import tomllib
from datetime import timedelta

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS
from sched_helpers import card_row, make_bank, utc, write_config
from typer.testing import CliRunner

from llmconcepts import paths
from llmconcepts.cli.app import app
from llmconcepts.errors import ConfigError, LlmcWarning
from llmconcepts.scheduling.fsrs_adapter import build_scheduler
from llmconcepts.scheduling.session import SessionOptions, open_session
from llmconcepts.scheduling.settings import (Settings, load_settings, parse_duration, set_setting,
                                            unset_setting)

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
    ("timezone", "Mars/Olympus", "must be an IANA time zone name"),
    ("fsrs-parameters", "1 2 3", "must be 21 numbers"),
    ("desired-retentoin", "0.9", "Did you mean desired-retention"),
])
def test_set_rejects_bad_values_and_keeps_the_file(name, value, message):
    write_config("new-per-day = 5\n")
    with pytest.raises(ConfigError, match=message):
        set_setting(name, value)
    assert paths.config_path().read_text() == "new-per-day = 5\n"


def test_a_broken_file_warns_about_every_problem_and_uses_the_defaults():
    path = write_config('desired-retention = 2\nnew-per-day = "lots"\ncolour = "blue"\nfuzz = false\n')
    with pytest.warns(LlmcWarning) as caught:
        settings = load_settings()
    assert settings == Settings(fuzz=False)  # the one good key is kept
    assert [str(w.message) for w in caught] == [
        f"{path}:1: desired-retention must be between 0.7 and 0.99, not 2; using the default (0.9); "
        "to fix: `llmc config set desired-retention VALUE`",
        f'{path}:2: new-per-day must be a whole number, not "lots"; using the default (10); '
        "to fix: `llmc config set new-per-day VALUE`",
        # "colour" is no typo of any setting: the closest, "rollover-hour", shares 5 letters of
        # 6 + 13, a difflib ratio of 10/19 = 0.53, under the 0.6 a suggestion needs
        f"{path}:3: unknown setting 'colour' ignored; "
        "to remove it: `llmc config unset colour`",
    ]


def test_invalid_toml_names_file_line_and_the_fix():
    path = write_config("fuzz = true\ndesired-retention = = 0.9\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    # line 2, column 21: the second '=' (a value was expected there)
    assert str(info.value) == (f"{path}:2:21: not valid TOML (invalid value); edit it, or run "
                               "`llmc config reset` to set it aside and use the defaults")


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
    assert refused.exit_code == 0 and card_row("a/mechanism")[9] == 1  # reps kept
    assert refused.output.endswith("Nothing changed.\n")
    result = runner.invoke(app, ["reset", "a/mechanism", "--yes"])
    assert result.exit_code == 0 and "reset 1 card" in result.output
    assert card_row("a/mechanism")[8:10] == (None, 0)
    unknown = runner.invoke(app, ["suspend", "zzz"])
    assert unknown.exit_code == 1


# --- messages, negative values, repairing a bad file (from the rules, not the code) ---

def llmc_config(*args: str) -> tuple[int, str, str]:
    """`llmc config ARGS` through the real entry point: (exit code, stdout, stderr)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "llmconcepts", "config", *args],
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(("name", "value", "message"), [
    # A negative number is a value to check (exit 1 with the valid range), not an option (exit 2).
    ("rollover-hour", "-1", "rollover-hour must be between 0 and 23, not -1"),
    ("new-per-day", "-5", "new-per-day must be between 0 and 9999, not -5"),
    ("leech-threshold", "-1", "leech-threshold must be between 0 and 999, not -1"),
    ("maximum-interval", "-30", "maximum-interval must be between 1 and 36500, not -30"),
    ("learning-steps", "-1m", "learning-steps: step '-1m' must be longer than 0 and at most 365d"),
    ("relearning-steps", "-1h", "relearning-steps: step '-1h' must be longer than 0 and at most 365d"),
    ("desired-retention", "-.5", "desired-retention must be between 0.7 and 0.99, not -0.5"),
])
def test_negative_values_reach_the_range_check(name, value, message):
    code, out, err = llmc_config("set", name, value)
    assert (code, out, err) == (1, "", f"llmc: {message}\n")
    assert not paths.config_path().exists()


def test_an_unknown_option_after_a_negative_value_is_still_a_usage_error():
    code, _, err = llmc_config("set", "rollover-hour", "-1", "--bogus")
    assert code == 2 and "No such option: --bogus" in err


@pytest.mark.parametrize(("name", "value", "message"), [
    ("fsrs-parameters", "1 2 3", "fsrs-parameters must be 21 numbers (the FSRS-6 weights w0-w20), not 3"),
    # the fsrs package's defaults with w0 and w4 moved out of FSRS-6's bounds, w0 in
    # [0.001, 100] and w4 in [1, 10] (fsrs.scheduler LOWER/UPPER_BOUNDS_PARAMETERS)
    ("fsrs-parameters",
     " ".join(["0", *map(str, DEFAULT_PARAMETERS[1:4]), "0.5", *map(str, DEFAULT_PARAMETERS[5:])]),
     "fsrs-parameters must keep every weight within the FSRS-6 bounds, not w0 = 0 (allowed 0.001 to 100), "
     "w4 = 0.5 (allowed 1 to 10)"),
    ("timezone", "Garbage/Zone",
     "timezone must be an IANA time zone name such as Europe/Paris (or empty for the system's), "
     "not 'Garbage/Zone'"),
    ("new-per-day", "many", "new-per-day: 'many' is not a whole number"),
])
def test_each_refusal_is_one_sentence_naming_the_value_once(name, value, message):
    with pytest.raises(ConfigError) as info:
        set_setting(name, value)
    assert str(info.value) == message


def test_a_bad_stored_value_can_be_replaced_and_other_bad_keys_are_still_reported():
    path = write_config("desired-retention = 5\nfuzz = false\n")
    setting, value = set_setting("desired-retention", "0.9")
    assert (setting.name, value) == ("desired-retention", 0.9)
    assert tomllib.loads(path.read_text()) == {"desired-retention": 0.9, "fuzz": False}
    assert load_settings().desired_retention == 0.9

    # Two bad keys, one under another spelling of the key being set: each can be
    # repaired in turn, and the one still bad is named every time.
    write_config('desired_retention = 5\nnew-per-day = -3\n')
    code, out, err = llmc_config("set", "desired-retention", "0.9")
    assert (code, out) == (0, "desired-retention = 0.9\n")
    # the file as rewritten: new-per-day first, on line 1
    assert err == (f"llmc: warning: {path}:1: new-per-day must be between 0 and 9999, not -3; using the "
                   "default (10); to fix: `llmc config set new-per-day VALUE`\n")
    assert tomllib.loads(path.read_text()) == {"new-per-day": -3, "desired-retention": 0.9}
    with pytest.warns(LlmcWarning, match="new-per-day must be between 0 and 9999, not -3"):
        assert load_settings() == Settings(desired_retention=0.9)  # every command: the default for it
    assert llmc_config("set", "new-per-day", "3") == (0, "new-per-day = 3\n", "")
    assert load_settings() == Settings(desired_retention=0.9, new_per_day=3)


def test_a_file_that_is_not_toml_is_never_rewritten():
    path = write_config("desired-retention = = 0.9\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        set_setting("desired-retention", "0.9")
    with pytest.raises(ConfigError, match="not valid TOML"):
        unset_setting("desired-retention")
    assert path.read_text() == "desired-retention = = 0.9\n"


# --- unknown keys, `llmc config unset`, `llmc config reset` ---

def test_an_unknown_key_is_a_warning_and_every_command_still_works():
    path = write_config("foo = 1\nnew-per-day = 3\n")
    warning = (f"llmc: warning: {path}:1: unknown setting 'foo' ignored; "
               "to remove it: `llmc config unset foo`\n")
    code, out, err = llmc_config("show")
    assert (code, err) == (0, warning)
    assert "new-per-day        3 " in out
    import subprocess
    import sys

    due = subprocess.run([sys.executable, "-m", "llmconcepts", "due"], capture_output=True, text=True,
                         timeout=60)
    assert (due.returncode, due.stderr) == (0, warning)  # said once, though read more than once


def test_set_points_at_unset_for_a_key_that_is_no_setting_and_unset_removes_it():
    path = write_config("foo = 1\nNew_Per_Day = 3\nnew-per-day = 4\n")
    code, out, err = llmc_config("set", "foo", "1")
    assert (code, out) == (1, "")
    assert err == f"llmc: 'foo' is not a setting; `llmc config unset foo` removes it from {path}\n"
    assert llmc_config("unset", "foo") == (0, "removed foo\n", (
        f"llmc: warning: {path}:2: 'new-per-day' sets new-per-day again (also set as 'New_Per_Day'); "
        "the later one is used; delete one of the two lines\n"))
    assert tomllib.loads(path.read_text()) == {"New_Per_Day": 3, "new-per-day": 4}
    # every spelling of a setting goes; it is the default again
    assert llmc_config("unset", "new-per-day") == (0, "removed New_Per_Day, new-per-day (default: 10)\n", "")
    assert tomllib.loads(path.read_text()) == {}
    assert llmc_config("unset", "new-per-day") == (
        0, "new-per-day was not set (default: 10); nothing changed\n", "")
    with pytest.raises(ConfigError, match="unknown setting 'bar'"):
        unset_setting("bar")  # neither a setting nor a key of the file


def test_unset_repairs_a_bad_value_and_names_what_is_left():
    path = write_config('desired-retention = 5\ncolor = "red"\n')
    with pytest.warns(LlmcWarning) as caught:
        assert unset_setting("desired-retention")[0] == ["desired-retention"]
    assert [str(w.message) for w in caught] == [
        f"{path}:1: unknown setting 'color' ignored; "
        "to remove it: `llmc config unset color`"]
    assert path.read_text() == 'color = "red"\n'


def test_reset_sets_a_broken_file_aside_and_commands_work_again():
    path = write_config("desired-retention = = 0.9\n")
    code, _, err = llmc_config("show")
    assert code == 1 and "`llmc config reset`" in err and f"{path}:1:21:" in err
    from llmconcepts.scheduling.settings import reset_settings

    backup = reset_settings(utc(2026, 7, 1, 12, 30, 5))
    assert backup == path.with_name("config.toml.backup-20260701T123005Z")
    assert backup.read_text() == "desired-retention = = 0.9\n" and not path.exists()
    assert load_settings() == Settings()
    write_config("fuzz = false\n")  # a second reset in the same second keeps both backups
    second = reset_settings(utc(2026, 7, 1, 12, 30, 5))
    assert second == path.with_name("config.toml.backup-20260701T123005Z-2")
    assert second.read_text() == "fuzz = false\n"
    assert reset_settings(utc(2026, 7, 1, 12, 31)) is None  # no file: nothing to do
    code, out, err = llmc_config("reset")
    assert (code, out, err) == (0, "no settings file: every setting is already its default\n", "")


def test_config_set_help_has_a_whole_summary():
    code, out, _ = llmc_config("--help")
    assert code == 0
    assert out.endswith("Commands:\n"
                        "  show   Print every setting with its value and what it does.\n"
                        "  set    Check and save one setting.\n"
                        "  unset  Remove a key from config.toml: a setting goes back to its default.\n"
                        "  reset  Back up config.toml beside it and start from the defaults.\n")
    code, out, _ = llmc_config("set", "-h")
    assert code == 0
    assert out.startswith("Usage: llmc config set [OPTIONS] NAME VALUE\n")
    assert "llmc config set desired-retention 0.85" in out


def test_a_bad_tz_variable_is_said_once_with_the_zone_used(monkeypatch):
    import subprocess
    import sys

    for tz, problem in (
            ("Garbage/Zone", "is neither an IANA time zone name such as Europe/Paris nor a POSIX rule such as CET-1"),
            ("/no/such/zone", "is not a readable time zone file")):
        monkeypatch.setenv("TZ", tz)
        result = subprocess.run([sys.executable, "-m", "llmconcepts", "due"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0
        assert result.stderr == (f"llmc: warning: TZ={tz} {problem}; "
                                 "your study days follow UTC (set TZ, or `llmc config set timezone "
                                 "Europe/Paris` for example)\n")
    write_config('timezone = "Europe/Paris"\n')  # the setting wins: TZ is not consulted
    result = subprocess.run([sys.executable, "-m", "llmconcepts", "due"], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_misspelt_setting_is_suggested():
    """'desired-retnetion' against 'desired-retention': 16 letters matched of 17 + 17
    (one of the swapped pair is lost), a difflib ratio of 32/34 = 0.94."""
    import warnings

    path = write_config("desired-retnetion = 0.85\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_settings()
    assert [str(w.message) for w in caught] == [
        f"{path}:1: unknown setting 'desired-retnetion' ignored (did you mean 'desired-retention'?); "
        "to remove it: `llmc config unset desired-retnetion`"
    ]


def test_a_setting_written_twice_in_two_spellings_is_pointed_out():
    import warnings

    path = write_config("desired-retention = 0.85\ndesired_retention = 0.75\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        settings = load_settings()
    assert settings.desired_retention == 0.75
    assert [str(w.message) for w in caught] == [
        f"{path}:2: 'desired_retention' sets desired-retention again (also set as 'desired-retention'); "
        "the later one is used; delete one of the two lines"
    ]


def test_config_show_fits_narrow_terminals():
    from llmconcepts.cli.config import settings_lines

    rows = [("desired-retention", "0.9", "FSRS desired retention: the recall probability reviews aim for (0.7-0.99)"),
            ("fuzz", "true", "spread due dates a little")]
    assert settings_lines(rows, None)[0] == (
        "desired-retention  0.9   # FSRS desired retention: the recall probability reviews aim for (0.7-0.99)")
    at_60 = settings_lines(rows, 60)
    # The comment column starts at 17 + 2 + 4 + 2 = 25, leaving 60 - 25 - 2 = 33 columns
    # after "# ": "FSRS desired retention: the recall" is 34, so "recall" moves down.
    assert at_60 == [
        "desired-retention  0.9   # FSRS desired retention: the",
        "                         # recall probability reviews aim",
        "                         # for (0.7-0.99)",
        "fuzz               true  # spread due dates a little",
    ]
    at_30 = settings_lines(rows, 30)  # 3 columns for the comment: it goes under the setting,
    # wrapped at 30 - 4 = 26 ("FSRS desired retention: the" is 27)
    assert at_30[:3] == ["desired-retention  0.9", "  # FSRS desired retention:", "  # the recall probability"]
    assert all(len(line) <= 30 for line in at_30)
    weights = " ".join(["0.2120"] * 21)  # 21 values of 6 characters: 146 columns in one line
    at_40 = settings_lines([("fsrs-parameters", weights, "FSRS model weights")], 40)
    # "  " + 5 weights = 2 + 5 x 6 + 4 spaces = 36 columns; a sixth would make 43
    assert at_40 == ["fsrs-parameters", *["  " + " ".join(["0.2120"] * 5)] * 4, "  0.2120",
                     "  # FSRS model weights"]
