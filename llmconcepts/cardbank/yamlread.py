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
installed PyYAML has it, and the data is built straight from its event stream:
PyYAML's composer (node objects plus a Python tag resolver run for every node)
would take several times longer than the parse itself on a large bank.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from llmconcepts.cardbank.problems import DataPath, Problem, field_label

_PARSER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
#: Expanding aliases can blow a tiny file up exponentially ("billion laughs"): the
#: values aliases stand for (each reference counts its whole expanded value) may not
#: exceed this many. Values written out in the file are not limited: a large file
#: costs only in proportion to its size.
MAX_ALIASED_VALUES = 200_000
#: Deeper nesting than this is no card file, and would exhaust Python's recursion.
MAX_DEPTH = 64
#: The start of a ``key:`` line, optionally a sequence item (``  - id:``), up to the colon.
_KEY_LINE = re.compile(r"\s*(?:-\s+)?[A-Za-z_][\w-]*:")


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
        readable = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
        repairs = itertools.chain([(readable, problem.line)], _tab_repairs(readable, problem.line))
        return None, [_with_field(problem, repairs)]
    problem = _find_tab_indent(path, text)
    if problem:
        return None, [_with_field(problem, _tab_repairs(text, problem.line))]
    parser = _PARSER(text)
    builder = _Builder(parser)
    try:
        data = builder.document()
    except yaml.MarkedYAMLError as exc:
        problem = _syntax_problem(path, exc)
        started = exc.context_mark.line + 1 if exc.context_mark else None
        return None, [_with_field(problem, _syntax_repairs(text, problem.line, started))]
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        return None, [_reader_problem(path, text, exc)]
    finally:
        parser.dispose()
    if builder.empty:
        return None, [Problem(path, 1, "the file is empty; expected 'layer:' and 'concepts:'")]
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


def _with_field(problem: Problem, repairs: Iterator[tuple[str, int]]) -> Problem:
    """``problem`` with its field named, found by parsing repaired copies of the file: the
    first ``(text, line)`` that parses names the field at ``line`` (or, inside a value
    that spans lines, the key it belongs to), and the problem is reported at ``line``.
    Unchanged when no repair parses."""
    for repaired, line in repairs:
        try:
            builder = _Builder(_PARSER(repaired))
            data = builder.document()
        except yaml.YAMLError:
            continue
        at_line = [p for p, where in builder.lines.items() if p and where == line]
        # Reported at the repaired line: where an unclosed quote or bracket began, not
        # where the parser gave up (often the end of the file).
        if at_line:
            return replace(problem, line=line, field=field_label(data, max(at_line, key=len)))
        before = [p for p, where in builder.lines.items() if p and where < line]
        if before:
            owner = max(before, key=lambda p: (builder.lines[p], len(p)))
            return replace(problem, line=line, field=field_label(data, owner))
        return problem
    return problem


def _tab_repairs(text: str, line: int) -> Iterator[tuple[str, int]]:
    """Tabs in indentation read as spaces: the offending line indented like a line above
    it, then every tab read as 2, 4 or 8 spaces (the author's width is unknown)."""
    expanded = [_expand_indent(each, 4) for each in text.split("\n")]
    for lines in _reindented(expanded, line):
        yield "\n".join(lines), line
    for width in (2, 4, 8):
        yield "\n".join(_expand_indent(each, width) for each in text.split("\n")), line


def _expand_indent(line: str, width: int) -> str:
    body = line.lstrip(" \t")
    return line[: len(line) - len(body)].expandtabs(width) + body


def _syntax_repairs(text: str, line: int, started: int | None) -> Iterator[tuple[str, int]]:
    """Guesses at what the author meant, most often right first: a line at or just before
    the error with an odd indentation (a space short or extra), the value on the
    error's line (a colon or quote in unquoted text), the value where an unclosed quote
    or bracket began, or the error's line indented like a line above."""
    lines = text.split("\n")
    for culprit in range(line, max(line - 3, 0), -1):
        for realigned in _realigned(lines, culprit):
            yield "\n".join(realigned), culprit
    plain = _plain_value(lines, line)
    if plain is not None:
        yield "\n".join(plain), line
    if started is not None and started != line:
        opened = _plain_value(lines, started)
        if opened is not None:
            yield "\n".join(opened), started
    for reindented in _reindented(plain or lines, line):
        yield "\n".join(reindented), line


def _realigned(lines: list[str], line: int) -> Iterator[list[str]]:
    """``lines`` with ``line`` one space deeper, then one shallower, when its indentation
    is odd: card files indent by two (or four), so an odd indentation is the usual slip
    of a space short or extra, and it is where the mistake is even when the parser
    notices only on the next line."""
    body = lines[line - 1].lstrip(" ")
    indent = len(lines[line - 1]) - len(body)
    if not body or body.startswith("#") or indent % 2 == 0:
        return
    for fixed in (indent + 1, indent - 1):
        yield [*lines[: line - 1], " " * fixed + body, *lines[line:]]


def _plain_value(lines: list[str], line: int) -> list[str] | None:
    """``lines`` with the value of the ``key:`` on ``line`` replaced by a plain word."""
    match = _KEY_LINE.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if match is None:
        return None
    return [*lines[: line - 1], match.group(0) + " x", *lines[line:]]


