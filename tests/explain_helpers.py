"""Shared by the `llmc explain` tests: run the CLI in-process, with fresh consoles."""

from __future__ import annotations

import sys

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


def llmc(capsys, *args: str) -> tuple[int, str, str]:
    """Run `llmc ARGS...` in-process; returns (exit code, stdout, stderr)."""
    old_argv = sys.argv
    sys.argv = ["llmc", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old_argv
    out, err = capsys.readouterr()
    return code, out, err
