"""`llmc suspend`, `llmc unsuspend`, `llmc reset`: change one card or concept's schedule."""

from __future__ import annotations

import typer

from llmconcepts.errors import LlmcError

TARGET_HELP = (
    "A concept (id, alias or title: kv-cache, GQA; all three of its cards) or one card, "
    "CONCEPT/FACET with facet mechanism, trade-off or failure-mode (kv-cache/trade-off)."
)
TARGET = typer.Argument(..., metavar="TARGET", help=TARGET_HELP)
NO_ANSWER = ("no answer to the question (standard input is closed); nothing changed. "
             "Use --yes to reset without asking")


def _now():  # noqa: ANN202 - the CLI reads the clock once per action
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _report(verb: str, ids: list[str], none_text: str) -> None:
    if not ids:
        typer.echo(none_text)
        return
    typer.echo(f"{verb} {len(ids)} card{'s' if len(ids) != 1 else ''}: {', '.join(ids)}")


def suspend(target: str = TARGET) -> None:
    """Keep a card or a concept out of study until you unsuspend it."""
    from llmconcepts.scheduling.admin import suspend as suspend_target

    _report("suspended", suspend_target(target, _now()), f"{target}: already suspended")


def unsuspend(target: str = TARGET) -> None:
    """Bring a suspended card or concept (a leech, say) back into study."""
    from llmconcepts.scheduling.admin import unsuspend as unsuspend_target

    _report("unsuspended", unsuspend_target(target, _now()), f"{target}: nothing was suspended")


def reset(
    target: str = TARGET,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Make a card or concept new again, as if never studied (its review history is kept).

    Asks first unless --yes is given; answering no changes nothing (exit 0).
    """
    from llmconcepts.cardbank.loader import load_bank
    from llmconcepts.scheduling.admin import reset as reset_target
    from llmconcepts.scheduling.admin import resolve_target

    bank = load_bank()
    resolved = resolve_target(target, bank)
    if not yes:
        question = (f"Reset {resolved.name} to new? Its review history is kept." if resolved.is_card else
                    f"Reset the {len(resolved.card_ids)} cards of {resolved.name} to new? "
                    "Their review history is kept.")
        if not _confirm(question):
            typer.echo("Nothing changed.")
            return
    _report("reset", reset_target(resolved.name, _now(), bank=bank), f"{resolved.name}: already new")


def _confirm(question: str) -> bool:
    """Ask ``question`` with a yes/no answer, no by default (Enter). A closed standard
    input is one ``llmc:`` line and exit 1; Ctrl-C ends with 130 as anywhere else."""
    while True:
        typer.echo(f"{question} [y/N]: ", nl=False)
        try:
            answer = input().strip().lower()
        except EOFError:
            typer.echo()
            raise LlmcError(NO_ANSWER) from None
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        typer.echo("Please answer y or n.")
