"""The README's Quick start is what CI runs: keep the two in step."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> str:
    match = re.search(r"^## Quick start\n(.*?)(?=^## )", README, flags=re.S | re.M)
    assert match, "README.md has no '## Quick start' section followed by another section"
    return match.group(1)


def fenced_commands(text: str) -> list[str]:
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", text, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_quick_start_holds_exactly_two_commands():
    commands = fenced_commands(quick_start())
    assert len(commands) == 2, commands
    install_and_study, install_and_test = commands
    assert install_and_study.endswith("llmc study")
    assert "[test]" in install_and_test and "pytest" in install_and_test


def test_ci_runs_the_readme_test_command_verbatim():
    """.ci/run extracts the command between the markers; run its extraction pipeline."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    extraction = re.search(r"test_command=\$\((.*)\)\n", script).group(1)
    extracted = subprocess.run(
        ["bash", "-c", extraction], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert extracted == fenced_commands(quick_start())[1]
    assert 'bash -euo pipefail -c "$test_command"' in script


def test_ci_runs_the_originality_check_when_present():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "../shared/tools/check-originality" in script
    assert '[ -f "$originality" ]' in script
