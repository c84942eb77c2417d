"""What ``llmc explain`` computes: a concept from the bank and, if it has one, its calculation.

:func:`explain` is the one core call behind the command: load the bank (from the
parse cache when it is fresh), find the concept the learner typed, and run the
concept's calculator with the ``NAME=VALUE`` inputs. Nothing here renders or
imports rich; nothing imports SQLAlchemy, fsrs or genanki, and numpy is imported
only by the one calculator module that runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from llmconcepts.calculators.base import Calculation
from llmconcepts.cardbank.model import CardBank, Concept
from llmconcepts.errors import CalculatorInputError


@dataclass(frozen=True)
class Explanation:
    """A looked-up concept, the bank it came from (for links) and its calculation, if any."""

    bank: CardBank
    concept: Concept
    calculation: Calculation | None


def explain(query: str, assignments: Sequence[str] = (), *, bank: CardBank | None = None,
            calculate: bool = True) -> Explanation:
    """Look a concept up and work its numbers.

    Args:
        query: id, alias or title as typed ("kv cache", "GQA", "flash attn").
        assignments: calculator inputs as ``NAME=VALUE`` strings (``model=`` for a preset).
        bank: an already loaded bank (default: :func:`load_bank`).
        calculate: False skips the calculator (the concept view alone).

    Raises:
        UnknownConceptError: no concept matches (carries the three nearest ids).
        AmbiguousConceptError: several match equally well.
        CalculatorInputError: a bad input, or inputs given to a concept without a calculator.
        CardBankError: the bank itself is invalid.
    """
    from llmconcepts.calculators.registry import calculator_ids, get_calculator, has_calculator
    from llmconcepts.cardbank.lookup import find_concept

    if bank is None:
        from llmconcepts.cardbank.loader import load_bank

        bank = load_bank()
    concept = find_concept(bank, query)
    if not has_calculator(concept.id):
        if assignments:
            raise CalculatorInputError(
                f"{concept.id} has no calculator, so NAME=VALUE inputs do not apply. "
                f"Concepts with one: {', '.join(calculator_ids())}")
        return Explanation(bank, concept, None)
    calculation = get_calculator(concept.id).run(assignments) if calculate else None
    return Explanation(bank, concept, calculation)
