"""lora-qlora and scaling-laws: published figures (Hu et al. 2021 Table 4; Hoffmann et
al. 2022 Table 1 and 3) and hand calculations written out here."""

from __future__ import annotations

import math

import pytest

from llmconcepts.calculators.training import LORA_QLORA, SCALING_LAWS
from llmconcepts.errors import CalculatorInputError


def values(spec, *assignments):
    return {name: q.value for name, q in spec.run(list(assignments)).results.items()}


def test_gpt3_rank_1_on_q_and_v_is_4_7m():
    # Hu et al. Table 4: GPT-3 175B, LoRA on W_q and W_v, r = 1 -> 4.7M trainable parameters.
    result = values(LORA_QLORA, "layers=96", "d_model=12288", "n_heads=96", "r=1", "targets=q,v")
    assert result["trainable_params"] == 96 * 2 * 1 * (12288 + 12288) == 4_718_592


def test_llama_2_7b_rank_8_all_matrices():
    # q, o: 4096 + 4096; k, v (MHA): 4096 + 4096; gate, up: 4096 + 11008; down: 11008 + 4096.
    # (PEFT reports the same 19,988,480 trainable parameters for this configuration.)
    per_layer = 8 * (4 * (4096 + 4096) + 3 * (4096 + 11008))
    result = values(LORA_QLORA, "model=llama-2-7b", "targets=q,k,v,o,gate,up,down")
    assert result["trainable_params"] == 32 * per_layer == 19_988_480


def test_gqa_narrows_k_and_v_adapters():
    # Llama-2-70B: W_k is 8192 x (8 x 128)
    result = values(LORA_QLORA, "model=llama-2-70b", "r=16", "targets=k")
    assert result["trainable_params"] == 80 * 16 * (8192 + 1024)


def test_memory_of_full_lora_and_qlora():
    # 7e9 parameters, 4,194,304 trainable (Llama-2-7B shape, r = 8 on q and v)
    trainable = 32 * 2 * 8 * (4096 + 4096)
    result = values(LORA_QLORA, "params=7B")
    assert result["full_finetune_bytes"] == 7e9 * 16  # ZeRO section 3.1: 2 + 2 + 12 bytes per parameter
    assert result["lora_bytes"] == 7e9 * 2 + trainable * 16
    assert result["qlora_bytes"] == pytest.approx(7e9 * (4 + 8 / 64 + 32 / (64 * 256)) / 8 + trainable * 16)


@pytest.mark.parametrize("assignment, problem", [("targets=q,x", "unknown matrix x"), ("targets=q,q", "twice"),
                                                 ("r=0", "between 1 and 1e6"), ("n_heads=5", "must divide d_model")])
def test_lora_bad_input(assignment, problem):
    with pytest.raises(CalculatorInputError, match=problem):
        LORA_QLORA.run([assignment])


def test_chinchilla_compute_and_tokens_per_parameter():
    # Hoffmann et al. Table 1: 70B parameters, 1.4T tokens; C = 6ND
    result = values(SCALING_LAWS, "params=70B", "tokens=1.4T")
    assert result["training_flops"] == pytest.approx(6 * 70e9 * 1.4e12) == 5.88e23
    assert result["tokens_per_param"] == 20


def test_table_3_row_10b():
    # Hoffmann et al. Table 3: 10B parameters, 205.1B tokens, 1.23e22 FLOPs
    assert values(SCALING_LAWS, "params=10B", "tokens=205.1B")["training_flops"] == pytest.approx(1.23e22, rel=0.01)


def test_parametric_loss_by_hand():
    # Hoffmann et al. eq. 2 with E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28
    expected = 1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28
    assert values(SCALING_LAWS)["loss"] == pytest.approx(expected)


