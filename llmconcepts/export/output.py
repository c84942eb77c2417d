"""Where an export goes, and writing it so that no partial file is ever left behind.

The file is written to a temporary file in the target's own folder (so the final
rename never crosses file systems), flushed to disk, then renamed over the target
with :func:`os.replace`, which is atomic: the target is either absent, the old
file, or the complete new one. On any failure the temporary file is removed.

A symbolic link is written through: the file it points to is replaced (in that
file's folder) and the link is kept. Only regular files are ever replaced: a named
pipe, a device or a socket at the output path is refused, so ``-o /dev/null --force``
never swaps a device node for a file (``-o -`` is standard output).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from llmconcepts.errors import ExportError

STDOUT = Path("-")

#: ``stat`` file-type tests -> what the learner is told the path is.
SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True)
class Target:
    """Where an export goes.

    Attributes:
        path: the path as the learner named it (made absolute), shown in the summary;
            ``Path("-")`` for standard output.
        real: the file actually replaced: ``path`` with every symbolic link resolved.
    """

    path: Path
    real: Path

    @property
    def is_stdout(self) -> bool:
        return self.path == STDOUT


def default_name(learner_day: date, extension: str) -> str:
    """``llmc-YYYY-MM-DD.<extension>``, dated with the learner's day."""
    return f"llmc-{learner_day.isoformat()}.{extension}"


def resolve_target(output: str | Path | None, learner_day: date, extension: str, cwd: Path) -> Target:
    """The file to write: ``output`` (relative to ``cwd``), the default name inside it
    when it is a folder, or the default name in ``cwd``. ``-`` is standard output.

    A name ending in a slash always means a folder, which must exist.

    Raises:
        ExportError: ``output`` is empty, names a missing folder (trailing slash) or
            something that is not a folder, or its symbolic links form a loop.
    """
    if output is not None and str(output) == "-":
        return Target(STDOUT, STDOUT)
    name = default_name(learner_day, extension)
    if output is None:
        path = cwd / name
    else:
        text = str(output)
        if not text:
            raise ExportError("the output name is empty; give a file or a folder with -o")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = cwd / path
        if text.endswith(tuple(filter(None, (os.sep, os.altsep)))):
            if not path.exists():
                raise ExportError(f"cannot write into {text}: the folder {path} does not exist")
            if not path.is_dir():
                raise ExportError(f"cannot write into {text}: {path} is not a folder")
        if path.is_dir():
            path = path / name
    return Target(path, _real_path(path))


def _real_path(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: Python 3.11's "symlink loop"
        raise ExportError(f"cannot write {path}: its symbolic links form a loop") from exc


def check_target(target: Target, *, force: bool, stdout_ok: bool = False) -> None:
    """Refuse, before any work, a target that cannot or must not be written.

    Args:
        target: from :func:`resolve_target`.
        force: an existing regular file may be replaced.
        stdout_ok: the format can go to standard output (the message for a device
            then points to ``-o -``).

    Raises:
        ExportError: the file exists (without ``force``), is a folder or a special
            file (FIFO, device, socket), or its folder is missing or not a folder.
    """
    if target.is_stdout:
        return
    folder = target.real.parent
    if not folder.exists():
        raise ExportError(f"cannot write {target.path}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ExportError(f"cannot write {target.path}: {folder} is not a folder")
    if target.real.is_dir():
        raise ExportError(f"cannot write {target.path}: it is a folder")
    _refuse_special_file(target, stdout_ok=stdout_ok)
    if target.real.exists() and not force:
        raise ExportError(f"{target.path} already exists; use --force to replace it, "
                          "or -o to choose another file")


def _refuse_special_file(target: Target, *, stdout_ok: bool) -> os.stat_result | None:
    """The target's status when it exists (None otherwise); raises for anything but a
    regular file."""
    try:
        status = os.stat(target.real)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ExportError(f"cannot write {target.path}: {exc.strerror or exc}") from exc
    for is_kind, kind in SPECIAL_FILES:
        if is_kind(status.st_mode):
            hint = "; -o - writes to standard output" if stdout_ok else ""
            shown = str(target.path) if target.path == target.real else f"{target.path} ({target.real})"
            raise ExportError(f"cannot write {shown}: it is {kind}, not a regular file{hint}")
    return status


@contextmanager
def atomic_output(target: Target, *, force: bool) -> Iterator[BinaryIO]:
    """A binary stream whose content becomes ``target.real`` only if the block succeeds.

    Standard output is written as it goes. A replaced file keeps its permissions; a
    new one gets the usual mode (0666 less the umask).

    Raises:
        ExportError: the folder is not writable, the disk is full, or the target
            appeared (without ``force``) or became a special file meanwhile; nothing
            is left behind.
    """
    if target.is_stdout:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    real = target.real
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=real.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {target.path}: {exc.strerror or exc}") from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        existing = _refuse_special_file(target, stdout_ok=False)
        if existing is not None and not force:
            raise ExportError(f"{target.path} appeared while exporting; use --force to replace it")
        mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask()
        os.chmod(temp, mode)  # mkstemp makes 0600
        os.replace(temp, real)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {target.path}: {exc.strerror or exc}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
