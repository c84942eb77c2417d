"""The learner's settings: ``config.toml`` in the data directory.

Every setting has a kebab-case name (the TOML key and the name given to
``llmc config set``), a default, a parser that validates text from the command
line, and a check for values read from the file. Defaults follow Anki's FSRS
defaults (Anki manual, "Deck Options": desired retention 0.9, learning steps
1m 10m, relearning step 10m, maximum interval 36500 days, new cards/day 10 is
llmc's own calmer choice where Anki uses 20, maximum reviews/day 200, next day
starts at 4 am, leech threshold 8 lapses).

This module is light (stdlib only at import) so the CLI can use it at start-up.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import shlex
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from llmconcepts import paths
from llmconcepts.errors import ConfigError


@dataclass(frozen=True)
class Settings:
    """Scheduling and study settings.

    Attributes:
        desired_retention: FSRS desired retention, the recall probability at which a
            review is scheduled, in [0.7, 0.99].
        learning_steps: intervals between the first ratings of a new card (Anki "learning steps").
        relearning_steps: intervals after a lapse (Again on a review card).
        maximum_interval: longest review interval, in days.
        fuzz: spread review intervals by a few percent so cards learnt together drift apart.
        new_per_day: new cards introduced per learner day.
        reviews_per_day: review cards studied per learner day.
        rollover_hour: local hour (0-23) at which the learner's day starts.
        timezone: IANA zone name; empty means the system zone (``TZ`` respected).
        leech_threshold: lapses at which a card becomes a leech (0 turns leeches off).
        fsrs_parameters: the 21 FSRS-6 weights; empty means the fsrs package defaults.
    """

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500
    fuzz: bool = True
    new_per_day: int = 10
    reviews_per_day: int = 200
    rollover_hour: int = 4
    timezone: str = ""
    leech_threshold: int = 8
    fsrs_parameters: tuple[float, ...] = ()


_DURATION = re.compile(r"([-+]?\d+(?:\.\d+)?)([smhd])")  # a sign, so "-1m" gets the range message
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_MAX_STEP = timedelta(days=365)


def parse_duration(text: str) -> timedelta:
    """``"10m"`` -> 10 minutes. Units: s, m, h, d.

    Raises:
        ConfigError: not a positive duration of that form.
    """
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise ConfigError(f"'{text}' is not a duration like 30s, 10m, 1h or 2d")
    value = timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    if value <= timedelta(0) or value > _MAX_STEP:
        raise ConfigError(f"step '{text}' must be longer than 0 and at most 365d")
    return value


def format_duration(value: timedelta) -> str:
    """10 minutes -> ``"10m"`` (the largest unit that divides it exactly)."""
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _parse_steps(text: str) -> tuple[timedelta, ...]:
    return tuple(parse_duration(part) for part in text.replace(",", " ").split())


def _format_steps(value: tuple[timedelta, ...]) -> str:
    return " ".join(format_duration(step) for step in value)


def _parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"'{text}' is not a finite number")
    return value


def _parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ConfigError(f"'{text}' is not a whole number") from None


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "on", "yes", "1"):
        return True
    if lowered in ("false", "off", "no", "0"):
        return False
    raise ConfigError(f"'{text}' is not true or false")


def _parse_parameters(text: str) -> tuple[float, ...]:
    return tuple(_parse_float(part) for part in text.replace(",", " ").split())


# A check returns None for a good value, else the rest of a sentence that starts with
# the setting's name and ends with the value given ("rollover-hour must be between 0
# and 23, not -1"); it names the value itself, so the value is never shown twice.

def _in_range(low: float, high: float) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}, not {value:g}"

    return check


def _check_timezone(value: str) -> str | None:
    if not value:
        return None
    from llmconcepts.scheduling.day import zone_or_none

    if zone_or_none(value):
        return None
    return f"must be an IANA time zone name such as Europe/Paris (or empty for the system's), not '{value}'"


def _check_parameters(value: tuple[float, ...]) -> str | None:
    """The count and bounds of the FSRS-6 weights, as the fsrs package's Scheduler
    checks them (its ``LOWER_BOUNDS_PARAMETERS`` / ``UPPER_BOUNDS_PARAMETERS``)."""
    if not value:
        return None
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    expected = len(LOWER_BOUNDS_PARAMETERS)
    if len(value) != expected:
        return f"must be {expected} numbers (the FSRS-6 weights w0-w{expected - 1}), not {len(value)}"
    outside = [f"w{index} = {weight:g} (allowed {low:g} to {high:g})"
               for index, (weight, low, high) in enumerate(zip(value, LOWER_BOUNDS_PARAMETERS,
                                                              UPPER_BOUNDS_PARAMETERS, strict=True))
               if not low <= weight <= high]
    if not outside:
        return None
    shown = ", ".join(outside[:3]) + (f" and {len(outside) - 3} more" if len(outside) > 3 else "")
    return f"must keep every weight within the FSRS-6 bounds, not {shown}"


@dataclass(frozen=True)
class SettingSpec:
    """How one setting is named, parsed from text, checked, shown and stored in TOML."""

    name: str
    field: str
    help: str
    parse: Callable[[str], Any]
    show: Callable[[Any], str]
    check: Callable[[Any], str | None]
    to_toml: Callable[[Any], Any] = lambda value: value
    from_toml: Callable[[Any], Any] = lambda value: value


def _steps_from_toml(value: Any) -> tuple[timedelta, ...]:
    if isinstance(value, str):
        return _parse_steps(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(parse_duration(v) for v in value)
    raise ConfigError(f"must be a string of durations like \"1m 10m\", not {_toml_value(value)}")


def _toml_value(value: Any) -> str:
    """A value read from TOML as it was written there (``"lots"``, ``true``, ``[1, 2]``)."""
    import json

    return json.dumps(value, default=str)


def _typed(kind: type | tuple[type, ...], label: str) -> Callable[[Any], Any]:
    kinds = kind if isinstance(kind, tuple) else (kind,)

    def convert(value: Any) -> Any:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ConfigError(f"must be {label}, not {_toml_value(value)}")  # true is an int in Python
        return value

    return convert


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("desired-retention", "desired_retention",
                "FSRS desired retention: the recall probability reviews aim for (0.7-0.99)",
                _parse_float, lambda v: f"{v:g}", _in_range(0.7, 0.99),
                from_toml=lambda v: float(_typed((int, float), "a number")(v))),
    SettingSpec("learning-steps", "learning_steps",
                "intervals between a new card's first ratings, e.g. \"1m 10m\"",
                _parse_steps, _format_steps, lambda v: None, _format_steps, _steps_from_toml),
    SettingSpec("relearning-steps", "relearning_steps",
                "intervals after forgetting a review card, e.g. \"10m\"",
                _parse_steps, _format_steps, lambda v: None, _format_steps, _steps_from_toml),
    SettingSpec("maximum-interval", "maximum_interval", "longest review interval, in days (1-36500)",
                _parse_int, str, _in_range(1, 36500), from_toml=_typed(int, "a whole number")),
    SettingSpec("fuzz", "fuzz", "spread review intervals slightly so cards drift apart (true/false)",
                _parse_bool, lambda v: "true" if v else "false", lambda v: None,
                from_toml=_typed(bool, "true or false")),
    SettingSpec("new-per-day", "new_per_day", "new cards introduced per day (0-9999)",
                _parse_int, str, _in_range(0, 9999), from_toml=_typed(int, "a whole number")),
    SettingSpec("reviews-per-day", "reviews_per_day", "review cards studied per day (0-99999)",
                _parse_int, str, _in_range(0, 99999), from_toml=_typed(int, "a whole number")),
    SettingSpec("rollover-hour", "rollover_hour", "local hour at which a new study day starts (0-23)",
                _parse_int, str, _in_range(0, 23), from_toml=_typed(int, "a whole number")),
    SettingSpec("timezone", "timezone", "IANA time zone of your study day; empty = the system's (TZ)",
                str.strip, lambda v: v or "(system)", _check_timezone,
                from_toml=_typed(str, "a string")),
    SettingSpec("leech-threshold", "leech_threshold",
                "lapses at which a card is tagged leech and suspended (0 = never)",
                _parse_int, str, _in_range(0, 999), from_toml=_typed(int, "a whole number")),
    SettingSpec("fsrs-parameters", "fsrs_parameters",
                "the 21 FSRS-6 weights, space-separated; empty = the fsrs package defaults",
                _parse_parameters, lambda v: " ".join(f"{p:g}" for p in v) or "(fsrs defaults)",
                _check_parameters, list,
                lambda v: tuple(float(_typed((int, float), "a list of numbers")(p)) for p in v)
                if isinstance(v, list) else _parse_parameters(_typed(str, "a list of numbers")(v))),
)
_BY_NAME = {spec.name: spec for spec in SPECS}


def spec(name: str) -> SettingSpec:
    """The spec of a setting by its kebab-case name.

    Raises:
        ConfigError: unknown name (with the closest names).
    """
    key = _normal_name(name)
    if key in _BY_NAME:
        return _BY_NAME[key]
    close = difflib.get_close_matches(key, list(_BY_NAME), n=2)
    hint = f" Did you mean {' or '.join(close)}?" if close else f" Known: {', '.join(_BY_NAME)}."
    raise ConfigError(f"unknown setting '{name}'.{hint}")


def load_settings(path: Path | None = None) -> Settings:
    """Read ``config.toml`` (missing file = all defaults).

    A key that is not a setting, or a setting whose value is invalid, does not stop
    the command: each is named in an :class:`~llmconcepts.errors.LlmcWarning` (file,
    line, key, the command that repairs it) and the setting keeps its default. A value
    only shapes intervals and limits from now on, and every rating is logged, so a
    default used for a while loses nothing; refusing would stop every command,
    studying included, until the file is mended.

    Raises:
        ConfigError: unreadable file or bad TOML (naming the file, the line and the fix).
    """
    path = path or paths.config_path()
    text = _read_text(path)
    values, problems = _checked_values(_parse_document(text, path), path, text)
    _warn_each(problems)
    return replace(Settings(), **values)


def _checked_values(document: dict[str, Any], path: Path, text: str) -> tuple[dict[str, Any], list[str]]:
    """(field name -> value of every valid key in ``document``, one line for each key
    that is unknown or invalid, naming the file and line, and the command that fixes it)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    spelt: dict[str, str] = {}  # setting name -> the key that set it first
    for key, raw in document.items():
        where = _where(path, text, key)
        setting = _BY_NAME.get(_normal_name(key))
        if setting is not None and spelt.setdefault(setting.name, key) != key:
            problems.append(f"{where}: '{key}' sets {setting.name} again (also set as '{spelt[setting.name]}'); "
                            "the later one is used; delete one of the two lines")
        if setting is None:
            problems.append(f"{where}: unknown setting '{key}' ignored{_did_you_mean(key)}; "
                            f"to remove it: `llmc config unset {shlex.quote(key)}`")
            continue
        try:
            value = setting.from_toml(raw)
            problem = setting.check(value)
        except ConfigError as exc:  # "must be a whole number, not ..." or a parser's own sentence
            problem = str(exc) if str(exc).startswith("must") else f": {exc}"
        if problem:
            default = setting.show(getattr(Settings(), setting.field))
            default = default if default.startswith("(") else f"({default})"
            problems.append(f"{where}: {key}{'' if problem[0] == ':' else ' '}{problem}; using the default "
                            f"{default}; to fix: `llmc config set {setting.name} VALUE`")
        else:
            values[setting.field] = value
    return values, problems


