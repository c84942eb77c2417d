"""Error messages on a narrow terminal: wrapped between words, never cut mid-word.

The learner-facing message of an LlmcError can hold a table (a calculator's valid
inputs). On a terminal it is wrapped at the terminal's width; in a pipe it is kept
whole, line for line, for scripts.
"""

from __future__ import annotations

import io
import os

from llmconcepts.cli import fit_to_terminal

MESSAGE = ("llmc: unknown input 'tokns' (did you mean 'tokens'?). Valid inputs for kv-cache:\n"
           "  tokens    tokens    default 4096    1 to 1e9    context length per request")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_message_wrapped_between_words(monkeypatch):
    monkeypatch.setattr("shutil.get_terminal_size", lambda *args: os.terminal_size((40, 24)))
    assert fit_to_terminal(MESSAGE, _Terminal()).splitlines() == [
        "llmc: unknown input 'tokns' (did you",   # 36 characters: "mean" would make 41
        "    mean 'tokens'?). Valid inputs for",
        "    kv-cache:",
        "  tokens    tokens    default 4096    1",  # the table's own spacing is kept
        "      to 1e9    context length per",       # continued 4 deeper than the row
        "      request",
    ]


def test_a_pipe_gets_the_message_as_it_is():
    assert fit_to_terminal(MESSAGE, io.StringIO()) == MESSAGE