def test_headline_split_follows_approaches_1_and_2():
    # Hoffmann et al. Table 3 (Approach 1 projections), FLOPs -> parameters, tokens:
    #   1.21e20 -> 1B, 20.2B;  1.23e22 -> 10B, 205.1B.  Within 2% (the table's own ratio is 20.2-20.5).
    for flops, params, tokens in ((1.21e20, 1e9, 20.2e9), (1.23e22, 10e9, 205.1e9)):
        result = values(SCALING_LAWS, f"compute={flops}")
        assert result["optimal_params"] == pytest.approx(params, rel=0.02)
        assert result["optimal_tokens"] == pytest.approx(tokens, rel=0.02)
        assert 6 * result["optimal_params"] * result["optimal_tokens"] == pytest.approx(flops)
        assert result["optimal_tokens_per_param"] == pytest.approx(20)


def test_chinchillas_own_budget_gives_chinchilla():
    # C = 6 x 70B x 1.4T = 5.88e23 with D = 20 N: N = sqrt(5.88e23 / 120) = 7e10, D = 1.4e12
    result = values(SCALING_LAWS)
    assert result["optimal_params"] == pytest.approx(70e9)
    assert result["optimal_tokens"] == pytest.approx(1.4e12)


def test_headline_and_fit_exponents_match_table_2():
    # Table 2: N_opt ~ C^a with a = 0.50 (Approach 1) and a = 0.46 (Approach 3; the rounded
    # constants give 0.28 / 0.62 = 0.4516)
    low, high = values(SCALING_LAWS, "compute=1e21"), values(SCALING_LAWS, "compute=1e25")
    assert math.log10(high["optimal_params"] / low["optimal_params"]) / 4 == pytest.approx(0.50)
    assert math.log10(high["approach3_params"] / low["approach3_params"]) / 4 == pytest.approx(0.46, abs=0.01)


def test_approach_3_second_estimate_by_hand():
    c = 5.76e23
    result = values(SCALING_LAWS, f"compute={c}")
    n, d = result["approach3_params"], result["approach3_tokens"]
    assert 6 * n * d == pytest.approx(c)
    # eq. 4 written out: G = (alpha A / (beta B))^(1/(alpha+beta)); N = G (C/6)^(beta/(alpha+beta))
    g = (0.34 * 406.4 / (0.28 * 410.7)) ** (1 / 0.62)
    assert n == pytest.approx(g * (c / 6) ** (0.28 / 0.62))

    def loss(params):
        return 1.69 + 406.4 / params**0.34 + 410.7 / (c / (6 * params)) ** 0.28

    assert result["approach3_loss"] == pytest.approx(loss(n))
    assert loss(n * 1.2) > loss(n) < loss(n / 1.2)
    # the fit's own optimum beats the 20-tokens split on its own loss, as it must
    assert result["optimal_loss"] == pytest.approx(loss(result["optimal_params"]))
    assert result["optimal_loss"] > result["approach3_loss"]
    assert result["approach3_tokens_per_param"] > 20


def test_output_labels_both_estimates():
    calc = SCALING_LAWS.run([])
    labels = [step.label for step in calc.steps]
    assert "compute-optimal parameters (Approaches 1/2)" in labels and "Approach 3 fit: parameters" in labels
    assert any("Besiroglu" in source and "2404.10102" in source for source in calc.sources)


def test_frontier_budgets_and_models_fit_the_ranges():
    # 1e27 FLOPs, a 1T-parameter model on 20T tokens
    result = values(SCALING_LAWS, "compute=1e27", "params=1T", "tokens=20T")
    assert result["training_flops"] == pytest.approx(6 * 1e12 * 20e12)
    assert result["optimal_params"] == pytest.approx(math.sqrt(1e27 / 120))


@pytest.mark.parametrize("assignment, problem", [("compute=lots", "bad value for compute"),
                                                 ("params=0", "between 1 and 1e15"), ("N=7", "unknown input")])
def test_scaling_bad_input(assignment, problem):
    with pytest.raises(CalculatorInputError, match=problem):
        SCALING_LAWS.run([assignment])
