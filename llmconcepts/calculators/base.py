"""What every explain-it calculator returns, and how its inputs are declared.

A calculator is a pure function of typed keyword arguments that returns a
:class:`Calculation`: the formula, every input with its unit, the labelled
intermediate steps, the results (all in base units: bytes, seconds, FLOPs,
parameters, tokens...), optional charts and the sources it rests on. ``ui/``
renders a Calculation; ``--json`` serialises it with :meth:`Calculation.to_json_dict`.

:class:`InputSpec` declares one ``NAME=VALUE`` input (unit, default, parser);
:class:`CalculatorSpec` ties a concept id to its function and inputs. The
registry of specs is ``llmconcepts.calculators.registry``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from llmconcepts.errors import CalculatorInputError

if TYPE_CHECKING:
    from llmconcepts.calculators.presets import ModelPreset

Number = int | float


@dataclass(frozen=True)
class Quantity:
    """A value with its unit name ("bytes", "FLOPs", "s", "tokens", "x", "" for pure numbers).

    ``value`` may be a number, a bool, a string, or a list/dict of numbers (e.g. a
    probability vector); it must be JSON-serialisable after :func:`jsonable`.
    ``display`` optionally overrides how the value prints (e.g. "30.52 GiB (32.77 GB)").
    """

    value: Any
    unit: str = ""
    display: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"value": jsonable(self.value), "unit": self.unit}
        if self.note:
            data["note"] = self.note
        return data


def undefined(unit: str, reason: str) -> Quantity:
    """A result with no value, e.g. recall when no document is relevant (0 / 0).

    ``--json`` shows ``"value": null`` with ``"note": "undefined: <reason>"``; the
    screen shows "undefined (<reason>)". Never a bare nan.
    """
    return Quantity(None, unit, f"undefined ({reason})", f"undefined: {reason}")


def unlimited(unit: str, reason: str) -> Quantity:
    """A result with no finite bound, e.g. the longest run when every step succeeds.

    ``--json`` shows ``"value": null`` with ``"note": "no limit: <reason>"``; the
    screen shows "no limit (<reason>)". Never a bare inf.
    """
    return Quantity(None, unit, f"no limit ({reason})", f"no limit: {reason}")


# Steps, charts and specs are never compared as values: eq=False skips generating their
# __eq__ and __hash__, about 0.3 ms of import each on every lookup.
@dataclass(frozen=True, eq=False)
class Step:
    """One line of working: a label, the arithmetic written out, and its value."""

    label: str
    expression: str
    result: Quantity


@dataclass(frozen=True, eq=False)
class Chart:
    """A small curve worth drawing in the terminal.

    Attributes:
        title: one line above the chart.
        x_label, y_label: axis names with units, e.g. "context length (tokens)".
        x: x values, ascending.
        series: name -> y values (same length as x).
        y_unit: "bytes" makes the renderer print sizes in GiB/MiB.
        marker_x: an x to highlight (usually the current input), or None.
        x_scale: "linear" or "log" (for x values spanning decades, e.g. model sizes).
    """

    title: str
    x_label: str
    y_label: str
    x: tuple[float, ...]
    series: Mapping[str, tuple[float, ...]]
    y_unit: str = ""
    marker_x: float | None = None
    x_scale: str = "linear"

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "x": jsonable(self.x),
            "series": {name: jsonable(ys) for name, ys in self.series.items()},
            "y_unit": self.y_unit,
        }


@dataclass(frozen=True)
class Calculation:
    """The full worked example a calculator returns."""

    concept: str
    title: str
    formula: str
    inputs: Mapping[str, Quantity]
    steps: tuple[Step, ...]
    results: Mapping[str, Quantity]
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """``{"concept", "inputs", "results"}`` (plus formula, steps, notes, sources), base units."""
        return {
            "concept": self.concept,
            "title": self.title,
            "formula": self.formula,
            "inputs": {k: q.to_json() for k, q in self.inputs.items()},
            "results": {k: q.to_json() for k, q in self.results.items()},
            "steps": [
                {"label": s.label, "expression": s.expression, **s.result.to_json()} for s in self.steps
            ],
            "charts": [chart.to_json() for chart in self.charts],
            "notes": list(self.notes),
            "sources": list(self.sources),
        }


#: Significant digits a float keeps in ``--json``: enough for any input or published
#: figure, few enough to drop binary rounding noise (5.000000000000001 prints as 5.0).
JSON_SIGNIFICANT_DIGITS = 12


def jsonable(value: Any) -> Any:
    """Numpy scalars/arrays and tuples -> plain Python; non-finite floats -> None.

    JSON has no inf/nan, and a string where a number belongs misleads a reader, so a
    value without a finite number is null (calculators attach a note saying why:
    :func:`undefined`, :func:`unlimited`). Finite floats are rounded to
    :data:`JSON_SIGNIFICANT_DIGITS` significant digits and -0.0 becomes 0.0: the
    noise of binary arithmetic is not part of an answer.
    """
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a hard dependency
        np = None  # type: ignore[assignment]
    if np is not None:
        if isinstance(value, np.ndarray):
            return [jsonable(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        rounded = float(f"{value:.{JSON_SIGNIFICANT_DIGITS}g}")
        return rounded if rounded != 0 else 0.0  # -0.0 (a negated zero entropy) is 0
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)


# ---------------------------------------------------------------------------
# Input parsing: NAME=VALUE strings from the command line.

_SUFFIXES = {"k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9, "t": 1e12, "p": 1e15}

#: A comma inside a number is accepted only as a thousands separator: 1,000 or 12,345,678.5.
#: (A pattern string: re compiles and caches it on first use, not on every lookup's import.)
_THOUSANDS = r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?"

#: Most entries a list input takes (a list is typed on the command line; this bounds the work).
MAX_LIST_ENTRIES = 10_000

_NUMBER_HINT = "not a number; use e.g. 4096, 100k, 1.5M, 70B, 1e-3, 1,000,000"


def _plain_float(raw: str) -> float:
    """float() of a number without suffix, commas only as thousands separators, finite."""
    if "," in raw:
        if not re.fullmatch(_THOUSANDS, raw):
            raise ValueError("a comma only separates thousands, as in 1,000,000; write decimals with '.'")
        raw = raw.replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(_NUMBER_HINT) from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def parse_number(text: str) -> float:
    """'100k' -> 100000.0, '1.5M' -> 1.5e6, '70B' -> 7e10, '1e-3', '0.9', '1_000', '1,000,000'.

    Suffixes (case-insensitive): k = 1e3, M = 1e6, G or B = 1e9 (B as in "70B
    parameters"), T = 1e12, P = 1e15 ("1P" FLOP/s). A comma is a thousands
    separator only where it groups digits by three ('1,0' is an error, not 10).
    Raises ValueError on anything else, and "must be a finite number" for inf,
    nan or a value that overflows a float ('1e400').
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty value")
    factor = 1.0
    last = raw[-1].lower()
    if last in _SUFFIXES and raw[:-1].strip():
        factor = _SUFFIXES[last]
        raw = raw[:-1].strip()
    value = _plain_float(raw) * factor
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def parse_count(text: str) -> int:
    """A whole, non-negative count: '100k' -> 100000, '4096', '1.5M' -> 1500000.

    Raises ValueError for non-finite values, fractions (after the suffix is
    applied) and negatives.
    """
    value = parse_number(text)
    if value != int(value):
        raise ValueError("must be a whole number")
    if value < 0:
        raise ValueError("must not be negative")
    return int(value)


_BYTE_PREFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15}
_SIZE_HINT = "use a size like 80GB, 80GiB, 512MiB or 8e10"

