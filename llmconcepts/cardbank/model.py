"""Typed, immutable objects of the card bank.

A :class:`CardBank` holds ordered :class:`Layer` objects and ordered
:class:`Concept` objects. Each concept has exactly three :class:`Facet` objects
(mechanism, trade-off, failure mode); each facet is one schedulable card whose
id is ``"<concept id>/<facet kind>"`` (e.g. ``kv-cache/mechanism``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class FacetKind(str, Enum):
    """The three things a learner must be able to explain about a concept.

    The value is the YAML key and the last part of the card id.
    """

    MECHANISM = "mechanism"
    TRADE_OFF = "trade_off"
    FAILURE_MODE = "failure_mode"

    @property
    def label(self) -> str:
        """Human label: 'Mechanism', 'Trade-off', 'Failure mode'."""
        return {"mechanism": "Mechanism", "trade_off": "Trade-off", "failure_mode": "Failure mode"}[
            self.value
        ]


FACET_ORDER: tuple[FacetKind, ...] = (FacetKind.MECHANISM, FacetKind.TRADE_OFF, FacetKind.FAILURE_MODE)


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where an object was defined: file path and 1-based line."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """One thing a good answer must say.

    Attributes:
        text: the point as a short statement, shown on reveal.
        cues: terms or phrasings whose presence in a typed answer shows the point is
            covered (any one suffices; matching forgives case, inflection and typos).
    """

    text: str
    cues: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Facet:
    """One schedulable card: a prompt, the model answer and its key points."""

    kind: FacetKind
    prompt: str
    answer: str
    key_points: tuple[KeyPoint, ...]


@dataclass(frozen=True, slots=True)
class Layer:
    """A layer of the curriculum; ``order`` sorts layers (lower first)."""

    id: str
    title: str
    order: int


@dataclass(frozen=True, slots=True)
class Concept:
    """A concept with its three facets.

    Attributes:
        id: stable kebab-case id (history rows key on it; never renamed).
        title: display title.
        layer: id of its :class:`Layer`.
        aliases: what people type for it ("kv cache", "GQA").
        prerequisites: ids of concepts to introduce first.
        sources: bibliography entries backing the text ("Vaswani et al. 2017 ...").
        facets: mechanism, trade-off and failure mode, in that order.
        origin: file and line of the concept's entry.
        builtin: True for the shipped bank, False for the learner's own cards.
    """

    id: str
    title: str
    layer: str
    aliases: tuple[str, ...]
    prerequisites: tuple[str, ...]
    sources: tuple[str, ...]
    facets: tuple[Facet, ...]
    origin: SourceLocation
    builtin: bool = True

    def facet(self, kind: FacetKind | str) -> Facet:
        """The facet of that kind. Raises KeyError if absent (never for a validated bank)."""
        kind = FacetKind(kind)
        for f in self.facets:
            if f.kind is kind:
                return f
        raise KeyError(kind)

    def card_id(self, kind: FacetKind | str) -> str:
        """Schedulable card id ``"<concept>/<facet>"``."""
        return f"{self.id}/{FacetKind(kind).value}"


@dataclass(frozen=True, slots=True)
class CardRef:
    """A schedulable card: a concept and one of its facets."""

    concept: Concept
    facet: Facet

    @property
    def id(self) -> str:
        return self.concept.card_id(self.facet.kind)


def split_card_id(card_id: str) -> tuple[str, FacetKind]:
    """``"kv-cache/mechanism"`` -> ``("kv-cache", FacetKind.MECHANISM)``.

    Raises:
        ValueError: not of the form ``<concept>/<facet>`` with a known facet.
    """
    concept_id, sep, facet = card_id.rpartition("/")
    if not sep or not concept_id:
        raise ValueError(f"not a card id: {card_id!r} (expected '<concept>/<facet>')")
    return concept_id, FacetKind(facet)


@dataclass(frozen=True, slots=True)
class CardBank:
    """Layers and concepts in curriculum order (layer order, then file order)."""

    layers: tuple[Layer, ...]
    concepts: tuple[Concept, ...]
    _by_id: dict[str, Concept] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.id: c for c in self.concepts})

    def concept(self, concept_id: str) -> Concept:
        """The concept with that exact id. Raises KeyError."""
        return self._by_id[concept_id]

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._by_id

    def layer(self, layer_id: str) -> Layer:
        """The layer with that id. Raises KeyError."""
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    def concepts_in(self, layer_id: str) -> tuple[Concept, ...]:
        """Concepts of one layer, in bank order."""
        return tuple(c for c in self.concepts if c.layer == layer_id)

    def cards(self) -> list[CardRef]:
        """Every schedulable card, concept by concept, facets in FACET_ORDER."""
        return [CardRef(c, f) for c in self.concepts for f in c.facets]

    def card(self, card_id: str) -> CardRef:
        """The card with that id. Raises KeyError (also for a malformed id)."""
        try:
            concept_id, kind = split_card_id(card_id)
        except ValueError as exc:
            raise KeyError(card_id) from exc
        concept = self._by_id[concept_id]
        return CardRef(concept, concept.facet(kind))
