"""Every published figure in tests/fixtures/public_figures.yaml whose concept has a
calculator is checked against that calculator.

The fixture is a verbatim copy of ``../shared/figures/public.yaml`` (a test below
keeps them equal when the shared file is present). Each case lists inputs in its
source's own names and units; an *adapter* per concept turns them into our
``NAME=VALUE`` inputs and says which result holds the figure. Adapters map names
and read units only: they never compute the expected value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmconcepts.calculators.base import DTYPE_BYTES
from llmconcepts.calculators.registry import get_calculator, has_calculator

FIXTURE = Path(__file__).parent / "fixtures" / "public_figures.yaml"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "figures" / "public.yaml"

CASES: list[dict[str, Any]] = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))["cases"]
CALCULATED = [case for case in CASES if has_calculator(case["concept"])]

#: (NAME=VALUE inputs, result name -> expected value) for one case.
Plan = tuple[list[str], dict[str, Any]]


def _dtype_for(bytes_per_element: float) -> str:
    """The dtype name with this many bytes per value (2 -> fp16)."""
    names = {"fp32": 4.0, "fp16": 2.0, "int8": 1.0, "int4": 0.5}
    return next(name for name, size in names.items() if size == float(bytes_per_element) == DTYPE_BYTES[name])


def _assign(inputs: Mapping[str, Any], renames: Mapping[str, str]) -> list[str]:
    """NAME=VALUE strings for the inputs named in ``renames`` (source name -> our name)."""
    out = []
    for source_name, ours in renames.items():
        if source_name in inputs:
            value = inputs[source_name]
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            out.append(f"{ours}={value}")
    return out


def _also(case: dict[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    """Secondary published values ('also') that a result of ours holds."""
    also = case["expected"].get("also") or {}
    return {ours: also[name] for name, ours in renames.items() if name in also}


def _kv_cache(case: dict[str, Any]) -> Plan:
    inputs = case["inputs"]
    assignments = _assign(inputs, {n: n for n in ("layers", "kv_heads", "head_dim", "tokens", "batch")})
    assignments.append(f"dtype={_dtype_for(inputs['bytes_per_element'])}")
    expected = {"total_bytes": case["expected"]["value"]}
    expected.update(_also(case, {"per_token_bytes": "bytes_per_token"}))
    return assignments, expected


def _mqa_gqa(case: dict[str, Any]) -> Plan:
    inputs = case["inputs"]
    assignments = _assign(inputs, {"n_heads": "n_heads", "n_kv_heads": "kv_heads", "layers": "layers",
                                   "head_dim": "head_dim"})
    assignments.append(f"dtype={_dtype_for(inputs['bytes_per_element'])}")
    expected = {"saving_ratio": case["expected"]["value"]}
    expected.update(_also(case, {"mha_bytes_per_token": "mha_bytes_per_token",
                                 "gqa_bytes_per_token": "gqa_bytes_per_token"}))
    return assignments, expected


def _self_attention(case: dict[str, Any]) -> Plan:
    assignments = _assign(case["inputs"], {"d_k": "d_k", "n_samples": "samples"})
    scaled = "sqrt" in case["formula"]
    return assignments, {"variance_scaled" if scaled else "variance_unscaled": case["expected"]["value"]}


def _quantization(case: dict[str, Any]) -> Plan:
    assignments = _assign(case["inputs"], {"params": "params", "bits_per_param": "bits",
                                           "gpu_memory_bytes": "gpu_memory"})
    expected = {"weight_bytes": case["expected"]["value"]}
    if "gpu_memory_bytes" in case["inputs"]:
        fits = [v for k, v in (case["expected"].get("also") or {}).items() if k.startswith("fits")]
        expected.update({"fits": fits[0]} if fits else {})
    return assignments, expected


def _lora_qlora(case: dict[str, Any]) -> Plan:
    inputs = case["inputs"]
    # Square d_model x d_model matrices, in the order Hu et al. (section 7.1) adapt them.
    targets = ("q", "v", "k", "o")[: inputs["adapted_matrices_per_layer"]]
    assignments = _assign(inputs, {"layers": "layers", "d_model": "d_model", "r": "r"})
    assignments.append(f"targets={','.join(targets)}")
    return assignments, {"trainable_params": case["expected"]["value"]}


def _scaling_laws(case: dict[str, Any]) -> Plan:
    assignments = _assign(case["inputs"], {"params": "params", "tokens": "tokens"})
    result = "training_flops" if case["expected"]["unit"] == "FLOPs" else "tokens_per_param"
    return assignments, {result: case["expected"]["value"]}


def _mixture_of_experts(case: dict[str, Any]) -> Plan:
    renames = {name: name for name in ("layers", "hidden", "intermediate", "n_heads", "head_dim", "experts",
                                       "experts_per_token", "vocab", "tied_embeddings")}
    renames["n_kv_heads"] = "kv_heads"
    result = "active_params" if "active" in case["description"].lower().split("parameter")[0] else "total_params"
    return _assign(case["inputs"], renames), {result: case["expected"]["value"]}


def _ttft_tps(case: dict[str, Any]) -> Plan:
    inputs = case["inputs"]
    assignments = _assign(inputs, {"params": "params", "memory_bandwidth_bytes_per_s": "bandwidth",
                                   "batch": "batch"})
    assignments.append(f"dtype={_dtype_for(inputs['bytes_per_param'])}")
    return assignments, {"tps_weights_only": case["expected"]["value"]}


def _rope(case: dict[str, Any]) -> Plan:
    inputs = case["inputs"]
    last = inputs["head_dim"] // 2 - 1
    names = {"theta_0": "theta_0", "theta_1": "theta_1", f"theta_{last}": "theta_last"}
    expected = {ours: case["expected"]["value"][name] for name, ours in names.items()
                if name in case["expected"]["value"]}
    expected.update(_also(case, {"longest_wavelength_tokens": "wavelength_max"}))
    return _assign(inputs, {"head_dim": "head_dim", "base": "base"}), expected


def _speculative_decoding(case: dict[str, Any]) -> Plan:
    inputs = case["inputs"]
    if inputs.get("gamma") == "infinity":  # the c = 0, gamma -> infinity bound
        return _assign(inputs, {"alpha": "alpha", "c": "c"}), {"limit": case["expected"]["value"]}
    return _assign(inputs, {"alpha": "alpha", "gamma": "gamma"}), {"expected_tokens": case["expected"]["value"]}


def _paged_attention(case: dict[str, Any]) -> Plan:
    assignments = _assign(case["inputs"], {"sequence_tokens": "sequence_tokens", "block_size_tokens": "block_size"})
    expected = {"sequence_waste": case["expected"]["value"]}
    expected.update(_also(case, {"blocks": "sequence_blocks", "wasted_slots": "sequence_wasted_slots"}))
    return assignments, expected


def _flash_attention(case: dict[str, Any]) -> Plan:
    inputs = case["inputs"]
    assignments = _assign(inputs, {"N": "seq_len", "d": "head_dim", "M_bytes": "sram_bytes"})
    assignments.append(f"dtype={_dtype_for(inputs['bytes_per_element'])}")
    expected = {"ratio": case["expected"]["value"]}
    expected.update(_also(case, {"standard": "standard_accesses", "flash": "flash_accesses"}))
    return assignments, expected


def _hybrid_search(case: dict[str, Any]) -> Plan:
    assignments = _assign(case["inputs"], {"k": "k", "list_a": "list_a", "list_b": "list_b"})
    expected = {"scores": case["expected"]["value"]}
    if "fused_order" in case["expected"]:
        expected["fused_order"] = case["expected"]["fused_order"]
    return assignments, expected


def _rag_evaluation(case: dict[str, Any]) -> Plan:
    assignments = _assign(case["inputs"], {"relevances": "relevances", "k": "k"})
    result = "ndcg_at_k" if case["expected"]["unit"] == "nDCG" else "dcg_at_k"
    expected = {result: case["expected"]["value"]}
    expected.update(_also(case, {"IDCG6": "idcg_at_k"}))
    return assignments, expected


def _perplexity(case: dict[str, Any]) -> Plan:
    inputs = case["inputs"]
    # A model uniform over the vocabulary gives every token the same probability.
    assignments = [f"probabilities={inputs['token_probability']}", f"vocab_size={inputs['vocab_size']}"]
    expected = {"perplexity": case["expected"]["value"]}
    expected.update(_also(case, {"mean_nll_nats": "mean_nll_nats"}))
    return assignments, expected


def _sampling_controls(case: dict[str, Any]) -> Plan:
    assignments = _assign(case["inputs"], {"logits": "logits", "temperature": "temperature", "top_p": "top_p"})
    expected = {"final_probabilities": case["expected"]["value"]}
    if "kept_tokens" in case["expected"]:
        expected["kept_tokens"] = case["expected"]["kept_tokens"]
    return assignments, expected


ADAPTERS: dict[str, Callable[[dict[str, Any]], Plan]] = {
    "kv-cache": _kv_cache,
    "mqa-gqa": _mqa_gqa,
    "self-attention": _self_attention,
    "quantization": _quantization,
    "lora-qlora": _lora_qlora,
    "scaling-laws": _scaling_laws,
    "mixture-of-experts": _mixture_of_experts,
    "ttft-tps": _ttft_tps,
    "rope": _rope,
    "speculative-decoding": _speculative_decoding,
    "paged-attention": _paged_attention,
    "flash-attention": _flash_attention,
    "hybrid-search": _hybrid_search,
    "rag-evaluation": _rag_evaluation,
    "perplexity": _perplexity,
    "sampling-controls": _sampling_controls,
}


def _close(actual: Any, expected: Any, tolerance: float, absolute: bool) -> bool:
    if isinstance(expected, bool) or isinstance(expected, str):
        return actual == expected
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and set(actual) == set(expected) and all(
            _close(actual[k], v, tolerance, absolute) for k, v in expected.items())
    if isinstance(expected, (list, tuple)):
        actual = list(actual)
        return len(actual) == len(expected) and all(
            _close(a, e, tolerance, absolute) for a, e in zip(actual, expected))
    if absolute:
        return abs(float(actual) - expected) <= tolerance
    return math.isclose(float(actual), expected, rel_tol=tolerance, abs_tol=tolerance if expected == 0 else 0.0)


@pytest.mark.parametrize("case", CALCULATED, ids=[case["id"] for case in CALCULATED])
def test_published_figure(case):
    assert case["concept"] in ADAPTERS, f"no adapter maps {case['id']} onto the {case['concept']} calculator"
    assignments, expected = ADAPTERS[case["concept"]](case)
    results = get_calculator(case["concept"]).run(assignments).results
    absolute = case.get("tolerance_kind") == "absolute"
    for name, value in expected.items():
        actual = results[name].value
        actual = actual.tolist() if hasattr(actual, "tolist") else actual
        assert _close(actual, value, case["tolerance"], absolute), (
            f"{case['id']}: {name} = {actual!r}, published {value!r} (tolerance {case['tolerance']})")


def test_every_case_with_a_calculator_is_checked():
    assert len(CALCULATED) >= 25
    assert {case["concept"] for case in CALCULATED} <= set(ADAPTERS)


@pytest.mark.skipif(not SHARED.is_file(), reason="../shared/figures/public.yaml is not beside the checkout")
def test_fixture_is_a_verbatim_copy_of_the_shared_figures():
    assert FIXTURE.read_bytes() == SHARED.read_bytes()
