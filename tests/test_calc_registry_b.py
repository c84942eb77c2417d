"""The decoding, serving, retrieval, evaluation and economics calculators as registered concepts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from llmconcepts.calculators.registry import CALCULATORS, get_calculator

FAMILY_CONCEPTS = {
    "decoding": ("sampling-controls", "speculative-decoding"),
    "serving": ("paged-attention", "continuous-batching", "flash-attention"),
    "retrieval": ("embedding-similarity", "hybrid-search"),
    "evaluation": ("rag-evaluation", "perplexity"),
    "economics": ("cost-engineering", "agent-failures"),
}
CONCEPTS = [concept for concepts in FAMILY_CONCEPTS.values() for concept in concepts]


@pytest.mark.parametrize("concept", CONCEPTS)
def test_registered_in_its_family_module(concept):
    family = next(f for f, concepts in FAMILY_CONCEPTS.items() if concept in concepts)
    assert CALCULATORS[concept].startswith(f"llmconcepts.calculators.{family}:")
    assert get_calculator(concept).concept == concept


@pytest.mark.parametrize("concept", CONCEPTS)
def test_defaults_run_and_serialise_to_strict_json(concept):
    spec = get_calculator(concept)
    payload = spec.run([]).to_json_dict()
    json.dumps(payload, allow_nan=False)  # JSON has no NaN/inf; jsonable must have replaced them
    assert payload["concept"] == concept and payload["results"] and payload["sources"]
    assert all("unit" in q for q in payload["results"].values())
    for chart in payload["charts"]:
        assert all(len(ys) == len(chart["x"]) for ys in chart["series"].values())


@pytest.mark.parametrize("concept", CONCEPTS)
def test_every_input_is_documented(concept):
    spec = get_calculator(concept)
    assert spec.function.__doc__ and "Raises" in spec.function.__doc__
    usage = spec.usage()
    for item in spec.inputs:
        assert item.name in usage and item.help


def test_family_modules_import_no_ui_or_storage_libraries():
    modules = ", ".join(f"llmconcepts.calculators.{family}" for family in FAMILY_CONCEPTS)
    code = (f"import sys, importlib\nfor m in '{modules}'.split(', '): importlib.import_module(m)\n"
            "print(','.join(sorted(n for n in ('rich', 'typer', 'sqlalchemy', 'fsrs', 'genanki') if n in sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
