"""Range checks, parsers and a display helper that several calculators share.

A check takes a parsed value and returns an error message or None, the shape
:class:`~llmconcepts.calculators.base.InputSpec` expects (the documented ranges
themselves are :class:`~llmconcepts.calculators.base.Range` objects). :func:`ensure`
runs a check inside a calculator function, so a direct call with a bad value fails
with the same one-line message as the command line does.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping

from llmconcepts.calculators.base import Each, Quantity, Range, format_number, list_items, parse_number
from llmconcepts.errors import CalculatorInputError

Check = Callable[[Any], "str | None"]


def ensure(name: str, value: Any, check: Check) -> None:
    """Raise CalculatorInputError('bad value for NAME: VALUE (problem)') if the check fails."""
    problem = check(value)
    if problem:
        raise CalculatorInputError(f"bad value for {name}: {value} ({problem})")


def fail(message: str) -> None:
    """Raise a CalculatorInputError for inputs that are valid alone but inconsistent together."""
    raise CalculatorInputError(message)


def finite(value: float) -> str | None:
    return None if math.isfinite(value) else "must be a finite number"


def finite_non_negative(value: float) -> str | None:
    return finite(value) or (None if value >= 0 else "must not be negative")


def finite_positive(value: float) -> str | None:
    return finite(value) or (None if value > 0 else "must be greater than 0")


def at_least_one(value: float) -> str | None:
    return None if value >= 1 else "must be at least 1"


def between(low: float, high: float) -> Range:
    """A check for low <= value <= high (bounds simulations to what runs in a moment)."""
    return Range(low, high)


def below_one(value: float) -> str | None:
    """For rates whose geometric series must converge: 0 <= x < 1."""
    return None if 0 <= value < 1 else "must be at least 0 and less than 1"


def top_p_range(value: float) -> str | None:
    return None if 0 < value <= 1 else "must be greater than 0 and at most 1"


def each(check: Check) -> Each:
    """Apply a check to every element of a flat or nested list; report the first failure."""
    return Each(check)


def parse_vectors(text: str) -> tuple[tuple[float, ...], ...]:
    """'0.6,0.8; 12,0; 4,3' -> ((0.6, 0.8), (12.0, 0.0), (4.0, 3.0)).

    Vectors (or per-query lists) are separated by ';', their entries by commas or
    spaces; each entry accepts the k/M/B suffixes of :func:`parse_number`.
    Raises ValueError on an empty vector or a bad number.
    """
    groups = [group.strip() for group in text.split(";")]
    if not any(groups):
        raise ValueError("empty list")
    list_items(text, ",;")  # at most MAX_LIST_ENTRIES numbers in all
    vectors = []
    for group in groups:
        if not group.replace(",", " ").split():
            raise ValueError("empty vector between ';' separators")
        vectors.append(tuple(parse_number(p) for p in list_items(group)))
    return tuple(vectors)


def parse_choice(*options: str) -> Callable[[str], str]:
    """A parser accepting one of ``options`` (case-insensitive)."""

    def parse(text: str) -> str:
        key = text.strip().lower()
        if key not in options:
            raise ValueError(f"use one of {', '.join(options)}")
        return key

    return parse


def parse_count_list(text: str) -> tuple[int, ...]:
    """'1000,17,16' -> (1000, 17, 16): whole numbers of at least 1 (token counts)."""
    values = []
    for part in list_items(text):
        value = parse_number(part)
        if value != int(value) or value < 1:
            raise ValueError(f"'{part}' is not a whole number of at least 1")
        values.append(int(value))
    return tuple(values)


def named_values(values: Mapping[str, float], unit: str) -> Quantity:
    """A name -> number mapping as one Quantity that prints 'd1 0.0325225, d3 0.0322665'."""
    shown = ", ".join(f"{name} {format_number(value)}" for name, value in values.items())
    return Quantity(dict(values), unit, shown)


def format_vectors(vectors: Iterable[Iterable[float]]) -> str:
    """((3, 2), (1, 0)) -> '3, 2; 1, 0': the command-line spelling of :func:`parse_vectors`."""
    return "; ".join(", ".join(format_number(x) for x in vector) for vector in vectors)
