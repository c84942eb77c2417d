"""Read a card file into plain Python data, remembering the line of every key and item.

The card files are a small, strict subset of YAML:

- the bytes must be UTF-8 (a leading byte-order mark is allowed) and no line may be
  indented with a tab;
- every scalar is text: PyYAML is driven with its *base* resolver, so ``no``, ``on``,
  ``1.0`` or ``null`` stay the strings written (YAML 1.1 would turn them into a bool,
  a float and None). Only an empty plain value (``aliases:`` with nothing after it)
  becomes ``None``; the schema decides what an empty value means;
- a key may appear once per mapping (PyYAML silently keeps the last one);
- merge keys (``<<``) and recursive anchors are refused.

:func:`read_yaml` never raises for a bad file: it returns the problems it found as
:class:`Problem` objects, each with a 1-based line, so the loader can report every
problem of every file at once. PyYAML's C parser (libyaml) is used when the
installed PyYAML has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from llmconcepts.cardbank.problems import DataPath, Problem, field_label

_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
#: Expanding aliases can blow a tiny file up exponentially ("billion laughs"); no
#: card file comes anywhere near this many nodes.
MAX_NODES = 200_000


@dataclass
class YamlDocument:
    """The data of one file and the 1-based line of every key and sequence item in it.

    ``lines[("concepts", 2, "title")]`` is the line of the ``title`` key of the third
    concept; ``lines[()]`` is the line where the document starts.
    """

    path: Path
    data: Any
    lines: dict[DataPath, int] = field(default_factory=dict)

    def line_of(self, data_path: DataPath) -> int:
        """Line of ``data_path``, or of its nearest recorded ancestor (a missing field
        is reported at the line of the mapping that lacks it)."""
        for end in range(len(data_path), -1, -1):
            line = self.lines.get(tuple(data_path[:end]))
            if line is not None:
                return line
        return 1


def read_yaml(path: Path, raw: bytes) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse the bytes of the card file ``path``.

    Args:
        path: the file, used in messages only (the caller has read it).
        raw: its content.

    Returns:
        ``(document, problems)``. ``document`` is None when the file cannot be parsed
        at all (not UTF-8, tab indentation, YAML syntax error, empty); otherwise it
        holds the data even if ``problems`` lists duplicate keys or refused constructs.
    """
    text, problem = _decode(path, raw)
    if problem:
        return None, [problem]
    problem = _find_tab_indent(path, text)
    if problem:
        return None, [problem]
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(path, exc)]
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        return None, [_reader_problem(path, text, exc)]
    if root is None:
        return None, [Problem(path, 1, "the file is empty; expected 'layer:' and 'concepts:'")]
    builder = _Builder()
    data = builder.convert(root, ())
    problems = [
        Problem(path, line, message, field_label(data, where)) for line, message, where in builder.found
    ]
    return YamlDocument(path, data, builder.lines), problems


def _decode(path: Path, raw: bytes) -> tuple[str, Problem | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = raw[exc.start : exc.start + 1].hex().upper()
        return "", Problem(
            path,
            line,
            f"the file is not UTF-8 text: byte 0x{bad} at column {column} cannot be decoded; "
            "save the file as UTF-8",
        )
    return text.removeprefix("\ufeff"), None


def _find_tab_indent(path: Path, text: str) -> Problem | None:
    """YAML forbids tabs in indentation, and some parsers read them anyway with a
    different width: refuse them up front with the first offending line."""
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return Problem(path, number, "line indented with a tab; indent with spaces")
    return None


def _syntax_problem(path: Path, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    message = f"YAML syntax error: {exc.problem or exc.context}"
    if exc.problem and exc.context:
        started = f" that starts at line {exc.context_mark.line + 1}" if exc.context_mark else ""
        message += f" ({exc.context}{started})"
    return Problem(path, line, message)


def _reader_problem(path: Path, text: str, exc: yaml.YAMLError) -> Problem:
    position = getattr(exc, "position", 0) or 0
    line = text.count("\n", 0, position) + 1
    reason = getattr(exc, "reason", None) or "character not allowed in YAML"
    return Problem(path, line, f"YAML cannot read this file: {reason}")


class _Builder:
    """Turns a composed node tree into dicts, lists and strings, recording lines."""

    def __init__(self) -> None:
        self.lines: dict[DataPath, int] = {}
        self.found: list[tuple[int, str, DataPath]] = []  # (line, message, where)
        self._open: set[int] = set()  # ids of nodes being converted (recursion guard)
        self._count = 0

    def problem(self, node: yaml.Node, message: str, data_path: DataPath) -> None:
        self.found.append((node.start_mark.line + 1, message, data_path))

    def convert(self, node: yaml.Node, data_path: DataPath) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            if self._count == MAX_NODES + 1:
                self.problem(node, f"more than {MAX_NODES} values after expanding aliases", data_path)
            return None
        self.lines.setdefault(data_path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.value == "" and not node.style:
                return None  # `key:` with nothing after it
            return node.value
        if id(node) in self._open:
            self.problem(node, "an alias refers to the value that contains it", data_path)
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.convert(item, (*data_path, i)) for i, item in enumerate(node.value)]
            return self._mapping(node, data_path)
        finally:
            self._open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, data_path: DataPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "a key must be plain text, not a list or mapping", data_path)
                continue
            key = key_node.value
            if key == "<<" and not key_node.style:
                self.problem(key_node, "merge keys ('<<') are not supported; write the fields out", data_path)
                continue
            if key in first_line:
                self.problem(
                    key_node, f"duplicate key '{key}' (first at line {first_line[key]})", (*data_path, key)
                )
                continue  # keep the first value; the file is rejected anyway
            first_line[key] = line
            self.lines[(*data_path, key)] = line
            result[key] = self.convert(value_node, (*data_path, key))
        return result
