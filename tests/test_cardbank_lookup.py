"""Concept and layer lookup: ids, aliases and titles, forgiving case, separators and
small typos; unknown queries suggest the nearest ids; equal matches are ambiguous.

The bank here is built from the curriculum's ids, layers and titles (the fixture
copy of concepts.yaml) plus a few aliases of the kind the card files give, so the
expectations are what a person reading the curriculum would pick.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from llmconcepts.cardbank.lookup import UnknownLayerError, find_concept, find_layer, nearest_concepts
from llmconcepts.cardbank.model import CardBank, Concept, Layer, SourceLocation
from llmconcepts.errors import AmbiguousConceptError, UnknownConceptError

CURRICULUM = Path(__file__).parent / "fixtures" / "curriculum.yaml"
ALIASES = {
    "kv-cache": ("kv cache", "key-value cache"),
    "mqa-gqa": ("GQA", "MQA", "grouped-query attention"),
    "self-attention": ("attention", "sdpa"),
    "mixture-of-experts": ("MoE",),
    "paged-attention": ("vLLM",),
}


def bank_of(concepts: list[tuple[str, str, tuple[str, ...]]], layers=(("demo", "Demo"),)) -> CardBank:
    where = SourceLocation(Path("cards.yaml"), 1)
    return CardBank(
        layers=tuple(Layer(lid, title, order) for order, (lid, title) in enumerate(layers)),
        concepts=tuple(
            Concept(cid, title, layers[0][0], aliases, (), (), (), where) for cid, title, aliases in concepts
        ),
    )


@pytest.fixture(scope="module")
def bank() -> CardBank:
    curriculum = yaml.safe_load(CURRICULUM.read_text(encoding="utf-8"))
    layers = tuple((layer["id"], layer["title"]) for layer in curriculum["layers"])
    concepts = [(c["id"], c["title"], ALIASES.get(c["id"], ())) for c in curriculum["concepts"]]
    return bank_of(concepts, layers)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kv-cache", "kv-cache"),  # the id
        ("kv cache", "kv-cache"),  # an alias
        ("kvcache", "kv-cache"),  # no separator
        ("KV-Cache", "kv-cache"),  # case
        ("KV_CACHE", "kv-cache"),  # underscore
        ("GQA", "mqa-gqa"),
        ("gqa", "mqa-gqa"),
        ("Grouped Query Attention", "mqa-gqa"),
        ("moe", "mixture-of-experts"),
        ("Scaled dot-product self-attention", "self-attention"),  # the title
        ("attention", "self-attention"),  # an exact alias beats fuzzy partial matches
        ("speculative decoding!", "speculative-decoding"),  # punctuation
        ("  Speculative   Decoding ", "speculative-decoding"),
        ("flash attn", "flash-attention"),  # abbreviated word
        ("speculative decodng", "speculative-decoding"),  # typo: dropped letter
        ("quantisation", "quantization"),  # British spelling
        ("Chinchilla", "scaling-laws"),  # a word of the title
        ("vllm", "paged-attention"),
        ("spec decoding", "speculative-decoding"),  # a shortened word
        ("cont batching", "continuous-batching"),
        ("mixture of exp", "mixture-of-experts"),
    ],
)
def test_finds_the_concept(bank: CardBank, query: str, expected: str):
    assert find_concept(bank, query).id == expected


def test_unknown_query_suggests_the_three_nearest_ids(bank: CardBank):
    with pytest.raises(UnknownConceptError) as caught:
        find_concept(bank, "kv-cash")
    assert len(caught.value.suggestions) == 3
    assert caught.value.suggestions[0] == "kv-cache"
    assert "kv-cache" in str(caught.value)


def test_suggestions_prefer_real_near_misses_over_short_ids_inside_the_query(bank: CardBank):
    assert nearest_concepts(bank, "paged memory")[0] == "paged-attention"
    assert nearest_concepts(bank, "tokenizer")[0] == "tokenization"


def test_nothing_alike_is_unknown_not_a_guess(bank: CardBank):
    for query in ("blockchain", "xyz", "photosynthesis"):
        with pytest.raises(UnknownConceptError):
            find_concept(bank, query)


def test_empty_query_is_unknown(bank: CardBank):
    with pytest.raises(UnknownConceptError):
        find_concept(bank, " -- ")


def test_several_equally_good_matches_are_ambiguous(bank: CardBank):
    with pytest.raises(AmbiguousConceptError) as caught:
        find_concept(bank, "agent")  # react-agents, multi-agent, agent-failures all contain it
    assert caught.value.candidates == ["react-agents", "multi-agent", "agent-failures"]  # curriculum order


def test_shortened_words_pick_the_one_name_they_start():
    # "decoding" alone also ends "autoregressive decoding"; only one name starts "spec ... decoding".
    bank = bank_of(
        [
            ("next-token-prediction", "Next-token prediction", ("autoregressive decoding",)),
            ("speculative-decoding", "Speculative decoding", ()),
        ]
    )
    assert find_concept(bank, "spec decoding").id == "speculative-decoding"
    assert find_concept(bank, "autoreg decoding").id == "next-token-prediction"


def test_two_concepts_sharing_a_name_are_ambiguous():
    # The loader refuses such a bank; lookup must still not pick one silently.
    bank = bank_of([("a-one", "First", ("shared name",)), ("b-two", "Second", ("Shared-Name",))])
    with pytest.raises(AmbiguousConceptError) as caught:
        find_concept(bank, "shared name")
    assert caught.value.candidates == ["a-one", "b-two"]


def test_an_exact_id_wins_over_another_concept_alias():
    bank = bank_of([("rag", "Retrieval-augmented generation", ()), ("graphrag", "GraphRAG", ("graph rag",))])
    assert find_concept(bank, "rag").id == "rag"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("runtime-constraints", "runtime-constraints"),
        ("Runtime constraints", "runtime-constraints"),
        ("RUNTIME_CONSTRAINTS", "runtime-constraints"),
        ("runtme constraints", "runtime-constraints"),
        ("Primer", "primer"),
    ],
)
def test_finds_the_layer(bank: CardBank, query: str, expected: str):
    assert find_layer(bank, query).id == expected


def test_unknown_layer_suggests_the_nearest_and_lists_all(bank: CardBank):
    with pytest.raises(UnknownLayerError) as caught:
        find_layer(bank, "model internals")
    message = str(caught.value)
    assert caught.value.suggestion == "model-mechanics"
    assert "Did you mean 'model-mechanics'?" in message
    assert (
        "primer, model-mechanics, runtime-constraints, systems-and-retrieval, evaluation-and-safety"
        in message
    )


def test_a_layer_query_unlike_any_layer_has_no_suggestion(bank: CardBank):
    with pytest.raises(UnknownLayerError) as caught:
        find_layer(bank, "xyz")
    assert caught.value.suggestion is None


# -- field shorthand (attn, ctx, moe, kv...): a query that spells a name in shorthand names it --

@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("self attn", "self-attention"),  # was tied with four names that merely contain "self"
        ("selfattn", "self-attention"),  # no separator: shorthand inside one word
        ("Self-Attn", "self-attention"),
        ("multi head attn", "multi-head-attention"),
        ("paged attn", "paged-attention"),
        ("spec dec", "speculative-decoding"),  # both words shortened
        ("specdec", "speculative-decoding"),
        ("ctx window", "context-window"),
        ("ctx win", "context-window"),  # shorthand spelled out, then the prefix rule
        ("layer norm", "layer-normalization"),
        ("quant", "quantization"),  # the whole title in shorthand
        ("rag eval", "rag-evaluation"),
        ("emb sim", "embedding-similarity"),
        ("embed similarity", "embedding-similarity"),  # two shorthands for one word
    ],
)
def test_shorthand_names_the_concept(bank: CardBank, query: str, expected: str):
    assert find_concept(bank, query).id == expected


def test_shorthand_in_the_built_in_bank():
    from llmconcepts.cardbank.loader import load_bank

    real = load_bank()
    for query, expected in [("self attn", "self-attention"), ("selfattn", "self-attention"),
                            ("spec dec", "speculative-decoding"), ("ctx engineering", "context-engineering"),
                            ("kv cache", "kv-cache"), ("supervised ft", "training-stages"),
                            ("support rag", "support-rag-design")]:  # an alias as typed still counts
        assert find_concept(real, query).id == expected, query


@pytest.mark.parametrize("query", ["cache", "decoding"])
def test_a_word_several_names_share_is_still_ambiguous(query):
    from llmconcepts.cardbank.loader import load_bank

    with pytest.raises(AmbiguousConceptError) as caught:
        find_concept(load_bank(), query)
    expected = {"cache": ["kv-cache", "semantic-caching"],
                "decoding": ["next-token-prediction", "sampling-controls", "speculative-decoding"]}[query]
    assert caught.value.candidates == expected  # in curriculum order


def test_one_shorthand_word_alone_is_not_resolved_by_its_expansion():
    # "kv" spelled out is "key value", the start of kv-cache's alias "key-value cache"; but kv
    # heads (mqa-gqa) and KV blocks (paged-attention) are KV too: one short word stays ambiguous.
    from llmconcepts.cardbank.loader import load_bank

    with pytest.raises(AmbiguousConceptError) as caught:
        find_concept(load_bank(), "kv")
    assert {"kv-cache", "mqa-gqa", "paged-attention"} <= set(caught.value.candidates)
