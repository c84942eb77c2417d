"""`llmc study`: today's study session, in the terminal UI or as the ``--plain`` protocol."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from llmconcepts.errors import LlmcError

NO_TERMINAL = (
    "`llmc study` needs a terminal to read keys from; "
    "use `llmc study --plain` for piped input, scripts or a screen reader."
)


def study(
    layer: list[str] = typer.Option(
        [], "--layer", metavar="ID", help="Only cards of this layer (id or title; repeatable)."
    ),
    concept: list[str] = typer.Option(
        [], "--concept", metavar="ID", help="Only cards of this concept (id, alias or title; repeatable)."
    ),
    new: Optional[int] = typer.Option(
        None, "--new", min=0, metavar="N",
        help="At most N new cards in this session (within today's new-card limit).",
    ),
    limit: Optional[int] = typer.Option(
        None, "--limit", min=1, metavar="N",
        help="Take up at most N different cards in this session. As in Anki, the limit counts "
        "cards, not ratings: learning steps of cards already taken up still come back, so a card "
        "rated Again is shown again and there can be more ratings than N.",
    ),
    review_only: bool = typer.Option(False, "--review-only", help="Only cards already learnt; no new ones."),
    cram: bool = typer.Option(
        False, "--cram", help="Practise cards that are not due; ratings are logged as practice "
        "and do not move the schedule."
    ),
    plain: bool = typer.Option(
        False, "--plain", help="Plain text, one line per statement, answers and keys read as lines "
        "(scripts, screen readers; protocol in docs/study.md)."
    ),
) -> None:
    """Study the cards due today: type what you recall, see what you covered, rate 1-4.

    Keys after the answer is shown: 1-4 rate, Enter takes the suggestion, u undo the
    last rating or burial, e explain, s bury until tomorrow, q quit. Ctrl-C or Ctrl-D
    ends the session at any point, keeping every rating.
    """
    if not plain and not sys.stdin.isatty():
        raise LlmcError(NO_TERMINAL)
    from llmconcepts.cardbank.loader import load_bank
    from llmconcepts.cardbank.lookup import find_concept, find_layer
    from llmconcepts.scheduling.session import SessionOptions, open_session
    from llmconcepts.ui.study import run_study, utc_now

    bank = load_bank()
    options = SessionOptions(
        layers=tuple(find_layer(bank, query).id for query in layer),
        concepts=tuple(find_concept(bank, query).id for query in concept),
        new_limit=new,
        limit=limit,
        review_only=review_only,
        cram=cram,
    )
    session = open_session(options, utc_now(), bank=bank)
    try:
        if plain:
            from llmconcepts.ui.study_plain import PlainStudyScreen

            screen = PlainStudyScreen()
        else:
            from llmconcepts.ui.study_screen import TerminalStudyScreen

            screen = TerminalStudyScreen()
        result = run_study(session, bank, screen)
    finally:
        session.close()
    raise typer.Exit(result.exit_code)
