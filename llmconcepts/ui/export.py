"""Rendering for ``llmc export``: the progress bar and the closing summary.

The progress bar goes to stderr (so ``-o -`` output on stdout stays clean) and
appears only for exports of more than :data:`PROGRESS_THRESHOLD` cards and only
on a terminal (rich shows no live display otherwise); it is removed when done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from rich.progress import Progress

    from llmconcepts.export.run import ExportResult

#: Exports of more cards than this show a progress bar.
PROGRESS_THRESHOLD = 300
NOUNS = {"anki": "note", "csv": "note", "json": "card"}


@contextmanager
def export_progress(
    console: Console | None = None, threshold: int = PROGRESS_THRESHOLD
) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback that draws a bar once ``total`` exceeds ``threshold``."""
    from llmconcepts.ui.console import error_console

    console = console or error_console()
    bar: Progress | None = None
    task = None

    def update(done: int, total: int) -> None:
        nonlocal bar, task
        if total <= threshold:
            return
        if bar is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            bar = Progress(
                TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console, transient=True,
            )
            bar.start()
            task = bar.add_task("export", total=total)
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def render_summary(result: ExportResult, console: Console | None = None) -> None:
    """``Exported 42 notes to <path>`` then one line per deck with its count.

    Written to stderr when the export itself went to stdout (``-o -``).
    """
    from llmconcepts.ui.console import console as shared_console
    from llmconcepts.ui.console import error_console

    to_stdout = str(result.path) == "-"
    if console is None:
        console = error_console() if to_stdout else shared_console()
    noun = NOUNS.get(result.format, "note")
    plural = "" if result.total == 1 else "s"
    where = "standard output" if to_stdout else str(result.path)
    headline = Text.assemble("Exported ", (f"{result.total} {noun}{plural}", "bold"), " to ", where)
    console.print(headline, soft_wrap=True)  # never break the path across lines
    width = len(str(max(result.notes_per_deck.values(), default=0)))
    for deck, count in result.notes_per_deck.items():
        console.print(Text(f"  {count:>{width}}  {deck}"), soft_wrap=True)
    if result.format == "anki" and not to_stdout:
        console.print(Text("In Anki: File > Import. Notes already there are updated, not duplicated.", style="dim"))
