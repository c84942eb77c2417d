"""rag-evaluation and perplexity: the published DCG/nDCG and uniform-vocabulary cases, hand calculations."""

from __future__ import annotations

import json
import math

import pytest
from calc_helpers import results

from llmconcepts.calculators.evaluation import perplexity, rag_evaluation
from llmconcepts.calculators.registry import get_calculator
from llmconcepts.errors import CalculatorInputError

log2 = math.log2


# ---------------------------------------------------------------------------
# RAG evaluation


def test_dcg6_wikipedia_example():
    # Wikipedia 'Discounted cumulative gain' example, relevances 3, 2, 3, 0, 1, 2:
    # 3/1 + 2/log2(3) + 3/2 + 0/log2(5) + 1/log2(6) + 2/log2(7) = 6.861 (published, 3 decimals)
    out = results(rag_evaluation())
    assert out["dcg_at_k"] == pytest.approx(6.861, abs=5e-4)
    hand = 3 / 1 + 2 / log2(3) + 3 / 2 + 0 + 1 / log2(6) + 2 / log2(7)
    assert out["dcg_at_k"] == pytest.approx(hand, rel=1e-12)
    assert out["dcg_at_k"] == pytest.approx(6.861126688593502, rel=1e-4)  # public.yaml value


def test_ndcg6_with_ideal_from_the_retrieved_grades():
    # ideal order 3, 3, 2, 2, 1, 0: 3 + 3/log2(3) + 2/2 + 2/log2(5) + 1/log2(6) = 7.1409951840957
    out = results(rag_evaluation())
    idcg = 3 + 3 / log2(3) + 2 / 2 + 2 / log2(5) + 1 / log2(6)
    assert out["idcg_at_k"] == pytest.approx(idcg, rel=1e-12)
    assert out["idcg_at_k"] == pytest.approx(7.1409951840957, rel=1e-4)
    assert out["ndcg_at_k"] == pytest.approx(0.9608081943360617, rel=1e-4)


def test_precision_recall_and_rr_of_the_default_list():
    # grades >= 1 are relevant: 5 of the 6 ranks; all 5 relevant documents are retrieved.
    out = results(rag_evaluation())
    assert out["precision_at_k"] == pytest.approx(5 / 6)
    assert out["recall_at_k"] == 1.0
    assert out["mrr"] == 1.0


def test_cutoff_three():
    # top 3 = 3, 2, 3: precision 3/3, recall 3/5; DCG@3 = 3 + 2/log2(3) + 3/2, IDCG@3 = 3 + 3/log2(3) + 2/2
    out = results(rag_evaluation(k=3))
    assert out["precision_at_k"] == 1.0
    assert out["recall_at_k"] == pytest.approx(0.6)
    assert out["ndcg_at_k"] == pytest.approx((3 + 2 / log2(3) + 1.5) / (3 + 3 / log2(3) + 1))


def test_mrr_over_three_queries():
    # first relevant ranks 3, 1, 2 -> (1/3 + 1 + 1/2) / 3 = 11/18
    calc = get_calculator("rag-evaluation").run(["relevances=0,0,1;1,0;0,1,0,0", "k=4"])
    out = results(calc)
    assert out["mrr"] == pytest.approx(11 / 18)
    assert out["per_query_rr"] == pytest.approx([1 / 3, 1.0, 0.5])


def test_a_query_without_relevant_documents():
    # recall = 0 hits / 0 relevant and nDCG = 0 / IDCG 0: both 0 / 0, so no value at all
    calc = rag_evaluation(relevances=((0.0, 0.0, 0.0),), k=3)
    out = results(calc)
    assert out["precision_at_k"] == 0.0
    assert out["mrr"] == 0.0
    assert out["recall_at_k"] is None and out["ndcg_at_k"] is None
    assert calc.results["recall_at_k"].display == "undefined (no relevant documents)"


def test_undefined_recall_is_skipped_in_the_mean():
    # query 1 has no relevant document (recall undefined); query 2: 1 hit of 2 relevant -> 0.5
    out = results(rag_evaluation(relevances=((0.0, 0.0), (1.0, 0.0, 1.0)), k=2))
    assert out["recall_at_k"] == pytest.approx(0.5)


