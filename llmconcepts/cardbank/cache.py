"""A disposable on-disk cache of the parsed card bank, whose text is read on demand.

Parsing the bank (YAML + pydantic) costs more than everything else ``llmc explain``
does, and holding a large bank's text in memory costs more than everything else a
study session holds (a 100,000-card bank is about 180 MB as Python objects). So
:func:`llmconcepts.cardbank.loader.load_bank` keeps the validated bank in a *store*
file, ``<data dir>/cache/cardbank-<key>.store``, in two parts:

- the **index**: the layers and, per concept, everything but its text (id, title,
  layer, aliases, prerequisites, facet kinds, file and line, built-in flag), read
  whole when the bank loads;
- the **text**: one blob per concept (its sources, and each facet's prompt, answer
  and key points), found through an offset table in the index and read the first
  time the concept's ``facets`` or ``sources`` are used
  (:meth:`~llmconcepts.cardbank.model.Concept.indexed`).

Layout::

    header  FORMAT_VERSION, b"\\n", key (32 bytes), index length and text length (8 bytes
            each, little-endian), BLAKE2b-256 digest of the index
    index   marshal of (number of bank files, layers, concept rows, offset table: unsigned
            64-bit integers in the machine's byte order, which the key includes)
    text    per concept: BLAKE2b-128 digest of the rest, marshal of (sources, facets)

The key is a BLAKE2b digest of: a format version, the Python version and byte
order (marshal's format and the offset table depend on them), the source of the
cardbank modules that build the bank, and, for every bank file in load order,
whether it is built-in and its **content**. Content rather than size+mtime because
hashing the whole bank takes well under a millisecond for the built-in bank, while
an edit that keeps the size within the file system's timestamp granularity would
fool an mtime, and a fresh copy changes every mtime. File *paths* are not in the
key: the index records each concept's file by its number in load order, and the
loader supplies the current paths, so a copied data directory or a moved cards
folder with the same content reuses the cache and still reports the right
``file:line``. (The relative paths still count through the load order, which they
decide.)

Safety:

- A store is written once, to a temporary file renamed into place, under a name
  made of its key, and never changed afterwards; a newer bank gets a new file and
  the older ones are deleted. A process keeps the file it opened, so a bank edited
  (and re-cached by another process) while a session runs cannot give that session
  another version's text: on POSIX the deleted file stays readable through the open
  handle; where it cannot be deleted while open, it is deleted by a later write.
- Any failure to open a store (missing, truncated, corrupt, another version,
  unreadable, an unwritable data directory) makes the caller parse the bank as if
  there were no cache; it is never an error. A text blob whose digest does not match
  (damage found after loading) is recovered by parsing the bank files again; see
  :class:`BankStore`.
- The format is ``marshal`` of built-in types only (tuples, strings, integers),
  read only from the learner's own data directory.

Only this module reads or writes the store.
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from llmconcepts.cardbank.model import (
    CardBank,
    Concept,
    Facet,
    FacetKind,
    KeyPoint,
    Layer,
    SourceLocation,
)

try:  # the C module behind hashlib.blake2b: importing hashlib also loads OpenSSL, which
    from _blake2 import blake2b  # costs more than the whole cache hit
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

STORE_PREFIX = "cardbank"
STORE_SUFFIX = ".store"
#: Bump when the meaning of the cached data changes in a way the source hash misses.
FORMAT_VERSION = b"llmc-cardbank-2"
#: The modules whose code decides what a bank file turns into.
_SHAPING_MODULES = (
    "model.py",
    "loader.py",
    "build.py",
    "problems.py",
    "yamlread.py",
    "schema.py",
    "cache.py",
)
_KEY_LENGTH = 32
_MAGIC = FORMAT_VERSION + b"\n"
_HEADER_LENGTH = len(_MAGIC) + _KEY_LENGTH + 8 + 8 + 32
_BLOB_DIGEST = 16


def cache_key(files: Iterable[tuple[bool, bytes]]) -> bytes:
    """32-byte digest identifying a bank built from ``files``.

    Args:
        files: ``(builtin, content)`` of every bank file, in load order.
    """
    digest = blake2b(FORMAT_VERSION, digest_size=_KEY_LENGTH)
    digest.update(f"{sys.version_info[0]}.{sys.version_info[1]} {sys.byteorder}".encode())
    package_dir = Path(__file__).parent
    for name in _SHAPING_MODULES:
        digest.update(_framed(name.encode()))
        try:
            digest.update(_framed((package_dir / name).read_bytes()))
        except OSError:  # installed without sources: the package version stands in
            from llmconcepts import __version__

            digest.update(_framed(__version__.encode()))
    for builtin, content in files:
        digest.update(b"B" if builtin else b"U")
        digest.update(_framed(content))
    return digest.digest()


def _framed(data: bytes) -> bytes:
    """Length-prefix a part so that two different file lists never hash the same bytes."""
    return len(data).to_bytes(8, "little") + data


def store_path(cache_dir: Path, key: bytes) -> Path:
    """The store file of the bank with that key."""
    return cache_dir / f"{STORE_PREFIX}-{key.hex()}{STORE_SUFFIX}"


class BankStore:
    """The open store a bank was loaded from: hands out one concept's text at a time.

    Keeps the file handle it was opened with for as long as one of its concepts has not
    read its text, so it always reads the version the bank's index came from.

    A blob that fails its digest (the file was damaged after the index was read) is
    recovered with ``recover``, which parses the bank files again and returns that
    bank; the store's concepts are in the same order, so entry ``number`` is
    ``recovered.concepts[number]``. The damaged file is deleted (unless another process
    has replaced it already) so the next command writes a good one.
    """

    __slots__ = ("_file", "_offsets", "_recover", "_recovered", "_text_start", "path")

    def __init__(self, path: Path, file, text_start: int, offsets: memoryview,
                 recover: Callable[[], CardBank]) -> None:
        self.path = path
        self._file = file
        self._text_start = text_start
        self._offsets = offsets
        self._recover = recover
        self._recovered: CardBank | None = None

    def concept_text(self, number: int) -> tuple[tuple[str, ...], tuple[Facet, ...]]:
        """``(sources, facets)`` of entry ``number``.

        Raises:
            LlmcError: the entry is damaged and the bank files changed since they were
                read, so the text cannot be recovered (from ``recover``).
        """
        if self._recovered is None:
            start, end = self._offsets[number], self._offsets[number + 1]
            try:
                self._file.seek(self._text_start + start)
                blob = self._file.read(end - start)
                if blob[:_BLOB_DIGEST] == blake2b(blob[_BLOB_DIGEST:], digest_size=_BLOB_DIGEST).digest():
                    return _decode_text(marshal.loads(blob[_BLOB_DIGEST:]))
            except (OSError, ValueError, EOFError, TypeError):
                pass
            self._recovered = self._recover()
            self._delete_if_still_mine()
        concept = self._recovered.concepts[number]
        return concept.sources, concept.facets

    def _delete_if_still_mine(self) -> None:
        """Delete the damaged file, unless another process has already replaced it."""
        try:
            mine, there = os.fstat(self._file.fileno()), os.stat(self.path)
            if (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino):
                self.path.unlink()
        except OSError:
            pass

    def __del__(self) -> None:
        self._file.close()


def read_cached_bank(
    cache_dir: Path, key: bytes, paths: Sequence[Path], recover: Callable[[], CardBank]
) -> CardBank | None:
    """The bank stored under ``key`` with its text left in the file, or None (no store,
    or one that is damaged or does not match).

    Args:
        cache_dir: folder of the store files.
        key: :func:`cache_key` of the bank files.
        paths: the bank files' paths, in load order (the concepts' origins).
        recover: parses the bank files again (see :class:`BankStore`).
    """
    path = store_path(cache_dir, key)
    try:
        file = open(path, "rb", buffering=0)  # noqa: SIM115 - kept open by the store
    except OSError:
        return None
    try:
        header = file.read(_HEADER_LENGTH)
        if len(header) != _HEADER_LENGTH or header[: len(_MAGIC) + _KEY_LENGTH] != _MAGIC + key:
            raise ValueError("another version or key")
        lengths = header[len(_MAGIC) + _KEY_LENGTH :]
        index_length = int.from_bytes(lengths[:8], "little")
        text_length = int.from_bytes(lengths[8:16], "little")
        if os.fstat(file.fileno()).st_size != _HEADER_LENGTH + index_length + text_length:
            raise ValueError("truncated or extended")
        index = file.read(index_length)
        if blake2b(index, digest_size=32).digest() != lengths[16:]:
            raise ValueError("damaged index")
        file_count, layers, rows, offsets = marshal.loads(index)
        del index
        offsets = memoryview(offsets).cast("Q")
        if file_count != len(paths) or len(offsets) != len(rows) + 1 or offsets[-1] != text_length:
            raise ValueError("does not match the bank files")
        store = BankStore(path, file, _HEADER_LENGTH + index_length, offsets, recover)
        return _indexed_bank(store, layers, rows, paths)
    except Exception:  # noqa: BLE001 - a damaged file can raise almost anything; parse instead
        file.close()
        return None


def _indexed_bank(store: BankStore, layers: tuple, rows: list, paths: Sequence[Path]) -> CardBank:
    layers = tuple(Layer(layer_id, title, order) for layer_id, title, order in layers)
    layer_ids = [layer.id for layer in layers]
    shared_kinds: dict[tuple[str, ...], tuple[FacetKind, ...]] = {}  # one tuple per combination
    indexed = Concept.indexed
    concepts = []
    for number, row in enumerate(rows):
        concept_id, title, layer, aliases, prerequisites, facet_kinds, file_number, line, builtin = row
        kinds = shared_kinds.get(facet_kinds)
        if kinds is None:
            kinds = shared_kinds[facet_kinds] = tuple(map(FacetKind, facet_kinds))
        concepts.append(indexed(concept_id, title, layer_ids[layer], aliases, prerequisites, kinds,
                                SourceLocation(paths[file_number], line), builtin, store, number))
    return CardBank(layers=layers, concepts=tuple(concepts))


def _decode_text(text: tuple) -> tuple[tuple[str, ...], tuple[Facet, ...]]:
    sources, facets = text
    return sources, tuple(
        Facet(FacetKind(kind), prompt, answer, tuple(KeyPoint(point, cues) for point, cues in key_points))
        for kind, prompt, answer, key_points in facets
    )


def _encode_text(concept: Concept) -> bytes:
    facets = tuple(
        (facet.kind.value, facet.prompt, facet.answer, tuple((p.text, p.cues) for p in facet.key_points))
        for facet in concept.facets
    )
    text = marshal.dumps((concept.sources, facets))
    return blake2b(text, digest_size=_BLOB_DIGEST).digest() + text


def write_cached_bank(cache_dir: Path, key: bytes, bank: CardBank, paths: Sequence[Path]) -> bool:
    """Store ``bank`` under ``key`` in a new file (atomically) and delete older stores.

    Args:
        paths: the bank files' paths in load order; every concept's origin is one of them.

    Returns:
        True when stored; False when it could not be (an unwritable data directory, or a
        value marshal cannot write), which only costs the next command a parse.
    """
    import tempfile  # only writers pay for it

    file_numbers = {path: number for number, path in enumerate(paths)}
    layer_numbers = {layer.id: number for number, layer in enumerate(bank.layers)}
    blobs: list[bytes] = []
    offsets = [0]
    rows = []
    try:
        for concept in bank.concepts:
            rows.append((concept.id, concept.title, layer_numbers[concept.layer], concept.aliases,
                         concept.prerequisites, tuple(kind.value for kind in concept.facet_kinds),
                         file_numbers[concept.origin.path], concept.origin.line, concept.builtin))
            blobs.append(_encode_text(concept))
            offsets.append(offsets[-1] + len(blobs[-1]))
        table = memoryview(bytearray(8 * len(offsets))).cast("Q")
        for position, offset in enumerate(offsets):
            table[position] = offset
        layers = tuple((layer.id, layer.title, layer.order) for layer in bank.layers)
        index = marshal.dumps((len(paths), layers, rows, table.tobytes()))
    except (KeyError, ValueError):  # a concept outside the files or layers; a value marshal refuses
        return False
    header = (_MAGIC + key + len(index).to_bytes(8, "little") + offsets[-1].to_bytes(8, "little")
              + blake2b(index, digest_size=32).digest())
    target = store_path(cache_dir, key)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{STORE_PREFIX}-", dir=cache_dir)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header)
                out.write(index)
                out.writelines(blobs)
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    _delete_older_stores(cache_dir, target)
    return True


def _delete_older_stores(cache_dir: Path, keep: Path) -> None:
    """Delete every other store (and the pickle of format 1). A process that has one
    open keeps reading it; where an open file cannot be deleted, a later write does it."""
    for old in cache_dir.glob(f"{STORE_PREFIX}*"):
        if old != keep:
            try:
                old.unlink()
            except OSError:
                pass
