"""Attention calculators: scaling, heads, shared KV heads and rotary positions.

``self-attention`` shows numerically why scores are divided by sqrt(d_k);
``multi-head-attention`` works out head size, projection parameters and score
FLOPs; ``mqa-gqa`` compares KV-cache bytes of full, grouped and single KV
heads; ``rope`` lists the rotation frequencies and checks that a rotated
query-key product depends only on the offset between positions.
"""

from __future__ import annotations

import math

import numpy as np

from llmconcepts.calculators.base import (
    BATCH,
    CONTEXT_TOKENS,
    DTYPE_BYTES,
    HEAD_DIM,
    HEADS,
    LAYERS,
    SEED,
    WIDTH,
    Calculation,
    CalculatorSpec,
    Quantity,
    Range,
    Step,
    bytes_quantity,
    count_input,
    dtype_input,
    format_bytes,
    format_number,
    number_input,
)
from llmconcepts.calculators.memory import kv_bytes_per_token, kv_shape_inputs
from llmconcepts.calculators.presets import PRESETS
from llmconcepts.errors import CalculatorInputError

VASWANI_2017 = ("Vaswani et al. 2017, 'Attention Is All You Need', arXiv:1706.03762, section 3.2.1 "
                "(scaled dot-product attention, footnote 4: q.k has variance d_k) and section 3.2.2 "
                "(multi-head attention, d_k = d_model / h)")
SHAZEER_2019 = "Shazeer 2019, 'Fast Transformer Decoding: One Write-Head is All You Need', arXiv:1911.02150 (MQA)"
AINSLIE_2023 = ("Ainslie et al. 2023, 'GQA: Training Generalized Multi-Query Transformer Models from "
                "Multi-Head Checkpoints', EMNLP 2023, arXiv:2305.13245, section 2")
SU_2021 = ("Su et al. 2021, 'RoFormer: Enhanced Transformer with Rotary Position Embedding', "
           "arXiv:2104.09864, section 3.2 (theta_i = 10000^(-2(i-1)/d), i = 1..d/2) and section 3.4.1")

_LLAMA_2_70B = PRESETS["llama-2-70b"]
_LLAMA_2_7B = PRESETS["llama-2-7b"]

#: Rows per chunk when sampling q.k, so 100k samples never hold 100k x d_k doubles at once.
_CHUNK = 8192

#: Most q.k pairs sampled, and most products q_i k_i (samples x d_k): a million pairs estimate
#: a variance to about 0.3%, and 2^23 products answer well within a second.
MAX_SAMPLES = 1_000_000
MAX_SAMPLED_PRODUCTS = 2**23
#: Pairs sampled by default: 100k (variance within about 1%), fewer for d_k above 83 so the
#: products stay within MAX_SAMPLED_PRODUCTS (65,536 pairs at d_k = 128).
DEFAULT_SAMPLES = 100_000


