"""Shared fixtures: every test runs with its own empty data directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def llmc_home(tmp_path, monkeypatch):
    """Point LLMC_HOME at a fresh temp folder; clear the other llmc variables."""
    home = tmp_path / "llmc-home"
    monkeypatch.setenv("LLMC_HOME", str(home))
    for name in ("LLMC_DATABASE_URL", "LLMC_CARDS"):
        monkeypatch.delenv(name, raising=False)
    return home
