"""The shipped bank covers the curriculum exactly, and every card is complete.

The expectation is the curriculum (../shared/concepts.yaml), copied to
tests/fixtures/curriculum.yaml so that CI without ../shared still has it; a test
keeps the copy identical to the original when the original is present.
"""

from __future__ import annotations

from graphlib import TopologicalSorter
from pathlib import Path

import pytest
import yaml

from llmconcepts.cardbank.loader import load_bank
from llmconcepts.cardbank.model import FACET_ORDER, CardBank

ROOT = Path(__file__).resolve().parent.parent
CURRICULUM_COPY = ROOT / "tests" / "fixtures" / "curriculum.yaml"
CURRICULUM_SOURCE = ROOT.parent / "shared" / "concepts.yaml"
CURRICULUM = yaml.safe_load(CURRICULUM_COPY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bank() -> CardBank:
    return load_bank(user_dirs=[], use_cache=False)


@pytest.mark.skipif(not CURRICULUM_SOURCE.exists(), reason="../shared/concepts.yaml is not in this checkout")
def test_curriculum_copy_matches_the_source():
    assert CURRICULUM_COPY.read_bytes() == CURRICULUM_SOURCE.read_bytes()


def test_curriculum_has_56_concepts():
    assert len(CURRICULUM["concepts"]) == 56  # 6 primer + 50 core, as issue 2 states


def test_layers_are_the_curriculum_layers_in_order(bank: CardBank):
    assert [layer.id for layer in bank.layers] == [layer["id"] for layer in CURRICULUM["layers"]]


def test_bank_holds_exactly_the_curriculum_ids_in_their_layers_and_order(bank: CardBank):
    assert [(c.id, c.layer) for c in bank.concepts] == [(c["id"], c["layer"]) for c in CURRICULUM["concepts"]]


def test_every_concept_is_builtin_with_a_title_and_sources(bank: CardBank):
    for concept in bank.concepts:
        assert concept.builtin
        assert concept.sources, concept.id
        assert concept.title.strip(), concept.id


def test_every_facet_has_a_prompt_an_answer_and_3_to_5_key_points(bank: CardBank):
    for concept in bank.concepts:
        assert [f.kind for f in concept.facets] == list(FACET_ORDER), concept.id
        for facet in concept.facets:
            where = concept.card_id(facet.kind)
            assert facet.prompt.strip(), where
            assert facet.answer.strip(), where
            assert 3 <= len(facet.key_points) <= 5, where
            for point in facet.key_points:
                assert point.text.strip() and point.cues and all(c.strip() for c in point.cues), where


def test_prompts_are_specific_not_a_template(bank: CardBank):
    prompts = [f.prompt for c in bank.concepts for f in c.facets]
    assert len(set(prompts)) == len(prompts), "two cards share a prompt"


def test_every_prerequisite_exists_and_comes_earlier(bank: CardBank):
    position = {c.id: i for i, c in enumerate(bank.concepts)}
    for concept in bank.concepts:
        for prerequisite in concept.prerequisites:
            assert prerequisite in position, f"{concept.id} needs unknown {prerequisite}"
            assert position[prerequisite] < position[concept.id], f"{concept.id} needs later {prerequisite}"


def test_prerequisite_graph_has_no_cycle(bank: CardBank):
    graph = {c.id: set(c.prerequisites) for c in bank.concepts}
    assert len(list(TopologicalSorter(graph).static_order())) == len(graph)  # raises CycleError otherwise


def test_curriculum_order_is_the_study_order_of_cards(bank: CardBank):
    assert [card.id for card in bank.cards()][:3] == [
        f"{CURRICULUM['concepts'][0]['id']}/{kind.value}" for kind in FACET_ORDER
    ]
