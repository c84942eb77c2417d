"""Training calculators: low-rank adapters and compute-optimal scaling.

``lora-qlora`` counts the trainable parameters of LoRA adapters and compares the
memory of a full fine-tune, LoRA and QLoRA; ``scaling-laws`` applies C = 6ND and
the Chinchilla parametric loss to find the compute-optimal model size and data.
"""

from __future__ import annotations

import math

import numpy as np

from llmconcepts.calculators.base import (
    HEADS,
    LAYERS,
    PARAMS,
    WIDTH,
    Calculation,
    CalculatorSpec,
    Chart,
    InputSpec,
    Quantity,
    Range,
    Step,
    bytes_quantity,
    count_input,
    format_number,
    number_input,
    parse_word_list,
)
from llmconcepts.calculators.presets import PRESETS
from llmconcepts.errors import CalculatorInputError

HU_2021 = ("Hu et al. 2021, 'LoRA: Low-Rank Adaptation of Large Language Models', arXiv:2106.09685, "
           "section 4.1 (W0 + BA with B: d x r, A: r x k) and section 5.1 (|Theta| = 2 x L_LoRA x d_model x r)")
DETTMERS_2023 = ("Dettmers et al. 2023, 'QLoRA: Efficient Finetuning of Quantized LLMs', arXiv:2305.14314, "
                 "section 3 (NF4, block size 64; double quantization: 8/64 + 32/(64 x 256) = 0.127 bits per parameter)")
RAJBHANDARI_2020 = ("Rajbhandari et al. 2020, 'ZeRO: Memory Optimizations Toward Training Trillion Parameter "
                    "Models', arXiv:1910.02054, section 3.1 (mixed-precision Adam: 2 + 2 + 12 = 16 bytes per parameter)")
HOFFMANN_2022 = ("Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models' (Chinchilla), "
                 "arXiv:2203.15556, sections 3.1-3.2 (Approaches 1 and 2), 3.3 (Approach 3: eq. 2 and 4; fit "
                 "E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28) and 3.4 (Table 2: exponents of the "
                 "three approaches; Table 3: Approach 1 projections)")
BESIROGLU_2024 = ("Besiroglu, Erdil, Barnett, You 2024, 'Chinchilla Scaling: A replication attempt', "
                  "arXiv:2404.10102 (the published Approach 3 fit is inconsistent with Approaches 1 and 2)")
KAPLAN_2020 = ("Kaplan et al. 2020, 'Scaling Laws for Neural Language Models', arXiv:2001.08361, section 2.1 "
               "(training compute C ~ 6N FLOPs per token)")

#: Training tokens (Llama 3: 15T; 1e16 leaves a wide margin) and training FLOPs (frontier
#: runs: 1e25 to 1e27; 1e30 leaves a wide margin).
TRAINING_TOKENS = Range(1, 1e16)
TRAINING_FLOPS = Range(1, 1e30)

#: Bytes per trainable parameter with mixed-precision Adam: fp16 weight 2 + fp16 gradient 2 +
#: fp32 master weight 4 + fp32 Adam first and second moments 8 (ZeRO, section 3.1).
TRAINABLE_BYTES = 16
#: Bytes per frozen 16-bit base weight.
FROZEN_BF16_BYTES = 2
#: Bits per parameter of NF4 with double quantization (QLoRA section 3): 4 + 8/64 + 32/(64*256).
NF4_DQ_BITS = 4 + 8 / 64 + 32 / (64 * 256)

#: Adaptable matrices of a Llama-style block: name -> (d_in, d_out) as functions of the shape.
MATRIX_NAMES = ("q", "k", "v", "o", "gate", "up", "down")


def _parse_targets(text: str) -> tuple[str, ...]:
    names = tuple(name.lower() for name in parse_word_list(text))
    unknown = [n for n in names if n not in MATRIX_NAMES]
    if unknown:
        raise ValueError(f"unknown matrix {', '.join(unknown)}; choose from {','.join(MATRIX_NAMES)}")
    if len(set(names)) != len(names):
        raise ValueError("a matrix is listed twice")
    return names


