"""Typed, immutable objects of the card bank.

A :class:`CardBank` holds ordered :class:`Layer` objects and ordered
:class:`Concept` objects. Each concept has exactly three :class:`Facet` objects
(mechanism, trade-off, failure mode); each facet is one schedulable card whose
id is ``"<concept id>/<facet kind>"`` (e.g. ``kv-cache/mechanism``).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field
from enum import Enum
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers know the name)
if TYPE_CHECKING:
    from llmconcepts.cardbank.cache import BankStore


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


class Concept:
    """A concept with its three facets (immutable).

    Attributes:
        id: stable kebab-case id (history rows key on it; never renamed).
        title: display title.
        layer: id of its :class:`Layer`.
        aliases: what people type for it ("kv cache", "GQA").
        prerequisites: ids of concepts to introduce first.
        sources: bibliography entries backing the text ("Vaswani et al. 2017 ...").
        facets: mechanism, trade-off and failure mode, in that order.
        facet_kinds: the kinds of :attr:`facets`, in the same order, known without the text.
        origin: file and line of the concept's entry.
        builtin: True for the shipped bank, False for the learner's own cards.

    ``sources`` and ``facets`` of a concept loaded from the parse cache are read from the
    cache file the first time either is used, then kept (see :meth:`indexed`); the
    other attributes are always in memory. Built directly (``Concept(...)``) it holds
    everything. A plain slotted class rather than a frozen dataclass because of those
    two lazy attributes; equality compares every attribute, text included.
    """

    __slots__ = (
        "_store", "_text", "aliases", "builtin", "facet_kinds", "id", "layer", "origin", "prerequisites",
        "title",
    )

    id: str
    title: str
    layer: str
    aliases: tuple[str, ...]
    prerequisites: tuple[str, ...]
    facet_kinds: tuple[FacetKind, ...]
    origin: SourceLocation
    builtin: bool

    def __init__(
        self,
        id: str,
        title: str,
        layer: str,
        aliases: tuple[str, ...],
        prerequisites: tuple[str, ...],
        sources: tuple[str, ...],
        facets: tuple[Facet, ...],
        origin: SourceLocation,
        builtin: bool = True,
    ) -> None:
        _fill(self, id, title, layer, aliases, prerequisites, tuple(f.kind for f in facets), origin, builtin)
        _set(self, "_text", (sources, facets))
        _set(self, "_store", None)

    @classmethod
    def indexed(
        cls,
        id: str,
        title: str,
        layer: str,
        aliases: tuple[str, ...],
        prerequisites: tuple[str, ...],
        facet_kinds: tuple[FacetKind, ...],
        origin: SourceLocation,
        builtin: bool,
        store: BankStore,
        number: int,
    ) -> Concept:
        """A concept whose sources and facets are entry ``number`` of ``store``, read on first use."""
        concept = object.__new__(cls)
        _fill(concept, id, title, layer, aliases, prerequisites, facet_kinds, origin, builtin)
        _set(concept, "_text", number)
        _set(concept, "_store", store)
        return concept

    @property
    def sources(self) -> tuple[str, ...]:
        return self._loaded()[0]

    @property
    def facets(self) -> tuple[Facet, ...]:
        return self._loaded()[1]

    def _loaded(self) -> tuple[tuple[str, ...], tuple[Facet, ...]]:
        text = self._text
        if self._store is None:
            return text
        text = self._store.concept_text(text)
        _set(self, "_text", text)
        _set(self, "_store", None)
        return text

    def facet(self, kind: FacetKind | str) -> Facet:
        """The facet of that kind. Raises KeyError if absent (never for a validated bank)."""
        kind = FacetKind(kind)
        if kind in self.facet_kinds:
            for f in self.facets:
                if f.kind is kind:
                    return f
        raise KeyError(kind)

    def card_id(self, kind: FacetKind | str) -> str:
        """Schedulable card id ``"<concept>/<facet>"``."""
        return f"{self.id}/{FacetKind(kind).value}"

    def card_ids(self) -> list[str]:
        """The ids of its cards, in facet order, without reading its text."""
        return [f"{self.id}/{kind.value}" for kind in self.facet_kinds]

    def _index_fields(self) -> tuple:
        return (self.id, self.title, self.layer, self.aliases, self.prerequisites, self.facet_kinds,
                self.origin, self.builtin)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self is other or (
            self._index_fields() == other._index_fields()  # first: the text may have to be read
            and self.sources == other.sources
            and self.facets == other.facets
        )

    def __hash__(self) -> int:
        # Without the text, so hashing does not read it; equal concepts still hash equal.
        return hash(self._index_fields())

    def __repr__(self) -> str:
        return (f"Concept(id={self.id!r}, title={self.title!r}, layer={self.layer!r}, "
                f"aliases={self.aliases!r}, prerequisites={self.prerequisites!r}, origin={self.origin!r}, "
                f"builtin={self.builtin!r})")

    def __reduce__(self) -> tuple:
        return (Concept, (self.id, self.title, self.layer, self.aliases, self.prerequisites, self.sources,
                          self.facets, self.origin, self.builtin))

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


_set = object.__setattr__


def _fill(concept: Concept, id: str, title: str, layer: str, aliases: tuple[str, ...],
          prerequisites: tuple[str, ...], facet_kinds: tuple[FacetKind, ...], origin: SourceLocation,
          builtin: bool) -> None:
    """Set the index attributes of a new concept (past its refusing ``__setattr__``)."""
    _set(concept, "id", id)
    _set(concept, "title", title)
    _set(concept, "layer", layer)
    _set(concept, "aliases", aliases)
    _set(concept, "prerequisites", prerequisites)
    _set(concept, "facet_kinds", facet_kinds)
    _set(concept, "origin", origin)
    _set(concept, "builtin", builtin)


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
    #: The card files' signature when loaded by ``loader.load_bank`` (see
    #: ``loader.source_signature``); None for a bank built any other way.
    signature: str | None = field(default=None, repr=False, compare=False)
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
        """Every schedulable card, concept by concept, facets in FACET_ORDER.

        Reads every concept's text; :meth:`card_ids` gives the ids alone."""
        return [CardRef(c, f) for c in self.concepts for f in c.facets]

    def card_ids(self) -> list[str]:
        """Every card id, in the order of :meth:`cards`, without reading any concept's text."""
        return [card_id for c in self.concepts for card_id in c.card_ids()]

    def card(self, card_id: str) -> CardRef:
        """The card with that id. Raises KeyError (also for a malformed id)."""
        try:
            concept_id, kind = split_card_id(card_id)
        except ValueError as exc:
            raise KeyError(card_id) from exc
        concept = self._by_id[concept_id]
        return CardRef(concept, concept.facet(kind))
