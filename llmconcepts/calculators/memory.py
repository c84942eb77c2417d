"""Memory calculators: the KV cache and quantized weights.

Both answer "does it fit?": how many bytes the keys and values of every token
take beside the weights (``kv-cache``), and how many bytes the weights take at
each bit width, with the error that rounding to 8 or 4 bits costs
(``quantization``). Sizes are bytes; the renderer prints GiB and GB.
"""

from __future__ import annotations

import numpy as np

from llmconcepts.calculators.base import (
    BATCH,
    CONTEXT_TOKENS,
    DTYPE_BYTES,
    HEAD_DIM,
    HEADS,
    LAYERS,
    PARAMS,
    SEED,
    Calculation,
    CalculatorSpec,
    Chart,
    InputSpec,
    Quantity,
    Range,
    Step,
    bytes_input,
    bytes_quantity,
    count_input,
    dtype_input,
    format_bytes,
    format_number,
    number_input,
)
from llmconcepts.calculators.presets import PRESETS, ModelPreset
from llmconcepts.errors import CalculatorInputError

_LLAMA_2_7B = PRESETS["llama-2-7b"]

KWON_2023 = ("Kwon et al. 2023, 'Efficient Memory Management for Large Language Model Serving with "
             "PagedAttention', SOSP 2023, arXiv:2309.06180, section 3 (KV cache of OPT-13B: 800 KB per token)")
NVIDIA_BLOG = ("NVIDIA Technical Blog, 'Mastering LLM Techniques: Inference Optimization' (2023), "
               "section 'LLM memory requirement' (Llama 2 7B, 4096 tokens: ~2 GB of KV cache)")
DETTMERS_INT8 = ("Dettmers et al. 2022, 'LLM.int8(): 8-bit Matrix Multiplication for Transformers at Scale', "
                 "arXiv:2208.07339, section 2 (absmax quantization: scale by 127/max|X|)")
DETTMERS_QLORA = ("Dettmers et al. 2023, 'QLoRA: Efficient Finetuning of Quantized LLMs', arXiv:2305.14314, "
                  "section 2 (block-wise k-bit quantization) and section 3 (block size 64)")


def kv_bytes_per_token(layers: int, kv_heads: int, head_dim: int, dtype: str) -> float:
    """2 x layers x kv_heads x head_dim x bytes_per_value: one key and one value per KV head per layer."""
    return 2 * layers * kv_heads * head_dim * DTYPE_BYTES[dtype]


def kv_shape_inputs(preset: ModelPreset, heads_help: str) -> tuple[InputSpec, ...]:
    """The cache-shape inputs shared by KV-cache calculators, defaulting to a preset's shape."""
    return (
        count_input("layers", "layers", preset.layers, "transformer blocks", LAYERS),
        count_input("kv_heads", "heads", preset.n_kv_heads, heads_help, HEADS),
        count_input("head_dim", "dims", preset.head_dim, "dimension of one head", HEAD_DIM),
        count_input("tokens", "tokens", 4096, "context length per request", CONTEXT_TOKENS),
        count_input("batch", "requests", 1, "concurrent requests", BATCH),
        dtype_input("dtype", "fp16", "dtype of cached keys and values"),
    )


