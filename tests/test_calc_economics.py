"""cost-engineering and agent-failures: hand calculations written out."""

from __future__ import annotations

import math

import pytest
from calc_helpers import results

from llmconcepts.calculators.economics import agent_failures, cost_engineering
from llmconcepts.calculators.registry import get_calculator
from llmconcepts.errors import CalculatorInputError


# ---------------------------------------------------------------------------
# Cost engineering


def test_default_workload_by_hand():
    # input: 2000 tokens x $3/1M x (1 - 0.5 x 0.9) = $0.006 x 0.55 = $0.0033
    # output: 500 tokens x $15/1M = $0.0075; one attempt = $0.0108
    # attempts with 5% retry rate, at most 1 retry: 1 + 0.05 = 1.05 -> $0.01134 per request
    # x 10,000 requests/day = $113.40/day; x 30 days = $3,402/month
    out = results(cost_engineering())
    assert out["cost_per_attempt"] == pytest.approx(0.0108)
    assert out["attempts_per_request"] == pytest.approx(1.05)
    assert out["cost_per_request"] == pytest.approx(0.01134)
    assert out["cost_per_day"] == pytest.approx(113.4)
    assert out["cost_per_month"] == pytest.approx(3402.0)


def test_savings_and_overheads_by_hand():
    # cache saves $0.006 - $0.0033 = $0.0027 of input per attempt: x 1.05 x 300,000 = $850.50
    # retries add 0.05 attempts x $0.0108 x 300,000 = $162
    out = results(cost_engineering())
    assert out["cache_saving_per_month"] == pytest.approx(850.5)
    assert out["retry_overhead_per_month"] == pytest.approx(162.0)
    assert out["output_share"] == pytest.approx(0.0075 / 0.0108)


def test_one_million_input_tokens_cost_the_list_price():
    calc = get_calculator("cost-engineering").run(
        ["input_tokens=1M", "output_tokens=0", "cache_hit_rate=0", "retry_rate=0", "input_price=3"])
    assert calc.results["cost_per_request"].value == pytest.approx(3.0)


def test_retry_series():
    # r = 0.5, up to 3 retries: 1 + 0.5 + 0.25 + 0.125 = 1.875 attempts
    out = results(cost_engineering(retry_rate=0.5, max_retries=3))
    assert out["attempts_per_request"] == pytest.approx(1.875)


def test_full_cache_hits_at_full_discount_make_input_free():
    out = results(cost_engineering(cache_hit_rate=1.0, cached_input_discount=1.0, retry_rate=0.0))
    assert out["cost_per_request"] == pytest.approx(0.0075)


def test_cache_chart_falls_with_hit_rate():
    chart = cost_engineering().charts[0]
    monthly = chart.series["monthly cost"]
    assert chart.x[0] == 0.0 and chart.x[-1] == 1.0 and chart.marker_x == 0.5
    assert all(a > b for a, b in zip(monthly, monthly[1:]))
    assert monthly[5] == pytest.approx(3402.0)  # hit rate 0.5 is the default workload


