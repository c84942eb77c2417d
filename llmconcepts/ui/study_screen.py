"""The study session in a terminal: rich rendering, single-keypress commands.

Layout of one card (80x24, still whole at 60 columns)::

    Model mechanics › KV cache
    Mechanism · review              new 3 · learning 1 · review 12 · done 4
    ─────────────────────────────────────────────────────────────────────
    What does the KV cache hold, and why does decoding need it?
    Answer below; an empty line ends it, Enter alone reveals.
    > ...

and once revealed: the typed answer (matched words underlined), the model
answer, the key points marked ✓ covered / ✗ missed, the suggested rating, and
the four buttons with the interval each gives (Anki's "10m 1d 3d 8d").

Everything the learner typed and all card text go through :class:`rich.text.Text`,
never markup, so ``[bold]`` prints as typed. Colours follow ``NO_COLOR``
(rich honours it); the suggested button is also shown in reverse video so it
stays visible without colour.

Input: keys are read one at a time in cbreak mode (termios), so Ctrl-C still
raises KeyboardInterrupt. Answer lines are read in the terminal's own line mode,
so its line editing (Backspace, Ctrl-U, Ctrl-W) works; Ctrl-D ends the session
there too, even after text on the line (the terminal then hands over the text
without a newline, which is how it is told apart from Enter). Bytes are decoded
with ``surrogateescape``; the driver turns any that are not UTF-8 into U+FFFD.

Resizing: every screen is drawn at the terminal's width at that moment; a
resize (SIGWINCH) while a key is awaited redraws the revealed card or the
explain view at the new width. The question screen is not redrawn while an
answer is typed, since the line being typed lives in the terminal, not here.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import termios
import tty
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

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
)

if TYPE_CHECKING:
    from llmconcepts.explain import Explanation
    from llmconcepts.scheduling.session import Outlook, Progress, SessionSummary

RATING_STYLES = {1: "red", 2: "yellow", 3: "green", 4: "blue"}
CTRL_C, CTRL_D, ESC = "\x03", "\x04", "\x1b"
ACCEPT_KEYS = ("\r", "\n", " ")  # Enter (or space, as in Anki) takes the suggestion
DEFAULT_PAGER = "less -RK"  # -R: colours pass through; -K: Ctrl-C quits less (and ends the session)
_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*")
# An escape sequence (arrow keys...) or any other control character typed into an answer line.
_CONTROL = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?|[\x00-\x08\x0b-\x1f\x7f]")


def card_text(text: str, style: str = "") -> Text:
    """Card text as rich Text: ``**strong**`` bold, ``*emphasis*`` italic, nothing else interpreted."""
    out = Text(style=style)
    position = 0
    for match in _EMPHASIS.finditer(text):
        out.append(text[position : match.start()])
        if match.group(1) is not None:
            out.append(match.group(1), style="bold")
        else:
            out.append(match.group(2), style="italic")
        position = match.end()
    out.append(text[position:])
    return out


def progress_text(progress: Progress) -> Text:
    """``new 3 · learning 1 · review 12 · done 4``."""
    return Text.assemble(
        ("new ", "dim"), (str(progress.new_left), "blue"),
        (" · learning ", "dim"), (str(progress.learning_left), "red"),
        (" · review ", "dim"), (str(progress.review_left), "green"),
        (" · done ", "dim"), (str(progress.done), ""),
    )


def header(view: CardView, width: int) -> RenderableType:
    """Layer › concept title, then facet and kind on the left, progress on the right
    (on a line of its own when both do not fit in ``width`` columns)."""
    card = view.card
    title = Text.assemble((view.layer_title, "dim"), (" › ", "dim"), (card.concept.title, "bold"))
    facet = Text.assemble((card.facet.kind.label, "bold cyan"), (" · ", "dim"), (view.queued.kind, "dim"))
    progress = progress_text(view.progress)
    parts: list[RenderableType] = [title]
    if facet.cell_len + 2 + progress.cell_len <= width:
        grid = Table.grid(expand=True)
        grid.add_column(ratio=1)
        grid.add_column(justify="right")
        grid.add_row(facet, progress)
        parts.append(grid)
    else:
        progress.justify = "right"
        parts += [facet, progress]
    parts.append(Rule(style="dim"))
    for notice in view.notices:
        parts.append(Text(notice, style="yellow"))
    return Group(*parts)


def typed_answer(reveal: Reveal) -> Text:
    """The learner's answer verbatim, with the stretches that matched a cue underlined."""
    answer = reveal.grade.answer.strip("\n")
    if not answer.strip():
        return Text("(no answer typed)", style="dim italic")
    text = Text(answer)
    offset = len(reveal.grade.answer) - len(reveal.grade.answer.lstrip("\n"))
    for result in reveal.grade.points:
        if result.span is not None:
            text.stylize("underline green", result.span[0] - offset, result.span[1] - offset)
    return text


