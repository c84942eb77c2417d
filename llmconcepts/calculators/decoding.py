"""Decoding calculators: sampling controls and speculative decoding.

``sampling_controls`` turns a logits vector into the distribution a sampler
actually draws from (temperature, then top-k, then top-p). ``speculative_decoding``
works the expected-tokens and walltime formulas of Leviathan et al. 2023.
"""

from __future__ import annotations

import numpy as np

from llmconcepts.calculators.base import (
    Calculation,
    CalculatorSpec,
    Chart,
    Each,
    InputSpec,
    Quantity,
    Range,
    Step,
    count_input,
    number_input,
    parse_number_list,
    positive,
)
from llmconcepts.calculators.validation import (
    below_one,
    each,
    ensure,
    finite,
    finite_non_negative,
    top_p_range,
)

_HOLTZMAN = ("Holtzman et al. 2020, 'The Curious Case of Neural Text Degeneration', ICLR 2020, "
             "arXiv:1904.09751, section 3.1 (nucleus sampling)")
_HF_WARPERS = ("Hugging Face Transformers generation: TemperatureLogitsWarper divides logits by T, then "
               "TopKLogitsWarper and TopPLogitsWarper filter in that order")
_LEVIATHAN = ("Leviathan, Kalman, Matias 2023, 'Fast Inference from Transformers via Speculative "
              "Decoding', ICML 2023, arXiv:2211.17192, section 3")

#: Default logits: the worked example of the published figures (five tokens).
DEFAULT_LOGITS = (3.0, 2.0, 1.0, 0.5, -1.0)

# Cumulative sums of probabilities that should reach p exactly can land a few ulps short.
_CUMULATIVE_SLACK = 1e-12

#: Logits (real ones are within a few hundred of 0; fp16 tops out at 65,504), temperature
#: (0 = greedy; beyond 100 the distribution is flat anyway) and top-k (vocabularies < 1e7).
_LOGIT = Range(-1e6, 1e6)
_TEMPERATURE = Range(0, 100)
_TOP_K = Range(0, 1e7)


def softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    """p_i = exp(z_i / T) / sum_j exp(z_j / T); T = 0 gives the greedy one-hot (first argmax).

    Subtracting the maximum first keeps exp() from overflowing; it cancels in the ratio.
    Dividing after the subtraction, a tiny T sends the lower logits to -inf, whose
    exp() is exactly the 0 that the T -> 0 limit gives them.
    """
    if temperature == 0:
        greedy = np.zeros_like(logits, dtype=float)
        greedy[int(np.argmax(logits))] = 1.0
        return greedy
    with np.errstate(over="ignore"):  # -inf for the lower logits is the intended limit
        scaled = (logits - logits.max()) / temperature
    weights = np.exp(scaled)
    return weights / weights.sum()


