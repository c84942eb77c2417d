"""How well the coverage marks agree with a person judging the same answers.

``tests/fixtures/recall/*.yaml`` holds free-recall answers written as learners type
them (complete, partial, confused, in their own words and abbreviations), each with
the key points a person judged it to cover, by reading the answer against the points'
statements, without looking at the cues. The judgement is the expected value; the
grader (``llmconcepts.grading``) is measured against it:

* precision: of the points the grader marks covered, the share the judge agreed with
  (a false mark teaches the learner that a wrong answer was right);
* recall: of the points the judge saw covered, the share the grader marked (a missed
  mark makes the suggested rating too harsh).

Run ``pytest tests/test_grading_agreement.py -s`` to print the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from llmconcepts.cardbank.loader import load_bank
from llmconcepts.grading import grade_answer

RECALL = Path(__file__).parent / "fixtures" / "recall"
MIN_PRECISION = 0.95
MIN_RECALL = 0.85


def _cases() -> list[dict]:
    cases = []
    for path in sorted(RECALL.glob("*.yaml")):
        for number, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            cases.append({**case, "where": f"{path.name}[{number}]"})
    return cases


@pytest.fixture(scope="module")
def bank():
    return load_bank(user_dirs=[], use_cache=False)


def _marks(bank, case) -> tuple[set[int], set[int]]:
    """(judged, graded): the indexes of the key points each side says are covered."""
    concept_id, facet = case["card"].split("/")
    points = bank.concept(concept_id).facet(facet).key_points
    judged = set(case["covers"])
    assert judged <= set(range(len(points))), f"{case['where']}: a key point index out of range"
    grade = grade_answer(case["answer"], points)
    return judged, {index for index, result in enumerate(grade.points) if result.covered}


def test_every_case_names_a_real_card_and_real_points(bank):
    cases = _cases()
    assert len(cases) >= 30, "too few judged answers to measure anything"
    for case in cases:
        assert set(case) == {"card", "answer", "covers", "where"}, case["where"]
        _marks(bank, case)


def test_the_grader_agrees_with_the_judge(bank):
    true_pos = false_pos = false_neg = 0
    disagreements = []
    for case in _cases():
        judged, graded = _marks(bank, case)
        true_pos += len(judged & graded)
        false_pos += len(graded - judged)
        false_neg += len(judged - graded)
        if judged != graded:
            disagreements.append(f"{case['where']} {case['card']}: judged {sorted(judged)}, graded {sorted(graded)}")
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    print(f"\n{len(_cases())} answers: precision {precision:.3f}, recall {recall:.3f} "
          f"({true_pos} agreed, {false_pos} marked but not judged covered, {false_neg} judged covered but missed)")
    print("\n".join(disagreements))
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, "\n".join(disagreements)
