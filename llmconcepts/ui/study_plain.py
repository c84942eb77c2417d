"""``llmc study --plain``: the study session as plain lines of text.

No colour, no cursor movement, no line wrapping: one statement per line, so it
reads well in a screen reader and can be driven by a script. The protocol
(documented in docs/study.md) per card:

* llmc prints the card (``Card N (kind): layer / concept / facet``, the counts
  left, ``Question: ...``) and ``Answer, then an empty line:``;
* the learner sends the answer's lines, then an empty line (an empty first line
  means no answer);
* llmc prints the model answer, each key point as ``covered:`` or ``missed:``,
  the suggestion and the intervals, then ``Rating (...):``;
* the learner sends one line: ``1``-``4``, an empty line for the suggestion, or
  ``u`` (undo), ``e`` (explain), ``s`` (bury), ``q`` (quit). A line that is none of
  these, or an empty line when there is no suggestion, is answered with a
  ``Note:`` line and read again.

End of input ends the session like ``q``. Input bytes that are not UTF-8 are read
without error and stored as U+FFFD (see :func:`llmconcepts.ui.study.valid_text`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from llmconcepts.ui.study import (
    RATING_NAMES,
    CardView,
    Command,
    EndOfInput,
    Reveal,
    format_duration,
    format_interval,
    outlook_lines,
    parse_command,
    valid_text,
)
from llmconcepts.ui.study_screen import card_text, render_explanation

if TYPE_CHECKING:
    from llmconcepts.explain import Explanation
    from llmconcepts.scheduling.session import Outlook, SessionSummary

ANSWER_PROMPT = "Answer, then an empty line:"
UNWRAPPED = 1_000_000
"""Console width for the explain view: wider than any line, so rich never wraps one."""


class PlainStudyScreen:
    """The ``--plain`` study screen over two text streams (stdin and stdout by default)."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        if stdin is None:
            stdin = sys.stdin
            if hasattr(stdin, "reconfigure"):  # bytes that are not UTF-8 must not stop the session
                stdin.reconfigure(errors="surrogateescape")
        self.stdin = stdin
        self.stdout = stdout or sys.stdout
        self._shown = 0
        self._said_anything = False
        self._last_reveal: Reveal | None = None
        self._set_aside = "bury"  # what `s` does: "skip" in cram mode

    def _say(self, line: str = "") -> None:
        self.stdout.write(line + "\n")
        self._said_anything = True

    def _gap(self) -> None:
        """An empty line between two blocks (none before the first)."""
        if self._said_anything:
            self._say()

    def _line(self) -> str:
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EndOfInput
        return line.rstrip("\r\n")

    def show_card(self, view: CardView) -> None:
        self._shown += 1
        card, progress = view.card, view.progress
        self._gap()
        for notice in view.notices:
            self._say(f"Note: {notice}")
        self._say(
            f"Card {self._shown} ({view.queued.kind}): {view.layer_title} / "
            f"{card.concept.title} / {card.facet.kind.label}"
        )
        self._say(
            f"Left: {progress.new_left} new, {progress.learning_left} learning, "
            f"{progress.review_left} review. Done: {progress.done}."
        )
        self._say(f"Question: {_plain(card.facet.prompt)}")
        self._say(ANSWER_PROMPT)

    def read_answer(self) -> str:
        lines: list[str] = []
        while True:
            line = self._line()
            if not line.strip():
                return "\n".join(lines)
            lines.append(line)

    def show_reveal(self, view: CardView, reveal: Reveal) -> None:
        self._set_aside = "skip" if reveal.practice else "bury"  # cram only skips a card
        if reveal is self._last_reveal:  # back from the explain view: only ask again
            self._rating_prompt(reveal.grade.suggested)
            return
        self._last_reveal = reveal
        grade = reveal.grade
        self._say(f"Model answer: {_plain(view.card.facet.answer)}")
        self._say(f"Key points: {grade.covered} of {grade.total} covered.")
        for result in grade.points:
            if result.covered:
                self._say(f"  covered: {result.point.text} (you wrote \"{_one_line(result.evidence)}\")")
            else:
                self._say(f"  missed: {result.point.text}")
        if grade.suggested is None:
            self._say("Suggested rating: none, no answer was typed.")
        else:
            self._say(f"Suggested rating: {grade.suggested} {RATING_NAMES[grade.suggested]}.")
        if reveal.practice:
            self._say("Intervals: none, a practice rating leaves the schedule as it is.")
        elif reveal.intervals:
            intervals = ", ".join(
                f"{r} {name} {format_interval(reveal.intervals[r])}"
                for r, name in RATING_NAMES.items()
                if r in reveal.intervals
            )
            self._say(f"Intervals: {intervals}.")
        self._rating_prompt(grade.suggested)

    def _rating_prompt(self, suggested: int | None) -> None:
        empty = f"empty line for {suggested} {RATING_NAMES[suggested]}, " if suggested else ""
        self._say(f"Rating (1-4, {empty}u undo, e explain, s {self._set_aside}, q quit):")

    def read_command(self, suggested: int | None) -> Command:
        while True:
            line = self._line()
            command = parse_command(line)
            if command is not None:
                return command
            self._say(f"Note: '{valid_text(line.strip())}' is not a choice: type 1-4, u, e, s or q, or an empty line.")
            self._rating_prompt(suggested)

    def show_notice(self, text: str) -> None:
        self._say(f"Note: {text}")

    def show_explain(self, explanation: Explanation) -> None:
        """The explain view as plain text (no colour, no wrapping) between two marker lines."""
        from rich.console import Console

        title = explanation.concept.title
        console = Console(
            file=self.stdout, width=UNWRAPPED, no_color=True, force_terminal=False, highlight=False,
            emoji=False, soft_wrap=True,
        )
        self._say(f"Explain: {title}")
        render_explanation(console, explanation)
        self._say(f"End of explain: {title}")

    def show_summary(
        self, summary: SessionSummary, finished: bool, outlook: Outlook | None = None, notices: Sequence[str] = ()
    ) -> None:
        studied = ", ".join(f"{kind} {n}" for kind, n in summary.studied_by_kind.items() if n)
        retention = "none yet" if summary.retention_today is None else f"{summary.retention_today:.0%}"
        self._gap()
        if finished and not self._shown:  # (a session of burials only rated nothing, yet studied)
            self._say("Nothing to study right now.")
        else:
            self._say("Session complete." if finished else "Session ended.")
        for notice in notices:
            self._say(f"Note: {notice}")
        if outlook is not None:
            for line in outlook_lines(outlook):
                self._say(line)
        self._say(f"Studied: {studied or 'nothing'}.")
        self._say(f"Again: {summary.again_count}.")
        self._say(f"Time in session: {format_duration(summary.session_time)}.")
        self._say(f"Time answering: {format_duration(summary.time_spent)}.")
        self._say(f"Retention today: {retention}.")
        if summary.due_later_today:
            self._say(f"Due later today: {summary.due_later_today}.")
        self._say(f"Due tomorrow: {summary.due_tomorrow}.")
        self._say(f"Streak: {summary.streak_days} {'day' if summary.streak_days == 1 else 'days'}.")
        self._say(f"Ratings saved: {summary.ratings_saved}.")
        self.stdout.flush()

    def show_stopped(self, ratings_saved: int, reason: str) -> None:
        self._say()
        self._say(f"{reason}. {ratings_saved} {'rating' if ratings_saved == 1 else 'ratings'} saved.")
        self.stdout.flush()


def _plain(text: str) -> str:
    """Card text on one line, ``*emphasis*`` markers removed."""
    return _one_line(card_text(text).plain)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())
