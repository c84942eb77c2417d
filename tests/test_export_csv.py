"""CSV export, checked with the official `anki` package's text importer: the header
lines alone set up the import; counts, decks and tags match the .apkg export; the
answers arrive in the stock Basic note type whatever Anki's UI language."""

from __future__ import annotations

import csv
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
    import_csv,
    visible_text,
)

# Anki's stock Basic note type in three UI languages: its name and field names, as a
# new collection in that language shows them (Anki desktop: Tools > Manage Note Types).
STOCK_BASIC = {
    "en": ("Basic", ["Front", "Back"]),
    "de": ("Einfach", ["Vorderseite", "Rückseite"]),
    "fr": ("Basique", ["Recto", "Verso"]),
}
TRICKY_FRONT = ("My notes › Tricky <text> & \"quotes\"\nMechanism\n"
                "When is a < b && c > d, and what does {{Answer}} print?")
TRICKY_BACK = (
    "If a < b & c > d then {{Answer}} and }} stay literal, \"quoted\" and 'single' too: "
    "ü ß 日本語 😀 → ∑. This is important and vital.\n"
    "Key points\na < b & c > d\nBraces {{x}} stay as typed\nEmphasis: marked\n"
    "Sources\nO'Brien & Søndergaard 2024, <Notes> {{draft}}\n"
    "tricky-text/mechanism"
)


@pytest.fixture
def anki_language(request):
    """Anki's UI language set for the collections the test creates; English again after."""
    import anki.lang

    previous = anki.lang.current_lang
    anki.lang.set_lang(request.param)
    yield request.param
    anki.lang.set_lang(previous)


def test_header_lines_tell_anki_the_separator_html_note_type_and_meta_columns(tmp_path):
    result = export("csv", tmp_path)
    assert result.path == tmp_path / "llmc-2026-05-04.csv"
    lines = result.path.read_text(encoding="utf-8").splitlines()
    assert lines[:6] == [
        "#separator:Comma",
        "#html:true",
        "#notetype:Basic",
        "#tags column:3",
        "#deck column:4",
        "#guid column:5",
    ]
    # no "#columns:" line: Anki would match its names against the note type's field
    # names, which are translated; without it the fields take the columns in order
    assert not lines[6].startswith("#")


def test_rows_parse_as_csv_one_per_card(tmp_path):
    result = export("csv", tmp_path)
    with result.path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(line for line in handle if not line.startswith("#"))]
    assert len(rows) == TOTAL
    assert all(len(row) == 5 for row in rows)
    assert {row[3] for row in rows} == set(ALL_DECKS)


def test_anki_imports_the_csv_with_the_same_counts_decks_and_tags_as_the_package(tmp_path):
    result = export("csv", tmp_path)
    with anki_collection(tmp_path / "anki") as col:
        log = import_csv(col, result.path)
        assert len(log.new) == TOTAL
        assert col.note_count() == TOTAL and col.card_count() == TOTAL
        assert deck_counts(col) == ALL_DECKS
        assert {col.get_note(nid).note_type()["name"] for nid in col.find_notes("")} == {"Basic"}
        assert len(col.find_notes("tag:llmc::my-cards")) == 3
        assert len(col.find_notes("tag:llmc::concept::gamma-concept tag:llmc::facet::failure_mode")) == 1


@pytest.mark.parametrize("anki_language", list(STOCK_BASIC), indirect=True)
def test_every_answer_arrives_in_the_stock_basic_type_of_any_ui_language(tmp_path, anki_language):
    name, field_names = STOCK_BASIC[anki_language]
    result = export("csv", tmp_path)
    with anki_collection(tmp_path / "anki") as col:
        log = import_csv(col, result.path)
        assert len(log.new) == TOTAL
        assert col.note_count() == TOTAL and col.card_count() == TOTAL
        notes = [col.get_note(nid) for nid in col.find_notes("")]
        assert {note.note_type()["name"] for note in notes} == {name}
        assert all(note.keys() == field_names for note in notes)
        assert all(visible_text(note.fields[1]) for note in notes)  # every back holds its answer
        assert deck_counts(col) == ALL_DECKS
        assert len(col.find_notes("tag:llmc::my-cards")) == 3

        (nid,) = col.find_notes("tag:llmc::concept::tricky-text tag:llmc::facet::mechanism")
        note = col.get_note(nid)
        assert visible_text(note.fields[0]) == TRICKY_FRONT
        assert visible_text(note.fields[1]) == TRICKY_BACK
        assert "{{" not in note.fields[0] + note.fields[1]
        assert "then {{Answer}} and }} stay literal" in visible_text(note.cards()[0].answer())

        again = import_csv(col, result.path)
        assert len(again.new) == 0
        assert col.note_count() == TOTAL


def test_importing_the_csv_twice_adds_nothing_and_an_edited_one_updates(tmp_path):
    first = export("csv", tmp_path / "first")
    edited_dir = tmp_path / "edited"
    shutil.copytree(USER, edited_dir)
    card_file = edited_dir / "tricky.yaml"
    card_file.write_text(card_file.read_text(encoding="utf-8").replace("Second paragraph.", "Second & last."),
                         encoding="utf-8")
    with anki_collection(tmp_path / "anki") as col:
        import_csv(col, first.path)
        again = import_csv(col, first.path)
        assert len(again.new) == 0
        later = export("csv", tmp_path / "later", now=T1 + timedelta(days=1), bank=fixture_bank(edited_dir))
        log = import_csv(col, later.path)
        assert len(log.new) == 0
        assert col.note_count() == TOTAL and col.card_count() == TOTAL
        (nid,) = col.find_notes("tag:llmc::concept::tricky-text tag:llmc::facet::failure_mode")
        assert visible_text(col.get_note(nid)["Back"]).splitlines()[1] == "Second & last."


def test_a_card_already_imported_from_the_package_is_not_duplicated_by_the_csv(tmp_path):
    package = export("anki", tmp_path)
    table = export("csv", tmp_path)
    with anki_collection(tmp_path / "anki") as col:
        import_apkg(col, package.path)
        log = import_csv(col, table.path)
        assert len(log.new) == 0  # same GUIDs: Anki reports them as conflicting, adds none
        assert col.note_count() == TOTAL
