"""The shared rich Console and small helpers to print learner text safely.

rich honours ``NO_COLOR`` by itself. Text the learner typed, and card text,
is always passed as :class:`rich.text.Text` (never as markup strings), so
``[bold]`` or ``[/]`` in it prints literally.
"""

from __future__ import annotations

import sys
from functools import lru_cache

from rich.console import Console


@lru_cache(maxsize=None)
def console() -> Console:
    """Console on stdout; no automatic highlighting of numbers/paths in our text."""
    return Console(highlight=False, soft_wrap=False)


@lru_cache(maxsize=None)
def error_console() -> Console:
    return Console(stderr=True, highlight=False)


def is_interactive() -> bool:
    """True when stdin and stdout are terminals (the study UI needs both)."""
    return sys.stdin.isatty() and sys.stdout.isatty()