#: A byte size typed without a unit counts bytes; below an input's smallest plausible size it
#: is taken for a slip (gpu_memory=80 meaning 80 GB), and the parser asks for the unit instead
#: of computing with 80 bytes. 1 MiB unless the input says otherwise.
BARE_BYTES_MINIMUM = 2**20


def parse_size(text: str) -> tuple[float, bool]:
    """A size in bytes and whether the text named a unit: '80GB' -> (8e10, True), '8e10' -> (8e10, False).

    Decimal prefixes (kB, MB, GB, TB, PB; also a bare k/M/G/T/P) are powers of 1000,
    binary ones (KiB, MiB, GiB, TiB, PiB) powers of 1024. A trailing 'B' means
    bytes here, never billions. A trailing '/s' is accepted, so rates use it too
    ('3.35TB/s' -> 3.35e12 bytes per second). Raises ValueError on anything else,
    on a negative size and on a non-finite one.
    """
    raw = text.strip()
    if raw.lower().endswith("/s"):
        raw = raw[:-2].rstrip()
    has_unit = raw[-1:].isalpha()
    if raw[-1:] in {"B", "b"}:
        raw = raw[:-1]
    binary = raw[-1:] in {"i", "I"}
    if binary:
        raw = raw[:-1]
    prefix = raw[-1:].lower() if raw[-1:].isalpha() else ""
    if (prefix and prefix not in _BYTE_PREFIXES) or (binary and not prefix):
        raise ValueError(_SIZE_HINT)
    number = raw[: len(raw) - len(prefix)].strip()
    factor = 1024.0 ** ("kmgtp".index(prefix) + 1) if binary else _BYTE_PREFIXES[prefix]
    try:
        value = _plain_float(number) * factor
    except ValueError as exc:
        raise ValueError(_SIZE_HINT if str(exc) == _NUMBER_HINT else str(exc)) from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if value < 0:
        raise ValueError("must be a finite size of at least 0 bytes")
    return value, has_unit


