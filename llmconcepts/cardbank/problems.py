"""A problem found in a card file, and how fields and files are named in messages.

Kept free of PyYAML and pydantic so the loader can import it at no cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: A position in the parsed data: mapping keys (str) and sequence indexes (int).
DataPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a card file, printed as ``file:line: field: message``."""

    path: Path
    line: int
    message: str
    field: str = ""

    def __str__(self) -> str:
        where = f"{display_path(self.path)}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, else as given."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def field_label(data: Any, data_path: DataPath) -> str:
    """The field named for people: ``("concepts", 2, "mechanism", "prompt")`` becomes
    ``"kv-cache.mechanism.prompt"`` when the third concept has the id ``kv-cache``,
    ``"concepts[2].mechanism.prompt"`` when it has none (indexes count from 0)."""
    text = ""
    node = data
    for depth, part in enumerate(data_path):
        node = _child(node, part)
        if depth == 1 and data_path[0] == "concepts" and isinstance(part, int):
            concept_id = node.get("id") if isinstance(node, dict) else None
            if isinstance(concept_id, str) and concept_id.strip():
                text = concept_id.strip()
                continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _child(node: Any, part: str | int) -> Any:
    if isinstance(part, int):
        return node[part] if isinstance(node, list) and 0 <= part < len(node) else None
    return node.get(part) if isinstance(node, dict) else None
