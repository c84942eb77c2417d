"""The study loop and the --plain protocol, driven against a recording test double of the session."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from study_helpers import NOW, RecordingSession, make_bank, make_facet, outlook_of

from llmconcepts.errors import LlmcError, StorageError
from llmconcepts.scheduling.session import SessionOptions
from llmconcepts.ui.study import (
    Action,
    Command,
    format_duration,
    format_interval,
    parse_command,
    run_study,
    valid_text,
)
from llmconcepts.ui.study_plain import PlainStudyScreen

CARDS = ["kv-cache/mechanism", "paged-attention/mechanism", "kv-cache/trade_off"]


def _run(script: str, session: RecordingSession):
    out = io.StringIO()
    result = run_study(session, make_bank(), PlainStudyScreen(io.StringIO(script), out), clock=lambda: NOW)
    return result, out.getvalue()


def test_answers_are_graded_and_ratings_given_in_order():
    session = RecordingSession(list(CARDS))
    script = (
        "it keeps the keys and values\nso memory grows with the context\n\n3\n"  # 2 of 3 covered
        "\n4\n"  # no answer, rated Easy explicitly
        "keys and values\n\n\n"  # 1 of 3 -> suggestion Hard, accepted with an empty line
    )
    result, out = _run(script, session)
    assert [(c, r) for c, r, _, _ in session.ratings] == [
        ("kv-cache/mechanism", 3), ("paged-attention/mechanism", 4), ("kv-cache/trade_off", 2),
    ]
    assert session.ratings[0][2] == "it keeps the keys and values\nso memory grows with the context"
    assert session.ratings[0][3] == ("Keys and values are kept", "Memory grows with context")
    assert result.finished and result.ratings_saved == 3 and result.exit_code == 0
    assert "Key points: 2 of 3 covered." in out
    assert "  covered: Keys and values are kept (you wrote \"keys and values\")" in out
    assert "  missed: Decoding skips recomputation" in out
    # 2/3 = 0.67 -> Good; 1/3 = 0.33 -> Hard.
    assert "Suggested rating: 3 Good." in out and "Suggested rating: 2 Hard." in out
    assert "Intervals: 1 Again 1m, 2 Hard 6m, 3 Good 10m, 4 Easy 8d." in out
    assert "Session complete." in out and "Ratings saved: 3." in out


def test_empty_line_without_answer_asks_again_for_a_rating():
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("\n\n1\n", session)
    assert session.ratings == [("kv-cache/mechanism", 1, "", ())]
    assert "Suggested rating: none, no answer was typed." in out
    assert "Note: No answer typed, so no suggestion: choose a rating 1-4." in out


def test_unknown_command_is_reported_and_read_again():
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("x\n\nzz\n2\n", session)
    assert session.ratings[0][1] == 2
    assert "Note: 'zz' is not a choice" in out


def test_undo_shows_the_undone_card_again_and_keeps_the_count():
    session = RecordingSession(list(CARDS))
    script = "\n3\n" "\nu\n" "\n1\n" "q\n"
    result, out = _run(script, session)
    # Card 1 rated Good, at card 2 the learner undid it, card 1 came back and was rated Again.
    assert [(c, r) for c, r, _, _ in session.ratings] == [("kv-cache/mechanism", 1)]
    assert "Note: Undid the rating of KV cache (mechanism)." in out
    assert out.count("Card 3 (new): Runtime constraints / KV cache / Mechanism") == 1
    assert result.ratings_saved == 1 and not result.finished


def test_undo_with_nothing_to_undo_says_so():
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("\nu\n3\n", session)
    assert "Note: Nothing to undo in this session." in out
    assert session.ratings[0][1] == 3


def test_bury_moves_on_without_rating():
    session = RecordingSession(list(CARDS[:2]))
    _, out = _run("\ns\n\n3\n", session)
    assert session.buried == ["kv-cache/mechanism"]
    assert [c for c, *_ in session.ratings] == ["paged-attention/mechanism"]
    # u typed at the answer prompt would be answer text: the note says to reveal first
    assert ("Note: Buried KV cache (mechanism) until tomorrow. To undo it: reveal the card below, then u.\n"
            "Card 2 (new): Runtime constraints / PagedAttention / Mechanism") in out


def test_doing_what_the_burial_note_says_undoes_the_burial():
    session = RecordingSession(list(CARDS[:2]))
    _, out = _run("\ns\n" "\nu\n" "q\n", session)  # bury; then an empty answer (reveal) and u
    assert session.buried == [] and session.queue[0] == "kv-cache/mechanism"
    assert "Note: Undid the burial of KV cache (mechanism)." in out


def test_a_burial_that_ends_the_session_is_noted_without_an_undo_hint():
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("\ns\n", session)
    # nothing is left to reveal, so no "To undo it" (the session is over)
    assert "Session complete.\nNote: Buried KV cache (mechanism) until tomorrow.\n" in out
    assert "To undo it" not in out


def test_s_in_cram_says_the_card_is_only_skipped():
    session = RecordingSession(list(CARDS[:2]), kind="cram")
    _, out = _run("\ns\n\n3\n", session)
    assert ("Note: Skipped KV cache (mechanism) for the rest of this cram session. "
            "To undo it: reveal the card below, then u.") in out
    assert "until tomorrow" not in out
    assert "Rating (1-4, u undo, e explain, s skip, q quit):" in out and "s bury" not in out


def test_undoing_a_cram_skip_says_skip():
    session = RecordingSession(list(CARDS[:2]), kind="cram")
    _, out = _run("\ns\n" "\nu\n" "q\n", session)
    assert "Note: Undid the skip of KV cache (mechanism)." in out and "burial" not in out


def test_a_card_suspended_elsewhere_is_not_rated_and_the_session_goes_on():
    # `llmc suspend kv-cache` in another shell while card 1 was on screen
    session = RecordingSession(list(CARDS), gone={"kv-cache/mechanism": "suspended"})
    result, out = _run("\n3\n" "\n4\n", session)
    assert [(c, r) for c, r, _, _ in session.ratings] == [("paged-attention/mechanism", 4)]
    assert ("Note: KV cache (mechanism) was suspended elsewhere while it was shown, so its rating "
            "was not recorded.\nCard 2 (new): Runtime constraints / PagedAttention / Mechanism") in out
    assert "Stopped" not in out and result.exit_code == 0 and result.ratings_saved == 1


def test_a_card_removed_from_the_bank_elsewhere_is_noted_at_the_reveal_and_skipped():
    session = RecordingSession(list(CARDS[:2]), gone={"kv-cache/mechanism": "removed"})
    result, out = _run("keys and values\n\n" "\n3\n", session)
    assert [c for c, *_ in session.ratings] == ["paged-attention/mechanism"]
    assert ("Note: KV cache (mechanism) was removed from the card bank elsewhere while it was shown, "
            "so its rating was not recorded.") in out
    assert "Model answer: The KV cache answer" not in out  # no reveal for a card that cannot be rated
    assert result.finished


def test_a_card_suspended_elsewhere_as_the_last_one_is_noted_in_the_summary():
    session = RecordingSession(["kv-cache/mechanism"], gone={"kv-cache/mechanism": "suspended"})
    result, out = _run("\n3\n", session)
    assert ("Session complete.\nNote: KV cache (mechanism) was suspended elsewhere while it was shown, "
            "so its rating was not recorded.\n") in out
    assert result.ratings_saved == 0 and result.exit_code == 0


def test_leech_is_announced_on_the_next_card():
    session = RecordingSession(list(CARDS[:2]), leech_on={"kv-cache/mechanism"})
    _, out = _run("\n1\n", session)
    assert "Note: KV cache (mechanism) is now a leech" in out


def test_a_leech_on_the_last_card_is_announced_in_the_summary():
    session = RecordingSession(["kv-cache/mechanism"], leech_on={"kv-cache/mechanism"})
    _, out = _run("\n1\n", session)
    assert ("Session complete.\n"
            "Note: KV cache (mechanism) is now a leech (forgotten too often) and has been suspended.\n") in out


def test_end_of_input_mid_answer_ends_like_quit():
    session = RecordingSession(list(CARDS))
    result, out = _run("\n3\npartial answer without the empty line", session)
    assert [c for c, *_ in session.ratings] == ["kv-cache/mechanism"]
    assert not result.interrupted and result.exit_code == 0
    assert "Session ended." in out


class InterruptingInput(io.StringIO):
    """Raises KeyboardInterrupt (as Ctrl-C would) once the script is used up."""

    def readline(self, *args):
        line = super().readline(*args)
        if not line:
            raise KeyboardInterrupt
        return line


def test_ctrl_c_keeps_ratings_and_reports_them():
    session = RecordingSession(list(CARDS))
    out = io.StringIO()
    screen = PlainStudyScreen(InterruptingInput("\n3\n\n2\nhalf an ans"), out)
    result = run_study(session, make_bank(), screen, clock=lambda: NOW)
    assert result.interrupted and result.exit_code == 130
    assert len(session.ratings) == 2
    assert "Interrupted. 2 ratings saved." in out.getvalue()


def test_user_text_with_markup_is_kept_verbatim():
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("[bold]keys and values[/] [red]\n\n\n", session)
    assert session.ratings[0][2] == "[bold]keys and values[/] [red]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Command(Action.RATE, 1)), (" 4 ", Command(Action.RATE, 4)), ("", Command(Action.ACCEPT)),
        ("u", Command(Action.UNDO)), ("E", Command(Action.EXPLAIN)), ("s", Command(Action.BURY)),
        ("q", Command(Action.QUIT)), ("5", None), ("0", None), ("quit", None), ("good", None),
    ],
)
def test_parse_command(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        (timedelta(seconds=30), "<1m"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=5, minutes=20), "5h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=8, hours=3), "8d"),
        (timedelta(days=45), "1.5mo"),  # 45 / 30
        (timedelta(days=60), "2mo"),
        (timedelta(days=730), "2y"),  # 730 / 365
        (timedelta(days=400), "1.1y"),  # 400 / 365 = 1.096
    ],
)
def test_format_interval_like_anki_buttons(interval, expected):
    assert format_interval(interval) == expected


def test_format_duration():
    assert format_duration(timedelta(seconds=42)) == "42s"
    assert format_duration(timedelta(minutes=4, seconds=5)) == "4m 05s"
    assert format_duration(timedelta(hours=1, minutes=2, seconds=9)) == "1h 02m"


def test_explain_prints_the_concept_view_and_asks_for_the_rating_again():
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("\ne\n3\n", session)
    explain = out[out.index("Explain: KV cache") : out.index("End of explain: KV cache")]
    assert "Explain the mechanism of KV cache." in explain  # the concept view's facets
    assert "Test source" in explain
    after = out[out.index("End of explain: KV cache") :].splitlines()
    assert after[1].startswith("Rating (1-4, u undo, e explain")
    assert session.ratings[0][1] == 3


def test_cram_cards_show_no_intervals():
    session = RecordingSession(["kv-cache/mechanism"], kind="cram")
    _, out = _run("\n2\n", session)
    assert "Card 1 (cram): Runtime constraints / KV cache / Mechanism" in out
    assert "Intervals: none, a practice rating leaves the schedule as it is." in out
    assert session.ratings[0][1] == 2


def test_a_storage_error_tells_what_was_saved_then_propagates():
    session = RecordingSession(list(CARDS), fail_after=1)
    out = io.StringIO()
    screen = PlainStudyScreen(io.StringIO("\n3\n\n3\n"), out)
    with pytest.raises(StorageError, match="locked"):
        run_study(session, make_bank(), screen, clock=lambda: NOW)
    assert "Stopped. 1 rating saved." in out.getvalue()
    assert len(session.ratings) == 1


def test_bytes_that_are_not_utf8_are_stored_as_replacement_characters():
    # What Python hands over for the Latin-1 bytes "caf\xe9" read with surrogateescape.
    session = RecordingSession(list(CARDS[:2]))
    _, out = _run("ok answer\n\n3\ncaf\udce9 latin-1\n\n3\n", session)
    assert [answer for _, _, answer, _ in session.ratings] == ["ok answer", "caf\N{REPLACEMENT CHARACTER} latin-1"]
    session.ratings[1][2].encode("utf-8")  # storable: no surrogate left (this raised before)
    assert "Ratings saved: 2." in out


def test_a_command_line_that_is_not_utf8_is_echoed_safely():
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("\n\udcff\n2\n", session)
    assert "Note: '\N{REPLACEMENT CHARACTER}' is not a choice" in out
    out.encode("utf-8")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("café", "café"),  # valid text stays as it is
        ("caf\udce9", "caf\N{REPLACEMENT CHARACTER}"),  # one undecodable byte, one U+FFFD
        ("\udcc3\udca9", "é"),  # the two bytes of UTF-8 é, split by a reader: whole again
        ("[bold]", "[bold]"),
    ],
)
def test_valid_text(typed, stored):
    assert valid_text(typed) == stored


class BrokenSession(RecordingSession):
    """Fails with a bug (not an LlmcError) on the second rating."""

    def rate(self, card_id, rating, now, **kwargs):
        if self.ratings:
            raise UnicodeEncodeError("utf-8", "\udce9", 0, 1, "surrogates not allowed")
        return super().rate(card_id, rating, now, **kwargs)


def test_an_unexpected_error_keeps_the_ratings_and_becomes_one_line():
    session = BrokenSession(list(CARDS))
    out = io.StringIO()
    screen = PlainStudyScreen(io.StringIO("\n3\n\n3\n"), out)
    with pytest.raises(LlmcError, match=r"stopped on an unexpected error \(UnicodeEncodeError.*saved"):
        run_study(session, make_bank(), screen, clock=lambda: NOW)
    assert "Stopped. 1 rating saved." in out.getvalue()
    assert len(session.ratings) == 1


LONG_ANSWER = (
    'You send "The capital of France is" and get back " Paris.": one forward pass per token, '
    "softmax over the logits, one token picked and appended, until an end-of-sequence token."
)


def _bank_with_a_long_answer():
    """The helper bank plus a concept without a calculator whose answer is one 170-character line."""
    from dataclasses import replace

    from llmconcepts.cardbank.model import CardBank, Concept, FacetKind, SourceLocation

    bank = make_bank()
    long_view = Concept(
        id="long-view", title="Long view", layer="runtime", aliases=(), prerequisites=(),
        sources=("Test source",),
        facets=tuple(replace(make_facet(kind, "long view"), answer=LONG_ANSWER) for kind in FacetKind),
        origin=SourceLocation(Path("bank.yaml"), 1),
    )
    return CardBank(layers=bank.layers, concepts=(*bank.concepts, long_view))


def test_plain_output_starts_with_the_first_card_and_the_explain_view_is_not_wrapped():
    session = RecordingSession(["long-view/mechanism"])
    out = io.StringIO()
    screen = PlainStudyScreen(io.StringIO("\ne\n3\n"), out)
    run_study(session, _bank_with_a_long_answer(), screen, clock=lambda: NOW)
    text = out.getvalue()
    assert text.startswith("Card 1 (new): Runtime constraints / Long view / Mechanism\n")
    explain = text[text.index("Explain: Long view") : text.index("End of explain: Long view")]
    # docs/study.md: plain output has no wrapping, so the 170-character answer is one line.
    assert f"  {LONG_ANSWER}\n" in explain


def test_u_undoes_a_burial_and_the_buried_card_comes_back():
    session = RecordingSession(list(CARDS[:2]))
    _, out = _run("\ns\n" "\nu\n" "\n3\n" "q\n", session)
    # Card 1 buried; at card 2 the learner pressed u: card 1 is back and rated Good.
    assert session.buried == [] and [(c, r) for c, r, _, _ in session.ratings] == [("kv-cache/mechanism", 3)]
    assert "Note: Undid the burial of KV cache (mechanism)." in out
    assert out.count("Runtime constraints / KV cache / Mechanism") == 2


def _ended(**facts) -> str:
    session = RecordingSession([], outlook_facts=outlook_of(NOW, **facts))
    _, out = _run("", session)
    return out


def test_nothing_to_study_says_new_cards_per_day_is_0():
    out = _ended(new_per_day=0, new_unseen=6, new_unlocked=6)
    assert out.startswith("Nothing to study right now.\n")
    assert "New cards per day is 0, so none is introduced (6 new cards wait; llmc config set new-per-day N)." in out
    assert "No card is scheduled yet." in out


def test_nothing_to_study_says_todays_new_cards_are_used_and_when_the_next_is_due():
    # NOW is 09:30 UTC on Mon 4 May; learner days start at 04:00 UTC in outlook_of's clock.
    out = _ended(new_per_day=10, new_today=10, new_unseen=3, new_unlocked=3, introduced=10,
                 next_due=NOW.replace(hour=15, minute=3))
    assert "Today's new-card limit is reached (10 a day; 3 new cards wait): more tomorrow" in out
    assert "Next card due today 15:03." in out


@pytest.mark.parametrize(
    ("due", "written"),
    [
        ((5, 2, 0), "today 02:00"),  # 02:00 on 5 May is before the 04:00 rollover: still today
        ((5, 4, 0), "tomorrow 04:00"),
        ((5, 9, 0), "tomorrow 09:00"),
        ((8, 9, 0), "Fri 8 May 09:00"),
    ],
)
def test_next_due_is_written_in_learner_days(due, written):
    day, hour, minute = due
    out = _ended(introduced=1, next_due=NOW.replace(day=day, hour=hour, minute=minute))
    assert f"Next card due {written}." in out


def test_review_only_and_session_new_limits_are_named():
    assert "--review-only leaves new cards out (1 new card waits)." in _ended(
        options=SessionOptions(review_only=True), new_unseen=1, new_unlocked=1)
    assert "--new 0 asks for no new cards (4 new cards wait)." in _ended(
        options=SessionOptions(new_limit=0), new_unseen=4, new_unlocked=4)
    assert "This session's --new 2 is used (4 new cards wait)." in _ended(
        options=SessionOptions(new_limit=2), new_in_session=2, new_unseen=4, new_unlocked=4)


def test_limits_cram_reviews_and_prerequisites_are_named():
    assert "This session has taken up its --limit of 2 cards." in _ended(limit=2, limit_reached=True)
    assert "--cram only practises cards you have studied before" in _ended(options=SessionOptions(cram=True))
    assert "Today's review limit is reached (200 a day): 35 cards due for review wait until tomorrow" in _ended(
        reviews_today=200, reviews_held_back=35)
    assert "The 5 new cards left wait for their prerequisites" in _ended(new_unseen=5, new_unlocked=0)
    assert ("6 new cards are later facets of concepts studied, due or buried today: a concept gives one new "
            "card a day (as Anki buries new siblings), so more tomorrow.") in _ended(
        new_unseen=6, new_unlocked=0, new_held=6)
    assert "1 new card is a later facet of a concept studied, due or buried today" in _ended(
        new_unseen=3, new_unlocked=0, new_held=1)
    assert "so more tomorrow. The other 2 wait for their prerequisites" in _ended(
        new_unseen=3, new_unlocked=0, new_held=1)
    assert "Every card here has been introduced: no new card is left." in _ended(introduced=3)


def test_the_summary_shows_due_later_today_only_when_some_are():
    # as the terminal UI and docs/study.md: the line only when the count is not 0
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("\n1\n", session)
    assert "Retention today: none yet.\nDue tomorrow: 3." in out  # the double's summary figures
    assert "Due later today" not in out
    session = RecordingSession(["kv-cache/mechanism"], summary_figures={"due_later_today": 2})
    _, out = _run("\n1\n", session)
    assert "Retention today: none yet.\nDue later today: 2.\nDue tomorrow: 3." in out


def test_the_summary_gives_the_session_time_and_the_answering_time_by_name():
    session = RecordingSession(["kv-cache/mechanism"])
    _, out = _run("\n1\n", session)
    # the double's figures: 6m 30s from opening the session, 4m 05s spent answering
    assert "Time in session: 6m 30s.\nTime answering: 4m 05s.\n" in out


def test_no_card_scheduled_because_the_studied_ones_are_suspended_or_buried():
    out = _ended(options=SessionOptions(review_only=True), new_unseen=2, new_unlocked=2, suspended_studied=1)
    assert "No card is scheduled yet." not in out
    assert ("No card you have studied here is scheduled: 1 suspended "
            "(llmc unsuspend CONCEPT/FACET brings one back).") in out
    out = _ended(suspended_studied=2, buried_studied=1)
    assert ("No card you have studied here is scheduled: 2 suspended (llmc unsuspend CONCEPT/FACET "
            "brings one back) and 1 buried until tomorrow.") in out
