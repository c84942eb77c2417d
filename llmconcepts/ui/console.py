"""The shared rich Console and small helpers to print learner text safely.

rich honours ``NO_COLOR`` by itself. Text the learner typed, and card text,
is always passed as :class:`rich.text.Text` (never as markup strings), so
``[bold]`` or ``[/]`` in it prints literally.
"""

from __future__ import annotations

import errno
import os
import sys
from functools import lru_cache

from rich.console import Console


class _Console(Console):
    """rich's Console, except that a closed output pipe is left to the CLI (which ends
    with status 141, see ``llmconcepts.cli.command``) instead of rich's exit status 1."""

    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more to write
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


@lru_cache(maxsize=None)
def console() -> Console:
    """Console on stdout; no automatic highlighting of numbers/paths in our text."""
    return _Console(highlight=False, soft_wrap=False)


@lru_cache(maxsize=None)
def error_console() -> Console:
    return _Console(stderr=True, highlight=False)


def is_interactive() -> bool:
    """True when stdin and stdout are terminals (the study UI needs both)."""
    return sys.stdin.isatty() and sys.stdout.isatty()
