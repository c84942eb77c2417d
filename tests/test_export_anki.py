"""`.apkg` export, checked by importing it into a fresh collection with the official
`anki` package (what Anki desktop runs on File > Import): counts, decks, tags, every
field of a card whose text holds `<`, `&`, `{{` and unicode, re-import behaviour."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from export_helpers import (
    ALL_DECKS,
    T1,
    TOTAL,
    USER,
    anki_collection,
    deck_counts,
    export,
    fixture_bank,
    import_apkg,
    notes_by_id,
    visible_text,
)

from llmconcepts.export.selection import ExportScope

FIELDS = ["Id", "Concept", "Layer", "Facet", "Prompt", "Answer", "KeyPoints", "Sources"]


@pytest.fixture
def imported(tmp_path):
    """The whole fixture bank exported at T1 and imported into a fresh collection."""
    result = export("anki", tmp_path)
    with anki_collection(tmp_path / "anki") as col:
        log = import_apkg(col, result.path)
        yield col, log, result


def test_default_file_name_is_the_learner_day_in_the_given_folder(tmp_path):
    result = export("anki", tmp_path)
    assert result.path == tmp_path / "llmc-2026-05-04.apkg"  # T1 is 09:00 UTC; TZ defaults to the system zone
    assert result.counts == ALL_DECKS and result.grouped_by == "deck"
    assert result.total == TOTAL


def test_every_card_becomes_one_note_and_one_card(imported):
    col, log, _ = imported
    assert len(log.new) == TOTAL
    assert col.note_count() == TOTAL
    assert col.card_count() == TOTAL


def test_decks_follow_layers_and_the_learners_cards_have_their_own(imported):
    col, _, _ = imported
    assert deck_counts(col) == ALL_DECKS
    names = {deck.name for deck in col.decks.all_names_and_ids()}
    # Anki creates the parents of nested decks itself.
    assert {"LLM Concepts", "LLM Concepts::My cards"} <= names


def test_note_type_has_the_fields_in_order_and_sorts_by_concept(imported):
    col, _, _ = imported
    model = col.models.by_name("llmc concept facet")
    assert [field["name"] for field in model["flds"]] == FIELDS
    assert model["flds"][model["sortf"]]["name"] == "Concept"
    assert len(model["tmpls"]) == 1


def test_tags_are_hierarchical(imported):
    col, _, _ = imported
    notes = notes_by_id(col)
    assert sorted(notes["beta-concept/trade_off"].tags) == [
        "llmc::concept::beta-concept", "llmc::facet::trade_off", "llmc::layer::foundations",
    ]
    assert sorted(notes["tricky-text/failure_mode"].tags) == [
        "llmc::concept::tricky-text", "llmc::facet::failure_mode", "llmc::layer::my-notes", "llmc::my-cards",
    ]
    assert len(col.find_notes("tag:llmc::facet::mechanism")) == 4
    assert len(col.find_notes("tag:llmc::layer::foundations")) == 6


def test_every_field_of_a_tricky_card_reads_as_written(imported):
    col, _, _ = imported
    note = notes_by_id(col)["tricky-text/mechanism"]
    expected = {
        "Id": "tricky-text/mechanism",
        "Concept": 'Tricky <text> & "quotes"',
        "Layer": "My notes",
        "Facet": "Mechanism",
        "Prompt": "When is a < b && c > d, and what does {{Answer}} print?",
        "Answer": "If a < b & c > d then {{Answer}} and }} stay literal, \"quoted\" and 'single' too: "
                  "ü ß 日本語 😀 → ∑. This is important and vital.",
        "KeyPoints": "a < b & c > d\nBraces {{x}} stay as typed\nEmphasis: marked",
        "Sources": "O'Brien & Søndergaard 2024, <Notes> {{draft}}",
    }
    assert {name: visible_text(note[name]) for name in FIELDS} == expected
    for name in FIELDS:  # nothing Anki could take for a tag or a field reference
        assert "{{" not in note[name] and "}}" not in note[name]
        assert "<text>" not in note[name] and "<Notes>" not in note[name]
    assert "<em>important</em>" in note["Answer"] and "<strong>vital</strong>" in note["Answer"]
    assert "<em>marked</em>" in note["KeyPoints"]


def test_anki_renders_the_tricky_card_literally(imported):
    col, _, _ = imported
    card = notes_by_id(col)["tricky-text/mechanism"].cards()[0]
    question, answer = visible_text(card.question()), visible_text(card.answer())
    assert "My notes › Tricky <text> & \"quotes\"" in question
    assert "When is a < b && c > d, and what does {{Answer}} print?" in question
    assert "then {{Answer}} and }} stay literal" in answer
    assert "ü ß 日本語 😀 → ∑" in answer
    assert "Key points" in answer and "tricky-text/mechanism" in answer


def test_emphasis_rules_leave_arithmetic_underscores_entities_and_paragraphs_alone(imported):
    col, _, _ = imported
    notes = notes_by_id(col)
    trade_off = notes["tricky-text/trade_off"]["Answer"]
    assert visible_text(trade_off) == "2 * 3 * 4 = 24, and snake_case_name keeps its underscores; &amp; stays as typed."
    assert "<em>" not in trade_off
    failure = notes["tricky-text/failure_mode"]["Answer"]
    assert visible_text(failure) == "First paragraph with a line break inside it.\nSecond paragraph."
    assert failure.count("<p>") == 2


def test_importing_the_same_file_twice_adds_nothing(imported):
    col, _, result = imported
    log = import_apkg(col, result.path)
    assert len(log.new) == 0
    assert col.note_count() == TOTAL and col.card_count() == TOTAL
    assert [m["name"] for m in col.models.all() if m["name"].startswith("llmc")] == ["llmc concept facet"]


def test_a_later_export_of_a_subset_matches_the_same_notes(imported, tmp_path):
    col, _, _ = imported
    later = export("anki", tmp_path / "later", now=T1 + timedelta(days=3),
                   scope=ExportScope(concepts=("beta concept",), due=False))
    assert later.path.name == "llmc-2026-05-07.apkg"
    log = import_apkg(col, later.path)
    assert len(log.new) == 0 and len(log.updated) + len(log.duplicate) == 3
    assert col.note_count() == TOTAL
    assert [m["name"] for m in col.models.all() if m["name"].startswith("llmc")] == ["llmc concept facet"]


def test_an_unchanged_later_export_changes_nothing_in_anki(imported, tmp_path):
    col, _, _ = imported
    before = {card_id: note.mod for card_id, note in notes_by_id(col).items()}
    later = export("anki", tmp_path / "later", now=T1 + timedelta(days=3))
    log = import_apkg(col, later.path)
    # Anki updates a note only when the incoming one is strictly newer: every note of
    # the later file still carries the time of the first export, so all are duplicates.
    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 0, TOTAL)
    assert {card_id: note.mod for card_id, note in notes_by_id(col).items()} == before
    assert set(before.values()) == {int(T1.timestamp())}


def test_an_export_after_a_text_edit_updates_that_note_and_adds_none(imported, tmp_path):
    col, _, _ = imported
    edited_dir = tmp_path / "edited"
    shutil.copytree(USER, edited_dir)
    card_file = edited_dir / "tricky.yaml"
    text = card_file.read_text(encoding="utf-8")
    card_file.write_text(text.replace("Paragraphs stay apart", "Paragraphs stay apart, now & <always>"),
                         encoding="utf-8")
    later = export("anki", tmp_path / "later", now=T1 + timedelta(hours=2), bank=fixture_bank(edited_dir))
    log = import_apkg(col, later.path)
    assert len(log.new) == 0
    assert col.note_count() == TOTAL and col.card_count() == TOTAL
    note = notes_by_id(col)["tricky-text/failure_mode"]
    assert visible_text(note["KeyPoints"]).splitlines()[0] == "Paragraphs stay apart, now & <always>"
    assert [entry.id.nid for entry in log.updated] == [note.id]  # that note and no other
    assert len(log.duplicate) == TOTAL - 1
    assert note.mod == int((T1 + timedelta(hours=2)).timestamp())


def test_the_package_is_a_zip_of_the_collection_and_an_empty_media_map(tmp_path):
    import json
    import zipfile

    result = export("anki", tmp_path / "out")
    with zipfile.ZipFile(result.path) as archive:
        assert sorted(archive.namelist()) == ["collection.anki2", "media"]
        assert json.loads(archive.read("media")) == {}
    assert [p.name for p in result.path.parent.iterdir()] == [result.path.name]  # no temporary file left


def _package_ids(path):
    """(note type ids, deck id by name, GUID by Id field) stored in an .apkg."""
    import json
    import sqlite3
    import zipfile

    with zipfile.ZipFile(path) as archive:
        data = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(data)
    models, decks = connection.execute("SELECT models, decks FROM col").fetchone()
    guids = {flds.split("\x1f")[0]: guid for guid, flds in connection.execute("SELECT guid, flds FROM notes")}
    connection.close()
    deck_ids = {deck["name"]: deck["id"] for deck in json.loads(decks).values() if deck["name"] != "Default"}
    return sorted(json.loads(models)), deck_ids, guids


def test_ids_do_not_depend_on_when_or_what_was_exported(tmp_path):
    first = _package_ids(export("anki", tmp_path / "a").path)
    second = _package_ids(export("anki", tmp_path / "b", now=T1 + timedelta(days=30),
                                 scope=ExportScope(layers=("foundations",), due=False)).path)
    assert first[0] == second[0] and len(first[0]) == 1  # one note type, same id
    assert second[1] == {"LLM Concepts::Foundations": first[1]["LLM Concepts::Foundations"]}
    assert second[2] == {card_id: first[2][card_id] for card_id in second[2]}
    assert len(set(first[2].values())) == TOTAL  # one GUID per card
