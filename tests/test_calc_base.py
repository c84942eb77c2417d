"""Input parsing and display helpers shared by every calculator."""

from __future__ import annotations

import json
import math

import pytest

from llmconcepts.calculators.base import (
    Calculation,
    Quantity,
    format_bytes,
    format_number,
    jsonable,
    parse_bytes,
    parse_count,
    parse_dtype,
    parse_number,
)
from llmconcepts.calculators.presets import PRESETS, get_preset
from llmconcepts.errors import CalculatorInputError


@pytest.mark.parametrize("text, value", [("100k", 1e5), ("1.5M", 1.5e6), ("70B", 7e10), ("4096", 4096.0),
                                         ("1e-3", 1e-3), ("0.9", 0.9), ("1_000", 1000.0), ("989.4T", 989.4e12),
                                         ("2P", 2e15), ("-1", -1.0)])
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1x", "nan", "k"])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize("text", ["1.5", "-3", "inf"])
def test_parse_count_rejects(text):
    with pytest.raises(ValueError):
        parse_count(text)


@pytest.mark.parametrize("text, value", [("80GB", 80e9), ("80GiB", 80 * 2**30), ("24G", 24e9), ("512MiB", 2**29),
                                         ("3.35TB/s", 3.35e12), ("100B", 100.0), ("1.5e10", 1.5e10)])
def test_parse_bytes(text, value):
    assert parse_bytes(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["lots", "GiB", "-1GB", "80XB", ""])
def test_parse_bytes_rejects(text):
    with pytest.raises(ValueError):
        parse_bytes(text)


@pytest.mark.parametrize("text, key", [("FP16", "fp16"), ("bfloat16", "bf16"), ("half", "fp16"), ("int4", "int4")])
def test_parse_dtype(text, key):
    assert parse_dtype(text) == key


def test_byte_formatting():
    assert format_bytes(32_768_000_000) == "30.52 GiB"
    assert format_bytes(32_768_000_000, decimal=True) == "32.77 GB"
    assert format_bytes(819_200) == "800.00 KiB"
    assert format_bytes(512) == "512 B"


def test_number_formatting():
    assert format_number(131072) == "131,072"
    assert format_number(5.88e23) == "5.88e+23"
    assert format_number(0.8659643233600653) == "0.865964"


def test_json_has_no_nan_or_numpy_types():
    import numpy as np

    calc = Calculation("c", "t", "f", {"x": Quantity(np.int64(3), "tokens")}, (),
                       {"y": Quantity([math.inf, math.nan, np.float32(0.5)], "")})
    payload = calc.to_json_dict()
    assert json.loads(json.dumps(payload, allow_nan=False))["results"]["y"]["value"] == ["inf", "nan", 0.5]
    assert jsonable((1, 2)) == [1, 2]


def test_presets_cover_the_issue_and_have_sources():
    assert {"opt-13b", "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "mistral-7b",
            "mixtral-8x7b"} <= set(PRESETS)
    assert all(p.source and p.head_dim * p.n_heads == p.hidden for p in PRESETS.values())


@pytest.mark.parametrize("name, params", [("llama-2-7b", 6_738_415_616), ("llama-2-13b", 13_015_864_320),
                                          ("llama-2-70b", 68_976_648_192), ("llama-3-8b", 8_030_261_248),
                                          ("mistral-7b", 7_241_732_096)])
def test_preset_parameter_counts_match_the_published_checkpoints(name, params):
    # Totals reported for the Hugging Face checkpoints of each model.
    assert PRESETS[name].params == params


def test_preset_lookup_forgives_spelling():
    assert get_preset("Llama2_70B") is PRESETS["llama-2-70b"]
    with pytest.raises(CalculatorInputError, match="mixtral-8x7b"):
        get_preset("gpt-4")
