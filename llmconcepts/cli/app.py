"""The typer application: the root command and its sub-commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="llmc",
    help="Study the core concepts of LLM engineering: spaced repetition (FSRS), "
    "explain-it calculators and Anki export.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context) -> None:
    """Without a command: a short dashboard of what is due and how to start."""
    if ctx.invoked_subcommand is None:
        from llmconcepts.scheduling.session import dashboard
        from llmconcepts.ui.dashboard import render_dashboard
        from llmconcepts.ui.study import utc_now

        now = utc_now()
        render_dashboard(dashboard(now), now)


# Command groups register themselves here, one line each (keep this list sorted).
from llmconcepts.cli import cards as _cards  # noqa: E402
from llmconcepts.cli import config as _config  # noqa: E402
from llmconcepts.cli import explain as _explain  # noqa: E402
from llmconcepts.cli import export as _export  # noqa: E402
from llmconcepts.cli import progress as _progress  # noqa: E402
from llmconcepts.cli import schedule as _schedule  # noqa: E402
from llmconcepts.cli import study as _study  # noqa: E402

app.add_typer(_cards.app, name="cards")
app.add_typer(_config.app, name="config")
app.command("explain", **_explain.COMMAND_SETTINGS)(_explain.explain)
app.add_typer(_export.app, name="export")
app.command("study")(_study.study)
app.command("reset")(_schedule.reset)
app.command("suspend")(_schedule.suspend)
app.command("unsuspend")(_schedule.unsuspend)
app.command("list")(_progress.list_concepts)
app.command("due")(_progress.due)
app.command("stats")(_progress.stats)
