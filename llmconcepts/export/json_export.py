"""JSON export for scripts: the selected cards, their text and their scheduling state.

Shape (UTF-8, times ISO 8601 in UTC, stability in days; written one card per line,
shown indented here)::

    {
      "format": "llmc-cards", "version": 1,
      "exported_at": "2026-05-04T09:00:00+00:00",
      "learner_day": "2026-05-04",
      "selection": {"due": true, "layers": [], "concepts": []},
      "count": 2,
      "cards": [
        {
          "id": "kv-cache/mechanism", "concept": "kv-cache", "concept_title": "KV cache",
          "layer": "runtime-constraints", "layer_title": "Runtime constraints",
          "facet": "mechanism", "facet_label": "Mechanism", "builtin": true,
          "prompt": "...", "answer": "...",
          "key_points": [{"text": "...", "cues": ["..."]}],
          "sources": ["..."],
          "schedule": {
            "state": "review", "due": "...", "last_review": "...",
            "stability_days": 12.3, "difficulty": 5.1, "retrievability": 0.93,
            "step": null, "reps": 4, "lapses": 0,
            "suspended": false, "leech": false, "buried_until": null
          }
        }
      ]
    }

Text is as written in the card files (Markdown-style emphasis kept). ``state`` is
"new" (never reviewed; dates and memory state null), "learning", "review" or
"relearning" (FSRS states). ``retrievability`` is the FSRS recall probability at
``exported_at`` under the learner's current FSRS parameters (py-fsrs
``Scheduler.get_card_retrievability``; FSRS-6 forgetting curve), null for a new card.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from llmconcepts.export.progress import CARDS, ProgressCallback, StepReporter
from llmconcepts.export.selection import ExportCard, ExportSelection

if TYPE_CHECKING:
    from llmconcepts.scheduling.settings import Settings
    from llmconcepts.storage.repository import CardRecord

FORMAT_NAME = "llmc-cards"
FORMAT_VERSION = 1


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def schedule_json(record: CardRecord | None, scheduler: Any, now: datetime) -> dict[str, Any]:
    """A card's stored FSRS state as JSON values (a card never stored is new)."""
    from llmconcepts.scheduling.fsrs_adapter import retrievability
    from llmconcepts.scheduling.operations import fsrs_state

    if record is None:
        return {
            "state": "new", "due": None, "last_review": None, "stability_days": None,
            "difficulty": None, "retrievability": None, "step": 0, "reps": 0, "lapses": 0,
            "suspended": False, "leech": False, "buried_until": None,
        }
    return {
        "state": record.state_name,
        "due": _time(record.due),
        "last_review": _time(record.last_review),
        "stability_days": record.stability,
        "difficulty": record.difficulty,
        "retrievability": retrievability(scheduler, fsrs_state(record), now),
        "step": record.step,
        "reps": record.reps,
        "lapses": record.lapses,
        "suspended": record.suspended,
        "leech": record.leech,
        "buried_until": _time(record.buried_until),
    }


def card_json(card: ExportCard, scheduler: Any, now: datetime) -> dict[str, Any]:
    """One card: ids, titles, text as written, and its schedule."""
    concept, facet = card.card.concept, card.card.facet
    return {
        "id": card.id,
        "concept": concept.id,
        "concept_title": concept.title,
        "layer": card.layer.id,
        "layer_title": card.layer.title,
        "facet": facet.kind.value,
        "facet_label": facet.kind.label,
        "builtin": concept.builtin,
        "prompt": facet.prompt,
        "answer": facet.answer,
        "key_points": [{"text": point.text, "cues": list(point.cues)} for point in facet.key_points],
        "sources": list(concept.sources),
        "schedule": schedule_json(card.record, scheduler, now),
    }


def write_json(
    selection: ExportSelection,
    stream: BinaryIO,
    now: datetime,
    settings: Settings,
    progress: ProgressCallback | None = None,
) -> None:
    """Write the selection as JSON (shape in the module docstring) to a binary stream.

    Args:
        selection: the cards, read ``with_schedule``.
        stream: binary output.
        now: export time (UTC-aware); retrievability is computed at this instant.
        settings: the learner's settings (FSRS parameters for retrievability).
        progress: ``progress(step, done, total)``, step ``cards``, as cards are written.
    """
    from llmconcepts.scheduling.fsrs_adapter import build_scheduler

    scheduler = build_scheduler(settings)
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": now.isoformat(),
        "learner_day": selection.learner_day.isoformat(),
        "selection": {
            "due": selection.scope.due,
            "layers": list(selection.layer_ids),
            "concepts": list(selection.concept_ids),
        },
        "count": len(selection.cards),
    }
    cards = StepReporter(progress, CARDS, len(selection.cards))
    cards.start()
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")
    try:
        text.write("{\n")
        for key, value in header.items():
            text.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        text.write('  "cards": [')
        for index, card in enumerate(selection.cards):
            text.write(",\n    " if index else "\n    ")
            text.write(json.dumps(card_json(card, scheduler, now), ensure_ascii=False))
            cards.tick()
        text.write("\n  ]\n}\n")
        text.flush()
    finally:
        text.detach()
    cards.finish()
