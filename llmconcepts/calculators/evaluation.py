"""Evaluation calculators: retrieval metrics for RAG and perplexity."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from llmconcepts.calculators.base import (
    VOCAB,
    Calculation,
    CalculatorSpec,
    Each,
    InputSpec,
    Quantity,
    Range,
    Step,
    count_input,
    format_number,
    number_input,
    parse_number_list,
    positive,
    undefined,
)
from llmconcepts.calculators.validation import (
    at_least_one,
    each,
    ensure,
    fail,
    finite_non_negative,
    format_vectors,
    parse_choice,
    parse_vectors,
)

_DCG = ("Jarvelin & Kekalainen 2002, 'Cumulated gain-based evaluation of IR techniques', ACM TOIS 20(4); "
        "form used: DCG_k = sum_{i=1..k} rel_i / log2(i + 1), nDCG = DCG / IDCG (Wikipedia, "
        "'Discounted cumulative gain', example section)")
_MRR = "Voorhees 1999, 'The TREC-8 Question Answering Track Report': mean reciprocal rank"
_PPL = ("Hugging Face Transformers docs, 'Perplexity of fixed-length models': "
        "PPL(X) = exp(-(1/t) sum_i log p(x_i | x_<i))")
_GPT2 = "Radford et al. 2019, 'Language Models are Unsupervised Multitask Learners' (GPT-2 BPE vocabulary: 50,257)"

DEFAULT_RELEVANCES = ((3.0, 2.0, 3.0, 0.0, 1.0, 2.0),)

#: Relevance grades (TREC-style scales run 0-3 or 0-4; 1e6 leaves room for any scale) and the
#: cutoff k (ranks past the list count as non-relevant, so k may exceed it).
_GRADE = Range(0, 1e6)
_CUTOFF = Range(1, 100_000)

#: Why recall or nDCG has no value: nothing relevant to find, or no gain at all (0 / 0).
NO_RELEVANT = "no relevant documents"
NO_GAIN = "every grade is 0, so the ideal DCG is 0"

#: DCG terms written out in the working; a longer list ends in "+ ...".
_SHOWN_TERMS = 12


def _defined(value: float, unit: str, reason: str) -> Quantity:
    """A metric, or an honest 'undefined (reason)' when it is 0 / 0 (nan)."""
    return undefined(unit, reason) if math.isnan(value) else Quantity(value, unit)


@dataclass(frozen=True)
class RankingScores:
    """Metrics of one query's ranked list at cutoff k (nan where undefined)."""

    hits: int
    relevant_total: int
    precision: float
    recall: float
    reciprocal_rank: float
    dcg: float
    idcg: float

    @property
    def ndcg(self) -> float:
        return self.dcg / self.idcg if self.idcg > 0 else math.nan


def dcg(gains: np.ndarray) -> float:
    """DCG = sum_{i=1..n} gain_i / log2(i + 1) (linear gain, ranks from 1)."""
    ranks = np.arange(1, gains.size + 1)
    return float((gains / np.log2(ranks + 1)).sum())


def score_ranking(retrieved: tuple[float, ...], k: int, threshold: float,
                  judged: tuple[float, ...] = ()) -> RankingScores:
    """recall@k, precision@k, reciprocal rank (within k), DCG@k and IDCG@k of one query.

    ``retrieved`` holds the graded relevance of each returned document, best-ranked
    first; a grade >= threshold counts as relevant. Ranks past the list count as
    non-relevant, so precision@k divides by k. The relevant total (recall's
    denominator) and the ideal ordering for IDCG come from ``judged`` (every judged
    document of the query) or, when empty, from the retrieved list itself.
    """
    grades = np.asarray(retrieved, dtype=float)
    top = np.zeros(k)
    top[: min(k, grades.size)] = grades[:k]
    pool = np.asarray(judged if judged else retrieved, dtype=float)
    is_hit = top >= threshold
    hits = int(is_hit.sum())
    relevant_total = int((pool >= threshold).sum())
    first_hit = int(np.argmax(is_hit)) + 1 if hits else 0
    ideal = np.sort(pool)[::-1][:k]
    return RankingScores(
        hits=hits,
        relevant_total=relevant_total,
        precision=hits / k,
        recall=hits / relevant_total if relevant_total else math.nan,
        reciprocal_rank=1 / first_hit if first_hit else 0.0,
        dcg=dcg(top),
        idcg=dcg(ideal),
    )


