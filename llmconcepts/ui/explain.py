"""Rendering for ``llmc explain``: the concept view, a calculation, the lists.

Every piece of card text goes through :class:`rich.text.Text`, never markup, so
brackets in a card print as typed. Long lines are wrapped to the console width
with hanging indents and no trailing spaces, so the output reads at 60 columns
as well as 80 and wider; colour is emphasis only (rich drops it under ``NO_COLOR``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from llmconcepts.calculators.base import Calculation, Quantity, format_number
from llmconcepts.calculators.presets import ModelPreset
from llmconcepts.cardbank.model import CardBank, Concept, FacetKind
from llmconcepts.explain import Explanation
from llmconcepts.ui.charts import render_chart

HEADING = "bold"
LABEL = "cyan"
MUTED = "dim"


def dependents(bank: CardBank, concept_id: str) -> list[str]:
    """Ids of concepts that list ``concept_id`` as a prerequisite, in bank order."""
    return [c.id for c in bank.concepts if concept_id in c.prerequisites]


def render_concept(console: Console, bank: CardBank, concept: Concept, *, brief: bool = False) -> None:
    """Title, layer, facets (only the mechanism when ``brief``), links and sources."""
    try:
        layer_title = bank.layer(concept.layer).title
    except KeyError:
        layer_title = concept.layer
    console.print(Text.assemble((concept.title, "bold"), "  ", (f"({concept.id})", MUTED)))
    console.print(_hang(console, Text("Layer: ", style=LABEL), Text(layer_title)))
    if concept.aliases:
        console.print(_hang(console, Text("Also called: ", style=LABEL), Text(", ".join(concept.aliases))))
    kinds = (FacetKind.MECHANISM,) if brief else tuple(f.kind for f in concept.facets)
    for kind in kinds:
        facet = concept.facet(kind)
        console.print()
        console.print(Text(kind.label, style=HEADING))
        console.print(_hang(console, Text("  "), Text(facet.prompt, style="italic")))
        console.print()
        console.print(_hang(console, Text("  "), Text(facet.answer)))
        if facet.key_points:
            console.print(Text("  Key points:", style=LABEL))
            _print_bullets(console, (point.text for point in facet.key_points))
    if brief:
        return
    console.print()
    console.print(_hang(console, Text("Prerequisites: ", style=LABEL), _id_list(concept.prerequisites)))
    console.print(_hang(console, Text("Related (builds on this): ", style=LABEL),
                        _id_list(dependents(bank, concept.id))))
    if concept.sources:
        console.print(Text("Sources:", style=LABEL))
        _print_bullets(console, concept.sources)


def render_calculation(console: Console, calculation: Calculation) -> None:
    """Formula, inputs with units, the working, results, charts, notes, sources."""
    console.print(Text.assemble(("Calculator: ", HEADING), (calculation.title, HEADING)))
    console.print(_hang(console, Text("  "), Text(calculation.formula)))
    console.print()
    console.print(Text("Inputs", style=HEADING))
    _print_pairs(console, [(name, _quantity_text(q)) for name, q in calculation.inputs.items()])
    console.print()
    console.print(Text("Working", style=HEADING))
    for step in calculation.steps:
        console.print(_hang(console, Text("  "), Text.assemble((step.label, LABEL), " = ", _quantity_text(step.result))))
        console.print(_hang(console, Text("      "), Text(step.expression, style=MUTED)))
    console.print()
    _print_results(console, calculation)
    for chart in calculation.charts:
        console.print()
        console.print(render_chart(chart, console.width))
    if calculation.notes:
        console.print()
        console.print(Text("Notes", style=HEADING))
        _print_bullets(console, calculation.notes)
    if calculation.sources:
        console.print(Text("Sources", style=HEADING))
        _print_bullets(console, calculation.sources)


def render_calculation_brief(console: Console, calculation: Calculation) -> None:
    """Only the calculator's title and results (for ``--brief``)."""
    console.print(Text.assemble(("Calculator: ", HEADING), (calculation.title, HEADING)))
    _print_results(console, calculation)


def render_concept_list(console: Console, bank: CardBank, with_calculator: set[str]) -> None:
    """Every concept by layer; a ``[calc]`` tag marks those with a calculator."""
    id_width = min(26, max((len(c.id) for c in bank.concepts), default=0)) + 4
    for layer in bank.layers:
        concepts = bank.concepts_in(layer.id)
        if not concepts:
            continue
        console.print(Text(layer.title, style=HEADING))
        for concept in concepts:
            body = Text(concept.title)
            if concept.id in with_calculator:
                body.append(" [calc]", style="green")
            console.print(_hang(console, Text(f"  {concept.id}".ljust(id_width)), body))
    total = sum(1 for c in bank.concepts if c.id in with_calculator)
    console.print(_hang(console, Text(""), Text(
        f"{len(bank.concepts)} concepts, {total} with a calculator ([calc]): "
        "llmc explain CONCEPT NAME=VALUE ...", style=MUTED)))


