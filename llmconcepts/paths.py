"""Where llmc keeps what the learner owns.

Everything lives under one data directory: ``$LLMC_HOME`` when set, otherwise
the platform's user data directory for ``llmc`` (``~/.local/share/llmc`` on
Linux, via platformdirs). Functions here only compute paths; nothing is created
until a command needs to write (:func:`ensure_data_dir`).
"""

from __future__ import annotations

import os
from pathlib import Path

from llmconcepts.errors import LlmcError

APP_NAME = "llmc"
DATABASE_FILE = "llmc.db"
CONFIG_FILE = "config.toml"
USER_CARDS_DIR = "cards"
CACHE_DIR = "cache"


def data_dir() -> Path:
    """The data directory (not created). ``LLMC_HOME`` wins over the platform default."""
    home = os.environ.get("LLMC_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir  # light import, only when LLMC_HOME is unset

    return Path(user_data_dir(APP_NAME, appauthor=False))


def ensure_data_dir() -> Path:
    """Create the data directory if needed and return it.

    Raises:
        LlmcError: the directory cannot be created (read-only parent, a file in the way).
    """
    path = data_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LlmcError(f"cannot create the data directory {path}: {exc.strerror or exc}") from exc
    if not path.is_dir():
        raise LlmcError(f"the data directory {path} is not a directory")
    return path


def database_url() -> str:
    """SQLAlchemy URL of the review database: ``$LLMC_DATABASE_URL`` or SQLite in the data dir."""
    url = os.environ.get("LLMC_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / DATABASE_FILE}"


def config_path() -> Path:
    """The settings file (TOML) in the data directory."""
    return data_dir() / CONFIG_FILE


def user_cards_dirs() -> list[Path]:
    """Folders of the learner's own cards: ``$LLMC_CARDS`` (os.pathsep-separated) or
    ``<data dir>/cards``. A missing default folder just means "no cards of your own";
    a folder named in ``$LLMC_CARDS`` that does not exist is an error (a typo must not
    silently drop the learner's cards)."""
    env = os.environ.get("LLMC_CARDS")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [data_dir() / USER_CARDS_DIR]


def cache_dir() -> Path:
    """Derived, disposable data (e.g. the parsed card bank), safe to delete."""
    return data_dir() / CACHE_DIR


def builtin_cards_dir() -> Path:
    """The built-in bank: ``llmconcepts/cards`` in an installed wheel, ``<repo>/cards`` in a checkout."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "cards", package_dir.parent / "cards"):
        if candidate.is_dir():
            return candidate
    raise LlmcError(f"the built-in card bank is missing (looked in {package_dir / 'cards'})")
