"""Parse, validate and assemble bank files into a CardBank (the cache-miss path).

:func:`build_bank` runs the per-file checks of :mod:`~llmconcepts.cardbank.yamlread`
and :mod:`~llmconcepts.cardbank.schema`, then the checks across files listed in
:mod:`llmconcepts.cardbank.loader`, and raises every problem at once. This module
is imported only when the bank must be parsed, never on a cache hit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import TYPE_CHECKING

from llmconcepts.cardbank.lookup import compact
from llmconcepts.cardbank.model import (
    FACET_ORDER,
    CardBank,
    Concept,
    Facet,
    KeyPoint,
    Layer,
    SourceLocation,
)
from llmconcepts.cardbank.problems import Problem, display_path
from llmconcepts.cardbank.schema import validate_file
from llmconcepts.cardbank.yamlread import YamlDocument, read_yaml
from llmconcepts.errors import CardBankError

if TYPE_CHECKING:
    from llmconcepts.cardbank.loader import BankFile
    from llmconcepts.cardbank.schema import CardFileSpec, ConceptSpec


@dataclass
class _ParsedFile:
    file: BankFile
    document: YamlDocument
    spec: CardFileSpec

    def problem(self, data_path: tuple[str | int, ...], field: str, message: str) -> Problem:
        """A problem at the line of ``data_path`` in this file."""
        return Problem(self.file.path, self.document.line_of(data_path), message, field)


def build_bank(files: Sequence[BankFile]) -> CardBank:
    """Parse and validate ``files`` together (no cache) and build the bank.

    Raises:
        CardBankError: every problem found, ordered by file then line.
    """
    problems: list[Problem] = []
    parsed: list[_ParsedFile] = []
    defined_ids: set[str] = set()  # also from files that fail the schema: no knock-on errors
    for bank_file in files:
        document, found = read_yaml(bank_file.path, bank_file.content)
        problems += found
        if document is None:
            continue
        defined_ids |= _raw_concept_ids(document.data)
        spec, found = validate_file(document)
        problems += found
        if spec is not None:
            parsed.append(_ParsedFile(bank_file, document, spec))
    layers = _check_layers(parsed, problems)
    concepts = _check_concepts(parsed, defined_ids, problems)
    if problems:
        order = {f.path: i for i, f in enumerate(files)}
        problems.sort(key=lambda p: (order.get(p.path, -1), p.line))
        raise CardBankError([str(p) for p in problems])
    return _assemble(layers, concepts)


def _raw_concept_ids(data: object) -> set[str]:
    concepts = data.get("concepts") if isinstance(data, dict) else None
    if not isinstance(concepts, list):
        return set()
    return {c["id"].strip() for c in concepts if isinstance(c, dict) and isinstance(c.get("id"), str)}


@dataclass
class _LayerEntry:
    layer: Layer
    builtin: bool
    first_position: int
    where: SourceLocation


def _check_layers(parsed: list[_ParsedFile], problems: list[Problem]) -> dict[str, _LayerEntry]:
    layers: dict[str, _LayerEntry] = {}
    by_order: dict[tuple[bool, int], _LayerEntry] = {}
    for position, item in enumerate(parsed):
        spec = item.spec.layer
        where = SourceLocation(item.file.path, item.document.line_of(("layer",)))
        known = layers.get(spec.id)
        if known is None:
            entry = _LayerEntry(Layer(spec.id, spec.title, spec.order), item.file.builtin, position, where)
            layers[spec.id] = entry
            clash = by_order.setdefault((item.file.builtin, spec.order), entry)
            if clash is not entry:
                message = (
                    f"order {spec.order} is already used by layer '{clash.layer.id}' "
                    f"({_show(clash.where)}); give each layer its own order"
                )
                problems.append(item.problem(("layer", "order"), "layer.order", message))
            continue
        for field, mine, theirs in (
            ("title", spec.title, known.layer.title),
            ("order", spec.order, known.layer.order),
        ):
            if mine != theirs:
                message = (
                    f"layer '{spec.id}' has {field} {mine!r} here but {theirs!r} in {_show(known.where)}; "
                    "files of one layer must agree"
                )
                problems.append(item.problem(("layer", field), f"layer.{field}", message))
        known.builtin = known.builtin or item.file.builtin
    return layers


@dataclass
class _ConceptEntry:
    spec: ConceptSpec
    item: _ParsedFile
    index: int  # position in the file's concepts list

    @property
    def where(self) -> SourceLocation:
        return SourceLocation(self.item.file.path, self.item.document.line_of(("concepts", self.index)))

    def problem(self, data_path: tuple[str | int, ...], message: str) -> Problem:
        """A problem about this concept, at the line of ``data_path`` inside its entry."""
        label = ".".join([self.spec.id, *(f"{p}" for p in data_path if isinstance(p, str))])
        if data_path and isinstance(data_path[-1], int):
            label += f"[{data_path[-1]}]"
        return self.item.problem(("concepts", self.index, *data_path), label, message)


def _check_concepts(
    parsed: list[_ParsedFile], defined_ids: set[str], problems: list[Problem]
) -> list[_ConceptEntry]:
    """Cross-file concept checks; returns the first definition of every id, in load order."""
    entries: dict[str, _ConceptEntry] = {}
    for item in parsed:
        layer_id = item.spec.layer.id
        for index, spec in enumerate(item.spec.concepts):
            entry = _ConceptEntry(spec, item, index)
            if spec.layer is not None and spec.layer != layer_id:
                message = f"concept says layer '{spec.layer}' but its file declares layer '{layer_id}'"
                problems.append(entry.problem(("layer",), message))
            first = entries.setdefault(spec.id, entry)
            if first is not entry:
                problems.append(entry.problem(("id",), _duplicate_message(spec.id, first, entry)))
    _check_names(list(entries.values()), problems)
    _check_prerequisites(entries, defined_ids, problems)
    return list(entries.values())


def _duplicate_message(concept_id: str, first: _ConceptEntry, again: _ConceptEntry) -> str:
    if first.item.file.builtin and not again.item.file.builtin:
        return (
            f"the id '{concept_id}' is already used by the built-in concept in {_show(first.where)}; "
            "choose another id for yours"
        )
    return f"duplicate concept id '{concept_id}': also defined in {_show(first.where)}"


def _check_names(entries: list[_ConceptEntry], problems: list[Problem]) -> None:
    """Two concepts must not answer to the same name, or a lookup could not choose."""
    owners: dict[str, tuple[_ConceptEntry, str]] = {}
    for entry in entries:
        names = [(("id",), entry.spec.id), (("title",), entry.spec.title)]
        names += [(("aliases", i), alias) for i, alias in enumerate(entry.spec.aliases)]
        for data_path, name in names:
            key = compact(name)
            if not key:  # punctuation only: no query can reach it, so it cannot collide
                continue
            owner, owner_name = owners.setdefault(key, (entry, name))
            if owner is not entry:
                message = (
                    f"'{name}' also names concept '{owner.spec.id}' ('{owner_name}', {_show(owner.where)}); "
                    "a lookup could not tell them apart"
                )
                problems.append(entry.problem(data_path, message))


def _check_prerequisites(
    entries: dict[str, _ConceptEntry], defined_ids: set[str], problems: list[Problem]
) -> None:
    graph: dict[str, list[str]] = {}
    for concept_id, entry in entries.items():
        graph[concept_id] = []
        for index, prerequisite in enumerate(entry.spec.prerequisites):
            if prerequisite not in defined_ids:
                message = (
                    f"prerequisite '{prerequisite}' names no concept{_nearest(prerequisite, defined_ids)}"
                )
                problems.append(entry.problem(("prerequisites", index), message))
            elif prerequisite in entries and prerequisite not in graph[concept_id]:
                graph[concept_id].append(prerequisite)
    while True:
        try:
            TopologicalSorter(graph).prepare()
            return
        except CycleError as exc:
            cycle = _needs_order(exc.args[1], graph, list(entries))
            start = entries[cycle[0]]
            index = start.spec.prerequisites.index(cycle[1])
            message = "prerequisite cycle: " + " -> ".join(cycle) + " (each needs the next)"
            problems.append(start.problem(("prerequisites", index), message))
            graph[cycle[0]].remove(cycle[1])  # break it and look for another


def _needs_order(cycle: list[str], graph: dict[str, list[str]], load_order: list[str]) -> list[str]:
    """Write a cycle ``[a, b, ..., a]`` so each id lists the next as a prerequisite,
    starting from the concept defined first."""
    nodes = cycle[:-1]
    if len(nodes) > 1 and nodes[1] not in graph[nodes[0]]:
        nodes.reverse()
    start = min(range(len(nodes)), key=lambda i: load_order.index(nodes[i]))
    nodes = nodes[start:] + nodes[:start]
    return [*nodes, nodes[0]]


def _nearest(name: str, choices: set[str]) -> str:
    """A "did you mean" for a mistyped id: plain edit-distance ratio, since the two
    are meant to be the same string (a partial match would suggest any id that
    shares a syllable)."""
    from rapidfuzz import fuzz, process

    match = process.extractOne(name, sorted(choices), scorer=fuzz.ratio, score_cutoff=75)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _show(where: SourceLocation) -> str:
    return f"{display_path(where.path)}:{where.line}"


def _assemble(layers: dict[str, _LayerEntry], entries: list[_ConceptEntry]) -> CardBank:
    ordered_layers = sorted(layers.values(), key=lambda e: (e.layer.order, not e.builtin, e.first_position))
    rank = {e.layer.id: i for i, e in enumerate(ordered_layers)}
    # entries are in load order already; a stable sort by layer rank gives curriculum order
    ordered = sorted(entries, key=lambda e: rank[e.item.spec.layer.id])
    return CardBank(
        layers=tuple(e.layer for e in ordered_layers),
        concepts=tuple(_concept(e) for e in ordered),
    )


def _concept(entry: _ConceptEntry) -> Concept:
    spec = entry.spec
    return Concept(
        id=spec.id,
        title=spec.title,
        layer=entry.item.spec.layer.id,
        aliases=tuple(spec.aliases),
        prerequisites=tuple(spec.prerequisites),
        sources=tuple(spec.sources),
        facets=tuple(
            Facet(
                kind=kind,
                prompt=getattr(spec, kind.value).prompt,
                answer=getattr(spec, kind.value).answer,
                key_points=tuple(
                    KeyPoint(k.point, tuple(k.cues)) for k in getattr(spec, kind.value).key_points
                ),
            )
            for kind in FACET_ORDER
        ),
        origin=entry.where,
        builtin=entry.item.file.builtin,
    )
