"""``.apkg`` export with genanki: one note per card, note type "llmc concept facet".

Identity, so re-importing never duplicates (see :mod:`llmconcepts.export.notes`):

* the note type has the fixed id :data:`MODEL_ID`; a later export with the same
  fields and templates is the same note type to Anki (change the fields and the
  id must change too);
* a deck's id is derived from its name (:func:`deck_id`), so it is the same on
  every export and every machine;
* a note's GUID is derived from the card id alone.

Anki's importer (Import > "Update notes: if newer", the default) matches notes by
GUID: a note already in the collection is updated when the export's note is newer
(a strictly later modification time), never added twice, and its scheduling in
Anki is kept. Each note carries the time its content was first exported
(:mod:`llmconcepts.export.note_times`): an export made after a text edit stamps
that note, and only that one, with the export time, so its text flows through,
while unchanged notes keep their time and Anki skips them as duplicates (nothing
changes in the collection, nothing to sync).

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

from llmconcepts.export.note_times import NoteTimes, content_digest
from llmconcepts.export.notes import (
    FIELD_NAMES,
    NOTE_TYPE_NAME,
    SORT_FIELD,
    note_content,
)
from llmconcepts.export.progress import NOTES, PACKAGE, ProgressCallback, StepReporter
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


@lru_cache(maxsize=1)
def stamped_note_class():  # -> type[genanki.Note]
    """genanki's Note with a modification time of its own and a hook called once the
    note is written (subclassing Note is genanki's way to customise notes; genanki
    otherwise stamps every note with the package's time)."""
    import genanki

    class StampedNote(genanki.Note):
        def __init__(self, *, mod_time: int, on_written: Callable[[], None], **kwargs) -> None:
            super().__init__(**kwargs)
            self.mod_time = mod_time
            self.on_written = on_written

        def write_to_db(self, cursor, timestamp: float, deck_id, id_gen) -> None:
            super().write_to_db(cursor, self.mod_time, deck_id, id_gen)
            self.on_written()

    return StampedNote


def build_decks(
    selection: ExportSelection,
    now: datetime,
    note_times: NoteTimes,
    built: StepReporter,
    on_written: Callable[[], None],
) -> list:  # -> list[genanki.Deck]
    """genanki decks holding one note per card, in order of first appearance.

    Each note's modification time comes from ``note_times`` (stamped ``now`` when its
    content is new or changed); ``built`` ticks per note built, ``on_written`` is
    called as genanki writes each note.
    """
    import genanki

    model = note_model()
    note_class = stamped_note_class()
    decks: dict[str, genanki.Deck] = {}
    for card in selection.cards:
        note = note_content(card)
        deck = decks.get(note.deck)
        if deck is None:
            deck = decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck, DECK_DESCRIPTION)
        mod_time = note_times.stamp(note.card_id, content_digest(note.fields, note.tags), now)
        deck.add_note(note_class(model=model, fields=list(note.fields), tags=list(note.tags), guid=note.guid,
                                 mod_time=mod_time, on_written=on_written))
        built.tick()
    built.finish()
    return list(decks.values())


def write_apkg(
    selection: ExportSelection,
    stream: BinaryIO,
    now: datetime,
    progress: ProgressCallback | None = None,
    note_times: NoteTimes | None = None,
) -> None:
    """Write the selection as an ``.apkg`` (a zip of ``collection.anki2`` and ``media``).

    genanki fills the collection; it is built in memory and serialised, rather than
    through ``Package.write_to_file``, which leaves its temporary database behind
    in the system temp folder.

    Args:
        selection: the cards.
        stream: binary output.
        now: export time (UTC-aware): the note type's modification time, the base of
            the note and card ids, and the modification time of notes new or changed
            since ``note_times`` last saw them.
        progress: ``progress(step, done, total)``: step ``notes`` while the notes are
            built, then ``package`` while genanki writes them (its last report once
            the package is complete).
        note_times: when each card's note content was first exported; updated here
            with new and changed notes (the caller saves it once the file is in place).
            None: every note is stamped ``now``.
    """
    import genanki

    total = len(selection.cards)
    built, written = StepReporter(progress, NOTES, total), StepReporter(progress, PACKAGE, total)
    built.start()
    decks = build_decks(selection, now, note_times if note_times is not None else NoteTimes(), built, written.tick)
    written.start()
    package = genanki.Package(decks)
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
    written.finish()
