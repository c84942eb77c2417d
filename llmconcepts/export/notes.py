"""What a card becomes in Anki: its note's GUID, deck, tags and field HTML.

Shared by the ``.apkg`` and CSV exporters, so both give a card the same identity
and the same text.

* **GUID**: ``genanki.guid_for(card_id)``, a hash of the card id alone
  (``kv-cache/mechanism``), the same on every export and every machine. genanki's
  default hashes every field, so an edited answer would arrive as a new note;
  hashing the id alone makes Anki update the note in place.
* **Deck**: ``LLM Concepts::<layer title>`` for the built-in cards;
  ``LLM Concepts::My cards::<layer title>`` for the learner's own, so they stay
  apart yet studying "LLM Concepts" in Anki covers both. ``::`` inside a title
  would nest decks, so it becomes ``:``.
* **Tags** (Anki's ``::`` hierarchy): ``llmc::layer::<layer id>``,
  ``llmc::facet::<facet>`` (mechanism, trade_off, failure_mode),
  ``llmc::concept::<concept id>``, plus ``llmc::my-cards`` on the learner's own.
  Ids are kebab-case, so tags never hold a space.
* **Fields**: see :data:`FIELD_NAMES`; HTML made by :mod:`llmconcepts.export.markup`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from llmconcepts.export.markup import html_list, inline_html, plain_html, rich_html

if TYPE_CHECKING:
    from llmconcepts.export.selection import ExportCard

NOTE_TYPE_NAME = "llmc concept facet"
FIELD_NAMES = ("Id", "Concept", "Layer", "Facet", "Prompt", "Answer", "KeyPoints", "Sources")
SORT_FIELD = FIELD_NAMES.index("Concept")
ROOT_DECK = "LLM Concepts"
MY_CARDS_DECK = f"{ROOT_DECK}::My cards"
TAG_PREFIX = "llmc"
MY_CARDS_TAG = f"{TAG_PREFIX}::my-cards"


@dataclass(frozen=True)
class NoteContent:
    """A card as an Anki note: ``fields`` are HTML, in :data:`FIELD_NAMES` order."""

    card_id: str
    guid: str
    deck: str
    tags: tuple[str, ...]
    fields: tuple[str, ...]

    def field(self, name: str) -> str:
        return self.fields[FIELD_NAMES.index(name)]


@lru_cache(maxsize=1)
def _guid_for():  # -> genanki.guid_for
    from genanki import guid_for

    return guid_for


def note_guid(card_id: str) -> str:
    """The note's GUID: genanki's hash (SHA-256, base 91, as Anki writes GUIDs) of the card id."""
    return _guid_for()(card_id)


def deck_name(layer_title: str, builtin: bool) -> str:
    """``LLM Concepts::<title>`` (built-in) or ``LLM Concepts::My cards::<title>``."""
    title = " ".join(layer_title.replace("::", ":").split()) or "Untitled"
    return f"{ROOT_DECK if builtin else MY_CARDS_DECK}::{title}"


def note_tags(card: ExportCard) -> tuple[str, ...]:
    """``llmc::layer::<id>``, ``llmc::facet::<facet>``, ``llmc::concept::<id>`` (+ ``llmc::my-cards``)."""
    concept = card.card.concept
    tags = (
        f"{TAG_PREFIX}::layer::{card.layer.id}",
        f"{TAG_PREFIX}::facet::{card.card.facet.kind.value}",
        f"{TAG_PREFIX}::concept::{concept.id}",
    )
    return tags if concept.builtin else (*tags, MY_CARDS_TAG)


def note_content(card: ExportCard) -> NoteContent:
    """The note for one card (pure: the same card always gives the same note)."""
    concept, facet = card.card.concept, card.card.facet
    fields = (
        plain_html(card.id),
        plain_html(concept.title),
        plain_html(card.layer.title),
        plain_html(facet.kind.label),
        rich_html(facet.prompt),
        rich_html(facet.answer),
        html_list([inline_html(point.text) for point in facet.key_points]),
        html_list([plain_html(source) for source in concept.sources]),
    )
    return NoteContent(
        card_id=card.id,
        guid=note_guid(card.id),
        deck=deck_name(card.layer.title, concept.builtin),
        tags=note_tags(card),
        fields=fields,
    )
