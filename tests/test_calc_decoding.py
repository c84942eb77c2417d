"""sampling-controls and speculative-decoding: published figures and hand calculations."""

from __future__ import annotations

import math

import pytest
from calc_helpers import results

from llmconcepts.calculators.decoding import sampling_controls, speculative_decoding
from llmconcepts.calculators.registry import get_calculator
from llmconcepts.errors import CalculatorInputError

# Published figures (/work/shared/figures/public.yaml, cases sampling-softmax-temperature-1 and
# sampling-top-p-0.9): softmax([3, 2, 1, 0.5, -1]) at T = 1, then top-p 0.9.
SOFTMAX_T1 = [0.6235909331788119, 0.22940628401739954, 0.08439385556553813, 0.05118746089185854,
              0.011421466346391884]
TOP_P_09 = [0.6652409557748219, 0.24472847105479764, 0.09003057317038046, 0.0, 0.0]
TOP_P_09_CUMULATIVE = [0.6235909331788119, 0.8529972171962115, 0.9373910727617496, 0.9885785336536081, 1.0]

# ln 2, 0, 0 -> probabilities 2/4, 1/4, 1/4 exactly: e^(ln 2) = 2, e^0 = 1, sum = 4.
HALF_QUARTER_QUARTER = (math.log(2), 0.0, 0.0)


def test_softmax_at_temperature_1_matches_published_values():
    out = results(sampling_controls(temperature=1.0))
    assert list(out["probabilities"]) == pytest.approx(SOFTMAX_T1, rel=1e-6)
    assert list(out["final_probabilities"]) == pytest.approx(SOFTMAX_T1, rel=1e-6)  # no filter by default
    assert out["kept_tokens"] == 5


def test_top_p_09_keeps_three_tokens_and_renormalises():
    out = results(sampling_controls(top_p=0.9))
    assert out["kept_tokens"] == 3
    assert out["kept_indices"] == [0, 1, 2]
    assert list(out["final_probabilities"]) == pytest.approx(TOP_P_09, rel=1e-6, abs=1e-12)
    assert list(out["cumulative"]) == pytest.approx(TOP_P_09_CUMULATIVE, rel=1e-6)


def test_top_k_2_is_a_two_way_softmax():
    # e^3 / (e^3 + e^2) = 1 / (1 + e^-1) = 0.7310585786300049
    out = results(sampling_controls(top_k=2))
    assert list(out["final_probabilities"]) == pytest.approx(
        [0.7310585786300049, 0.2689414213699951, 0, 0, 0], abs=1e-12)


@pytest.mark.parametrize("temperature, ratio", [(2.0, math.exp(0.5)), (0.5, math.exp(2.0))])
def test_temperature_scales_the_logit_gaps(temperature, ratio):
    # p0 / p1 = exp((z0 - z1) / T) with z0 - z1 = 1
    p = results(sampling_controls(temperature=temperature))["probabilities"]
    assert p[0] / p[1] == pytest.approx(ratio, rel=1e-12)


def test_temperature_zero_is_greedy_and_ties_go_to_the_first_index():
    out = results(sampling_controls(logits=(1.0, 5.0, 5.0), temperature=0.0))
    assert list(out["final_probabilities"]) == [0.0, 1.0, 0.0]
    assert out["greedy_token"] == 1


@pytest.mark.parametrize("top_p, kept", [(0.5, 1), (0.75, 2), (0.76, 3), (1.0, 3)])
def test_nucleus_is_the_smallest_prefix_reaching_p(top_p, kept):
    # sorted 0.5, 0.25, 0.25: cumulative 0.5, 0.75, 1.0 (>= p, so exactly p keeps the prefix)
    out = results(sampling_controls(logits=HALF_QUARTER_QUARTER, top_p=top_p))
    assert out["kept_tokens"] == kept
    assert out["kept_indices"] == [0, 1, 2][:kept]


def test_top_k_is_applied_before_top_p():
    # top-k 2 -> 2/3, 1/3, 0; top-p 0.6 then keeps only the first token.
    filtered = results(sampling_controls(logits=HALF_QUARTER_QUARTER, top_k=2, top_p=0.6))
    assert list(filtered["final_probabilities"]) == [1.0, 0.0, 0.0]
    # Without top-k: 0.5 < 0.6 <= 0.75, so two tokens, renormalised to 2/3 and 1/3.
    alone = results(sampling_controls(logits=HALF_QUARTER_QUARTER, top_p=0.6))
    assert list(alone["final_probabilities"]) == pytest.approx([2 / 3, 1 / 3, 0.0])


def test_top_k_larger_than_vocabulary_keeps_everything():
    out = results(sampling_controls(logits=HALF_QUARTER_QUARTER, top_k=50))
    assert list(out["final_probabilities"]) == pytest.approx([0.5, 0.25, 0.25])


def test_entropy_of_half_quarter_quarter_is_one_and_a_half_bits():
    out = results(sampling_controls(logits=HALF_QUARTER_QUARTER))
    assert out["entropy"] == pytest.approx(1.5 * math.log(2))


def test_sampling_cli_values_and_chart():
    calc = get_calculator("sampling-controls").run(["logits=3,2,1,0.5,-1", "top_p=0.9", "temperature=1"])
    assert calc.results["kept_tokens"].value == 3
    chart = calc.charts[0]
    assert list(chart.x) == sorted(chart.x) and chart.marker_x == 1.0
    assert all(len(ys) == len(chart.x) for ys in chart.series.values())


