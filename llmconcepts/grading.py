"""Which key points a typed free-recall answer covers, and the rating that suggests.

A key point is covered when the answer contains one of its cues (see
docs/card-format.md, "Writing good cues") or the point's own statement, matched as
one more cue. A cue is matched word by word:

* both texts are lower-cased and split on anything that is not a letter or a
  digit, so case, hyphens and punctuation never matter (``KV-cache`` = ``kv cache``);
* small function words (``the``, ``of``, ``with``...) are dropped from both
  sides, except negations, which change the meaning;
* each remaining word is reduced to its Snowball (Porter 2) English stem, so
  plural and verb forms meet (``caches``/``cached``/``caching``);
* a cue word matches an answer word when the stems or the words are equal, or,
  for words longer than three characters without digits that share their first
  letter, when their rapidfuzz ``fuzz.ratio`` (normalised Indel similarity,
  0-100) reaches :data:`TYPO_SIMILARITY`. At 85 that forgives one inserted or
  dropped letter in words of five letters or more and one wrong letter in words
  of seven or more: ``atention``, ``quantisation``/``quantization``; but not
  ``taken`` for ``token`` or ``later`` for ``layer``;
* words that are short (three characters or fewer) or contain a digit must match
  exactly: ``top-k`` never covers ``top-p``, ``fp8`` never covers ``fp16``;
* the cue's words may come in any order but must lie close together: all within
  a window of ``2 * n + 1`` content words of the answer for a cue of ``n`` words;
* a compound written as one word or two meets both spellings (``kvcache`` and
  ``kv cache``), exactly: no typo allowance on a joined form, which would let a cue
  skip a whole word (``training compute only`` is not ``more training compute``);
* an acronym typed in capitals stands for the cue words it abbreviates: 2 to
  :data:`MAX_ACRONYM` consecutive cue words, the first and last not function words,
  spelt by their initials with or without the function words' (``EOS token`` and
  ``ES token`` for the cue ``end-of-sequence token``, ``KV cache`` or ``KVs cache``
  for ``key value cache``). Only part of a cue: at least one of its words must
  still be typed (``EOS`` alone does not make ``end-of-sequence token``), because
  initials alone collide too often in this field (``GPT`` and "given previous
  tokens", ``SM`` and "small model"); a card lists a bare acronym as a cue of its
  own. Capitals are required, and words often capitalised for emphasis (``NOT``,
  ``ONLY``) are never acronyms, because short words collide with initials too.

What it does not do: understand negation ("does not use softmax" still contains
the cue ``softmax``) or synonyms that the card author did not list as cues.
Stemming: Porter, M. F. (2001), *Snowball: A language for stemming algorithms*
(the ``snowballstemmer`` package). Fuzzy ratios: the ``rapidfuzz`` package.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from llmconcepts.cardbank.model import KeyPoint

TYPO_SIMILARITY = 85.0
"""Minimum rapidfuzz ``fuzz.ratio`` (0-100) for two words to count as one misspelt."""

SHORT_WORD = 3
"""Words of this many characters or fewer must match exactly (no typo allowance)."""

MAX_ACRONYM = 5
"""Most cue words one typed acronym may stand for."""

# Function words that carry no meaning on their own; negations are deliberately absent.
STOPWORDS = frozenset(
    """a an and are as at be been being by can could do does did for from has have had how i
    in into is it its it's of on or our s so than that the their them then there these they
    this those to too was we were what when where which while who why will with would you your
    t ll ve re""".split()
)

_WORD = re.compile(r"[^\W_]+")
_ACRONYM = re.compile(r"([A-Z]{2,})s?")  # as typed: "EOS", "KV", "LLMs"
# Words written in capitals for emphasis rather than as acronyms ("does NOT", "ONLY the last").
_SHOUTED = frozenset("no not nor never none only all any one must yes ok".split())
# Contractions whose verb is not the word before "n't": "can't" is "can not", "won't" "will not".
_CONTRACTED = {"can": "can", "won": "will", "shan": "shall", "ca": "can", "wo": "will"}
# Negations often typed without their apostrophe; read like "doesn't" ("cant" and "wont"
# are taken as negations too: in an answer they almost always are).
_UNMARKED_NEGATIONS = frozenset(
    "isnt arent wasnt werent doesnt dont didnt cant couldnt wont wouldnt shouldnt hasnt havent hadnt "
    "mustnt neednt".split()
)


@dataclass(frozen=True)
class _Word:
    """One word of a text: its lower-cased form, its stem and its character span.

    ``acronym``: the letters (lower-cased) when the word was typed in capitals as an
    acronym is (``EOS``, ``KVs``), else None. ``initials``: a cue word made of other cue
    words' initials, which only such a typed acronym matches.
    """

    raw: str
    stem: str
    start: int
    end: int
    acronym: str | None = None
    initials: bool = False
    joined: bool = False  # two or more words written as one ("kvcache"): matched exactly only


@dataclass(frozen=True)
class PointResult:
    """How one key point fared.

    Attributes:
        point: the key point from the card.
        covered: True when one of its cues was found in the answer.
        cue: the cue that matched (None when missed).
        evidence: the stretch of the typed answer that matched, verbatim (None when missed).
        span: ``(start, end)`` character offsets of ``evidence`` in the answer.
    """

    point: KeyPoint
    covered: bool
    cue: str | None = None
    evidence: str | None = None
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Grade:
    """The coverage of a typed answer.

    Attributes:
        answer: the typed answer as given.
        points: one result per key point, in the card's order.
        suggested: rating 1-4 from :func:`suggest_rating`, or None when nothing was typed.
    """

    answer: str
    points: tuple[PointResult, ...]
    suggested: int | None

    @property
    def covered(self) -> int:
        """Number of key points covered."""
        return sum(1 for p in self.points if p.covered)

    @property
    def total(self) -> int:
        """Number of key points on the card."""
        return len(self.points)

    @property
    def covered_points(self) -> tuple[str, ...]:
        """Texts of the covered key points, in card order (what the review log stores)."""
        return tuple(p.point.text for p in self.points if p.covered)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def _all_words(text: str) -> list[_Word]:
    """Every word of ``text``, stopwords included, with its span; a contracted negation
    is read as its two words ("isn't" as "is" and "not", "can't" and "cant" as "can"
    and "not")."""
    found = []
    for m in _WORD.finditer(text):
        lower = m.group().lower()
        if lower == "t" and found and _is_contraction(text, found[-1]):
            verb = found.pop()
            found.append(_Word(_CONTRACTED.get(verb.raw, verb.raw[:-1]), "", verb.start, verb.end - 1))
            found[-1] = replace(found[-1], stem=_stem(found[-1].raw))
            found.append(_Word("not", "not", verb.end - 1, m.end()))
            continue
        if lower in _UNMARKED_NEGATIONS:  # "doesnt", typed without the apostrophe
            verb = _CONTRACTED.get(lower[:-2], lower[:-2])
            found.append(_Word(verb, _stem(verb), m.start(), m.end() - 2))
            found.append(_Word("not", "not", m.end() - 2, m.end()))
            continue
        capitals = _ACRONYM.fullmatch(m.group())
        acronym = capitals.group(1).lower() if capitals and lower not in _SHOUTED else None
        found.append(_Word(lower, _stem(lower), m.start(), m.end(), acronym))
    return found


def _is_contraction(text: str, before: _Word) -> bool:
    """True when ``before`` and the "t" after it are one contracted negation ("isn't")."""
    return before.raw.endswith("n") and len(before.raw) > 2 and text[before.end : before.end + 1] in ("'", "’")


def _words(text: str) -> list[_Word]:
    """Content words of ``text`` with their spans; all words if every one is a stopword."""
    found = _all_words(text)
    content = [w for w in found if w.raw not in STOPWORDS]
    return content or found


def _exact_only(word: str) -> bool:
    return len(word) <= SHORT_WORD or any(ch.isdigit() for ch in word)


def _same_word(cue: _Word, typed: _Word) -> bool:
    """True when ``typed`` is ``cue`` up to inflection or a small typo (rules in the module doc)."""
    if cue.initials:
        return typed.acronym == cue.raw
    if cue.stem == typed.stem or cue.raw == typed.raw:
        return True
    if cue.joined or typed.joined:
        # A typo allowance on a joined form would let a cue skip or swap a whole word:
        # "trainingcomputeonly" is within 85 of "trainingcompute".
        return False
    if _exact_only(cue.raw) or _exact_only(typed.raw) or cue.raw[0] != typed.raw[0]:
        return False
    from rapidfuzz import fuzz

    return (
        fuzz.ratio(cue.raw, typed.raw, score_cutoff=TYPO_SIMILARITY) > 0
        or fuzz.ratio(cue.stem, typed.stem, score_cutoff=TYPO_SIMILARITY) > 0
    )


def _joined(first: _Word, second: _Word) -> _Word:
    raw = first.raw + second.raw
    return _Word(raw, _stem(raw), first.start, second.end, joined=True)


@dataclass(frozen=True)
class _Candidate:
    """An answer word (or two adjacent answer words written as one) at content positions."""

    word: _Word
    first: int
    last: int


def _candidates(answer_words: list[_Word]) -> list[_Candidate]:
    singles = [_Candidate(w, i, i) for i, w in enumerate(answer_words)]
    pairs = [
        _Candidate(_joined(answer_words[i], answer_words[i + 1]), i, i + 1)
        for i in range(len(answer_words) - 1)
    ]
    return singles + pairs


def _cue_variants(cue_words: list[_Word]) -> list[list[_Word]]:
    """The cue as written, and with each adjacent pair (and all words) written as one."""
    variants = [cue_words]
    for i in range(len(cue_words) - 1):
        variants.append(cue_words[:i] + [_joined(cue_words[i], cue_words[i + 1])] + cue_words[i + 2 :])
    if len(cue_words) > 2:
        whole = cue_words[0]
        for w in cue_words[1:]:
            whole = _joined(whole, w)
        variants.append([whole])
    return variants


def _acronym_variants(cue: str) -> list[list[_Word]]:
    """The cue with one run of its words replaced by their initials (see the module doc):
    ``end-of-sequence token`` gives ``[eos, token]``, ``[es, token]``, ``[eost]``..."""
    every = _all_words(cue)
    is_content = [w.raw not in STOPWORDS for w in every]
    variants = []
    for i, first in enumerate(every):
        if not is_content[i]:
            continue
        for j in range(i + 1, min(i + MAX_ACRONYM, len(every))):
            if not is_content[j]:
                continue
            run = range(i, j + 1)
            spellings = dict.fromkeys((
                "".join(every[k].raw[0] for k in run),
                "".join(every[k].raw[0] for k in run if is_content[k]),
            ))
            before = [w for k, w in enumerate(every[:i]) if is_content[k]]
            after = [w for k, w in enumerate(every[j + 1 :], j + 1) if is_content[k]]
            if not before and not after:
                continue  # initials alone collide too often: GPT is not "given previous tokens"
            for letters in spellings:
                if len(letters) >= 2 and letters.isalpha():
                    initials = _Word(letters, letters, first.start, every[j].end, initials=True)
                    variants.append([*before, initials, *after])
    return variants


def _place(
    options: list[list[_Candidate]], used: frozenset[int], lo: int, hi: int
) -> list[_Candidate] | None:
    """Pick one candidate per cue word, on distinct answer positions inside [lo, hi]."""
    if not options:
        return []
    for cand in options[0]:
        span = set(range(cand.first, cand.last + 1))
        if cand.first < lo or cand.last > hi or span & used:
            continue
        rest = _place(options[1:], used | span, lo, hi)
        if rest is not None:
            return [cand, *rest]
    return None


def _match_cue(cue_words: list[_Word], candidates: list[_Candidate]) -> tuple[int, int] | None:
    """Character span of the tightest place the cue's words occur close together (the
    earliest of the tightest), else None. Tightest, so that the evidence shown is the
    phrase that made the point, not a stray word before it."""
    options = [[c for c in candidates if _same_word(w, c.word)] for w in cue_words]
    if not all(options):
        return None
    window = 2 * len(cue_words) + 1
    best: tuple[int, list[_Candidate]] | None = None  # (width in words - 1, placement)
    # Every match window starts at the position of some candidate of some cue word.
    for lo in sorted({c.first for opts in options for c in opts}):
        for width in range(window if best is None else best[0]):
            placed = _place(options, frozenset(), lo, lo + width)
            if placed is not None:
                best = (width, placed)
                break
    if best is None:
        return None
    return min(c.word.start for c in best[1]), max(c.word.end for c in best[1])


def covers(answer: str, cue: str) -> bool:
    """True when ``answer`` contains ``cue`` under the matching rules of this module."""
    return _find_cue(cue, _candidates(_words(answer))) is not None


def _find_cue(cue: str, candidates: list[_Candidate]) -> tuple[int, int] | None:
    """Character span of the cue in the answer whose candidates are given, else None."""
    cue_words = _words(cue)
    if not cue_words or not candidates:
        return None
    for variant in _cue_variants(cue_words):
        span = _match_cue(variant, candidates)
        if span is not None:
            return span
    if any(c.word.acronym for c in candidates):  # only answers with a capitalised acronym
        for variant in _acronym_variants(cue):
            span = _match_cue(variant, candidates)
            if span is not None:
                return span
    return None


def suggest_rating(covered: int, total: int, answered: bool) -> int | None:
    """The rating the coverage suggests (the learner may always choose another).

    Args:
        covered: key points covered, 0..total.
        total: key points on the card (3-5 in a valid bank).
        answered: False when the learner typed nothing: then there is nothing to judge.

    Returns:
        None when nothing was typed; otherwise, with ``f = covered / total``:
        4 Easy when every point is covered, 3 Good when ``f >= 0.6``, 2 Hard when
        ``f >= 0.3``, 1 Again below that. With 3 points that is 0 -> Again,
        1 -> Hard, 2 -> Good, 3 -> Easy; with 4: 0-1 -> Again, 2 -> Hard,
        3 -> Good, 4 -> Easy; with 5: 0-1 -> Again, 2 -> Hard, 3-4 -> Good, 5 -> Easy.
        The thresholds are ours (a product choice, not from a paper): Again when
        most of the idea is missing, Good for a clear majority, Easy only for a
        complete answer.
    """
    if not answered:
        return None
    if total <= 0:
        return 3
    fraction = covered / total
    if covered >= total:
        return 4
    if fraction >= 0.6:
        return 3
    if fraction >= 0.3:
        return 2
    return 1


def grade_answer(answer: str, key_points: Sequence[KeyPoint]) -> Grade:
    """Mark each key point covered or missed by ``answer`` and suggest a rating.

    Args:
        answer: the learner's typed text (any characters; may be empty or blank).
        key_points: the card's key points, each with one or more cues.

    Returns:
        A :class:`Grade`; ``suggested`` is None when the answer is blank.
    """
    candidates = _candidates(_words(answer)) if answer.strip() else []
    results = []
    for point in key_points:
        results.append(_grade_point(answer, point, candidates))
    covered = sum(1 for r in results if r.covered)
    suggested = suggest_rating(covered, len(results), answered=bool(answer.strip()))
    return Grade(answer=answer, points=tuple(results), suggested=suggested)


def _grade_point(answer: str, point: KeyPoint, candidates: list[_Candidate]) -> PointResult:
    # The statement itself is the last cue: a learner who writes the point in the card's
    # own words has covered it, whichever shorter phrasings the author listed.
    for cue in (*point.cues, point.text):
        span = _find_cue(cue, candidates)
        if span is not None:
            return PointResult(point, True, cue, answer[span[0] : span[1]], span)
    return PointResult(point, False)