@pytest.mark.parametrize("assignment, fragment", [
    ("retry_rate=1", "retry_rate"),
    ("cache_hit_rate=1.2", "cache_hit_rate"),
    ("cached_input_discount=-0.1", "cached_input_discount"),
    ("input_price=-1", "input_price"),
    ("days_per_month=0", "days_per_month"),
    ("input_tokens=1.5", "input_tokens"),
    ("requests_per_day=-5", "requests_per_day"),
])
def test_cost_bad_inputs(assignment, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("cost-engineering").run([assignment])


# ---------------------------------------------------------------------------
# Agent failures


def test_ten_steps_at_95_percent():
    # 0.95^2 = 0.9025, ^4 = 0.81450625, ^8 = 0.6634204312890625, x 0.9025 = 0.5987369392383789
    out = results(agent_failures(step_success=0.95, steps=10, retries=0))
    assert out["success"] == pytest.approx(0.5987369392383789, rel=1e-12)


def test_one_retry_per_step():
    # a step fails only if both attempts fail: 1 - 0.05^2 = 0.9975; run: 0.9975^10
    out = results(agent_failures(step_success=0.95, steps=10, retries=1))
    assert out["step_with_retries"] == pytest.approx(0.9975)
    assert out["success_with_retries"] == pytest.approx(0.9975 ** 10)
    assert out["attempts_per_step"] == pytest.approx(1.05)  # 1 + 0.05


@pytest.mark.parametrize("p, target, longest", [
    (0.9, 0.81, 2),    # 0.9^2 = 0.81 exactly
    (0.95, 0.9, 2),    # ln 0.9 / ln 0.95 = 2.054
    (0.99, 0.5, 68),   # ln 0.5 / ln 0.99 = 68.97
])
def test_longest_run_meeting_the_target(p, target, longest):
    assert results(agent_failures(step_success=p, target=target))["max_steps"] == longest


def test_required_step_reliability():
    # 0.9^(1/10) = 0.98951925820621...
    out = results(agent_failures(steps=10, target=0.9))
    assert out["required_step_success"] == pytest.approx(0.9 ** 0.1)
    assert out["required_step_success"] ** 10 == pytest.approx(0.9)


def test_retries_needed_by_hand():
    # p = 0.9, n = 10, target 0.99: each step must reach 0.99^(1/10) = 0.9989955;
    # 1 retry: (1 - 0.1^2)^10 = 0.99^10 = 0.904 < 0.99; 2 retries: 0.999^10 = 0.990045 >= 0.99
    out = results(agent_failures(step_success=0.9, steps=10, target=0.99))
    assert out["retries_needed"] == 2


def test_perfect_and_hopeless_steps():
    # p = 1: every run succeeds, so no run length is too long (no finite value, said so);
    # p = 0: no number of retries helps.
    perfect_calc = agent_failures(step_success=1.0)
    perfect = results(perfect_calc)
    assert perfect["success"] == 1.0 and perfect["max_steps"] is None and perfect["retries_needed"] == 0
    assert perfect_calc.results["max_steps"].display == "no limit (every step succeeds)"
    assert perfect_calc.to_json_dict()["results"]["max_steps"] == {
        "value": None, "unit": "steps", "note": "no limit: every step succeeds"}
    hopeless = results(agent_failures(step_success=0.0, retries=3))
    assert hopeless["success_with_retries"] == 0.0
    assert hopeless["max_steps"] == 0 and hopeless["retries_needed"] is None


def test_retries_needed_for_a_tiny_step_success():
    # p = 1e-300, n = 10, target 0.9: each step needs 1 - 0.9^(1/10) = 0.010481 failure at most,
    # (1 - p)^(r+1) <= 0.010481 -> r + 1 >= ln(0.010481) / ln(1 - 1e-300) = 4.558 / 1e-300.
    # (1 - 1e-300 rounds to 1.0, so computing ln(1 - p) directly divided by zero.)
    out = results(agent_failures(step_success=1e-300, steps=10, retries=1, target=0.9))
    assert out["retries_needed"] == pytest.approx(-math.log(1 - 0.9 ** 0.1) / 1e-300, rel=1e-9)
    assert out["success"] == 0.0
    # one retry: 1 - (1 - p)^2 = 2p - p^2 = 2e-300 (not 0: 1 - p must not be rounded to 1 first)
    assert out["step_with_retries"] == pytest.approx(2e-300)


def test_success_chart_decays_with_steps():
    chart = agent_failures().charts[0]
    curve = chart.series["no retries"]
    assert chart.marker_x == 10.0 and chart.x[0] == 1.0
    assert curve[0] == pytest.approx(0.95) and all(a > b for a, b in zip(curve, curve[1:]))


def test_long_runs_chart_a_bounded_number_of_points():
    chart = agent_failures(steps=100_000).charts[0]
    assert len(chart.x) <= 40 and chart.x[-1] == 200_000.0


@pytest.mark.parametrize("assignment, fragment", [
    ("step_success=1.1", "step_success"),
    ("steps=0", "steps"),
    ("target=1", "target"),
    ("target=0", "target"),
    ("retries=-1", "retries"),
])
def test_agent_bad_inputs(assignment, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("agent-failures").run([assignment])
