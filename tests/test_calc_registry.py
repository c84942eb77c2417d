"""The calculator registry: every entry resolves, names a curriculum concept, imports lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from llmconcepts.calculators.base import CalculatorSpec
from llmconcepts.calculators.registry import CALCULATORS, calculator_ids, get_calculator, has_calculator
from llmconcepts.errors import CalculatorInputError

CURRICULUM = Path(__file__).resolve().parents[1].parent / "shared" / "concepts.yaml"
ISSUE_5_CALCULATORS = {
    "kv-cache", "self-attention", "mqa-gqa", "multi-head-attention", "rope", "layer-normalization",
    "sampling-controls", "embedding-similarity", "quantization", "lora-qlora", "scaling-laws",
    "mixture-of-experts", "speculative-decoding", "ttft-tps", "paged-attention", "continuous-batching",
    "flash-attention", "hybrid-search", "rag-evaluation", "perplexity", "cost-engineering", "agent-failures",
}


def test_issue_5_calculators_are_all_registered():
    assert ISSUE_5_CALCULATORS <= set(CALCULATORS)
    assert calculator_ids() == tuple(sorted(CALCULATORS))


@pytest.mark.parametrize("concept", sorted(CALCULATORS))
def test_entry_resolves_to_its_spec(concept):
    spec = get_calculator(concept)
    assert isinstance(spec, CalculatorSpec) and spec.concept == concept and has_calculator(concept)
    calc = spec.run([])
    assert calc.concept == concept and calc.formula and calc.sources and calc.results
    assert spec.function.__doc__


@pytest.mark.skipif(not CURRICULUM.is_file(), reason="../shared/concepts.yaml is not beside the checkout")
def test_every_calculator_concept_is_in_the_curriculum():
    ids = {c["id"] for c in yaml.safe_load(CURRICULUM.read_text(encoding="utf-8"))["concepts"]}
    assert set(CALCULATORS) <= ids


def test_unknown_concept_has_no_calculator():
    assert not has_calculator("tokenization-xyz")
    with pytest.raises(CalculatorInputError, match="kv-cache"):
        get_calculator("tokenization-xyz")


def test_only_the_requested_family_is_imported():
    code = ("import sys\nfrom llmconcepts.calculators.registry import get_calculator\n"
            "get_calculator('kv-cache').run([])\n"
            "print(' '.join(m for m in sys.modules if m.startswith('llmconcepts.calculators.')))\n"
            "print(' '.join(m for m in ('rich', 'typer', 'sqlalchemy', 'fsrs', 'genanki', 'pydantic', 'yaml')"
            " if m in sys.modules))")
    modules, heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout.split("\n")[:2]
    assert set(modules.split()) == {"llmconcepts.calculators.registry", "llmconcepts.calculators.base",
                                    "llmconcepts.calculators.presets", "llmconcepts.calculators.memory"}
    assert heavy == ""
