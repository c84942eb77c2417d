"""A hand-made review history for the progress tests (llmc list / due / stats).

The learner lives in America/New_York with the default 4 am rollover hour and a
new-card limit of 3 a day. "Now" is Thursday 2026-03-12, 15:00 EDT (19:00 UTC),
four days after clocks went forward (Sunday 2026-03-08, 02:00 EST -> 03:00 EDT).
EST is UTC-5, EDT is UTC-4. Every row is written straight into the database, so
each expectation in the tests follows from the table below by hand, not from the
scheduler.

Cards (state at "now"; stability S in days; mature = Review state with S >= 21):

| card                  | state       | S  | due (local)          | notes                       |
|-----------------------|-------------|----|----------------------|-----------------------------|
| alpha/mechanism       | review      | 30 | Sat 03-14 10:00 EDT  | last review exactly 30 d ago|
| alpha/trade_off       | review      | 25 | Fri 03-13 03:00 EDT  | learner day 03-12 (< 4 am)  |
| alpha/failure_mode    | review      | 40 | Thu 03-12 09:00 EDT  | suspended                   |
| beta/mechanism        | review      |  5 | Thu 03-12 10:00 EDT  | due now                     |
| beta/trade_off        | learning    |  1 | Thu 03-12 15:05 EDT  | later today                 |
| beta/failure_mode     | new         |    |                      |                             |
| gamma/mechanism       | relearning  |  2 | Thu 03-12 14:50 EDT  | due now, leech              |
| gamma/trade_off       | new         |    |                      |                             |
| gamma/failure_mode    | review      | 10 | Thu 03-12 09:00 EDT  | buried until 03-13 04:00    |
| delta/mechanism       | review      | 12 | Mon 03-16 03:30 EDT  | learner day Sun 03-15       |
| delta/trade_off       | review      | 22 | Thu 03-19 23:00 EDT  |                             |
| delta/failure_mode    | review      | 22 | Fri 03-20 03:00 EDT  | learner day Thu 03-19       |
| epsilon/* (3 cards)   | new         |    |                      |                             |
| old/mechanism         | review      | 50 | Tue 03-17 12:00 EDT  | hidden (concept left bank)  |

Layers: Basics = alpha, beta; Advanced = gamma, delta, epsilon.

Log (kind review unless said; "R" = card in the Review state before the rating):

| UTC time          | local                  | learner day | kind / state / rating      |
|-------------------|------------------------|-------------|----------------------------|
| 2025-11-02 05:30  | 01:30 EDT (first 1:30) | Sat 11-01   | R Good                     |
| 2025-11-02 06:30  | 01:30 EST (second)     | Sat 11-01   | R Good                     |
| 2025-11-02 08:30  | 03:30 EST              | Sat 11-01   | R Good                     |
| 2025-11-02 09:30  | 04:30 EST              | Sun 11-02   | R Good                     |
| 2026-02-0d+1 01:00| Feb d 20:00 EST, d=1-9 | Feb 1 ... 9 | R Good (9 rows)            |
| 2026-02-11 06:30  | Feb 11 01:30 EST       | Tue 02-10   | R Again                    |
| 2026-02-12 09:30  | Feb 12 04:30 EST       | Thu 02-12   | R Good                     |
| 2026-02-14 08:59  | Feb 14 03:59 EST       | Fri 02-13   | R Again                    |
| 2026-02-14 09:01  | Feb 14 04:01 EST       | Sat 02-14   | R Easy                     |
| 2026-03-01 17:00  | 12:00 EST              | Sun 03-01   | reset (not study)          |
| 2026-03-02 17:00  | 12:00 EST              | Mon 03-02   | practice, R Again, no time |
| 2026-03-07 17:00  | 12:00 EST              | Sat 03-07   | R Again                    |
| 2026-03-08 07:30  | 03:30 EDT              | Sat 03-07   | learning Again             |
| 2026-03-08 08:30  | 04:30 EDT              | Sun 03-08   | R Good                     |
| 2026-03-09 16:00  | 12:00 EDT              | Mon 03-09   | R Good                     |
| 2026-03-10 16:00  | 12:00 EDT              | Tue 03-10   | practice, R Good           |
| 2026-03-11 16:00  | 12:00 EDT              | Wed 03-11   | R Hard                     |
| 2026-03-12 16:00  | 12:00 EDT              | Thu 03-12   | new card (first rating)    |
| 2026-03-12 16:30  | 12:30 EDT              | Thu 03-12   | R Good                     |

Every study rating took 30 s, except the practice on 03-02 (no time recorded);
the reset row has 5 s, which must not count.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sched_helpers import make_bank, make_concept, utc, write_config

NOW = utc(2026, 3, 12, 19)  # Thursday 15:00 EDT
EDT = timezone(timedelta(hours=-4))
LAYER_OF = {"alpha": "basics", "beta": "basics", "gamma": "advanced", "delta": "advanced", "epsilon": "advanced"}


def edt(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A 2026 wall-clock time in New York after 03-08 (EDT, UTC-4), as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=EDT).astimezone(timezone.utc)


def fixture_bank():
    concepts = [make_concept(concept, layer) for concept, layer in LAYER_OF.items()]
    return make_bank(*concepts, layers=("basics", "advanced"))


# card id -> (state, stability, due, last review, suspended, leech, buried until)
CARDS = {
    "alpha/mechanism": (2, 30.0, edt(3, 14, 10), NOW - timedelta(days=30), False, False, None),
    "alpha/trade_off": (2, 25.0, edt(3, 13, 3), NOW - timedelta(days=20), False, False, None),
    "alpha/failure_mode": (2, 40.0, edt(3, 12, 9), NOW - timedelta(days=35), True, False, None),
    "beta/mechanism": (2, 5.0, edt(3, 12, 10), NOW - timedelta(days=4), False, False, None),
    "beta/trade_off": (1, 1.0, edt(3, 12, 15, 5), NOW - timedelta(minutes=5), False, False, None),
    "gamma/mechanism": (3, 2.0, edt(3, 12, 14, 50), NOW - timedelta(minutes=20), False, True, None),
    "gamma/failure_mode": (2, 10.0, edt(3, 12, 9), NOW - timedelta(days=9), False, False, edt(3, 13, 4)),
    "delta/mechanism": (2, 12.0, edt(3, 16, 3, 30), NOW - timedelta(days=8), False, False, None),
    "delta/trade_off": (2, 22.0, edt(3, 19, 23), NOW - timedelta(days=15), False, False, None),
    "delta/failure_mode": (2, 22.0, edt(3, 20, 3), NOW - timedelta(days=15), False, False, None),
}

# (UTC time, kind, state before, rating, studied before?, duration ms)
LOG = [
    (utc(2025, 11, 2, 5, 30), "review", 2, 3, True, 30_000),
    (utc(2025, 11, 2, 6, 30), "review", 2, 3, True, 30_000),
    (utc(2025, 11, 2, 8, 30), "review", 2, 3, True, 30_000),
    (utc(2025, 11, 2, 9, 30), "review", 2, 3, True, 30_000),
    *[(utc(2026, 2, day + 1, 1), "review", 2, 3, True, 30_000) for day in range(1, 10)],
    (utc(2026, 2, 11, 6, 30), "review", 2, 1, True, 30_000),
    (utc(2026, 2, 12, 9, 30), "review", 2, 3, True, 30_000),
    (utc(2026, 2, 14, 8, 59), "review", 2, 1, True, 30_000),
    (utc(2026, 2, 14, 9, 1), "review", 2, 4, True, 30_000),
    (utc(2026, 3, 1, 17), "reset", 2, None, True, 5_000),
    (utc(2026, 3, 2, 17), "practice", 2, 1, True, None),
    (utc(2026, 3, 7, 17), "review", 2, 1, True, 30_000),
    (utc(2026, 3, 8, 7, 30), "review", 1, 1, True, 30_000),
    (utc(2026, 3, 8, 8, 30), "review", 2, 3, True, 30_000),
    (utc(2026, 3, 9, 16), "review", 2, 3, True, 30_000),
    (utc(2026, 3, 10, 16), "practice", 2, 3, True, 30_000),
    (utc(2026, 3, 11, 16), "review", 2, 2, True, 30_000),
    (utc(2026, 3, 12, 16), "review", 1, 3, False, 30_000),
    (utc(2026, 3, 12, 16, 30), "review", 2, 3, True, 30_000),
]


def build_fixture_history(*, config: str = 'timezone = "America/New_York"\nnew-per-day = 3\n'):
    """Write the config, sync the fixture bank and write the cards and log above."""
    from sqlalchemy import insert, update

    from llmconcepts.scheduling.operations import sync_bank
    from llmconcepts.storage.engine import open_database
    from llmconcepts.storage.models import CardRow, ReviewLogRow

    write_config(config)
    bank = fixture_bank()
    added = utc(2025, 9, 1)
    db = open_database(NOW)
    try:
        with db.writing() as session:  # a card whose concept has since left the bank
            session.execute(insert(CardRow).values(
                id="old/mechanism", concept_id="old", facet="mechanism", state=2, step=None, stability=50.0,
                difficulty=5.0, due=edt(3, 17, 12), last_review=NOW - timedelta(days=40), reps=5, lapses=0,
                suspended=False, leech=False, buried_until=None, hidden=False, added_at=added))
        sync_bank(db, bank, added)
        with db.writing() as session:
            for card_id, (state, stability, due, last, suspended, leech, buried) in CARDS.items():
                session.execute(update(CardRow).where(CardRow.id == card_id).values(
                    state=state, stability=stability, difficulty=5.0, due=due, last_review=last, reps=3,
                    suspended=suspended, leech=leech, buried_until=buried, step=0 if state != 2 else None))
            for at, kind, state_before, rating, studied, duration in LOG:
                session.execute(insert(ReviewLogRow).values(
                    card_id="alpha/mechanism", kind=kind, rating=rating, reviewed_at=at, duration_ms=duration,
                    answer="", covered="[]", state_before=state_before,
                    last_review_before=at - timedelta(days=3) if studied else None,
                    state_after=2, card_before="{}"))
        mark_synced_with_card_files(db)
    finally:
        db.close()
    return bank


def mark_synced_with_card_files(db) -> None:  # noqa: ANN001 - an open llmconcepts Database
    """Record that the cards table matches the card files on disk, as a study session's
    sync would: the reports then read the fixture as it is instead of syncing it with
    the built-in bank (which holds none of its concepts)."""
    from llmconcepts.cardbank.loader import current_signature
    from llmconcepts.scheduling.bank_sync import record_signature

    record_signature(db, current_signature())
