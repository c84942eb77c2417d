"""The learner's own banks: found in LLMC_CARDS or <LLMC_HOME>/cards, validated with
the built-in bank, studied beside it; an id clash names both files.

The fixture folder ``banks/valid`` plays the built-in bank here, so these tests do
not depend on the real card files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from llmconcepts.cardbank.loader import load_bank
from llmconcepts.errors import CardBankError

BANKS = Path(__file__).parent / "fixtures" / "banks"
BUILTIN = BANKS / "valid"


def load(**kwargs):
    return load_bank(builtin_dir=BUILTIN, use_cache=False, **kwargs)


def test_llmc_cards_folder_is_loaded_beside_the_builtin_bank(monkeypatch):
    monkeypatch.setenv("LLMC_CARDS", str(BANKS / "user"))
    bank = load()
    mine = bank.concept("prompt-caching")
    assert mine.builtin is False and mine.prerequisites == ("kv-cache",)
    assert all(c.builtin for c in bank.concepts if c.id != "prompt-caching")
    # team-notes shares order 1 with the built-in 'basics': the built-in layer comes first
    assert [layer.id for layer in bank.layers] == ["basics", "team-notes", "serving"]
    assert [c.id for c in bank.concepts] == [
        "kv-cache",
        "mqa-gqa",
        "prompt-caching",
        "speculative-decoding",
        "flash-attention",
    ]


def test_cards_folder_in_the_data_dir_is_the_default(llmc_home: Path):
    shutil.copytree(BANKS / "user", llmc_home / "cards")
    assert not load().concept("prompt-caching").builtin


def test_no_user_cards_folder_is_fine(llmc_home: Path):
    assert not (llmc_home / "cards").exists()
    assert len(load().concepts) == 4


def test_several_folders_in_llmc_cards(monkeypatch, tmp_path: Path):
    other = tmp_path / "other"
    other.mkdir()
    text = (BANKS / "user" / "team-notes.yaml").read_text(encoding="utf-8")
    (other / "more.yaml").write_text(
        text.replace("id: team-notes", "id: more-notes")
        .replace("title: Team notes", "title: More notes")
        .replace("order: 1", "order: 7")
        .replace("prompt-caching", "batch-api")
        .replace("prefix caching", "batch jobs")
        .replace("Provider prompt caching", "Batch API"),
        encoding="utf-8",
    )
    monkeypatch.setenv("LLMC_CARDS", os.pathsep.join([str(BANKS / "user"), str(other)]))
    bank = load()
    assert [layer.id for layer in bank.layers] == ["basics", "team-notes", "serving", "more-notes"]
    assert bank.concepts[-1].id == "batch-api"


def test_id_clash_with_the_builtin_bank_names_both_files(monkeypatch):
    monkeypatch.setenv("LLMC_CARDS", str(BANKS / "user-clash"))
    with pytest.raises(CardBankError) as caught:
        load()
    [problem] = caught.value.problems
    assert "mine.yaml:8: kv-cache.id: the id 'kv-cache' is already used by the built-in concept in" in problem
    assert "valid/01-basics.yaml:8" in problem


def test_a_user_file_may_add_concepts_to_a_builtin_layer(monkeypatch, tmp_path: Path):
    text = (BANKS / "user" / "team-notes.yaml").read_text(encoding="utf-8")
    (tmp_path / "extra.yaml").write_text(
        text.replace("id: team-notes", "id: serving")
        .replace("title: Team notes", "title: Serving")
        .replace("order: 1", "order: 2"),
        encoding="utf-8",
    )
    monkeypatch.setenv("LLMC_CARDS", str(tmp_path))
    bank = load()
    assert [c.id for c in bank.concepts_in("serving")] == [
        "speculative-decoding",
        "flash-attention",
        "prompt-caching",
    ]
    assert len(bank.layers) == 2


def test_a_user_file_must_agree_with_the_builtin_layer_it_joins(monkeypatch, tmp_path: Path):
    text = (BANKS / "user" / "team-notes.yaml").read_text(encoding="utf-8")
    (tmp_path / "extra.yaml").write_text(text.replace("id: team-notes", "id: serving"), encoding="utf-8")
    monkeypatch.setenv("LLMC_CARDS", str(tmp_path))
    with pytest.raises(CardBankError) as caught:
        load()
    assert len(caught.value.problems) == 2  # title and order both differ from 02-serving.yaml
    assert all("02-serving.yaml:" in p and "extra.yaml:" in p for p in caught.value.problems)


def test_llmc_cards_naming_a_missing_folder_is_an_error(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("LLMC_CARDS", str(tmp_path / "typo"))
    with pytest.raises(CardBankError, match="typo: your cards folder does not exist"):
        load()


def test_user_problems_are_reported_with_their_file(monkeypatch, tmp_path: Path):
    (tmp_path / "broken.yaml").write_bytes((BANKS / "malformed" / "empty-facet.yaml").read_bytes())
    monkeypatch.setenv("LLMC_CARDS", str(tmp_path))
    with pytest.raises(CardBankError) as caught:
        load()
    assert [p.split(": ", 1)[0].rsplit("/", 1)[-1] for p in caught.value.problems] == ["broken.yaml:13"]


def test_hidden_files_and_other_suffixes_are_ignored(monkeypatch, tmp_path: Path):
    shutil.copy(BANKS / "user" / "team-notes.yaml", tmp_path / "notes.yml")
    (tmp_path / ".#notes.yaml").write_text("garbage: [", encoding="utf-8")  # an editor lock file
    (tmp_path / "README.md").write_text("my cards", encoding="utf-8")
    monkeypatch.setenv("LLMC_CARDS", str(tmp_path))
    assert "prompt-caching" in load()
