"""One-shot changes to the schedule for the CLI: suspend, unsuspend, reset.

Each function opens the database, brings it in step with the card bank, makes
its change in one transaction and closes the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmconcepts.cardbank.model import CardBank
    from llmconcepts.storage.engine import Database


def _with_database(now: datetime, bank: CardBank | None, change: Callable[[Database], list[str]]) -> list[str]:
    from llmconcepts.scheduling.operations import sync_bank
    from llmconcepts.storage.engine import open_database

    db = open_database(now)  # first: a broken database is reported before anything else
    try:
        if bank is None:
            from llmconcepts.cardbank.loader import load_bank

            bank = load_bank()
        sync_bank(db, bank, now)
        return change(db)
    finally:
        db.close()


def suspend(target: str, now: datetime, *, bank: CardBank | None = None) -> list[str]:
    """Suspend a card (``kv-cache/mechanism``) or every card of a concept (``kv-cache``).

    Returns:
        The card ids that were not suspended before.

    Raises:
        UnknownConceptError: no such card or concept. StorageError: database failure.
    """
    from llmconcepts.scheduling.operations import set_suspended

    return _with_database(now, bank, lambda db: set_suspended(db, target, True))


def unsuspend(target: str, now: datetime, *, bank: CardBank | None = None) -> list[str]:
    """Unsuspend a card or a concept's cards (a leech keeps its tag). Returns ids changed."""
    from llmconcepts.scheduling.operations import set_suspended

    return _with_database(now, bank, lambda db: set_suspended(db, target, False))


def reset(target: str, now: datetime, *, bank: CardBank | None = None) -> list[str]:
    """Make a card or a concept's cards new again (history kept). Returns ids reset."""
    from llmconcepts.scheduling.operations import reset_cards

    return _with_database(now, bank, lambda db: reset_cards(db, target, now))
