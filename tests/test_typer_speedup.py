"""llmconcepts.cli.typer_speedup: the shortcut gives exactly what typer's own coercion gives.

For every parameter of every llmc command, each value of a battery (missing values,
defaults, good and bad numbers, strings, lists) goes through typer's original
``process_value`` and through the shortcut; the results (or the error class and
message) must be equal. Typer itself is the source of the expected values.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main
from typer.core import _TyperParameter

from llmconcepts.cli import typer_speedup
from llmconcepts.cli.app import app

VALUES = [None, (), [], ["kv-cache"], ("a", "b"), "kv-cache", "", "7", "-3", "0", "1", "007", "1e3",
          " 5", "5 ", "3.5", "abc", "99999999999999999999999", 7, 0, -1, 400, 10**20, True, False]


def _parameters():
    root = typer.main.get_command(app)
    stack = [(root, [])]
    while stack:
        command, path = stack.pop()
        for param in command.params:
            if isinstance(param, _TyperParameter):
                yield " ".join(path) or "llmc", command, param
        for name, sub in getattr(command, "commands", {}).items():
            stack.append((sub, [*path, name]))


def _outcome(function, param, ctx, value):
    try:
        return ("value", function(param, ctx, value))
    except Exception as exc:  # noqa: BLE001 - the class and message are what is compared
        return ("error", type(exc).__name__, str(exc))


def test_shortcut_matches_typer_for_every_parameter_and_value():
    from typer import _click as click

    original = _unpatched_process_value()
    assert "get_runtime_param" in original.__code__.co_names, "typer changed: review typer_speedup"
    assert typer_speedup.install()
    patched = _TyperParameter.process_value
    assert getattr(patched, "_llmc_shortcut", False)
    checked = 0
    for where, command, param in _parameters():
        ctx = click.Context(command)
        for value in VALUES:
            expected = _outcome(original, param, ctx, value)
            got = _outcome(patched, param, ctx, value)
            assert got == expected, f"{where} {param.name} {value!r}: {got} != {expected}"
            checked += 1
    assert checked > 100


def test_install_is_idempotent():
    assert typer_speedup.install()
    first = _TyperParameter.process_value
    assert typer_speedup.install()
    assert _TyperParameter.process_value is first


def test_llmc_due_and_study_help_do_not_import_pydantic(tmp_path):
    code = ("import sys; sys.argv = ['llmc', 'due', '--days', '3']; "
            "from llmconcepts.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('pydantic' in sys.modules)")
    # The first run on a fresh data directory parses the bank (pydantic) to count its cards
    # and fills the parse cache; the daily case is the second.
    for _run in range(2):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if "No such command" in result.stderr:
        pytest.skip("this checkout has no `llmc due` yet")
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def _unpatched_process_value():
    """typer's process_value as shipped (import a fresh copy of typer.core's class body)."""
    import importlib.util

    spec = importlib.util.find_spec("typer.core")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._TyperParameter.process_value