def parse_bytes(text: str) -> float:
    """A size in bytes: '80GB' -> 8e10, '80GiB' -> 85899345920.0, '512MiB', '1.5e10' (see :func:`parse_size`)."""
    return parse_size(text)[0]


def size_parser(name: str, unit_hint: str, bare_minimum: float = BARE_BYTES_MINIMUM) -> Callable[[str], float]:
    """The parser of a byte-size input: :func:`parse_size`, refusing a bare number below ``bare_minimum``.

    A bare number counts bytes (as ``--json`` prints them), so ``gpu_memory=80``
    would mean 80 bytes; below ``bare_minimum`` the error suggests the unit
    instead (``did you mean gpu_memory=80GB?``, ``unit_hint`` = "GB").
    """

    def parse(text: str) -> float:
        value, has_unit = parse_size(text)
        if not has_unit and value < bare_minimum:
            typed, unit = text.strip(), "bytes/s" if unit_hint.endswith("/s") else "bytes"
            raise ValueError(f"a bare number counts {unit}, and {typed} {unit} is too small for {name}; "
                             f"did you mean {name}={typed}{unit_hint}? Sizes take a unit: B, kB, MB, GB, TB, "
                             "KiB, MiB, GiB, TiB")
        return value

    return parse


#: Bytes per stored value for each dtype name (fp8/int8 = 1 byte, int4 = half a byte).
DTYPE_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "tf32": 4.0,
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
    "nf4": 0.5,
}


def parse_dtype(text: str) -> str:
    """A dtype name (case-insensitive, 'float16'/'half' accepted) -> canonical key of DTYPE_BYTES."""
    key = text.strip().lower()
    key = {"float32": "fp32", "float": "fp32", "float16": "fp16", "half": "fp16", "bfloat16": "bf16"}.get(
        key, key
    )
    if key not in DTYPE_BYTES:
        raise ValueError(f"unknown dtype (use one of {', '.join(DTYPE_BYTES)})")
    return key


def list_items(text: str, separators: str = ",") -> list[str]:
    """The non-empty items of a typed list, split at any of ``separators`` and spaces.

    Raises ValueError for an empty list or more than :data:`MAX_LIST_ENTRIES` items.
    """
    for separator in separators:
        text = text.replace(separator, " ")
    parts = text.split()
    if not parts:
        raise ValueError("empty list")
    if len(parts) > MAX_LIST_ENTRIES:
        raise ValueError(f"at most {MAX_LIST_ENTRIES:,} entries, got {len(parts):,}")
    return parts


def parse_number_list(text: str) -> tuple[float, ...]:
    """'3,2,1,0.5,-1' (commas or spaces) -> (3.0, 2.0, 1.0, 0.5, -1.0)."""
    return tuple(parse_number(p) for p in list_items(text))