def default_samples(d_k: int) -> int:
    """min(100k, 2^23 // d_k): the q.k pairs sampled when ``samples`` is not given."""
    return min(DEFAULT_SAMPLES, MAX_SAMPLED_PRODUCTS // d_k)


def _softmax_rows(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=1, keepdims=True)


def _dot_samples(rng: np.random.Generator, count: int, d_k: int) -> np.ndarray:
    """``count`` values of q.k for independent q, k with i.i.d. N(0, 1) components."""
    parts = []
    for start in range(0, count, _CHUNK):
        n = min(_CHUNK, count - start)
        q = rng.standard_normal((n, d_k))
        k = rng.standard_normal((n, d_k))
        parts.append(np.einsum("ij,ij->i", q, k))
    return np.concatenate(parts)


def _sharpness(scores: np.ndarray) -> tuple[float, float]:
    """Mean largest softmax weight and mean entropy (nats) over rows of scores."""
    weights = _softmax_rows(scores)
    entropy = -(weights * np.log(np.clip(weights, 1e-300, None))).sum(axis=1)
    return float(weights.max(axis=1).mean()), float(entropy.mean())


def self_attention(d_k: int, samples: int | None, keys: int, seq_len: int, heads: int, batch: int, dtype: str,
                   seed: int) -> Calculation:
    """Why scores are scaled by 1/sqrt(d_k), and what the N x N score matrix costs.

    For q, k with independent components of mean 0 and variance 1, q.k has mean
    0 and variance d_k; dividing by sqrt(d_k) brings the variance back to 1.
    Unscaled, the softmax over a row of ``keys`` scores concentrates on the
    largest one (weights near one-hot, small gradients). Measured here on
    seeded samples (the softmax rows are the same sampled scores, ``keys`` to a row)::

        Var(q.k) ~ d_k          Var(q.k / sqrt(d_k)) ~ 1
        sharpness = mean max softmax weight, entropy (nats; uniform = ln keys)
        score_matrix_bytes = batch x heads x seq_len^2 x bytes_per_value

    Args:
        d_k: key/query dimension; samples: q.k pairs for the variances
            (samples x d_k at most MAX_SAMPLED_PRODUCTS; None = :func:`default_samples`);
        keys: keys per softmax row (rows = samples // keys; keys <= samples);
        seq_len, heads, batch, dtype: the score matrix materialised by a
            standard (non-tiled) attention of one layer.
        seed: random seed (same seed, same numbers).

    Returns variances (dimensionless), sharpness figures, and bytes.
    Raises CalculatorInputError when keys exceeds samples or samples x d_k
    exceeds MAX_SAMPLED_PRODUCTS.

    Source: Vaswani et al. 2017, section 3.2.1 and footnote 4.
    """
    if samples is None:
        samples = default_samples(d_k)
    if keys > samples:
        raise CalculatorInputError(f"keys ({keys}) cannot exceed samples ({samples}): each softmax row is "
                                   "keys of the sampled scores")
    if samples * d_k > MAX_SAMPLED_PRODUCTS:
        raise CalculatorInputError(
            f"samples x d_k ({format_number(samples)} x {format_number(d_k)}) must be at most "
            f"{MAX_SAMPLED_PRODUCTS:,} products; lower samples (the variance is already stable at 100k)")
    rng = np.random.default_rng(seed)
    dots = _dot_samples(rng, samples, d_k)
    scale = math.sqrt(d_k)
    var_unscaled = float(dots.var())
    var_scaled = float((dots / scale).var())
    rows = samples // keys
    scores = dots[: rows * keys].reshape(rows, keys)
    max_unscaled, entropy_unscaled = _sharpness(scores)
    max_scaled, entropy_scaled = _sharpness(scores / scale)
    uniform_entropy = math.log(keys)
    matrix_bytes = batch * heads * seq_len**2 * DTYPE_BYTES[dtype]

    def pct(x: float) -> Quantity:
        return Quantity(x, "fraction", f"{x:.3f}")

    steps = (
        Step("variance of q.k", f"{format_number(samples)} seeded pairs, d_k = {d_k} (theory: {d_k})",
             Quantity(var_unscaled, "")),
        Step("variance of q.k / sqrt(d_k)", f"same pairs divided by {scale:.4g} (theory: 1)",
             Quantity(var_scaled, "")),
        Step("largest softmax weight, unscaled", f"mean over {rows} rows of {keys} scores", pct(max_unscaled)),
        Step("largest softmax weight, scaled", f"uniform would be 1/{keys} = {1 / keys:.3f}", pct(max_scaled)),
        Step("softmax entropy, unscaled", f"nats; uniform = ln {keys} = {uniform_entropy:.3f}",
             Quantity(entropy_unscaled, "nats")),
        Step("softmax entropy, scaled", "nats", Quantity(entropy_scaled, "nats")),
        Step("score matrix", f"{batch} x {heads} heads x {format_number(seq_len)}^2 x "
             f"{format_number(DTYPE_BYTES[dtype])} B ({dtype})", bytes_quantity(matrix_bytes)),
    )
    return Calculation(
        concept="self-attention",
        title="Scaled dot-product attention: score statistics and memory",
        formula="Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V;  Var(q.k) = d_k for unit-variance q, k",
        inputs={
            "d_k": Quantity(d_k, "dims"), "samples": Quantity(samples, "pairs"), "keys": Quantity(keys, "keys"),
            "seq_len": Quantity(seq_len, "tokens"), "heads": Quantity(heads, "heads"),
            "batch": Quantity(batch, "sequences"), "dtype": Quantity(dtype, "dtype"), "seed": Quantity(seed, ""),
        },
        steps=steps,
        results={
            "variance_unscaled": Quantity(var_unscaled, ""),
            "variance_scaled": Quantity(var_scaled, ""),
            "max_weight_unscaled": pct(max_unscaled),
            "max_weight_scaled": pct(max_scaled),
            "entropy_unscaled": Quantity(entropy_unscaled, "nats"),
            "entropy_scaled": Quantity(entropy_scaled, "nats"),
            "uniform_entropy": Quantity(uniform_entropy, "nats"),
            "score_matrix_bytes": bytes_quantity(matrix_bytes),
        },
        notes=(
            "Sampled with numpy's default_rng(seed): the same inputs always print the same numbers.",
            f"Doubling seq_len quadruples the score matrix ({format_bytes(4 * matrix_bytes)} at "
            f"{format_number(2 * seq_len)} tokens); tiled kernels avoid storing it (see flash-attention).",
        ),
        sources=(VASWANI_2017,),
    )


SELF_ATTENTION = CalculatorSpec(
    concept="self-attention",
    function=self_attention,
    inputs=(
        count_input("d_k", "dims", 64, "query/key dimension (Vaswani et al. base model: 64)", HEAD_DIM),
        count_input("samples", "pairs", None, "random q.k pairs for the variance (samples x d_k <= 2^23)",
                    Range(1, MAX_SAMPLES), default_text="min(100k, 2^23/d_k)"),
        count_input("keys", "keys", 32, "keys in each softmax row (<= samples)", Range(1, MAX_SAMPLES)),
        count_input("seq_len", "tokens", 4096, "sequence length N of the score matrix", CONTEXT_TOKENS),
        count_input("heads", "heads", 1, "heads whose score matrices are stored", HEADS),
        count_input("batch", "sequences", 1, "sequences in the batch", BATCH),
        dtype_input("dtype", "fp16", "dtype of the score matrix"),
        count_input("seed", "", 0, "random seed", SEED),
    ),
    preset_fields={"head_dim": "d_k", "n_heads": "heads", "context": "seq_len"},
)


def _check_heads(n_heads: int, kv_heads: int) -> None:
    if kv_heads > n_heads or n_heads % kv_heads:
        raise CalculatorInputError(
            f"kv_heads ({kv_heads}) must divide n_heads ({n_heads}): each KV head serves a whole group "
            "of query heads")


def mqa_gqa(layers: int, n_heads: int, kv_heads: int, head_dim: int, tokens: int, batch: int,
            dtype: str) -> Calculation:
    """KV-cache bytes with full (MHA), grouped (GQA) and single (MQA) key/value heads.

    Formulas (per token, all layers)::

        MHA: 2 x layers x n_heads  x head_dim x bytes_per_value
        GQA: 2 x layers x kv_heads x head_dim x bytes_per_value
        MQA: 2 x layers x 1        x head_dim x bytes_per_value
        saving of GQA over MHA = n_heads / kv_heads; group size = n_heads / kv_heads

    Args:
        layers, n_heads (query heads), kv_heads (must divide n_heads), head_dim.
        tokens, batch: cache length per request and number of requests.
        dtype: dtype of cached values.

    Returns bytes per token and per batch for each scheme, and ratios.
    Raises CalculatorInputError when kv_heads does not divide n_heads.

    Source: Shazeer 2019 (MQA); Ainslie et al. 2023 (GQA), section 2.
    """
    _check_heads(n_heads, kv_heads)
    value_bytes = DTYPE_BYTES[dtype]
    per_head_token = kv_bytes_per_token(layers, 1, head_dim, dtype)
    schemes = {"mha": n_heads, "gqa": kv_heads, "mqa": 1}
    per_token = {name: per_head_token * heads for name, heads in schemes.items()}
    total = {name: b * tokens * batch for name, b in per_token.items()}
    ratio = n_heads / kv_heads
    labels = {"mha": f"MHA ({n_heads} KV heads)", "gqa": f"GQA ({kv_heads} KV heads)", "mqa": "MQA (1 KV head)"}
    steps = [Step("per head, per token", f"2 x {layers} layers x {head_dim} dims x {format_number(value_bytes)} B",
                  bytes_quantity(per_head_token))]
    steps += [Step(f"{labels[name]} per token", f"{format_bytes(per_head_token)} x {schemes[name]}",
                   bytes_quantity(b)) for name, b in per_token.items()]
    steps += [Step(f"{labels[name]} for {format_number(tokens)} tokens x {batch}",
                   f"{format_bytes(per_token[name])} x {format_number(tokens * batch)}", bytes_quantity(b))
              for name, b in total.items()]
    results = {f"{name}_bytes_per_token": bytes_quantity(b) for name, b in per_token.items()}
    results.update({f"{name}_total_bytes": bytes_quantity(b) for name, b in total.items()})
    results["saving_ratio"] = Quantity(ratio, "x", f"{format_number(ratio)}x smaller than MHA")
    results["mqa_saving_ratio"] = Quantity(float(n_heads), "x")
    results["group_size"] = Quantity(n_heads // kv_heads, "query heads per KV head")
    return Calculation(
        concept="mqa-gqa",
        title="KV cache: multi-head vs grouped-query vs multi-query attention",
        formula="bytes_per_token = 2 x layers x kv_heads x head_dim x bytes_per_value;  saving = n_heads / kv_heads",
        inputs={
            "layers": Quantity(layers, "layers"), "n_heads": Quantity(n_heads, "heads"),
            "kv_heads": Quantity(kv_heads, "heads"), "head_dim": Quantity(head_dim, "dims"),
            "tokens": Quantity(tokens, "tokens"), "batch": Quantity(batch, "requests"),
            "dtype": Quantity(dtype, "dtype"),
        },
        steps=tuple(steps),
        results=results,
        notes=("Query heads and their projections are unchanged; only the cached K and V shrink.",
               "Quality sits between MQA and MHA (Ainslie et al. 2023, section 4)."),
        sources=(SHAZEER_2019, AINSLIE_2023),
    )


MQA_GQA = CalculatorSpec(
    concept="mqa-gqa",
    function=mqa_gqa,
    inputs=(
        count_input("n_heads", "heads", _LLAMA_2_70B.n_heads, "query heads per layer", HEADS),
        *kv_shape_inputs(_LLAMA_2_70B, "key/value heads per layer (GQA)"),
    ),
    preset_fields={"layers": "layers", "n_heads": "n_heads", "n_kv_heads": "kv_heads", "head_dim": "head_dim"},
)


def multi_head_attention(d_model: int, n_heads: int, kv_heads: int | None, seq_len: int,
                         layers: int) -> Calculation:
    """Head size, projection parameters and score FLOPs of multi-head attention.

    Formulas (no biases; K and V projections narrower when kv_heads < n_heads)::

        head_dim          = d_model / n_heads
        params per layer  = 2 x d_model^2 (W_Q, W_O) + 2 x d_model x kv_heads x head_dim (W_K, W_V)
        score FLOPs/head  = 2 x N^2 x head_dim   (Q K^T: N^2 dot products of length head_dim,
                                                  one multiply and one add per term)
        mixing FLOPs/head = 2 x N^2 x head_dim   (weights x V)
        per layer         = n_heads x (score + mixing) = 4 x N^2 x d_model

    Args:
        d_model: model width; n_heads: query heads (must divide d_model);
        kv_heads: KV heads (None = n_heads, plain MHA);
        seq_len: N, tokens attending to each other; layers: blocks, for totals.

    Returns dims, parameters and FLOPs. Raises CalculatorInputError when
    n_heads does not divide d_model or kv_heads does not divide n_heads.

    Source: Vaswani et al. 2017, section 3.2.2 (h = 8, d_k = d_v = d_model/h = 64).
    """
    if d_model % n_heads:
        raise CalculatorInputError(f"n_heads ({n_heads}) must divide d_model ({d_model})")
    kv = n_heads if kv_heads is None else kv_heads
    _check_heads(n_heads, kv)
    head_dim = d_model // n_heads
    params_layer = 2 * d_model * d_model + 2 * d_model * kv * head_dim
    score_flops = 2 * seq_len**2 * head_dim
    layer_flops = n_heads * 2 * score_flops
    projection_flops = 2 * seq_len * params_layer
    steps = (
        Step("head_dim", f"{format_number(d_model)} / {n_heads} heads", Quantity(head_dim, "dims")),
        Step("W_Q and W_O", f"2 x {format_number(d_model)}^2", Quantity(2 * d_model * d_model, "parameters")),
        Step("W_K and W_V", f"2 x {format_number(d_model)} x {kv} KV heads x {head_dim}",
             Quantity(2 * d_model * kv * head_dim, "parameters")),
        Step("projection parameters per layer", "W_Q + W_K + W_V + W_O", Quantity(params_layer, "parameters")),
        Step("score FLOPs per head (Q K^T)", f"2 x {format_number(seq_len)}^2 x {head_dim}",
             Quantity(score_flops, "FLOPs")),
        Step("attention FLOPs per layer", f"{n_heads} heads x 2 (scores + mixing) x {format_number(score_flops)}",
             Quantity(layer_flops, "FLOPs")),
        Step("projection FLOPs per layer", f"2 x {format_number(seq_len)} tokens x {format_number(params_layer)}",
             Quantity(projection_flops, "FLOPs")),
    )
    return Calculation(
        concept="multi-head-attention",
        title="Multi-head attention: heads, parameters, FLOPs",
        formula="head_i = softmax(Q W_i^Q (K W_i^K)^T / sqrt(d_k)) V W_i^V;  MultiHead = Concat(head_1..h) W^O",
        inputs={
            "d_model": Quantity(d_model, "dims"), "n_heads": Quantity(n_heads, "heads"),
            "kv_heads": Quantity(kv, "heads"), "seq_len": Quantity(seq_len, "tokens"),
            "layers": Quantity(layers, "layers"),
        },
        steps=steps,
        results={
            "head_dim": Quantity(head_dim, "dims"),
            "params_per_layer": Quantity(params_layer, "parameters"),
            "params_all_layers": Quantity(params_layer * layers, "parameters"),
            "score_flops_per_head": Quantity(score_flops, "FLOPs"),
            "attention_flops_per_layer": Quantity(layer_flops, "FLOPs"),
            "projection_flops_per_layer": Quantity(projection_flops, "FLOPs"),
        },
        notes=("Splitting d_model into heads keeps parameters and FLOPs the same as one full-width head; "
               "each head gets its own subspace and softmax.",
               f"Score FLOPs grow with N^2: projections win below N = {format_number(params_layer // (2 * d_model))} "
               "tokens, attention scores above."),
        sources=(VASWANI_2017,),
    )


MULTI_HEAD_ATTENTION = CalculatorSpec(
    concept="multi-head-attention",
    function=multi_head_attention,
    inputs=(
        count_input("d_model", "dims", _LLAMA_2_7B.hidden, "model width", WIDTH),
        count_input("n_heads", "heads", _LLAMA_2_7B.n_heads, "query heads", HEADS),
        count_input("kv_heads", "heads", None, "key/value heads", HEADS, default_text="= n_heads"),
        count_input("seq_len", "tokens", 4096, "sequence length N", CONTEXT_TOKENS),
        count_input("layers", "layers", _LLAMA_2_7B.layers, "transformer blocks", LAYERS),
    ),
    preset_fields={"hidden": "d_model", "n_heads": "n_heads", "n_kv_heads": "kv_heads", "layers": "layers"},
)


def rotate(x: np.ndarray, position: float, thetas: np.ndarray) -> np.ndarray:
    """RoPE: rotate each pair (x[2i], x[2i+1]) of a vector by angle position x theta_i.

    Source: Su et al. 2021, section 3.4.2, eq. (34) (interleaved pairs).
    """
    angles = position * thetas
    cos, sin = np.cos(angles), np.sin(angles)
    even, odd = x[0::2], x[1::2]
    out = np.empty_like(x)
    out[0::2] = even * cos - odd * sin
    out[1::2] = even * sin + odd * cos
    return out


def rope(head_dim: int, base: float, context: int, offset: int, seed: int) -> Calculation:
    """Rotary position embedding frequencies, wavelengths and the relative-offset check.

    Formulas::

        theta_i      = base^(-2i / d),  i = 0 .. d/2 - 1      (radians per position)
        wavelength_i = 2 pi / theta_i                          (tokens per full turn)
        <R(m) q, R(n) k> depends on m - n only

    The check rotates one seeded q and k to position pairs (p + offset, p) for
    several p and reports the spread of the dot products (rounding-level when
    the property holds), beside the dot at a different offset for contrast.

    Args:
        head_dim: d, even; base: RoPE base (10000 in RoFormer, 500000 in Llama 3);
        context: trained context length, to count pairs that never complete a turn;
        offset: m - n for the check; seed: random seed of q and k.

    Returns thetas (radians per token), wavelengths (tokens), the spread.
    Raises CalculatorInputError for an odd head_dim.

    Source: Su et al. 2021 (RoFormer), sections 3.2 and 3.4.
    """
    if head_dim % 2:
        raise CalculatorInputError(f"head_dim ({head_dim}) must be even: RoPE rotates pairs of dimensions")
    i = np.arange(head_dim // 2)
    thetas = base ** (-2.0 * i / head_dim)
    wavelengths = 2 * np.pi / thetas
    beyond = int((wavelengths > context).sum())
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal(head_dim), rng.standard_normal(head_dim)
    starts = [0, 1, 100, 1000, max(0, context - offset - 1)]
    dots = np.array([rotate(q, p + offset, thetas) @ rotate(k, p, thetas) for p in starts])
    spread = float(dots.max() - dots.min())
    other = float(rotate(q, offset + 1, thetas) @ rotate(k, 0, thetas))

    steps = (
        Step("theta_0", f"{format_number(base)}^(-0/{head_dim})", Quantity(float(thetas[0]), "rad/token")),
        Step("theta_1", f"{format_number(base)}^(-2/{head_dim})", Quantity(float(thetas[1]), "rad/token")),
        Step(f"theta_{head_dim // 2 - 1}", f"{format_number(base)}^(-{head_dim - 2}/{head_dim})",
             Quantity(float(thetas[-1]), "rad/token")),
        Step("shortest wavelength", "2 pi / theta_0", Quantity(float(wavelengths[0]), "tokens")),
        Step("longest wavelength", f"2 pi / theta_{head_dim // 2 - 1}", Quantity(float(wavelengths[-1]), "tokens")),
        Step("pairs slower than the context", f"wavelength > {format_number(context)} tokens",
             Quantity(beyond, "pairs")),
        Step(f"q.k at offset {offset}", "positions (p+offset, p) for p = " + ", ".join(map(str, starts)),
             Quantity([float(d) for d in dots], "", ", ".join(f"{d:.6f}" for d in dots))),
        Step("spread of those dots", "max - min (0 up to rounding)", Quantity(spread, "", f"{spread:.2e}")),
        Step(f"q.k at offset {offset + 1}", "a different offset changes the score", Quantity(other, "")),
    )
    return Calculation(
        concept="rope",
        title="Rotary position embeddings (RoPE)",
        formula="theta_i = base^(-2i/d);  pair i of a vector at position m is rotated by m x theta_i",
        inputs={
            "head_dim": Quantity(head_dim, "dims"), "base": Quantity(base, ""),
            "context": Quantity(context, "tokens"), "offset": Quantity(offset, "tokens"),
            "seed": Quantity(seed, ""),
        },
        steps=steps,
        results={
            "thetas": Quantity(thetas, "rad/token", f"{len(thetas)} values from {thetas[0]:.4g} "
                                                    f"down to {thetas[-1]:.4g}"),
            "theta_0": Quantity(float(thetas[0]), "rad/token"),
            "theta_1": Quantity(float(thetas[1]), "rad/token"),
            "theta_last": Quantity(float(thetas[-1]), "rad/token"),
            "wavelength_min": Quantity(float(wavelengths[0]), "tokens"),
            "wavelength_max": Quantity(float(wavelengths[-1]), "tokens"),
            "pairs_beyond_context": Quantity(beyond, "pairs"),
            "dot_spread": Quantity(spread, "", f"{spread:.2e}"),
        },
        notes=("The paper indexes i = 1..d/2 with exponent -2(i-1)/d; here i starts at 0, same values.",
               "Pairs whose wavelength exceeds the trained context never see a full turn; context-extension "
               "methods rescale exactly these."),
        sources=(SU_2021,),
    )


ROPE = CalculatorSpec(
    concept="rope",
    function=rope,
    inputs=(
        count_input("head_dim", "dims", 128, "dimension of one head (even)", HEAD_DIM),
        number_input("base", "", 10000.0, "RoPE base (RoFormer 10000; Llama 3 500000)",
                     Range(1, 1e12, low_open=True)),
        count_input("context", "tokens", 4096, "trained context length", CONTEXT_TOKENS),
        count_input("offset", "tokens", 5, "position offset m - n for the check", Range(0, CONTEXT_TOKENS.high)),
        count_input("seed", "", 0, "random seed of q and k", SEED),
    ),
    preset_fields={"head_dim": "head_dim", "rope_base": "base", "context": "context"},
)
