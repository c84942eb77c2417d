"""`llmc suspend`, `llmc unsuspend`, `llmc reset`: change one card or concept's schedule."""

from __future__ import annotations

import typer

TARGET_HELP = "A card id (kv-cache/mechanism) or a concept id (kv-cache: all three of its cards)."


def _now():  # noqa: ANN202 - the CLI reads the clock once per action
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _report(verb: str, ids: list[str], none_text: str) -> None:
    if not ids:
        typer.echo(none_text)
        return
    typer.echo(f"{verb} {len(ids)} card{'s' if len(ids) != 1 else ''}: {', '.join(ids)}")


def suspend(target: str = typer.Argument(..., help=TARGET_HELP)) -> None:
    """Keep a card or a concept out of study until you unsuspend it."""
    from llmconcepts.scheduling.admin import suspend as suspend_target

    _report("suspended", suspend_target(target, _now()), f"{target}: already suspended")


def unsuspend(target: str = typer.Argument(..., help=TARGET_HELP)) -> None:
    """Bring a suspended card or concept (a leech, say) back into study."""
    from llmconcepts.scheduling.admin import unsuspend as unsuspend_target

    _report("unsuspended", unsuspend_target(target, _now()), f"{target}: nothing was suspended")


def reset(
    target: str = typer.Argument(..., help=TARGET_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Make a card or concept new again (its review history is kept)."""
    from llmconcepts.scheduling.admin import reset as reset_target

    if not yes and not typer.confirm(f"Forget what llmc knows of your memory of {target}?"):
        typer.echo("nothing changed")
        raise typer.Exit(1)
    _report("reset", reset_target(target, _now()), f"{target}: already new")
