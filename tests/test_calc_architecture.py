"""layer-normalization and mixture-of-experts: hand calculations written out here;
Mixtral's totals from its config.json (Jiang et al. 2024 round them to 47B / 13B)."""

from __future__ import annotations

import math

import pytest

from llmconcepts.calculators.architecture import LAYER_NORMALIZATION, MIXTURE_OF_EXPERTS
from llmconcepts.errors import CalculatorInputError


def values(spec, *assignments):
    return {name: q.value for name, q in spec.run(list(assignments)).results.items()}


def test_layernorm_and_rmsnorm_by_hand():
    # x = 1, 2, 3, 4: mean 2.5; variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25; mean square 30/4 = 7.5
    result = values(LAYER_NORMALIZATION, "values=1,2,3,4", "eps=1e-5")
    assert result["mean"] == 2.5 and result["variance"] == 1.25
    sigma = math.sqrt(1.25 + 1e-5)
    assert result["layernorm"] == pytest.approx([-1.5 / sigma, -0.5 / sigma, 0.5 / sigma, 1.5 / sigma])
    rms = math.sqrt(7.5 + 1e-5)
    assert result["rms"] == pytest.approx(rms)
    assert result["rmsnorm"] == pytest.approx([1 / rms, 2 / rms, 3 / rms, 4 / rms])
    assert result["outputs_match"] is False


def test_zero_mean_input_makes_them_agree():
    assert values(LAYER_NORMALIZATION, "values=-3,-1,1,3")["outputs_match"] is True


def test_operation_counts():
    # LayerNorm: mean add, subtract, square, variance add, scale, gain, bias = 7; RMSNorm: square, add, scale, gain = 4
    result = values(LAYER_NORMALIZATION, "d_model=8192")
    assert result["layernorm_ops_per_element"] == 7 and result["rmsnorm_ops_per_element"] == 4
    assert result["ops_ratio"] == pytest.approx(4 / 7)
    steps = {s.label: s.result.value for s in LAYER_NORMALIZATION.run(["d_model=8192"]).steps}
    assert steps["LayerNorm ops per token"] == 7 * 8192 and steps["RMSNorm ops per token"] == 4 * 8192


@pytest.mark.parametrize("assignment, problem", [("values=1", "at least 2 numbers"), ("values=a,b", "bad value"),
                                                 ("eps=-1", "greater than 0"), ("gain=2", "unknown input")])
def test_layer_norm_bad_input(assignment, problem):
    with pytest.raises(CalculatorInputError, match=problem):
        LAYER_NORMALIZATION.run([assignment])


def test_mixtral_total_and_active():
    h, ffn, layers, vocab = 4096, 14336, 32, 32000
    attention = 2 * h * h + 2 * h * (8 * 128)  # W_Q, W_O full width; W_K, W_V for 8 KV heads
    shared = attention + h * 8 + 2 * h  # + router (h x 8 experts) + two RMSNorm weights
    expert = 3 * h * ffn  # gate, up, down
    embeddings = 2 * vocab * h  # untied input and output embeddings
    total = embeddings + layers * (shared + 8 * expert) + h
    active = embeddings + layers * (shared + 2 * expert) + h
    result = values(MIXTURE_OF_EXPERTS)
    assert result["total_params"] == total == 46_702_792_704
    assert result["active_params"] == active == 12_879_925_248
    assert result["flops_per_token"] == 2 * active and result["dense_flops_per_token"] == 2 * total
    assert result["weight_bytes"] == 2 * total  # bf16


def test_dense_preset_has_no_router_and_equal_counts():
    # Llama-2-7B: 6,738,415,616 parameters (the count published with the HF checkpoint)
    result = values(MIXTURE_OF_EXPERTS, "model=llama-2-7b")
    assert result["total_params"] == result["active_params"] == 6_738_415_616


@pytest.mark.parametrize("assignments, problem", [(["experts=2", "experts_per_token=3"], "cannot exceed"),
                                                  (["dtype=fp12"], "unknown dtype"),
                                                  (["tied_embeddings=maybe"], "true or false")])
def test_moe_bad_input(assignments, problem):
    with pytest.raises(CalculatorInputError, match=problem):
        MIXTURE_OF_EXPERTS.run(assignments)