def _check_judged_covers(retrieved: tuple[float, ...], judged: tuple[float, ...], query: int) -> None:
    """Every non-zero grade retrieved must also appear among the judged documents."""
    missing = Counter(g for g in retrieved if g > 0) - Counter(g for g in judged if g > 0)
    if missing:
        fail(f"query {query}: the judged grades must include every retrieved non-zero grade "
             f"(missing {', '.join(f'{g:g}' for g in sorted(missing.elements()))})")


def _mean(values: list[float]) -> float:
    defined = [v for v in values if not math.isnan(v)]
    return sum(defined) / len(defined) if defined else math.nan


def rag_evaluation(
    relevances: tuple[tuple[float, ...], ...] = DEFAULT_RELEVANCES,
    k: int = 6,
    threshold: float = 1.0,
    judged: tuple[tuple[float, ...], ...] = (),
) -> Calculation:
    """Retrieval metrics from graded relevance lists, one list per query.

        precision@k = relevant in top k / k
        recall@k    = relevant in top k / relevant documents for the query
        RR          = 1 / rank of the first relevant document in the top k (0 if none);
                      MRR = mean RR over queries (Voorhees 1999)
        DCG@k       = sum_{i=1..k} rel_i / log2(i + 1)   (linear gain)
        nDCG@k      = DCG@k / DCG@k of the ideal ordering (Jarvelin & Kekalainen 2002)

    Args:
        relevances: per query, the grade of each retrieved document, best first;
            queries separated by ';' on the command line (grades >= 0).
        k: cutoff (ranks 1..k).
        threshold: smallest grade that counts as relevant for precision, recall and RR.
        judged: per query, the grades of every judged document (retrieved or not); sets
            recall's denominator and the ideal ranking. Empty: the retrieved list.

    Returns:
        Means over queries (undefined recall or nDCG, for a query with no relevant
        document, is skipped; when no query defines it the result is undefined:
        null in JSON with a note, "undefined (no relevant documents)" on screen).

    Raises:
        CalculatorInputError: negative or non-finite grades, k < 1, threshold <= 0,
            a judged list per query that does not cover the retrieved grades, or a
            different number of judged lists and queries.
    """
    ensure("relevances", relevances, each(finite_non_negative))
    ensure("judged", judged, each(finite_non_negative))
    ensure("k", k, at_least_one)
    ensure("threshold", threshold, positive)
    if not relevances:
        fail("give at least one relevance list")
    if judged and len(judged) != len(relevances):
        fail(f"{len(judged)} judged lists for {len(relevances)} queries; give one per query")
    for query, (retrieved, pool) in enumerate(zip(relevances, judged), start=1):
        _check_judged_covers(retrieved, pool, query)

    per_query = [score_ranking(retrieved, k, threshold, judged[i] if judged else ())
                 for i, retrieved in enumerate(relevances)]
    results = {
        "precision_at_k": Quantity(_mean([s.precision for s in per_query]), "fraction"),
        "recall_at_k": _defined(_mean([s.recall for s in per_query]), "fraction", NO_RELEVANT),
        "mrr": Quantity(_mean([s.reciprocal_rank for s in per_query]), ""),
        "dcg_at_k": Quantity(_mean([s.dcg for s in per_query]), "DCG"),
        "idcg_at_k": Quantity(_mean([s.idcg for s in per_query]), "DCG"),
        "ndcg_at_k": _defined(_mean([s.ndcg for s in per_query]), "fraction", NO_GAIN),
    }
    if len(per_query) > 1:
        per_query_ndcg = [None if math.isnan(s.ndcg) else s.ndcg for s in per_query]
        shown = ", ".join(format_number(v) for v in per_query_ndcg)  # None prints as "undefined"
        results["per_query_ndcg"] = Quantity(per_query_ndcg, "fraction", shown,
                                             f"null where undefined: {NO_GAIN}" if None in per_query_ndcg else None)
        results["per_query_rr"] = Quantity([s.reciprocal_rank for s in per_query], "")

    steps = []
    for query, (retrieved, scores) in enumerate(zip(relevances, per_query), start=1):
        prefix = f"q{query} " if len(per_query) > 1 else ""
        terms = " + ".join(f"{g:g}/log2({i + 1})" for i, g in enumerate(retrieved[:min(k, _SHOWN_TERMS)], start=1))
        if min(k, len(retrieved)) > _SHOWN_TERMS:
            terms += " + ..."
        steps += [
            Step(f"{prefix}hits in top {k}", f"grades >= {threshold:g}", Quantity(scores.hits, "documents")),
            Step(f"{prefix}precision@{k}", f"{scores.hits} / {k}", Quantity(scores.precision, "fraction")),
            Step(f"{prefix}recall@{k}", f"{scores.hits} / {scores.relevant_total}",
                 _defined(scores.recall, "fraction", NO_RELEVANT)),
            Step(f"{prefix}reciprocal rank", "1 / rank of first hit" if scores.hits else "no hit in top k",
                 Quantity(scores.reciprocal_rank, "")),
            Step(f"{prefix}DCG@{k}", terms, Quantity(scores.dcg, "DCG")),
            Step(f"{prefix}IDCG@{k}", "DCG of the grades sorted high to low", Quantity(scores.idcg, "DCG")),
            Step(f"{prefix}nDCG@{k}", f"{scores.dcg:.6g} / {scores.idcg:.6g}",
                 _defined(scores.ndcg, "fraction", NO_GAIN)),
        ]
    return Calculation(
        concept="rag-evaluation",
        title="RAG retrieval metrics: precision, recall, MRR, nDCG",
        formula="DCG@k = sum rel_i / log2(i+1); nDCG@k = DCG@k / IDCG@k; RR = 1 / first relevant rank",
        inputs={
            "relevances": Quantity([list(r) for r in relevances], "grades", format_vectors(relevances)),
            "k": Quantity(k, "ranks"),
            "threshold": Quantity(threshold, "grade"),
            "judged": Quantity([list(j) for j in judged], "grades",
                               format_vectors(judged) if judged else "(the retrieved lists)"),
        },
        steps=tuple(steps),
        results=results,
        notes=(
            "These score the retriever only; faithfulness and answer relevance need the generated text.",
            "Without judged=..., recall assumes every relevant document appears somewhere in the list.",
        ),
        sources=(_DCG, _MRR),
    )