@pytest.mark.parametrize("assignment, fragment", [
    ("temperature=-1", "temperature"),
    ("top_p=0", "top_p"),
    ("top_p=1.5", "top_p"),
    ("top_k=-1", "top_k"),
    ("top_k=1.5", "top_k"),
    ("logits=abc", "logits"),
    ("logits=1,inf", "logits"),
    ("temprature=1", "unknown input"),
])
def test_sampling_bad_inputs_are_one_line_errors(assignment, fragment):
    with pytest.raises(CalculatorInputError, match=fragment) as info:
        get_calculator("sampling-controls").run([assignment])
    assert "top_p" in str(info.value)  # the message lists the valid inputs


def test_sampling_direct_call_checks_ranges():
    with pytest.raises(CalculatorInputError, match="top_p"):
        sampling_controls(top_p=0.0)
    with pytest.raises(CalculatorInputError, match="logits"):
        sampling_controls(logits=())


# ---------------------------------------------------------------------------
# Speculative decoding (Leviathan et al. 2023)


def test_expected_tokens_t5_small_published_case():
    # 0.75^8 = 0.1001129150390625; (1 - 0.1001129150390625) / 0.25 = 3.59954833984375
    out = results(speculative_decoding(alpha=0.75, gamma=7))
    assert out["expected_tokens"] == pytest.approx(3.59954833984375, rel=1e-12)
    assert out["accepted_drafts"] == pytest.approx(2.59954833984375, rel=1e-12)


def test_free_draft_limit_is_one_over_one_minus_alpha():
    out = results(speculative_decoding(alpha=0.75, gamma=7, c=0.0))
    assert out["limit"] == pytest.approx(4.0)
    assert out["optimal_gamma"] == "unbounded"
    assert out["speedup_at_optimal_gamma"] == pytest.approx(4.0)
    # published gamma = 100 value of (1 - 0.75^101) / 0.25
    gamma_100 = results(speculative_decoding(alpha=0.75, gamma=100, c=0.0))
    assert gamma_100["speedup"] == pytest.approx(3.9999999999990377, rel=1e-9)


def test_walltime_improvement_by_hand():
    # alpha 0.8, gamma 4: 0.8^5 = 0.32768; E = 0.67232 / 0.2 = 3.3616; cost 4 x 0.1 + 1 = 1.4
    out = results(speculative_decoding(alpha=0.8, gamma=4, c=0.1))
    assert out["expected_tokens"] == pytest.approx(3.3616)
    assert out["speedup"] == pytest.approx(3.3616 / 1.4)


def test_optimal_gamma_by_hand():
    # alpha 0.8, c 0.1; f(gamma) = (1 - 0.8^(gamma+1)) / 0.2 / (1 + 0.1 gamma):
    # f(5) = 3.68928 / 1.5 = 2.45952, f(6) = 3.951424 / 1.6 = 2.46964, f(7) = 4.1611392 / 1.7 = 2.447729
    out = results(speculative_decoding(alpha=0.8, gamma=4, c=0.1))
    assert out["optimal_gamma"] == 6
    assert out["speedup_at_optimal_gamma"] == pytest.approx(3.951424 / 1.6)


def test_corollary_3_9_gamma_1_gives_one_plus_alpha_over_one_plus_c():
    # (1 - alpha^2) / ((1 - alpha)(c + 1)) = (1 + alpha) / (1 + c)
    out = results(speculative_decoding(alpha=0.8, gamma=1, c=0.1))
    assert out["speedup"] == pytest.approx(1.8 / 1.1)


def test_drafting_that_never_pays_gives_gamma_zero():
    # alpha = c = 0.5: f(0) = 1, f(1) = 0.75 / 0.5 / 1.5 = 1, f(2) = 0.875 / 0.5 / 2 = 0.875
    out = results(speculative_decoding(alpha=0.5, gamma=2, c=0.5))
    assert out["optimal_gamma"] == 0
    assert out["speedup_at_optimal_gamma"] == pytest.approx(1.0)
    assert out["speedup"] == pytest.approx(0.875)


def test_zero_acceptance_only_costs():
    out = results(speculative_decoding(alpha=0.0, gamma=3, c=0.2))
    assert out["expected_tokens"] == 1.0
    assert out["speedup"] == pytest.approx(1 / 1.6)


def test_speedup_chart_against_alpha():
    chart = speculative_decoding().charts[0]
    assert chart.x[0] == 0.0 and chart.x[-1] == pytest.approx(0.95)
    assert chart.marker_x == 0.75
    curve = chart.series["gamma = 7"]
    assert all(a < b for a, b in zip(curve, curve[1:]))  # higher acceptance, higher speed-up


@pytest.mark.parametrize("assignment, fragment", [
    ("alpha=1", "alpha"),
    ("alpha=-0.1", "alpha"),
    ("gamma=0", "gamma"),
    ("gamma=2.5", "gamma"),
    ("c=-1", "bad value for c"),
    ("c=inf", "bad value for c"),
])
def test_speculative_bad_inputs(assignment, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("speculative-decoding").run([assignment])


def test_speculative_direct_call_rejects_alpha_one():
    with pytest.raises(CalculatorInputError, match=r"alpha.*less than 1"):
        speculative_decoding(alpha=1.0)