def sampling_controls(
    logits: tuple[float, ...] = DEFAULT_LOGITS,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
) -> Calculation:
    """The distribution a sampler draws the next token from, step by step.

    1. Temperature: p = softmax(z / T). T < 1 sharpens, T > 1 flattens, T = 0 is greedy.
    2. Top-k: keep the k most probable tokens (ties: the lower index first), renormalise.
       ``top_k = 0`` disables the filter (the Hugging Face convention).
    3. Top-p (nucleus): sort descending, keep the smallest prefix whose cumulative
       probability is >= p, renormalise (Holtzman et al. 2020, section 3.1).
       ``top_p = 1`` keeps every token with non-zero probability.

    Args:
        logits: unnormalised scores z, one per token (dimensionless).
        temperature: T >= 0 (dimensionless).
        top_k: tokens kept by top-k, 0 = off.
        top_p: nucleus mass p in (0, 1].

    Returns:
        A Calculation whose results hold the temperature-scaled probabilities, the
        final renormalised distribution, the kept token indices and the cumulative
        probabilities of the sorted distribution top-p looked at.

    Raises:
        CalculatorInputError: empty or non-finite logits, negative temperature,
            top_p outside (0, 1], negative top_k.
    """
    z = np.asarray(logits, dtype=float)
    if z.size == 0:
        ensure("logits", logits, lambda _: "needs at least one value")
    ensure("logits", logits, each(finite))
    ensure("temperature", temperature, finite_non_negative)
    ensure("top_k", top_k, lambda k: None if k >= 0 else "must not be negative")
    ensure("top_p", top_p, top_p_range)

    after_temperature = softmax(z, temperature)
    order = np.argsort(-after_temperature, kind="stable")  # most probable first, ties by index

    k_kept = z.size if top_k == 0 else min(top_k, z.size)
    after_top_k = np.zeros_like(after_temperature)
    after_top_k[order[:k_kept]] = after_temperature[order[:k_kept]]
    after_top_k /= after_top_k.sum()

    cumulative = np.cumsum(after_top_k[order])
    if top_p >= 1:
        nucleus_size = int(np.count_nonzero(after_top_k))
    else:
        nucleus_size = int(np.argmax(cumulative >= top_p - _CUMULATIVE_SLACK)) + 1
    kept = order[:nucleus_size]
    final = np.zeros_like(after_top_k)
    final[kept] = after_top_k[kept]
    final /= final.sum()

    nonzero = final[final > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum()) + 0.0  # + 0.0: one certain token gives 0, not -0.0
    greedy_token = int(order[0])

    steps = (
        Step("temperature", "p = softmax(z / T)" if temperature else "T = 0: greedy one-hot at argmax z",
             Quantity(after_temperature.tolist(), "probability")),
        Step("top-k", f"keep the {k_kept} most probable of {z.size}, renormalise" if top_k else
             "top_k = 0: filter off", Quantity(after_top_k.tolist(), "probability")),
        Step("sorted cumulative", "cumsum of the top-k distribution, most probable first",
             Quantity(cumulative.tolist(), "probability")),
        Step("top-p", f"smallest prefix with cumulative >= {top_p:g}: {nucleus_size} token(s)" if top_p < 1 else
             "top_p = 1: filter off (tokens with non-zero probability)",
             Quantity(kept.tolist(), "token index")),
        Step("renormalise", "p_i / sum of kept p", Quantity(final.tolist(), "probability")),
    )
    results = {
        "probabilities": Quantity(after_temperature.tolist(), "probability"),
        "final_probabilities": Quantity(final.tolist(), "probability"),
        "kept_tokens": Quantity(nucleus_size, "tokens"),
        "kept_indices": Quantity(kept.tolist(), "token index"),
        "cumulative": Quantity(cumulative.tolist(), "probability"),
        "greedy_token": Quantity(greedy_token, "token index"),
        "entropy": Quantity(entropy, "nats"),
    }
    return Calculation(
        concept="sampling-controls",
        title="Sampling controls: temperature, top-k, top-p",
        formula="p = softmax(z / T); keep top-k; keep smallest prefix with sum >= p; renormalise",
        inputs={
            "logits": Quantity(z.tolist(), "logit"),
            "temperature": Quantity(temperature, ""),
            "top_k": Quantity(top_k, "tokens"),
            "top_p": Quantity(top_p, "probability"),
        },
        steps=steps,
        results=results,
        charts=(_temperature_chart(z, temperature),),
        notes=(
            "Greedy decoding is the T -> 0 limit: all mass moves to the highest logit.",
            "Filters only remove tokens; the kept tokens keep their relative odds after renormalising.",
            f"Entropy of the final distribution: {entropy:.3f} nats (0 = deterministic).",
        ),
        sources=(_HOLTZMAN, _HF_WARPERS),
    )


def _temperature_chart(z: np.ndarray, temperature: float) -> Chart:
    """Probability of the (up to five) highest-logit tokens as T goes from 0.1 to 3."""
    temperatures = np.round(np.arange(0.1, 3.01, 0.1), 2)
    top_tokens = np.argsort(-z, kind="stable")[:5]
    table = np.array([softmax(z, t) for t in temperatures])
    return Chart(
        title="Token probability against temperature (before top-k/top-p)",
        x_label="temperature T",
        y_label="probability",
        x=tuple(float(t) for t in temperatures),
        series={f"token {i} (z={z[i]:g})": tuple(float(p) for p in table[:, i]) for i in top_tokens},
        marker_x=float(temperature) if 0.1 <= temperature <= 3 else None,
    )