def test_judged_list_sets_recall_denominator_and_ideal():
    # retrieved 1, 0, 1; four relevant documents judged: recall@3 = 2/4,
    # DCG@3 = 1 + 0 + 1/2, IDCG@3 = 1 + 1/log2(3) + 1/2
    calc = get_calculator("rag-evaluation").run(["relevances=1,0,1", "judged=1,1,1,1", "k=3"])
    out = results(calc)
    assert out["recall_at_k"] == pytest.approx(0.5)
    assert out["ndcg_at_k"] == pytest.approx(1.5 / (1.5 + 1 / log2(3)))


def test_ranks_past_the_list_count_as_misses():
    out = results(rag_evaluation(relevances=((1.0, 1.0),), k=4))
    assert out["precision_at_k"] == 0.5


def test_threshold_two():
    # grades >= 2 in 3, 2, 3, 0, 1, 2: four hits in six, all four relevant retrieved
    out = results(rag_evaluation(threshold=2))
    assert out["precision_at_k"] == pytest.approx(4 / 6)
    assert out["recall_at_k"] == 1.0


def test_json_reports_undefined_metrics_as_null_with_a_note():
    payload = rag_evaluation(relevances=((0.0,),), k=1).to_json_dict()
    assert payload["results"]["recall_at_k"] == {"value": None, "unit": "fraction",
                                                 "note": "undefined: no relevant documents"}
    json.dumps(payload, allow_nan=False)


def test_per_query_ndcg_marks_the_undefined_query():
    # query 1 has only zero grades (IDCG 0); query 2 is ideal already: nDCG 1
    calc = rag_evaluation(relevances=((0.0, 0.0), (2.0, 1.0)), k=2)
    assert results(calc)["per_query_ndcg"] == [None, 1.0]
    assert calc.results["per_query_ndcg"].display == "undefined, 1"


@pytest.mark.parametrize("assignments, fragment", [
    (["relevances=3,-1"], "relevances"),
    (["k=0"], "bad value for k"),
    (["threshold=0"], "threshold"),
    (["relevances=1,0;1", "judged=1"], "1 judged lists for 2 queries"),
    (["relevances=3,0", "judged=1,1"], "missing 3"),
    (["relevances=;"], "relevances"),
])
def test_rag_bad_inputs(assignments, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("rag-evaluation").run(assignments)


# ---------------------------------------------------------------------------
# Perplexity


def test_uniform_vocabulary_perplexity_equals_vocabulary_size():
    # public.yaml perplexity-uniform-vocab: p = 1/50257 for every token -> PPL = 50257,
    # mean NLL = ln 50257 = 10.82490511970208 nats
    out = results(perplexity(probabilities=(1 / 50257,) * 4))
    assert out["perplexity"] == pytest.approx(50257, rel=1e-9)
    assert out["mean_nll_nats"] == pytest.approx(10.82490511970208, rel=1e-12)


def test_perplexity_from_published_mean_nll():
    calc = get_calculator("perplexity").run(["mean_nll=10.82490511970208"])
    assert calc.results["perplexity"].value == pytest.approx(50257, rel=1e-9)


def test_default_probabilities_by_hand():
    # -log2 of 0.5, 0.25, 0.125, 0.5 = 1, 2, 3, 1 bits; mean 7/4 bits -> PPL 2^1.75 = 3.3635856610
    out = results(perplexity())
    assert out["mean_nll_bits"] == pytest.approx(1.75)
    assert out["perplexity"] == pytest.approx(2 ** 1.75)


@pytest.mark.parametrize("assignments, expected", [
    (["mean_nll=3", "nll_unit=bits"], 8.0),
    (["mean_nll=0"], 1.0),
    (["mean_nll=1"], math.e),
    (["probabilities=1,1,1"], 1.0),
])
def test_perplexity_cli_modes(assignments, expected):
    calc = get_calculator("perplexity").run(assignments)
    assert calc.results["perplexity"].value == pytest.approx(expected)


@pytest.mark.parametrize("assignments, fragment", [
    (["probabilities=0.5,0"], "probabilities"),
    (["probabilities=1.5"], "probabilities"),
    (["probabilities=-0.2"], "probabilities"),
    (["mean_nll=-1"], "mean_nll"),
    (["nll_unit=bytes"], "nll_unit"),
    (["vocab_size=0"], "vocab_size"),
])
def test_perplexity_bad_inputs(assignments, fragment):
    with pytest.raises(CalculatorInputError, match=fragment):
        get_calculator("perplexity").run(assignments)


def test_perplexity_direct_call_checks_unit():
    with pytest.raises(CalculatorInputError, match="nll_unit"):
        perplexity(mean_nll=1.0, nll_unit="bytes")
