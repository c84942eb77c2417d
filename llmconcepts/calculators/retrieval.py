"""Retrieval calculators: embedding similarity and hybrid search (Reciprocal Rank Fusion)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from llmconcepts.calculators.base import (
    Calculation,
    CalculatorSpec,
    Each,
    InputSpec,
    Quantity,
    Range,
    Step,
    format_number,
    number_input,
    parse_number_list,
    parse_word_list,
)
from llmconcepts.calculators.validation import (
    each,
    ensure,
    fail,
    finite,
    finite_non_negative,
    named_values,
    parse_vectors,
)

_CORMACK = ("Cormack, Clarke, Buettcher 2009, 'Reciprocal Rank Fusion outperforms Condorcet and "
            "individual Rank Learning Methods', SIGIR 2009: RRFscore(d) = sum_r 1/(k + r(d)), k = 60")
_ELASTIC_RRF = "Elasticsearch reference, 'Reciprocal rank fusion': ranks start from 1"
_SIMILARITY = ("Cosine similarity = a.b / (|a| |b|); for unit-length vectors it equals the dot product "
               "(maximum inner product search ranks by a.b alone)")

#: Query and candidates chosen so the two rankings disagree completely (hand-checkable: |q| = 5).
DEFAULT_QUERY = (3.0, 4.0)
DEFAULT_CANDIDATES = ((0.6, 0.8), (12.0, 0.0), (4.0, 3.0))
DEFAULT_LABELS = ("on-topic-short", "off-topic-long", "related")

#: Vector components: embeddings are O(1) (unit vectors of hundreds of dimensions have
#: entries near 0.05); 1e6 leaves room for raw counts without any square overflowing.
_COMPONENT = Range(-1e6, 1e6)


def _ranking(labels: tuple[str, ...], scores: np.ndarray) -> list[str]:
    """Labels by descending score; ties keep input order."""
    return [labels[i] for i in np.argsort(-scores, kind="stable")]


def _has_ties(scores: np.ndarray) -> bool:
    ordered = np.sort(scores)
    return bool(np.any(np.isclose(ordered[1:], ordered[:-1], rtol=1e-12, atol=0.0)))


def embedding_similarity(
    query: tuple[float, ...] = DEFAULT_QUERY,
    candidates: tuple[tuple[float, ...], ...] = DEFAULT_CANDIDATES,
    labels: tuple[str, ...] = DEFAULT_LABELS,
) -> Calculation:
    """Rank candidate vectors against a query by cosine similarity and by dot product.

    dot(q, c) = sum_i q_i c_i;  cosine(q, c) = dot(q, c) / (|q| |c|), |v| = sqrt(sum v_i^2).
    The dot product grows with the candidate's length, so a long vector pointing
    partly away from the query can outrank a short one pointing straight at it;
    cosine compares direction only. Normalising every vector to length 1 makes the
    two rankings identical.

    Args:
        query: query vector (any units; only ratios matter).
        candidates: candidate vectors, same dimension as the query.
        labels: one name per candidate. The default names describe the default
            candidates; other candidates without labels are named c1, c2...

    Raises:
        CalculatorInputError: non-finite entries, mismatched dimensions, a zero vector
            (cosine undefined), or a label count that differs from the candidates.
    """
    ensure("query", query, each(finite))
    ensure("candidates", candidates, each(finite))
    q = np.asarray(query, dtype=float)
    if not candidates:
        fail("give at least one candidate vector")
    if any(len(c) != q.size for c in candidates):
        fail(f"every candidate needs {q.size} values, like the query "
             f"(got {', '.join(str(len(c)) for c in candidates)})")
    if tuple(labels) == DEFAULT_LABELS and tuple(map(tuple, candidates)) != DEFAULT_CANDIDATES:
        # the default names describe the default vectors only
        labels = tuple(f"c{i + 1}" for i in range(len(candidates)))
    if len(labels) != len(candidates):
        fail(f"{len(labels)} labels for {len(candidates)} candidates")
    if len(set(labels)) != len(labels):
        fail("labels must be distinct")
    matrix = np.asarray(candidates, dtype=float)
    # hypot keeps the length of a vector of tiny entries (1e-300) from underflowing to 0
    query_norm = float(np.hypot.reduce(q))
    norms = np.hypot.reduce(matrix, axis=1)
    if query_norm == 0 or np.any(norms == 0):
        fail("a zero vector has no direction, so its cosine similarity is undefined")

    dots = matrix @ q
    cosines = (matrix / norms[:, np.newaxis]) @ (q / query_norm)  # unit vectors first: no underflow
    by_dot = _ranking(labels, dots)
    by_cosine = _ranking(labels, cosines)

    steps = [Step("query length", "|q| = sqrt(sum q_i^2)", Quantity(query_norm, ""))]
    for label, dot, norm, cosine in zip(labels, dots, norms, cosines):
        steps.append(Step(f"{label}", f"dot = {dot:.6g}; |c| = {norm:.6g}; cosine = {dot:.6g} / "
                          f"({query_norm:.6g} x {norm:.6g})", Quantity(float(cosine), "")))
    agree = by_dot == by_cosine
    notes = [
        "Rankings agree." if agree else
        f"Rankings disagree: dot product puts '{by_dot[0]}' first, cosine puts '{by_cosine[0]}' first.",
        "Use the metric the embedding model was trained with; normalised embeddings make both the same.",
    ]
    if _has_ties(dots) or _has_ties(cosines):
        notes.append("Some scores tie; tied candidates keep their input order in the rankings.")
    return Calculation(
        concept="embedding-similarity",
        title="Cosine similarity vs dot product",
        formula="dot = q.c; cosine = q.c / (|q| |c|)",
        inputs={
            "query": Quantity(q.tolist(), "vector"),
            "candidates": Quantity({label: list(c) for label, c in zip(labels, candidates)}, "vectors",
                                   "; ".join(f"{label} ({', '.join(format_number(x) for x in c)})"
                                             for label, c in zip(labels, candidates))),
        },
        steps=tuple(steps),
        results={
            "dot": named_values(dict(zip(labels, dots.tolist())), ""),
            "cosine": named_values(dict(zip(labels, cosines.tolist())), ""),
            "norms": named_values(dict(zip(labels, norms.tolist())), ""),
            "query_norm": Quantity(query_norm, ""),
            "rank_by_dot": Quantity(by_dot, "labels"),
            "rank_by_cosine": Quantity(by_cosine, "labels"),
            "rankings_agree": Quantity(agree, ""),
        },
        notes=tuple(notes),
        sources=(_SIMILARITY,),
    )


EMBEDDING_SIMILARITY = CalculatorSpec(
    concept="embedding-similarity",
    function=embedding_similarity,
    inputs=(
        InputSpec("query", "vector", DEFAULT_QUERY, "query vector, e.g. 3,4", parse_number_list, Each(_COMPONENT)),
        InputSpec("candidates", "vectors", DEFAULT_CANDIDATES, "';' between vectors (quote it): '0.6,0.8;12,0'",
                  parse_vectors, Each(_COMPONENT)),
        InputSpec("labels", "", DEFAULT_LABELS, "candidate names, comma-separated", parse_word_list),
    ),
)


# ---------------------------------------------------------------------------
# Hybrid search

DEFAULT_LIST_A = ("d1", "d2", "d3", "d4")
DEFAULT_LIST_B = ("d3", "d1", "d5", "d2")

#: RRF's constant, fixed by Cormack et al. 2009 in a pilot study.
RRF_K = 60.0


def reciprocal_rank_fusion(rankings: tuple[tuple[str, ...], ...], k: float = RRF_K) -> dict[str, float]:
    """score(d) = sum over rankings containing d of 1 / (k + rank(d)), rank from 1.

    Returns documents in fused order: score descending, ties by first appearance
    (scanning the rankings in order). Cormack et al. 2009.
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    appearance = {doc: i for i, doc in enumerate(scores)}
    return dict(sorted(scores.items(), key=lambda item: (-item[1], appearance[item[0]])))


