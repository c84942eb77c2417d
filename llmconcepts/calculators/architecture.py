"""Architecture calculators: normalisation layers and mixture-of-experts blocks.

``layer-normalization`` runs LayerNorm and RMSNorm on the same vector and counts
the work each does per element; ``mixture-of-experts`` separates the parameters
a sparse model must hold in memory from the ones each token actually uses.
"""

from __future__ import annotations

import numpy as np

from llmconcepts.calculators.base import (
    DTYPE_BYTES,
    HEAD_DIM,
    HEADS,
    LAYERS,
    VOCAB,
    WIDTH,
    Calculation,
    CalculatorSpec,
    Each,
    InputSpec,
    Quantity,
    Range,
    Step,
    bytes_quantity,
    count_input,
    dtype_input,
    format_number,
    number_input,
    parse_bool,
    parse_number_list,
)
from llmconcepts.calculators.presets import PRESETS, decoder_parameters
from llmconcepts.errors import CalculatorInputError

BA_2016 = "Ba, Kiros, Hinton 2016, 'Layer Normalization', arXiv:1607.06450, section 3 (eq. 4)"
ZHANG_SENNRICH_2019 = ("Zhang and Sennrich 2019, 'Root Mean Square Layer Normalization', NeurIPS 2019, "
                       "arXiv:1910.07467, section 4 (eq. 4: RMS(a) = sqrt(mean(a_i^2)), no re-centring)")
MIXTRAL_2024 = ("Jiang et al. 2024, 'Mixtral of Experts', arXiv:2401.04088, section 2 (8 experts, top-2 "
                "routing; 47B parameters, 13B active per token)")
KAPLAN_2020 = ("Kaplan et al. 2020, 'Scaling Laws for Neural Language Models', arXiv:2001.08361, section 2.1 "
               "(forward pass ~ 2N FLOPs per token)")

#: Experts per MoE layer: Mixtral has 8, fine-grained designs about a million (He 2024,
#: 'Mixture of A Million Experts', arXiv:2407.04153); ten times that is the bound.
EXPERTS = Range(1, 1e7)

#: Per-element operations, counted as in the docstring of :func:`layer_normalization`.
LAYERNORM_OPS_PER_ELEMENT = 7
RMSNORM_OPS_PER_ELEMENT = 4


def _vector(values: tuple[float, ...]) -> Quantity:
    array = [float(v) for v in values]
    return Quantity(array, "", "[" + ", ".join(f"{v:.4f}" for v in array) + "]")


