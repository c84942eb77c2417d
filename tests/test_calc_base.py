"""Input parsing and display helpers shared by every calculator."""

from __future__ import annotations

import json
import math

import pytest

from llmconcepts.calculators.base import (
    Calculation,
    CalculatorSpec,
    Each,
    InputSpec,
    Quantity,
    Range,
    format_bytes,
    format_number,
    format_size,
    jsonable,
    parse_bytes,
    parse_count,
    parse_dtype,
    parse_number,
    size_parser,
    undefined,
    unlimited,
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
    # JSON has no inf/nan, and a string where a number belongs would mislead: no number is null
    import numpy as np

    calc = Calculation("c", "t", "f", {"x": Quantity(np.int64(3), "tokens")}, (),
                       {"y": Quantity([math.inf, math.nan, np.float32(0.5)], "")})
    payload = calc.to_json_dict()
    assert json.loads(json.dumps(payload, allow_nan=False))["results"]["y"]["value"] == [None, None, 0.5]
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


# ---------------------------------------------------------------------------
# Finite numbers, thousands separators, ranges, byte sizes, repeated names


@pytest.mark.parametrize("text", ["1e400", "inf", "-inf", "Infinity", "nan", "NaN", "1e308k"])
def test_non_finite_numbers_are_refused_as_such(text):
    # 1e400 overflows a float to inf; 1e308 x 1e3 (the k suffix) does too
    with pytest.raises(ValueError, match="must be a finite number"):
        parse_number(text)


def test_a_count_of_1e400_is_not_finite_rather_than_fractional():
    with pytest.raises(ValueError, match="must be a finite number"):
        parse_count("1e400")


@pytest.mark.parametrize("text, value", [("1,000", 1e3), ("1,000,000", 1e6), ("12,345.5", 12345.5),
                                         ("-4,096", -4096.0), ("1,000k", 1e6), ("100", 100.0)])
def test_commas_group_thousands(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1,0", "1,2", "0,0", "1,00", "1000,000", "1,0000", ",100", "1,000,00", "1.5,000"])
def test_any_other_comma_is_an_error_not_a_separator(text):
    # only groups of exactly three digits after a first group of one to three
    with pytest.raises(ValueError, match="comma only separates thousands"):
        parse_number(text)


def test_a_comma_in_a_count_or_size_follows_the_same_rule():
    assert parse_count("1,024") == 1024
    assert parse_bytes("1,024MiB") == 1024 * 2**20
    with pytest.raises(ValueError, match="thousands"):
        parse_count("1,0")
    with pytest.raises(ValueError, match="thousands"):
        parse_bytes("80,0GB")


@pytest.mark.parametrize("checked, value, problem", [
    (Range(1, 10_000), 0, "must be between 1 and 10,000"),
    (Range(1, 1e9), 1e12, "must be between 1 and 1e9"),
    (Range(0, 1, low_open=True), 0, "must be greater than 0 and at most 1"),
    (Range(0, 1, high_open=True), 1, "must be at least 0 and less than 1"),
    (Range(0, 1, low_open=True, high_open=True), 1, "must be strictly between 0 and 1"),
    (Range(2**20, 1e15, unit="bytes"), 80, "must be between 1MiB and 1PB"),
])
def test_a_range_names_its_bounds(checked, value, problem):
    assert checked(value) == problem
    assert checked((checked.low + checked.high) / 2) is None


def test_each_checks_every_entry_of_nested_lists():
    check = Each(Range(0, 3))
    assert check(((0, 1), (2, 3))) is None
    assert check(((0, 1), (2, 4))) == "every entry must be between 0 and 3 (got 4)"
    assert check.text == "each 0 to 3"


@pytest.mark.parametrize("size, text", [(80e9, "80GB"), (24e9, "24GB"), (102_400, "100KiB"), (819_200, "800KiB"),
                                        (3.35e12, "3.35TB"), (2**20, "1MiB"), (1e15, "1PB"), (512, "512B")])
def test_sizes_print_as_typed(size, text):
    # 102,400 = 100 x 1024; 819,200 = 800 x 1024; 2^20 = 1 MiB; and each prints back to the same bytes
    assert format_size(size) == text
    assert parse_bytes(text) == size


def test_a_bare_byte_size_below_the_minimum_asks_for_the_unit():
    parse = size_parser("gpu_memory", "GB")
    with pytest.raises(ValueError, match=r"did you mean gpu_memory=80GB\?"):
        parse("80")
    assert parse("80GB") == 80e9 and parse("80GiB") == 80 * 2**30
    assert parse("80000000000") == 8e10  # bare bytes, as --json prints them, still read back
    assert parse("100B") == 100  # a unit was given: the range decides
    with pytest.raises(ValueError, match=r"did you mean bandwidth=3.35TB/s\?"):
        size_parser("bandwidth", "TB/s")("3.35")


def test_byte_inputs_document_the_bare_number_rule():
    from llmconcepts.calculators.memory import KV_CACHE

    gpu = KV_CACHE.input("gpu_memory")
    assert gpu.default_display() == "80GB"
    assert gpu.help.endswith("a bare number is bytes") and gpu.range_text == "1MiB to 1PB"
    with pytest.raises(CalculatorInputError, match="did you mean gpu_memory=80GB"):
        KV_CACHE.run(["gpu_memory=80"])


@pytest.mark.parametrize("assignments, name", [(["tokens=1k", "tokens=2k"], "tokens"),
                                               (["kv-heads=8", "kv_heads=4"], "kv_heads"),
                                               (["model=llama-2-7b", "model=llama-2-70b"], "model")])
def test_an_input_given_twice_is_an_error_naming_it(assignments, name):
    from llmconcepts.calculators.memory import KV_CACHE

    with pytest.raises(CalculatorInputError, match=f"^{name} is given twice"):
        KV_CACHE.run(assignments)


def test_undefined_and_unlimited_results_print_and_serialise_honestly():
    calc = Calculation("c", "t", "f", {}, (), {"recall": undefined("fraction", "no relevant documents"),
                                                "longest": unlimited("steps", "every step succeeds")})
    assert calc.results["recall"].display == "undefined (no relevant documents)"
    assert calc.to_json_dict()["results"] == {
        "recall": {"value": None, "unit": "fraction", "note": "undefined: no relevant documents"},
        "longest": {"value": None, "unit": "steps", "note": "no limit: every step succeeds"},
    }
    assert format_number(math.nan) == "undefined" and format_number(None) == "undefined"
    assert format_number(math.inf) == "infinite"


def test_a_numeric_overflow_is_one_error_line_not_a_warning():
    # Should inputs in range still overflow together, numpy raises instead of warning
    # on stderr, and the user gets a CalculatorInputError.
    import warnings

    import numpy as np

    def overflowing(x: float) -> Calculation:
        np.float64(x) * np.float64(x)
        raise AssertionError("numpy should have raised")

    spec = CalculatorSpec("demo", overflowing, (InputSpec("x", "", 1e300, "", check=Range(0, 1e300)),))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(CalculatorInputError, match="demo cannot compute with these inputs together"):
            spec.run([])
