"""Rendering for ``llmc explain``: the concept view, a calculation, the lists.

Every piece of card text goes through :class:`rich.text.Text`, never markup, so
brackets in a card print as typed. Long lines are wrapped to the console width
with hanging indents and no trailing spaces, so the output reads at 60 columns
as well as 80 and wider; colour is emphasis only (rich drops it under ``NO_COLOR``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.text import Text

from llmconcepts.calculators.base import Calculation, Quantity, format_number
from llmconcepts.calculators.presets import ModelPreset
from llmconcepts.cardbank.model import CardBank, Concept, FacetKind
from llmconcepts.explain import dependents

HEADING = "bold"
LABEL = "cyan"
MUTED = "dim"
#: Narrowest layout: a 5-column terminal still gets readable (if overflowing) lines.
MIN_WIDTH = 20


def render_concept(console: Console, bank: CardBank, concept: Concept, *, brief: bool = False) -> None:
    """Title, layer, facets (only the mechanism when ``brief``), links and sources."""
    page = _Page(console)
    try:
        layer_title = bank.layer(concept.layer).title
    except KeyError:
        layer_title = concept.layer
    page.add(page.hang(Text(), Text.assemble((concept.title, "bold"), "  ", (f"({concept.id})", MUTED))))
    page.add(page.hang(Text("Layer: ", style=LABEL), Text(layer_title)))
    if concept.aliases:
        page.add(page.hang(Text("Also called: ", style=LABEL), Text(", ".join(concept.aliases))))
    kinds = (FacetKind.MECHANISM,) if brief else tuple(f.kind for f in concept.facets)
    for kind in kinds:
        facet = concept.facet(kind)
        page.blank()
        page.add(Text(kind.label, style=HEADING))
        page.add(page.hang(Text("  "), Text(facet.prompt, style="italic")))
        page.blank()
        page.add(page.hang(Text("  "), Text(facet.answer)))
        if facet.key_points:
            page.add(Text("  Key points:", style=LABEL))
            page.bullets((point.text for point in facet.key_points))
    if brief:
        page.flush()
        return
    page.blank()
    page.add(page.hang(Text("Prerequisites: ", style=LABEL), _id_list(concept.prerequisites)))
    page.add(page.hang(Text("Related (builds on this): ", style=LABEL),
                        _id_list(dependents(bank, concept.id))))
    if concept.sources:
        page.add(Text("Sources:", style=LABEL))
        page.bullets(concept.sources)
    page.flush()


def render_calculation(console: Console, calculation: Calculation) -> None:
    """Formula, inputs with units, the working, results, charts, notes, sources."""
    page = _Page(console)
    page.add(_calculator_heading(page, calculation))
    page.add(page.hang(Text("  "), Text(calculation.formula)))
    page.blank()
    page.add(Text("Inputs", style=HEADING))
    page.pairs([(name, _quantity_text(q)) for name, q in calculation.inputs.items()])
    page.blank()
    page.add(Text("Working", style=HEADING))
    for step in calculation.steps:
        page.add(page.hang(Text("  "), Text.assemble((step.label, LABEL), " = ", _quantity_text(step.result))))
        page.add(page.hang(Text("      "), Text(step.expression, style=MUTED)))
    page.blank()
    _results(page, calculation)
    if calculation.charts:
        from llmconcepts.ui.charts import render_chart
    for chart in calculation.charts:
        page.blank()
        page.add(render_chart(chart, page.width))
    if calculation.notes:
        page.blank()
        page.add(Text("Notes", style=HEADING))
        page.bullets(calculation.notes)
    if calculation.sources:
        page.add(Text("Sources", style=HEADING))
        page.bullets(calculation.sources)
    page.flush()


def render_calculation_brief(console: Console, calculation: Calculation) -> None:
    """Only the calculator's title and results (for ``--brief``)."""
    page = _Page(console)
    page.add(_calculator_heading(page, calculation))
    _results(page, calculation)
    page.flush()


def render_concept_list(console: Console, bank: CardBank, with_calculator: set[str]) -> None:
    """Every concept by layer; a ``[calc]`` tag marks those with a calculator."""
    page = _Page(console)
    id_width = min(26, max((len(c.id) for c in bank.concepts), default=0)) + 4
    for layer in bank.layers:
        concepts = bank.concepts_in(layer.id)
        if not concepts:
            continue
        page.add(Text(layer.title, style=HEADING))
        for concept in concepts:
            body = Text(concept.title)
            if concept.id in with_calculator:
                body.append(" [calc]", style="green")
            page.add(page.hang(Text(f"  {concept.id}".ljust(id_width)), body))
    total = sum(1 for c in bank.concepts if c.id in with_calculator)
    page.add(page.hang(Text(""), Text(
        f"{len(bank.concepts)} concepts, {total} with a calculator ([calc]): "
        "llmc explain CONCEPT NAME=VALUE ...", style=MUTED)))
    page.flush()