def kv_cache(layers: int, kv_heads: int, head_dim: int, tokens: int, batch: int, dtype: str,
             params: int, weight_dtype: str, gpu_memory: float) -> Calculation:
    """KV-cache size of a decoder, and whether it fits beside the weights.

    Formula (every layer caches one key and one value vector per KV head per token)::

        bytes_per_token = 2 * layers * kv_heads * head_dim * bytes_per_value
        total_bytes     = bytes_per_token * tokens * batch
        weight_bytes    = params * bytes_per_weight
        fits            = weight_bytes + total_bytes <= gpu_memory

    Args:
        layers, kv_heads, head_dim: model shape (KV heads = query heads for MHA).
        tokens: context length of each request (prompt + generated tokens).
        batch: concurrent requests.
        dtype: dtype of the cached keys/values; weight_dtype: dtype of the weights.
        params: model parameters (for the weights beside the cache).
        gpu_memory: device memory in bytes.

    Returns bytes (``bytes_per_token``, ``total_bytes``, ``weight_bytes``,
    ``free_bytes``), ``fits`` (bool) and ``max_tokens`` (tokens per request that
    still fit at this batch). Activations and allocator overhead are not counted.

    Source: Kwon et al. 2023 (PagedAttention) section 3; NVIDIA, "Mastering LLM
    Techniques: Inference Optimization" (2023).
    """
    value_bytes = DTYPE_BYTES[dtype]
    per_token = kv_bytes_per_token(layers, kv_heads, head_dim, dtype)
    per_request = per_token * tokens
    total = per_request * batch
    weight_bytes = params * DTYPE_BYTES[weight_dtype]
    free = gpu_memory - weight_bytes
    fits = weight_bytes + total <= gpu_memory
    max_tokens = int(free // (per_token * batch)) if free > 0 else 0

    steps = (
        Step("KV bytes per token", f"2 x {layers} layers x {kv_heads} KV heads x {head_dim} dims x "
             f"{format_number(value_bytes)} B ({dtype})", bytes_quantity(per_token)),
        Step("per request", f"{format_number(per_token)} B x {format_number(tokens)} tokens",
             bytes_quantity(per_request)),
        Step("whole batch", f"{format_bytes(per_request)} x {batch} requests", bytes_quantity(total)),
        Step("weights", f"{format_number(params)} params x {format_number(DTYPE_BYTES[weight_dtype])} B "
             f"({weight_dtype})", bytes_quantity(weight_bytes)),
        Step("memory left for the cache", f"{format_bytes(gpu_memory)} - {format_bytes(weight_bytes)}",
             bytes_quantity(free)),
    )
    if weight_bytes > gpu_memory:
        verdict = "no: the weights alone exceed the GPU memory"
    elif fits:
        verdict = f"yes, {format_bytes(free - total)} to spare"
    else:
        verdict = f"no: {format_bytes(total - free)} short"

    x_max = max(tokens, max_tokens if 0 < max_tokens < 4 * tokens else 0) * 1.25
    context = np.linspace(0.0, x_max, 41)
    series = {"KV cache": tuple(per_token * batch * context)}
    if free > 0:
        series["free beside weights"] = tuple(np.full_like(context, free))
    chart = Chart(
        title=f"KV cache vs context length (batch {batch}, {dtype})",
        x_label="context length (tokens)", y_label="bytes", x=tuple(context), series=series,
        y_unit="bytes", marker_x=float(tokens),
    )
    return Calculation(
        concept="kv-cache",
        title="KV-cache memory",
        formula="total_bytes = 2 x layers x kv_heads x head_dim x bytes_per_value x tokens x batch",
        inputs={
            "layers": Quantity(layers, "layers"), "kv_heads": Quantity(kv_heads, "heads"),
            "head_dim": Quantity(head_dim, "dims"), "tokens": Quantity(tokens, "tokens"),
            "batch": Quantity(batch, "requests"),
            "dtype": Quantity(dtype, "dtype", f"{dtype} ({format_number(value_bytes)} B per value)"),
            "params": Quantity(params, "parameters"),
            "weight_dtype": Quantity(weight_dtype, "dtype",
                                     f"{weight_dtype} ({format_number(DTYPE_BYTES[weight_dtype])} B per weight)"),
            "gpu_memory": bytes_quantity(gpu_memory),
        },
        steps=steps,
        results={
            "bytes_per_token": bytes_quantity(per_token),
            "bytes_per_request": bytes_quantity(per_request),
            "total_bytes": bytes_quantity(total),
            "weight_bytes": bytes_quantity(weight_bytes),
            "free_bytes": bytes_quantity(free),
            "fits": Quantity(fits, "", verdict),
            "max_tokens": Quantity(max_tokens, "tokens"),
        },
        charts=(chart,),
        notes=(
            "The factor 2 is one key and one value vector per KV head per layer.",
            "Not counted: activations, the CUDA context and allocator fragmentation "
            "(see paged-attention), so real headroom is smaller.",
        ),
        sources=(KWON_2023, NVIDIA_BLOG),
    )


KV_CACHE = CalculatorSpec(
    concept="kv-cache",
    function=kv_cache,
    inputs=(
        *kv_shape_inputs(_LLAMA_2_7B, "key/value heads per layer (= heads for MHA)"),
        count_input("params", "parameters", _LLAMA_2_7B.params, "model parameters (for the weights)", PARAMS),
        dtype_input("weight_dtype", "fp16", "dtype of the weights"),
        bytes_input("gpu_memory", 80e9, "GPU memory, e.g. 80GB, 24GB, 80GiB"),
    ),
    preset_fields={"layers": "layers", "n_kv_heads": "kv_heads", "head_dim": "head_dim", "params": "params"},
)


# ---------------------------------------------------------------------------
# Quantization

#: Bit widths whose weight memory is always tabulated.
BIT_WIDTHS = (32, 16, 8, 4)


def absmax_dequantize(weights: np.ndarray, bits: int, group_size: int | None = None) -> np.ndarray:
    """Quantize to signed ``bits``-bit integers with absmax scaling, then dequantize.

    Each group (the whole tensor when ``group_size`` is None, else runs of
    ``group_size`` consecutive elements in row-major order) is scaled so its
    largest magnitude maps to ``q_max = 2**(bits-1) - 1``::

        scale = max|w| / q_max;  q = clip(round(w / scale), -q_max, q_max);  w_hat = q * scale

    Rounding is numpy's round-half-to-even. An all-zero group dequantizes to zeros.

    Args:
        weights: any-shaped float array; its size must be a multiple of group_size.
        bits: integer width, >= 2.
    Returns the dequantized array, same shape, float64.

    Source: Dettmers et al. 2022 (LLM.int8()), section 2 (absmax); Dettmers et
    al. 2023 (QLoRA), section 2 (block-wise quantization).
    """
    q_max = 2 ** (bits - 1) - 1
    flat = np.asarray(weights, dtype=np.float64).reshape(-1)
    groups = flat.reshape(-1, group_size) if group_size else flat.reshape(1, -1)
    absmax = np.abs(groups).max(axis=1, keepdims=True)
    scale = np.where(absmax > 0, absmax / q_max, 1.0)
    quantized = np.clip(np.rint(groups / scale), -q_max, q_max)
    return (quantized * scale).reshape(np.shape(weights))


def relative_error(weights: np.ndarray, approx: np.ndarray) -> float:
    """Frobenius relative error ||W - W_hat|| / ||W|| (a fraction)."""
    return float(np.linalg.norm(weights - approx) / np.linalg.norm(weights))


def quantization(params: int, bits: float, group_size: int, rows: int, cols: int, seed: int,
                 gpu_memory: float) -> Calculation:
    """Weight memory at each bit width, and the error of int8/int4 absmax rounding.

    Formulas::

        weight_bytes(b)  = params * b / 8                 (no scale constants)
        group overhead   = 32 / group_size bits per weight (one fp32 absmax per group)
        relative error   = ||W - dequant(quant(W))||_F / ||W||_F

    The error is measured on a seeded ``rows x cols`` matrix of independent
    N(0, 1) entries, once with one absmax for the whole tensor and once per
    group of ``group_size`` consecutive weights in a row (smaller groups track
    the local range, so rounding steps are finer).

    Args:
        params: parameters; bits: bits per weight for the headline figure (may be
            fractional, e.g. 4.127 for NF4 with double quantization).
        group_size: weights per absmax group (must divide cols).
        rows, cols, seed: the test matrix (at most MAX_TEST_WEIGHTS = 2^20 weights).
        gpu_memory: bytes, for the fit check at ``bits``.

    Returns ``weight_bytes`` (bytes), ``fits`` (bool), ``bytes_at_<b>bit`` for
    b in 32/16/8/4, and ``error_int{8,4}_{tensor,group}`` (fractions).
    Raises CalculatorInputError when group_size does not divide cols or the test
    matrix has more than MAX_TEST_WEIGHTS weights.

    Source: Dettmers et al. 2022 (LLM.int8()) section 2; Dettmers et al. 2023
    (QLoRA) sections 2-3.
    """
    if cols % group_size:
        raise CalculatorInputError(
            f"group_size {group_size} must divide cols {cols} (groups are runs of consecutive weights in a row)")
    if rows * cols > MAX_TEST_WEIGHTS:
        raise CalculatorInputError(
            f"rows x cols ({rows} x {cols}) must be at most {MAX_TEST_WEIGHTS:,} weights: the test matrix is "
            "quantized four times, and a million weights already give stable errors")
    weight_bytes = params * bits / 8
    table = {b: params * b / 8 for b in BIT_WIDTHS}
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((rows, cols))
    errors = {
        (b, mode): relative_error(matrix, absmax_dequantize(matrix, b, group_size if mode == "group" else None))
        for b in (8, 4) for mode in ("tensor", "group")
    }
    overhead_bits = 32 / group_size
    fits = weight_bytes <= gpu_memory

    steps = [
        Step(f"weights at {format_number(b)} bits", f"{format_number(params)} x {b} / 8", bytes_quantity(v))
        for b, v in table.items()
    ]
    steps.append(Step(f"weights at {format_number(bits)} bits", f"{format_number(params)} x {format_number(bits)} / 8",
                      bytes_quantity(weight_bytes)))
    steps.append(Step("absmax constants per weight", f"32 bits / {group_size}-weight group",
                      Quantity(overhead_bits, "bits")))
    for (b, mode), err in errors.items():
        where = "one scale for the tensor" if mode == "tensor" else f"one scale per {group_size} weights"
        steps.append(Step(f"int{b} error, {where}", f"||W - W_hat|| / ||W|| on a {rows}x{cols} N(0,1) matrix",
                          Quantity(err, "fraction", f"{err:.3%}")))
    verdict = (f"yes, {format_bytes(gpu_memory - weight_bytes)} to spare" if fits
               else f"no: {format_bytes(weight_bytes - gpu_memory)} short")

    results: dict[str, Quantity] = {
        "weight_bytes": bytes_quantity(weight_bytes),
        "fits": Quantity(fits, "", verdict),
    }
    results.update({f"bytes_at_{b}bit": bytes_quantity(v) for b, v in table.items()})
    results["group_overhead_bits"] = Quantity(overhead_bits, "bits per weight")
    results.update({f"error_int{b}_{mode}": Quantity(err, "fraction", f"{err:.3%}")
                    for (b, mode), err in errors.items()})
    return Calculation(
        concept="quantization",
        title="Quantized weight memory and rounding error",
        formula="weight_bytes = params x bits / 8;  w_hat = round(w / s) x s with s = max|w| / (2^(bits-1) - 1)",
        inputs={
            "params": Quantity(params, "parameters"), "bits": Quantity(bits, "bits per weight"),
            "group_size": Quantity(group_size, "weights"), "rows": Quantity(rows, "rows"),
            "cols": Quantity(cols, "columns"), "seed": Quantity(seed, ""),
            "gpu_memory": bytes_quantity(gpu_memory),
        },
        steps=tuple(steps),
        results=results,
        notes=(
            "Weight bytes exclude the scale constants; add group_overhead_bits per weight for them.",
            "Errors are for Gaussian weights; real layers have outlier features that hurt "
            "one-scale-per-tensor rounding far more (LLM.int8() section 3).",
        ),
        sources=(DETTMERS_INT8, DETTMERS_QLORA),
    )


#: Most weights in the seeded test matrix: it is quantized and compared four times, and
#: a million Gaussian weights already give errors stable to three digits.
MAX_TEST_WEIGHTS = 2**20


QUANTIZATION = CalculatorSpec(
    concept="quantization",
    function=quantization,
    inputs=(
        count_input("params", "parameters", _LLAMA_2_7B.params, "model parameters", PARAMS),
        number_input("bits", "bits", 4.0, "bits per weight for the headline figure", Range(0, 64, low_open=True)),
        count_input("group_size", "weights", 64, "weights sharing one absmax scale", Range(1, MAX_TEST_WEIGHTS)),
        count_input("rows", "rows", 256, "rows of the seeded test matrix (rows x cols <= 2^20)",
                    Range(1, MAX_TEST_WEIGHTS)),
        count_input("cols", "columns", 1024, "columns of the seeded test matrix", Range(1, MAX_TEST_WEIGHTS)),
        count_input("seed", "", 0, "random seed of the test matrix", SEED),
        bytes_input("gpu_memory", 24e9, "GPU memory for the fit check, e.g. 24GB"),
    ),
    preset_fields={"params": "params"},
)
