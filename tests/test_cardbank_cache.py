"""The parse cache: a hit skips YAML and pydantic entirely; any change to a bank file
invalidates it; a damaged cache or an unwritable data directory only costs a parse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmconcepts import paths
from llmconcepts.cardbank import loader
from llmconcepts.cardbank.cache import CACHE_FILE
from llmconcepts.cardbank.loader import load_bank
from llmconcepts.errors import CardBankError

BANKS = Path(__file__).parent / "fixtures" / "banks"


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """A private copy of the valid fixture bank, free to edit."""
    return Path(shutil.copytree(BANKS / "valid", tmp_path / "bank"))


def cache_file() -> Path:
    return paths.cache_dir() / CACHE_FILE


def forbid_parsing(monkeypatch):
    def fail(files):
        raise AssertionError("the bank was parsed although the cache should have been used")

    monkeypatch.setattr(loader, "build_bank", fail)


def test_second_load_comes_from_the_cache(bank_dir: Path, monkeypatch):
    first = load_bank(builtin_dir=bank_dir, user_dirs=[])
    assert cache_file().is_file()
    forbid_parsing(monkeypatch)
    assert load_bank(builtin_dir=bank_dir, user_dirs=[]) == first


def test_a_cache_hit_imports_neither_pydantic_nor_yaml(bank_dir: Path, llmc_home: Path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from llmconcepts.cardbank import load_bank\n"
        f"bank = load_bank(builtin_dir=Path({str(bank_dir)!r}), user_dirs=[])\n"
        "print(len(bank.concepts), 'pydantic' in sys.modules, 'yaml' in sys.modules)\n"
    )
    env = {**os.environ, "LLMC_HOME": str(llmc_home)}

    def run() -> str:
        return subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        ).stdout

    assert run().split() == ["4", "True", "True"]  # cold: parsed
    assert run().split() == ["4", "False", "False"]  # warm: unpickled only


def test_an_edit_invalidates_the_cache(bank_dir: Path):
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    card_file = bank_dir / "02-serving.yaml"
    card_file.write_text(card_file.read_text().replace("title: FlashAttention", "title: Flash attention"))
    assert load_bank(builtin_dir=bank_dir, user_dirs=[]).concept("flash-attention").title == "Flash attention"


def test_an_edit_keeping_size_and_mtime_is_still_seen(bank_dir: Path):
    """Why the key hashes content: a same-length edit within the file system's
    timestamp granularity would fool a size+mtime key."""
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    card_file = bank_dir / "02-serving.yaml"
    before = card_file.stat()
    card_file.write_text(card_file.read_text().replace("title: FlashAttention", "title: FlashAttentioN"))
    os.utime(card_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert card_file.stat().st_size == before.st_size
    assert load_bank(builtin_dir=bank_dir, user_dirs=[]).concept("flash-attention").title == "FlashAttentioN"


def test_adding_user_cards_invalidates_the_cache(bank_dir: Path, monkeypatch):
    load_bank(builtin_dir=bank_dir)
    monkeypatch.setenv("LLMC_CARDS", str(BANKS / "user"))
    assert "prompt-caching" in load_bank(builtin_dir=bank_dir)


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a cache at all", b"llmc-cardbank-1\n" + b"\0" * 32 + b"garbage"],
    ids=["empty", "garbage", "wrong-key"],
)
def test_a_damaged_cache_falls_back_to_parsing_and_is_rewritten(bank_dir: Path, damage: bytes):
    good = load_bank(builtin_dir=bank_dir, user_dirs=[])
    cache_file().write_bytes(damage)
    assert load_bank(builtin_dir=bank_dir, user_dirs=[]) == good
    assert cache_file().read_bytes() != damage


def test_a_truncated_pickle_falls_back_to_parsing(bank_dir: Path):
    good = load_bank(builtin_dir=bank_dir, user_dirs=[])
    blob = cache_file().read_bytes()
    cache_file().write_bytes(blob[: len(blob) // 2])  # right header, half a pickle
    assert load_bank(builtin_dir=bank_dir, user_dirs=[]) == good


def test_an_unwritable_data_dir_is_not_an_error(bank_dir: Path, tmp_path: Path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    monkeypatch.setenv("LLMC_HOME", str(blocker / "home"))  # mkdir fails even for root
    assert len(load_bank(builtin_dir=bank_dir, user_dirs=[]).concepts) == 4
    assert not (blocker / "home").exists()


def test_an_invalid_bank_is_not_cached(tmp_path: Path):
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(BANKS / "malformed" / "cycle.yaml", broken)
    for _ in range(2):
        with pytest.raises(CardBankError, match="prerequisite cycle"):
            load_bank(builtin_dir=broken, user_dirs=[])
    assert not cache_file().exists()


def test_use_cache_false_neither_reads_nor_writes(bank_dir: Path):
    load_bank(builtin_dir=bank_dir, user_dirs=[], use_cache=False)
    assert not paths.data_dir().exists()
