"""A disposable on-disk cache of the parsed card bank.

Parsing the bank (YAML + pydantic) costs more than everything else ``llmc explain``
does, so :func:`llmconcepts.cardbank.loader.load_bank` keeps the validated
:class:`~llmconcepts.cardbank.model.CardBank` as a pickle in
``<data dir>/cache/cardbank.pickle`` and reuses it while nothing that shaped it has
changed.

The key is a BLAKE2b digest of: a format version, the Python version, the source
of the cardbank modules that build the bank, and, for every bank file, whether it
is built-in, its resolved path and its **content**. Content rather than
path+size+mtime because hashing the whole bank (a few hundred KB) takes well under
a millisecond, while mtimes are unreliable: an edit that keeps the size within the
filesystem's timestamp granularity would be missed, and a fresh checkout or copy
changes every mtime and would throw away a good cache.

Only this module touches the cache file. Any failure (missing, truncated, corrupt,
written by another version, unreadable, an unwritable data directory) makes the
caller parse the bank as if there were no cache; it is never an error. The pickle
is read only from the learner's own data directory, which llmc trusts like its
review database.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterable
from pathlib import Path

from llmconcepts.cardbank.model import CardBank

try:  # the C module behind hashlib.blake2b: importing hashlib also loads OpenSSL, which
    from _blake2 import blake2b  # costs more than the whole cache hit
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

CACHE_FILE = "cardbank.pickle"
#: Bump when the meaning of the cached data changes in a way the source hash misses.
FORMAT_VERSION = b"llmc-cardbank-1"
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
_HEADER_LENGTH = len(FORMAT_VERSION) + 1 + 32  # version, newline, digest


def cache_key(files: Iterable[tuple[bool, Path, bytes]]) -> bytes:
    """32-byte digest identifying a bank built from ``files``.

    Args:
        files: ``(builtin, resolved path, content)`` of every bank file, in load order.
    """
    digest = blake2b(FORMAT_VERSION, digest_size=32)
    digest.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    package_dir = Path(__file__).parent
    for name in _SHAPING_MODULES:
        digest.update(_framed(name.encode()))
        try:
            digest.update(_framed((package_dir / name).read_bytes()))
        except OSError:  # installed without sources: the package version stands in
            from llmconcepts import __version__

            digest.update(_framed(__version__.encode()))
    for builtin, path, content in files:
        digest.update(b"B" if builtin else b"U")
        digest.update(_framed(os.fsencode(path)))
        digest.update(_framed(content))
    return digest.digest()


def _framed(data: bytes) -> bytes:
    """Length-prefix a part so that two different file lists never hash the same bytes."""
    return len(data).to_bytes(8, "little") + data


def read_cached_bank(cache_path: Path, key: bytes) -> CardBank | None:
    """The bank stored under ``key``, or None (no cache, other key, or unreadable)."""
    try:
        with cache_path.open("rb") as cached:
            if cached.read(_HEADER_LENGTH) != _header(key):
                return None
            # Straight from the file: a bytes copy of a large bank would add its size to the peak.
            bank = pickle.load(cached)
    except Exception:  # noqa: BLE001 - a damaged pickle can raise almost anything; parse instead
        return None
    return bank if isinstance(bank, CardBank) else None


def write_cached_bank(cache_path: Path, key: bytes, bank: CardBank) -> None:
    """Store ``bank`` under ``key``, atomically; silently does nothing if it cannot."""
    import tempfile  # only writers pay for it

    try:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=".cardbank-", dir=cache_path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_header(key))
                pickle.dump(bank, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp_name, cache_path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError):
        return  # a read-only or full data directory only costs the next run a parse


def _header(key: bytes) -> bytes:
    return FORMAT_VERSION + b"\n" + key