SAMPLING_CONTROLS = CalculatorSpec(
    concept="sampling-controls",
    function=sampling_controls,
    inputs=(
        InputSpec("logits", "logits", DEFAULT_LOGITS, "scores z, comma-separated", parse_number_list,
                  Each(_LOGIT)),
        number_input("temperature", "", 1.0, "T >= 0; 0 = greedy", _TEMPERATURE),
        count_input("top_k", "tokens", 0, "keep the k most probable; 0 = off", _TOP_K),
        number_input("top_p", "probability", 1.0, "nucleus mass in (0, 1]; 1 = off", Range(0, 1, low_open=True)),
    ),
)


# ---------------------------------------------------------------------------
# Speculative decoding

#: Largest draft length searched for the optimal gamma; beyond it we call the optimum unbounded.
GAMMA_SEARCH_LIMIT = 4096


def expected_tokens_per_pass(alpha: float, gamma: np.ndarray | int) -> np.ndarray | float:
    """E[#tokens per target run] = (1 - alpha^(gamma+1)) / (1 - alpha), alpha in [0, 1).

    Leviathan et al. 2023, section 3.1, equation (1): gamma drafts accepted one by one
    with probability alpha each, plus the token the target always contributes.
    """
    return (1 - alpha ** (np.asarray(gamma) + 1)) / (1 - alpha)


def walltime_improvement(alpha: float, gamma: np.ndarray | int, c: float) -> np.ndarray | float:
    """Expected walltime improvement factor (1 - alpha^(gamma+1)) / ((1 - alpha)(gamma c + 1)).

    One iteration costs gamma draft runs (c target-runs each) plus one target run.
    Leviathan et al. 2023, Theorem 3.8.
    """
    return expected_tokens_per_pass(alpha, gamma) / (np.asarray(gamma) * c + 1)


def optimal_gamma(alpha: float, c: float) -> tuple[int | None, float]:
    """The integer gamma >= 0 that maximises the walltime improvement, and that improvement.

    gamma = 0 (no drafting, improvement 1) wins when drafting never pays; Corollary 3.9
    guarantees a gain at gamma = 1 whenever alpha > c. With c = 0 and alpha > 0 every
    extra draft helps, so the optimum is unbounded: returns (None, 1 / (1 - alpha)), the
    limit. When the best gamma lies beyond GAMMA_SEARCH_LIMIT, returns (None, the
    improvement at the limit), a lower bound on the optimum.
    """
    if c == 0 and alpha > 0:
        return None, 1 / (1 - alpha)
    gammas = np.arange(0, GAMMA_SEARCH_LIMIT + 1)
    improvements = walltime_improvement(alpha, gammas, c)
    best = int(np.argmax(improvements))  # first maximum: the cheapest gamma among ties
    if best == GAMMA_SEARCH_LIMIT:
        return None, float(improvements[best])
    return best, float(improvements[best])


