"""Command-line entry point of llmc.

Commands live in one module per group (``cli/study.py``, ``cli/explain.py``...);
each parses arguments, calls one core function and renders the result with
``llmconcepts.ui``. Only typer and light modules are imported at start-up:
SQLAlchemy, fsrs, genanki and numpy are imported inside the commands that use
them, so ``llmc --help`` stays fast.

Exit codes: 0 ok, 1 user error (an :class:`~llmconcepts.errors.LlmcError`),
2 usage error (typer/click), 130 interrupted.
"""

from __future__ import annotations

import sys

from llmconcepts.errors import LlmcError


def main() -> None:
    """Console-script entry point: run the app, turning LlmcError into one line + exit 1."""
    from llmconcepts.cli import typer_speedup
    from llmconcepts.cli.app import app

    typer_speedup.install()  # before parsing: no pydantic import for values typer returns unchanged

    try:
        app(prog_name="llmc")
    except LlmcError as exc:
        print(f"llmc: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("llmc: interrupted", file=sys.stderr)
        sys.exit(130)
