"""Serving calculators: PagedAttention waste, continuous batching, FlashAttention IO.

The two simulations draw request lengths from a seeded numpy Generator, so the
same inputs always give the same numbers; pass ``lengths=...`` to replay your own
requests instead. The core arithmetic lives in small functions
(:func:`kv_reservation`, :func:`static_batching`, :func:`continuous_batching_schedule`,
:func:`attention_hbm_accesses`) that take explicit numbers and are tested by hand.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from llmconcepts.calculators.base import (
    CONTEXT_TOKENS,
    DTYPE_BYTES,
    HEAD_DIM,
    SEED,
    Calculation,
    CalculatorSpec,
    Chart,
    Each,
    InputSpec,
    Quantity,
    Range,
    Step,
    bytes_input,
    bytes_quantity,
    count_input,
    dtype_input,
    number_input,
    positive,
)
from llmconcepts.calculators.validation import (
    at_least_one,
    between,
    ensure,
    fail,
    finite_positive,
    named_values,
    parse_count_list,
)

_KWON = ("Kwon et al. 2023, 'Efficient Memory Management for Large Language Model Serving with "
         "PagedAttention', SOSP 2023, arXiv:2309.06180")
_ORCA = ("Yu et al. 2022, 'Orca: A Distributed Serving System for Transformer-Based Generative "
         "Models', OSDI 2022, section 3.1 (early-finished and late-joining requests; iteration-level scheduling)")
_DAO = ("Dao et al. 2022, 'FlashAttention: Fast and Memory-Efficient Exact Attention with "
        "IO-Awareness', NeurIPS 2022, arXiv:2205.14135")

#: KV bytes of one OPT-13B token in fp16 (2 x 40 layers x 5120 x 2 bytes), Kwon et al. 2023 section 3.
OPT_13B_KV_BYTES_PER_TOKEN = 819_200

#: vLLM's default block size (Kwon et al. 2023, section 7.2).
VLLM_BLOCK_SIZE = 16


#: Largest sampled workloads: enough for stable statistics, small enough to answer at once
#: (the batching chart schedules the queue sixteen more times).
MAX_PAGED_REQUESTS = 1_000_000
MAX_BATCHED_REQUESTS = 10_000
_SEED_RANGE = SEED
#: Tokens per KV block (vLLM: 16) and KV bytes of one token (OPT-13B fp16: 800 KiB).
_BLOCK_SIZE = Range(1, 1e6)
_KV_BYTES_PER_TOKEN = Range(1, 1e12)
#: Seconds per decode iteration: above 0, at most an hour.
_STEP_TIME = Range(0, 3600, low_open=True)


def _lengths_or_sample(lengths: tuple[int, ...], sample) -> np.ndarray:
    return np.asarray(lengths, dtype=np.int64) if lengths else sample()


# ---------------------------------------------------------------------------
# PagedAttention


@dataclass(frozen=True)
class Reservation:
    """KV slots (tokens) used and reserved by a set of requests under one allocation scheme."""

    used: int
    reserved: int

    @property
    def wasted(self) -> int:
        return self.reserved - self.used

    @property
    def waste_fraction(self) -> float:
        return self.wasted / self.reserved


def kv_reservation(lengths: np.ndarray, block_size: int | None, max_tokens: int) -> Reservation:
    """KV-cache slots reserved for sequences of the given token lengths.

    ``block_size=None``: contiguous allocation that reserves ``max_tokens`` slots per
    request up front (the pre-PagedAttention systems of Kwon et al. 2023, section 3).
    Otherwise paged allocation: ceil(L / B) blocks of B slots per request, so at most
    B - 1 slots are lost, all in the last block (section 4).

    Args:
        lengths: tokens per request (prompt + output), each 1..max_tokens.
        block_size: tokens per block B, or None for contiguous.
        max_tokens: reservation per request in the contiguous scheme (tokens).
    """
    used = int(lengths.sum())
    if block_size is None:
        return Reservation(used, int(max_tokens * lengths.size))
    blocks = -(-lengths // block_size)  # ceil division on integers
    return Reservation(used, int(blocks.sum() * block_size))


def sample_request_lengths(requests: int, mean_tokens: float, max_tokens: int, seed: int) -> np.ndarray:
    """Seeded request lengths: geometric with mean ``mean_tokens`` (many short, a long tail),
    truncated at ``max_tokens``. Tokens, shape (requests,)."""
    rng = np.random.default_rng(seed)
    return np.minimum(rng.geometric(1.0 / mean_tokens, size=requests), max_tokens)


def paged_attention(
    requests: int = 1000,
    mean_tokens: float = 300.0,
    max_tokens: int = 2048,
    block_size: int = VLLM_BLOCK_SIZE,
    bytes_per_token: float = OPT_13B_KV_BYTES_PER_TOKEN,
    seed: int = 0,
    lengths: tuple[int, ...] = (),
    sequence_tokens: int = 1000,
) -> Calculation:
    """KV-cache memory wasted by contiguous max-length reservation vs fixed-size blocks.

    Contiguous: every request reserves ``max_tokens`` slots; waste = max_tokens - L.
    Paged: ceil(L / B) blocks of B slots; waste = ceil(L / B) x B - L < B.
    waste fraction = wasted slots / reserved slots; bytes = slots x bytes_per_token.
    Single sequence: blocks = ceil(L / B), wasted = blocks x B - L.
    (Kwon et al. 2023, section 3 on reservation and fragmentation, section 4 on
    blocks, section 7.2 on block size 16.) External fragmentation between
    contiguous reservations is not modelled, so the contiguous waste is a lower bound.

    Args:
        requests: sampled requests (when ``lengths`` is empty).
        mean_tokens: mean of the geometric length distribution (tokens).
        max_tokens: contiguous reservation per request, e.g. a 2048-token context (tokens).
        block_size: tokens per KV block B.
        bytes_per_token: KV bytes of one token (default OPT-13B fp16, 819,200 B).
        seed: random seed of the length sample.
        lengths: explicit request lengths (tokens); replaces the sample.
        sequence_tokens: length of the single sequence whose last-block waste is shown.

    Raises:
        CalculatorInputError: counts below 1, mean_tokens outside [1, max_tokens],
            a length longer than max_tokens, non-positive bytes_per_token.
    """
    for name, value in (("max_tokens", max_tokens), ("block_size", block_size), ("sequence_tokens", sequence_tokens)):
        ensure(name, value, at_least_one)
    ensure("requests", requests, between(1, MAX_PAGED_REQUESTS))
    ensure("seed", seed, _SEED_RANGE)
    ensure("mean_tokens", mean_tokens, at_least_one)
    ensure("bytes_per_token", bytes_per_token, positive)
    if mean_tokens > max_tokens:
        fail(f"mean_tokens ({mean_tokens:g}) cannot exceed max_tokens ({max_tokens})")
    if lengths and max(lengths) > max_tokens:
        fail(f"a request of {max(lengths)} tokens does not fit a {max_tokens}-token reservation; "
             "raise max_tokens")
    if lengths and min(lengths) < 1:
        fail("every request length must be at least 1 token")

    sample = _lengths_or_sample(lengths, lambda: sample_request_lengths(requests, mean_tokens, max_tokens, seed))
    contiguous = kv_reservation(sample, None, max_tokens)
    paged = kv_reservation(sample, block_size, max_tokens)
    capacity_gain = contiguous.reserved / paged.reserved

    seq_blocks = math.ceil(sequence_tokens / block_size)
    seq_wasted = seq_blocks * block_size - sequence_tokens
    seq_fraction = seq_wasted / (seq_blocks * block_size)

    origin = (f"{sample.size} given lengths" if lengths else
              f"{sample.size} requests, geometric lengths, mean {mean_tokens:g}, capped at {max_tokens}, seed {seed}")
    steps = (
        Step("requests", origin, Quantity(int(sample.size), "requests")),
        Step("tokens stored", "sum of L", Quantity(contiguous.used, "tokens")),
        Step("contiguous reservation", f"{sample.size} x {max_tokens}", Quantity(contiguous.reserved, "tokens")),
        Step("paged reservation", f"sum of ceil(L / {block_size}) x {block_size}", Quantity(paged.reserved, "tokens")),
        Step("contiguous waste", f"{contiguous.wasted} / {contiguous.reserved}",
             Quantity(contiguous.waste_fraction, "fraction")),
        Step("paged waste", f"{paged.wasted} / {paged.reserved}", Quantity(paged.waste_fraction, "fraction")),
        Step("requests that fit in the same memory", f"{contiguous.reserved} / {paged.reserved}",
             Quantity(capacity_gain, "x")),
        Step("one sequence: blocks", f"ceil({sequence_tokens} / {block_size})", Quantity(seq_blocks, "blocks")),
        Step("one sequence: empty slots in the last block", f"{seq_blocks} x {block_size} - {sequence_tokens}",
             Quantity(seq_wasted, "tokens")),
    )
    return Calculation(
        concept="paged-attention",
        title="PagedAttention: KV memory wasted by contiguous vs block allocation",
        formula="contiguous waste = max_tokens - L; paged waste = ceil(L/B) x B - L",
        inputs={
            "requests": Quantity(int(sample.size), "requests"),
            "mean_tokens": Quantity(mean_tokens, "tokens"),
            "max_tokens": Quantity(max_tokens, "tokens"),
            "block_size": Quantity(block_size, "tokens"),
            "bytes_per_token": bytes_quantity(bytes_per_token),
            "seed": Quantity(seed, ""),
            "sequence_tokens": Quantity(sequence_tokens, "tokens"),
        },
        steps=steps,
        results={
            "used_tokens": Quantity(contiguous.used, "tokens"),
            "contiguous_reserved": Quantity(contiguous.reserved, "tokens"),
            "paged_reserved": Quantity(paged.reserved, "tokens"),
            "contiguous_waste": Quantity(contiguous.waste_fraction, "fraction"),
            "paged_waste": Quantity(paged.waste_fraction, "fraction"),
            "contiguous_wasted_bytes": bytes_quantity(contiguous.wasted * bytes_per_token),
            "paged_wasted_bytes": bytes_quantity(paged.wasted * bytes_per_token),
            "capacity_gain": Quantity(capacity_gain, "x"),
            "sequence_blocks": Quantity(seq_blocks, "blocks"),
            "sequence_wasted_slots": Quantity(seq_wasted, "tokens"),
            "sequence_waste": Quantity(seq_fraction, "fraction"),
        },
        charts=(_block_size_chart(sample, max_tokens, block_size),),
        notes=(
            "Paged allocation loses at most block_size - 1 slots per request, all in its last block.",
            "Bigger blocks waste more of the last block; smaller ones need more block-table lookups. "
            "vLLM defaults to 16 tokens (section 7.2).",
            "Blocks need not be contiguous, so freed blocks serve any request: no external fragmentation.",
            "For comparison, Kwon et al. measured only 20.4%-38.2% of reserved KV memory holding real "
            "token states in earlier systems (section 3, Figure 2).",
        ),
        sources=(_KWON + ", sections 3, 4 and 7.2",),
    )


def _block_size_chart(sample: np.ndarray, max_tokens: int, block_size: int) -> Chart:
    sizes = sorted({1, 2, 4, 8, 16, 32, 64, 128, 256, block_size})
    contiguous = kv_reservation(sample, None, max_tokens).waste_fraction
    return Chart(
        title="Share of reserved KV memory wasted, by block size",
        x_label="block size (tokens)",
        y_label="wasted fraction",
        x=tuple(float(s) for s in sizes),
        series={
            "paged": tuple(kv_reservation(sample, s, max_tokens).waste_fraction for s in sizes),
            "contiguous": tuple(contiguous for _ in sizes),
        },
        marker_x=float(block_size),
        x_scale="log",
    )


PAGED_ATTENTION = CalculatorSpec(
    concept="paged-attention",
    function=paged_attention,
    inputs=(
        count_input("requests", "requests", 1000, "requests to sample", between(1, MAX_PAGED_REQUESTS)),
        number_input("mean_tokens", "tokens", 300.0, "mean request length (prompt + output)", CONTEXT_TOKENS),
        count_input("max_tokens", "tokens", 2048, "contiguous reservation per request", CONTEXT_TOKENS),
        count_input("block_size", "tokens", VLLM_BLOCK_SIZE, "tokens per KV block", _BLOCK_SIZE),
        bytes_input("bytes_per_token", float(OPT_13B_KV_BYTES_PER_TOKEN), "KV bytes per token (OPT-13B fp16)",
                    _KV_BYTES_PER_TOKEN, unit_hint="KiB", bare_minimum=1),
        count_input("seed", "", 0, "random seed", _SEED_RANGE),
        InputSpec("lengths", "tokens", (), "explicit request lengths, e.g. 1000,17,16", parse_count_list,
                  Each(CONTEXT_TOKENS), default_text="(sampled)"),
        count_input("sequence_tokens", "tokens", 1000, "one sequence for the last-block example", CONTEXT_TOKENS),
    ),
)


# ---------------------------------------------------------------------------
# Continuous batching


@dataclass(frozen=True)
class Schedule:
    """Outcome of decoding a queue of requests that all arrive at step 0.

    Attributes:
        steps: decode iterations until the last request finishes (the makespan).
        finish_steps: per request, the step after which its response is returned.
        tokens: output tokens generated.
        slots: batch size (sequences decoded per iteration at most).
    """

    steps: int
    finish_steps: np.ndarray
    tokens: int
    slots: int

    @property
    def utilisation(self) -> float:
        """Share of batch slots that produced a token: tokens / (steps x slots)."""
        return self.tokens / (self.steps * self.slots)


def static_batching(lengths: np.ndarray, batch_size: int) -> Schedule:
    """Request-level batching: fixed groups of ``batch_size`` in arrival order.

    A batch runs for as many iterations as its longest member, and every member is
    returned when the batch ends (Yu et al. 2022, section 3.1: early-finished requests wait
    for the rest of their batch; new ones wait for the whole batch).
    """
    finish = np.empty(lengths.size, dtype=np.int64)
    clock = 0
    for start in range(0, lengths.size, batch_size):
        batch = lengths[start:start + batch_size]
        clock += int(batch.max())
        finish[start:start + batch_size] = clock
    return Schedule(clock, finish, int(lengths.sum()), batch_size)


def continuous_batching_schedule(lengths: np.ndarray, batch_size: int) -> Schedule:
    """Iteration-level batching: a slot freed by a finished request is refilled at the next
    iteration by the next request in the queue (Yu et al. 2022, section 3.1)."""
    slot_free_at = [0] * min(batch_size, lengths.size)
    finish = np.empty(lengths.size, dtype=np.int64)
    for i, length in enumerate(lengths.tolist()):
        start = heapq.heappop(slot_free_at)
        finish[i] = start + length
        heapq.heappush(slot_free_at, int(finish[i]))
    return Schedule(int(finish.max()), finish, int(lengths.sum()), batch_size)


def sample_output_lengths(requests: int, min_output: int, max_output: int, seed: int) -> np.ndarray:
    """Seeded output lengths, uniform integers in [min_output, max_output]. Tokens, shape (requests,)."""
    return np.random.default_rng(seed).integers(min_output, max_output, size=requests, endpoint=True)


def continuous_batching(
    requests: int = 64,
    batch_size: int = 8,
    min_output: int = 16,
    max_output: int = 512,
    step_time: float = 0.02,
    seed: int = 0,
    lengths: tuple[int, ...] = (),
) -> Calculation:
    """Static vs continuous (iteration-level) batching on the same queue of requests.

    Model: every request is queued at t = 0 and needs L decode iterations; one
    iteration yields one token for each sequence in the batch and takes
    ``step_time`` seconds whatever the batch size (decode is memory-bound); prefill
    is left out.
        static:     batches of B in order; batch time = max L in the batch
        continuous: a finished sequence's slot is refilled at the next iteration
        utilisation = tokens / (iterations x B); throughput = tokens / makespan;
        latency = time from t = 0 until the response is returned.
    (Yu et al. 2022, Orca, section 3.1.)

    Args:
        requests: sampled requests (when ``lengths`` is empty).
        batch_size: sequences decoded together B.
        min_output, max_output: bounds of the uniform output-length sample (tokens).
        step_time: seconds per decode iteration.
        seed: random seed of the sample.
        lengths: explicit output lengths (tokens); replace the sample.

    Raises:
        CalculatorInputError: counts below 1, min_output > max_output, step_time <= 0.
    """
    for name, value in (("batch_size", batch_size), ("min_output", min_output), ("max_output", max_output)):
        ensure(name, value, at_least_one)
    ensure("requests", requests, between(1, MAX_BATCHED_REQUESTS))
    ensure("seed", seed, _SEED_RANGE)
    if len(lengths) > MAX_BATCHED_REQUESTS:
        fail(f"at most {MAX_BATCHED_REQUESTS:,} lengths, got {len(lengths):,}")
    ensure("step_time", step_time, finite_positive)
    if min_output > max_output:
        fail(f"min_output ({min_output}) cannot exceed max_output ({max_output})")
    if lengths and min(lengths) < 1:
        fail("every output length must be at least 1 token")

    sample = _lengths_or_sample(lengths, lambda: sample_output_lengths(requests, min_output, max_output, seed))
    static = static_batching(sample, batch_size)
    continuous = continuous_batching_schedule(sample, batch_size)

    def seconds(schedule: Schedule) -> float:
        return schedule.steps * step_time

    def mean_latency(schedule: Schedule) -> float:
        return float(schedule.finish_steps.mean()) * step_time

    speedup = static.steps / continuous.steps
    origin = (f"{sample.size} given lengths" if lengths else
              f"{sample.size} requests, uniform {min_output}..{max_output} tokens, seed {seed}")
    steps = (
        Step("requests", origin, Quantity(int(sample.size), "requests")),
        Step("output tokens", "sum of L", Quantity(static.tokens, "tokens")),
        Step("static iterations", f"sum over batches of {batch_size} of max L", Quantity(static.steps, "iterations")),
        Step("continuous iterations", "refill each free slot at the next iteration",
             Quantity(continuous.steps, "iterations")),
        Step("static utilisation", f"{static.tokens} / ({static.steps} x {batch_size})",
             Quantity(static.utilisation, "fraction")),
        Step("continuous utilisation", f"{continuous.tokens} / ({continuous.steps} x {batch_size})",
             Quantity(continuous.utilisation, "fraction")),
        Step("throughput gain", f"{static.steps} / {continuous.steps}", Quantity(speedup, "x")),
    )
    return Calculation(
        concept="continuous-batching",
        title="Continuous batching: static vs iteration-level scheduling",
        formula="utilisation = tokens / (iterations x batch); throughput = tokens / makespan",
        inputs={
            "requests": Quantity(int(sample.size), "requests"),
            "batch_size": Quantity(batch_size, "sequences"),
            "min_output": Quantity(min_output, "tokens"),
            "max_output": Quantity(max_output, "tokens"),
            "step_time": Quantity(step_time, "s"),
            "seed": Quantity(seed, ""),
        },
        steps=steps,
        results={
            "static_iterations": Quantity(static.steps, "iterations"),
            "continuous_iterations": Quantity(continuous.steps, "iterations"),
            "static_makespan": Quantity(seconds(static), "s"),
            "continuous_makespan": Quantity(seconds(continuous), "s"),
            "static_utilisation": Quantity(static.utilisation, "fraction"),
            "continuous_utilisation": Quantity(continuous.utilisation, "fraction"),
            "static_throughput": Quantity(static.tokens / seconds(static), "tokens/s"),
            "continuous_throughput": Quantity(continuous.tokens / seconds(continuous), "tokens/s"),
            "static_mean_latency": Quantity(mean_latency(static), "s"),
            "continuous_mean_latency": Quantity(mean_latency(continuous), "s"),
            "speedup": Quantity(speedup, "x"),
        },
        charts=(_batch_size_chart(sample, batch_size),),
        notes=(
            "Static batches idle their finished slots until the longest member is done, and return "
            "every response only then.",
            "Real servers also interleave prefill (chunked prefill) and stop admitting when the KV "
            "cache is full; this model leaves both out.",
        ),
        sources=(_ORCA,),
    )


def _batch_size_chart(sample: np.ndarray, batch_size: int) -> Chart:
    sizes = sorted({1, 2, 4, 8, 16, 32, 64, batch_size})
    return Chart(
        title="Tokens per iteration against batch size",
        x_label="batch size (sequences)",
        y_label="tokens per iteration",
        x=tuple(float(s) for s in sizes),
        series={
            "static": tuple(sample.sum() / static_batching(sample, s).steps for s in sizes),
            "continuous": tuple(sample.sum() / continuous_batching_schedule(sample, s).steps for s in sizes),
        },
        marker_x=float(batch_size),
        x_scale="log",
    )


CONTINUOUS_BATCHING = CalculatorSpec(
    concept="continuous-batching",
    function=continuous_batching,
    inputs=(
        count_input("requests", "requests", 64, "requests in the queue", between(1, MAX_BATCHED_REQUESTS)),
        count_input("batch_size", "sequences", 8, "sequences decoded per iteration", Range(1, MAX_BATCHED_REQUESTS)),
        count_input("min_output", "tokens", 16, "shortest sampled output", CONTEXT_TOKENS),
        count_input("max_output", "tokens", 512, "longest sampled output", CONTEXT_TOKENS),
        number_input("step_time", "s", 0.02, "seconds per decode iteration", _STEP_TIME),
        count_input("seed", "", 0, "random seed", _SEED_RANGE),
        InputSpec("lengths", "tokens", (), "explicit output lengths, e.g. 1,4,2,3", parse_count_list,
                  Each(CONTEXT_TOKENS), default_text="(sampled)"),
    ),
)


# ---------------------------------------------------------------------------
# FlashAttention


@dataclass(frozen=True)
class AttentionIO:
    """HBM accesses (elements) of one attention head, constants of the Theta bounds dropped."""

    standard: float
    flash: float

    @property
    def ratio(self) -> float:
        return self.standard / self.flash


def attention_hbm_accesses(seq_len: int, head_dim: int, sram_elements: float) -> AttentionIO:
    """standard = N d + N^2; flash = N^2 d^2 / M (Dao et al. 2022, section 3.2, Theorem 2).

    N = sequence length, d = head dimension, M = SRAM size in elements. Both are
    orders of growth: the theorem's Theta hides constant factors.
    """
    n, d = float(seq_len), float(head_dim)
    return AttentionIO(standard=n * d + n * n, flash=n * n * d * d / sram_elements)


def flash_attention(
    seq_len: int = 4096,
    head_dim: int = 64,
    sram_bytes: float = 102_400.0,
    dtype: str = "fp16",
) -> Calculation:
    """HBM reads/writes of standard attention vs FlashAttention's tiled attention.

    Theorem 2 (Dao et al. 2022, section 3.2), for d <= M <= N d:
        standard attention: Theta(N d + N^2) HBM accesses
        FlashAttention:     Theta(N^2 d^2 / M) HBM accesses
    Block sizes of Algorithm 1: B_c = ceil(M / 4d), B_r = min(ceil(M / 4d), d).
    Standard attention writes the N x N score matrix S and probabilities P to HBM
    and reads them back; FlashAttention keeps each tile in SRAM and never stores them.

    Args:
        seq_len: sequence length N (tokens).
        head_dim: head dimension d (elements).
        sram_bytes: on-chip SRAM M in bytes (default 100 KiB = 102,400 B; an A100 has
            192 KB per SM, section 2.1).
        dtype: element type, which sets M in elements = sram_bytes / bytes per element.

    Raises:
        CalculatorInputError: N or d below 1, SRAM smaller than one row of d elements.
    """
    ensure("seq_len", seq_len, at_least_one)
    ensure("head_dim", head_dim, at_least_one)
    ensure("sram_bytes", sram_bytes, positive)
    element_bytes = DTYPE_BYTES[dtype]
    sram_elements = math.floor(sram_bytes / element_bytes)
    if sram_elements < head_dim:
        fail(f"SRAM of {sram_bytes:g} bytes holds {sram_elements} {dtype} elements, fewer than one row of "
             f"head_dim = {head_dim}; Theorem 2 needs d <= M")

    io = attention_hbm_accesses(seq_len, head_dim, sram_elements)
    block_cols = math.ceil(sram_elements / (4 * head_dim))
    block_rows = min(block_cols, head_dim)
    score_matrix_bytes = float(seq_len) ** 2 * element_bytes

    notes = [
        "Counts are orders of growth (Theta): constant factors are dropped, so read the ratio "
        "as a trend, not a measured speed-up.",
        "FlashAttention does the same FLOPs (more in the backward pass, which recomputes S); "
        "it wins by moving fewer bytes between HBM and SRAM.",
        f"Extra memory beyond Q, K, V, O is O(N): the softmax statistics m and l ({2 * seq_len} values) "
        "instead of the N x N matrix.",
    ]
    if sram_elements > seq_len * head_dim:
        notes.append("M > N d: everything fits in SRAM, outside Theorem 2's range d <= M <= N d; "
                     "reading Q, K, V once (Theta(N d)) is then the real floor.")
    steps = (
        Step("SRAM in elements", f"M = {sram_bytes:g} B / {element_bytes:g} B", Quantity(sram_elements, "elements")),
        Step("standard attention", f"N d + N^2 = {seq_len} x {head_dim} + {seq_len}^2",
             Quantity(io.standard, "elements")),
        Step("FlashAttention", f"N^2 d^2 / M = {seq_len}^2 x {head_dim}^2 / {sram_elements}",
             Quantity(io.flash, "elements")),
        Step("fewer HBM accesses", f"{io.standard:.6g} / {io.flash:.6g}", Quantity(io.ratio, "x")),
        Step("block sizes (Algorithm 1)", "B_c = ceil(M / 4d), B_r = min(B_c, d)",
             named_values({"B_c": block_cols, "B_r": block_rows}, "rows")),
        Step("score matrix never stored", f"N^2 x {element_bytes:g} B = {seq_len}^2 x {element_bytes:g}",
             bytes_quantity(score_matrix_bytes)),
    )
    return Calculation(
        concept="flash-attention",
        title="FlashAttention: HBM traffic of standard vs tiled attention",
        formula="standard = Theta(N d + N^2); FlashAttention = Theta(N^2 d^2 / M)",
        inputs={
            "seq_len": Quantity(seq_len, "tokens"),
            "head_dim": Quantity(head_dim, "elements"),
            "sram_bytes": bytes_quantity(sram_bytes),
            "dtype": Quantity(dtype, f"{element_bytes:g} bytes/element"),
        },
        steps=steps,
        results={
            "sram_elements": Quantity(sram_elements, "elements"),
            "standard_accesses": Quantity(io.standard, "elements"),
            "flash_accesses": Quantity(io.flash, "elements"),
            "standard_bytes": bytes_quantity(io.standard * element_bytes),
            "flash_bytes": bytes_quantity(io.flash * element_bytes),
            "ratio": Quantity(io.ratio, "x"),
            "block_cols": Quantity(block_cols, "rows"),
            "block_rows": Quantity(block_rows, "rows"),
            "score_matrix_bytes": bytes_quantity(score_matrix_bytes),
        },
        charts=(_sequence_chart(seq_len, head_dim, sram_elements),),
        notes=tuple(notes),
        sources=(_DAO + ", section 3.2 (Theorem 2, Algorithm 1) and section 2.1 (A100 SRAM 192 KB per SM)",),
    )


def _sequence_chart(seq_len: int, head_dim: int, sram_elements: int) -> Chart:
    lengths = sorted({2 ** p for p in range(9, 18)} | {seq_len})
    rows = [attention_hbm_accesses(n, head_dim, sram_elements) for n in lengths]
    return Chart(
        title=f"HBM accesses per head against sequence length (d = {head_dim}, M = {sram_elements} elements)",
        x_label="sequence length N (tokens)",
        y_label="HBM accesses (elements)",
        x=tuple(float(n) for n in lengths),
        series={"standard": tuple(r.standard for r in rows), "FlashAttention": tuple(r.flash for r in rows)},
        marker_x=float(seq_len),
        x_scale="log",
    )


FLASH_ATTENTION = CalculatorSpec(
    concept="flash-attention",
    function=flash_attention,
    inputs=(
        count_input("seq_len", "tokens", 4096, "sequence length N", CONTEXT_TOKENS),
        count_input("head_dim", "elements", 64, "head dimension d", HEAD_DIM),
        bytes_input("sram_bytes", 102_400.0, "on-chip SRAM M (100KiB, 192KB...)", Range(1, 2**30), unit_hint="KiB",
                    bare_minimum=2**10),
        dtype_input("dtype", "fp16", "element type (fp32, fp16, bf16, fp8...)"),
    ),
    preset_fields={"head_dim": "head_dim"},
)
