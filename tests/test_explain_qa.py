"""`llmc explain` QA findings, second pass: narrow terminals, errors that list the valid
inputs, a suggestion for a mistyped input name, and JSON numbers without float noise.

Runs the real CLI in-process (``llmconcepts.cli.main``) against the built-in bank.
"""

from __future__ import annotations

import json

import pytest
from explain_helpers import fresh_consoles, llmc  # noqa: F401 (fresh_consoles is an autouse fixture)

from llmconcepts.calculators.base import jsonable
from llmconcepts.calculators.registry import CALCULATORS, get_calculator


# -- errors: a bad value, alone or against another input, lists the valid inputs ----------------

@pytest.mark.parametrize("concept, assignments, problem", [
    # single inputs (checked while parsing)
    ("rope", ["head_dim=0"], "bad value for head_dim"),
    # two inputs that are valid alone but not together (checked by the calculator)
    ("rope", ["head_dim=127"], "head_dim (127) must be even"),
    ("mqa-gqa", ["kv_heads=7"], "kv_heads (7) must divide n_heads (64)"),
    ("multi-head-attention", ["n_heads=3"], "n_heads (3) must divide d_model"),
    ("embedding-similarity", ["query=0,0"], "zero vector"),
    ("embedding-similarity", ["query=1,2,3"], "every candidate needs 3 values"),
    ("quantization", ["group_size=1000000"], "group_size 1000000 must divide cols 1024"),
    ("paged-attention", ["max_tokens=100"], "mean_tokens (300) cannot exceed max_tokens (100)"),
    ("continuous-batching", ["min_output=600"], "min_output (600) cannot exceed max_output (512)"),
    ("mixture-of-experts", ["experts=4", "experts_per_token=8"], "experts_per_token (8) cannot exceed experts (4)"),
    ("flash-attention", ["sram_bytes=1KiB", "head_dim=65536"], "fewer than one row of head_dim"),
    ("self-attention", ["d_k=65536", "samples=1e6"], "must be at most 8,388,608 products"),
])
def test_every_bad_value_error_lists_the_valid_inputs(capsys, concept, assignments, problem):
    code, out, err = llmc(capsys, "explain", concept, *assignments)
    first, *listing = err.splitlines()
    assert code == 1 and out == ""
    assert first.startswith("llmc: ") and problem in first
    assert first.endswith(f". Valid inputs for {concept}:")
    listed = {line.split()[0] for line in listing}
    assert listed >= {spec.name for spec in get_calculator(concept).inputs}


def test_a_mistyped_input_name_gets_a_suggestion(capsys):
    code, _, err = llmc(capsys, "explain", "kv-cache", "tokns=100k")
    assert code == 1
    assert err.splitlines()[0] == ("llmc: unknown input 'tokns' (did you mean 'tokens'?). "
                                   "Valid inputs for kv-cache:")
    _, _, err = llmc(capsys, "explain", "kv-cache", "modle=llama-2-70b")  # presets are an input too
    assert "(did you mean 'model'?)" in err.splitlines()[0]


def test_a_name_typed_short_gets_the_one_input_it_starts(capsys):
    _, _, err = llmc(capsys, "explain", "flash-attention", "sram=1MB")
    assert err.splitlines()[0] == ("llmc: unknown input 'sram' (did you mean 'sram_bytes'?). "
                                   "Valid inputs for flash-attention:")


def test_a_name_like_no_input_gets_no_suggestion(capsys):
    code, _, err = llmc(capsys, "explain", "kv-cache", "xyz=1")
    assert code == 1
    assert err.splitlines()[0] == "llmc: unknown input 'xyz'. Valid inputs for kv-cache:"


# -- --json: no float noise, no negative zero ---------------------------------------------------

def test_json_rounds_float_noise_and_drops_negative_zero():
    assert jsonable(5.000000000000001) == 5.0
    assert jsonable(0.1 + 0.2) == 0.3
    assert str(jsonable(-0.0)) == "0.0"
    assert jsonable(1 / 3) == 0.333333333333  # twelve significant digits
    assert jsonable(6.02214076e23) == 6.02214076e23  # a real figure keeps its digits
    assert jsonable([-0.0, 2.5e-300]) == [0.0, 2.5e-300]


def test_json_of_speculative_decoding_limit_is_exactly_five(capsys):
    # tokens per pass as gamma grows: 1 / (1 - alpha) = 1 / 0.2 = 5 (0.8 is not exact in binary)
    code, out, _ = llmc(capsys, "explain", "speculative-decoding", "alpha=0.8", "--json")
    assert code == 0
    assert '"value": 5.0,' in out and "5.000000000000001" not in out
    assert json.loads(out)["results"]["limit"]["value"] == 5.0


