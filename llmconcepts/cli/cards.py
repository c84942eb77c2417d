"""`llmc cards ...`: check the card bank."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(help="Check the card bank and the learner's own cards.", no_args_is_help=True)


@app.command("validate")
def validate(
    paths: Optional[list[Path]] = typer.Argument(
        None, help="YAML files or folders to check (default: the built-in bank and your own cards)."
    ),
) -> None:
    """Load and validate card files; exit 0 when clean, 1 with file:line messages otherwise."""
    raise NotImplementedError  # implemented with the loader (issue 2)
