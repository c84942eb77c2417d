"""The study session driver: one loop shared by the terminal UI and the ``--plain`` protocol.

For each card the scheduler hands out, the driver shows the prompt, reads a
free-recall answer, grades it against the key points (:mod:`llmconcepts.grading`),
reveals the model answer with the four intervals, and acts on the learner's
choice: rate (1-4, or Enter for the suggestion), undo, explain, bury, quit.

A screen (:class:`StudyScreen`) does the input and output; this module never
prints. Every rating is written by ``StudySession.rate`` in its own transaction
with SIGINT held back for its duration, so Ctrl-C between keypresses can never
leave half a rating: the ratings already given stay saved and the learner is
told how many. Whatever else goes wrong mid-session (a bug included) ends it the
same way, with a one-line error instead of a traceback.

Typed text reaches storage only through :func:`valid_text`, the one place where
bytes that were not UTF-8 (a Latin-1 terminal, a script in another encoding)
become U+FFFD, whichever screen read them.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from llmconcepts.errors import LlmcError
from llmconcepts.grading import Grade, grade_answer
from llmconcepts.ui.when import format_interval  # the one interval wording; screens import it from here

if TYPE_CHECKING:  # the scheduler is imported by the CLI, not at module import
    from llmconcepts.cardbank.model import CardBank, CardRef
    from llmconcepts.explain import Explanation
    from llmconcepts.scheduling.session import (
        Outlook,
        Progress,
        QueuedCard,
        SessionSummary,
        StudySession,
    )

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
"""Anki's names of the four FSRS ratings."""

EXIT_INTERRUPTED = 130
UNDO_FROM_NEXT_CARD = " To undo it: reveal the card below, then u."
"""Added to a burial's notice over the next card: ``u`` works once a card is revealed
(at the answer prompt it would be typed as text)."""


class EndOfInput(Exception):
    """The learner closed the input (Ctrl-D in the terminal, end of a piped script)."""


class Action(str, Enum):
    """What the learner can do once the answer is revealed."""

    RATE = "rate"
    ACCEPT = "accept"  # Enter: take the suggested rating
    UNDO = "undo"
    EXPLAIN = "explain"
    BURY = "bury"
    QUIT = "quit"


@dataclass(frozen=True)
class Command:
    """One decision at the rating step; ``rating`` is set only for :attr:`Action.RATE`."""

    action: Action
    rating: int | None = None


COMMAND_KEYS: dict[str, Command] = {
    **{str(r): Command(Action.RATE, r) for r in RATING_NAMES},
    "": Command(Action.ACCEPT),
    "u": Command(Action.UNDO),
    "e": Command(Action.EXPLAIN),
    "s": Command(Action.BURY),
    "q": Command(Action.QUIT),
}
"""The command for each key (terminal) or line (``--plain``); "" is Enter / an empty line."""


def valid_text(text: str) -> str:
    """``text`` with every byte that was not UTF-8 replaced by U+FFFD (\N{REPLACEMENT CHARACTER}).

    Python keeps undecodable input bytes as lone surrogates (``errors="surrogateescape"``,
    e.g. ``"caf\\udce9"`` for Latin-1 ``café``); no encoder accepts them, so they must not
    reach the database or the screen. Valid text comes back unchanged.
    """
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        data = text.encode("utf-8", "surrogatepass")
    return data.decode("utf-8", "replace")


def parse_command(text: str) -> Command | None:
    """The command a key or a ``--plain`` line stands for, or None if it means nothing.

    Surrounding blanks and case are ignored: ``" 3 "`` rates Good, ``"Q"`` quits,
    ``""`` takes the suggestion.
    """
    return COMMAND_KEYS.get(text.strip().lower())


