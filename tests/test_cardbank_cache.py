"""The parse cache: a hit skips YAML and pydantic entirely and reads a concept's text
only when it is used; any change to a bank file invalidates it, a moved copy with the
same content does not; a damaged cache or an unwritable data directory only costs a
parse; a bank edited while a command runs never gives that command another version's text."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmconcepts import paths
from llmconcepts.cardbank import cache, loader
from llmconcepts.cardbank.cache import FORMAT_VERSION, STORE_PREFIX
from llmconcepts.cardbank.loader import load_bank
from llmconcepts.errors import CardBankError, LlmcError

BANKS = Path(__file__).parent / "fixtures" / "banks"


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """A private copy of the valid fixture bank, free to edit."""
    return Path(shutil.copytree(BANKS / "valid", tmp_path / "bank"))


def cache_files() -> list[Path]:
    return sorted(paths.cache_dir().glob(f"{STORE_PREFIX}*")) if paths.cache_dir().exists() else []


def cache_file() -> Path:
    """The one store file (a write deletes the stores of older versions of the bank)."""
    [store] = cache_files()
    return store


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
    [b"", b"not a cache at all", FORMAT_VERSION + b"\n" + b"\0" * 32 + b"garbage"],
    ids=["empty", "garbage", "wrong-key"],
)
def test_a_damaged_cache_falls_back_to_parsing_and_is_rewritten(bank_dir: Path, damage: bytes):
    good = load_bank(builtin_dir=bank_dir, user_dirs=[], use_cache=False)
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    cache_file().write_bytes(damage)
    assert load_bank(builtin_dir=bank_dir, user_dirs=[]) == good
    assert cache_file().read_bytes() != damage


@pytest.mark.parametrize("cut", ["half", "last-byte"])
def test_a_truncated_store_falls_back_to_parsing(bank_dir: Path, cut: str):
    good = load_bank(builtin_dir=bank_dir, user_dirs=[], use_cache=False)
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    blob = cache_file().read_bytes()
    cache_file().write_bytes(blob[: len(blob) // 2 if cut == "half" else len(blob) - 1])
    assert load_bank(builtin_dir=bank_dir, user_dirs=[]) == good
    assert cache_file().read_bytes() == blob


def test_a_damaged_index_falls_back_to_parsing(bank_dir: Path, monkeypatch):
    good = load_bank(builtin_dir=bank_dir, user_dirs=[], use_cache=False)
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    blob = bytearray(cache_file().read_bytes())
    blob[cache._HEADER_LENGTH + 10] ^= 0xFF  # a byte of the index; the length is unchanged
    cache_file().write_bytes(bytes(blob))
    parsed = []
    monkeypatch.setattr(loader, "build_bank", lambda files: parsed.append(1) or build(files))
    assert load_bank(builtin_dir=bank_dir, user_dirs=[]) == good
    assert parsed == [1]


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
    assert cache_files() == []


build = loader.build_bank


def counting_text_reads(monkeypatch) -> list[int]:
    """Record every concept text read from a store (the entry numbers)."""
    reads: list[int] = []
    real = cache.BankStore.concept_text

    def counted(store, number):
        reads.append(number)
        return real(store, number)

    monkeypatch.setattr(cache.BankStore, "concept_text", counted)
    return reads


def test_a_cached_bank_reads_a_concepts_text_only_when_used(bank_dir: Path, monkeypatch):
    load_bank(builtin_dir=bank_dir, user_dirs=[])  # writes the store
    reads = counting_text_reads(monkeypatch)
    bank = load_bank(builtin_dir=bank_dir, user_dirs=[])
    index = [(c.id, c.title, c.layer, c.aliases, c.prerequisites, c.facet_kinds) for c in bank.concepts]
    assert len(index) == 4 and len(bank.card_ids()) == 12 and reads == []
    card = bank.card("flash-attention/trade_off")
    assert reads == [next(i for i, c in enumerate(bank.concepts) if c.id == "flash-attention")]
    assert card.facet.kind.value == "trade_off" and card.facet.prompt and card.facet.key_points
    assert bank.concept("flash-attention").sources
    assert len(reads) == 1  # kept once read


def test_text_read_from_the_cache_equals_the_parse(bank_dir: Path, monkeypatch):
    monkeypatch.setenv("LLMC_CARDS", str(BANKS / "user"))
    parsed = load_bank(builtin_dir=bank_dir, use_cache=False)
    load_bank(builtin_dir=bank_dir)
    forbid_parsing(monkeypatch)
    cached = load_bank(builtin_dir=bank_dir)
    assert [c.builtin for c in cached.concepts] == [c.builtin for c in parsed.concepts]
    assert cached.cards() == parsed.cards()  # every prompt, answer, key point and source
    assert cached == parsed


def test_a_copied_data_dir_reuses_the_cache_with_its_own_paths(bank_dir: Path, tmp_path: Path, monkeypatch):
    """The key holds contents, not paths: a copy (another LLMC_HOME, the cards inside it)
    loads without a parse, and every origin names the copy's files."""
    home = tmp_path / "home"
    shutil.copytree(BANKS / "user", home / "cards")
    monkeypatch.setenv("LLMC_HOME", str(home))
    original = load_bank(builtin_dir=bank_dir)
    copy = Path(shutil.copytree(home, tmp_path / "copy"))
    builtin_copy = Path(shutil.copytree(bank_dir, tmp_path / "bank-copy"))
    monkeypatch.setenv("LLMC_HOME", str(copy))
    forbid_parsing(monkeypatch)
    moved = load_bank(builtin_dir=builtin_copy)
    assert [c.id for c in moved.concepts] == [c.id for c in original.concepts]
    for before, after in zip(original.concepts, moved.concepts):
        folder, base = (builtin_copy, bank_dir) if before.builtin else (copy / "cards", home / "cards")
        assert after.origin.path == folder.resolve() / before.origin.path.relative_to(base.resolve())
        assert after.origin.line == before.origin.line
        assert after.facets == before.facets


