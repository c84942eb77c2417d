"""Find a concept or a layer from what a person types.

A concept answers to its id, its title and its aliases. :func:`find_concept`
first compares them in *compact form* (case-folded, with every space, hyphen,
underscore and punctuation mark removed, so ``"kv cache"``, ``"kvcache"`` and
``"KV-Cache"`` are all ``"kvcache"``); failing that it scores every name with
rapidfuzz's ``WRatio`` (a weighted mix of whole-string, partial and token-order
ratios, 0-100) on both the spaced and the compact form, which forgives small typos
(``"speculative decodng"``) and abbreviated words (``"flash attn"``). Between the
two, a query whose every word starts a word of one concept's name, in order
(``"spec decoding"``, ``"paged attn"`` is not one, ``"cont batching"`` is), names
that concept: people shorten words from the end, and partial-ratio scores would
otherwise tie ``"spec decoding"`` with any name that merely contains ``decoding``.

Field shorthand (:data:`ABBREVIATIONS`: ``attn``, ``ctx``, ``moe``, ``kv``...) is
understood in both steps before the fuzzy one: a query equal to a name once
every word in the table is written short on both sides (``"self attn"``,
``"selfattn"``, ``"ctx engineering"``) names that concept, and the prefix rule also
tries the query with its shorthand spelled out (``"ctx win"`` -> ``"context win"``).

Only the fuzzy step imports rapidfuzz; an exact id or alias costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from llmconcepts.cardbank.model import CardBank, Concept, Layer
from llmconcepts.errors import AmbiguousConceptError, LlmcError, UnknownConceptError

#: Lowest WRatio score (0-100) accepted as a match. 85 lets through one or two typos
#: or an abbreviated word in a two-word name, and keeps unrelated names out (their
#: best scores in the built-in bank stay below 80).
MATCH_CUTOFF = 85.0
#: Candidates within this many points of the best are "equally good": the query is
#: ambiguous rather than silently resolved to one of them.
TIE_MARGIN = 3.0
SUGGESTIONS = 3

_SEPARATORS = re.compile(r"[\W_]+")

#: Shorthand people type for words of concept names -> the words in full. One
#: abbreviation per line; several may share a full form (emb, embed).
ABBREVIATIONS = {
    "attn": "attention",
    "ctx": "context",
    "dec": "decoding",
    "emb": "embedding",
    "embed": "embedding",
    "eval": "evaluation",
    "ft": "fine tuning",
    "gen": "generation",
    "kv": "key value",
    "mem": "memory",
    "moe": "mixture of experts",
    "norm": "normalization",
    "param": "parameter",
    "pos": "position",
    "quant": "quantization",
    "rag": "retrieval augmented generation",
    "sim": "similarity",
    "spec": "speculative",
    "tok": "token",
}


class UnknownLayerError(LlmcError):
    """A layer id or title matched no layer; the message lists the valid ids."""

    def __init__(self, query: str, suggestion: str | None, layer_ids: Sequence[str]) -> None:
        self.query = query
        self.suggestion = suggestion
        hint = f" Did you mean '{suggestion}'?" if suggestion else ""
        super().__init__(f"no layer matches '{query}'.{hint} Layers: {', '.join(layer_ids)}.")


def compact(text: str) -> str:
    """Case-folded, letters and digits only: ``"KV-Cache"`` -> ``"kvcache"``."""
    return _SEPARATORS.sub("", text.casefold())


def spaced(text: str) -> str:
    """Case-folded, every run of separators one space: ``"KV_Cache!"`` -> ``"kv cache"``."""
    return _SEPARATORS.sub(" ", text.casefold()).strip()


def concept_names(concept: Concept) -> tuple[str, ...]:
    """Every name a concept answers to: id, title, aliases."""
    return (concept.id, concept.title, *concept.aliases)


def find_concept(bank: CardBank, query: str) -> Concept:
    """The concept ``query`` names.

    Args:
        bank: the loaded bank.
        query: an id, alias or title as typed, e.g. ``"kv cache"``, ``"GQA"``, ``"flash attn"``.

    Raises:
        UnknownConceptError: nothing matches well enough; carries the three nearest ids.
        AmbiguousConceptError: several concepts match equally well; carries their ids in
            curriculum order.
    """
    if query in bank:
        return bank.concept(query)
    key = compact(query)
    if not key:
        raise UnknownConceptError(query, [])
    for form in (compact, _compact_shorthand):  # as typed first, then with shorthand on both sides
        target = form(query)
        exact = [c for c in bank.concepts if any(form(n) == target for n in concept_names(c))]
        if len(exact) == 1:
            return exact[0]
        if exact:
            raise AmbiguousConceptError(query, [c.id for c in exact])
    words = spaced(query).split()
    forms = {query, " ".join(ABBREVIATIONS.get(word, word) for word in words)}  # as typed, spelled out
    abbreviated = [c for c in bank.concepts if len(words) > 1 and  # one typed word is too weak a signal
                   any(_abbreviates(form, n) for form in forms for n in concept_names(c))]
    if len(abbreviated) == 1:
        return abbreviated[0]
    ranked = _rank(query, bank.concepts, concept_names)
    best_score = ranked[0][0] if ranked else 0.0
    if best_score < MATCH_CUTOFF:
        raise UnknownConceptError(query, nearest_concepts(bank, query))
    tied = [c for score, c in ranked if score >= best_score - TIE_MARGIN]
    if len(tied) > 1:
        raise AmbiguousConceptError(query, [c.id for c in tied])
    return tied[0]


def _contractions() -> list[tuple[str, str]]:
    """(long, short) replacements that write every word of :data:`ABBREVIATIONS` in its
    shortest abbreviation, longest first (``embedding`` before ``embed``)."""
    shortest: dict[str, str] = {}
    for abbreviation, full in ABBREVIATIONS.items():
        full = compact(full)
        if full not in shortest or len(abbreviation) < len(shortest[full]):
            shortest[full] = abbreviation
    pairs = [(full, short) for full, short in shortest.items()]
    pairs += [(abbreviation, shortest[compact(full)]) for abbreviation, full in ABBREVIATIONS.items()
              if abbreviation != shortest[compact(full)]]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


_CONTRACTIONS = _contractions()


def shorthand(compact_text: str) -> str:
    """A compact name with every word of :data:`ABBREVIATIONS` written short:
    ``"selfattention"`` -> ``"selfattn"``, ``"speculativedecoding"`` -> ``"specdec"``."""
    for long, short in _CONTRACTIONS:
        compact_text = compact_text.replace(long, short)
    return compact_text


def _compact_shorthand(text: str) -> str:
    return shorthand(compact(text))


def _abbreviates(query: str, name: str) -> bool:
    """True when each word of ``query`` starts a word of ``name``, in order, and the
    query has at least two words (one short word is too weak a signal)."""
    query_words, name_words = spaced(query).split(), spaced(name).split()
    if len(query_words) < 2:
        return False
    position = 0
    for word in query_words:
        while position < len(name_words) and not name_words[position].startswith(word):
            position += 1
        if position == len(name_words):
            return False
        position += 1
    return True


def nearest_concepts(bank: CardBank, query: str, limit: int = SUGGESTIONS) -> list[str]:
    """Ids of the ``limit`` concepts whose names are closest to ``query``, best first.

    Ranked by the mean of WRatio and the plain ratio: WRatio alone rates a short id
    that happens to sit inside the query (``rag`` in ``paged memory``) as highly as
    a real near-miss, which makes for poor suggestions."""
    return [c.id for _, c in _rank(query, bank.concepts, concept_names, suggesting=True)[:limit]]


def find_layer(bank: CardBank, query: str) -> Layer:
    """The layer ``query`` names (id or title, forgiving case, separators and typos).

    Raises:
        UnknownLayerError: no layer matches; suggests the nearest and lists them all.
    """
    key = compact(query)
    for layer in bank.layers:
        if key and key in (compact(layer.id), compact(layer.title)):
            return layer
    ranked = _rank(query, bank.layers, lambda layer: (layer.id, layer.title)) if key else []
    if (
        ranked
        and ranked[0][0] >= MATCH_CUTOFF
        and (len(ranked) == 1 or ranked[1][0] < ranked[0][0] - TIE_MARGIN)
    ):
        return ranked[0][1]
    suggestion = ranked[0][1].id if ranked and ranked[0][0] >= 50 else None
    raise UnknownLayerError(query, suggestion, [layer.id for layer in bank.layers])


def _rank(query, items: Iterable, names_of, suggesting: bool = False) -> list[tuple[float, object]]:
    """``(score, item)`` best first; an item's score is that of its best-matching name.
    Ties keep the items' own order (curriculum order)."""
    from rapidfuzz import fuzz

    query_spaced, query_compact = spaced(query), compact(query)

    def name_score(name: str) -> float:
        weighted = max(fuzz.WRatio(query_spaced, spaced(name)), fuzz.WRatio(query_compact, compact(name)))
        return (weighted + fuzz.ratio(query_spaced, spaced(name))) / 2 if suggesting else weighted

    scored = [(max(map(name_score, names_of(item))), position, item) for position, item in enumerate(items)]
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [(score, item) for score, _, item in scored]
