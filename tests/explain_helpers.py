"""Shared by the CLI tests (explain, progress): run the CLI in-process, with fresh consoles."""

from __future__ import annotations

import sys
from datetime import datetime

import pytest

from llmconcepts.cli import main
from llmconcepts.ui import console as console_module


@pytest.fixture(autouse=True)
def fresh_consoles():
    """Consoles are cached per process; each test gets ones built from its own environment."""
    console_module.console.cache_clear()
    console_module.error_console.cache_clear()
    yield
    console_module.console.cache_clear()
    console_module.error_console.cache_clear()


def llmc(capsys, *args: str, at: datetime | None = None) -> tuple[int, str, str]:
    """Run `llmc ARGS...` in-process, with the clock frozen ``at`` when given; returns
    (exit code, stdout, stderr)."""
    from contextlib import nullcontext

    from sched_helpers import frozen

    old_argv = sys.argv
    sys.argv = ["llmc", *args]
    try:
        with frozen(at) if at is not None else nullcontext():
            main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old_argv
    out, err = capsys.readouterr()
    return code, out, err