def test_a_bank_edited_during_a_command_keeps_the_text_it_loaded(bank_dir: Path):
    """A session's bank reads the store it opened, even after another load re-caches an
    edited bank (and deletes the old store)."""
    card_file = bank_dir / "02-serving.yaml"
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    running = load_bank(builtin_dir=bank_dir, user_dirs=[])  # from the store, no text read yet
    old_store = cache_file()
    edited = card_file.read_text().replace("title: FlashAttention", "title: Flash attention")
    for concept_id in ("speculative-decoding", "flash-attention"):
        block = edited.index(f"id: {concept_id}")
        start = edited.index("prompt:", block)
        edited = edited[:start] + "prompt: Edited. " + edited[start + len("prompt:"):]
    card_file.write_text(edited)
    fresh = load_bank(builtin_dir=bank_dir, user_dirs=[])
    assert not old_store.exists() and cache_file() != old_store
    for concept_id in ("speculative-decoding", "flash-attention"):
        assert not running.concept(concept_id).facets[0].prompt.startswith("Edited.")
        assert fresh.concept(concept_id).facets[0].prompt.startswith("Edited.")
    assert running.concept("flash-attention").title == "FlashAttention"


def test_text_damaged_after_loading_is_parsed_again(bank_dir: Path, monkeypatch):
    good = load_bank(builtin_dir=bank_dir, user_dirs=[], use_cache=False)
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    bank = load_bank(builtin_dir=bank_dir, user_dirs=[])
    blob = bytearray(cache_file().read_bytes())
    blob[-20:] = b"\0" * 20  # inside the last concept's text
    cache_file().write_bytes(bytes(blob))
    assert bank.concepts[-1].facets == good.concepts[-1].facets
    assert bank.concepts[0].facets == good.concepts[0].facets
    assert cache_files() == []  # deleted: the next command writes a good one


def test_text_damaged_after_the_files_changed_is_an_error(bank_dir: Path):
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    bank = load_bank(builtin_dir=bank_dir, user_dirs=[])
    cache_file().write_bytes(cache_file().read_bytes()[:-20] + b"\0" * 20)
    card_file = bank_dir / "02-serving.yaml"
    card_file.write_text(card_file.read_text().replace("title: FlashAttention", "title: Flash attention"))
    with pytest.raises(LlmcError, match="run the command again"):
        _ = bank.concepts[-1].facets


def test_a_new_store_replaces_older_ones(bank_dir: Path):
    paths.cache_dir().mkdir(parents=True)
    (paths.cache_dir() / "cardbank.pickle").write_bytes(b"format 1")
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    first = cache_file()
    card_file = bank_dir / "02-serving.yaml"
    card_file.write_text(card_file.read_text().replace("title: FlashAttention", "title: Flash attention"))
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    assert cache_files() == [cache_file()] and cache_file() != first


def test_use_cache_false_neither_reads_nor_writes(bank_dir: Path):
    load_bank(builtin_dir=bank_dir, user_dirs=[], use_cache=False)
    assert not paths.data_dir().exists()


def test_a_study_session_reads_only_the_text_of_the_cards_it_shows(bank_dir: Path, monkeypatch):
    """Opening a session (bank sync, selection, queue), the dashboard and `llmc list` work
    from the bank's index; a card's text is read when the card is shown."""
    from datetime import datetime, timezone

    from llmconcepts.progress.reports import list_report
    from llmconcepts.scheduling.session import SessionOptions, dashboard, open_session

    now = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
    load_bank(builtin_dir=bank_dir, user_dirs=[])
    reads = counting_text_reads(monkeypatch)
    bank = load_bank(builtin_dir=bank_dir, user_dirs=[])
    assert dashboard(now, bank=bank).new_available_today > 0
    assert len(list_report(now, bank=bank).layers) == 2
    with open_session(SessionOptions(), now, bank=bank) as session:
        shown = session.next_card(now)
        assert reads == []
        prompt = bank.card(shown.card_id).facet.prompt
        session.rate(shown.card_id, 3, now)
        session.next_card(now)
    assert prompt and len(reads) == 1


def test_an_unreadable_file_and_a_missing_folder_are_reported_together(bank_dir: Path, tmp_path, monkeypatch):
    load_bank(builtin_dir=bank_dir, user_dirs=[])  # a cache exists; it must not hide the problems
    unreadable = (bank_dir / "02-serving.yaml").resolve()
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path == unreadable:
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(CardBankError) as caught:
        load_bank(builtin_dir=bank_dir, user_dirs=[tmp_path / "nowhere"])
    assert caught.value.problems == [
        f"{tmp_path / 'nowhere'}: your cards folder does not exist (check LLMC_CARDS)",
        f"{unreadable}: cannot read this file: Permission denied",
    ]
    with pytest.raises(CardBankError, match="02-serving.yaml: cannot read this file"):
        load_bank(builtin_dir=bank_dir, user_dirs=[])