def speculative_decoding(alpha: float = 0.75, gamma: int = 7, c: float = 0.05) -> Calculation:
    """Expected tokens per target pass, walltime speed-up and the best draft length.

    Formulas (Leviathan et al. 2023, arXiv:2211.17192):
        E = (1 - alpha^(gamma+1)) / (1 - alpha)                 section 3.1, eq. (1)
        speed-up = E / (gamma c + 1)                            Theorem 3.8
        limit c = 0, gamma -> infinity: 1 / (1 - alpha)         (the bound of E)

    Args:
        alpha: expected acceptance rate of a draft token, in [0, 1) (dimensionless).
        gamma: draft tokens proposed per iteration, >= 1.
        c: cost of one draft run over one target run, >= 0 (dimensionless).

    Returns:
        Results: expected_tokens (tokens per target run), accepted_drafts (tokens),
        speedup (x), optimal_gamma (drafts, or "unbounded"), speedup_at_optimal_gamma (x),
        limit (x), plus a chart of speed-up against alpha.

    Raises:
        CalculatorInputError: alpha outside [0, 1), gamma < 1, negative or non-finite c.
    """
    ensure("alpha", alpha, below_one)
    ensure("gamma", gamma, positive)
    ensure("c", c, finite_non_negative)

    alpha_power = alpha ** (gamma + 1)
    expected = float(expected_tokens_per_pass(alpha, gamma))
    iteration_cost = gamma * c + 1
    speedup = expected / iteration_cost
    best_gamma, best_speedup = optimal_gamma(alpha, c)
    limit = 1 / (1 - alpha)
    if best_gamma is not None:
        best_text: int | str = best_gamma
    else:
        best_text = "unbounded" if c == 0 else f"> {GAMMA_SEARCH_LIMIT}"

    steps = (
        Step("alpha^(gamma+1)", f"{alpha:g}^{gamma + 1}", Quantity(alpha_power, "")),
        Step("expected tokens per target run", f"(1 - {alpha_power:.6g}) / (1 - {alpha:g})",
             Quantity(expected, "tokens")),
        Step("accepted draft tokens", f"E - 1 = {expected:.6g} - 1", Quantity(expected - 1, "tokens")),
        Step("cost of one iteration", f"gamma c + 1 = {gamma} x {c:g} + 1", Quantity(iteration_cost, "target runs")),
        Step("walltime speed-up", f"{expected:.6g} / {iteration_cost:.6g}", Quantity(speedup, "x")),
        Step("best gamma", "argmax over gamma = 0..4096 of E(gamma) / (gamma c + 1)",
             Quantity(best_text, "drafts")),
        Step("upper bound", f"1 / (1 - {alpha:g})", Quantity(limit, "x")),
    )
    notes = [
        "Verification keeps the target model's output distribution exactly; only speed changes.",
        f"Even a free draft (c = 0) with endless drafts cannot beat 1/(1 - alpha) = {limit:.4g}x.",
    ]
    if best_gamma == 0:
        notes.append("Drafting does not pay here: the draft costs too much for its acceptance rate.")
    if alpha > c:
        notes.append(f"alpha > c, so gamma = 1 already gives at least (1 + alpha)/(1 + c) = "
                     f"{(1 + alpha) / (1 + c):.4g}x (Corollary 3.9).")
    return Calculation(
        concept="speculative-decoding",
        title="Speculative decoding: tokens per target pass and speed-up",
        formula="E = (1 - alpha^(gamma+1)) / (1 - alpha); speed-up = E / (gamma c + 1)",
        inputs={
            "alpha": Quantity(alpha, "acceptance rate"),
            "gamma": Quantity(gamma, "draft tokens"),
            "c": Quantity(c, "target runs per draft run"),
        },
        steps=steps,
        results={
            "expected_tokens": Quantity(expected, "tokens per target run"),
            "accepted_drafts": Quantity(expected - 1, "tokens per target run"),
            "speedup": Quantity(speedup, "x"),
            "optimal_gamma": Quantity(best_text, "draft tokens"),
            "speedup_at_optimal_gamma": Quantity(best_speedup, "x"),
            "limit": Quantity(limit, "x"),
        },
        charts=(_speedup_chart(alpha, gamma, c),),
        notes=tuple(notes),
        sources=(_LEVIATHAN + " (eq. 1, Theorem 3.8, Corollary 3.9)",),
    )


def _speedup_chart(alpha: float, gamma: int, c: float) -> Chart:
    alphas = np.round(np.arange(0.0, 0.951, 0.05), 2)
    at_gamma = walltime_improvement(alphas, gamma, c)
    at_best = [optimal_gamma(float(a), c)[1] for a in alphas]
    return Chart(
        title=f"Walltime speed-up against acceptance rate (c = {c:g})",
        x_label="acceptance rate alpha",
        y_label="speed-up (x)",
        x=tuple(float(a) for a in alphas),
        series={
            f"gamma = {gamma}": tuple(float(s) for s in at_gamma),
            "best gamma": tuple(float(s) for s in at_best),
        },
        marker_x=float(alpha) if alpha <= 0.95 else None,
    )


SPECULATIVE_DECODING = CalculatorSpec(
    concept="speculative-decoding",
    function=speculative_decoding,
    inputs=(
        number_input("alpha", "probability", 0.75, "expected draft acceptance rate, in [0, 1)",
                     Range(0, 1, high_open=True)),
        count_input("gamma", "tokens", 7, "draft tokens per iteration (>= 1)", Range(1, GAMMA_SEARCH_LIMIT)),
        number_input("c", "x", 0.05, "draft run time / target run time (>= 0)", Range(0, 100)),
    ),
)
