"""The typer application: the root command and its sub-commands.

Every command is an :class:`~llmconcepts.cli.command.LlmcCommand` (conventional
argument names in help, negative numbers as values) under the root
:class:`~llmconcepts.cli.command.LlmcGroup`; ``-h`` is ``--help`` everywhere.
A command's ``short_help`` is the line shown in its group's list, short enough for
an 80-column terminal; its docstring is the full help.
"""

from __future__ import annotations

import typer

from llmconcepts.cli.command import LlmcCommand, LlmcGroup

#: Context settings of every command (sub-commands inherit them from the root).
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="llmc",
    cls=LlmcGroup,
    help="Study the core concepts of LLM engineering: spaced repetition (FSRS), "
    "explain-it calculators and Anki export.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings=CONTEXT_SETTINGS,
)


def _print_version(value: bool) -> None:
    if value:
        from llmconcepts import __version__

        typer.echo(f"llmc {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print llmc's version and exit."),
) -> None:
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

app.add_typer(_cards.app, name="cards", short_help="Check the card bank and your own card files.")
app.add_typer(_config.app, name="config", short_help="Show or change your settings.")
app.command("explain", cls=LlmcCommand, short_help="Explain a concept and work its numbers.",
            **_explain.COMMAND_SETTINGS)(_explain.explain)
app.add_typer(_export.app, name="export", short_help="Export cards to Anki (.apkg), CSV or JSON.")
app.command("study", cls=LlmcCommand, short_help="Study the cards due today.")(_study.study)
app.command("reset", cls=LlmcCommand, short_help="Make a card or concept new again.")(_schedule.reset)
app.command("suspend", cls=LlmcCommand, short_help="Keep a card or concept out of study.")(_schedule.suspend)
app.command("unsuspend", cls=LlmcCommand,
            short_help="Bring a suspended card or concept back into study.")(_schedule.unsuspend)
app.command("list", cls=LlmcCommand,
            short_help="The curriculum with each card's state.")(_progress.list_concepts)
app.command("due", cls=LlmcCommand, short_help="What is due today and on the coming days.")(_progress.due)
app.command("stats", cls=LlmcCommand, short_help="Reviews, streaks, retention and mastery.")(_progress.stats)
