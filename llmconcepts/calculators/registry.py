"""Which concepts have an explain-it calculator, and where each one lives.

``CALCULATORS`` maps a concept id to ``"module:ATTRIBUTE"``, the import path of
that concept's :class:`~llmconcepts.calculators.base.CalculatorSpec`. Modules are
imported lazily: ``get_calculator("kv-cache")`` imports only
``llmconcepts.calculators.memory``, so a lookup pays for one family of
calculators and nothing else.

To add a calculator: write the spec in a family module (one module per family,
e.g. ``memory``, ``attention``, ``retrieval``) and add ONE line below, keeping
the id sorted within its block.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from llmconcepts.errors import CalculatorInputError

if TYPE_CHECKING:
    from llmconcepts.calculators.base import CalculatorSpec

_PACKAGE = "llmconcepts.calculators"

CALCULATORS: dict[str, str] = {
    # calc-A: memory, attention, architecture, training, inference
    "kv-cache": f"{_PACKAGE}.memory:KV_CACHE",
    "layer-normalization": f"{_PACKAGE}.architecture:LAYER_NORMALIZATION",
    "lora-qlora": f"{_PACKAGE}.training:LORA_QLORA",
    "mixture-of-experts": f"{_PACKAGE}.architecture:MIXTURE_OF_EXPERTS",
    "mqa-gqa": f"{_PACKAGE}.attention:MQA_GQA",
    "multi-head-attention": f"{_PACKAGE}.attention:MULTI_HEAD_ATTENTION",
    "quantization": f"{_PACKAGE}.memory:QUANTIZATION",
    "rope": f"{_PACKAGE}.attention:ROPE",
    "scaling-laws": f"{_PACKAGE}.training:SCALING_LAWS",
    "self-attention": f"{_PACKAGE}.attention:SELF_ATTENTION",
    "ttft-tps": f"{_PACKAGE}.inference:TTFT_TPS",
    # calc-B: decoding, serving, retrieval, evaluation, economics
    "agent-failures": f"{_PACKAGE}.economics:AGENT_FAILURES",
    "continuous-batching": f"{_PACKAGE}.serving:CONTINUOUS_BATCHING",
    "cost-engineering": f"{_PACKAGE}.economics:COST_ENGINEERING",
    "embedding-similarity": f"{_PACKAGE}.retrieval:EMBEDDING_SIMILARITY",
    "flash-attention": f"{_PACKAGE}.serving:FLASH_ATTENTION",
    "hybrid-search": f"{_PACKAGE}.retrieval:HYBRID_SEARCH",
    "paged-attention": f"{_PACKAGE}.serving:PAGED_ATTENTION",
    "perplexity": f"{_PACKAGE}.evaluation:PERPLEXITY",
    "rag-evaluation": f"{_PACKAGE}.evaluation:RAG_EVALUATION",
    "sampling-controls": f"{_PACKAGE}.decoding:SAMPLING_CONTROLS",
    "speculative-decoding": f"{_PACKAGE}.decoding:SPECULATIVE_DECODING",
}


def has_calculator(concept_id: str) -> bool:
    """True when the concept id (exact, canonical) has a calculator. Imports nothing."""
    return concept_id in CALCULATORS


def calculator_ids() -> tuple[str, ...]:
    """Every concept id with a calculator, sorted."""
    return tuple(sorted(CALCULATORS))


def get_calculator(concept_id: str) -> CalculatorSpec:
    """The CalculatorSpec of a concept, importing only its family module.

    Raises:
        CalculatorInputError: the concept has no calculator (message lists those that do).
    """
    try:
        target = CALCULATORS[concept_id]
    except KeyError:
        raise CalculatorInputError(
            f"'{concept_id}' has no calculator. Concepts with one: {', '.join(calculator_ids())}"
        ) from None
    module_name, _, attribute = target.partition(":")
    return getattr(import_module(module_name), attribute)
