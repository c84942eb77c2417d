"""paged-attention, continuous-batching and flash-attention: hand calculations and published cases."""

from __future__ import annotations

import numpy as np
import pytest
from calc_helpers import results

from llmconcepts.calculators.registry import get_calculator
from llmconcepts.calculators.serving import (
    continuous_batching,
    continuous_batching_schedule,
    flash_attention,
    kv_reservation,
    paged_attention,
    static_batching,
)
from llmconcepts.errors import CalculatorInputError


# ---------------------------------------------------------------------------
# PagedAttention


def test_last_block_waste_published_case():
    # public.yaml paged-attention-last-block-waste: ceil(1000 / 16) = 63 blocks = 1008 slots,
    # 1008 - 1000 = 8 empty slots, 8 / 1008 = 0.007936507936507936
    out = results(get_calculator("paged-attention").run(["sequence_tokens=1000", "block_size=16"]))
    assert out["sequence_blocks"] == 63
    assert out["sequence_wasted_slots"] == 8
    assert out["sequence_waste"] == pytest.approx(0.007936507936507936, rel=1e-9)


def test_reservations_by_hand():
    # lengths 1000, 17, 16 with a 2048-token reservation and 16-token blocks:
    # contiguous: 3 x 2048 = 6144 reserved, 1033 used, 5111 wasted
    # paged: 63 + 2 + 1 = 66 blocks = 1056 slots, 23 wasted (8 + 15 + 0)
    lengths = np.array([1000, 17, 16])
    contiguous = kv_reservation(lengths, None, 2048)
    paged = kv_reservation(lengths, 16, 2048)
    assert (contiguous.used, contiguous.reserved, contiguous.wasted) == (1033, 6144, 5111)
    assert (paged.reserved, paged.wasted) == (1056, 23)
    assert paged.waste_fraction == pytest.approx(23 / 1056)


def test_calculator_with_given_lengths():
    out = results(paged_attention(lengths=(1000, 17, 16), max_tokens=2048, block_size=16))
    assert out["used_tokens"] == 1033
    assert out["contiguous_waste"] == pytest.approx(5111 / 6144)
    assert out["paged_waste"] == pytest.approx(23 / 1056)
    assert out["capacity_gain"] == pytest.approx(6144 / 1056)
    # 23 slots x 819,200 B (OPT-13B fp16 per token, Kwon et al. section 3) = 18,841,600 B
    assert out["paged_wasted_bytes"] == 23 * 819_200


def test_block_size_one_wastes_nothing():
    out = results(paged_attention(lengths=(5, 7, 300), block_size=1))
    assert out["paged_waste"] == 0.0


def test_sampled_paged_waste_is_below_one_block_per_request():
    out = results(paged_attention(requests=500, block_size=32, seed=3))
    wasted_slots = out["paged_reserved"] - out["used_tokens"]
    assert 0 <= wasted_slots <= 500 * 31


def test_sample_is_reproducible_and_seed_dependent():
    first = results(paged_attention(seed=7))
    assert results(paged_attention(seed=7)) == first
    assert results(paged_attention(seed=8))["used_tokens"] != first["used_tokens"]


def test_sample_mean_matches_mean_tokens():
    # Geometric lengths, mean 300 (std ~300); truncation at 2048 removes ~0.1% of the mass.
    # 20,000 requests: standard error 300 / sqrt(20000) = 2.1 tokens, so 3% (9 tokens) is > 4 sigma.
    out = results(paged_attention(requests=20_000, mean_tokens=300, seed=1))
    assert out["used_tokens"] / 20_000 == pytest.approx(300, rel=0.03)


def test_block_size_chart_marks_the_input():
    chart = paged_attention(block_size=24).charts[0]
    assert 24.0 in chart.x and chart.marker_x == 24.0
    assert list(chart.x) == sorted(chart.x)
    assert chart.series["paged"][0] == 0.0  # block size 1