def key_points(reveal: Reveal, unicode_marks: bool) -> RenderableType:
    """One line per key point, ✓ covered (green) or ✗ missed (red), with a hanging indent."""
    hit, miss = ("✓", "✗") if unicode_marks else ("+", "-")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=1)
    grid.add_column(ratio=1)
    for result in reveal.grade.points:
        mark = Text(hit, style="bold green") if result.covered else Text(miss, style="bold red")
        grid.add_row(mark, Text(result.point.text, style="" if result.covered else "dim"))
    return grid


def suggestion_line(reveal: Reveal) -> Text:
    grade = reveal.grade
    if grade.suggested is None:
        return Text("No answer typed, so no suggestion: choose 1-4.", style="dim")
    rating = grade.suggested
    return Text.assemble(
        (f"{grade.covered} of {grade.total} key points covered · ", ""),
        ("Suggested: ", ""),
        (f"{rating} {RATING_NAMES[rating]}", f"bold {RATING_STYLES[rating]}"),
    )


def rating_buttons(reveal: Reveal) -> RenderableType:
    """Four buttons, each with its interval above it; the suggested one in reverse video."""
    grid = Table.grid(padding=(0, 2))
    for _ in RATING_NAMES:
        grid.add_column(justify="center", no_wrap=True)
    intervals = [
        Text(format_interval(reveal.intervals[r]) if r in reveal.intervals else "", style="dim")
        for r in RATING_NAMES
    ]
    buttons = []
    for rating, name in RATING_NAMES.items():
        style = RATING_STYLES[rating]
        if rating == reveal.grade.suggested:
            style = f"reverse bold {style}"
        buttons.append(Text(f" {rating} {name} ", style=style))
    if not reveal.practice:
        grid.add_row(*intervals)
    grid.add_row(*buttons)
    if reveal.practice:
        return Group(Text("Practice: the rating is logged, the schedule stays as it is.", style="dim"), grid)
    return grid


def keys_line(reveal: Reveal) -> Text:
    suggested = reveal.grade.suggested
    enter = f"Enter {RATING_NAMES[suggested]} · " if suggested is not None else ""
    set_aside = "skip" if reveal.practice else "bury"  # cram only skips a card
    return Text(f"{enter}u undo · e explain · s {set_aside} · q quit", style="dim")


def summary_table(summary: SessionSummary) -> RenderableType:
    """The end-of-session figures as a two-column grid."""
    studied = " · ".join(f"{kind} {count}" for kind, count in summary.studied_by_kind.items() if count)
    retention = "—" if summary.retention_today is None else f"{summary.retention_today:.0%}"
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    grid.add_row("Studied", Text(studied or "nothing"))
    grid.add_row("Again", Text(str(summary.again_count)))
    grid.add_row("Time in session", Text(format_duration(summary.session_time)))
    grid.add_row("Time answering", Text(format_duration(summary.time_spent)))
    grid.add_row("Retention today", Text(retention))
    if summary.due_later_today:
        grid.add_row("Due later today", Text(str(summary.due_later_today)))
    grid.add_row("Due tomorrow", Text(str(summary.due_tomorrow)))
    grid.add_row("Streak", Text(_days(summary.streak_days)))
    grid.add_row("Ratings saved", Text(str(summary.ratings_saved)))
    return grid


def render_explanation(console: Console, explanation: Explanation) -> None:
    """What ``llmc explain CONCEPT`` prints: the concept view, then its calculation if any."""
    from llmconcepts.ui.explain import render_calculation, render_concept

    render_concept(console, explanation.bank, explanation.concept)
    if explanation.calculation is not None:
        console.print()
        render_calculation(console, explanation.calculation)


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


class TerminalResized(Exception):
    """The terminal changed size while a key was awaited (SIGWINCH): redraw, then wait again."""


def _resized(_signum: int, _frame: object) -> None:
    raise TerminalResized


