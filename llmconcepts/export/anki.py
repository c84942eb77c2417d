"""``.apkg`` export with genanki: one note per card, note type "llmc concept facet".

Identity, so re-importing never duplicates (see :mod:`llmconcepts.export.notes`):

* the note type has the fixed id :data:`MODEL_ID`; a later export with the same
  fields and templates is the same note type to Anki (change the fields and the
  id must change too);
* a deck's id is derived from its name (:func:`deck_id`), so it is the same on
  every export and every machine;
* a note's GUID is derived from the card id alone.

Anki's importer (Import > "Update notes: if newer", the default) matches notes by
GUID: a note already in the collection is updated when the export is newer than
the note, never added twice, and its scheduling in Anki is kept. Every note and
the note type carry the export time as their modification time (``now``), so an
export made after a text edit is newer and its text flows through.

The template shows layer, concept and facet above the prompt; the back adds the
model answer, the key points and the sources. The CSS is plain (system font,
one readable column, scales down on a phone) and switches colours under Anki's
night mode (``.nightMode`` on desktop and iOS, ``.night_mode`` on AnkiDroid).
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import zipfile
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import BinaryIO

from llmconcepts.export.notes import (
    FIELD_NAMES,
    NOTE_TYPE_NAME,
    SORT_FIELD,
    NoteContent,
    note_content,
)
from llmconcepts.export.selection import ExportSelection

#: The note type's id, fixed forever (a random number in genanki's suggested range
#: [2**30, 2**31)); Anki recognises the note type on every import by it.
MODEL_ID = 1_752_208_307
#: Deck ids are hashed from the deck name into genanki's suggested range [2**30, 2**31).
DECK_ID_BASE = 1 << 30
DECK_DESCRIPTION = (
    "Cards exported by llmc (LLM engineering concepts). Export again and re-import to "
    "update their text; your Anki reviews are kept."
)
PROGRESS_EVERY = 250  # cards between progress reports

FRONT_TEMPLATE = """\
<div class="llmc">
<div class="llmc-where"><span class="llmc-layer">{{Layer}}</span> \u203a \
<span class="llmc-concept">{{Concept}}</span></div>
<div class="llmc-facet">{{Facet}}</div>
<div class="llmc-prompt">{{Prompt}}</div>
</div>"""

BACK_TEMPLATE = """\
{{FrontSide}}
<hr id="answer">
<div class="llmc llmc-back">
<div class="llmc-answer">{{Answer}}</div>
{{#KeyPoints}}<div class="llmc-heading">Key points</div>
<div class="llmc-keypoints">{{KeyPoints}}</div>{{/KeyPoints}}
{{#Sources}}<div class="llmc-heading llmc-minor">Sources</div>
<div class="llmc-sources">{{Sources}}</div>{{/Sources}}
<div class="llmc-id">{{Id}}</div>
</div>"""

CSS = """\
.card {
  --llmc-text: #1f2328; --llmc-muted: #656d76; --llmc-accent: #0969da; --llmc-rule: #d0d7de;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 19px; line-height: 1.5; text-align: left;
  color: var(--llmc-text); background-color: #ffffff;
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  --llmc-text: #e6edf3; --llmc-muted: #9198a1; --llmc-accent: #58a6ff; --llmc-rule: #3d444d;
  background-color: #1f2328;
}
.llmc { max-width: 42em; margin: 0 auto; padding: 0 0.8em; color: var(--llmc-text); }
.llmc p { margin: 0 0 0.6em; }
.llmc ul { margin: 0.2em 0 0.6em; padding-left: 1.3em; }
.llmc li { margin: 0.15em 0; }
.llmc-where { font-size: 0.8em; color: var(--llmc-muted); }
.llmc-concept { font-weight: 600; color: var(--llmc-text); }
.llmc-facet {
  display: inline-block; margin: 0.4em 0 0.7em; padding: 0.05em 0.6em;
  border: 1px solid var(--llmc-accent); border-radius: 1em;
  font-size: 0.75em; font-weight: 600; letter-spacing: 0.03em; color: var(--llmc-accent);
}
.llmc-prompt { font-size: 1.05em; }
hr#answer { border: none; border-top: 1px solid var(--llmc-rule); margin: 1em 0; }
.llmc-heading { margin-top: 0.9em; font-size: 0.85em; font-weight: 600; color: var(--llmc-accent); }
.llmc-minor, .llmc-sources, .llmc-id { color: var(--llmc-muted); }
.llmc-sources { font-size: 0.8em; }
.llmc-id { margin-top: 1.2em; font-size: 0.7em; font-family: ui-monospace, Menlo, Consolas, monospace; }
@media (max-width: 480px) {
  .card { font-size: 17px; }
  .llmc { padding: 0 0.3em; }
}
"""


def deck_id(name: str) -> int:
    """A deck's id, derived from its name: the same on every export and machine."""
    digest = hashlib.sha256(f"llmc-deck:{name}".encode()).digest()
    return DECK_ID_BASE + int.from_bytes(digest[:8], "big") % DECK_ID_BASE


@lru_cache(maxsize=1)
def note_model():  # -> genanki.Model
    """The "llmc concept facet" note type (one card template, sorted by Concept)."""
    import genanki

    return genanki.Model(
        MODEL_ID,
        NOTE_TYPE_NAME,
        fields=[{"name": name} for name in FIELD_NAMES],
        templates=[{"name": "Explain", "qfmt": FRONT_TEMPLATE, "afmt": BACK_TEMPLATE}],
        css=CSS,
        sort_field_index=SORT_FIELD,
    )


def build_decks(
    notes: list[NoteContent], progress: Callable[[int, int], None] | None = None
) -> list:  # -> list[genanki.Deck]
    """genanki decks holding the notes, in order of first appearance."""
    import genanki

    model = note_model()
    decks: dict[str, genanki.Deck] = {}
    total = len(notes)
    for done, note in enumerate(notes, 1):
        deck = decks.get(note.deck)
        if deck is None:
            deck = decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck, DECK_DESCRIPTION)
        deck.add_note(genanki.Note(model=model, fields=list(note.fields), tags=list(note.tags), guid=note.guid))
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    return list(decks.values())


def write_apkg(
    selection: ExportSelection,
    stream: BinaryIO,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the selection as an ``.apkg`` (a zip of ``collection.anki2`` and ``media``).

    genanki fills the collection; it is built in memory and serialised, rather than
    through ``Package.write_to_file``, which leaves its temporary database behind
    in the system temp folder.

    Args:
        selection: the cards.
        stream: binary output.
        now: export time (UTC-aware): the notes' and note type's modification time,
            and the base of the note and card ids.
        progress: called with (cards done, total) every few hundred cards.
    """
    import genanki

    notes = [note_content(card) for card in selection.cards]
    package = genanki.Package(build_decks(notes, progress))
    timestamp = now.timestamp()
    connection = sqlite3.connect(":memory:")
    try:
        package.write_to_db(connection.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
        connection.commit()
        collection = connection.serialize()
    finally:
        connection.close()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", collection)
        archive.writestr("media", "{}")
