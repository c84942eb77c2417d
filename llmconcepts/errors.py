"""Errors the user can act on.

Core code raises an :class:`LlmcError` subclass with a message written for the
learner; the CLI prints it as one ``llmc: <message>`` line on stderr and exits
with the error's ``exit_code`` (1 for user errors). Anything else is a bug.
"""

from __future__ import annotations


class LlmcError(Exception):
    """Base class of every error shown to the user as one line (exit code 1)."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CardBankError(LlmcError):
    """A card-bank file is malformed; the message names file, line and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:
            text = self.problems[0]
        else:
            text = f"{len(self.problems)} problems in the card bank:\n" + "\n".join(
                f"  {p}" for p in self.problems
            )
        super().__init__(text)


class UnknownConceptError(LlmcError):
    """A concept id, alias or title matched nothing; carries the nearest ids."""

    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no concept matches '{query}'.{hint}")


class AmbiguousConceptError(LlmcError):
    """A concept query matched several concepts equally well."""

    def __init__(self, query: str, candidates: list[str]) -> None:
        self.query = query
        self.candidates = list(candidates)
        super().__init__(
            f"'{query}' matches several concepts: {', '.join(self.candidates)}. "
            "Use one of these ids."
        )


class ConfigError(LlmcError):
    """A setting has an unknown name or an invalid value."""


class StorageError(LlmcError):
    """The review database cannot be opened, read or written (corrupt, locked,
    read-only, full disk, newer schema...)."""


class CalculatorInputError(LlmcError):
    """A calculator got an unknown input name or a value it cannot use."""


class ExportError(LlmcError):
    """An export cannot be written (existing file, unwritable path, empty selection)."""


class LlmcWarning(UserWarning):
    """Something the learner should know, though the command goes on (a time zone that
    cannot be used, a database that will not be saved). Core code raises it with
    :func:`warnings.warn`; the CLI prints it once as ``llmc: warning: <message>`` on
    stderr. Every other warning (a library's) is kept from the learner."""