def layer_normalization(values: tuple[float, ...], eps: float, d_model: int) -> Calculation:
    """LayerNorm vs RMSNorm on one vector (gain 1, bias 0), and their cost per element.

    Formulas, for a vector x of n elements::

        LayerNorm: mu = mean(x);  var = mean((x - mu)^2);  y = (x - mu) / sqrt(var + eps) * g + b
        RMSNorm:   rms = sqrt(mean(x^2) + eps);           y = x / rms * g

    Operations per element (per-vector work such as the sqrt and one division
    is not per element and is left out): LayerNorm 7 = add to the mean sum,
    subtract the mean, square, add to the variance sum, multiply by
    1/sqrt(var + eps), multiply by g, add b. RMSNorm 4 = square, add to the sum,
    multiply by 1/rms, multiply by g. LayerNorm also needs two reductions
    (mean, then variance) where RMSNorm needs one.

    Args:
        values: the vector (at least 2 numbers); eps: stabiliser inside the sqrt
        (RMSNorm here puts it inside too, as Llama's implementation does);
        d_model: width, for operations per token per norm.

    Returns mean, variance, rms, both outputs and operation counts.

    Source: Ba et al. 2016, section 3; Zhang and Sennrich 2019, section 4.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size < 2:
        raise CalculatorInputError("values needs at least 2 numbers, e.g. values=1,2,3,4")
    mean = float(x.mean())
    variance = float(((x - mean) ** 2).mean())
    layernorm = (x - mean) / np.sqrt(variance + eps)
    rms = float(np.sqrt((x**2).mean() + eps))
    rmsnorm = x / rms
    n = x.size
    steps = (
        Step("mean", f"sum(x) / {n}", Quantity(mean, "")),
        Step("variance", f"sum((x - {mean:.4g})^2) / {n}", Quantity(variance, "")),
        Step("LayerNorm output", f"(x - {mean:.4g}) / sqrt({variance:.4g} + {eps:g})", _vector(layernorm)),
        Step("root mean square", f"sqrt(sum(x^2) / {n} + {eps:g})", Quantity(rms, "")),
        Step("RMSNorm output", f"x / {rms:.4g}", _vector(rmsnorm)),
        Step("LayerNorm ops per token", f"{LAYERNORM_OPS_PER_ELEMENT} x {format_number(d_model)}",
             Quantity(LAYERNORM_OPS_PER_ELEMENT * d_model, "operations")),
        Step("RMSNorm ops per token", f"{RMSNORM_OPS_PER_ELEMENT} x {format_number(d_model)}",
             Quantity(RMSNORM_OPS_PER_ELEMENT * d_model, "operations")),
    )
    same = bool(np.allclose(layernorm, rmsnorm, rtol=1e-6, atol=1e-9))
    return Calculation(
        concept="layer-normalization",
        title="LayerNorm vs RMSNorm",
        formula="LayerNorm: (x - mean) / sqrt(var + eps);  RMSNorm: x / sqrt(mean(x^2) + eps)",
        inputs={"values": _vector(x), "eps": Quantity(eps, ""), "d_model": Quantity(d_model, "dims")},
        steps=steps,
        results={
            "mean": Quantity(mean, ""),
            "variance": Quantity(variance, ""),
            "rms": Quantity(rms, ""),
            "layernorm": _vector(layernorm),
            "rmsnorm": _vector(rmsnorm),
            "outputs_match": Quantity(same, "", "yes (the mean is 0)" if same else "no: RMSNorm keeps the mean"),
            "layernorm_ops_per_element": Quantity(LAYERNORM_OPS_PER_ELEMENT, "operations"),
            "rmsnorm_ops_per_element": Quantity(RMSNORM_OPS_PER_ELEMENT, "operations"),
            "ops_ratio": Quantity(RMSNORM_OPS_PER_ELEMENT / LAYERNORM_OPS_PER_ELEMENT, "x"),
        },
        notes=("With a zero-mean input both norms agree; RMSNorm drops the re-centring and the bias.",
               "Pre-LN applies the norm before each sublayer, leaving the residual path un-normalised."),
        sources=(BA_2016, ZHANG_SENNRICH_2019),
    )


LAYER_NORMALIZATION = CalculatorSpec(
    concept="layer-normalization",
    function=layer_normalization,
    inputs=(
        InputSpec("values", "", (1.0, 2.0, 3.0, 4.0), "the vector, comma-separated", parse_number_list,
                  Each(Range(-1e30, 1e30))),
        number_input("eps", "", 1e-5, "stabiliser inside the square root", Range(0, 1, low_open=True)),
        count_input("d_model", "dims", PRESETS["llama-2-7b"].hidden, "model width, for ops per token", WIDTH),
    ),
    preset_fields={"hidden": "d_model"},
)


def mixture_of_experts(layers: int, hidden: int, intermediate: int, n_heads: int, kv_heads: int, head_dim: int,
                       vocab: int, experts: int, experts_per_token: int, tied_embeddings: bool,
                       dtype: str) -> Calculation:
    """Total vs active parameters of a sparse MoE decoder; memory vs FLOPs per token.

    Formulas (Llama/Mixtral layout, see :func:`presets.decoder_parameters`)::

        total  = embeddings + layers x (attention + router + norms + experts           x 3 x hidden x ffn) + hidden
        active = embeddings + layers x (attention + router + norms + experts_per_token x 3 x hidden x ffn) + hidden
        memory = total x bytes_per_weight          (every expert must be resident)
        FLOPs per token (forward) ~ 2 x active     (attention-score FLOPs excluded)

    Args:
        layers, hidden, intermediate (one expert's FFN width), n_heads, kv_heads,
        head_dim, vocab: model shape; experts, experts_per_token: routing (top-k);
        tied_embeddings: share input and output embeddings; dtype: weight dtype.

    Returns parameters, bytes and FLOPs. Raises CalculatorInputError when
    experts_per_token > experts.

    Source: Jiang et al. 2024 (Mixtral), section 2; Kaplan et al. 2020, section 2.1.
    """
    if experts_per_token > experts:
        raise CalculatorInputError(
            f"experts_per_token ({experts_per_token}) cannot exceed experts ({experts})")
    total, active = decoder_parameters(layers, hidden, n_heads, kv_heads, head_dim, intermediate, vocab,
                                       experts, experts_per_token, tied_embeddings)
    expert = 3 * hidden * intermediate
    weight_bytes = DTYPE_BYTES[dtype]
    steps = (
        Step("one expert (gate, up, down)", f"3 x {format_number(hidden)} x {format_number(intermediate)}",
             Quantity(expert, "parameters")),
        Step("all experts, all layers", f"{layers} x {experts} x {format_number(expert)}",
             Quantity(layers * experts * expert, "parameters")),
        Step("total parameters", "embeddings + attention + router + norms + experts", Quantity(total, "parameters")),
        Step("active parameters per token", f"same, with {experts_per_token} of {experts} experts",
             Quantity(active, "parameters")),
        Step("weights in memory", f"{format_number(total)} x {format_number(weight_bytes)} B ({dtype})",
             bytes_quantity(total * weight_bytes)),
        Step("forward FLOPs per token", f"2 x {format_number(active)}", Quantity(2 * active, "FLOPs")),
        Step("a dense model of the same size", f"2 x {format_number(total)}", Quantity(2 * total, "FLOPs")),
    )
    return Calculation(
        concept="mixture-of-experts",
        title="Mixture of experts: total vs active parameters",
        formula="active = shared + experts_per_token x expert;  memory ~ total;  FLOPs/token ~ 2 x active",
        inputs={
            "layers": Quantity(layers, "layers"), "hidden": Quantity(hidden, "dims"),
            "intermediate": Quantity(intermediate, "dims"), "n_heads": Quantity(n_heads, "heads"),
            "kv_heads": Quantity(kv_heads, "heads"), "head_dim": Quantity(head_dim, "dims"),
            "vocab": Quantity(vocab, "tokens"), "experts": Quantity(experts, "experts"),
            "experts_per_token": Quantity(experts_per_token, "experts"),
            "tied_embeddings": Quantity(tied_embeddings, ""), "dtype": Quantity(dtype, "dtype"),
        },
        steps=steps,
        results={
            "total_params": Quantity(total, "parameters"),
            "active_params": Quantity(active, "parameters"),
            "active_fraction": Quantity(active / total, "fraction", f"{active / total:.1%}"),
            "weight_bytes": bytes_quantity(total * weight_bytes),
            "active_weight_bytes": bytes_quantity(active * weight_bytes),
            "flops_per_token": Quantity(2 * active, "FLOPs"),
            "dense_flops_per_token": Quantity(2 * total, "FLOPs"),
        },
        notes=("Memory follows total parameters, compute per token follows active ones.",
               "Uneven routing overloads some experts; real systems add a load-balancing loss."),
        sources=(MIXTRAL_2024, KAPLAN_2020),
    )


MIXTURE_OF_EXPERTS = CalculatorSpec(
    concept="mixture-of-experts",
    function=mixture_of_experts,
    inputs=(
        count_input("layers", "layers", PRESETS["mixtral-8x7b"].layers, "transformer blocks", LAYERS),
        count_input("hidden", "dims", PRESETS["mixtral-8x7b"].hidden, "model width", WIDTH),
        count_input("intermediate", "dims", PRESETS["mixtral-8x7b"].intermediate, "FFN width of one expert", WIDTH),
        count_input("n_heads", "heads", PRESETS["mixtral-8x7b"].n_heads, "query heads", HEADS),
        count_input("kv_heads", "heads", PRESETS["mixtral-8x7b"].n_kv_heads, "key/value heads", HEADS),
        count_input("head_dim", "dims", PRESETS["mixtral-8x7b"].head_dim, "dimension of one head", HEAD_DIM),
        count_input("vocab", "tokens", PRESETS["mixtral-8x7b"].vocab, "vocabulary size", VOCAB),
        count_input("experts", "experts", 8, "experts per MoE layer (fine-grained MoEs use ~1M)", EXPERTS),
        count_input("experts_per_token", "experts", 2, "experts each token is routed to (top-k)", EXPERTS),
        InputSpec("tied_embeddings", "", False, "share input and output embeddings", parse_bool),
        dtype_input("dtype", "bf16", "weight dtype"),
    ),
    preset_fields={"layers": "layers", "hidden": "hidden", "intermediate": "intermediate", "n_heads": "n_heads",
                   "n_kv_heads": "kv_heads", "head_dim": "head_dim", "vocab": "vocab", "n_experts": "experts",
                   "n_experts_per_token": "experts_per_token"},
)
