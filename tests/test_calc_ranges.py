"""Every numeric calculator input has a documented, realistic range, checked when parsed.

The ranges must (1) cover every published model: the presets, 10M-token contexts,
1T-parameter models, 1e27-FLOP training budgets; and (2) keep every calculation
finite and quick, even with every input at an end of its range at once.
"""

from __future__ import annotations

import json
import math
import warnings

import pytest

from llmconcepts.calculators.base import Range, parse_count
from llmconcepts.calculators.presets import PRESETS
from llmconcepts.calculators.registry import CALCULATORS, get_calculator
from llmconcepts.errors import CalculatorInputError


def _is_numeric(item) -> bool:
    """An input whose text '1' parses to a number or a list of numbers (not a name, dtype or bool)."""
    try:
        value = item.parse("1" if not item.unit.startswith("bytes") else "1MiB")
    except ValueError:
        return False
    entries = value if isinstance(value, tuple) else (value,)
    entries = [v for entry in entries for v in (entry if isinstance(entry, tuple) else (entry,))]
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in entries)


ALL_INPUTS = [(concept, item) for concept in sorted(CALCULATORS) for item in get_calculator(concept).inputs]


@pytest.mark.parametrize("concept, item", ALL_INPUTS, ids=[f"{c}:{i.name}" for c, i in ALL_INPUTS])
def test_every_numeric_input_documents_a_range_its_default_respects(concept, item):
    if not _is_numeric(item):
        assert item.range_text == ""
        return
    assert item.range_text, f"{concept} {item.name} has no documented range"
    assert item.range_text in get_calculator(concept).usage()
    if item.default is not None and item.default != ():
        assert item.check(item.default) is None


def test_every_preset_lies_within_the_ranges_it_sets():
    for concept in CALCULATORS:
        spec = get_calculator(concept)
        for preset in PRESETS.values():
            for attr, name in spec.preset_fields.items():
                value = getattr(preset, attr)
                if value is not None:
                    assert spec.input(name).check(value) is None, (concept, preset.name, name, value)
            if spec.preset_fields:
                spec.run([f"model={preset.name}"])


@pytest.mark.parametrize("concept, assignments", [
    ("kv-cache", ["model=llama-3-70b", "tokens=10M"]),  # a 10M-token context
    ("ttft-tps", ["params=1T", "prompt_tokens=10M"]),
    ("quantization", ["params=1T"]),
    ("lora-qlora", ["params=1T"]),
    ("scaling-laws", ["compute=1e27", "params=1T", "tokens=20T"]),
    ("mixture-of-experts", ["experts=1,048,576", "experts_per_token=16", "intermediate=1"]),  # PEER-style
    ("flash-attention", ["seq_len=10M", "head_dim=128"]),
    ("self-attention", ["seq_len=10M", "heads=128"]),
])
def test_frontier_scale_inputs_are_accepted(concept, assignments):
    payload = get_calculator(concept).run(assignments).to_json_dict()
    json.dumps(payload, allow_nan=False)


def _range_ends(item) -> tuple[float, float]:
    check: Range = item.check
    low = check.low if not check.low_open else (math.nextafter(check.low, math.inf) if check.low == 0 else
                                                check.low * (1 + 1e-9))
    high = check.high if not check.high_open else check.high * (1 - 1e-9)
    if item.parse is parse_count:
        low, high = math.ceil(low), math.floor(high)
    return low, high


def _typed(item, value: float) -> str:
    if item.unit.startswith("bytes"):
        return f"{value!r}B"
    return str(int(value)) if item.parse is parse_count else repr(float(value))


@pytest.mark.parametrize("concept", sorted(CALCULATORS))
def test_inputs_at_the_ends_of_their_ranges_together_stay_finite(concept):
    # all low, all high, and the two alternations: each run either works and serialises to
    # strict JSON, or names an inconsistency; numpy never overflows (which would raise here)
    spec = get_calculator(concept)
    scalar = [item for item in spec.inputs if isinstance(item.check, Range)]
    ends = [_range_ends(item) for item in scalar]
    patterns = ([0] * len(scalar), [1] * len(scalar), [i % 2 for i in range(len(scalar))],
                [1 - i % 2 for i in range(len(scalar))])
    for pattern in patterns:
        assignments = [f"{item.name}={_typed(item, end[side])}" for item, end, side in zip(scalar, ends, pattern)]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                payload = spec.run(assignments).to_json_dict()
            except CalculatorInputError as error:
                assert "cannot compute with these inputs together" not in str(error), assignments
                continue
        json.dumps(payload, allow_nan=False)
