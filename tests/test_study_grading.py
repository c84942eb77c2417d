"""Answer matching: which key points a typed answer covers, and the suggested rating.

The cases are answers a learner would really type (typos, British spelling,
hyphenation, word order), each paired with a near-miss that must NOT count.
"""

from __future__ import annotations

import pytest

from llmconcepts.cardbank.model import KeyPoint
from llmconcepts.grading import covers, grade_answer, suggest_rating

KV_CACHE_POINTS = (
    KeyPoint("Keys and values of past tokens are stored", ("keys and values", "kv pairs")),
    KeyPoint("Each new token only computes its own projections", ("only the new token", "one token per step")),
    KeyPoint("Memory grows linearly with context length", ("linear in context length", "grows with sequence length")),
    KeyPoint("It trades memory for avoiding recomputation", ("avoids recomputation", "recompute attention")),
)


@pytest.mark.parametrize(
    ("answer", "cue"),
    [
        ("It keeps the Keys and Values from earlier steps", "keys and values"),  # case
        ("the cache stores the values and the keys", "keys and values"),  # any order
        ("it stores each key and value", "keys and values"),  # singular for plural
        ("the model cached every layer's output", "caching outputs"),  # verb forms
        ("KV-cache", "kv cache"),  # hyphen
        ("the kvcache grows", "kv cache"),  # written as one word
        ("uses a kv cache", "kv-cache"),
        ("the atention weights", "attention"),  # dropped letter
        ("the attenton weights", "attention"),  # dropped letter
        ("memory grows with the sequence length", "grows with sequence length"),
        ("tokenisation splits rare words", "tokenization"),  # British spelling
        ("RMSNorm normalises by the root mean square", "normalize"),
        ("it's top-k: keep the k most likely tokens", "top k"),
        ("scores are divided by sqrt(d_k)", "sqrt d_k"),
        ("quantizaton to int4 halves memory again", "quantization"),  # typo in a long word
    ],
)
def test_cue_is_found_despite_form(answer, cue):
    assert covers(answer, cue)


@pytest.mark.parametrize(
    ("answer", "cue"),
    [
        ("memory grows quadratically with sequence length", "linear in sequence length"),
        ("we sample with top-p", "top k"),  # one letter decides
        ("weights in fp8", "fp16"),  # numbers must match exactly
        ("it caches the keys only", "keys and values"),  # half a cue is not the cue
        ("the text was taken from the web", "token"),  # one wrong letter in a short word
        ("it happens later in the stack", "layer"),
        ("each player sees a different view", "layer"),  # a different first letter
        ("the keys are hashed into buckets and much later in a separate step the values", "keys and values"),
        ("queries attend to each other", "keys and values"),
        ("", "keys and values"),
        ("   \n  ", "attention"),
    ],
)
def test_near_miss_is_not_found(answer, cue):
    assert not covers(answer, cue)


def test_realistic_partial_answer_marks_points_and_suggests_hard():
    # Covers points 1 and 3 (with a typo and word order changed), not 2 or 4.
    answer = (
        "During decoding the model stores the values and keys of all previous tokens,\n"
        "so the memory grows with the sequnce length of the conversation."
    )
    grade = grade_answer(answer, KV_CACHE_POINTS)
    assert [p.covered for p in grade.points] == [True, False, True, False]
    assert grade.covered == 2 and grade.total == 4
    # 2 of 4 = 0.5: at least 0.3 and below 0.6 -> Hard.
    assert grade.suggested == 2
    first = grade.points[0]
    assert first.cue == "keys and values"
    assert first.evidence == "values and keys"
    assert answer[first.span[0] : first.span[1]] == first.evidence
    assert grade.covered_points == (KV_CACHE_POINTS[0].text, KV_CACHE_POINTS[2].text)


def test_complete_answer_suggests_easy():
    answer = (
        "KV pairs of past tokens are kept, so only the new token is projected each step; "
        "it is linear in context length and avoids recomputation of the prefix."
    )
    grade = grade_answer(answer, KV_CACHE_POINTS)
    assert grade.covered == 4
    assert grade.suggested == 4


def test_wrong_answer_suggests_again():
    grade = grade_answer("It compresses the weights to 4 bits.", KV_CACHE_POINTS)
    assert grade.covered == 0
    assert grade.suggested == 1


def test_empty_answer_has_no_suggestion():
    grade = grade_answer("", KV_CACHE_POINTS)
    assert grade.suggested is None
    assert grade.covered == 0
    assert grade_answer("  \n\t", KV_CACHE_POINTS).suggested is None


def test_markup_like_text_is_just_text():
    grade = grade_answer("[bold]keys and values[/] stored", KV_CACHE_POINTS)
    assert grade.points[0].covered
    assert grade.points[0].evidence == "keys and values"