def render_presets(console: Console, presets: Iterable[ModelPreset]) -> None:
    """One block per model preset: its name, shape and source."""
    page = _Page(console)
    for preset in presets:
        shape = (f"{preset.layers} layers, {preset.n_heads} heads ({preset.n_kv_heads} KV), "
                 f"head_dim {preset.head_dim}, hidden {preset.hidden}, {format_number(preset.params)} parameters")
        if preset.experts:
            shape += (f" ({format_number(preset.active_params)} active; "
                      f"{preset.experts} experts, {preset.experts_per_token} per token)")
        page.add(Text.assemble((preset.name, "bold"), "  ", preset.display))
        page.add(page.hang(Text("  "), Text(shape)))
        page.add(page.hang(Text("  source: ", style=MUTED), Text(preset.source, style=MUTED)))
    page.add(page.hang(Text(""), Text(
        "Use one with model=NAME, e.g. llmc explain kv-cache model=llama-2-70b tokens=100k", style=MUTED)))
    page.flush()


# ---------------------------------------------------------------------------
# Layout: wrapped Text with hanging indents and no trailing spaces, printed once.

class _Page:
    """Lines of Text for one console, wrapped here and printed in one call (rich wraps nothing twice)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.width = max(console.width, MIN_WIDTH)
        self.lines: list[Text] = []

    def add(self, text: Text) -> None:
        self.lines.append(text)

    def blank(self) -> None:
        self.lines.append(Text())

    def hang(self, prefix: Text, body: Text) -> Text:
        """``prefix`` then ``body`` wrapped to the width, continuation lines aligned under the body."""
        indent = prefix.cell_len
        if indent > self.width // 2:  # a long label: start the body on its own line
            return Text.assemble(prefix, "\n", self.hang(Text("    "), body))
        out = prefix.copy()
        if body.cell_len <= self.width - indent and "\n" not in body.plain:  # fits: skip rich's wrapper
            out.append_text(body)
            return out
        lines = body.wrap(self.console, max(10, self.width - indent), overflow="fold")
        for index, line in enumerate(lines):
            line.rstrip()
            if index:
                out.append("\n" + " " * indent)
            out.append_text(line)
        return out

    def bullets(self, items: Iterable[str]) -> None:
        for item in items:
            self.add(self.hang(Text("  - "), Text(item)))

    def pairs(self, rows: Sequence[tuple[str, Text]]) -> None:
        width = min(24, max((len(name) for name, _ in rows), default=0)) + 4
        for name, value in rows:
            label = f"  {name}".ljust(width - 2) + "  "  # two spaces even after a name longer than 24
            self.add(self.hang(Text(label, style=LABEL), value))

    def flush(self) -> None:
        self.console.print(Text("\n").join(self.lines), soft_wrap=True)
        self.lines = []


def _calculator_heading(page: _Page, calculation: Calculation) -> Text:
    """'Calculator: <title>', a long title wrapped under itself."""
    return page.hang(Text("Calculator: ", style=HEADING), Text(calculation.title, style=HEADING))


def _results(page: _Page, calculation: Calculation) -> None:
    page.add(Text("Results", style=HEADING))
    page.pairs([(name.replace("_", " "), _quantity_text(q, strong=True)) for name, q in calculation.results.items()])


def _quantity_text(quantity: Quantity, *, strong: bool = False) -> Text:
    value = quantity.value.tolist() if hasattr(quantity.value, "tolist") else quantity.value  # numpy
    if quantity.display is not None:
        shown = quantity.display
    elif isinstance(value, (list, tuple)):
        shown = ", ".join(format_number(v) for v in value)
    else:
        shown = format_number(value)
    text = Text(shown, style="bold" if strong else "")
    unit_shown = quantity.display is not None and (  # "undefined (why)" (value None) takes no unit
        quantity.unit in quantity.display or quantity.unit == "bytes" or quantity.value is None)
    if quantity.unit and quantity.unit != "dtype" and not unit_shown:
        text.append(f" {quantity.unit}", style=MUTED)
    return text


def _id_list(ids: Sequence[str]) -> Text:
    return Text(", ".join(ids)) if ids else Text("none", style=MUTED)
