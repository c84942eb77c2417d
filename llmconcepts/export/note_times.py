"""When each card's exported note last changed: the modification time its Anki note carries.

Anki's package importer (Import > "Update notes: if newer", its default) compares a
note's modification time with the one already in the collection: a strictly newer
note replaces the old one, an equal or older one is skipped as a duplicate, and
Anki keeps the incoming time on the note it stores. So a note must carry a time that
moves when, and only when, its text changes: stamped with the export time, every
note of every export would be "updated" on import and sync again to the phone.

:class:`NoteTimes` remembers, per card id, a digest of the note as exported (fields
and tags) and the time that content was first exported. An export reuses the time
while the digest is unchanged and stamps a changed or new note with the export time
(always later than its previous stamp, so Anki sees it as newer).

The record is a small JSON file in llmc's cache folder (:data:`FILE_NAME`): losing
it loses nothing but costs one import that updates every note again (each note gets
a fresh stamp), so it sits with the other disposable data. A file that cannot be
read counts as empty; one that cannot be written is left as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

FILE_NAME = "anki-note-times.json"
FORMAT_VERSION = 1


def content_digest(fields: tuple[str, ...], tags: tuple[str, ...]) -> str:
    """A short digest (BLAKE2b, 12 bytes, hex) of a note's fields and tags."""
    text = "\x1f".join(fields) + "\x1e" + " ".join(tags)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


@dataclass
class NoteTimes:
    """Card id -> (content digest, Unix time in whole seconds the content was first exported).

    ``changed`` says whether :meth:`stamp` recorded anything new since loading.
    """

    entries: dict[str, tuple[str, int]] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def load(cls, path: Path) -> NoteTimes:
        """The record in ``path``; empty when the file is missing, unreadable or of
        another format version."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            notes = document["notes"] if document.get("version") == FORMAT_VERSION else {}
            entries = {card_id: (str(digest), int(stamp)) for card_id, (digest, stamp) in notes.items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            entries = {}
        return cls(entries)

    def stamp(self, card_id: str, digest: str, now: datetime) -> int:
        """The modification time (Unix seconds) for the card's note with content ``digest``:
        the recorded time while the content is unchanged, else ``now`` (at least one
        second after the previous stamp, so Anki always sees an edit as newer)."""
        known = self.entries.get(card_id)
        if known is not None and known[0] == digest:
            return known[1]
        moment = int(now.timestamp())
        if known is not None:
            moment = max(moment, known[1] + 1)
        self.entries[card_id] = (digest, moment)
        self.changed = True
        return moment

    def save(self, path: Path) -> None:
        """Write the record atomically (temporary file, then rename) if it changed.

        An unwritable cache folder is not an error: the next export stamps the notes
        it could not remember with its own time, which only costs Anki an update.
        """
        if not self.changed:
            return
        document = {"version": FORMAT_VERSION, "notes": {k: list(v) for k, v in self.entries.items()}}
        temp: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            temp = Path(name)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(document, stream, separators=(",", ":"))
            os.replace(temp, path)
            temp = None
            self.changed = False
        except OSError:
            pass  # see above: a cache that cannot be written only costs updates later
        finally:
            if temp is not None:  # failed or interrupted before the rename
                temp.unlink(missing_ok=True)
