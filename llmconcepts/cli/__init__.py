"""Command-line entry point of llmc.

Commands live in one module per group (``cli/study.py``, ``cli/explain.py``...);
each parses arguments, calls one core function and renders the result with
``llmconcepts.ui``. Only typer and light modules are imported at start-up:
SQLAlchemy, fsrs, genanki and numpy are imported inside the commands that use
them, so ``llmc --help`` stays fast.

Exit codes: 0 ok, 1 user error (an :class:`~llmconcepts.errors.LlmcError`),
2 usage error (typer/click), 130 interrupted, 141 standard output closed by its
reader (``llmc list | head -1``: 128 + SIGPIPE, as a shell reports for ``cat``;
nothing is printed).
"""

from __future__ import annotations

import atexit
import gc
import sys

from llmconcepts.errors import LlmcError

#: Net allocations of objects tracked by the cyclic garbage collector between two passes
#: over its youngest generation; CPython's default is 700. Start-up creates some 50,000
#: to 100,000 such objects (the classes, functions and dicts of typer, rich, numpy,
#: SQLAlchemy, all kept to the end), and at 700 the collector runs about a hundred
#: passes over them while they are being made: 10 to 15 ms of a 200 ms ``llmc explain``
#: to free a few hundred objects. At 200,000 a short command runs no pass at all; a
#: long study session still collects its cycles, in passes of a few ms now and then.
GC_FIRST_GENERATION = 200_000


def main() -> None:
    """Console-script entry point: run the app, turning LlmcError into one line + exit 1."""
    gc.set_threshold(GC_FIRST_GENERATION, *gc.get_threshold()[1:])
    _no_collection_at_exit()
    from llmconcepts.cli import typer_speedup
    from llmconcepts.cli.app import app

    typer_speedup.install()  # before parsing: no pydantic import for values typer returns unchanged
    _show_only_llmc_warnings()

    try:
        try:
            app(prog_name="llmc")
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
    except BrokenPipeError:
        _end_on_closed_stdout()
    except LlmcError as exc:
        print(fit_to_terminal(f"llmc: {exc}", sys.stderr), file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("llmc: interrupted", file=sys.stderr)
        sys.exit(130)


def fit_to_terminal(message: str, stream) -> str:  # noqa: ANN001 - a text stream
    """``message`` with its long lines wrapped between words at the terminal's width,
    when ``stream`` is a terminal (a pipe or a file gets the lines whole, for scripts).
    A wrapped line continues four columns deeper than it started, so a table (the
    inputs of a calculator) stays readable."""
    if not stream.isatty():
        return message
    import shutil
    import textwrap

    width = shutil.get_terminal_size().columns
    lines: list[str] = []
    for line in message.splitlines():
        if len(line) <= width:
            lines.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" ")) + 4)
        lines += textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False,
                               break_on_hyphens=False)
    return "\n".join(lines)


def _no_collection_at_exit() -> None:
    """Let the operating system take the memory back at exit, without a last collection.

    At exit the interpreter empties every module and has the garbage collector free what
    that leaves, one object at a time: for SQLAlchemy, numpy, rich and typer that took
    60 to 150 ms here, often longer than the command itself. ``gc.freeze()``, run by
    atexit before that point, puts every object out of the collector's reach. atexit
    handlers and the flush of stdout and stderr still run; nothing of llmc waits for a
    finalizer at exit (databases are closed and files written before a command returns).
    """
    atexit.unregister(gc.freeze)  # registered once however often main() runs in a process
    atexit.register(gc.freeze)


def _end_on_closed_stdout() -> None:
    from llmconcepts.cli.command import end_on_closed_stdout

    try:
        end_on_closed_stdout()
    except BaseException as exc:  # typer.Exit: its status, outside typer's own handling
        sys.exit(getattr(exc, "exit_code", 1))


def _show_only_llmc_warnings() -> None:
    """Print our own warnings (:class:`~llmconcepts.errors.LlmcWarning`) once each as one
    ``llmc: warning:`` line on stderr; keep every library's warning from the learner."""
    import warnings

    from llmconcepts.errors import LlmcWarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001, ARG001
        if issubclass(category, LlmcWarning):
            print(f"llmc: warning: {message}", file=sys.stderr)

    warnings.simplefilter("ignore")
    warnings.simplefilter("default", LlmcWarning)  # "default": once per message
    warnings.showwarning = show