def format_duration(spent: timedelta) -> str:
    """Time spent as ``42s``, ``4m 05s`` or ``1h 02m``."""
    total = int(round(spent.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"


def outlook_lines(outlook: Outlook) -> list[str]:
    """Sentences for the end of a session whose queue ran out: what holds cards back
    (the session's options, the daily limits, prerequisites) and when the next card
    comes due, in learner days (``today 15:03``, ``tomorrow 09:00``)."""
    options = outlook.options
    if outlook.limit_reached:
        return [f"This session has taken up its --limit of {_cards(outlook.limit or 0)}."]
    if options.cram:
        if not outlook.introduced:
            return [("--cram only practises cards you have studied before, and none of these has "
                     "been studied yet: run llmc study without --cram first.")]
        return [f"Each of the {_cards(outlook.introduced)} you have studied here was crammed once."]
    lines = []
    if outlook.reviews_held_back:
        lines.append(
            f"Today's review limit is reached ({outlook.reviews_per_day} a day): "
            f"{_cards(outlook.reviews_held_back)} due for review wait until tomorrow "
            "(llmc config set reviews-per-day N)."
        )
    new_reason = _new_cards_reason(outlook)
    if new_reason:
        lines.append(new_reason)
    if outlook.next_due is None:
        if not outlook.introduced:
            lines.append(_nothing_scheduled(outlook))
    else:
        from llmconcepts.ui.when import learner_when

        when = learner_when(outlook.next_due, outlook.clock, outlook.clock.day_of(outlook.now))
        lines.append(f"Next card due {when}.")
    return lines


def _nothing_scheduled(outlook: Outlook) -> str:
    """Why no studied card comes due: none was studied yet, or every one is suspended
    (a leech, or ``llmc suspend``) or buried until tomorrow."""
    suspended, buried = outlook.suspended_studied, outlook.buried_studied
    if not suspended and not buried:
        return "No card is scheduled yet."
    parts = []
    if suspended:
        parts.append(f"{suspended} suspended (llmc unsuspend CONCEPT/FACET brings one back)")
    if buried:
        parts.append(f"{buried} buried until tomorrow")
    return f"No card you have studied here is scheduled: {' and '.join(parts)}."


def _new_cards_reason(outlook: Outlook) -> str | None:
    """Why no new card is shown, or None when new cards are not held back."""
    options, unseen = outlook.options, outlook.new_unseen
    if not unseen:
        return "Every card here has been introduced: no new card is left."
    waiting = f"{_cards(unseen, 'new card')} {'waits' if unseen == 1 else 'wait'}"
    if options.review_only:
        return f"--review-only leaves new cards out ({waiting})."
    if options.new_limit is not None and outlook.new_in_session >= options.new_limit:
        if options.new_limit == 0:
            return f"--new 0 asks for no new cards ({waiting})."
        return f"This session's --new {options.new_limit} is used ({waiting})."
    if outlook.new_per_day <= 0:
        return f"New cards per day is 0, so none is introduced ({waiting}; llmc config set new-per-day N)."
    if outlook.new_today >= outlook.new_per_day:
        return (f"Today's new-card limit is reached ({outlook.new_per_day} a day; {waiting}): "
                "more tomorrow (llmc config set new-per-day N).")
    if not outlook.new_unlocked:
        return _held_and_locked(unseen, outlook.new_held)
    return None


def _held_and_locked(unseen: int, held: int) -> str:
    """Why none of the ``unseen`` new cards can come now: ``held`` of them are held back
    until tomorrow (a card of their concept studied or due today, or a new one buried),
    the rest wait for their prerequisites."""
    locked = unseen - held
    prerequisites = "for their prerequisites, whose cards are buried or not yet introduced."
    if not held:
        return f"The {_cards(locked, 'new card')} left {'waits' if locked == 1 else 'wait'} {prerequisites}"
    what = "is a later facet of a concept" if held == 1 else "are later facets of concepts"
    line = (f"{_cards(held, 'new card')} {what} studied, due or buried today: a concept gives "
            "one new card a day (as Anki buries new siblings), so more tomorrow.")
    if locked:
        line += f" The other {locked} {'waits' if locked == 1 else 'wait'} {prerequisites}"
    return line


def _cards(count: int, noun: str = "card") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True)
class CardView:
    """Everything a screen needs to draw one card.

    Attributes:
        queued: the scheduler's entry (card id, kind: new/learning/review/relearning/cram).
        card: the card's concept and facet from the bank.
        layer_title: title of the concept's layer.
        progress: cards done and left by kind, as of showing the card.
        notices: short messages about what just happened (undo, bury, leech).
    """

    queued: QueuedCard
    card: CardRef
    layer_title: str
    progress: Progress
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reveal:
    """The answer side: the grade of the typed answer and the interval each rating would give.

    ``practice`` is True in cram mode, where a rating leaves the schedule as it is
    (so there are no intervals to show).
    """

    grade: Grade
    intervals: dict[int, timedelta]
    practice: bool = False


class StudyScreen(Protocol):
    """Input and output of a study session (terminal UI or ``--plain``).

    ``read_answer`` and ``read_command`` raise :class:`EndOfInput` when input ends
    and let KeyboardInterrupt through on Ctrl-C.
    """

    def show_card(self, view: CardView) -> None: ...

    def read_answer(self) -> str: ...

    def show_reveal(self, view: CardView, reveal: Reveal) -> None: ...

    def read_command(self, suggested: int | None) -> Command: ...

    def show_notice(self, text: str) -> None: ...

    def show_explain(self, explanation: Explanation) -> None: ...

    def show_summary(
        self, summary: SessionSummary, finished: bool, outlook: Outlook | None = None, notices: Sequence[str] = ()
    ) -> None: ...

    def show_stopped(self, ratings_saved: int, reason: str) -> None: ...


@dataclass(frozen=True)
class _Notice:
    """A message about what just happened, shown over the next card or, when the session
    ends first, in its summary. ``on_card`` is added only over a card: how to act on the
    message from there (an undo needs a revealed card)."""

    text: str
    on_card: str = ""


@dataclass
class StudyResult:
    """How the session ended: ratings kept (after undos) and the exit code for the CLI."""

    interrupted: bool = False
    finished: bool = False
    rated: list[QueuedCard] = field(default_factory=list)

    @property
    def ratings_saved(self) -> int:
        """Ratings given in this session and not undone (each one committed)."""
        return len(self.rated)

    @property
    def exit_code(self) -> int:
        return EXIT_INTERRUPTED if self.interrupted else 0


def utc_now() -> datetime:
    """The wall clock as a timezone-aware UTC datetime (read once per action)."""
    return datetime.now(timezone.utc)


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold Ctrl-C back while a rating is written and counted; it lands right after."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _Driver:
    def __init__(
        self,
        session: StudySession,
        bank: CardBank,
        screen: StudyScreen,
        clock: Callable[[], datetime],
    ) -> None:
        self.session = session
        self.bank = bank
        self.screen = screen
        self.clock = clock
        self.result = StudyResult()
        self.notices: list[_Notice] = []
        self.again: QueuedCard | None = None  # a card to show next (after undo)
        self.undoable: list[QueuedCard] = []  # the cards rated or buried, in order (what undo takes back)

    def run(self) -> StudyResult:
        try:
            try:
                while self._study_one():
                    pass
            except EndOfInput:
                pass
            now = self.clock()
            outlook = self.session.outlook(now) if self.result.finished else None
            notices = [notice.text for notice in self.notices]  # not shown on a card: the session ended first
            self.notices.clear()
            self.screen.show_summary(self.session.summary(now), self.result.finished, outlook, notices)
        except KeyboardInterrupt:
            self.result.interrupted = True
            self.screen.show_stopped(self.result.ratings_saved, "Interrupted")
        except LlmcError:
            # e.g. the database became unwritable: say what is kept; the CLI prints the error.
            self.screen.show_stopped(self.result.ratings_saved, "Stopped")
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must not end in a traceback either
            self.screen.show_stopped(self.result.ratings_saved, "Stopped")
            raise LlmcError(
                f"the study session stopped on an unexpected error ({type(exc).__name__}: "
                f"{valid_text(str(exc))}); every rating given before it is saved"
            ) from exc
        return self.result

    def _study_one(self) -> bool:
        """Show one card and act on the learner's choice; False when the session ends."""
        now = self.clock()
        queued = self.again or self.session.next_card(now)
        self.again = None
        if queued is None:
            self.result.finished = True
            return False
        card = self.bank.card(queued.card_id)
        view = CardView(
            queued=queued,
            card=card,
            layer_title=self._layer_title(card),
            progress=self.session.progress(now),
            notices=tuple(notice.text + notice.on_card for notice in self.notices),
        )
        self.notices.clear()
        self.screen.show_card(view)
        from llmconcepts.scheduling.operations import CardUnavailableError  # loaded with the session

        try:
            return self._answer_and_act(queued, card, view)
        except CardUnavailableError as exc:
            # suspended or taken out of the bank by another llmc while shown: say so, go on
            if exc.card_id != queued.card_id:
                raise
            where = "suspended" if exc.reason == "suspended" else "removed from the card bank"
            self.notices.append(_Notice(f"{_card_name(card)} was {where} elsewhere while it was shown, "
                                        "so its rating was not recorded."))
            return True

    def _answer_and_act(self, queued: QueuedCard, card: CardRef, view: CardView) -> bool:
        """Read the answer, reveal, and act on the learner's choice; False when the session ends.

        Raises:
            CardUnavailableError: the card was suspended or left the bank elsewhere since
                it was shown (nothing was saved for it).
        """
        shown = time.monotonic()
        answer = valid_text(self.screen.read_answer())
        grade = grade_answer(answer, card.facet.key_points)
        if queued.kind == "cram":
            reveal = Reveal(grade, {}, practice=True)
        else:
            reveal = Reveal(grade, self.session.preview(queued.card_id, self.clock()))
        self.screen.show_reveal(view, reveal)
        while True:
            command = self.screen.read_command(grade.suggested)
            if command.action is Action.QUIT:
                return False
            if command.action is Action.EXPLAIN:
                self._explain(card)
                self.screen.show_reveal(view, reveal)
                continue
            if command.action is Action.UNDO:
                if self._undo():
                    return True
                continue
            if command.action is Action.BURY:
                with _sigint_held():
                    self.session.bury(queued.card_id, self.clock())
                    self.undoable.append(queued)
                if queued.kind == "cram":  # cram only skips it: the schedule stays as it is
                    done = f"Skipped {_card_name(card)} for the rest of this cram session."
                else:
                    done = f"Buried {_card_name(card)} until tomorrow."
                self.notices.append(_Notice(done, UNDO_FROM_NEXT_CARD))
                return True
            rating = command.rating if command.action is Action.RATE else grade.suggested
            if rating is None:
                self.screen.show_notice("No answer typed, so no suggestion: choose a rating 1-4.")
                continue
            self._rate(queued, card, rating, grade, int((time.monotonic() - shown) * 1000))
            return True

    def _rate(self, queued: QueuedCard, card: CardRef, rating: int, grade: Grade, duration_ms: int) -> None:
        with _sigint_held():
            outcome = self.session.rate(
                queued.card_id,
                rating,
                self.clock(),
                duration_ms=duration_ms,
                answer=grade.answer,
                covered=grade.covered_points,
            )
            self.result.rated.append(queued)
            self.undoable.append(queued)
        if outcome.became_leech:
            self.notices.append(_Notice(
                f"{_card_name(card)} is now a leech (forgotten too often) and has been suspended."
            ))

    def _explain(self, card: CardRef) -> None:
        """The concept's explain view with its calculator at default inputs."""
        from llmconcepts.explain import explain

        try:
            self.screen.show_explain(explain(card.concept.id, bank=self.bank))
        except EndOfInput:
            raise
        except LlmcError as exc:
            self.screen.show_notice(f"No explain view for {card.concept.title}: {exc}")
        except Exception as exc:  # noqa: BLE001 - the view is an aside: the card stays ratable
            self.screen.show_notice(
                f"The explain view of {card.concept.title} failed ({type(exc).__name__}: "
                f"{valid_text(str(exc))}); the card is still here to rate."
            )

    def _undo(self) -> bool:
        """Undo the last rating or burial and show that card again; False (and a notice) if none."""
        with _sigint_held():
            undone = self.session.undo_last(self.clock())
            if undone is not None:
                queued = self.undoable.pop()
                assert queued.card_id == undone.card_id, "the session and the screen disagree on the last action"
                if undone.action == "rating":
                    self.result.rated.pop()
                self.again = queued
        if undone is None:
            self.screen.show_notice("Nothing to undo in this session.")
            return False
        what = "rating" if undone.action == "rating" else "skip" if queued.kind == "cram" else "burial"
        self.notices.append(_Notice(f"Undid the {what} of {_card_name(self.bank.card(undone.card_id))}."))
        return True

    def _layer_title(self, card: CardRef) -> str:
        try:
            return self.bank.layer(card.concept.layer).title
        except KeyError:
            return card.concept.layer


def _card_name(card: CardRef) -> str:
    return f"{card.concept.title} ({card.facet.kind.label.lower()})"


def run_study(
    session: StudySession,
    bank: CardBank,
    screen: StudyScreen,
    clock: Callable[[], datetime] = utc_now,
) -> StudyResult:
    """Run a study session to its end (queue empty, ``q``, end of input or Ctrl-C).

    The summary is shown at the end, except after Ctrl-C, which only tells how
    many ratings were saved. An :class:`LlmcError` from the scheduler (a database
    that can no longer be written...) also tells how many were saved, then
    propagates for the CLI to print.

    Args:
        session: an open scheduler session (closed by the caller).
        bank: the card bank the session was opened on (card text).
        screen: where to show cards and read answers and keys.
        clock: returns the current UTC time; read once per action.

    Returns:
        A :class:`StudyResult`; its ``exit_code`` is 130 after Ctrl-C, else 0.
    """
    return _Driver(session, bank, screen, clock).run()
