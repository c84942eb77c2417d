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
from llmconcepts.scheduling.operations import CardUnavailableError
from llmconcepts.scheduling.day import LearnerClock
from llmconcepts.scheduling.session import (
    Outlook,
    Progress,
    QueuedCard,
    RatingOutcome,
    SessionOptions,
    SessionSummary,
    Undone,
)

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
    """Serves ``queue`` in order; a rated or buried card leaves it, an undone one comes back.
    ``outlook_facts`` is what :meth:`outlook` returns (no limit holds anything back by default)."""

    queue: list[str]
    leech_on: set[str] = field(default_factory=set)
    kind: str = "new"
    fail_after: int | None = None  # ratings saved before rate() raises StorageError
    ratings: list[tuple[str, int, str, tuple]] = field(default_factory=list)
    buried: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)  # ("rating" | "burial", card id)
    outlook_facts: Outlook | None = None
    gone: dict[str, str] = field(default_factory=dict)  # card id -> "suspended" | "removed" elsewhere
    summary_figures: dict = field(default_factory=dict)  # SessionSummary fields to change

    def next_card(self, now):
        return QueuedCard(self.queue[0], self.kind, None) if self.queue else None

    def progress(self, now):
        return Progress(len(self.ratings), len(self.queue), 0, 0)

    def preview(self, card_id, now):
        if self.gone.get(card_id) == "removed":
            self._leave(card_id)
        return {1: timedelta(minutes=1), 2: timedelta(minutes=6), 3: timedelta(minutes=10), 4: timedelta(days=8)}

    def rate(self, card_id, rating, now, *, duration_ms=None, answer="", covered=()):
        assert now.tzinfo is not None and duration_ms is not None and duration_ms >= 0
        if self.fail_after is not None and len(self.ratings) >= self.fail_after:
            raise StorageError("the database is locked by another process (waited 5 s)")
        if card_id in self.gone:
            self._leave(card_id)
        self.ratings.append((card_id, rating, answer, covered))
        self.actions.append(("rating", card_id))
        self.queue.remove(card_id)
        return RatingOutcome(card_id, rating, now + timedelta(days=1), timedelta(days=1), card_id in self.leech_on)

    def _leave(self, card_id):
        """As the scheduler does for a card suspended or removed elsewhere: out of the
        queue, and the error that says why."""
        self.queue.remove(card_id)
        raise CardUnavailableError(card_id, self.gone[card_id])

    def undo_last(self, now):
        if not self.actions:
            return None
        action, card_id = self.actions.pop()
        (self.ratings if action == "rating" else self.buried).pop()
        self.queue.insert(0, card_id)
        return Undone(card_id, action)

    def bury(self, card_id, now):
        self.buried.append(card_id)
        self.actions.append(("burial", card_id))
        self.queue.remove(card_id)

    def outlook(self, now):
        return self.outlook_facts or outlook_of(now)

    def summary(self, now):
        figures = {
            "studied_by_kind": {"new": len(self.ratings)},
            "again_count": sum(1 for r in self.ratings if r[1] == 1),
            "time_spent": timedelta(minutes=4, seconds=5), "retention_today": None, "due_tomorrow": 3,
            "streak_days": 2, "ratings_saved": len(self.ratings), "session_time": timedelta(minutes=6, seconds=30),
        }
        return SessionSummary(**{**figures, **self.summary_figures})




def outlook_of(now: datetime, **facts) -> Outlook:
    """Outlook facts of a session with nothing held back, changed by ``facts``."""
    defaults = {
        "now": now, "clock": LearnerClock(timezone.utc, 4), "new_per_day": 10, "new_today": 0,
        "new_in_session": 0, "new_unseen": 0, "new_unlocked": 0, "reviews_per_day": 200,
        "reviews_today": 0, "reviews_held_back": 0, "limit": None, "limit_reached": False,
        "options": SessionOptions(), "introduced": 0, "next_due": None,
    }
    return Outlook(**{**defaults, **facts})
