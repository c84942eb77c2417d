"""Progress reports of an export, for a progress bar: ``progress(step, done, total)``.

An export reports its steps in order, each counting the cards from 1 to ``total``:
the ``.apkg`` export first builds the notes (:data:`NOTES`: card text to HTML) and
then has genanki write them into the package (:data:`PACKAGE`, the last report once
the file is complete); CSV and JSON write their cards in one step (:data:`ROWS`,
:data:`CARDS`). The names are stable identifiers; the UI chooses the words shown.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(step, done, total)``.
ProgressCallback = Callable[[str, int, int], None]

NOTES = "notes"
PACKAGE = "package"
ROWS = "rows"
CARDS = "cards"

#: Cards between two reports: often enough for a smooth bar, rare enough to cost nothing.
REPORT_EVERY = 200


class StepReporter:
    """Counts the cards of one step and reports every :data:`REPORT_EVERY` of them.

    :meth:`start` when the step begins (a report of 0), :meth:`tick` after each card,
    :meth:`finish` when the step is complete (the report of ``total``, which ``tick``
    never makes, so that a step whose work goes on after its last card, such as
    compressing the package, is not shown as done too early).
    """

    def __init__(self, progress: ProgressCallback | None, step: str, total: int) -> None:
        self.progress = progress
        self.step = step
        self.total = total
        self.done = 0

    def start(self) -> None:
        if self.progress is not None:
            self.progress(self.step, 0, self.total)

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % REPORT_EVERY == 0 and self.done < self.total:
            self.progress(self.step, self.done, self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.step, self.total, self.total)
