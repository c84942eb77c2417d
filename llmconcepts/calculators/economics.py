"""Economics calculators: API cost of a workload, and how agent reliability compounds."""

from __future__ import annotations

import math

import numpy as np

from llmconcepts.calculators.base import (
    FRACTION,
    PROBABILITY,
    Calculation,
    CalculatorSpec,
    Chart,
    Quantity,
    Range,
    Step,
    count_input,
    number_input,
    open_probability,
    probability,
    undefined,
    unlimited,
)
from llmconcepts.calculators.validation import (
    at_least_one,
    below_one,
    ensure,
    finite_non_negative,
    finite_positive,
)

_PRICES = ("Default prices: Anthropic API list prices for Claude 3.5 Sonnet (2024): $3 per 1M input "
           "tokens, $15 per 1M output tokens, prompt-cache reads at 10% of the input price. "
           "Check your provider's current price sheet")
_GEOMETRIC = "Retries: expected attempts = sum_{i=0..m} r^i (geometric series; each attempt fails with probability r)"
_INDEPENDENT = ("Product rule for independent events: P(all n steps succeed) = p^n; with r retries a step "
                "fails only if all r + 1 attempts fail: 1 - (1 - p)^(r+1)")

TOKENS_PER_PRICE_UNIT = 1_000_000  # prices are quoted in dollars per million tokens

#: Tokens of one call (10M-token contexts fit 100 times), a price in USD per 1M tokens
#: (list prices run from cents to about $100), retries per request, requests per day.
_CALL_TOKENS = Range(0, 1e9)
_PRICE = Range(0, 1e6)
_MAX_RETRIES = Range(0, 100)
_REQUESTS_PER_DAY = Range(0, 1e12)
_DAYS_PER_MONTH = Range(0, 31, low_open=True)
#: Steps of one agent run and retries per step.
_AGENT_STEPS = Range(1, 1e6)
_AGENT_RETRIES = Range(0, 1000)


def expected_attempts(retry_rate: float, max_retries: int) -> float:
    """1 + r + r^2 + ... + r^m: each attempt fails (and is re-sent) with probability r,
    up to m retries. Attempts per request (dimensionless)."""
    return float(sum(retry_rate ** i for i in range(max_retries + 1)))


def cost_per_attempt(input_tokens: float, output_tokens: float, input_price: float, output_price: float,
                     cache_hit_rate: float, cached_input_discount: float) -> tuple[float, float]:
    """(input cost, output cost) of one call in dollars.

    input  = input_tokens x input_price x (1 - cache_hit_rate x cached_input_discount) / 1e6
    output = output_tokens x output_price / 1e6
    """
    input_factor = 1 - cache_hit_rate * cached_input_discount
    return (input_tokens * input_price * input_factor / TOKENS_PER_PRICE_UNIT,
            output_tokens * output_price / TOKENS_PER_PRICE_UNIT)


