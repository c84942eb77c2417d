"""Property tests over random rating sequences (hypothesis).

For any sequence of ratings on a few cards, at random gaps (including a clock
that jumps backwards) with undos sprinkled in:
* a card's due time is never before the time of the review that set it;
* the log holds exactly one review row per rating given and not undone;
* undo brings the database back to exactly what it held before that rating.
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sched_helpers import dump, log_count, make_bank, utc

from llmconcepts.scheduling.session import SessionOptions, open_session
from llmconcepts.storage import repository

BANK = make_bank("a", "b")
CARDS = ("a/mechanism", "a/trade_off", "b/mechanism")
START = utc(2026, 6, 1, 12)

steps = st.lists(
    st.tuples(
        st.sampled_from(CARDS),
        st.integers(min_value=1, max_value=4),
        st.sampled_from([-180, -1, 0, 1, 10, 60, 60 * 24, 60 * 24 * 5, 60 * 24 * 40]),  # minutes
        st.booleans(),  # undo right after?
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_rating_sequences(steps):
    with tempfile.TemporaryDirectory() as home:
        os.environ["LLMC_HOME"] = home
        path = Path(home) / "llmc.db"
        now = START
        given_ratings = 0
        with open_session(SessionOptions(), now, bank=BANK) as session:
            for card_id, rating, gap_minutes, undo in steps:
                now += timedelta(minutes=gap_minutes)
                before = dump(path)
                outcome = session.rate(card_id, rating, now)
                given_ratings += 1
                with session.db.reading() as s:
                    last = list(repository.review_log(s, card_id=card_id))[-1]
                    record = repository.get_card(s, card_id)
                assert outcome.next_due >= last.reviewed_at >= now - timedelta(minutes=180 * len(steps))
                assert record.due == outcome.next_due and record.due >= record.last_review
                assert outcome.next_due >= now  # even when the clock went backwards
                if undo:
                    assert session.undo(now) == card_id
                    given_ratings -= 1
                    assert dump(path) == before
                assert log_count(path=path) == given_ratings
