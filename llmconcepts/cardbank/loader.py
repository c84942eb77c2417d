"""Load and validate the card bank: the built-in cards plus the learner's own.

:func:`load_bank` is what commands call: it reads the built-in bank
(:func:`llmconcepts.paths.builtin_cards_dir`) and every folder of
:func:`llmconcepts.paths.user_cards_dirs`, validates them together and returns a
:class:`~llmconcepts.cardbank.model.CardBank` in curriculum order. A validated bank
is cached (see :mod:`llmconcepts.cardbank.cache`), so a command that only needs
the bank pays for reading and hashing the files, not for YAML and pydantic, and
holds only the bank's index in memory: a concept's text (prompts, answers, key
points, sources) is read from the cache file when it is first used.
:func:`check_paths` validates chosen files for ``llmc cards validate PATH...``.

Every problem found, in every file, is collected and raised at once as a
:class:`~llmconcepts.errors.CardBankError` whose ``problems`` read
``file:line: field: message``. Per file: the checks of
:mod:`~llmconcepts.cardbank.yamlread` (UTF-8, tabs, syntax, duplicate keys) and of
:mod:`~llmconcepts.cardbank.schema` (fields, empty values, kebab-case ids, 3-5 key
points). Across files:

- files naming the same layer agree on its title and order; two different layers
  of the same bank (built-in or yours) do not share an order;
- a concept id is defined once, across every bank (the message names both places);
- two concepts do not answer to the same name (id, title or alias, compared
  ignoring case and punctuation), which would make lookups ambiguous;
- every prerequisite names a concept of some bank, and prerequisites form no cycle.

Curriculum order: layers by ``order`` (a built-in layer before one of yours with
the same order), then within a layer the files in load order (the built-in bank,
then each user folder, each folder's files sorted by relative path), then the
concepts in file order.

Importing this module is cheap: PyYAML, pydantic and rapidfuzz are imported only
when a bank has to be parsed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from llmconcepts import paths
from llmconcepts.cardbank.cache import cache_key, read_cached_bank, write_cached_bank
from llmconcepts.cardbank.model import CardBank
from llmconcepts.errors import CardBankError, LlmcError

CARD_SUFFIXES = (".yaml", ".yml")


class BankFile:
    """One card file to load: its resolved path, its bytes, and which bank it is in.

    A plain class rather than a dataclass: this module is on the start-up path of
    every command that needs the bank, and a dataclass costs about a millisecond to
    define.
    """

    __slots__ = ("builtin", "content", "path")

    def __init__(self, path: Path, content: bytes, builtin: bool) -> None:
        self.path = path
        self.content = content
        self.builtin = builtin


def load_bank(
    *,
    builtin_dir: Path | None = None,
    user_dirs: Sequence[Path] | None = None,
    use_cache: bool = True,
) -> CardBank:
    """The built-in bank and the learner's own cards, validated, in curriculum order.

    Args:
        builtin_dir: folder of the built-in bank (default :func:`paths.builtin_cards_dir`).
        user_dirs: folders (or single files) of the learner's cards; default
            :func:`paths.user_cards_dirs`. ``[]`` loads the built-in bank alone. The default
            ``<data dir>/cards`` may be absent; a folder named by ``LLMC_CARDS`` must exist.
        use_cache: reuse and refresh the parse cache in :func:`paths.cache_dir`.

    Returns:
        The bank; built-in concepts have ``builtin=True``, the learner's ``builtin=False``.

    Raises:
        CardBankError: any problem in any file (all of them, ``file:line: field: message``).
        LlmcError: the built-in bank is missing.
    """
    sources, problems = bank_sources(builtin_dir, user_dirs)
    signature = source_signature(sources)  # before reading: a file changed meanwhile reads as changed
    bank = _load(sources, problems, use_cache)
    object.__setattr__(bank, "signature", signature)
    return bank


def _load(sources: Sequence[tuple[Path, bool]], problems: list[str], use_cache: bool) -> CardBank:
    if problems or not use_cache:
        return build_bank(read_files(sources, problems))
    cache_dir = paths.cache_dir()
    file_paths = [path for path, _builtin in sources]
    key = _current_key(sources)

    def recover() -> CardBank:
        return _parse_again(sources, key)

    bank = read_cached_bank(cache_dir, key, file_paths, recover) if key is not None else None
    if bank is None:
        files = read_files(sources)
        key = cache_key((f.builtin, f.content) for f in files)  # of what is parsed (a file may have changed)
        bank = build_bank(files)
        del files  # the contents are no longer needed
        if write_cached_bank(cache_dir, key, bank, file_paths):
            # Hold the index only, as a cache hit does: the parsed text is let go.
            bank = read_cached_bank(cache_dir, key, file_paths, recover) or bank
    return bank


def source_signature(sources: Sequence[tuple[Path, bool]]) -> str | None:
    """A digest of which card files there are and their size and modification time
    (``os.stat``; no file is read), or None when one cannot be examined.

    It changes whenever a file is added, removed, renamed or written, so a command that
    reads the database without loading the bank (``llmc due``, ``llmc stats``) can
    tell cheaply whether the cards table was synced with the files as they are now
    (``llmconcepts.scheduling.bank_sync``). llmc's version is part of it: another
    version may derive the cards differently.
    """
    from hashlib import blake2b

    from llmconcepts import __version__

    digest = blake2b(__version__.encode(), digest_size=16)
    for path, builtin in sources:
        try:
            stat = path.stat()
        except OSError:
            return None
        digest.update(f"\0{int(builtin)}\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def current_signature(builtin_dir: Path | None = None, user_dirs: Sequence[Path] | None = None) -> str | None:
    """:func:`source_signature` of the bank :func:`load_bank` would load now (None when
    a folder is missing: loading it would fail)."""
    sources, problems = bank_sources(builtin_dir, user_dirs)
    return None if problems else source_signature(sources)


def _current_key(sources: Sequence[tuple[Path, bool]]) -> bytes | None:
    """The cache key of the bank files as they are now, read and hashed one at a time (so
    a cache hit never holds a large bank's YAML whole); None when one cannot be read."""
    try:
        return cache_key((builtin, path.read_bytes()) for path, builtin in sources)
    except OSError:
        return None  # the parse reports it, with any other problem


def _parse_again(sources: Sequence[tuple[Path, bool]], key: bytes) -> CardBank:
    """The bank parsed anew from the same files, for text the cache lost after loading.

    Raises:
        LlmcError: the files changed since the bank was loaded (their text would not match).
        CardBankError: a file can no longer be read.
    """
    files = read_files(sources)
    if cache_key((f.builtin, f.content) for f in files) != key:
        raise LlmcError(
            "the card bank's cache file was damaged, and your card files have changed since this "
            "command started, so it cannot show the text it loaded; run the command again"
        )
    return build_bank(files)


def check_paths(targets: Sequence[Path], *, with_builtin: bool = True) -> CardBank:
    """Validate the card files in ``targets`` (files or folders) and return them as a bank.

    With ``with_builtin`` (the default, what ``llmc cards validate PATH`` does) the
    built-in bank is loaded alongside as context, so the files may list built-in
    concepts as prerequisites, and an id that clashes with a built-in concept is
    reported. Built-in files among ``targets`` are checked as built-in files (not
    twice). The learner's own folders are *not* loaded: the check covers exactly the
    files named. No cache is read or written.

    Returns:
        A bank of the layers and concepts defined in ``targets`` only (their
        prerequisites may name concepts outside it).

    Raises:
        CardBankError: every problem at once: each target that does not exist or holds
            no card file, each file that cannot be read, and every problem in the files
            that can (and in the built-in bank).
    """
    builtin_dir = paths.builtin_cards_dir().resolve()
    problems: list[str] = []
    chosen: list[Path] = []
    for target in targets:
        if target.is_dir():
            found = card_files(target)
            if not found:
                problems.append(f"{target}: no .yaml card files in this folder")
            chosen.extend(found)
        elif target.is_file():
            chosen.append(target.resolve())
        else:
            problems.append(f"{target}: no such file or folder")
    chosen_set = set(chosen)
    context = [p for p in card_files(builtin_dir) if p not in chosen_set] if with_builtin else []
    sources = [(p, True) for p in context] + [(p, p.is_relative_to(builtin_dir)) for p in dict.fromkeys(chosen)]
    files = _read_each(sources, problems)
    try:
        bank = build_bank(files)
    except CardBankError as exc:
        raise CardBankError(problems + exc.problems) from None
    if problems:
        raise CardBankError(problems)
    concepts = tuple(c for c in bank.concepts if c.origin.path in chosen_set)
    layer_ids = {c.layer for c in concepts}
    return CardBank(layers=tuple(x for x in bank.layers if x.id in layer_ids), concepts=concepts)


def card_files(folder: Path) -> list[Path]:
    """The ``.yaml``/``.yml`` files below ``folder`` (resolved), sorted by relative path;
    hidden files and folders (editor backups, ``.git``) are skipped."""
    folder = folder.resolve()
    found = [
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in CARD_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def gather_files(builtin_dir: Path | None, user_dirs: Sequence[Path] | None) -> list[BankFile]:
    """Read every bank file in load order: built-in first, then each user folder.

    Raises:
        CardBankError: a folder named by ``LLMC_CARDS`` (or passed in ``user_dirs``) does
            not exist, or a file cannot be read (every such problem).
    """
    return read_files(*bank_sources(builtin_dir, user_dirs))


def bank_sources(
    builtin_dir: Path | None, user_dirs: Sequence[Path] | None
) -> tuple[list[tuple[Path, bool]], list[str]]:
    """``(path, builtin)`` of every bank file in load order, and the problems with the
    folders (a folder named by ``LLMC_CARDS`` or in ``user_dirs`` that does not exist)."""
    builtin = card_files(builtin_dir or paths.builtin_cards_dir())
    if user_dirs is None:
        user_dirs = paths.user_cards_dirs()
        optional = not os.environ.get("LLMC_CARDS")  # the default <data dir>/cards may be absent
    else:
        optional = False
    problems: list[str] = []
    user: list[Path] = []
    for folder in user_dirs:
        if folder.is_dir():
            user += card_files(folder)
        elif folder.is_file():
            user.append(folder.resolve())
        elif not optional:
            problems.append(f"{folder}: your cards folder does not exist (check LLMC_CARDS)")
    seen = set(builtin)
    user = [p for p in dict.fromkeys(user) if p not in seen]  # a folder named twice counts once
    return [(p, True) for p in builtin] + [(p, False) for p in user], problems


def read_files(sources: Sequence[tuple[Path, bool]], problems: Sequence[str] = ()) -> list[BankFile]:
    """The files of ``sources`` read whole (see :func:`bank_sources`).

    Raises:
        CardBankError: ``problems`` and every file that cannot be read.
    """
    problems = list(problems)
    files = _read_each(sources, problems)
    if problems:
        raise CardBankError(problems)
    return files


def _read_each(sources: Sequence[tuple[Path, bool]], problems: list[str]) -> list[BankFile]:
    """The files of ``sources`` that can be read; a line added to ``problems`` for each other."""
    files: list[BankFile] = []
    for path, is_builtin in sources:
        try:
            files.append(_read(path, is_builtin))
        except CardBankError as exc:
            problems += exc.problems
    return files


def _read(path: Path, builtin: bool) -> BankFile:
    try:
        return BankFile(path, path.read_bytes(), builtin)
    except OSError as exc:
        raise CardBankError([f"{path}: cannot read this file: {exc.strerror or exc}"]) from exc


def build_bank(files: Sequence[BankFile]) -> CardBank:
    """Parse and validate ``files`` together (no cache); see :func:`llmconcepts.cardbank.build.build_bank`."""
    from llmconcepts.cardbank.build import build_bank as build

    return build(files)