def cost_engineering(
    input_tokens: int = 2000,
    output_tokens: int = 500,
    input_price: float = 3.0,
    output_price: float = 15.0,
    cache_hit_rate: float = 0.5,
    cached_input_discount: float = 0.9,
    retry_rate: float = 0.05,
    max_retries: int = 1,
    requests_per_day: float = 10_000,
    days_per_month: float = 30,
) -> Calculation:
    """Cost per request, per day and per month of an LLM API workload.

        per attempt = in_tok x P_in x (1 - h x d) / 1e6 + out_tok x P_out / 1e6
        attempts    = 1 + r + ... + r^m
        per request = per attempt x attempts
        per month   = per request x requests_per_day x days_per_month

    P in dollars per million tokens; h = share of input tokens served from the prompt
    cache, billed at (1 - d) of the input price. A failed attempt is assumed to be
    billed in full (the answer was produced, then rejected). Cache-write surcharges
    and output caching are left out.

    Args:
        input_tokens, output_tokens: tokens per attempt.
        input_price, output_price: USD per 1M tokens.
        cache_hit_rate: h in [0, 1].
        cached_input_discount: d in [0, 1] (0.9 = cached tokens cost 10%).
        retry_rate: r in [0, 1), the chance an attempt fails and is re-sent.
        max_retries: m >= 0.
        requests_per_day: requests (>= 0).
        days_per_month: days (> 0).

    Raises:
        CalculatorInputError: negative counts or prices, rates outside their ranges.
    """
    for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens),
                        ("input_price", input_price), ("output_price", output_price),
                        ("requests_per_day", requests_per_day), ("max_retries", max_retries)):
        ensure(name, value, finite_non_negative)
    ensure("cache_hit_rate", cache_hit_rate, probability)
    ensure("cached_input_discount", cached_input_discount, probability)
    ensure("retry_rate", retry_rate, below_one)
    ensure("days_per_month", days_per_month, finite_positive)

    input_cost, output_cost = cost_per_attempt(input_tokens, output_tokens, input_price, output_price,
                                               cache_hit_rate, cached_input_discount)
    attempt = input_cost + output_cost
    attempts = expected_attempts(retry_rate, max_retries)
    per_request = attempt * attempts
    per_day = per_request * requests_per_day
    per_month = per_day * days_per_month
    list_input, _ = cost_per_attempt(input_tokens, output_tokens, input_price, output_price, 0.0, 0.0)
    cache_saving = (list_input - input_cost) * attempts * requests_per_day * days_per_month
    retry_overhead = attempt * (attempts - 1) * requests_per_day * days_per_month

    steps = (
        Step("input cost per attempt",
             f"{input_tokens} x ${input_price:g}/1M x (1 - {cache_hit_rate:g} x {cached_input_discount:g})",
             Quantity(input_cost, "USD")),
        Step("output cost per attempt", f"{output_tokens} x ${output_price:g}/1M", Quantity(output_cost, "USD")),
        Step("attempts per request", f"sum of {retry_rate:g}^i for i = 0..{max_retries}",
             Quantity(attempts, "attempts")),
        Step("cost per request", f"${attempt:.6g} x {attempts:.6g}", Quantity(per_request, "USD")),
        Step("cost per day", f"${per_request:.6g} x {requests_per_day:g}", Quantity(per_day, "USD")),
        Step("cost per month", f"${per_day:.6g} x {days_per_month:g}", Quantity(per_month, "USD")),
    )
    output_share = (Quantity(output_cost / attempt, "fraction") if attempt
                    else undefined("fraction", "a call costs nothing"))
    share_text = f"{output_cost / attempt:.0%}" if attempt else "no part"
    return Calculation(
        concept="cost-engineering",
        title="LLM cost: per request and per month",
        formula="(in x P_in x (1 - h d) + out x P_out) / 1e6 x attempts x requests",
        inputs={
            "input_tokens": Quantity(input_tokens, "tokens"),
            "output_tokens": Quantity(output_tokens, "tokens"),
            "input_price": Quantity(input_price, "USD per 1M tokens"),
            "output_price": Quantity(output_price, "USD per 1M tokens"),
            "cache_hit_rate": Quantity(cache_hit_rate, "fraction"),
            "cached_input_discount": Quantity(cached_input_discount, "fraction"),
            "retry_rate": Quantity(retry_rate, "fraction"),
            "max_retries": Quantity(max_retries, "retries"),
            "requests_per_day": Quantity(requests_per_day, "requests"),
            "days_per_month": Quantity(days_per_month, "days"),
        },
        steps=steps,
        results={
            "cost_per_attempt": Quantity(attempt, "USD"),
            "attempts_per_request": Quantity(attempts, "attempts"),
            "cost_per_request": Quantity(per_request, "USD"),
            "cost_per_day": Quantity(per_day, "USD"),
            "cost_per_month": Quantity(per_month, "USD"),
            "cache_saving_per_month": Quantity(cache_saving, "USD"),
            "retry_overhead_per_month": Quantity(retry_overhead, "USD"),
            "output_share": output_share,
        },
        charts=(_cache_chart(input_tokens, output_tokens, input_price, output_price, cache_hit_rate,
                             cached_input_discount, attempts * requests_per_day * days_per_month),),
        notes=(
            f"Output tokens are {share_text} of the bill per attempt; output is usually priced "
            "several times higher than input.",
            "A cheaper model that needs longer prompts, more retries or human review can cost more overall.",
        ),
        sources=(_PRICES, _GEOMETRIC),
    )


def _cache_chart(input_tokens, output_tokens, input_price, output_price, cache_hit_rate, discount,
                 attempts_per_month) -> Chart:
    rates = np.round(np.arange(0.0, 1.001, 0.1), 2)
    monthly = [sum(cost_per_attempt(input_tokens, output_tokens, input_price, output_price, float(h), discount))
               * attempts_per_month for h in rates]
    return Chart(
        title="Monthly cost against prompt-cache hit rate",
        x_label="cache hit rate",
        y_label="USD per month",
        x=tuple(float(h) for h in rates),
        series={"monthly cost": tuple(monthly)},
        marker_x=float(cache_hit_rate),
    )