def _where(path: Path, text: str, key: str) -> str:
    """``path:line`` of the line that sets top-level ``key`` (bare, quoted, dotted or a
    table header), or the path alone when it cannot be found."""
    quoted = re.escape(key)
    pattern = re.compile(rf"^\s*\[*\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*[=.\]]", re.MULTILINE)
    match = pattern.search(text)
    return f"{path}:{text.count(chr(10), 0, match.start()) + 1}" if match else str(path)


def _did_you_mean(key: str) -> str:
    """`` (did you mean 'x'?)`` for the known setting closest to ``key`` when one is
    close (difflib ratio 0.6 or more), else nothing: 'foo' is no typo of 'fuzz'."""
    close = difflib.get_close_matches(_normal_name(key), list(_BY_NAME), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _warn_each(problems: list[str]) -> None:
    import warnings

    from llmconcepts.errors import LlmcWarning

    for problem in problems:
        warnings.warn(LlmcWarning(problem), stacklevel=1)  # one place: a command that reads twice is told once


def set_setting(name: str, text: str, path: Path | None = None) -> tuple[SettingSpec, Any]:
    """Validate ``text`` for setting ``name`` and write it to ``config.toml`` atomically.

    Returns:
        The setting's spec and its new value.

    The file's value for this setting is replaced even when it is invalid (that is how
    the learner repairs it). Other keys are kept as they are; those still unknown or
    invalid are each named in an :class:`~llmconcepts.errors.LlmcWarning`, so a file
    with several bad keys is repaired one key at a time.

    Raises:
        ConfigError: unknown setting (naming ``llmc config unset`` when the file has that
            key), invalid value, a file that is not TOML, or the file cannot be written
            (the old file is then left as it was).
    """
    path = path or paths.config_path()
    setting = _setting_to_change(name, path)
    try:
        value = setting.parse(text)
    except ConfigError as exc:
        raise ConfigError(f"{setting.name}: {exc}") from None
    problem = setting.check(value)
    if problem:
        raise ConfigError(f"{setting.name} {problem}")
    source = _read_text(path)
    document = {key: raw for key, raw in _parse_document(source, path).items() if not _names(key, setting)}
    document[setting.name] = setting.to_toml(value)
    _write_document(path, document)
    _warn_each(_checked_values(document, path, _toml_text(document))[1])
    return setting, value


def _setting_to_change(name: str, path: Path) -> SettingSpec:
    """The spec of ``name``; for a name that is not a setting but is a key of the file,
    the error says how to remove it."""
    try:
        return spec(name)
    except ConfigError:
        try:
            keys = list(_parse_document(_read_text(path), path))
        except ConfigError:
            keys = []
        if name in keys or _normal_name(name) in map(_normal_name, keys):
            raise ConfigError(f"'{name}' is not a setting{_did_you_mean(name)}; "
                              f"`llmc config unset {shlex.quote(name)}` removes it from {path}") from None
        raise


def unset_setting(name: str, path: Path | None = None) -> tuple[list[str], SettingSpec | None]:
    """Remove every spelling of key ``name`` from ``config.toml`` (atomically): a setting
    then takes its default again; a key that is no setting is gone.

    Returns:
        (the keys removed, in file order; the setting's spec, or None if ``name`` is no setting).
        No key removed leaves the file untouched.

    Raises:
        ConfigError: ``name`` is neither a setting nor a key of the file, the file is not
            TOML, or it cannot be written (then left as it was).
    """
    path = path or paths.config_path()
    document = _parse_document(_read_text(path), path)
    removed = [key for key in document if _normal_name(key) == _normal_name(name)]
    setting = _BY_NAME.get(_normal_name(name))
    if not removed:
        if setting is None:
            spec(name)  # raises: unknown setting, with the closest names
        return [], setting
    kept = {key: raw for key, raw in document.items() if key not in removed}
    _write_document(path, kept)
    _warn_each(_checked_values(kept, path, _toml_text(kept))[1])
    return removed, setting


def reset_settings(now: datetime, path: Path | None = None) -> Path | None:
    """Set ``config.toml`` aside (renamed ``config.toml.backup-<UTC time>`` beside it,
    broken or not) so that every setting takes its default.

    Args:
        now: current UTC time, for the backup's name.

    Returns:
        The backup's path, or None when there was no file (already the defaults).

    Raises:
        ConfigError: the file cannot be renamed (it is then left as it was).
    """
    path = path or paths.config_path()
    if not path.exists():
        return None
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.backup-{stamp}")
    counter = 1
    while backup.exists():
        counter += 1
        backup = path.with_name(f"{path.name}.backup-{stamp}-{counter}")
    try:
        os.replace(path, backup)
    except OSError as exc:
        raise ConfigError(f"cannot set {path} aside: {exc.strerror or exc}") from exc
    return backup


def _normal_name(name: str) -> str:
    """A setting's name as the learner may spell it (New_Per_Day) -> its kebab-case name."""
    return name.strip().lower().replace("_", "-")


def _names(key: str, setting: SettingSpec) -> bool:
    """Whether TOML key ``key`` is a spelling of ``setting``."""
    return _normal_name(key) == setting.name


def show_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """Rows of (name, value as text, help) in a fixed order, for ``llmc config show``."""
    return [(s.name, s.show(getattr(settings, s.field)), s.help) for s in SPECS]


def settings_as_dict(settings: Settings) -> dict[str, Any]:
    """Settings keyed by field name (for JSON output)."""
    return {f.name: getattr(settings, f.name) for f in fields(settings)}


def _read_text(path: Path) -> str:
    """The file's text ("" when there is none).

    Raises:
        ConfigError: the file cannot be read, or is not UTF-8 text.
    """
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; {_REPAIR}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_REPAIR = "edit it, or run `llmc config reset` to set it aside and use the defaults"


def _parse_document(text: str, path: Path) -> dict[str, Any]:
    """The TOML document in ``text``.

    Raises:
        ConfigError: not TOML: ``path:line:column``, the parser's reason and the fix.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        position = _TOML_POSITION.search(reason)
        where = f"{path}:{position[1]}:{position[2]}" if position else str(path)
        reason = reason[:position.start()] if position else reason
        raise ConfigError(f"{where}: not valid TOML ({reason[:1].lower()}{reason[1:]}); {_REPAIR}") from None


def _toml_text(document: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps(document)


def _write_document(path: Path, document: dict[str, Any]) -> None:
    import tomli_w

    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as handle:
            tomli_w.dump(document, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc
