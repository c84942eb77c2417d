"""self-attention, mqa-gqa, multi-head-attention, rope: expected values from the papers
(Vaswani et al. 2017, Ainslie et al. 2023, Su et al. 2021) or hand calculations here."""

from __future__ import annotations

import math

import pytest

from llmconcepts.calculators.attention import MQA_GQA, MULTI_HEAD_ATTENTION, ROPE, SELF_ATTENTION
from llmconcepts.errors import CalculatorInputError


def values(spec, *assignments):
    return {name: q.value for name, q in spec.run(list(assignments)).results.items()}


def test_dot_product_variance_is_d_k_and_one_after_scaling():
    # Vaswani et al. section 3.2.1, footnote 4: Var(q.k) = d_k for unit-variance components.
    result = values(SELF_ATTENTION, "d_k=256", "samples=30k")
    assert result["variance_unscaled"] == pytest.approx(256, rel=0.03)
    assert result["variance_scaled"] == pytest.approx(1, rel=0.03)


def test_same_seed_same_numbers_other_seed_other_numbers():
    assert values(SELF_ATTENTION, "seed=3", "samples=5000") == values(SELF_ATTENTION, "seed=3", "samples=5000")
    assert values(SELF_ATTENTION, "seed=4", "samples=5000") != values(SELF_ATTENTION, "seed=3", "samples=5000")


def test_unscaled_softmax_is_sharper():
    result = values(SELF_ATTENTION, "d_k=128", "samples=20000", "keys=16")
    assert result["max_weight_unscaled"] > 0.5 > result["max_weight_scaled"]
    assert result["entropy_unscaled"] < result["entropy_scaled"] < result["uniform_entropy"] == pytest.approx(
        math.log(16))


def test_scaling_changes_nothing_at_d_k_1():
    result = values(SELF_ATTENTION, "d_k=1", "samples=2000")
    assert result["max_weight_unscaled"] == result["max_weight_scaled"]


def test_sampling_work_is_bounded():
    # samples x d_k at most 2^23 = 8,388,608 products: 2^23 / 256 = 32,768 pairs at d_k = 256
    assert values(SELF_ATTENTION, "d_k=256", "samples=32768")["variance_unscaled"] > 0
    with pytest.raises(CalculatorInputError, match="must be at most 8,388,608 products"):
        SELF_ATTENTION.run(["d_k=256", "samples=32769"])
    with pytest.raises(CalculatorInputError, match="keys .* cannot exceed samples"):
        SELF_ATTENTION.run(["samples=100", "keys=101"])


def test_score_matrix_is_quadratic():
    # 4096^2 scores x 2 bytes = 32 MiB per head; 32 heads, batch 2 = 2 GiB
    assert values(SELF_ATTENTION, "samples=1000")["score_matrix_bytes"] == 4096**2 * 2 == 32 * 2**20
    assert values(SELF_ATTENTION, "samples=1000", "heads=32", "batch=2")["score_matrix_bytes"] == 2 * 2**30


def test_gqa_saving_llama_2_70b():
    result = values(MQA_GQA, "model=llama-2-70b")
    assert result["mha_bytes_per_token"] == 2 * 80 * 64 * 128 * 2 == 2_621_440
    assert result["gqa_bytes_per_token"] == 2 * 80 * 8 * 128 * 2 == 327_680
    assert result["mqa_bytes_per_token"] == 2 * 80 * 1 * 128 * 2 == 40_960
    assert result["saving_ratio"] == 8 and result["mqa_saving_ratio"] == 64 and result["group_size"] == 8
    assert result["gqa_total_bytes"] == 327_680 * 4096


def test_mistral_groups_four_queries_per_kv_head():
    assert values(MQA_GQA, "model=mistral-7b")["group_size"] == 32 // 8


@pytest.mark.parametrize("assignment", ["kv_heads=3", "kv_heads=128"])
def test_kv_heads_must_divide_query_heads(assignment):
    with pytest.raises(CalculatorInputError, match="must divide n_heads"):
        MQA_GQA.run([assignment])


def test_mqa_gqa_bad_value_lists_inputs():
    with pytest.raises(CalculatorInputError) as error:
        MQA_GQA.run(["n_heads=many"])
    assert all(name in str(error.value) for name in ("n_heads", "kv_heads", "layers", "head_dim", "dtype"))


def test_transformer_base_heads():
    # Vaswani et al. section 3.2.2: d_model 512, h = 8 -> d_k = 64; W_Q, W_K, W_V, W_O are 512 x 512.
    result = values(MULTI_HEAD_ATTENTION, "d_model=512", "n_heads=8", "seq_len=100", "layers=6")
    assert result["head_dim"] == 64
    assert result["params_per_layer"] == 4 * 512 * 512 == 1_048_576
    assert result["params_all_layers"] == 6 * 1_048_576
    assert result["score_flops_per_head"] == 2 * 100**2 * 64
    assert result["attention_flops_per_layer"] == 4 * 100**2 * 512


def test_gqa_preset_narrows_k_and_v():
    # Llama-2-70B: W_Q, W_O 8192 x 8192; W_K, W_V 8192 x (8 x 128)
    result = values(MULTI_HEAD_ATTENTION, "model=llama-2-70b")
    assert result["params_per_layer"] == 2 * 8192**2 + 2 * 8192 * 1024 == 150_994_944


@pytest.mark.parametrize("assignments, problem", [(["n_heads=7"], "must divide d_model"),
                                                  (["kv_heads=5"], "must divide n_heads"),
                                                  (["d_model=1.5"], "bad value for d_model")])
def test_multi_head_bad_input(assignments, problem):
    with pytest.raises(CalculatorInputError, match=problem):
        MULTI_HEAD_ATTENTION.run(assignments)


def test_rope_frequencies_d128():
    # Su et al. section 3.2: theta_i = 10000^(-2(i-1)/d), i = 1..d/2 (here 0-based)
    result = values(ROPE)
    assert len(result["thetas"]) == 64
    assert result["theta_0"] == 1.0
    assert result["theta_1"] == pytest.approx(10000 ** (-2 / 128))
    assert result["theta_last"] == pytest.approx(10000 ** (-126 / 128))
    assert result["wavelength_max"] == pytest.approx(2 * math.pi * 10000 ** (126 / 128))
    assert result["wavelength_min"] == pytest.approx(2 * math.pi)


def test_rope_dot_depends_only_on_offset():
    assert values(ROPE, "offset=37")["dot_spread"] < 1e-9


def test_pairs_slower_than_the_context():
    # wavelength_i = 2 pi 10000^(2i/128) > 4096  <=>  i > 64 log(4096 / 2pi) / log(10000) = 45.03
    assert values(ROPE, "context=4096")["pairs_beyond_context"] == 64 - 46
    # Llama 3 base 500000, 8192 context: i > 64 log(8192 / 2pi) / log(500000) = 34.97
    assert values(ROPE, "model=llama-3-8b")["pairs_beyond_context"] == 64 - 35


@pytest.mark.parametrize("assignments, problem", [(["head_dim=63"], "must be even"), (["base=1"], "greater than 1"),
                                                  (["offset=-1"], "bad value for offset")])
def test_rope_bad_input(assignments, problem):
    with pytest.raises(CalculatorInputError, match=problem):
        ROPE.run(assignments)
