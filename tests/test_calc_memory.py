"""kv-cache and quantization: expected values are hand calculations written out here
or published figures (Kwon et al. 2023; NVIDIA's Llama-2-7B example; QLoRA)."""

from __future__ import annotations

import numpy as np
import pytest

from llmconcepts.calculators.memory import KV_CACHE, QUANTIZATION, absmax_dequantize
from llmconcepts.errors import CalculatorInputError


def values(spec, *assignments):
    return {name: q.value for name, q in spec.run(list(assignments)).results.items()}


def test_opt_13b_takes_800_kib_per_token():
    # Kwon et al. 2023 section 3: 2 (K and V) x 5120 (hidden) x 40 layers x 2 bytes = 800 KB.
    result = values(KV_CACHE, "model=opt-13b", "tokens=1")
    assert result["bytes_per_token"] == 2 * 5120 * 40 * 2 == 800 * 1024


def test_llama_2_70b_at_100k_tokens_is_30_5_gib():
    # 2 x 80 layers x 8 KV heads x 128 dims x 2 bytes x 100,000 tokens
    expected = 2 * 80 * 8 * 128 * 2 * 100_000
    result = values(KV_CACHE, "model=llama-2-70b", "tokens=100k")
    assert result["total_bytes"] == expected == 32_768_000_000
    assert expected / 2**30 == pytest.approx(30.5176, abs=1e-4)
    rendered = KV_CACHE.run(["model=llama-2-70b", "tokens=100k"]).results["total_bytes"].display
    assert rendered == "30.52 GiB (32.77 GB)"


def test_fit_beside_the_weights():
    # Llama-2-7B shape, 7e9 fp16 weights = 14 GB on an 80 GB GPU leaves 66 GB.
    result = values(KV_CACHE, "params=7B", "gpu_memory=80GB", "tokens=4096", "batch=8")
    per_token = 2 * 32 * 32 * 128 * 2  # 524,288 B
    assert result["weight_bytes"] == 14e9
    assert result["free_bytes"] == 66e9
    assert result["total_bytes"] == per_token * 4096 * 8  # 16 GiB
    assert result["fits"] is True
    assert result["max_tokens"] == 66_000_000_000 // (per_token * 8)  # 15,735 tokens per request


def test_weights_alone_too_big():
    result = KV_CACHE.run(["model=llama-2-70b", "gpu_memory=80GB"]).results
    assert result["fits"].value is False and "weights alone" in result["fits"].display
    assert result["max_tokens"].value == 0


def test_int8_cache_halves_the_bytes():
    fp16 = values(KV_CACHE)["total_bytes"]
    assert values(KV_CACHE, "dtype=int8")["total_bytes"] * 2 == fp16


def test_preset_then_explicit_override():
    calc = KV_CACHE.run(["model=llama-2-70b", "kv_heads=64"])
    assert calc.inputs["kv_heads"].value == 64 and calc.inputs["layers"].value == 80
    assert any("Llama-2-70B" in note for note in calc.notes)
    assert any("2307.09288" in source for source in calc.sources)


def test_chart_is_kv_bytes_against_context():
    chart = KV_CACHE.run(["tokens=8192"]).charts[0]
    assert chart.marker_x == 8192 and chart.y_unit == "bytes"
    kv = chart.series["KV cache"]
    assert kv[0] == 0 and kv[-1] == pytest.approx(2 * 32 * 32 * 128 * 2 * chart.x[-1])


@pytest.mark.parametrize(
    "assignment, problem",
    [("tokens=abc", "bad value for tokens"), ("layers=0", "between 1 and 10,000"), ("tokens=1.5", "whole number"),
     ("dtype=fp7", "unknown dtype"), ("gpu_memory=lots", "bad value for gpu_memory"), ("heads=8", "unknown input"),
     ("tokens", "is not NAME=VALUE"), ("model=gpt-5", "unknown model preset")],
)
def test_kv_cache_bad_input(assignment, problem):
    with pytest.raises(CalculatorInputError) as error:
        KV_CACHE.run([assignment])
    assert problem in str(error.value)
    if "preset" not in problem:  # the usage lists every input with unit and default
        for name in ("layers", "kv_heads", "head_dim", "tokens", "batch", "dtype", "gpu_memory"):
            assert name in str(error.value)
    else:
        assert "llama-2-70b" in str(error.value)


def test_weight_memory_per_bit_width():
    # params x bits / 8
    result = values(QUANTIZATION, "params=70B", "bits=16")
    assert result["weight_bytes"] == 140e9
    assert result["bytes_at_4bit"] == 35e9 and result["bytes_at_8bit"] == 70e9 and result["bytes_at_32bit"] == 280e9


def test_qlora_65b_fits_a_48gb_gpu():
    # QLoRA section 3: NF4 (4 bits) + double-quantized constants 8/64 + 32/(64*256) bits per parameter.
    bits = 4 + 8 / 64 + 32 / (64 * 256)
    result = values(QUANTIZATION, "params=65B", f"bits={bits}", "gpu_memory=48GB")
    assert result["weight_bytes"] == pytest.approx(65e9 * 4.126953125 / 8)
    assert result["fits"] is True


def test_absmax_int8_by_hand():
    weights = np.array([0.5, -1.0, 0.25, 0.1])
    # scale = 1/127: 63.5 -> 64 (half to even), -127, 31.75 -> 32, 12.7 -> 13
    assert absmax_dequantize(weights, 8) == pytest.approx(np.array([64, -127, 32, 13]) / 127)


def test_groupwise_int4_by_hand():
    weights = np.array([0.5, -1.0, 0.25, 0.1])
    # group [0.5, -1]: scale 1/7 -> 3.5 -> 4, -7;  group [0.25, 0.1]: scale 0.25/7 -> 7, 2.8 -> 3
    expected = np.array([4 / 7, -1.0, 0.25, 3 * 0.25 / 7])
    assert absmax_dequantize(weights, 4, group_size=2) == pytest.approx(expected)


def test_smaller_groups_round_more_finely():
    result = values(QUANTIZATION, "group_size=64")
    assert result["error_int8_group"] < result["error_int8_tensor"] < result["error_int4_group"] < result[
        "error_int4_tensor"]
    # one fp32 absmax per 64 weights = 0.5 extra bits per weight
    assert result["group_overhead_bits"] == 0.5


@pytest.mark.parametrize(
    "assignment, problem",
    [("group_size=100", "must divide cols"), ("bits=0", "greater than 0 and at most 64"),
     ("params=-1", "bad value for params"), ("rows=2048", "at most 1,048,576 weights"),
     ("seed=x", "bad value for seed"), ("gpu=1", "unknown input")],
)
def test_quantization_bad_input(assignment, problem):
    with pytest.raises(CalculatorInputError, match=problem):
        QUANTIZATION.run([assignment])