def test_json_of_a_certain_token_has_zero_entropy_not_negative_zero(capsys):
    # temperature 0 puts all probability on the top token: entropy = -(1 ln 1) = 0
    code, out, _ = llmc(capsys, "explain", "sampling-controls", "temperature=0", "--json")
    assert code == 0 and "-0.0" not in out
    assert json.loads(out)["results"]["entropy"]["value"] == 0.0
    code, out, _ = llmc(capsys, "explain", "sampling-controls", "temperature=0")
    assert "Entropy of the final distribution: 0.000 nats" in out  # the note too


def test_json_of_certain_tokens_has_zero_nll_not_negative_zero(capsys):
    # p = 1 for every token: mean NLL = -(ln 1 + ln 1) / 2 = 0, perplexity e^0 = 1
    code, out, _ = llmc(capsys, "explain", "perplexity", "probabilities=1,1", "--json")
    results = json.loads(out)["results"]
    assert code == 0 and "-0.0" not in out
    assert results["mean_nll_nats"]["value"] == 0.0 and results["perplexity"]["value"] == 1.0
    code, out, _ = llmc(capsys, "explain", "perplexity", "probabilities=1,1")
    assert "exp(0) = 2^0" in out and "-0" not in out


# -- narrow terminals: every line of every calculator's page fits the width -------------------

@pytest.mark.parametrize("width", [60, 40])
@pytest.mark.parametrize("concept", sorted(CALCULATORS))
def test_every_line_fits_a_narrow_terminal(capsys, monkeypatch, concept, width):
    # COLUMNS sets the width of the console the CLI builds (rich reads it), as in a terminal.
    monkeypatch.setenv("COLUMNS", str(width))
    for extra in ((), ("--brief",)):
        code, out, _ = llmc(capsys, "explain", concept, *extra)
        assert code == 0
        too_long = [line for line in out.splitlines() if len(line) > width]
        assert too_long == [], f"{concept} {' '.join(extra)} at {width} columns"


def test_long_headings_titles_and_legends_wrap_at_60_columns(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = llmc(capsys, "explain", "paged-attention")
    # "Calculator: " is 12 columns; the title goes on beneath it, aligned with its first word
    assert "Calculator: PagedAttention: KV memory wasted by contiguous\n            vs block allocation\n" in out
    _, out, _ = llmc(capsys, "explain", "sampling-controls")
    # five series and the marker: 104 columns on one line before; now whole entries per line
    legend = [line.strip() for line in out.splitlines() if "token 0 (z=3)" in line or "| at 1" in line]
    assert legend == ["* token 0 (z=3)   - token 1 (z=2)   + token 2 (z=1)",
                      "o token 3 (z=0.5)   x token 4 (z=-1)   | at 1"]
    _, out, _ = llmc(capsys, "explain", "scaling-laws")
    assert "Approach 3 loss at a fixed budget of 5.88e+23 FLOPs (| marks\nthe Approaches 1/2 optimum)\n" in out


# -- the kv-cache card's failure mode and its calculator tell the same story --------------------

def test_kv_cache_card_figures_agree_with_the_calculator(capsys):
    # Llama-3-8B in bf16 on a 24 GB GPU, worked by hand:
    #   weights   8,030,261,248 params x 2 B = 16,060,522,496 B (16 GB)
    #   left      24,000,000,000 - 16,060,522,496 = 7,939,477,504 B (7.94 GB, 7.39 GiB)
    #   per token 2 x 32 layers x 8 KV heads x 128 dims x 2 B = 131,072 B (128 KiB)
    #   tokens    7,939,477,504 / 131,072 = 60,573.4 -> 60,573 (about 60k)
    code, out, _ = llmc(capsys, "explain", "kv-cache", "model=llama-3-8b", "dtype=bf16", "weight_dtype=bf16",
                        "gpu_memory=24GB", "--json")
    results = json.loads(out)["results"]
    assert code == 0
    assert results["bytes_per_token"]["value"] == 131_072
    assert results["free_bytes"]["value"] == 7_939_477_504
    assert results["max_tokens"]["value"] == 60_573
    _, out, _ = llmc(capsys, "explain", "kv-cache", "--json")
    failure = next(f for f in json.loads(out)["facets"] if f["kind"] == "failure_mode")
    answer = " ".join(failure["answer"].split())
    assert "roughly 8 GB (7.4 GiB) left after 16 GB of weights holds at most about 60k tokens" in answer
    assert "~60k tokens fit in the ~8 GB beside the weights" in " ".join(failure["key_points"])
