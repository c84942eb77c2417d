"""CSV export that Anki's text importer (File > Import) reads without any setup.

A CSV file cannot bring a note type with it, and Anki's importer needs one that
already exists, so the file targets Anki's stock **Basic** note type: column
``Front`` holds layer, concept, facet and prompt, ``Back`` the answer, key points,
sources and card id (HTML with a few inline styles, since Basic's CSS knows
nothing of ours). Header lines (Anki manual, "Importing > Text files > File
headers") tell Anki everything, so the import dialog needs no choices::

    #separator:Comma
    #html:true
    #notetype:Basic
    #columns:Front,Back,Tags,Deck,GUID
    #tags column:3
    #deck column:4
    #guid column:5

Notes get the same GUIDs, decks and tags as the ``.apkg`` export
(:mod:`llmconcepts.export.notes`), so re-importing a newer CSV updates notes in
place. Because the GUIDs are shared, Anki refuses (as "conflicting") a CSV note
whose card was already imported from an ``.apkg`` (another note type) and vice
versa: use one format per collection. The text is UTF-8, quoted as RFC 4180.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import BinaryIO

from llmconcepts.export.notes import NoteContent, note_content
from llmconcepts.export.selection import ExportSelection

NOTE_TYPE = "Basic"
COLUMNS = ("Front", "Back", "Tags", "Deck", "GUID")
HEADER = (
    "#separator:Comma",
    "#html:true",
    f"#notetype:{NOTE_TYPE}",
    "#columns:" + ",".join(COLUMNS),
    f"#tags column:{COLUMNS.index('Tags') + 1}",
    f"#deck column:{COLUMNS.index('Deck') + 1}",
    f"#guid column:{COLUMNS.index('GUID') + 1}",
)
PROGRESS_EVERY = 500

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
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the selection as an Anki-importable CSV (UTF-8) to a binary stream;
    ``progress`` is called with (cards done, total) every few hundred cards."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    try:
        text.write("\n".join(HEADER) + "\n")
        writer = csv.writer(text, lineterminator="\n")
        total = len(selection.cards)
        for done, card in enumerate(selection.cards, 1):
            note = note_content(card)
            writer.writerow((front_html(note), back_html(note), " ".join(note.tags), note.deck, note.guid))
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        text.flush()
    finally:
        text.detach()  # leave the caller's stream open
