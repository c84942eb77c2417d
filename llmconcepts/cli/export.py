"""`llmc export anki|csv|json`: write cards for Anki or for scripts."""

from __future__ import annotations

from typing import Optional

import typer

from llmconcepts.cli.command import LlmcCommand

app = typer.Typer(
    help="Export cards: an Anki package (.apkg), an Anki-importable CSV, or JSON with the schedule. "
    "Default: the cards due today, to llmc-YYYY-MM-DD.<ext> in the current folder.",
    no_args_is_help=True,
)

DUE = typer.Option(False, "--due", help="Only cards due today (the default without --layer/--concept/--all).")
ALL = typer.Option(False, "--all", help="Every card, built-in and your own.")
LAYER = typer.Option([], "--layer", metavar="ID", help="Cards of this layer (id or title; repeatable).")
CONCEPT = typer.Option([], "--concept", metavar="ID", help="Cards of this concept (id, alias or title; repeatable).")
EXIT_INTERRUPTED = 130  # 128 + SIGINT, llmc's status for Ctrl-C everywhere

FORCE = typer.Option(False, "--force", help="Replace the output file if it exists.")


def _output(extension: str, stdout_ok: bool) -> typer.models.OptionInfo:
    dash = " '-' writes to standard output." if stdout_ok else ""
    return typer.Option(
        None, "--output", "-o", metavar="FILE",
        help=f"File or folder to write (default: llmc-YYYY-MM-DD.{extension} here); "
        f"a name ending in / is a folder. A symbolic link is written through.{dash}",
    )


def _export(fmt: str, due: bool, all_: bool, layer: list[str], concept: list[str],
            output: Optional[str], force: bool) -> None:
    """Parse the selection flags, run the export, print the summary."""
    from datetime import datetime, timezone

    from llmconcepts.export.run import run_export
    from llmconcepts.export.selection import ExportScope
    from llmconcepts.ui.export import export_progress, render_interrupted, render_summary

    if all_ and (due or layer or concept):
        raise typer.BadParameter("--all exports every card; leave out --due, --layer and --concept", param_hint="--all")
    scope = ExportScope(layers=tuple(layer), concepts=tuple(concept), due=due or not (all_ or layer or concept))
    now = datetime.now(timezone.utc)
    try:
        with export_progress() as progress:
            result = run_export(fmt, scope, now, output=output, force=force, progress=progress)
    except KeyboardInterrupt:
        # typer would exit 130 silently; the temporary file is already removed.
        render_interrupted(to_stdout=output == "-")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    render_summary(result)


def _command(fmt: str, extension: str, *, stdout_ok: bool, summary: str):
    """A typer command for one format (the three differ only in format and help)."""

    def command(
        due: bool = DUE, all_: bool = ALL, layer: list[str] = LAYER, concept: list[str] = CONCEPT,
        output: Optional[str] = _output(extension, stdout_ok), force: bool = FORCE,
    ) -> None:
        _export(fmt, due, all_, layer, concept, output, force)

    command.__doc__ = summary
    command.__name__ = fmt
    return command


app.command("anki", cls=LlmcCommand, short_help="Write an Anki package (.apkg).")(_command(
    "anki", "apkg", stdout_ok=False,
    summary='Write an Anki package (.apkg): note type "llmc concept facet", decks "LLM Concepts::<layer>".'
    "\n\nRe-importing a newer export updates the notes' text; it never duplicates them.",
))
app.command("csv", cls=LlmcCommand, short_help="Write a CSV file for Anki's File > Import.")(_command(
    "csv", "csv", stdout_ok=True,
    summary="Write a CSV file for Anki's File > Import (Basic note type; its header lines set everything).",
))
app.command("json", cls=LlmcCommand, short_help="Write the cards and their FSRS state as JSON.")(_command(
    "json", "json", stdout_ok=True,
    summary="Write the cards with their text and FSRS state (due, stability, difficulty...) as JSON.",
))