RAG_EVALUATION = CalculatorSpec(
    concept="rag-evaluation",
    function=rag_evaluation,
    inputs=(
        InputSpec("relevances", "grades", DEFAULT_RELEVANCES, "grades best-first; ';' between queries (quote it)",
                  parse_vectors, Each(_GRADE)),
        count_input("k", "ranks", 6, "cutoff", _CUTOFF),
        number_input("threshold", "grade", 1.0, "smallest grade counted as relevant",
                     Range(0, _GRADE.high, low_open=True)),
        InputSpec("judged", "grades", (), "grades of all judged docs per query", parse_vectors,
                  Each(_GRADE), default_text="(retrieved)"),
    ),
)


# ---------------------------------------------------------------------------
# Perplexity

#: Four token probabilities whose perplexity is easy by hand: 2^(7/4).
DEFAULT_TOKEN_PROBABILITIES = (0.5, 0.25, 0.125, 0.5)

#: GPT-2's vocabulary size, used for the uniform-model baseline.
GPT2_VOCAB = 50_257


#: A token probability: down to 1e-45, about the smallest positive float32 a model's softmax
#: can return (-ln 1e-45 = 103.6 nats). A mean NLL up to 200 nats (or bits) keeps the
#: perplexity e^200 ~ 7e86 finite; real models score 1-10 nats.
_TOKEN_PROBABILITY = Range(1e-45, 1)
_MEAN_NLL = Range(0, 200)


