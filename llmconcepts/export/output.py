"""Where an export goes, and writing it so that no partial file is ever left behind.

The file is written to a temporary file in the target's own folder (so the final
rename never crosses file systems), flushed to disk, then renamed over the target
with :func:`os.replace`, which is atomic: the target is either absent, the old
file, or the complete new one. On any failure the temporary file is removed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import BinaryIO

from llmconcepts.errors import ExportError

STDOUT = Path("-")


def default_name(learner_day: date, extension: str) -> str:
    """``llmc-YYYY-MM-DD.<extension>``, dated with the learner's day."""
    return f"llmc-{learner_day.isoformat()}.{extension}"


def resolve_target(output: Path | None, learner_day: date, extension: str, cwd: Path) -> Path:
    """The file to write: ``output`` (relative to ``cwd``), the default name inside it
    when it is a folder, or the default name in ``cwd``. ``-`` stays ``-`` (stdout)."""
    if output == STDOUT:
        return STDOUT
    name = default_name(learner_day, extension)
    if output is None:
        return cwd / name
    target = output.expanduser()
    if not target.is_absolute():
        target = cwd / target
    return target / name if target.is_dir() else target


def check_target(target: Path, *, force: bool) -> None:
    """Refuse, before any work, a target that cannot or must not be written.

    Raises:
        ExportError: the file exists (without ``force``), is a folder, or its folder
            is missing or not a folder.
    """
    if target == STDOUT:
        return
    folder = target.parent
    if not folder.exists():
        raise ExportError(f"cannot write {target}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ExportError(f"cannot write {target}: {folder} is not a folder")
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a folder")
    if target.exists() and not force:
        raise ExportError(f"{target} already exists; use --force to replace it, or -o to choose another file")


@contextmanager
def atomic_output(target: Path, *, force: bool) -> Iterator[BinaryIO]:
    """A binary stream whose content becomes ``target`` only if the block succeeds.

    ``-`` yields standard output (written as it goes).

    Raises:
        ExportError: the folder is not writable, the disk is full, or the target
            appeared meanwhile (without ``force``); nothing is left behind.
    """
    if target == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists() and not force:
            raise ExportError(f"{target} appeared while exporting; use --force to replace it")
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