def _matrix_shapes(d_model: int, d_ff: int, kv_width: int) -> dict[str, tuple[int, int]]:
    return {
        "q": (d_model, d_model), "k": (d_model, kv_width), "v": (d_model, kv_width), "o": (d_model, d_model),
        "gate": (d_model, d_ff), "up": (d_model, d_ff), "down": (d_ff, d_model),
    }


def lora_qlora(layers: int, d_model: int, d_ff: int, n_heads: int, kv_heads: int | None, r: int,
               targets: tuple[str, ...], params: int) -> Calculation:
    """LoRA trainable parameters, and memory of full fine-tuning vs LoRA vs QLoRA.

    A LoRA adapter on a d_in x d_out weight adds B (d_out x r) and A (r x d_in)::

        trainable = layers x sum over adapted matrices of r x (d_in + d_out)
        full fine-tune bytes = params x 16                       (mixed-precision Adam)
        LoRA bytes           = params x 2 + trainable x 16       (frozen bf16 base)
        QLoRA bytes          = params x 4.127 / 8 + trainable x 16  (NF4 + double quantization)

    Assumptions, stated because they decide the answer: activations, the batch
    and paged optimizer spill-over are not counted; every base parameter is
    stored in the base format (QLoRA really keeps embeddings and norms in 16 bits).

    Args:
        layers, d_model, d_ff: model shape; n_heads, kv_heads: for the width of
        W_K and W_V (kv_heads x d_model / n_heads; kv_heads None = n_heads);
        r: LoRA rank; targets: adapted matrices among q,k,v,o,gate,up,down;
        params: base-model parameters.

    Returns parameters and bytes.

    Source: Hu et al. 2021 (LoRA) sections 4.1 and 5.1; Dettmers et al. 2023
    (QLoRA) section 3; Rajbhandari et al. 2020 (ZeRO) section 3.1.
    """
    kv = n_heads if kv_heads is None else kv_heads
    if d_model % n_heads or kv > n_heads:
        raise CalculatorInputError(
            f"n_heads ({n_heads}) must divide d_model ({d_model}) and kv_heads ({kv}) must not exceed it")
    shapes = _matrix_shapes(d_model, d_ff, kv * (d_model // n_heads))
    per_matrix = {name: r * sum(shapes[name]) for name in targets}
    per_layer = sum(per_matrix.values())
    trainable = layers * per_layer
    full = params * TRAINABLE_BYTES
    lora = params * FROZEN_BF16_BYTES + trainable * TRAINABLE_BYTES
    qlora = params * NF4_DQ_BITS / 8 + trainable * TRAINABLE_BYTES

    steps = [Step(f"W_{name} adapter", f"r {r} x ({format_number(shapes[name][0])} + "
                  f"{format_number(shapes[name][1])})", Quantity(count, "parameters"))
             for name, count in per_matrix.items()]
    steps += [
        Step("trainable parameters", f"{layers} layers x {format_number(per_layer)}",
             Quantity(trainable, "parameters")),
        Step("full fine-tune", f"{format_number(params)} x {TRAINABLE_BYTES} B", bytes_quantity(full)),
        Step("LoRA", f"{format_number(params)} x {FROZEN_BF16_BYTES} B + {format_number(trainable)} x "
             f"{TRAINABLE_BYTES} B", bytes_quantity(lora)),
        Step("QLoRA", f"{format_number(params)} x {NF4_DQ_BITS:.4f} / 8 B + {format_number(trainable)} x "
             f"{TRAINABLE_BYTES} B", bytes_quantity(qlora)),
    ]
    return Calculation(
        concept="lora-qlora",
        title="LoRA and QLoRA: trainable parameters and memory",
        formula="W = W0 + B A (B: d_out x r, A: r x d_in);  trainable = layers x sum r x (d_in + d_out)",
        inputs={
            "layers": Quantity(layers, "layers"), "d_model": Quantity(d_model, "dims"),
            "d_ff": Quantity(d_ff, "dims"), "n_heads": Quantity(n_heads, "heads"),
            "kv_heads": Quantity(kv, "heads"), "r": Quantity(r, "rank"),
            "targets": Quantity(list(targets), "matrices", ",".join(targets)), "params": Quantity(params, "parameters"),
        },
        steps=tuple(steps),
        results={
            "trainable_params": Quantity(trainable, "parameters"),
            "trainable_fraction": Quantity(trainable / params, "fraction", f"{trainable / params:.4%}"),
            "full_finetune_bytes": bytes_quantity(full),
            "lora_bytes": bytes_quantity(lora),
            "qlora_bytes": bytes_quantity(qlora),
        },
        notes=(f"Each trainable parameter costs {TRAINABLE_BYTES} B (fp16 weight and gradient, fp32 master copy "
               "and two Adam moments); frozen weights cost only their storage.",
               "Activations are not counted; they grow with batch x sequence length (gradient checkpointing "
               "trades them for recomputation)."),
        sources=(HU_2021, DETTMERS_2023, RAJBHANDARI_2020),
    )


_LLAMA_2_7B = PRESETS["llama-2-7b"]

LORA_QLORA = CalculatorSpec(
    concept="lora-qlora",
    function=lora_qlora,
    inputs=(
        count_input("layers", "layers", _LLAMA_2_7B.layers, "transformer blocks", LAYERS),
        count_input("d_model", "dims", _LLAMA_2_7B.hidden, "model width", WIDTH),
        count_input("d_ff", "dims", _LLAMA_2_7B.intermediate, "feed-forward width", WIDTH),
        count_input("n_heads", "heads", _LLAMA_2_7B.n_heads, "query heads", HEADS),
        count_input("kv_heads", "heads", None, "key/value heads", HEADS, default_text="= n_heads"),
        count_input("r", "rank", 8, "LoRA rank", WIDTH),
        InputSpec("targets", "matrices", ("q", "v"), "adapted matrices of q,k,v,o,gate,up,down", _parse_targets),
        count_input("params", "parameters", _LLAMA_2_7B.params, "base-model parameters", PARAMS),
    ),
    preset_fields={"layers": "layers", "hidden": "d_model", "intermediate": "d_ff", "n_heads": "n_heads",
                   "n_kv_heads": "kv_heads", "params": "params"},
)


# ---------------------------------------------------------------------------
# Scaling laws

#: Chinchilla parametric-loss fit (Hoffmann et al. 2022, section 3.3, eq. 2 with the fitted values).
CHINCHILLA_E, CHINCHILLA_A, CHINCHILLA_B = 1.69, 406.4, 410.7
CHINCHILLA_ALPHA, CHINCHILLA_BETA = 0.34, 0.28

#: Compute-optimal training tokens per parameter of the paper's main result. Approaches 1 and 2
#: scale N_opt and D_opt with C^0.50 and C^0.49 / C^0.51 (Table 2), so D/N hardly moves with the
#: budget; Chinchilla (70B parameters on 1.4T tokens) and the Table 3 projections (20.2 at 1B,
#: 20.5 at 10B parameters) put it at about 20.
TOKENS_PER_PARAM = 20


def chinchilla_loss(params: float | np.ndarray, tokens: float | np.ndarray) -> float | np.ndarray:
    """L(N, D) = E + A / N^alpha + B / D^beta, in nats per token (Hoffmann et al. 2022, eq. 2)."""
    return CHINCHILLA_E + CHINCHILLA_A / np.power(params, CHINCHILLA_ALPHA) + CHINCHILLA_B / np.power(
        tokens, CHINCHILLA_BETA)


def equal_scaling_optimum(compute: float) -> tuple[float, float]:
    """(N_opt, D_opt) of Approaches 1 and 2: C = 6ND with D = 20N, so N_opt = sqrt(C / 120).

    Both grow as C^0.5 (Hoffmann et al. 2022, section 3.4, Table 2), the paper's main
    result; parameters and tokens, FLOPs in.
    """
    n_opt = math.sqrt(compute / (6 * TOKENS_PER_PARAM))
    return n_opt, TOKENS_PER_PARAM * n_opt


def parametric_optimum(compute: float) -> tuple[float, float]:
    """(N_opt, D_opt) minimising the Approach 3 fit L(N, D) subject to 6ND = C (eq. 4).

    N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b with G = (alpha A / (beta B))^(1/(alpha+beta)),
    a = beta / (alpha + beta), b = alpha / (alpha + beta).
    """
    total = CHINCHILLA_ALPHA + CHINCHILLA_BETA
    g = (CHINCHILLA_ALPHA * CHINCHILLA_A / (CHINCHILLA_BETA * CHINCHILLA_B)) ** (1 / total)
    return g * (compute / 6) ** (CHINCHILLA_BETA / total), (compute / 6) ** (CHINCHILLA_ALPHA / total) / g


def scaling_laws(params: float, tokens: float, compute: float | None) -> Calculation:
    """Training compute, Chinchilla loss and the compute-optimal split of a budget.

    Formulas::

        C = 6 N D                                     (training FLOPs)
        Approaches 1 and 2 (the headline): N_opt ~ C^0.5 and D_opt ~ C^0.5 with
            D_opt = 20 N_opt, so N_opt = sqrt(C / 120)
        Approach 3 (second estimate): L(N, D) = E + A / N^alpha + B / D^beta
            (E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28), minimised along 6ND = C:
            N_opt = G (C/6)^(beta/(alpha+beta)),  D_opt = (C/6)^(alpha/(alpha+beta)) / G,
            G = (alpha A / (beta B))^(1/(alpha+beta))

    The two estimates differ because Approach 3's fitted exponents give N_opt ~
    C^0.45 rather than C^0.5: it puts more tokens on each parameter, the more so
    the larger the budget (92.8 tokens per parameter at Chinchilla's budget).

    Args:
        params: N, parameters; tokens: D, training tokens;
        compute: budget C in FLOPs (None = 6ND of the given run).

    Returns FLOPs, tokens per parameter, losses (nats/token, from the Approach 3
    fit) and both optimal splits (parameters, tokens).

    Source: Hoffmann et al. 2022 (Chinchilla), sections 3.1-3.4 (Tables 2 and 3;
    eq. 2 and 4); Besiroglu et al. 2024 on the Approach 3 fit; Kaplan et al.
    2020, section 2.1 (C ~ 6N per token).
    """
    flops = 6 * params * tokens
    budget = flops if compute is None else compute
    loss = float(chinchilla_loss(params, tokens))
    n_opt, d_opt = equal_scaling_optimum(budget)
    loss_opt = float(chinchilla_loss(n_opt, d_opt))
    n_fit, d_fit = parametric_optimum(budget)
    loss_fit = float(chinchilla_loss(n_fit, d_fit))
    exponent_n = CHINCHILLA_BETA / (CHINCHILLA_ALPHA + CHINCHILLA_BETA)
    sizes = np.geomspace(n_opt / 30, n_opt * 30, 49)
    chart = Chart(
        title=f"Approach 3 loss at a fixed budget of {budget:.3g} FLOPs (| marks the Approaches 1/2 optimum)",
        x_label="parameters N (log scale)", y_label="loss (nats/token)", x=tuple(sizes),
        series={"L(N, C/6N)": tuple(chinchilla_loss(sizes, budget / (6 * sizes)))},
        marker_x=n_opt, x_scale="log",
    )
    steps = (
        Step("training compute", f"6 x {format_number(params)} x {format_number(tokens)}", Quantity(flops, "FLOPs")),
        Step("tokens per parameter", f"{format_number(tokens)} / {format_number(params)}",
             Quantity(tokens / params, "tokens/parameter")),
        Step("predicted loss (Approach 3 fit)", "1.69 + 406.4 / N^0.34 + 410.7 / D^0.28",
             Quantity(loss, "nats/token")),
        Step("budget", "given" if compute is not None else "6ND of this run", Quantity(budget, "FLOPs")),
        Step("compute-optimal parameters (Approaches 1/2)", f"sqrt({budget:.4g} / (6 x {TOKENS_PER_PARAM}))",
             Quantity(n_opt, "parameters")),
        Step("compute-optimal tokens (Approaches 1/2)", f"{TOKENS_PER_PARAM} x {format_number(n_opt)}",
             Quantity(d_opt, "tokens")),
        Step("loss there (Approach 3 fit)", "L(N_opt, D_opt)", Quantity(loss_opt, "nats/token")),
        Step("Approach 3 fit: parameters", f"G x ({budget:.4g} / 6)^{exponent_n:.4f}", Quantity(n_fit, "parameters")),
        Step("Approach 3 fit: tokens", f"({budget:.4g} / 6)^{1 - exponent_n:.4f} / G", Quantity(d_fit, "tokens")),
        Step("Approach 3 fit: tokens per parameter", f"{format_number(d_fit)} / {format_number(n_fit)}",
             Quantity(d_fit / n_fit, "tokens/parameter")),
    )
    return Calculation(
        concept="scaling-laws",
        title="Scaling laws: C = 6ND and the Chinchilla optimum",
        formula="C = 6ND;  compute-optimal D = 20N, N = sqrt(C / 120);  L(N, D) = 1.69 + 406.4 / N^0.34 + "
                "410.7 / D^0.28",
        inputs={
            "params": Quantity(params, "parameters"), "tokens": Quantity(tokens, "tokens"),
            "compute": Quantity(budget, "FLOPs", None if compute is not None else f"{budget:.4g} (= 6ND)"),
        },
        steps=steps,
        results={
            "training_flops": Quantity(flops, "FLOPs"),
            "tokens_per_param": Quantity(tokens / params, "tokens/parameter"),
            "loss": Quantity(loss, "nats/token"),
            "optimal_params": Quantity(n_opt, "parameters"),
            "optimal_tokens": Quantity(d_opt, "tokens"),
            "optimal_tokens_per_param": Quantity(d_opt / n_opt, "tokens/parameter"),
            "optimal_loss": Quantity(loss_opt, "nats/token"),
            "approach3_params": Quantity(n_fit, "parameters"),
            "approach3_tokens": Quantity(d_fit, "tokens"),
            "approach3_tokens_per_param": Quantity(d_fit / n_fit, "tokens/parameter"),
            "approach3_loss": Quantity(loss_fit, "nats/token"),
        },
        charts=(chart,),
        notes=(
            "The optimal split is the paper's main result: Approaches 1 and 2 scale parameters and tokens "
            "alike (C^0.50 each; Table 2), about 20 tokens per parameter. Table 3 lists 10B parameters on "
            "205.1B tokens for 1.23e22 FLOPs; Chinchilla itself is 70B on 1.4T.",
            "The Approach 3 figures come from the fitted loss L(N, D) (section 3.3). Its rounded constants "
            f"give N_opt ~ C^{exponent_n:.2f} (Table 2: 0.46), so it favours smaller models on more data, "
            f"{d_fit / n_fit:.1f} tokens per parameter here, and the gap widens with the budget.",
            "Besiroglu et al. 2024 refitted Approach 3 on data read off the paper's plots: the published "
            "fit matches that data poorly and its confidence intervals are implausibly narrow, while their "
            "refit agrees with Approaches 1 and 2.",
            "Gopher (280B parameters, 300B tokens) used about Chinchilla's compute at roughly 1 token per "
            "parameter.",
        ),
        sources=(HOFFMANN_2022, BESIROGLU_2024, KAPLAN_2020),
    )


SCALING_LAWS = CalculatorSpec(
    concept="scaling-laws",
    function=scaling_laws,
    inputs=(
        number_input("params", "parameters", 70e9, "N, model parameters (Chinchilla: 70B)", PARAMS),
        number_input("tokens", "tokens", 1.4e12, "D, training tokens (Chinchilla: 1.4T)", TRAINING_TOKENS),
        number_input("compute", "FLOPs", None, "budget C to split optimally", TRAINING_FLOPS, default_text="= 6ND"),
    ),
    preset_fields={"params": "params"},
)
