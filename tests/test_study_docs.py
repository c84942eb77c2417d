"""docs/study.md's `--plain` example is a real transcript: run its script on a fresh data
directory and compare with the output printed in the doc (the clock-dependent lines aside)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).parent.parent / "docs" / "study.md"
# Depend on the time of day the test runs (learner days) and on how fast it runs; a count of
# 0 due later today is not printed at all.
CLOCK_LINES = re.compile(r"^(Time in session|Time answering|Due later today|Due tomorrow): .*\n", re.MULTILINE)


def _example() -> tuple[str, str]:
    section = DOC.read_text(encoding="utf-8").split("### Example", 1)[1].split("\n## ", 1)[0]
    script, output = re.findall(r"```(?:bash)?\n(.*?)```", section, re.DOTALL)
    return script, output


def test_the_plain_example_prints_what_the_doc_shows(llmc_home):
    script, shown = _example()
    env = dict(os.environ, LLMC_HOME=str(llmc_home), PYTHON=sys.executable)
    env.pop("LLMC_CARDS", None)
    run = 'llmc() { "$PYTHON" -m llmconcepts "$@"; }\n' + script
    done = subprocess.run(["bash", "-c", run], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert not done.stdout.startswith("\n")
    assert CLOCK_LINES.sub("", done.stdout) == CLOCK_LINES.sub("", shown)
