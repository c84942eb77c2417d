"""Shared by the calculator tests."""

from __future__ import annotations

from typing import Any

from llmconcepts.calculators.base import Calculation


def results(calculation: Calculation) -> dict[str, Any]:
    """A calculation's results as name -> value (units dropped)."""
    return {name: quantity.value for name, quantity in calculation.results.items()}
