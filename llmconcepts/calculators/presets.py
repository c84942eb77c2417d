"""Model presets: the published shapes of well-known models.

``model=llama-2-70b`` on the command line sets every calculator input that a
preset knows (layers, heads, KV heads, head dim, parameters...). Each preset
names the paper or model card its numbers come from. Parameter counts are the
exact totals implied by the published configuration (embeddings untied where
the config says so); the rounded names ("7B", "70B") come from the model cards.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmconcepts.errors import CalculatorInputError


@dataclass(frozen=True)
class ModelPreset:
    """Architecture numbers of one published model.

    Attributes:
        name: preset key as typed (lowercase, hyphenated).
        display: the model's own name.
        layers: transformer blocks (num_hidden_layers).
        n_heads: query heads per layer (num_attention_heads).
        n_kv_heads: key/value heads per layer (num_key_value_heads; = n_heads for MHA).
        head_dim: dimension of one head (hidden / n_heads).
        hidden: model width d_model.
        intermediate: feed-forward width of one (expert) MLP.
        vocab: vocabulary size.
        params: total parameters.
        active_params: parameters used per token (differs from params for MoE).
        experts, experts_per_token: MoE routing (None for dense models).
        context: trained context length in tokens.
        rope_base: RoPE theta base (None for learned absolute positions).
        source: where these numbers come from.
    """

    name: str
    display: str
    layers: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    hidden: int
    intermediate: int
    vocab: int
    params: int
    active_params: int
    context: int
    rope_base: float | None
    source: str
    experts: int | None = None
    experts_per_token: int | None = None

    @property
    def n_experts(self) -> int:
        """Experts per MoE layer; 1 for a dense model (so calculators can treat both alike)."""
        return self.experts or 1

    @property
    def n_experts_per_token(self) -> int:
        """Experts each token is routed to; 1 for a dense model."""
        return self.experts_per_token or 1


def decoder_parameters(layers: int, hidden: int, n_heads: int, n_kv_heads: int, head_dim: int,
                       intermediate: int, vocab: int, experts: int = 1, experts_per_token: int = 1,
                       tied_embeddings: bool = False) -> tuple[int, int]:
    """Exact (total, active-per-token) parameters of a Llama/Mistral-style decoder.

    No biases; SwiGLU MLP (gate, up, down: 3 x hidden x intermediate per expert);
    two RMSNorm weight vectors per block plus a final one; a linear router of
    hidden x experts per block when ``experts > 1``; input and output embeddings
    of vocab x hidden each unless tied. Per block::

        attention = 2*hidden*(n_heads*head_dim) + 2*hidden*(n_kv_heads*head_dim)
        total     = attention + router + 2*hidden + experts           * 3*hidden*intermediate
        active    = attention + router + 2*hidden + experts_per_token * 3*hidden*intermediate

    Source: the HF ``LlamaForCausalLM`` / ``MixtralForCausalLM`` module layout
    read off the config.json of each preset; Jiang et al. 2024 (arXiv:2401.04088)
    for the sparse MoE block. Returns parameters (counts).
    """
    attention = 2 * hidden * n_heads * head_dim + 2 * hidden * n_kv_heads * head_dim
    router = hidden * experts if experts > 1 else 0
    shared = attention + router + 2 * hidden
    mlp = 3 * hidden * intermediate
    embeddings = (1 if tied_embeddings else 2) * vocab * hidden
    total = embeddings + layers * (shared + experts * mlp) + hidden
    active = embeddings + layers * (shared + experts_per_token * mlp) + hidden
    return total, active


def _llama(name: str, display: str, layers: int, hidden: int, n_heads: int, n_kv_heads: int,
           intermediate: int, vocab: int, context: int, rope_base: float, source: str) -> ModelPreset:
    params, _ = decoder_parameters(layers, hidden, n_heads, n_kv_heads, hidden // n_heads, intermediate, vocab)
    return ModelPreset(name, display, layers, n_heads, n_kv_heads, hidden // n_heads, hidden,
                       intermediate, vocab, params, params, context, rope_base, source)


_LLAMA2 = ("Touvron et al. 2023, 'Llama 2: Open Foundation and Fine-Tuned Chat Models', "
           "arXiv:2307.09288, Table 1; meta-llama/{repo} config.json")
_LLAMA3 = "Meta Llama 3 model card (2024), GQA for 8B and 70B; meta-llama/{repo} config.json"

PRESETS: dict[str, ModelPreset] = {
    p.name: p
    for p in (
        ModelPreset(
            name="opt-13b", display="OPT-13B", layers=40, n_heads=40, n_kv_heads=40, head_dim=128,
            hidden=5120, intermediate=20480, vocab=50272, params=12_853_473_280,
            active_params=12_853_473_280, context=2048, rope_base=None,
            source=("Zhang et al. 2022, 'OPT: Open Pre-trained Transformer Language Models', "
                    "arXiv:2205.01068, Table 1 (40 layers, 40 heads, d_model 5120); used as the "
                    "running example of Kwon et al. 2023 (PagedAttention) section 3"),
        ),
        _llama("llama-2-7b", "Llama-2-7B", 32, 4096, 32, 32, 11008, 32000, 4096, 10000.0,
               _LLAMA2.format(repo="Llama-2-7b-hf")),
        _llama("llama-2-13b", "Llama-2-13B", 40, 5120, 40, 40, 13824, 32000, 4096, 10000.0,
               _LLAMA2.format(repo="Llama-2-13b-hf")),
        _llama("llama-2-70b", "Llama-2-70B", 80, 8192, 64, 8, 28672, 32000, 4096, 10000.0,
               _LLAMA2.format(repo="Llama-2-70b-hf") + " (GQA with 8 KV heads)"),
        _llama("llama-3-8b", "Llama-3-8B", 32, 4096, 32, 8, 14336, 128256, 8192, 500000.0,
               _LLAMA3.format(repo="Meta-Llama-3-8B")),
        _llama("llama-3-70b", "Llama-3-70B", 80, 8192, 64, 8, 28672, 128256, 8192, 500000.0,
               _LLAMA3.format(repo="Meta-Llama-3-70B")),
        _llama("mistral-7b", "Mistral-7B", 32, 4096, 32, 8, 14336, 32000, 8192, 10000.0,
               "Jiang et al. 2023, 'Mistral 7B', arXiv:2310.06825, Table 1; "
               "mistralai/Mistral-7B-v0.1 config.json"),
    )
}


def _mixtral() -> ModelPreset:
    layers, hidden, n_heads, n_kv, ffn, vocab, experts, top_k = 32, 4096, 32, 8, 14336, 32000, 8, 2
    head_dim = hidden // n_heads
    total, active = decoder_parameters(layers, hidden, n_heads, n_kv, head_dim, ffn, vocab, experts, top_k)
    return ModelPreset(
        name="mixtral-8x7b", display="Mixtral-8x7B", layers=layers, n_heads=n_heads, n_kv_heads=n_kv,
        head_dim=head_dim, hidden=hidden, intermediate=ffn, vocab=vocab, params=total,
        active_params=active, context=32768, rope_base=1_000_000.0, experts=experts,
        experts_per_token=top_k,
        source=("Jiang et al. 2024, 'Mixtral of Experts', arXiv:2401.04088 (47B total, 13B active); "
                "mistralai/Mixtral-8x7B-v0.1 config.json (8 experts, 2 per token, 8 KV heads)"),
    )


PRESETS["mixtral-8x7b"] = _mixtral()

_ALIASES = {"llama2-7b": "llama-2-7b", "llama2-13b": "llama-2-13b", "llama2-70b": "llama-2-70b",
            "llama3-8b": "llama-3-8b", "llama3-70b": "llama-3-70b", "mixtral": "mixtral-8x7b",
            "mistral": "mistral-7b", "opt13b": "opt-13b"}


def get_preset(name: str) -> ModelPreset:
    """The preset for a name, forgiving case, '_' vs '-' and 'llama2' vs 'llama-2'.

    Raises:
        CalculatorInputError: unknown name; the message lists every preset.
    """
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    if key in PRESETS:
        return PRESETS[key]
    listing = ", ".join(PRESETS)
    raise CalculatorInputError(f"unknown model preset '{name}'. Presets: {listing}")
