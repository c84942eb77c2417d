"""ttft-tps: hand calculations from FLOPs, bytes and the H100 SXM datasheet rates."""

from __future__ import annotations

import pytest

from llmconcepts.calculators.inference import TTFT_TPS
from llmconcepts.errors import CalculatorInputError


def values(*assignments):
    return {name: q.value for name, q in TTFT_TPS.run(list(assignments)).results.items()}


def test_decode_roofline_70b_fp16_h100():
    # 3.35 TB/s / (70e9 x 2 bytes) = 23.93 tokens/s, KV reads ignored
    result = values("params=70B", "dtype=fp16", "bandwidth=3.35TB/s")
    assert result["tps_weights_only"] == pytest.approx(3.35e12 / 140e9)


def test_prefill_is_compute_bound():
    # 2 x 7e9 x 1000 tokens = 1.4e13 FLOPs at 1e15 x 0.5 FLOP/s = 28 ms
    result = values("params=7B", "prompt_tokens=1000", "peak_flops=1P", "utilization=0.5")
    assert result["prefill_flops"] == 1.4e13
    assert result["ttft_seconds"] == pytest.approx(0.028)


def test_short_prompt_ttft_is_floored_by_reading_the_weights():
    # 1 token: 1.4e10 FLOPs take 28 us, but 14 GB at 3.35 TB/s take 4.18 ms
    result = values("params=7B", "prompt_tokens=1", "peak_flops=1P", "utilization=0.5")
    assert result["ttft_seconds"] == pytest.approx(14e9 / 3.35e12)


def test_decode_step_reads_weights_and_cache():
    # Llama-2-7B: 6,738,415,616 x 2 B weights + 4096 tokens x 524,288 B of KV cache
    step_bytes = 6_738_415_616 * 2 + 4096 * 2 * 32 * 32 * 128 * 2
    result = values("model=llama-2-7b", "prompt_tokens=4096")
    assert result["decode_bytes_per_step"] == step_bytes
    assert result["decode_step_seconds"] == pytest.approx(step_bytes / 3.35e12)
    assert result["decode_bound"] == "memory-bandwidth"
    assert result["tps_per_request"] == pytest.approx(3.35e12 / step_bytes)


def test_large_batches_become_compute_bound():
    # batch 1024: 2 x 7e9 x 1024 FLOPs at 4.947e14 FLOP/s = 29 ms > 14 GB / 3.35 TB/s = 4.2 ms (+ cache reads)
    result = values("params=7B", "batch=1024", "prompt_tokens=1", "kv_heads=1", "layers=1")
    assert result["decode_bound"] == "compute"
    assert result["tps_total"] == pytest.approx(1024 / (2 * 7e9 * 1024 / (989.4e12 * 0.5)))


def test_moe_preset_uses_active_parameters():
    calc = TTFT_TPS.run(["model=mixtral-8x7b"])
    assert calc.inputs["params"].value == 12_879_925_248


@pytest.mark.parametrize("assignment, problem", [("utilization=1.5", "greater than 0 and at most 1"),
                                                 ("utilization=0", "greater than 0 and at most 1"),
                                                 ("bandwidth=fast", "bad value for bandwidth"),
                                                 ("prompt=10", "unknown input")])
def test_ttft_bad_input(assignment, problem):
    with pytest.raises(CalculatorInputError, match=problem):
        TTFT_TPS.run([assignment])