def hybrid_search(
    list_a: tuple[str, ...] = DEFAULT_LIST_A,
    list_b: tuple[str, ...] = DEFAULT_LIST_B,
    k: float = RRF_K,
) -> Calculation:
    """Fuse two ranked lists (e.g. BM25 and dense retrieval) with Reciprocal Rank Fusion.

    RRFscore(d) = sum_r 1 / (k + r(d)), r(d) the 1-based rank of d in list r; a list
    that misses d adds nothing (Cormack et al. 2009, k = 60). Only ranks matter, so
    scores on different scales (BM25 vs cosine) need no calibration.

    Args:
        list_a, list_b: document ids, best first.
        k: smoothing constant >= 0 (dimensionless); larger k flattens the gap
           between top and lower ranks.

    Raises:
        CalculatorInputError: a document repeated within one list, an empty list,
            negative or non-finite k.
    """
    ensure("k", k, finite_non_negative)
    for name, ranking in (("list_a", list_a), ("list_b", list_b)):
        if not ranking:
            fail(f"{name} is empty")
        repeated = sorted(d for d, times in Counter(ranking).items() if times > 1)
        if repeated:
            fail(f"{name} lists {', '.join(repeated)} more than once; a ranking names each document once")

    fused = reciprocal_rank_fusion((tuple(list_a), tuple(list_b)), k)
    rank_a = {doc: r for r, doc in enumerate(list_a, start=1)}
    rank_b = {doc: r for r, doc in enumerate(list_b, start=1)}

    def term(ranks: dict[str, int], doc: str) -> str:
        return f"1/({k:g} + {ranks[doc]})" if doc in ranks else "0"

    steps = tuple(
        Step(doc, f"{term(rank_a, doc)} + {term(rank_b, doc)}", Quantity(score, "RRF score"))
        for doc, score in fused.items()
    )
    return Calculation(
        concept="hybrid-search",
        title="Hybrid search: Reciprocal Rank Fusion",
        formula="score(d) = sum over lists of 1 / (k + rank(d)), rank from 1",
        inputs={
            "list_a": Quantity(list(list_a), "ranked ids"),
            "list_b": Quantity(list(list_b), "ranked ids"),
            "k": Quantity(k, ""),
        },
        steps=steps,
        results={
            "scores": named_values(fused, "RRF score"),
            "fused_order": Quantity(list(fused), "ranked ids"),
            "ranks_a": named_values(rank_a, "rank"),
            "ranks_b": named_values(rank_b, "rank"),
        },
        notes=(
            "A document ranked well in both lists beats one ranked first in only one of them.",
            f"With k = {k:g}, rank 1 scores {1 / (k + 1):.5f} and rank 10 scores {1 / (k + 10):.5f}: "
            "k damps the advantage of the very top ranks.",
        ),
        sources=(_CORMACK, _ELASTIC_RRF),
    )


HYBRID_SEARCH = CalculatorSpec(
    concept="hybrid-search",
    function=hybrid_search,
    inputs=(
        InputSpec("list_a", "ids", DEFAULT_LIST_A, "first ranking, best first (e.g. BM25)", parse_word_list),
        InputSpec("list_b", "ids", DEFAULT_LIST_B, "second ranking, best first (e.g. dense)", parse_word_list),
        number_input("k", "", RRF_K, "RRF constant (>= 0)", Range(0, 1e6)),
    ),
)
