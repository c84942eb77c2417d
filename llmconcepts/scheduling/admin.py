"""One-shot changes to the schedule for the CLI: suspend, unsuspend, reset.

A target is a concept (its id, an alias or its title, typos forgiven as by
:func:`llmconcepts.cardbank.lookup.find_concept`: ``kv-cache``, ``GQA``) or one of
its cards, ``<concept>/<facet>`` with the facet spelt as the learner likes
(``trade-off``, ``trade_off``, ``Trade-off``, ``tradeoff``). :func:`resolve_target`
turns it into the canonical name (``mqa-gqa``, ``kv-cache/trade_off``).

Each change opens the database, brings it in step with the card bank, makes its
change in one transaction and closes the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from llmconcepts.errors import LlmcError

if TYPE_CHECKING:
    from llmconcepts.cardbank.model import CardBank, FacetKind
    from llmconcepts.storage.engine import Database


@dataclass(frozen=True)
class Target:
    """What a suspend, unsuspend or reset acts on.

    Attributes:
        name: ``<concept id>`` or ``<concept id>/<facet kind>``.
        card_ids: the cards it names (three for a concept, one for a card).
    """

    name: str
    card_ids: tuple[str, ...]

    @property
    def is_card(self) -> bool:
        return "/" in self.name


def facet_kind(text: str) -> FacetKind:
    """The facet ``text`` names, ignoring case, spaces, hyphens and underscores
    (``Trade-off``, ``trade_off``, ``tradeoff``, ``failure mode``).

    Raises:
        LlmcError: no such facet (the message lists the facets).
    """
    from llmconcepts.cardbank.lookup import compact
    from llmconcepts.cardbank.model import FACET_ORDER

    for kind in FACET_ORDER:
        if compact(text) in (compact(kind.value), compact(kind.label)):
            return kind
    names = ", ".join(kind.value for kind in FACET_ORDER)
    if not text.strip():
        raise LlmcError(f"name a facet after the '/'; facets are {names}")
    raise LlmcError(f"no facet '{text}'; facets are {names}")


def resolve_target(target: str, bank: CardBank) -> Target:
    """The concept or card ``target`` names.

    Raises:
        LlmcError: an unknown facet after the ``/``.
        UnknownConceptError, AmbiguousConceptError: the concept part matches no
            concept, or several equally well.
    """
    from llmconcepts.cardbank.lookup import find_concept

    concept_query, slash, facet_query = target.rpartition("/")
    if not slash or _names_a_concept(target, bank):  # "A/B test" is a concept's alias
        concept = find_concept(bank, target)
        return Target(concept.id, tuple(concept.card_ids()))
    kind = facet_kind(facet_query)
    concept = find_concept(bank, concept_query)
    return Target(concept.card_id(kind), (concept.card_id(kind),))


def _names_a_concept(text: str, bank: CardBank) -> bool:
    """Whether ``text`` is exactly (in compact form) the id, title or an alias of a concept."""
    from llmconcepts.cardbank.lookup import compact, concept_names

    key = compact(text)
    return any(compact(name) == key for concept in bank.concepts for name in concept_names(concept))


def _with_database(now: datetime, bank: CardBank | None, change: Callable[[Database, Target], list[str]],
                   target: str) -> list[str]:
    from llmconcepts.scheduling.bank_sync import sync_with_bank
    from llmconcepts.storage.engine import open_database

    db = open_database(now)  # first: a broken database is reported before anything else
    try:
        if bank is None:
            from llmconcepts.cardbank.loader import load_bank

            bank = load_bank()
        resolved = resolve_target(target, bank)
        sync_with_bank(db, bank, now)
        return change(db, resolved)
    finally:
        db.close()


def suspend(target: str, now: datetime, *, bank: CardBank | None = None) -> list[str]:
    """Suspend a card (``kv-cache/mechanism``) or every card of a concept (``kv-cache``).

    Returns:
        The card ids that were not suspended before.

    Raises:
        UnknownConceptError, AmbiguousConceptError, LlmcError: see :func:`resolve_target`.
        StorageError: database failure.
    """
    from llmconcepts.scheduling.operations import set_suspended

    return _with_database(now, bank, lambda db, resolved: set_suspended(db, resolved.name, True), target)


def unsuspend(target: str, now: datetime, *, bank: CardBank | None = None) -> list[str]:
    """Unsuspend a card or a concept's cards (a leech keeps its tag). Returns ids changed.

    Raises: as :func:`suspend`.
    """
    from llmconcepts.scheduling.operations import set_suspended

    return _with_database(now, bank, lambda db, resolved: set_suspended(db, resolved.name, False), target)


def reset(target: str, now: datetime, *, bank: CardBank | None = None) -> list[str]:
    """Make a card or a concept's cards new again (history kept). Returns ids reset.

    Raises: as :func:`suspend`.
    """
    from llmconcepts.scheduling.operations import reset_cards

    return _with_database(now, bank, lambda db, resolved: reset_cards(db, resolved.name, now), target)
