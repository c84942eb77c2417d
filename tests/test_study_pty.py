"""`llmc study` end to end: a real pseudo-terminal (pexpect), a temp LLMC_HOME, the real scheduler
and database, and a second process that reads the database afterwards.

The drill bank (tests/fixtures/study) gives every card the same four key points
(cues "alpha signal", "beta path", "gamma store", "delta check"), so a typed
answer covers the same points whichever card the scheduler shows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

DRILL_BANK = Path(__file__).parent / "fixtures" / "study"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][AB0-2]|\r")
ANSWER_PROMPT = "Enter alone reveals."
FACETS = {"Mechanism": "mechanism", "Trade-off": "trade_off", "Failure mode": "failure_mode"}
READ_DB = """
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
log = db.execute("SELECT card_id, rating, kind FROM review_log ORDER BY id").fetchall()
due = dict(db.execute("SELECT id, due FROM cards WHERE due IS NOT NULL").fetchall())
answers = [row[0] for row in db.execute("SELECT answer FROM review_log ORDER BY id")]
buried = [row[0] for row in db.execute("SELECT id FROM cards WHERE buried_until IS NOT NULL")]
print(json.dumps({"log": log, "due": due, "answers": answers, "buried": buried}))
"""


@pytest.fixture
def study_env(llmc_home):
    env = dict(os.environ)
    env.update(LLMC_HOME=str(llmc_home), LLMC_CARDS=str(DRILL_BANK), TERM="xterm-256color", PAGER="cat")
    env.pop("NO_COLOR", None)
    env.pop("LLMC_DATABASE_URL", None)
    return env


def spawn_study(env, *args, columns=80, rows=24):
    child = pexpect.spawn(
        sys.executable, ["-m", "llmconcepts", "study", "--layer", "study-drill", *args],
        env=env, dimensions=(rows, columns), encoding="utf-8", codec_errors="replace", timeout=60,
    )
    return child


def screen_text(raw: str) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return ANSI.sub("", raw)


def await_card(child) -> str:
    """Wait for the next answer prompt; return the id of the card its header names."""
    child.expect_exact(ANSWER_PROMPT)
    text = screen_text(child.before)
    title = re.findall(r"Study drill › Drill (\w+)", text)[-1]
    facet = re.findall(r"(Mechanism|Trade-off|Failure mode) · \w+", text)[-1]
    return f"drill-{title}/{FACETS[facet]}"


def answer(child, *lines: str) -> str:
    """Type the answer's lines and the empty line that ends it; return the reveal's text."""
    for line in lines:
        child.send(line + "\r")
    child.send("\r")
    child.expect_exact("q quit")
    return screen_text(child.before)


def read_db(env) -> dict:
    db = Path(env["LLMC_HOME"]) / "llmc.db"
    done = subprocess.run([sys.executable, "-c", READ_DB, str(db)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def finish(child) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_rate_three_undo_one_quit_then_the_database_holds_exactly_the_kept_ratings(study_env):
    child = spawn_study(study_env)

    first = await_card(child)
    reveal = answer(child, "the alpha signal goes down the beta path", "[bold] not markup [/]")
    assert "✓ The alpha signal starts it" in reveal
    assert "✓ It travels along the beta path" in reveal
    assert "✗ Results land in the gamma store" in reveal
    assert "✗ A delta check guards the output" in reveal
    # 2 of 4 key points = 0.5 -> Hard (see docs/study.md)
    assert "2 of 4 key points covered · Suggested: 2 Hard" in reveal
    assert "[bold] not markup [/]" in reveal
    assert re.search(r"1 Again\s+2 Hard\s+3 Good\s+4 Easy", reveal)
    child.send("\r")  # Enter takes the suggestion: Hard

    second = await_card(child)
    assert second != first
    reveal = answer(child)
    assert "No answer typed, so no suggestion" in reveal
    child.send("4")

    third = await_card(child)
    assert third not in (first, second)
    answer(child, "a gamma store")
    child.send("3")

    await_card(child)
    answer(child)
    child.send("u")  # undo the third rating: that card comes back
    assert await_card(child) == third
    assert "Undid the rating of Drill" in screen_text(child.before)
    answer(child)
    child.send("q")
    child.expect_exact("Ratings saved")
    summary = screen_text(child.read())
    assert summary.split()[0] == "2"
    assert finish(child) == 0

    db = read_db(study_env)
    assert db["log"] == [[first, 2, "review"], [second, 4, "review"]]
    assert set(db["due"]) == {first, second}


def test_ctrl_c_in_the_middle_of_an_answer_keeps_both_ratings(study_env):
    child = spawn_study(study_env)
    rated = []
    for _ in range(2):
        rated.append(await_card(child))
        answer(child, "alpha signal")
        child.send("1")
    await_card(child)
    child.send("half an answ")
    child.sendintr()
    child.expect_exact("Interrupted. 2 ratings saved.")
    assert finish(child) == 130
    assert "Traceback" not in child.before

    db = read_db(study_env)
    assert db["log"] == [[rated[0], 1, "review"], [rated[1], 1, "review"]]


def test_ctrl_d_at_the_answer_prompt_ends_with_the_summary(study_env):
    child = spawn_study(study_env)
    await_card(child)
    answer(child)
    child.send("3")
    await_card(child)
    child.sendeof()
    child.expect_exact("Ratings saved")
    assert finish(child) == 0
    assert len(read_db(study_env)["log"]) == 1


def test_plain_protocol_from_a_here_doc(study_env):
    script = (
        "llmc_study() { \"$PYTHON\" -m llmconcepts study --plain --layer study-drill \"$@\"; }\n"
        "llmc_study <<'EOF'\n"
        "the alpha signal takes the beta path\n"
        "into the gamma store\n"
        "\n"
        "\n"
        "\n"
        "2\n"
        "gamma store\n"
        "\n"
        "x\n"
        "u\n"
        "\n"
        "4\n"
        "EOF\n"
    )
    env = dict(study_env, PYTHON=sys.executable)
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "\x1b" not in out
    assert "Key points: 3 of 4 covered." in out
    assert "  missed: A delta check guards the output" in out
    # 3 of 4 = 0.75 -> Good, taken with the empty line
    assert "Suggested rating: 3 Good." in out
    assert "Suggested rating: none, no answer was typed." in out
    assert "Note: 'x' is not a choice" in out
    assert "Note: Undid the rating of Drill" in out
    cards = re.findall(r"Card \d+ \((\w+)\): Study drill / Drill (\w+) / (Mechanism|Trade-off|Failure mode)", out)
    ids = [f"drill-{title}/{FACETS[facet]}" for _, title, facet in cards]
    # Card 1 Good, card 2 Hard, card 3 undone (back to card 2, rated Easy), then end of input.
    assert ids[3] == ids[1]
    assert "Session ended." in out and "Ratings saved: 2." in out
    db = read_db(study_env)
    assert db["log"] == [[ids[0], 3, "review"], [ids[1], 4, "review"]]


def test_piped_input_without_plain_is_refused(study_env):
    done = subprocess.run(
        [sys.executable, "-m", "llmconcepts", "study"], env=study_env, input="3\n",
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "--plain" in done.stderr
    assert done.stdout == ""


def test_e_shows_the_explain_view_and_returns_to_the_card(study_env):
    child = spawn_study(study_env)
    card = await_card(child)
    answer(child, "delta check")
    child.send("e")
    child.expect_exact("Fixture written for the study tests")  # the concept view's sources
    # A view taller than the terminal went through the pager ($PAGER=cat here) and
    # returns by itself; a shorter one waits for a key.
    if child.expect_exact(["Press any key to return to the card.", "q quit"]) == 0:
        child.send(" ")
        child.expect_exact("q quit")  # back on the card's rating row
    child.send("3")
    await_card(child)
    child.sendeof()
    assert finish(child) == 0
    assert read_db(study_env)["log"] == [[card, 3, "review"]]


def test_dashboard_after_a_session(study_env):
    run = [sys.executable, "-m", "llmconcepts"]
    first = subprocess.run(run, env=study_env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert re.search(r"Due now\s+0\b", first.stdout)
    assert re.search(r"New today\s+10 available", first.stdout)  # default 10 new cards a day
    assert re.search(r"Next due\s+nothing scheduled", first.stdout)
    assert "llmc study" in first.stdout

    # One card Easy (a review days away), one Again (a 1-minute learning step).
    plain = subprocess.run(
        [*run, "study", "--plain", "--layer", "study-drill"], env=study_env, input="\n4\n\n1\nq\n",
        capture_output=True, text=True, timeout=60,
    )
    assert plain.returncode == 0, plain.stderr
    board = subprocess.run(run, env=study_env, capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"New today\s+8 available", board)  # 10 - the 2 introduced
    assert re.search(r"Streak\s+1 day\b", board)
    # The Again card's first step, under a minute away: written as `llmc due` writes it, with
    # the same interval wording (Anki's "<1m") and learner day.
    next_due = re.search(r"Next due\s+(in <1m \((?:today|tomorrow) \d\d:\d\d\))", board).group(1)
    due = subprocess.run([*run, "due"], env=study_env, capture_output=True, text=True, timeout=60, check=True).stdout
    assert re.search(rf"Next due\s+{re.escape(next_due)}", due)


def test_ctrl_d_after_text_on_the_answer_line_ends_the_session(study_env):
    # A terminal in line mode needs two Ctrl-D after text; llmc takes the first one.
    child = spawn_study(study_env)
    rated = await_card(child)
    answer(child, "alpha signal")
    child.send("3")
    await_card(child)
    child.send("half an answer")
    child.sendeof()
    child.expect_exact("Session ended")
    child.expect_exact("Ratings saved")
    assert finish(child) == 0
    assert read_db(study_env)["log"] == [[rated, 3, "review"]]


def test_a_byte_that_is_not_utf8_is_saved_as_a_replacement_character(study_env):
    # A Latin-1 terminal sends \xe9 for "é": not UTF-8.
    child = spawn_study(study_env)
    first = await_card(child)
    os.write(child.child_fd, b"caf\xe9 alpha signal\r\r")
    child.expect_exact("q quit")
    child.send("3")
    second = await_card(child)
    answer(child, "beta path")
    child.send("2")
    await_card(child)
    child.sendeof()
    child.expect_exact("Ratings saved")
    assert finish(child) == 0
    db = read_db(study_env)
    assert db["log"] == [[first, 3, "review"], [second, 2, "review"]]
    assert db["answers"] == ["caf\N{REPLACEMENT CHARACTER} alpha signal", "beta path"]


def test_a_resize_redraws_the_revealed_card_at_the_new_width(study_env):
    child = spawn_study(study_env, columns=80)
    await_card(child)
    before = answer(child, "alpha signal")
    assert "─" * 80 in before
    child.setwinsize(24, 60)  # SIGWINCH while the rating key is awaited
    child.expect_exact("q quit")
    redrawn = screen_text(child.before).split("\x1b[2J")[-1]  # after the screen was cleared
    assert "─" * 60 in redrawn and "─" * 61 not in redrawn
    assert "1 of 4 key points covered · Suggested: 1 Again" in redrawn
    child.send("3")
    assert "─" * 61 not in screen_text(child.before)
    await_card(child)
    assert "─" * 61 not in screen_text(child.before)  # the next card at 60 columns too
    child.sendeof()
    assert finish(child) == 0


def test_u_undoes_a_burial_in_the_terminal(study_env):
    child = spawn_study(study_env)
    buried = await_card(child)
    answer(child)
    child.send("s")
    await_card(child)
    assert "Buried Drill" in screen_text(child.before)
    answer(child)
    child.send("u")
    assert await_card(child) == buried
    assert "Undid the burial of Drill" in screen_text(child.before)
    answer(child)
    child.send("4")
    await_card(child)
    child.sendeof()
    assert finish(child) == 0
    db = read_db(study_env)
    assert db["log"] == [[buried, 4, "review"]] and db["buried"] == []


def _explain_in_less(study_env):
    """A session whose first card was rated, now in less (the default pager) on the second."""
    env = dict(study_env)
    env.pop("PAGER")
    env.pop("LESS", None)
    child = spawn_study(env, rows=8)  # short: the explain view needs the pager
    rated = await_card(child)
    answer(child, "alpha signal")
    child.send("1")
    await_card(child)
    answer(child)
    child.send("e")
    child.expect_exact("Drill ")  # less shows the top of the concept view
    return child, rated


def test_q_leaves_the_pager_and_returns_to_the_card(study_env):
    child, _ = _explain_in_less(study_env)
    child.send("q")
    child.expect_exact("q quit")  # the card's rating row again
    child.send("3")
    await_card(child)
    child.sendeof()
    assert finish(child) == 0
    assert len(read_db(study_env)["log"]) == 2


def test_ctrl_c_in_the_pager_ends_the_session(study_env):
    child, rated = _explain_in_less(study_env)
    child.sendintr()
    child.expect_exact("Interrupted. 1 rating saved.")
    assert finish(child) == 130
    assert read_db(study_env)["log"] == [[rated, 1, "review"]]