def _read_key(fd: int) -> str:
    """One keypress from a terminal in cbreak mode; escape sequences (arrows...) come back whole.

    TCSANOW (not the default TCSAFLUSH) keeps keys typed ahead of the switch.

    Raises:
        TerminalResized: the terminal was resized while waiting (no key was read).
        EndOfInput: the terminal is gone.
    """
    saved = termios.tcgetattr(fd)
    previous = signal.signal(signal.SIGWINCH, _resized)  # only while waiting: never mid-drawing
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        first = os.read(fd, 1)
        if not first:
            raise EndOfInput
        data = first
        if first == ESC.encode():
            while select.select([fd], [], [], 0.01)[0]:
                data += os.read(fd, 32)
        return data.decode(errors="replace")
    finally:
        signal.signal(signal.SIGWINCH, previous)
        termios.tcsetattr(fd, termios.TCSANOW, saved)


def _read_line(fd: int) -> str:
    """One answer line, read in the terminal's line mode, without its newline.

    Control characters (an arrow key's escape sequence...) are dropped; bytes that are
    not UTF-8 are kept as surrogates for the driver's :func:`~llmconcepts.ui.study.valid_text`.

    Raises:
        EOFError: Ctrl-D, on an empty line or after text (then the text comes without a newline).
    """
    data = os.read(fd, 65536)  # line mode: one line (at most 4095 bytes) or what Ctrl-D pushed
    if not data.endswith(b"\n"):
        raise EOFError
    return _CONTROL.sub("", data[:-1].decode("utf-8", "surrogateescape"))


