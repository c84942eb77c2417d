"""embedding-similarity and hybrid-search (RRF): hand calculations and the published RRF example."""

from __future__ import annotations

import pytest
from calc_helpers import results

from llmconcepts.calculators.registry import get_calculator
from llmconcepts.calculators.retrieval import embedding_similarity, hybrid_search
from llmconcepts.errors import CalculatorInputError


def test_default_vectors_by_hand():
    # q = (3, 4), |q| = 5
    # on-topic-short (0.6, 0.8): dot 1.8 + 3.2 = 5,  |c| = 1,  cosine 5 / 5 = 1
    # off-topic-long (12, 0):    dot 36,             |c| = 12, cosine 36 / 60 = 0.6
    # related (4, 3):            dot 12 + 12 = 24,   |c| = 5,  cosine 24 / 25 = 0.96
    out = results(embedding_similarity())
    assert out["query_norm"] == pytest.approx(5.0)
    assert out["dot"] == pytest.approx({"on-topic-short": 5.0, "off-topic-long": 36.0, "related": 24.0})
    assert out["norms"] == pytest.approx({"on-topic-short": 1.0, "off-topic-long": 12.0, "related": 5.0})
    assert out["cosine"] == pytest.approx({"on-topic-short": 1.0, "off-topic-long": 0.6, "related": 0.96})
    assert out["rank_by_dot"] == ["off-topic-long", "related", "on-topic-short"]
    assert out["rank_by_cosine"] == ["on-topic-short", "related", "off-topic-long"]
    assert out["rankings_agree"] is False


def test_unit_vectors_rank_the_same_both_ways():
    # All candidates have length 1 (0.6^2 + 0.8^2 = 1), so dot = cosine x |q|.
    out = results(embedding_similarity(candidates=((0.6, 0.8), (1.0, 0.0), (0.8, 0.6))))
    assert out["rankings_agree"] is True
    # dots with (3, 4): c1 1.8 + 3.2 = 5, c2 3, c3 2.4 + 2.4 = 4.8
    assert out["rank_by_dot"] == ["c1", "c3", "c2"]


def test_other_candidates_get_numbered_labels():
    out = results(embedding_similarity(candidates=((1.0, 0.0), (0.0, 2.0))))
    assert set(out["dot"]) == {"c1", "c2"}


def test_tied_scores_are_flagged():
    # q = (1, 1): (1, 0) and (0, 2) both make a 45 degree angle, cosine 1/sqrt(2)
    calc = embedding_similarity(query=(1.0, 1.0), candidates=((1.0, 0.0), (0.0, 2.0)))
    assert calc.results["cosine"].value == pytest.approx({"c1": 2 ** -0.5, "c2": 2 ** -0.5})
    assert any("tie" in note for note in calc.notes)
    assert not any("tie" in note for note in embedding_similarity().notes)


def test_cli_parses_vectors_and_labels():
    calc = get_calculator("embedding-similarity").run(["query=1,0", "candidates=2,0;0,3", "labels=x,y"])
    out = results(calc)
    assert out["dot"] == {"x": 2.0, "y": 0.0}
    assert out["cosine"] == {"x": 1.0, "y": 0.0}


@pytest.mark.parametrize("assignments, fragment", [
    (["candidates=1,2,3;4,5,6"], "needs 2 values"),
    (["candidates=0,0;1,1"], "zero vector"),
    (["query=0,0"], "zero vector"),
    (["labels=a,b"], "2 labels for 3 candidates"),
    (["labels=a,a,b"], "distinct"),
    (["candidates=1,2;;3,4"], "candidates"),
    (["query=1,nan"], "query"),
])
def test_similarity_bad_inputs(assignments, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("embedding-similarity").run(assignments)


# ---------------------------------------------------------------------------
# Hybrid search: Reciprocal Rank Fusion (Cormack et al. 2009)


def test_rrf_published_worked_example():
    # public.yaml rrf-two-list-worked-example, k = 60, ranks from 1:
    # d1: 1/61 + 1/62;  d3: 1/63 + 1/61;  d2: 1/62 + 1/64;  d5: 1/63;  d4: 1/64
    out = results(hybrid_search())
    expected = {"d1": 0.03252247488101534, "d3": 0.032266458495966696, "d2": 0.031754032258064516,
                "d5": 0.015873015873015872, "d4": 0.015625}
    assert out["scores"] == pytest.approx(expected, rel=1e-12)
    assert out["scores"]["d1"] == pytest.approx(1 / 61 + 1 / 62, rel=1e-15)
    assert out["fused_order"] == ["d1", "d3", "d2", "d5", "d4"]


def test_rrf_cli_lists_and_k():
    # k = 0: plain reciprocal ranks. a: 1/1 + 1/2 = 1.5, b: 1/2 + 1/1 = 1.5 (tie -> first seen), c: 1/3
    calc = get_calculator("hybrid-search").run(["list_a=a,b,c", "list_b=b,a", "k=0"])
    out = results(calc)
    assert out["scores"] == pytest.approx({"a": 1.5, "b": 1.5, "c": 1 / 3})
    assert out["fused_order"] == ["a", "b", "c"]


def test_document_in_both_lists_beats_a_single_first_place():
    # x: 1/61 only; y: 1/62 + 1/62 = 0.032258 > 1/61 = 0.016393
    out = results(hybrid_search(list_a=("x", "y"), list_b=("z", "y")))
    assert out["fused_order"][0] == "y"


@pytest.mark.parametrize("assignments, fragment", [
    (["list_a=d1,d2,d1"], "more than once"),
    (["k=-1"], "bad value for k"),
    (["list_b=,"], "list_b"),
])
def test_rrf_bad_inputs(assignments, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("hybrid-search").run(assignments)
