"""One export from start to finish: what ``llmc export anki|csv|json`` calls.

Order of work, so that bad input leaves nothing behind and the learner hears about
the first thing that matters: settings and the learner's day (for the default file
name), the bank loaded and the cards selected (an empty selection is an error that
says how to export everything: no point in asking for ``--force`` first), the
target checked (exists without ``--force``, missing folder, special file), then the
file written atomically (:mod:`llmconcepts.export.output`). The ``.apkg`` export
then records when each note's content last changed
(:mod:`llmconcepts.export.note_times`), once the file is in place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from llmconcepts.errors import ExportError
from llmconcepts.export.output import atomic_output, check_target, resolve_target
from llmconcepts.export.progress import ProgressCallback
from llmconcepts.export.selection import ExportScope, ExportSelection

if TYPE_CHECKING:
    from llmconcepts.cardbank.model import CardBank

#: Export format -> file extension.
FORMATS = {"anki": "apkg", "csv": "csv", "json": "json"}


@dataclass(frozen=True)
class ExportResult:
    """What was written.

    Attributes:
        format: "anki", "csv" or "json".
        path: the file written; ``Path("-")`` for standard output.
        counts: notes per Anki deck name (anki, csv) or cards per layer title (json),
            in curriculum order.
        learner_day: the learner's day the export was made on.
    """

    format: str
    path: Path
    counts: dict[str, int]
    learner_day: date

    @property
    def grouped_by(self) -> str:
        """What ``counts`` is keyed by: "deck" or "layer"."""
        return "layer" if self.format == "json" else "deck"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def empty_selection_message(fmt: str, selection: ExportSelection) -> str:
    """Why nothing was exported, and the command that exports everything."""
    day = selection.learner_day.isoformat()
    if selection.layer_ids or selection.concept_ids:
        named = ", ".join((*selection.layer_ids, *selection.concept_ids))
        return (f"nothing from {named} is due today (learner day {day}); "
                f"leave out --due to export all of its cards")
    return (f"nothing is due today (learner day {day}; a new card is due once `llmc study` has "
            f"introduced it); `llmc export {fmt} --all` exports every card")


def run_export(
    fmt: str,
    scope: ExportScope,
    now: datetime,
    *,
    output: str | Path | None = None,
    force: bool = False,
    cwd: Path | None = None,
    bank: CardBank | None = None,
    progress: ProgressCallback | None = None,
) -> ExportResult:
    """Select cards and write them in format ``fmt``.

    Args:
        fmt: "anki" (.apkg), "csv" or "json".
        scope: which cards.
        now: the time of the export (UTC-aware): decides the learner's day and what is
            due; the modification time of notes new or changed since the last export.
        output: file or folder to write to (default: ``llmc-YYYY-MM-DD.<ext>`` in ``cwd``,
            dated with the learner's day); a name ending in a slash is a folder; ``-``
            writes CSV or JSON to stdout. A symbolic link is written through.
        force: replace an existing file.
        cwd: folder for relative and default paths (default: the current directory).
        bank: the card bank (default: the built-in bank and the learner's own cards).
        progress: ``progress(step, done, total)`` while writing (see
            :mod:`llmconcepts.export.progress`).

    Raises:
        ExportError: existing file without ``force``, missing folder, unwritable path,
            a special file (FIFO, device, socket), nothing selected, ``-`` with the anki format.
        UnknownLayerError, UnknownConceptError, AmbiguousConceptError: a bad layer or
            concept name. CardBankError, ConfigError, StorageError: from loading.
    """
    from llmconcepts import paths
    from llmconcepts.export.notes import deck_name
    from llmconcepts.scheduling.day import clock_for
    from llmconcepts.scheduling.settings import load_settings

    if fmt not in FORMATS:
        raise ExportError(f"unknown export format '{fmt}' (use one of: {', '.join(FORMATS)})")
    settings = load_settings()
    clock = clock_for(settings)
    target = resolve_target(output, clock.day_of(now), FORMATS[fmt], cwd or Path.cwd())
    if target.is_stdout and fmt == "anki":
        raise ExportError("an .apkg cannot go to standard output; give a file name with -o")
    if bank is None:
        from llmconcepts.cardbank.loader import load_bank

        bank = load_bank()
    from llmconcepts.export.selection import select_cards

    selection = select_cards(bank, scope, now, clock, with_schedule=fmt == "json")
    if not selection.cards:
        raise ExportError(empty_selection_message(fmt, selection))
    check_target(target, force=force, stdout_ok=fmt != "anki")
    if fmt == "anki":
        from llmconcepts.export.anki import write_apkg
        from llmconcepts.export.note_times import FILE_NAME, NoteTimes

        times_path = paths.cache_dir() / FILE_NAME
        note_times = NoteTimes.load(times_path)
        with atomic_output(target, force=force) as stream:
            write_apkg(selection, stream, now, progress, note_times)
        note_times.save(times_path)
    else:
        with atomic_output(target, force=force) as stream:
            if fmt == "csv":
                from llmconcepts.export.csv_export import write_csv

                write_csv(selection, stream, progress)
            else:
                from llmconcepts.export.json_export import write_json

                write_json(selection, stream, now, settings, progress)
    if fmt == "json":
        counts = Counter(card.layer.title for card in selection.cards)
    else:
        counts = Counter(deck_name(card.layer.title, card.card.concept.builtin) for card in selection.cards)
    return ExportResult(fmt, target.path, dict(counts), selection.learner_day)