def perplexity(
    probabilities: tuple[float, ...] = DEFAULT_TOKEN_PROBABILITIES,
    mean_nll: float | None = None,
    nll_unit: str = "nats",
    vocab_size: int = GPT2_VOCAB,
) -> Calculation:
    """Perplexity = exp(mean negative log-likelihood per token) = 2^(mean NLL in bits).

    From token probabilities: mean NLL = -(1/t) sum_i ln p(x_i | x_<i) (nats). Given
    ``mean_nll`` directly (in nats or bits), the probabilities are ignored. A model
    uniform over V tokens has perplexity exactly V, the baseline shown.

    Args:
        probabilities: the probability the model gave each observed token, in [1e-45, 1].
        mean_nll: mean NLL per token (0 to 200), or None to use ``probabilities``.
        nll_unit: "nats" (natural log) or "bits" (log base 2) for ``mean_nll``.
        vocab_size: V for the uniform baseline (tokens; default GPT-2's 50,257).

    Raises:
        CalculatorInputError: a probability outside [1e-45, 1], mean_nll outside
            [0, 200], an unknown unit, vocab_size < 1.
    """
    ensure("nll_unit", nll_unit, lambda u: None if u in ("nats", "bits") else "use nats or bits")
    ensure("vocab_size", vocab_size, at_least_one)
    if mean_nll is None:
        if not probabilities:
            fail("give token probabilities or mean_nll")
        ensure("probabilities", probabilities, Each(_TOKEN_PROBABILITY))
        log_probs = np.log(np.asarray(probabilities, dtype=float))
        nats = float(-log_probs.mean()) + 0.0  # + 0.0: all-certain tokens give 0, not -0.0
        source_step = Step("mean NLL", f"-(1/{len(probabilities)}) x sum ln p", Quantity(nats, "nats"))
        tokens = len(probabilities)
    else:
        ensure("mean_nll", mean_nll, _MEAN_NLL)
        nats = mean_nll * math.log(2) if nll_unit == "bits" else float(mean_nll)
        source_step = Step("mean NLL", f"{mean_nll:g} {nll_unit}" + (" x ln 2" if nll_unit == "bits" else ""),
                           Quantity(nats, "nats"))
        tokens = None
    bits = nats / math.log(2)
    ppl = math.exp(nats)

    steps = (
        source_step,
        Step("in bits", f"{nats:.6g} / ln 2", Quantity(bits, "bits")),
        Step("perplexity", f"exp({nats:.6g}) = 2^{bits:.6g}", Quantity(ppl, "")),
        Step("geometric-mean token probability", f"1 / {ppl:.6g}", Quantity(1 / ppl, "probability")),
        Step("uniform model over V tokens", f"exp(ln {vocab_size}) = {vocab_size}", Quantity(vocab_size, "")),
    )
    inputs = {"nll_unit": Quantity(nll_unit, ""), "vocab_size": Quantity(vocab_size, "tokens")}
    if tokens is None:
        inputs = {"mean_nll": Quantity(mean_nll, nll_unit), **inputs}
    else:
        inputs = {"probabilities": Quantity(list(probabilities), "probability"), **inputs}
    return Calculation(
        concept="perplexity",
        title="Perplexity from token probabilities",
        formula="PPL = exp(-(1/t) sum ln p(x_i | x_<i)) = exp(mean NLL)",
        inputs=inputs,
        steps=steps,
        results={
            "mean_nll_nats": Quantity(nats, "nats"),
            "mean_nll_bits": Quantity(bits, "bits"),
            "perplexity": Quantity(ppl, ""),
            "uniform_perplexity": Quantity(vocab_size, ""),
        },
        notes=(
            f"Perplexity {ppl:.4g} means the model was as unsure as a fair pick among {ppl:.4g} tokens.",
            "Compare perplexities only between models that share a tokenizer and test text: "
            "a different vocabulary changes what one token is.",
        ),
        sources=(_PPL, _GPT2),
    )


PERPLEXITY = CalculatorSpec(
    concept="perplexity",
    function=perplexity,
    inputs=(
        InputSpec("probabilities", "probability", DEFAULT_TOKEN_PROBABILITIES, "p of each observed token",
                  parse_number_list, Each(_TOKEN_PROBABILITY)),
        number_input("mean_nll", "nats or bits", None, "mean NLL per token; overrides probabilities",
                     _MEAN_NLL, default_text="(from probabilities)"),
        InputSpec("nll_unit", "", "nats", "unit of mean_nll: nats or bits", parse_choice("nats", "bits")),
        count_input("vocab_size", "tokens", GPT2_VOCAB, "V of the uniform baseline", VOCAB),
    ),
)
