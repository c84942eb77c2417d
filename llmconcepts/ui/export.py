"""Rendering for ``llmc export``: the progress bar, the closing summary, the Ctrl-C line.

The progress bar goes to stderr (so ``-o -`` output on stdout stays clean) and
appears only for exports of more than :data:`PROGRESS_THRESHOLD` cards and only
when stderr is a terminal: elsewhere nothing at all is written for it (rich's
progress display would still end with an empty line). It names the step under way
(the ``.apkg`` export builds its notes, then writes the package) and is removed
when done.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from llmconcepts.export.progress import CARDS, NOTES, PACKAGE, ROWS, ProgressCallback

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from llmconcepts.export.run import ExportResult

#: Exports of more cards than this show a progress bar.
PROGRESS_THRESHOLD = 300
NOUNS = {"anki": "note", "csv": "note", "json": "card"}
#: What the bar says during each step of an export.
STEP_LABELS = {NOTES: "Building notes", PACKAGE: "Writing package", ROWS: "Writing CSV", CARDS: "Writing JSON"}


@contextmanager
def export_progress(console: Console | None = None, threshold: int = PROGRESS_THRESHOLD) -> Iterator[ProgressCallback]:
    """A ``progress(step, done, total)`` callback that draws a bar on a terminal once
    ``total`` exceeds ``threshold``; the bar is removed when the block ends."""
    from llmconcepts.ui.console import error_console

    console = console or error_console()
    live = console.is_terminal and not console.is_dumb_terminal
    bar: Progress | None = None
    task: TaskID | None = None

    def update(step: str, done: int, total: int) -> None:
        nonlocal bar, task
        if not live or total <= threshold:
            return
        label = STEP_LABELS.get(step, step)
        if bar is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            bar = Progress(
                TextColumn("{task.description:<15}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=console, transient=True,
            )
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, description=label, completed=done, total=total)

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def render_interrupted(to_stdout: bool, console: Console | None = None) -> None:
    """The one line after Ctrl-C: nothing was written (the temporary file is gone), or,
    for standard output, that what went out there is incomplete."""
    from llmconcepts.ui.console import error_console

    console = console or error_console()
    outcome = "what reached standard output is incomplete" if to_stdout else "nothing was written"
    console.print(Text(f"llmc: export interrupted; {outcome}"), soft_wrap=True)


def render_summary(result: ExportResult, console: Console | None = None) -> None:
    """``Exported 42 notes to <path>`` then one line per deck with its count (per layer,
    with the layer's title, for JSON, which has no decks).

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
    width = len(str(max(result.counts.values(), default=0)))
    for group, count in result.counts.items():
        console.print(Text(f"  {count:>{width}}  {group}"), soft_wrap=True)
    if result.format == "anki" and not to_stdout:
        console.print(Text("In Anki: File > Import. Notes already there are updated, not duplicated.", style="dim"))