@pytest.mark.parametrize(
    ("covered", "total", "expected"),
    [
        # 3 points: 0/3 = 0 -> Again, 1/3 = 0.33 -> Hard, 2/3 = 0.67 -> Good, 3/3 -> Easy
        (0, 3, 1), (1, 3, 2), (2, 3, 3), (3, 3, 4),
        # 4 points: 1/4 = 0.25 -> Again, 2/4 = 0.5 -> Hard, 3/4 = 0.75 -> Good
        (0, 4, 1), (1, 4, 1), (2, 4, 2), (3, 4, 3), (4, 4, 4),
        # 5 points: 1/5 = 0.2 -> Again, 2/5 = 0.4 -> Hard, 3/5 = 0.6 -> Good, 4/5 -> Good
        (1, 5, 1), (2, 5, 2), (3, 5, 3), (4, 5, 3), (5, 5, 4),
    ],
)
def test_suggestion_thresholds(covered, total, expected):
    assert suggest_rating(covered, total, answered=True) == expected


def test_no_suggestion_without_an_answer():
    assert suggest_rating(0, 4, answered=False) is None


@pytest.mark.parametrize(
    ("answer", "cue"),
    [
        ("it stops at the EOS token", "end-of-sequence token"),  # initials with the "of"
        ("it stops at the ES token", "end-of-sequence token"),  # initials of the content words
        ("the KV cache grows", "key value cache"),
        ("KVs cache per layer", "key value cache"),  # a plural acronym
        ("LLM outputs are sampled", "large language model outputs"),
    ],
)
def test_an_acronym_in_capitals_stands_for_the_cue_words_it_abbreviates(answer, cue):
    assert covers(answer, cue)


@pytest.mark.parametrize(
    ("answer", "cue"),
    [
        ("it stops at the eos token", "end-of-sequence token"),  # lower case: may be a word
        ("it uses EOS", "end-of-sequence token"),  # the acronym alone is not the whole cue
        ("GPT models", "given previous tokens"),
        ("each SM runs warps", "small model"),
        ("does NOT output tokens", "next output tokens"),  # NOT is emphasis, not initials
        ("the KV store", "key value cache"),  # the other cue word is still needed
        ("until an end token", "end-of-sequence token"),  # a word missing: the card lists "end token"
    ],
)
def test_acronyms_do_not_match_unrelated_text(answer, cue):
    assert not covers(answer, cue)


def test_the_end_of_generation_point_accepts_end_token_and_eos():
    from llmconcepts.cardbank.loader import load_bank
    from llmconcepts.cardbank.model import FacetKind

    facet = load_bank().concept("next-token-prediction").facet(FacetKind.MECHANISM)
    point = next(p for p in facet.key_points if p.text.startswith("Generation stops"))
    for answer in ("it loops until an end token", "until the EOS token", "until an end-of-sequence token"):
        assert grade_answer(answer, [point]).covered == 1, answer
    assert grade_answer("it appends one token after another", [point]).covered == 0


def test_the_evidence_is_the_tightest_phrase_that_matched():
    # Both "token ... end" (5 words apart) and "end token" (adjacent) match the cue in any
    # order; the learner is shown the phrase that made the point.
    answer = "it picks one token and appends it, until an end token"
    grade = grade_answer(answer, [KeyPoint("Generation stops at an end token", ("end token",))])
    assert grade.points[0].evidence == "end token"
    assert answer[grade.points[0].span[0] : grade.points[0].span[1]] == "end token"


def test_writing_the_point_in_the_cards_own_words_covers_it():
    """The statement counts as a cue: the QA case from the context-window card, where the
    listed cues ('count tokens', ...) differ from the point's wording, typed with other
    word forms and without the article."""
    point = KeyPoint("The window counts prompt and generated tokens together", ("prompt plus output",))
    grade = grade_answer("window counting the prompt and generated tokens together", [point])
    assert grade.points[0].covered and grade.points[0].cue == point.text
    assert not grade_answer("the prompt is tokenized first", [point]).points[0].covered



@pytest.mark.parametrize(
    ("answer", "cue"),
    [
        ("it costs more training compute", "training compute only"),  # QA: a word skipped
        ("since the probability of the text", "sequence probability"),  # QA: a word swapped
    ],
)
def test_a_joined_spelling_is_not_forgiven_a_typo(answer, cue):
    """Two answer words written together ("trainingcompute") are within the typo allowance
    of the whole cue written together ("trainingcomputeonly"); that must not count."""
    assert not covers(answer, cue)


@pytest.mark.parametrize(
    ("answer", "cue", "expected"),
    [
        ("the eval set isn't representative", "not representative", True),
        ("it doesn’t generalise", "does not generalize", True),  # typographic apostrophe
        ("you can't cache it", "cannot cache", False),  # "cannot" is one word: list it as a cue if wanted
        ("you can't cache it", "can not cache", True),
        ("it won't fit", "will not fit", True),
        ("it is representative", "not representative", False),
    ],
)
def test_a_contracted_negation_reads_as_not(answer, cue, expected):
    assert covers(answer, cue) is expected


@pytest.mark.parametrize(
    ("answer", "cue"),
    [("paging doesnt shrink the kv", "doesn't shrink"), ("model cant tell them apart", "can't tell"),
     ("it wont fit", "will not fit")],
)
def test_a_negation_typed_without_its_apostrophe_reads_the_same(answer, cue):
    assert covers(answer, cue)
