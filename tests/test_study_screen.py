"""The terminal study screen: layout at 80 and 60 columns, literal user text, NO_COLOR, keys."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from rich.console import Console
from study_helpers import NOW, RecordingSession, make_bank

from llmconcepts.grading import grade_answer
from llmconcepts.scheduling.session import Progress, QueuedCard
from llmconcepts.ui.study import Action, CardView, EndOfInput, Reveal, run_study
from llmconcepts.ui.study_screen import TerminalStudyScreen, card_text

SGR = re.compile(r"\x1b\[([0-9;]*)m")
INTERVALS = {1: timedelta(minutes=1), 2: timedelta(minutes=6), 3: timedelta(minutes=10), 4: timedelta(days=8)}


def _view(notices=()):
    queued = QueuedCard("kv-cache/mechanism", "review", None)
    progress = Progress(done=4, new_left=3, learning_left=1, review_left=12)
    return CardView(queued, make_bank().card("kv-cache/mechanism"), "Runtime constraints", progress, notices)


def _plain_console(width: int, height: int = 24) -> Console:
    """A terminal console that emits no escape codes, so the text can be measured."""
    return Console(file=io.StringIO(), width=width, height=height, force_terminal=True,
                   color_system=None, legacy_windows=False, _environ={})


def _screen(console, keys=(), lines=()):
    keys, lines = iter(keys), iter(lines)

    def read_line():
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    return TerminalStudyScreen(console, read_key=lambda: next(keys), read_line=read_line)


def _reveal(answer: str) -> Reveal:
    return Reveal(grade_answer(answer, _view().card.facet.key_points), INTERVALS)


@pytest.mark.parametrize("width", [80, 60])
def test_reveal_fits_the_width_and_shows_marks_suggestion_and_intervals(width):
    console = _plain_console(width)
    screen = _screen(console)
    screen.show_card(_view(notices=("Undid the rating of PagedAttention (mechanism).",)))
    screen.show_reveal(_view(), _reveal("it keeps keys and values around"))
    out = console.file.getvalue()
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines), [line for line in lines if len(line) > width]
    assert "Runtime constraints › KV cache" in out
    assert "new 3 · learning 1 · review 12 · done 4" in out
    assert "✓ Keys and values are kept" in out
    assert "✗ Memory grows with context" in out
    # 1 of 3 key points = 0.33 -> Hard
    assert "1 of 3 key points covered · Suggested: 2 Hard" in out
    buttons = next(line for line in lines if "Again" in line)
    assert re.search(r"1 Again\s+2 Hard\s+3 Good\s+4 Easy", buttons)
    intervals = lines[lines.index(buttons) - 1]
    assert intervals.split() == ["1m", "6m", "10m", "8d"]
    assert "Enter Hard · u undo · e explain · s bury · q quit" in out


def test_typed_markup_is_printed_literally():
    console = _plain_console(80)
    answer = "[bold]keys and values[/] and [red]not markup[/red] \\[x]"
    _screen(console).show_reveal(_view(), _reveal(answer))
    assert answer in console.file.getvalue()


def test_card_text_only_knows_emphasis_and_strong():
    text = card_text("a *soft* and **hard** [bold]x[/]")
    assert text.plain == "a soft and hard [bold]x[/]"
    styles = {text.plain[span.start : span.end]: str(span.style) for span in text.spans}
    assert styles == {"soft": "italic", "hard": "bold"}


def test_no_color_keeps_reverse_video_but_drops_colours(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    console = Console(file=io.StringIO(), width=80, height=24, force_terminal=True, legacy_windows=False)
    _screen(console).show_reveal(_view(), _reveal("keys and values"))
    params = {p for codes in SGR.findall(console.file.getvalue()) for p in codes.split(";") if p}
    colour_codes = {p for p in params if re.fullmatch(r"3[0-9]|4[0-9]|9[0-7]|10[0-7]", p)}
    assert not colour_codes
    assert "7" in params  # the suggested button stands out in reverse video


def test_no_suggestion_without_answer_on_screen():
    console = _plain_console(80)
    _screen(console).show_reveal(_view(), _reveal(""))
    out = console.file.getvalue()
    assert "(no answer typed)" in out
    assert "No answer typed, so no suggestion: choose 1-4." in out
    assert "Enter" not in out


def test_keys_act_on_one_press_and_ignore_stray_keys():
    screen = _screen(_plain_console(80), keys=["x", "\x1b[A", "3", "\r", " ", "u", "E", "s", "q"])
    got = [screen.read_command(2) for _ in range(7)]
    assert [(c.action, c.rating) for c in got] == [
        (Action.RATE, 3), (Action.ACCEPT, None), (Action.ACCEPT, None), (Action.UNDO, None),
        (Action.EXPLAIN, None), (Action.BURY, None), (Action.QUIT, None),
    ]


def test_ctrl_d_and_ctrl_c_keys():
    with pytest.raises(EndOfInput):
        _screen(_plain_console(80), keys=["\x04"]).read_command(None)
    with pytest.raises(KeyboardInterrupt):
        _screen(_plain_console(80), keys=["\x03"]).read_command(None)


def test_answer_lines_until_empty_line_and_ctrl_d():
    screen = _screen(_plain_console(80), lines=["keys [b]", "and values", "", "next"])
    assert screen.read_answer() == "keys [b]\nand values"
    with pytest.raises(EndOfInput):
        _screen(_plain_console(80), lines=["half"]).read_answer()


def test_whole_session_through_the_terminal_screen():
    session = RecordingSession(["kv-cache/mechanism", "paged-attention/mechanism"])
    console = _plain_console(60)
    screen = _screen(console, keys=["\r", "4"], lines=["keys and values, grows with context", "", ""])
    result = run_study(session, make_bank(), screen, clock=lambda: NOW)
    # 2 of 3 covered -> Good (accepted with Enter); the second card rated Easy with no answer.
    assert [(c, r) for c, r, _, _ in session.ratings] == [
        ("kv-cache/mechanism", 3), ("paged-attention/mechanism", 4),
    ]
    out = console.file.getvalue()
    assert result.finished and "Session complete" in out
    assert re.search(r"Ratings saved\s+2", out)


def test_cram_shows_practice_instead_of_intervals():
    console = _plain_console(60)
    reveal = Reveal(grade_answer("keys and values", _view().card.facet.key_points), {}, practice=True)
    _screen(console).show_reveal(_view(), reveal)
    out = console.file.getvalue()
    assert "Practice: the rating is logged, the schedule stays as it is." in out
    assert re.search(r"1 Again\s+2 Hard\s+3 Good\s+4 Easy", out)
    assert not re.search(r"\b\d+[mhd]\b", out)
    assert "s skip · q quit" in out and "bury" not in out  # cram only skips a card


def test_long_header_puts_progress_on_its_own_line_at_60_columns():
    busy = Progress(done=150, new_left=10, learning_left=12, review_left=200)
    relearning = QueuedCard("kv-cache/failure_mode", "relearning", None)
    view = CardView(relearning, make_bank().card("kv-cache/failure_mode"), "Evaluation and safety", busy)
    console = _plain_console(60)
    _screen(console).show_card(view)
    lines = console.file.getvalue().splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert any(line.strip() == "Failure mode · relearning" for line in lines)
    assert any(line.strip() == "new 10 · learning 12 · review 200 · done 150" for line in lines)


@pytest.mark.parametrize(
    ("due", "written"),
    [
        (NOW + timedelta(hours=5), "in 5h (today 14:30)"),  # NOW is 09:30 UTC, Mon 4 May
        (NOW.replace(day=5, hour=3, minute=0), "in 18h (today 03:00)"),  # 17.5 h; before the 04:00 rollover
        (NOW.replace(day=5, hour=10, minute=30), "in 1d (tomorrow 10:30)"),  # 25 h
        (NOW.replace(day=7, hour=8, minute=0), "in 3d (Thu 7 May 08:00)"),  # 70.5 h = 2.9 days
        (NOW - timedelta(minutes=1), "now"),
        (None, "nothing scheduled"),
    ],
)
def test_the_dashboard_writes_next_due_in_learner_days(due, written):
    from datetime import timezone

    from llmconcepts.scheduling.day import LearnerClock
    from llmconcepts.ui.dashboard import next_due_text

    assert next_due_text(due, NOW, LearnerClock(timezone.utc, 4)) == written