class TerminalStudyScreen:
    """The interactive study screen on a terminal (see the module docstring).

    Args:
        console: where to render (the shared stdout console by default).
        read_key: reads one keypress; may raise :class:`TerminalResized` (injected by
            tests; defaults to cbreak on stdin).
        read_line: reads one line of the answer without its newline; raises
            EOFError on Ctrl-D (defaults to the terminal's line mode on stdin).
    """

    def __init__(self, console: Console | None = None, read_key=None, read_line=None) -> None:
        if console is None:
            from llmconcepts.ui.console import console as shared_console

            console = shared_console()
        self.console = console
        self._read_key = read_key or (lambda: _read_key(sys.stdin.fileno()))
        self._read_line = read_line or (lambda: _read_line(sys.stdin.fileno()))
        self._unicode = console.encoding.lower().startswith("utf")
        self._redraw: Callable[[], None] | None = None  # draws the screen a key is awaited on
        self._notices: list[str] = []  # shown under the card's reveal until the next card
        self._drawn_size = console.size
        self._shown_a_card = False

    def _key(self) -> str:
        """The next keypress; the screen is drawn again first if the terminal was resized
        since it was drawn, and whenever it is resized during the wait."""
        while True:
            if self._redraw is not None and self.console.size != self._drawn_size:
                self._redraw()
            try:
                return self._read_key()
            except TerminalResized:
                continue

    def _clear(self) -> None:
        self.console.clear()
        self._drawn_size = self.console.size

    # -- one card --------------------------------------------------------
    def show_card(self, view: CardView) -> None:
        self._shown_a_card = True
        self._redraw = None
        self._notices.clear()
        self._clear()
        self.console.print(header(view, self.console.width))
        self.console.print(card_text(view.card.facet.prompt, style="bold"))
        self.console.print(
            Text("Answer below; an empty line ends it, Enter alone reveals.", style="dim")
        )

    def read_answer(self) -> str:
        lines: list[str] = []
        while True:
            self.console.print(Text("> ", style="cyan"), end="")
            self.console.file.flush()
            try:
                line = self._read_line()
            except EOFError:
                raise EndOfInput from None
            if not line.strip():
                return "\n".join(lines)
            lines.append(line)

    def show_reveal(self, view: CardView, reveal: Reveal) -> None:
        """Draw the revealed card; spacer lines go when it is taller than the terminal.

        Each part is rendered to lines once, both to measure and to print.
        """
        self._drawn_size = self.console.size  # what the lines are measured for
        options = self.console.options
        blocks = [
            None if part is None else self.console.render_lines(part, options, pad=False)
            for part in self._reveal_parts(view, reveal)
        ]
        if sum(1 if block is None else len(block) for block in blocks) > self.console.height:
            blocks = [block for block in blocks if block is not None]
        segments: list[Segment] = []
        for block in blocks:
            for line in block or [[]]:
                segments.extend(line)
                segments.append(Segment.line())
        self._clear()
        self.console.print(Segments(segments), end="")
        self._redraw = lambda: self.show_reveal(view, reveal)

    def _reveal_parts(self, view: CardView, reveal: Reveal) -> list[RenderableType | None]:
        """Renderables top to bottom; None marks a blank spacer line (dropped when short of rows).

        What matters most when rating sits at the bottom, where it stays in view when
        a long model answer pushes the top of the screen up: the learner's own answer
        right above the key points it was marked against, then the buttons.
        """
        return [
            header(view, self.console.width),
            card_text(view.card.facet.prompt, style="bold"),
            None,
            Rule(Text("Model answer", style="bold"), style="dim", align="left"),
            card_text(view.card.facet.answer),
            None,
            Rule(Text("Your answer", style="bold"), style="dim", align="left"),
            typed_answer(reveal),
            key_points(reveal, self._unicode),
            suggestion_line(reveal),
            None,
            rating_buttons(reveal),
            keys_line(reveal),
            *(Text(notice, style="yellow") for notice in self._notices),
        ]

    def read_command(self, suggested: int | None) -> Command:
        while True:
            key = self._key()
            if key == CTRL_D:
                raise EndOfInput
            if key == CTRL_C:
                raise KeyboardInterrupt
            if key in ACCEPT_KEYS:
                return parse_command("")
            command = parse_command(key) if key.strip() else None
            if command is not None:
                return command

    def show_notice(self, text: str) -> None:
        """A line under the card, kept when the card is drawn again (after the explain view)."""
        if text not in self._notices:
            self._notices.append(text)
        self.console.print(Text(text, style="yellow"))

    # -- explain -----------------------------------------------------------
    def show_explain(self, explanation: Explanation) -> None:
        """The concept's explain view; the card comes back after the pager, or after a key.

        A view taller than the terminal goes through the pager (``$PAGER``, else
        ``less -RK``; quitting it returns to the card, Ctrl-C that ends the pager ends
        the session); a shorter one is printed and any key returns (Ctrl-C and
        Ctrl-D end the session).
        """
        self._clear()
        text = self._explain_text(explanation)
        if text.count("\n") >= self.console.height - 1 and _page(text):
            return

        def draw(text: str | None = None) -> None:
            if text is None:
                self._clear()
                text = self._explain_text(explanation)
            self.console.file.write(text)
            self.console.print(Text("Press any key to return to the card.", style="dim"))
            self.console.file.flush()

        draw(text)
        self._redraw = draw
        key = self._key()
        if key == CTRL_C:
            raise KeyboardInterrupt
        if key == CTRL_D:
            raise EndOfInput

    def _explain_text(self, explanation: Explanation) -> str:
        with self.console.capture() as capture:
            render_explanation(self.console, explanation)
        return capture.get()

    # -- the end -----------------------------------------------------------
    def show_summary(
        self, summary: SessionSummary, finished: bool, outlook: Outlook | None = None, notices: Sequence[str] = ()
    ) -> None:
        self.console.print()
        if finished and not self._shown_a_card:  # (a session of burials only rated nothing, yet studied)
            title = "Nothing to study right now"
        else:
            title = "Session complete" if finished else "Session ended"
        self.console.print(Rule(Text(title, style="bold"), style="dim", align="left"))
        lines = [*notices, *(outlook_lines(outlook) if outlook is not None else ())]
        for line in lines:
            self.console.print(Text(line, style="yellow"))
        if lines:
            self.console.print()
        self.console.print(summary_table(summary))

    def show_stopped(self, ratings_saved: int, reason: str) -> None:
        self.console.print()
        self.console.print(Text(f"{reason}. {_ratings(ratings_saved)} saved.", style="yellow"))


def _ratings(count: int) -> str:
    return "1 rating" if count == 1 else f"{count} ratings"


def _page(text: str) -> bool:
    """Show ``text`` in the learner's pager (``$PAGER``, else ``less -RK``); False if none runs.

    ``LESS=R`` is set when ``LESS`` is unset, so colours pass through as git does.

    Raises:
        KeyboardInterrupt: Ctrl-C ended the pager (``less -K`` quits on it, most
            other pagers die of it). A pager that keeps Ctrl-C for itself (``less``
            without ``-K``) and is then quit normally returns to the card.
    """
    command = os.environ.get("PAGER") or DEFAULT_PAGER
    env = dict(os.environ)
    env.setdefault("LESS", "R")
    # While the pager runs, Ctrl-C is only noted here: the pager gets it too (same process
    # group) and must be left to restore the terminal before the session ends.
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    interrupts: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: interrupts.append(signum))
    try:
        pager.communicate(text.encode())  # a pager quit early (broken pipe) is fine here
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupts and pager.returncode != 0:
        raise KeyboardInterrupt
    return pager.returncode != 127  # 127: the shell found no such command
