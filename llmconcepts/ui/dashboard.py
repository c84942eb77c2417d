"""What `llmc` with no command shows: what is due, the streak, and how to start."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from llmconcepts.ui.when import due_in

if TYPE_CHECKING:
    from llmconcepts.scheduling.day import LearnerClock
    from llmconcepts.scheduling.session import Dashboard


def next_due_text(next_due: datetime | None, now: datetime, clock: LearnerClock | None = None) -> str:
    """``now``, ``in 3h (today 14:20)`` (learner days, as ``llmc due`` writes them), or
    ``nothing scheduled``. Without a clock, the system zone and a midnight rollover."""
    if next_due is None:
        return "nothing scheduled"
    if clock is None:
        from llmconcepts.scheduling.day import LearnerClock, local_timezone

        clock = LearnerClock(local_timezone(), rollover_hour=0)
    return due_in(next_due, now, clock)


def render_dashboard(board: Dashboard, now: datetime, console: Console | None = None) -> None:
    """Print the dashboard: due now, new available today, streak, next due, how to start."""
    if console is None:
        from llmconcepts.ui.console import console as shared_console

        console = shared_console()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    grid.add_row("Due now", Text(str(board.due_now), style="bold green" if board.due_now else ""))
    grid.add_row("New today", Text(f"{board.new_available_today} available", style="blue"))
    grid.add_row("Streak", Text(f"{board.streak_days} day" + ("" if board.streak_days == 1 else "s")))
    grid.add_row("Next due", Text(next_due_text(board.next_due, now, board.clock)))
    console.print(Text("llmc", style="bold"), Text("· today", style="dim"))
    console.print(grid)
    console.print()
    if board.due_now or board.new_available_today:
        start = Text.assemble("Start with ", ("llmc study", "bold"), " (", ("--plain", "bold"),
                              " for scripts and screen readers).")
    else:
        start = Text.assemble("Nothing to study now. ", ("llmc study --cram", "bold"),
                              " practises without moving the schedule.")
    console.print(start)
    console.print(Text.assemble(("llmc explain CONCEPT", "bold"), " looks a concept up; ",
                                ("llmc --help", "bold"), " lists every command."))