def _reindented(lines: list[str], line: int) -> Iterator[list[str]]:
    """``lines`` with ``line`` indented like each content line above it (nearest first),
    or two spaces deeper (its first child)."""
    if not 0 < line <= len(lines):
        return
    body = lines[line - 1].lstrip(" \t")
    tried: set[int] = set()
    for above in reversed(lines[max(0, line - 13) : line - 1]):
        stripped = above.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(above) - len(stripped)
        for candidate in (indent, indent + 2):
            if candidate not in tried:
                tried.add(candidate)
                yield [*lines[: line - 1], " " * candidate + body, *lines[line:]]


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
    """Builds dicts, lists and strings from libyaml's events, recording lines.

    An alias reuses the value built for its anchor (it is not copied); the number
    of values it stands for still counts toward :data:`MAX_ALIASED_VALUES`, since
    validation walks every copy.
    """

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.lines: dict[DataPath, int] = {}
        self.found: list[tuple[int, str, DataPath]] = []  # (line, message, where)
        self.empty = False
        self._anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
        self._open_anchors: set[str] = set()  # anchors of the collections being built
        self._aliased = 0  # values that alias references stand for, so far
        self._too_big = False

    def document(self) -> Any:
        """The single document of the stream (raises yaml errors for bad syntax)."""
        self.parser.get_event()  # StreamStart
        if self.parser.check_event(yaml.StreamEndEvent):
            self.empty = True
            return None
        self.parser.get_event()  # DocumentStart
        data, _ = self.value(self.parser.get_event(), (), 0)
        self.parser.get_event()  # DocumentEnd
        if self.parser.check_event(yaml.DocumentStartEvent):
            extra = self.parser.get_event()
            self.problem(extra, "a card file holds one YAML document; remove the '---' separator", ())
        return data

    def problem(self, event: yaml.Event, message: str, data_path: DataPath) -> None:
        self.found.append((event.start_mark.line + 1, message, data_path))

    def value(self, event: yaml.Event, data_path: DataPath, depth: int) -> tuple[Any, int]:
        """The value starting at ``event`` and the number of values it expands to."""
        self.lines.setdefault(data_path, event.start_mark.line + 1)
        if isinstance(event, yaml.ScalarEvent):
            value = None if event.value == "" and not event.style else event.value  # `key:` alone
            return self._anchor(event, value, 1)
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event, data_path)
        if depth > MAX_DEPTH:
            self.problem(event, f"values nested more than {MAX_DEPTH} deep", data_path)
            self._skip_collection()
            return None, 1
        if event.anchor:
            self._open_anchors.add(event.anchor)
        if isinstance(event, yaml.SequenceStartEvent):
            value, size = self._sequence(data_path, depth)
        else:
            value, size = self._mapping(data_path, depth)
        self._open_anchors.discard(event.anchor)
        return self._anchor(event, value, size)

    def _anchor(self, event: yaml.Event, value: Any, size: int) -> tuple[Any, int]:
        if event.anchor:
            self._anchors[event.anchor] = (value, size)
        return value, size

    def _alias(self, event: yaml.AliasEvent, data_path: DataPath) -> tuple[Any, int]:
        if event.anchor in self._open_anchors:
            self.problem(event, "an alias refers to the value that contains it", data_path)
            return None, 1
        if event.anchor not in self._anchors:
            self.problem(event, f"the alias '*{event.anchor}' names no anchor defined before it", data_path)
            return None, 1
        value, size = self._anchors[event.anchor]
        self._aliased += size
        if self._aliased > MAX_ALIASED_VALUES:
            if not self._too_big:
                self.problem(event, f"aliases expand to more than {MAX_ALIASED_VALUES} values", data_path)
            self._too_big = True
            return None, 1
        return value, size

    def _sequence(self, data_path: DataPath, depth: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        size = 1
        while not self.parser.check_event(yaml.SequenceEndEvent):
            item, item_size = self.value(self.parser.get_event(), (*data_path, len(items)), depth + 1)
            items.append(item)
            size += item_size
        self.parser.get_event()
        return items, size

    def _mapping(self, data_path: DataPath, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        size = 1
        while not self.parser.check_event(yaml.MappingEndEvent):
            key_event = self.parser.get_event()
            line = key_event.start_mark.line + 1
            key = self._key(key_event, data_path, first_line)
            if key is None:
                self._discard(self.parser.get_event(), depth + 1)
                continue
            first_line[key] = line
            self.lines[(*data_path, key)] = line
            result[key], value_size = self.value(self.parser.get_event(), (*data_path, key), depth + 1)
            size += value_size
        self.parser.get_event()
        return result, size

    def _key(self, event: yaml.Event, data_path: DataPath, first_line: dict[str, int]) -> str | None:
        """The key text, or None (after recording why) when the entry must be skipped."""
        if not isinstance(event, yaml.ScalarEvent):
            self.problem(event, "a key must be plain text, not a list, a mapping or an alias", data_path)
            if not isinstance(event, yaml.AliasEvent):
                self._skip_collection()
            return None
        key = event.value
        if key == "<<" and not event.style:
            self.problem(event, "merge keys ('<<') are not supported; write the fields out", data_path)
            return None
        if key in first_line:
            message = f"duplicate key '{key}' (first at line {first_line[key]})"
            self.problem(event, message, (*data_path, key))
            return None  # keep the first value; the file is rejected anyway
        return key

    def _discard(self, event: yaml.Event, depth: int) -> None:
        """Consume a value that will not be kept (the value of a refused key)."""
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self._skip_collection()

    def _skip_collection(self) -> None:
        """Consume events up to the end of the collection just opened."""
        depth = 1
        while depth:
            event = self.parser.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
