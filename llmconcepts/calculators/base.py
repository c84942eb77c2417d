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

    def to_json(self) -> dict[str, Any]:
        return {"value": jsonable(self.value), "unit": self.unit}


@dataclass(frozen=True)
class Step:
    """One line of working: a label, the arithmetic written out, and its value."""

    label: str
    expression: str
    result: Quantity


@dataclass(frozen=True)
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


def jsonable(value: Any) -> Any:
    """Numpy scalars/arrays and tuples -> plain Python; non-finite floats -> None... or strings.

    JSON has no inf/nan: they become the strings "inf", "-inf", "nan".
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
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)


# ---------------------------------------------------------------------------
# Input parsing: NAME=VALUE strings from the command line.

_SUFFIXES = {"k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9, "t": 1e12, "p": 1e15}


def parse_number(text: str) -> float:
    """'100k' -> 100000.0, '1.5M' -> 1.5e6, '70B' -> 7e10, '1e-3', '0.9', '1_000'.

    Suffixes (case-insensitive): k = 1e3, M = 1e6, G or B = 1e9 (B as in "70B
    parameters"), T = 1e12, P = 1e15 ("1P" FLOP/s). Raises ValueError on anything else.
    """
    raw = text.strip().replace("_", "").replace(",", "")
    if not raw:
        raise ValueError("empty value")
    factor = 1.0
    last = raw[-1].lower()
    if last in _SUFFIXES and not raw.lower().endswith("e"):
        factor = _SUFFIXES[last]
        raw = raw[:-1]
    try:
        value = float(raw) * factor
    except ValueError:
        raise ValueError("not a number; use e.g. 4096, 100k, 1.5M, 70B, 1e-3") from None
    if math.isnan(value):
        raise ValueError("not a number")
    return value


def parse_count(text: str) -> int:
    """A whole, non-negative count: '100k' -> 100000, '4096', '1.5M' -> 1500000.

    Raises ValueError for fractions (after the suffix is applied) and negatives.
    """
    value = parse_number(text)
    if math.isinf(value) or value != int(value):
        raise ValueError("must be a whole number")
    if value < 0:
        raise ValueError("must not be negative")
    return int(value)


_BYTE_PREFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15}


def parse_bytes(text: str) -> float:
    """A size in bytes: '80GB' -> 8e10, '80GiB' -> 85899345920.0, '24G' -> 2.4e10, '512MiB', '1.5e10'.

    Decimal prefixes (kB, MB, GB, TB; also a bare k/M/G/T) are powers of 1000,
    binary ones (KiB, MiB, GiB, TiB) powers of 1024. A trailing 'B' means bytes
    here, never billions. A trailing '/s' is accepted, so rates use it too
    ('3.35TB/s' -> 3.35e12 bytes per second). Raises ValueError on anything else
    or on a negative size.
    """
    raw = text.strip().replace("_", "").replace(",", "")
    if raw.lower().endswith("/s"):
        raw = raw[:-2].rstrip()
    if raw[-1:] in {"B", "b"}:
        raw = raw[:-1]
    binary = raw[-1:] in {"i", "I"}
    if binary:
        raw = raw[:-1]
    prefix = raw[-1:].lower() if raw[-1:].isalpha() else ""
    if prefix and prefix not in _BYTE_PREFIXES:
        raise ValueError("use a size like 80GB, 80GiB, 512MiB or 8e10")
    number = raw[: len(raw) - len(prefix)].strip()
    if binary and not prefix:
        raise ValueError("use a size like 80GB, 80GiB, 512MiB or 8e10")
    factor = 1024.0 ** ("kmgtp".index(prefix) + 1) if binary else _BYTE_PREFIXES[prefix]
    try:
        value = float(number) * factor
    except ValueError:
        raise ValueError("use a size like 80GB, 80GiB, 512MiB or 8e10") from None
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError("must be a finite size of at least 0 bytes")
    return value


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


def parse_number_list(text: str) -> tuple[float, ...]:
    """'3,2,1,0.5,-1' (commas or spaces) -> (3.0, 2.0, 1.0, 0.5, -1.0)."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        raise ValueError("empty list")
    return tuple(parse_number(p) for p in parts)


def parse_word_list(text: str) -> tuple[str, ...]:
    """'d1,d2,d3' -> ('d1', 'd2', 'd3')."""
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    if not parts:
        raise ValueError("empty list")
    return parts


def parse_bool(text: str) -> bool:
    key = text.strip().lower()
    if key in {"1", "true", "yes", "on"}:
        return True
    if key in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


@dataclass(frozen=True)
class InputSpec:
    """One NAME=VALUE input of a calculator.

    Attributes:
        name: what the user types (``kv_heads``); also the keyword argument name.
        unit: unit shown in help and output ("layers", "tokens", "bytes", "" ...).
        default: the documented default, already parsed.
        help: one line.
        parse: str -> value; raise ValueError with a short reason on bad input.
        check: optional value -> error message or None (range checks).
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


def positive(value: Number) -> str | None:
    return None if value > 0 else "must be greater than 0"


def non_negative(value: Number) -> str | None:
    return None if value >= 0 else "must not be negative"


def probability(value: Number) -> str | None:
    return None if 0 <= value <= 1 else "must be between 0 and 1"


def open_probability(value: Number) -> str | None:
    return None if 0 < value < 1 else "must be strictly between 0 and 1"


@dataclass(frozen=True)
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
        """Every valid NAME with its unit and default, one per line (for error messages)."""
        width = max([len(s.name) for s in self.inputs] + [len("model")])
        lines = [f"  {s.name:<{width}}  {s.unit or '-':<10} default {s.default_display():<10} {s.help}"
                 for s in self.inputs]
        if self.preset_fields:
            lines.append(f"  {'model':<{width}}  {'preset':<10} e.g. llama-2-70b (list: llmc explain --presets)")
        return "\n".join(lines)

    def resolve(self, assignments: Sequence[str]) -> dict[str, Any]:
        """Turn ``["model=llama-2-70b", "tokens=100k"]`` into keyword arguments.

        Defaults first, then the preset (if any), then explicit values, so
        ``model=llama-2-70b kv_heads=64`` overrides the preset's KV heads.

        Raises:
            CalculatorInputError: malformed assignment, unknown name, bad value or
                out-of-range value; the message lists every valid name with unit
                and default.
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
            if name == "model" and self.preset_fields:
                preset_name = raw
                continue
            try:
                spec = self.input(name)
            except KeyError:
                raise self._error(f"unknown input '{name}'") from None
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
            f"{problem}. Valid inputs for {self.concept}:\n{self.usage()}"
        )

    def run(self, assignments: Sequence[str] = ()) -> Calculation:
        """Resolve the assignments and call the function.

        With ``model=<preset>`` the result also names the preset and its source.

        Raises:
            CalculatorInputError: see :meth:`resolve`; also raised by the function
                itself when inputs are individually valid but inconsistent
                (e.g. more KV heads than query heads).
        """
        values, preset = self._resolve(assignments)
        calculation = self.function(**values)
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


def count_input(name: str, unit: str, default: int | None, help: str, *, allow_zero: bool = False,
                default_text: str | None = None) -> InputSpec:
    """A whole-number input ('100k' allowed) that must be > 0 (or >= 0 with ``allow_zero``)."""
    return InputSpec(name, unit, default, help, parse_count, non_negative if allow_zero else positive,
                     default_text)


def number_input(name: str, unit: str, default: float | None, help: str,
                 check: Callable[[Any], str | None] | None = positive,
                 default_text: str | None = None) -> InputSpec:
    """A real-number input ('1e-3', '989.4T'); positive unless another check is given."""
    return InputSpec(name, unit, default, help, parse_number, check, default_text)


def bytes_input(name: str, default: float, help: str) -> InputSpec:
    """A size in bytes ('80GB', '80GiB', '24G'); see :func:`parse_bytes`. Defaults print as '80GB'."""
    shown = f"{default / 1e9:g}GB" if default >= 1e9 else None
    return InputSpec(name, "bytes", default, help, parse_bytes, positive, shown)


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
    everything else 6 significant digits ('0.865964'). Bools and strings pass through.
    """
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number) or math.isinf(number):
        return str(number)
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
