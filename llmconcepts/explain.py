"""What ``llmc explain`` computes: a concept from the bank and, if it has one, its calculation.

:func:`explain` is the one core call behind the command: load the bank (from the
parse cache when it is fresh), find the concept the learner typed, and run the
concept's calculator with the ``NAME=VALUE`` inputs. The ``--json`` payloads are
built here too, as plain data. Nothing here renders or imports rich; nothing imports SQLAlchemy, fsrs or genanki, and numpy is imported
only by the one calculator module that runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from typing import TYPE_CHECKING, Any

from llmconcepts.cardbank.model import CardBank, Concept, FacetKind
from llmconcepts.errors import CalculatorInputError

if TYPE_CHECKING:
    from llmconcepts.calculators.base import Calculation
    from llmconcepts.calculators.presets import ModelPreset


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


def dependents(bank: CardBank, concept_id: str) -> list[str]:
    """Ids of concepts that list ``concept_id`` as a prerequisite, in bank order."""
    return [c.id for c in bank.concepts if concept_id in c.prerequisites]


# ---------------------------------------------------------------------------
# --json payloads: plain data, numbers in base units with their unit named (no rich needed)

def explanation_json(explanation: Explanation, *, brief: bool = False) -> dict[str, Any]:
    """``{"concept", "inputs", "results", ...}`` for one looked-up concept.

    With a calculator: :meth:`Calculation.to_json_dict` (formula, steps, charts,
    notes, calculator sources) plus the concept's card data; without one,
    ``inputs`` and ``results`` are empty and ``calculator`` is false.
    """
    concept, bank = explanation.concept, explanation.bank
    kinds = (FacetKind.MECHANISM,) if brief else tuple(f.kind for f in concept.facets)
    card = {
        "title": concept.title,
        "layer": concept.layer,
        "aliases": list(concept.aliases),
        "facets": [
            {"kind": kind.value, "prompt": concept.facet(kind).prompt, "answer": concept.facet(kind).answer,
             "key_points": [p.text for p in concept.facet(kind).key_points]}
            for kind in kinds
        ],
        "prerequisites": list(concept.prerequisites),
        "builds_towards": dependents(bank, concept.id),
        "concept_sources": list(concept.sources),
    }
    if explanation.calculation is None:
        return {"concept": concept.id, "calculator": False, "inputs": {}, "results": {}, **card}
    return {**explanation.calculation.to_json_dict(), "concept": concept.id, "calculator": True,
            "calculator_title": explanation.calculation.title, **card}


def concept_list_json(bank: CardBank, with_calculator: set[str]) -> list[dict[str, Any]]:
    """Every concept as {id, title, layer, calculator} in curriculum order."""
    return [{"id": c.id, "title": c.title, "layer": c.layer, "calculator": c.id in with_calculator}
            for c in bank.concepts]


def presets_json(presets: Iterable[ModelPreset]) -> list[dict[str, Any]]:
    """Every preset's fields (counts as integers) and its source."""
    return [dict(vars(p)) for p in presets]
