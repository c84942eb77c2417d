"""`llmc study` end to end (a real pseudo-terminal, or --plain through a pipe) when the world
changes under a session or around it: a card suspended from another shell while it is shown,
a leech on the last card, a burial followed by the rest of the queue, a database that cannot
be written, `s` in cram mode.

Same drill bank and helpers as tests/test_study_pty.py. The expected texts are the ones the
learner is promised in docs/study.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pexpect
import pytest
from sched_helpers import write_config
from test_study_pty import (  # noqa: F401 - study_env is a fixture
    DRILL_BANK,
    FACETS,
    answer,
    await_card,
    finish,
    read_db,
    screen_text,
    spawn_study,
    study_env,
)

from llmconcepts.scheduling.session import SessionOptions, open_session

LLMC = [sys.executable, "-m", "llmconcepts"]
SUSPENDED_NOTE = "was suspended elsewhere while it was shown, so its rating was not recorded."
LEECH_NOTE = "Drill one (mechanism) is now a leech (forgotten too often) and has been suspended."
NOTHING_ACTIVE = "No card you have studied here is scheduled: 1 suspended"


def spawn_plain(env, *args):
    return pexpect.spawn(
        sys.executable, ["-m", "llmconcepts", "study", "--plain", "--layer", "study-drill", *args],
        env=env, encoding="utf-8", codec_errors="replace", timeout=60,
    )


def plain_card(child) -> str:
    """Wait for the next --plain card; return its id."""
    child.expect(r"Card \d+ \((\w+)\): Study drill / Drill (\w+) / (Mechanism|Trade-off|Failure mode)")
    _kind, title, facet = child.match.groups()
    child.expect_exact("Answer, then an empty line:")
    return f"drill-{title}/{FACETS[facet]}"


def llmc(env, *args, unprivileged=False, **kwargs):
    command = [*LLMC, *args]
    if unprivileged and os.geteuid() == 0:  # root: drop the capability that ignores file modes
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without util-linux setpriv: permission bits cannot bind")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False, **kwargs)


# -- 1: suspended from another shell while shown ---------------------------------------------


def test_a_card_suspended_from_another_shell_while_shown_is_skipped_with_a_note(study_env):
    child = spawn_study(study_env)
    shown = await_card(child)
    answer(child)  # Enter: revealed
    concept = shown.split("/")[0]
    assert llmc(study_env, "suspend", concept).returncode == 0
    child.send("3")
    following = await_card(child)  # the session goes on
    screen = screen_text(child.before)
    assert SUSPENDED_NOTE in " ".join(screen.split())  # (the note may wrap at 80 columns)
    assert following.split("/")[0] != concept
    answer(child)
    child.send("4")
    await_card(child)
    child.sendeof()
    child.expect_exact("Ratings saved")
    assert finish(child) == 0
    assert read_db(study_env)["log"] == [[following, 4, "review"]]


def test_plain_a_card_suspended_from_another_shell_while_shown_is_skipped_with_a_note(study_env):
    child = spawn_plain(study_env)
    shown = plain_card(child)
    child.sendline("")
    child.expect_exact("Rating (1-4")
    assert llmc(study_env, "suspend", shown.split("/")[0]).returncode == 0
    child.sendline("3")
    child.expect_exact(f"Note: Drill {shown.split('/')[0].removeprefix('drill-')} (mechanism) {SUSPENDED_NOTE}")
    following = plain_card(child)
    child.sendline("")
    child.sendline("4")
    plain_card(child)
    child.sendeof()
    child.expect_exact("Ratings saved: 1.")
    assert finish(child) == 0
    assert read_db(study_env)["log"] == [[following, 4, "review"]]


# -- 2: a leech on the last card -------------------------------------------------------------


@pytest.fixture
def one_review_due(study_env, monkeypatch):
    """drill-one/mechanism rated Easy 30 days ago (a review, due since about 22 days), with
    leeches at the first lapse."""
    monkeypatch.setenv("LLMC_CARDS", str(DRILL_BANK))
    write_config("leech-threshold = 1\n")
    past = datetime.now(timezone.utc) - timedelta(days=30)
    with open_session(SessionOptions(concepts=("drill-one",)), past) as session:
        session.rate("drill-one/mechanism", 4, past)
    return study_env


def test_a_leech_on_the_last_card_is_reported_in_the_terminal(one_review_due):
    child = spawn_study(one_review_due, "--review-only")
    assert await_card(child) == "drill-one/mechanism"
    answer(child)
    child.send("1")  # a lapse: the threshold of 1 is reached
    child.expect_exact("Ratings saved")
    summary = " ".join(screen_text(child.before).split())
    assert finish(child) == 0
    assert "Session complete" in summary
    assert LEECH_NOTE in summary
    assert NOTHING_ACTIVE in summary and "No card is scheduled yet." not in summary


def test_a_leech_on_the_last_card_is_reported_with_plain(one_review_due):
    done = llmc(one_review_due, "study", "--plain", "--layer", "study-drill", "--review-only", input="\n1\n")
    assert done.returncode == 0, done.stderr
    summary = done.stdout.split("\n\n")[-1]
    assert summary.startswith(f"Session complete.\nNote: {LEECH_NOTE}\n")
    assert NOTHING_ACTIVE in summary and "No card is scheduled yet." not in summary


# -- 3 and 5: bury, then the next card -------------------------------------------------------


def test_after_s_the_next_card_is_another_concept_and_the_note_says_how_to_undo(study_env):
    child = spawn_study(study_env)
    buried = await_card(child)
    answer(child)
    child.send("s")
    following = await_card(child)
    assert following.split("/")[0] != buried.split("/")[0]  # four concepts have new cards
    note = " ".join(screen_text(child.before).split())
    assert "until tomorrow. To undo it: reveal the card below, then u." in note
    answer(child)  # what the note says: reveal, then u
    child.send("u")
    assert await_card(child) == buried
    child.sendeof()
    assert finish(child) == 0
    assert read_db(study_env)["buried"] == []


def test_plain_after_s_the_next_card_is_another_concept(study_env):
    done = llmc(study_env, "study", "--plain", "--layer", "study-drill", input="\ns\n\n3\n")
    assert done.returncode == 0, done.stderr
    cards = re.findall(r"Card \d+ \(new\): Study drill / Drill (\w+) / (\S+)", done.stdout)
    assert len(cards) == 3 and cards[1][0] != cards[0][0]
    assert "until tomorrow. To undo it: reveal the card below, then u.\nCard 2 (new)" in done.stdout


# -- 4: a database that cannot be written ----------------------------------------------------


def _studied_home(env) -> None:
    done = llmc(env, "study", "--plain", "--layer", "study-drill", input="\n3\n")
    assert done.returncode == 0, done.stderr


def test_a_read_only_url_is_refused_before_any_card(study_env):
    _studied_home(study_env)
    database = os.path.join(study_env["LLMC_HOME"], "llmc.db")
    env = dict(study_env, LLMC_DATABASE_URL=f"sqlite:///{database}?mode=ro")
    done = llmc(env, "study", "--plain", "--layer", "study-drill", input="an answer\n\n3\n")
    assert done.returncode == 1
    assert done.stdout == ""  # no card shown, no answer asked for
    assert done.stderr == f"llmc: cannot write {database}: the file or its folder is read-only\n"


def test_a_read_only_database_file_is_refused_before_any_card(study_env):
    _studied_home(study_env)
    database = os.path.join(study_env["LLMC_HOME"], "llmc.db")
    before = read_db(study_env)
    os.chmod(database, 0o444)
    try:
        done = llmc(study_env, "study", "--plain", "--layer", "study-drill", input="an answer\n\n3\n",
                    unprivileged=True)
    finally:
        os.chmod(database, 0o644)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"llmc: cannot write {database}: the file or its folder is read-only\n"
    assert read_db(study_env) == before


# -- 8: s in cram ----------------------------------------------------------------------------


def test_s_in_cram_buries_nothing(study_env):
    done = llmc(study_env, "study", "--plain", "--layer", "study-drill", input="\n4\n\n4\n")  # two reviews
    assert done.returncode == 0, done.stderr
    cram = llmc(study_env, "study", "--plain", "--layer", "study-drill", "--cram", input="\ns\n\n3\n")
    assert cram.returncode == 0, cram.stderr
    assert "for the rest of this cram session" in cram.stdout and "until tomorrow" not in cram.stdout
    db = read_db(study_env)
    assert db["buried"] == []
    assert [kind for _card, _rating, kind in db["log"]] == ["review", "review", "practice"]
