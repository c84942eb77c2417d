"""The command classes every llmc command uses: help that reads like a Unix tool's,
negative numbers as values, and a closed output pipe ending the program quietly.

typer (0.29) shows an argument as ``{target}`` in the usage line and as
``target <str>`` in the list, Python's type names meant for programmers;
:class:`LlmcCommand` shows ``TARGET`` and ``[PATH]...`` instead (the argument's
metavar, else its name in capitals), as POSIX utility syntax and click do.

click reads ``-1`` in ``llmc config set rollover-hour -1`` as an unknown option;
:class:`LlmcCommand` passes a word that starts with a minus and a digit, where an
argument is expected, to the argument (so the value reaches its range check).

:class:`LlmcGroup` (the root) turns a write to a closed standard output
(``llmc list | head -1``) into exit status 141 with nothing printed; see
:func:`end_on_closed_stdout`.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from typing import Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

#: Exit status for a closed standard output: 128 + SIGPIPE (13), what a shell reports
#: for ``cat`` or ``ls`` killed by the same closed pipe, so ``set -o pipefail`` scripts
#: see the same as with any other tool.
CLOSED_PIPE_STATUS = 141

_NEGATIVE_NUMBER = re.compile(r"-\.?\d")


def end_on_closed_stdout() -> NoReturn:
    """Exit with :data:`CLOSED_PIPE_STATUS` after the reader of standard output went away.

    Standard output's descriptor is pointed at the null device first (the Python
    documentation's advice, "Note on SIGPIPE" in the ``signal`` module), so that the
    interpreter's last flush at exit finds somewhere to write and prints no
    "Exception ignored" message.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real descriptor (a test's capture)
        pass
    raise typer.Exit(CLOSED_PIPE_STATUS)


def argument_name(param: Any) -> str:
    """``TARGET`` for an argument: its metavar, else its name in capitals."""
    return param.metavar or param.name.upper()


class LlmcCommand(TyperCommand):
    """A typer command with conventional argument names in its help and usage line,
    and negative numbers accepted as argument values."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                pieces.extend(param.get_usage_pieces(ctx))
                continue
            name = argument_name(param)
            if not param.required:
                name = f"[{name}]"
            pieces.append(f"{name}..." if param.nargs != 1 else name)
        return pieces

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                name = argument_name(param) + ("..." if param.nargs != 1 else "")
                arguments.append((name, record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._negative_numbers_as_arguments(ctx, args))

    def _negative_numbers_as_arguments(self, ctx: typer.Context, args: list[str]) -> list[str]:
        """``args`` with the options first, then ``--``, then the arguments, when a
        negative number stands where an argument is expected; else unchanged."""
        params = self.get_params(ctx)
        if not any(p.param_type_name == "argument" for p in params) or "--" in args:
            return args
        takes_value = {name for p in params if p.param_type_name == "option" and not p.is_flag
                       and not p.count for name in (*p.opts, *p.secondary_opts)}
        options: list[str] = []
        arguments: list[str] = []
        expects_value = False
        for word in args:
            if expects_value:
                options.append(word)
                expects_value = False
            elif word.startswith("-") and len(word) > 1 and not _NEGATIVE_NUMBER.match(word):
                options.append(word)
                expects_value = word in takes_value
            else:
                arguments.append(word)
        if not any(_NEGATIVE_NUMBER.match(word) for word in arguments):
            return args
        return [*options, "--", *arguments]


class LlmcGroup(TyperGroup):
    """The root command group: a closed standard output ends the program quietly,
    whether it happens while parsing (``llmc -h | head -1``) or running a command."""

    def make_context(self, *args: Any, **kwargs: Any) -> typer.Context:
        try:
            return super().make_context(*args, **kwargs)
        except OSError as exc:
            _end_if_closed_pipe(exc)
            raise

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            _end_if_closed_pipe(exc)
            raise


def _end_if_closed_pipe(exc: OSError) -> None:
    if exc.errno == errno.EPIPE:
        end_on_closed_stdout()
