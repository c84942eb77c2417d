"""Shared by the study tests: a two-concept bank and a recording test double of StudySession
(it returns the scheduler's own result types).

The double only records calls and serves a fixed list of cards; the real
scheduler is exercised end to end in tests/test_study_pty.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from llmconcepts.cardbank.model import (
    CardBank,
    Concept,
    Facet,
    FacetKind,
    KeyPoint,
    Layer,
    SourceLocation,
)
from llmconcepts.errors import StorageError
from llmconcepts.scheduling.session import Progress, QueuedCard, RatingOutcome, SessionSummary

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=timezone.utc)


def make_facet(kind: FacetKind, topic: str) -> Facet:
    return Facet(
        kind=kind,
        prompt=f"Explain the {kind.label.lower()} of {topic}.",
        answer=f"The *{topic}* answer for {kind.label.lower()}.",
        key_points=(
            KeyPoint("Keys and values are kept", ("keys and values",)),
            KeyPoint("Memory grows with context", ("grows with context",)),
            KeyPoint("Decoding skips recomputation", ("avoids recomputation",)),
        ),
    )


def make_bank() -> CardBank:
    concepts = tuple(
        Concept(
            id=cid,
            title=title,
            layer="runtime",
            aliases=(),
            prerequisites=(),
            sources=("Test source",),
            facets=tuple(make_facet(kind, title) for kind in FacetKind),
            origin=SourceLocation(Path("bank.yaml"), 1),
        )
        for cid, title in (("kv-cache", "KV cache"), ("paged-attention", "PagedAttention"))
    )
    return CardBank(layers=(Layer("runtime", "Runtime constraints", 1),), concepts=concepts)


@dataclass
class RecordingSession:
    """Serves ``queue`` in order; a rated or buried card leaves it, an undone one comes back."""

    queue: list[str]
    leech_on: set[str] = field(default_factory=set)
    kind: str = "new"
    fail_after: int | None = None  # ratings saved before rate() raises StorageError
    ratings: list[tuple[str, int, str, tuple]] = field(default_factory=list)
    buried: list[str] = field(default_factory=list)

    def next_card(self, now):
        return QueuedCard(self.queue[0], self.kind, None) if self.queue else None

    def progress(self, now):
        return Progress(len(self.ratings), len(self.queue), 0, 0)

    def preview(self, card_id, now):
        return {1: timedelta(minutes=1), 2: timedelta(minutes=6), 3: timedelta(minutes=10), 4: timedelta(days=8)}

    def rate(self, card_id, rating, now, *, duration_ms=None, answer="", covered=()):
        assert now.tzinfo is not None and duration_ms is not None and duration_ms >= 0
        if self.fail_after is not None and len(self.ratings) >= self.fail_after:
            raise StorageError("the database is locked by another process (waited 5 s)")
        self.ratings.append((card_id, rating, answer, covered))
        self.queue.remove(card_id)
        return RatingOutcome(card_id, rating, now + timedelta(days=1), timedelta(days=1), card_id in self.leech_on)

    def undo(self, now):
        if not self.ratings:
            return None
        card_id = self.ratings.pop()[0]
        self.queue.insert(0, card_id)
        return card_id

    def bury(self, card_id, now):
        self.buried.append(card_id)
        self.queue.remove(card_id)

    def summary(self, now):
        return SessionSummary({"new": len(self.ratings)}, sum(1 for r in self.ratings if r[1] == 1),
                       timedelta(minutes=4, seconds=5), None, 3, 2, len(self.ratings))


