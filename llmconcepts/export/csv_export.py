"""CSV export that Anki's text importer (File > Import) reads without any setup.

A CSV file cannot bring a note type with it, and Anki's importer needs one that
already exists, so the file targets Anki's stock **Basic** note type: the first
column holds layer, concept, facet and prompt (Basic's front), the second the
answer, key points, sources and card id (its back), as HTML with a few inline
styles, since Basic's CSS knows nothing of ours. Header lines (Anki manual,
"Importing > Text files > File headers") tell Anki everything, so the import
dialog needs no choices::

    #separator:Comma
    #html:true
    #notetype:Basic
    #tags column:3
    #deck column:4
    #guid column:5

The columns are matched to the note type's fields **by position**: the stock Basic
type has another name and other field names in every UI language ("Einfach" with
"Vorderseite"/"Rückseite" in German, "Basique" with "Recto"/"Verso" in French), and
Anki maps a ``#columns:`` header by field name, so named columns would leave the
back empty outside English. Without ``#columns``, Anki gives the fields the columns
in order, skipping the tags, deck and GUID columns (rslib
``import_export/text/csv/metadata.rs``, ``map_field_columns_by_index``).
``#notetype:Basic`` picks Basic by name where it is called that; where no note type
has that name, Anki ignores the line and uses the note type last chosen in its Add
window (in a new collection, the stock Basic in the UI's language).

Notes get the same GUIDs, decks and tags as the ``.apkg`` export
(:mod:`llmconcepts.export.notes`), so re-importing a newer CSV updates notes in
place. Because the GUIDs are shared, Anki refuses (as "conflicting") a CSV note
whose card was already imported from an ``.apkg`` (another note type) and vice
versa: use one format per collection. The text is UTF-8, quoted as RFC 4180.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from llmconcepts.export.notes import NoteContent, note_content
from llmconcepts.export.progress import ROWS, ProgressCallback, StepReporter
from llmconcepts.export.selection import ExportSelection

NOTE_TYPE = "Basic"
#: The columns in order; the first two fill the note type's first two fields by position.
COLUMNS = ("front", "back", "tags", "deck", "guid")
HEADER = (
    "#separator:Comma",
    "#html:true",
    f"#notetype:{NOTE_TYPE}",
    f"#tags column:{COLUMNS.index('tags') + 1}",
    f"#deck column:{COLUMNS.index('deck') + 1}",
    f"#guid column:{COLUMNS.index('guid') + 1}",
)

# Single-quoted attributes: double quotes would be doubled by CSV quoting.
_BLOCK = "<div style='text-align: left;'>"
_MUTED = "<div style='font-size: 0.8em; opacity: 0.7;'>"
_HEADING = "<div style='font-weight: bold; margin-top: 0.8em;'>"


def front_html(note: NoteContent) -> str:
    """Layer › concept, the facet in bold, then the prompt (left-aligned)."""
    return (
        f"{_BLOCK}{_MUTED}{note.field('Layer')} \u203a {note.field('Concept')}</div>"
        f"<div><b>{note.field('Facet')}</b></div>{note.field('Prompt')}</div>"
    )


def back_html(note: NoteContent) -> str:
    """The answer, key points, sources and the card id (left-aligned)."""
    parts = [_BLOCK, note.field("Answer")]
    if note.field("KeyPoints"):
        parts += [f"{_HEADING}Key points</div>", note.field("KeyPoints")]
    if note.field("Sources"):
        parts += [f"{_HEADING}Sources</div>", f"<div style='font-size: 0.8em;'>{note.field('Sources')}</div>"]
    parts += [f"{_MUTED}{note.field('Id')}</div>", "</div>"]
    return "".join(parts)


def write_csv(
    selection: ExportSelection,
    stream: BinaryIO,
    progress: ProgressCallback | None = None,
) -> None:
    """Write the selection as an Anki-importable CSV (UTF-8) to a binary stream;
    ``progress(step, done, total)`` is called with step ``rows`` as cards are written."""
    rows = StepReporter(progress, ROWS, len(selection.cards))
    rows.start()
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    try:
        text.write("\n".join(HEADER) + "\n")
        writer = csv.writer(text, lineterminator="\n")
        for card in selection.cards:
            note = note_content(card)
            writer.writerow((front_html(note), back_html(note), " ".join(note.tags), note.deck, note.guid))
            rows.tick()
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open
    rows.finish()
