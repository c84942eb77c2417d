"""What `llmc stats` and `llmc due` import: the start-up design of docs/performance.md.

Importing SQLAlchemy's ORM costs about 0.1 s; `llmc stats` reads through a Core
connection and must not pay it. Neither command may import the scheduler, numpy,
the Anki exporter, the YAML parser or pydantic (they never parse the bank).
"""

from __future__ import annotations

import os
import subprocess
import sys

from progress_helpers import build_fixture_history


def _modules_after(args: list[str]) -> set[str]:
    code = ("import sys\nfrom llmconcepts.cli import main\nsys.argv = ['llmc'] + sys.argv[1:]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('MODULES', ' '.join(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=dict(os.environ), check=True)
    return set(done.stderr.rsplit("MODULES ", 1)[1].split())


def test_stats_reads_without_the_orm_the_scheduler_or_the_bank():
    build_fixture_history()  # a database with layers, cards and ratings in this test's LLMC_HOME
    loaded = _modules_after(["stats"])
    assert "sqlalchemy" in loaded and "llmconcepts.progress.queries" in loaded
    assert not {"sqlalchemy.orm", "fsrs", "numpy", "genanki", "yaml", "pydantic"} & loaded


def test_due_imports_neither_the_scheduler_nor_the_bank():
    build_fixture_history()
    loaded = _modules_after(["due"])
    assert not {"fsrs", "numpy", "genanki", "yaml", "pydantic"} & loaded
