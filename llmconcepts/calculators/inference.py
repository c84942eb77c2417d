"""Inference latency calculator: time to first token and tokens per second.

Prefill processes the whole prompt in parallel and is limited by arithmetic
(FLOP/s); decode produces one token per step and must stream every weight and
the whole KV cache from memory each step, so it is limited by bandwidth.
"""

from __future__ import annotations

from llmconcepts.calculators.base import (
    BATCH,
    CONTEXT_TOKENS,
    DTYPE_BYTES,
    HEAD_DIM,
    HEADS,
    LAYERS,
    PARAMS,
    Calculation,
    CalculatorSpec,
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
from llmconcepts.calculators.architecture import KAPLAN_2020  # forward pass ~ 2N FLOPs per token
from llmconcepts.calculators.memory import kv_bytes_per_token
from llmconcepts.calculators.presets import PRESETS

H100_DATASHEET = ("NVIDIA H100 Tensor Core GPU datasheet (SXM5): 3.35 TB/s HBM3 bandwidth; FP16/BF16 Tensor "
                  "Core 1,979 TFLOPS with sparsity, 989.4 TFLOPS dense")
DATABRICKS_2023 = ("Databricks 2023, 'LLM Inference Performance Engineering: Best Practices' (memory-bandwidth "
                   "bound decode, MBU and MFU)")


#: Achieved share of a peak rate (MFU or MBU): above 0, at most all of it.
_SHARE = Range(0, 1, low_open=True)
#: Peak FLOP/s: a CPU core (1 GFLOP/s) up to a whole cluster (one H100: ~1e15; 1e21 leaves a margin).
_FLOP_RATE = Range(1e9, 1e21)
#: Memory bandwidth: 1 MiB/s up to 1 PB/s (one H100: 3.35 TB/s).
_BANDWIDTH = Range(2**20, 1e15)


def ttft_tps(params: int, prompt_tokens: int, batch: int, dtype: str, peak_flops: float, utilization: float,
             bandwidth: float, bandwidth_utilization: float, layers: int, kv_heads: int, head_dim: int,
             kv_dtype: str) -> Calculation:
    """Prefill time (TTFT) and decode speed (TPS) from FLOPs, bytes and hardware rates.

    Formulas::

        prefill FLOPs  = 2 x params x prompt_tokens x batch
        TTFT           = max(prefill FLOPs / (peak_flops x utilization),
                             weight bytes / (bandwidth x bandwidth_utilization))
        bytes per decode step = params x bytes_per_weight + batch x kv_bytes_per_token x prompt_tokens
        step time      = max(bytes per step / effective bandwidth, 2 x params x batch / effective FLOP/s)
        TPS per request = 1 / step time;  TPS total = batch / step time
        weights-only bound (batch 1, cache ignored) = effective bandwidth / weight bytes

    The cache is read at the length of the prompt (the first decode step);
    later steps read slightly more. Attention-score FLOPs, kernel launch
    overheads and communication are ignored, so these are best cases.

    Args:
        params: parameters touched per token (active parameters for MoE);
        prompt_tokens, batch: request shape; dtype: weight dtype;
        peak_flops (FLOP/s) and utilization (MFU, fraction);
        bandwidth (bytes/s) and bandwidth_utilization (MBU, fraction);
        layers, kv_heads, head_dim, kv_dtype: for the KV bytes read per step.

    Returns seconds, FLOPs, bytes and tokens/s.

    Source: Kaplan et al. 2020, section 2.1 (2N FLOPs per token); NVIDIA H100
    datasheet (default rates); Databricks 2023 (bandwidth-bound decode).
    """
    flops_rate = peak_flops * utilization
    byte_rate = bandwidth * bandwidth_utilization
    weight_bytes = params * DTYPE_BYTES[dtype]
    prefill_flops = 2 * params * prompt_tokens * batch
    ttft_compute = prefill_flops / flops_rate
    ttft_memory = weight_bytes / byte_rate
    ttft = max(ttft_compute, ttft_memory)
    kv_per_token = kv_bytes_per_token(layers, kv_heads, head_dim, kv_dtype)
    kv_read = batch * kv_per_token * prompt_tokens
    step_bytes = weight_bytes + kv_read
    step_memory = step_bytes / byte_rate
    step_compute = 2 * params * batch / flops_rate
    step = max(step_memory, step_compute)
    bound = "memory-bandwidth" if step_memory >= step_compute else "compute"
    weights_only_tps = byte_rate / weight_bytes

    steps = (
        Step("prefill FLOPs", f"2 x {format_number(params)} x {format_number(prompt_tokens)} tokens x {batch}",
             Quantity(prefill_flops, "FLOPs")),
        Step("effective FLOP/s", f"{peak_flops:.4g} x {utilization:g}", Quantity(flops_rate, "FLOP/s")),
        Step("TTFT if compute-bound", f"{prefill_flops:.4g} / {flops_rate:.4g}", _seconds(ttft_compute)),
        Step("TTFT floor: read the weights once", f"{format_bytes(weight_bytes)} / {byte_rate:.4g} B/s",
             _seconds(ttft_memory)),
        Step("KV bytes per token", f"2 x {layers} x {kv_heads} x {head_dim} x {format_number(DTYPE_BYTES[kv_dtype])} B",
             bytes_quantity(kv_per_token)),
        Step("bytes read per decode step", f"{format_bytes(weight_bytes)} weights + {batch} x "
             f"{format_number(prompt_tokens)} tokens x {format_bytes(kv_per_token)}", bytes_quantity(step_bytes)),
        Step("decode step, memory", f"{format_bytes(step_bytes)} / {byte_rate:.4g} B/s", _seconds(step_memory)),
        Step("decode step, compute", f"2 x {format_number(params)} x {batch} / {flops_rate:.4g}",
             _seconds(step_compute)),
        Step("weights-only bound (batch 1)", f"{byte_rate:.4g} B/s / {format_bytes(weight_bytes)}",
             Quantity(weights_only_tps, "tokens/s", f"{weights_only_tps:.2f} tokens/s")),
    )
    return Calculation(
        concept="ttft-tps",
        title="TTFT and TPS: prefill is compute-bound, decode is bandwidth-bound",
        formula="TTFT ~ 2 x params x prompt_tokens / FLOP/s;  TPS ~ bandwidth / bytes read per token",
        inputs={
            "params": Quantity(params, "parameters"), "prompt_tokens": Quantity(prompt_tokens, "tokens"),
            "batch": Quantity(batch, "requests"), "dtype": Quantity(dtype, "dtype"),
            "peak_flops": Quantity(peak_flops, "FLOP/s"), "utilization": Quantity(utilization, "fraction"),
            "bandwidth": Quantity(bandwidth, "bytes/s", f"{format_bytes(bandwidth, decimal=True)}/s"),
            "bandwidth_utilization": Quantity(bandwidth_utilization, "fraction"),
            "layers": Quantity(layers, "layers"), "kv_heads": Quantity(kv_heads, "heads"),
            "head_dim": Quantity(head_dim, "dims"), "kv_dtype": Quantity(kv_dtype, "dtype"),
        },
        steps=steps,
        results={
            "prefill_flops": Quantity(prefill_flops, "FLOPs"),
            "ttft_seconds": _seconds(ttft),
            "decode_bytes_per_step": bytes_quantity(step_bytes),
            "decode_step_seconds": _seconds(step),
            "decode_bound": Quantity(bound, ""),
            "tps_per_request": Quantity(1 / step, "tokens/s", f"{1 / step:.2f} tokens/s"),
            "tps_total": Quantity(batch / step, "tokens/s", f"{batch / step:.2f} tokens/s"),
            "tps_weights_only": Quantity(weights_only_tps, "tokens/s", f"{weights_only_tps:.2f} tokens/s"),
        },
        notes=("Batching raises total TPS almost for free while decode is bandwidth-bound: the weights are "
               "read once per step for the whole batch; the KV reads still grow per request.",
               "Long prompts raise TTFT linearly and slow every later step through the larger cache."),
        sources=(KAPLAN_2020, H100_DATASHEET, DATABRICKS_2023),
    )


def _seconds(value: float) -> Quantity:
    shown = f"{value * 1000:.2f} ms" if value < 1 else f"{value:.3f} s"
    return Quantity(value, "s", shown)


_LLAMA_2_7B = PRESETS["llama-2-7b"]

TTFT_TPS = CalculatorSpec(
    concept="ttft-tps",
    function=ttft_tps,
    inputs=(
        count_input("params", "parameters", _LLAMA_2_7B.params, "parameters per token (active for MoE)", PARAMS),
        count_input("prompt_tokens", "tokens", 2048, "prompt length", CONTEXT_TOKENS),
        count_input("batch", "requests", 1, "concurrent requests", BATCH),
        dtype_input("dtype", "fp16", "weight dtype"),
        number_input("peak_flops", "FLOP/s", 989.4e12, "peak dense FLOP/s (H100 SXM BF16: 989.4T)", _FLOP_RATE),
        number_input("utilization", "fraction", 0.5, "achieved share of peak FLOP/s (MFU)", _SHARE),
        bytes_input("bandwidth", 3.35e12, "memory bandwidth (H100 SXM: 3.35TB/s)", _BANDWIDTH, unit_hint="TB",
                    per_second=True),
        number_input("bandwidth_utilization", "fraction", 1.0, "achieved share of bandwidth (MBU)", _SHARE),
        count_input("layers", "layers", _LLAMA_2_7B.layers, "transformer blocks (KV reads)", LAYERS),
        count_input("kv_heads", "heads", _LLAMA_2_7B.n_kv_heads, "key/value heads (KV reads)", HEADS),
        count_input("head_dim", "dims", _LLAMA_2_7B.head_dim, "head dimension (KV reads)", HEAD_DIM),
        dtype_input("kv_dtype", "fp16", "dtype of the KV cache"),
    ),
    preset_fields={"active_params": "params", "layers": "layers", "n_kv_heads": "kv_heads", "head_dim": "head_dim"},
)