def render_presets(console: Console, presets: Iterable[ModelPreset]) -> None:
    """One block per model preset: its name, shape and source."""
    for preset in presets:
        shape = (f"{preset.layers} layers, {preset.n_heads} heads ({preset.n_kv_heads} KV), "
                 f"head_dim {preset.head_dim}, hidden {preset.hidden}, {format_number(preset.params)} parameters")
        if preset.experts:
            shape += (f" ({format_number(preset.active_params)} active; "
                      f"{preset.experts} experts, {preset.experts_per_token} per token)")
        console.print(Text.assemble((preset.name, "bold"), "  ", preset.display))
        console.print(_hang(console, Text("  "), Text(shape)))
        console.print(_hang(console, Text("  source: ", style=MUTED), Text(preset.source, style=MUTED)))
    console.print(_hang(console, Text(""), Text(
        "Use one with model=NAME, e.g. llmc explain kv-cache model=llama-2-70b tokens=100k", style=MUTED)))


# ---------------------------------------------------------------------------
# Layout helpers: wrapped Text with hanging indents, no trailing spaces.

def _hang(console: Console, prefix: Text, body: Text) -> Text:
    """``prefix`` then ``body`` wrapped to the console width, continuation lines aligned under the body."""
    indent = prefix.cell_len
    if indent > console.width // 2:  # a long label: start the body on its own line
        return Text.assemble(prefix, "\n", _hang(console, Text("    "), body))
    lines = body.wrap(console, max(10, console.width - indent), overflow="fold")
    out = prefix.copy()
    for index, line in enumerate(lines):
        line.rstrip()
        if index:
            out.append("\n" + " " * indent)
        out.append_text(line)
    return out


def _print_bullets(console: Console, items: Iterable[str]) -> None:
    for item in items:
        console.print(_hang(console, Text("  - "), Text(item)))


def _print_pairs(console: Console, rows: Sequence[tuple[str, Text]]) -> None:
    width = min(24, max((len(name) for name, _ in rows), default=0)) + 4
    for name, value in rows:
        console.print(_hang(console, Text(f"  {name}".ljust(width), style=LABEL), value))


def _print_results(console: Console, calculation: Calculation) -> None:
    console.print(Text("Results", style=HEADING))
    _print_pairs(console, [(name.replace("_", " "), _quantity_text(q, strong=True))
                           for name, q in calculation.results.items()])


def _quantity_text(quantity: Quantity, *, strong: bool = False) -> Text:
    value = quantity.value.tolist() if hasattr(quantity.value, "tolist") else quantity.value  # numpy
    if quantity.display is not None:
        shown = quantity.display
    elif isinstance(value, (list, tuple)):
        shown = ", ".join(format_number(v) for v in value)
    else:
        shown = format_number(value)
    text = Text(shown, style="bold" if strong else "")
    unit_shown = quantity.display is not None and (quantity.unit in quantity.display or quantity.unit == "bytes")
    if quantity.unit and quantity.unit != "dtype" and not unit_shown:
        text.append(f" {quantity.unit}", style=MUTED)
    return text


def _id_list(ids: Sequence[str]) -> Text:
    return Text(", ".join(ids)) if ids else Text("none", style=MUTED)


# ---------------------------------------------------------------------------
# --json payloads (plain data; numbers in base units with their unit named)

def explanation_json(explanation: Explanation, *, brief: bool = False) -> dict[str, Any]:
    """``{"concept", "inputs", "results", ...}`` for one looked-up concept.

    With a calculator: :meth:`Calculation.to_json_dict` (formula, steps, charts,
    notes, calculator sources) plus the concept's card data; without one,
    ``inputs`` and ``results`` are empty and ``calculator`` is false.
    """
    concept, bank = explanation.concept, explanation.bank
    kinds = (FacetKind.MECHANISM,) if brief else tuple(f.kind for f in concept.facets)
    card = {
        "title": concept.title,
        "layer": concept.layer,
        "aliases": list(concept.aliases),
        "facets": [
            {"kind": kind.value, "prompt": concept.facet(kind).prompt, "answer": concept.facet(kind).answer,
             "key_points": [p.text for p in concept.facet(kind).key_points]}
            for kind in kinds
        ],
        "prerequisites": list(concept.prerequisites),
        "builds_towards": dependents(bank, concept.id),
        "concept_sources": list(concept.sources),
    }
    if explanation.calculation is None:
        return {"concept": concept.id, "calculator": False, "inputs": {}, "results": {}, **card}
    return {**explanation.calculation.to_json_dict(), "concept": concept.id, "calculator": True,
            "calculator_title": explanation.calculation.title, **card}


def concept_list_json(bank: CardBank, with_calculator: set[str]) -> list[dict[str, Any]]:
    """Every concept as {id, title, layer, calculator} in curriculum order."""
    return [{"id": c.id, "title": c.title, "layer": c.layer, "calculator": c.id in with_calculator}
            for c in bank.concepts]


def presets_json(presets: Iterable[ModelPreset]) -> list[dict[str, Any]]:
    """Every preset's fields (counts as integers) and its source."""
    return [dict(vars(p)) for p in presets]