def parse_word_list(text: str) -> tuple[str, ...]:
    """'d1,d2,d3' -> ('d1', 'd2', 'd3')."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ValueError("empty list")
    if len(parts) > MAX_LIST_ENTRIES:
        raise ValueError(f"at most {MAX_LIST_ENTRIES:,} entries, got {len(parts):,}")
    return tuple(parts)


def parse_bool(text: str) -> bool:
    key = text.strip().lower()
    if key in {"1", "true", "yes", "on"}:
        return True
    if key in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


# ---------------------------------------------------------------------------
# Ranges: every numeric input has one, checked when the value is parsed.


class Range:
    """The realistic values of a numeric input: low <= value <= high (either end may be open).

    A Range is an input's ``check``: called with a parsed value it returns None or
    the problem ("must be between 1 and 10,000"); :attr:`text` documents it in the
    list of valid inputs ("1 to 10,000"). ``unit="bytes"`` prints the bounds as sizes.
    (A plain class: a dataclass would cost start-up time on every lookup.)
    """

    __slots__ = ("low", "high", "low_open", "high_open", "unit")

    def __init__(self, low: float, high: float, *, low_open: bool = False, high_open: bool = False,
                 unit: str = "") -> None:
        self.low, self.high, self.low_open, self.high_open, self.unit = low, high, low_open, high_open, unit

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __call__(self, value: float) -> str | None:
        return None if value in self else f"must be {self.problem_text()}"

    def problem_text(self) -> str:
        low, high = format_bound(self.low, self.unit), format_bound(self.high, self.unit)
        if self.low_open and self.high_open:
            return f"strictly between {low} and {high}"
        if self.low_open:
            return f"greater than {low} and at most {high}"
        if self.high_open:
            return f"at least {low} and less than {high}"
        return f"between {low} and {high}"

    @property
    def text(self) -> str:
        low, high = format_bound(self.low, self.unit), format_bound(self.high, self.unit)
        return f"{'>' if self.low_open else ''}{low} to {'<' if self.high_open else ''}{high}"

    def __repr__(self) -> str:
        return f"Range({self.text})"


class Each:
    """The check of a list input: every entry (of a flat or nested list) passes ``check``.

    ``check`` is usually a :class:`Range`, whose text then documents the list's range.
    """

    __slots__ = ("check",)

    def __init__(self, check: Callable[[Any], str | None]) -> None:
        self.check = check

    def __call__(self, values: Any) -> str | None:
        for value in _flatten(values):
            if problem := self.check(value):
                return f"every entry {problem} (got {format_number(value)})"
        return None

    @property
    def text(self) -> str:
        inner = getattr(self.check, "text", "")
        return f"each {inner}" if inner else ""


def _flatten(values: Any) -> Any:
    for value in values:
        if isinstance(value, (tuple, list)):
            yield from _flatten(value)
        else:
            yield value


def format_bound(value: float, unit: str = "") -> str:
    """A range end as typed: '10,000', '1e9', '1e-45', '0.5'; sizes for bytes ('1MiB', '1PB')."""
    if unit.startswith("bytes"):
        return format_size(value) + ("/s" if unit == "bytes/s" else "")
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    if (abs(value) >= 1e6 or abs(value) < 1e-3) and float(f"{mantissa}e{exponent}") == value:
        return f"{mantissa}e{int(exponent)}"
    return format_number(value)


def format_size(value: float) -> str:
    """A byte count as a user would type it: '80GB', '100KiB', '800KiB', '3.35TB', '512B'.

    The largest unit in which the value has at most two decimals wins (binary before
    decimal at the same scale: 2^20 is '1MiB'); failing that, the largest decimal
    unit not above the value, to four significant digits.
    """
    units = ((2.0**50, "PiB"), (1e15, "PB"), (2.0**40, "TiB"), (1e12, "TB"), (2.0**30, "GiB"), (1e9, "GB"),
             (2.0**20, "MiB"), (1e6, "MB"), (2.0**10, "KiB"), (1e3, "kB"))
    for factor, unit in units:
        if value >= factor and round(value / factor, 2) == value / factor:
            return f"{value / factor:g}{unit}"
    for factor, unit in units:
        if value >= factor and not unit.endswith("iB"):
            return f"{value / factor:.4g}{unit}"
    return f"{value:g}B"


#: Realistic ranges shared by the calculators. Wide enough for every published model
#: (about 1e12 parameters, 10M-token contexts, 1e26-1e27 training FLOPs, 128 layers,
#: head_dim 64-256, 16,384-wide layers, vocabularies of 32k-256k tokens) with margin,
#: narrow enough that no result overflows a float and every calculator answers at once.
LAYERS = Range(1, 10_000)
HEADS = Range(1, 10_000)
HEAD_DIM = Range(1, 65_536)
WIDTH = Range(1, 1e6)                 # d_model, hidden and FFN widths
VOCAB = Range(1, 1e7)
PARAMS = Range(1, 1e15)               # parameters of one model (1T-parameter models fit 1,000 times)
CONTEXT_TOKENS = Range(1, 1e9)        # tokens of one sequence (10M-token contexts fit 100 times)
BATCH = Range(1, 1e6)                 # concurrent requests or sequences
SEED = Range(0, 2**32 - 1)
MEMORY_BYTES = Range(2**20, 1e15, unit="bytes")   # 1 MiB (a test) to 1 PB (a large cluster)
PROBABILITY = Range(0, 1)
FRACTION = Range(0, 1)


@dataclass(frozen=True, eq=False)
class InputSpec:
    """One NAME=VALUE input of a calculator.

    Attributes:
        name: what the user types (``kv_heads``); also the keyword argument name.
        unit: unit shown in help and output ("layers", "tokens", "bytes", "" ...).
        default: the documented default, already parsed.
        help: one line.
        parse: str -> value; raise ValueError with a short reason on bad input.
        check: value -> error message or None. Numeric inputs use a :class:`Range`
            (lists an :class:`Each`), which also documents the range in the usage.
        default_text: how the default prints when the value alone says too little
            (a default of None meaning "same as n_heads" prints as "= n_heads").
    """

    name: str
    unit: str
    default: Any
    help: str
    parse: Callable[[str], Any] = parse_number
    check: Callable[[Any], str | None] | None = None
    default_text: str | None = None

    def default_display(self) -> str:
        return self.default_text if self.default_text is not None else format_default(self.default)

    @property
    def range_text(self) -> str:
        """The documented range ('1 to 10,000'), or '' for a name, a dtype or a choice."""
        return getattr(self.check, "text", "")


def positive(value: Number) -> str | None:
    return None if value > 0 else "must be greater than 0"


def non_negative(value: Number) -> str | None:
    return None if value >= 0 else "must not be negative"


def probability(value: Number) -> str | None:
    return None if 0 <= value <= 1 else "must be between 0 and 1"


def open_probability(value: Number) -> str | None:
    return None if 0 < value < 1 else "must be strictly between 0 and 1"


@dataclass(frozen=True, eq=False)
class CalculatorSpec:
    """A concept's calculator: its function, declared inputs and preset support.

    Attributes:
        concept: concept id (``kv-cache``).
        function: pure function taking every input as a keyword argument.
        inputs: declared inputs, in display order.
        preset_fields: preset attribute -> input name, for ``model=<preset>``
            (empty tuple = presets not supported by this calculator).
    """

    concept: str
    function: Callable[..., Calculation]
    inputs: tuple[InputSpec, ...]
    preset_fields: Mapping[str, str] = field(default_factory=dict)

    def input(self, name: str) -> InputSpec:
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def usage(self) -> str:
        """Every valid NAME with its unit, default and range, one per line (for error messages)."""
        width = max([len(s.name) for s in self.inputs] + [len("model")])
        unit_width = max([len(s.unit) for s in self.inputs] + [len("preset")])
        default_width = max(len(s.default_display()) for s in self.inputs)
        range_width = max(len(s.range_text) for s in self.inputs)
        lines = [f"  {s.name:<{width}}  {s.unit or '-':<{unit_width}}  default {s.default_display():<{default_width}}  "
                 f"{s.range_text or '-':<{range_width}}  {s.help}" for s in self.inputs]
        if self.preset_fields:
            lines.append(f"  {'model':<{width}}  {'preset':<{unit_width}}  e.g. llama-2-70b "
                         "(list: llmc explain --presets)")
        return "\n".join(lines)

    def resolve(self, assignments: Sequence[str]) -> dict[str, Any]:
        """Turn ``["model=llama-2-70b", "tokens=100k"]`` into keyword arguments.

        Defaults first, then the preset (if any), then explicit values, so
        ``model=llama-2-70b kv_heads=64`` overrides the preset's KV heads.

        Raises:
            CalculatorInputError: malformed assignment, unknown name, a name given
                twice, bad value or out-of-range value; the message lists every valid
                name with unit, default and range.
        """
        return self._resolve(assignments)[0]

    def _resolve(self, assignments: Sequence[str]) -> tuple[dict[str, Any], ModelPreset | None]:
        from llmconcepts.calculators.presets import get_preset  # presets are small and light

        values = {s.name: s.default for s in self.inputs}
        explicit: dict[str, Any] = {}
        preset_name: str | None = None
        for item in assignments:
            name, sep, raw = item.partition("=")
            name = name.strip().lower().replace("-", "_")
            if not sep or not name:
                raise self._error(f"'{item}' is not NAME=VALUE")
            if name in explicit or (name == "model" and preset_name is not None):
                raise self._error(f"{name} is given twice; give each input once")
            if name == "model" and self.preset_fields:
                preset_name = raw
                continue
            try:
                spec = self.input(name)
            except KeyError:
                raise self._error(f"unknown input '{name}'{self._did_you_mean(name)}") from None
            try:
                value = spec.parse(raw)
            except ValueError as exc:
                raise self._error(f"bad value for {name}: '{raw}' ({exc})") from None
            if spec.check is not None and (problem := spec.check(value)):
                raise self._error(f"bad value for {name}: '{raw}' ({problem})")
            explicit[name] = value
        preset = None
        if preset_name is not None:
            preset = get_preset(preset_name)  # raises CalculatorInputError listing presets
            for attr, input_name in self.preset_fields.items():
                preset_value = getattr(preset, attr)
                if preset_value is not None:
                    values[input_name] = preset_value
        values.update(explicit)
        return values, preset

    def _error(self, problem: str) -> CalculatorInputError:
        return CalculatorInputError(
            f"{problem.rstrip('.')}. Valid inputs for {self.concept}:\n{self.usage()}"
        )

    def _did_you_mean(self, name: str) -> str:
        """' (did you mean 'tokens'?)' for a near-miss of a valid name, else ''.

        A name typed short counts too when exactly one valid name starts with it
        (``sram`` for ``sram_bytes``). Only a mistyped name pays for importing
        rapidfuzz; a ratio of 60 or more (0-100, edit-based) takes one or two slips in
        a short name.
        """
        from rapidfuzz import fuzz, process

        names = [spec.name for spec in self.inputs] + (["model"] if self.preset_fields else [])
        started = [valid for valid in names if len(name) >= 2 and valid.startswith(name.lower())]
        if len(started) == 1:
            return f" (did you mean '{started[0]}'?)"
        match = process.extractOne(name, names, scorer=fuzz.ratio, score_cutoff=60)
        return f" (did you mean '{match[0]}'?)" if match else ""

    def run(self, assignments: Sequence[str] = ()) -> Calculation:
        """Resolve the assignments and call the function.

        With ``model=<preset>`` the result also names the preset and its source.
        The ranges keep every calculation finite; should a combination of extreme
        inputs still overflow, numpy raises instead of warning and the user gets a
        one-line error, never a warning or a traceback.

        Raises:
            CalculatorInputError: see :meth:`resolve`; also when the function finds
                inputs individually valid but inconsistent (e.g. more KV heads than
                query heads). Every such message ends with the valid-inputs listing.
        """
        import numpy as np  # already imported by the calculator's family module

        values, preset = self._resolve(assignments)
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                calculation = self.function(**values)
        except CalculatorInputError as exc:  # inputs valid alone but not together: list them too
            raise self._error(exc.message) from None
        except (ArithmeticError, MemoryError) as exc:
            raise self._error(
                f"{self.concept} cannot compute with these inputs together ({exc or type(exc).__name__}); "
                "try values nearer the defaults") from None
        if preset is None:
            return calculation
        used = ", ".join(
            f"{name}={format_number(values[name])}"
            for attr, name in self.preset_fields.items()
            if getattr(preset, attr) is not None and values[name] == getattr(preset, attr)
        )
        return replace(
            calculation,
            notes=(f"model={preset.name} ({preset.display}) set {used}.", *calculation.notes),
            sources=(*calculation.sources, preset.source),
        )


def count_input(name: str, unit: str, default: int | None, help: str, limits: Range, *,
                default_text: str | None = None) -> InputSpec:
    """A whole-number input ('100k', '4,096' allowed) within ``limits``."""
    return InputSpec(name, unit, default, help, parse_count, limits, default_text)


def number_input(name: str, unit: str, default: float | None, help: str, limits: Range,
                 default_text: str | None = None) -> InputSpec:
    """A real-number input ('1e-3', '989.4T') within ``limits``."""
    return InputSpec(name, unit, default, help, parse_number, limits, default_text)


def bytes_input(name: str, default: float, help: str, limits: Range = MEMORY_BYTES, *,
                unit_hint: str = "GB", per_second: bool = False,
                bare_minimum: float = BARE_BYTES_MINIMUM) -> InputSpec:
    """A size in bytes ('80GB', '80GiB', '512MiB'; with ``per_second`` a rate, '3.35TB/s').

    A bare number counts bytes and must be at least ``bare_minimum`` (:func:`size_parser`);
    ``unit_hint`` is the unit the error suggests for a smaller one. The help line
    says so, and the default prints with a unit ('80GB', '100KiB').
    """
    unit = "bytes/s" if per_second else "bytes"
    limits = Range(limits.low, limits.high, low_open=limits.low_open, high_open=limits.high_open, unit=unit)
    suffix = "/s" if per_second else ""
    bare = f", at least {format_size(bare_minimum)}{suffix}" if bare_minimum > limits.low else ""
    return InputSpec(name, unit, default, f"{help}; a bare number is bytes{suffix}{bare}",
                     size_parser(name, unit_hint + suffix, bare_minimum), limits, format_size(default) + suffix)


def dtype_input(name: str, default: str, help: str) -> InputSpec:
    """A dtype name from :data:`DTYPE_BYTES` ('fp16', 'bf16', 'int4' ...)."""
    return InputSpec(name, "dtype", default, help, parse_dtype)


def format_default(value: Any) -> str:
    """A default as the user would type it: '4096', '1e-05', '3.35e+12', 'q,v'."""
    if isinstance(value, tuple):
        if value and all(isinstance(v, tuple) for v in value):  # a list of vectors: 1,2;3,4
            return ";".join(format_default(v) for v in value)
        return ",".join(format_default(v) for v in value)
    if isinstance(value, float) and abs(value) >= 1e6:
        return f"{value:.4g}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------
# Display helpers shared by calculators (they return strings; no rich here).

def format_number(value: Any) -> str:
    """Readable number for expressions and tables.

    Whole numbers below 1e15 get thousands separators ('131,072'); very large or
    very small reals use 4 significant digits in scientific form ('5.88e+23');
    everything else 6 significant digits ('0.865964'). Bools and strings pass through;
    None and nan print as 'undefined', infinities as 'infinite' (never a bare nan or inf).
    """
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if value is None:
        return "undefined"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "undefined"
    if math.isinf(number):
        return "infinite" if number > 0 else "-infinite"
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    if abs(number) >= 1e15 or abs(number) < 1e-4:
        return f"{number:.4g}"
    return f"{number:,.6g}" if abs(number) >= 1e6 else f"{number:.6g}"


def format_bytes(n: float, decimal: bool = False) -> str:
    """Binary units by default ('30.52 GiB'); ``decimal=True`` gives '32.77 GB'."""
    base, units = (1000.0, ["B", "kB", "MB", "GB", "TB", "PB"]) if decimal else (
        1024.0,
        ["B", "KiB", "MiB", "GiB", "TiB", "PiB"],
    )
    value = float(n)
    for unit in units:
        if abs(value) < base or unit == units[-1]:
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.2f} {unit}"
        value /= base
    raise AssertionError("unreachable")


def bytes_quantity(n: float, with_decimal: bool = True) -> Quantity:
    """A byte count displayed as 'x GiB (y GB)'."""
    display = format_bytes(n) + (f" ({format_bytes(n, decimal=True)})" if with_decimal and abs(n) >= 1000 else "")
    return Quantity(whole(n), "bytes", display)


def whole(value: float) -> int | float:
    """An integral float as int (so JSON shows 819200, not 819200.0); anything else unchanged."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value