COST_ENGINEERING = CalculatorSpec(
    concept="cost-engineering",
    function=cost_engineering,
    inputs=(
        count_input("input_tokens", "tokens", 2000, "input tokens per call", _CALL_TOKENS),
        count_input("output_tokens", "tokens", 500, "output tokens per call", _CALL_TOKENS),
        number_input("input_price", "USD/1M tokens", 3.0, "price of input tokens", _PRICE),
        number_input("output_price", "USD/1M tokens", 15.0, "price of output tokens", _PRICE),
        number_input("cache_hit_rate", "fraction", 0.5, "share of input tokens read from cache", FRACTION),
        number_input("cached_input_discount", "fraction", 0.9, "discount on cached input (0.9 = pay 10%)",
                     FRACTION),
        number_input("retry_rate", "fraction", 0.05, "chance an attempt fails and is re-sent, in [0, 1)",
                     Range(0, 1, high_open=True)),
        count_input("max_retries", "retries", 1, "retries allowed per request", _MAX_RETRIES),
        number_input("requests_per_day", "requests", 10_000.0, "requests per day", _REQUESTS_PER_DAY),
        number_input("days_per_month", "days", 30.0, "days in a billing month", _DAYS_PER_MONTH),
    ),
)


# ---------------------------------------------------------------------------
# Agent failures


def run_success(step_success: float, steps: int | np.ndarray, retries: int = 0) -> float | np.ndarray:
    """P(an n-step run succeeds) = (1 - (1 - p)^(r+1))^n; r = 0 gives p^n.

    Assumes independent steps and that a failed attempt is detected and retried.
    """
    return step_with_retries(step_success, retries) ** np.asarray(steps)


def step_with_retries(step_success: float, retries: int) -> float:
    """P(a step succeeds within r + 1 attempts) = 1 - (1 - p)^(r+1).

    Computed as -expm1((r + 1) ln(1 - p)) with log1p, so a tiny p keeps its digits
    (p = 1e-300, r = 1 gives 2e-300, where 1 - (1 - p)^2 rounds to 0).
    """
    if step_success >= 1:
        return 1.0
    return -math.expm1((retries + 1) * math.log1p(-step_success))


def max_steps_for_target(per_step: float, target: float) -> int | float:
    """Largest n with per_step^n >= target: floor(ln target / ln per_step); inf when per_step = 1."""
    if per_step >= 1:
        return math.inf
    if per_step <= 0:
        return 0
    ratio = math.log(target) / math.log(per_step)
    # floor with slack so that an exact integer ratio is not lost to rounding
    return math.floor(ratio + 1e-9)


def retries_for_target(step_success: float, steps: int, target: float) -> int | float:
    """Smallest r >= 0 with (1 - (1 - p)^(r+1))^n >= target; inf when p = 0.

    Solving: (1 - p)^(r+1) <= 1 - target^(1/n), so r + 1 >= ln(1 - target^(1/n)) / ln(1 - p).
    Both logarithms are taken with log1p/expm1, so a tiny p (1e-300) or a long run
    keeps its digits instead of rounding 1 - p to 1 (a division by zero).
    """
    if step_success >= 1:
        return 0
    if step_success <= 0:
        return math.inf
    allowed_failure = -math.expm1(math.log(target) / steps)  # 1 - target^(1/n)
    if allowed_failure <= 0:  # target so close to 1 that no finite number of retries reaches it
        return math.inf
    attempts = math.log(allowed_failure) / math.log1p(-step_success)
    return max(0, math.ceil(attempts - 1e-9) - 1)