@pytest.mark.parametrize("assignment, fragment", [
    ("requests=0", "requests"),
    ("requests=2M", "between 1 and 1e6"),
    ("block_size=0", "block_size"),
    ("mean_tokens=0.5", "mean_tokens"),
    ("mean_tokens=5000", "cannot exceed max_tokens"),
    ("lengths=3000", "does not fit"),
    ("lengths=0,5", "lengths"),
    ("bytes_per_token=0", "bytes_per_token"),
    ("seed=-1", "seed"),
    ("sequence_tokens=0", "sequence_tokens"),
])
def test_paged_bad_inputs(assignment, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("paged-attention").run([assignment])


def test_direct_calls_check_the_seed_too():
    with pytest.raises(CalculatorInputError, match="seed"):
        paged_attention(seed=-1)
    with pytest.raises(CalculatorInputError, match="seed"):
        continuous_batching(seed=-1)


# ---------------------------------------------------------------------------
# Continuous batching (Orca)


def test_static_batching_by_hand():
    # lengths 1, 4 | 2, 3 with batch 2: batch one runs 4 iterations, batch two 3 more.
    # Everyone returns when their batch ends: 4, 4, 7, 7.
    schedule = static_batching(np.array([1, 4, 2, 3]), 2)
    assert schedule.steps == 7
    assert schedule.finish_steps.tolist() == [4, 4, 7, 7]
    assert schedule.utilisation == pytest.approx(10 / 14)


def test_continuous_batching_by_hand():
    # slots free at 0, 0: r1 (1) runs 0-1, r2 (4) runs 0-4, r3 (2) takes r1's slot 1-3,
    # r4 (3) takes it again 3-6. Makespan 6, finishes 1, 4, 3, 6.
    schedule = continuous_batching_schedule(np.array([1, 4, 2, 3]), 2)
    assert schedule.steps == 6
    assert schedule.finish_steps.tolist() == [1, 4, 3, 6]
    assert schedule.utilisation == pytest.approx(10 / 12)


def test_calculator_reports_seconds_and_latency():
    out = results(continuous_batching(lengths=(1, 4, 2, 3), batch_size=2, step_time=0.5))
    assert out["static_makespan"] == pytest.approx(3.5)        # 7 x 0.5 s
    assert out["continuous_makespan"] == pytest.approx(3.0)    # 6 x 0.5 s
    assert out["static_mean_latency"] == pytest.approx(2.75)   # (4 + 4 + 7 + 7) / 4 x 0.5
    assert out["continuous_mean_latency"] == pytest.approx(1.75)  # (1 + 4 + 3 + 6) / 4 x 0.5
    assert out["static_throughput"] == pytest.approx(10 / 3.5)
    assert out["speedup"] == pytest.approx(7 / 6)


def test_equal_lengths_make_both_schemes_equal():
    out = results(continuous_batching(lengths=(5, 5, 5, 5), batch_size=2))
    assert out["static_iterations"] == out["continuous_iterations"] == 10
    assert out["static_utilisation"] == out["continuous_utilisation"] == 1.0


def test_one_batch_holding_everything_takes_the_longest_request():
    out = results(continuous_batching(lengths=(3, 9, 4), batch_size=8))
    assert out["static_iterations"] == out["continuous_iterations"] == 9


@pytest.mark.parametrize("seed", range(5))
def test_continuous_never_slower_on_sampled_mixes(seed):
    out = results(continuous_batching(seed=seed))
    assert out["continuous_iterations"] <= out["static_iterations"]
    assert out["continuous_mean_latency"] <= out["static_mean_latency"]


def test_sampled_lengths_are_reproducible():
    assert results(continuous_batching(seed=4)) == results(continuous_batching(seed=4))
    assert results(continuous_batching(seed=4)) != results(continuous_batching(seed=5))


@pytest.mark.parametrize("assignment, fragment", [
    ("batch_size=0", "batch_size"),
    ("requests=0", "requests"),
    ("requests=1M", "between 1 and 10,000"),
    ("seed=1e30", "seed"),
    ("step_time=0", "step_time"),
    ("step_time=-1", "step_time"),
    ("min_output=600", "cannot exceed max_output"),
    ("lengths=1,0", "lengths"),
])
def test_batching_bad_inputs(assignment, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("continuous-batching").run([assignment])


# ---------------------------------------------------------------------------
# FlashAttention (Dao et al. 2022, Theorem 2)


def test_flash_attention_published_example():
    # public.yaml flashattention-hbm-access-example: N = 4096, d = 64, M = 100 KiB of fp16 = 51,200.
    # standard = 4096 x 64 + 4096^2 = 262,144 + 16,777,216 = 17,039,360
    # flash = 4096^2 x 64^2 / 51,200 = 68,719,476,736 / 51,200 = 1,342,177.28
    out = results(get_calculator("flash-attention").run(["seq_len=4096", "head_dim=64", "sram_bytes=100KiB"]))
    assert out["sram_elements"] == 51_200
    assert out["standard_accesses"] == pytest.approx(17_039_360, rel=1e-12)
    assert out["flash_accesses"] == pytest.approx(1_342_177.28, rel=1e-12)
    assert out["ratio"] == pytest.approx(12.6953125, rel=1e-9)


def test_block_sizes_and_score_matrix():
    # Algorithm 1: B_c = ceil(51200 / (4 x 64)) = 200, B_r = min(200, 64) = 64
    # S in fp16: 4096^2 x 2 B = 33,554,432 B = 32 MiB
    out = results(flash_attention())
    assert (out["block_cols"], out["block_rows"]) == (200, 64)
    assert out["score_matrix_bytes"] == 33_554_432


def test_fp32_halves_the_sram_in_elements():
    # 102,400 B / 4 B = 25,600 elements -> flash accesses double, ratio halves: 12.6953125 / 2
    out = results(flash_attention(dtype="fp32"))
    assert out["sram_elements"] == 25_600
    assert out["ratio"] == pytest.approx(6.34765625)


def test_model_preset_sets_head_dim():
    # Llama-2-7B: hidden 4096 / 32 heads = head_dim 128 (Touvron et al. 2023, Table 1)
    # flash = 4096^2 x 128^2 / 51,200 = 5,368,709.12; standard = 4096 x 128 + 4096^2 = 17,301,504
    out = results(get_calculator("flash-attention").run(["model=llama-2-7b"]))
    assert out["flash_accesses"] == pytest.approx(5_368_709.12)
    assert out["standard_accesses"] == 17_301_504


def test_tiny_sequence_outside_theorem_range_gets_a_note():
    calc = flash_attention(seq_len=16, head_dim=64)  # M = 51,200 > N d = 1,024
    assert any("outside Theorem 2" in note for note in calc.notes)


@pytest.mark.parametrize("assignment, fragment", [
    ("sram_bytes=64B", "fewer than one row"),
    ("sram_bytes=64", "did you mean sram_bytes=64KiB?"),
    ("seq_len=0", "seq_len"),
    ("head_dim=0", "head_dim"),
    ("dtype=fp64", "dtype"),
    ("sram_bytes=lots", "sram_bytes"),
])
def test_flash_bad_inputs(assignment, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("flash-attention").run([assignment])
