"""`llmc cards ...`: check the card bank."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from llmconcepts.cli.command import LlmcCommand
from llmconcepts.errors import CardBankError

app = typer.Typer(help="Check the card bank and the learner's own cards.", no_args_is_help=True)


@app.command("validate", cls=LlmcCommand, short_help="Check card files and report every problem.")
def validate(
    paths: Optional[list[Path]] = typer.Argument(
        None, metavar="PATH",
        help="YAML files or folders to check; their prerequisites may name built-in concepts. "
        "Default: the built-in bank and your own cards.",
    ),
) -> None:
    """Load and validate card files; exit 0 when clean, 1 with file:line messages otherwise."""
    from llmconcepts.cardbank.loader import check_paths, load_bank

    try:
        bank = check_paths(paths) if paths else load_bank(use_cache=False)
    except CardBankError as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        count = len(exc.problems)
        typer.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{_count(len(bank.concepts), 'concept')}, {_count(len(bank.cards()), 'card')} "
        f"in {_count(len(bank.layers), 'layer')}: OK"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