def agent_failures(step_success: float = 0.95, steps: int = 10, retries: int = 1, target: float = 0.9) -> Calculation:
    """How per-step reliability compounds over a multi-step agent run.

        P(success, no retries)      = p^n
        P(success, r retries/step)  = (1 - (1 - p)^(r+1))^n
        longest run meeting target  = floor(ln target / ln p)
        per-step p needed for n     = target^(1/n)
        retries needed for target   = ceil(ln(1 - target^(1/n)) / ln(1 - p)) - 1

    Assumes steps fail independently and that a failure is noticed (a validator or
    tool error) so a retry can happen; silent failures make retries useless.

    Args:
        step_success: p, probability one attempt at a step succeeds, in [0, 1].
        steps: n >= 1.
        retries: r >= 0 extra attempts per step.
        target: required success probability of the whole run, in (0, 1).

    Raises:
        CalculatorInputError: p outside [0, 1], n < 1, target outside (0, 1).
    """
    ensure("step_success", step_success, probability)
    ensure("steps", steps, at_least_one)
    ensure("retries", retries, finite_non_negative)
    ensure("target", target, open_probability)

    plain = float(run_success(step_success, steps))
    per_step_retried = step_with_retries(step_success, retries)
    retried = float(run_success(step_success, steps, retries))
    max_plain = max_steps_for_target(step_success, target)
    max_retried = max_steps_for_target(per_step_retried, target)
    needed_p = target ** (1 / steps)
    needed_retries = retries_for_target(step_success, steps, target)
    mean_attempts = sum((1 - step_success) ** i for i in range(retries + 1))
    max_plain_q = _run_length(max_plain)
    needed_retries_q = (Quantity(needed_retries, "retries") if math.isfinite(needed_retries) else
                        Quantity(None, "retries", "none: no number of retries reaches the target",
                                 "unreachable: no finite number of retries reaches the target"))

    steps_out = (
        Step("run succeeds, no retries", f"{step_success:g}^{steps}", Quantity(plain, "probability")),
        Step("one step with retries", f"1 - (1 - {step_success:g})^{retries + 1}",
             Quantity(per_step_retried, "probability")),
        Step("run succeeds with retries", f"{per_step_retried:.6g}^{steps}", Quantity(retried, "probability")),
        Step("longest run meeting the target", f"floor(ln {target:g} / ln {step_success:g})",
             max_plain_q),
        Step("per-step reliability needed", f"{target:g}^(1/{steps})", Quantity(needed_p, "probability")),
        Step("retries needed per step", f"smallest r with (1 - (1 - p)^(r+1))^{steps} >= {target:g}",
             needed_retries_q),
        Step("attempts per step (mean)", f"sum of (1 - p)^i for i = 0..{retries}", Quantity(mean_attempts, "attempts")),
    )
    return Calculation(
        concept="agent-failures",
        title="Agent failures: how step reliability compounds",
        formula="P(run) = p^n; with r retries per step (1 - (1 - p)^(r+1))^n",
        inputs={
            "step_success": Quantity(step_success, "probability"),
            "steps": Quantity(steps, "steps"),
            "retries": Quantity(retries, "retries"),
            "target": Quantity(target, "probability"),
        },
        steps=steps_out,
        results={
            "success": Quantity(plain, "probability"),
            "success_with_retries": Quantity(retried, "probability"),
            "step_with_retries": Quantity(per_step_retried, "probability"),
            "max_steps": max_plain_q,
            "max_steps_with_retries": _run_length(max_retried),
            "required_step_success": Quantity(needed_p, "probability"),
            "retries_needed": needed_retries_q,
            "attempts_per_step": Quantity(mean_attempts, "attempts"),
        },
        charts=(_steps_chart(step_success, steps, retries),),
        notes=(
            f"At {step_success:g} per step, {steps} steps succeed {plain:.1%} of the time: small per-step "
            "error rates compound.",
            "Retries only help when the failure is detected; independence is optimistic when a step "
            "fails for a systematic reason (a missing tool, a misread instruction).",
        ),
        sources=(_INDEPENDENT,),
    )


def _run_length(steps: int | float) -> Quantity:
    """A longest run in steps; with certain steps (p = 1) there is no longest run."""
    return Quantity(steps, "steps") if math.isfinite(steps) else unlimited("steps", "every step succeeds")


def _steps_chart(step_success: float, steps: int, retries: int) -> Chart:
    # at most 40 whole step counts, so a 10,000-step run still draws at once
    horizon = np.unique(np.linspace(1, max(2 * steps, 20), 40).round())
    return Chart(
        title="Run success against number of steps",
        x_label="steps n",
        y_label="P(run succeeds)",
        x=tuple(float(n) for n in horizon),
        series={
            "no retries": tuple(float(v) for v in run_success(step_success, horizon)),
            f"{retries} retries": tuple(float(v) for v in run_success(step_success, horizon, retries)),
        },
        marker_x=float(steps),
    )


AGENT_FAILURES = CalculatorSpec(
    concept="agent-failures",
    function=agent_failures,
    inputs=(
        number_input("step_success", "probability", 0.95, "p: one attempt at a step succeeds", PROBABILITY),
        count_input("steps", "steps", 10, "n steps in the run", _AGENT_STEPS),
        count_input("retries", "retries", 1, "extra attempts per step", _AGENT_RETRIES),
        number_input("target", "probability", 0.9, "required run success, in (0, 1)",
                     Range(0, 1, low_open=True, high_open=True)),
    ),
)
