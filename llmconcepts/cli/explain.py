"""`llmc explain`: look a concept up and work its numbers.

Kept light on purpose: only typer is imported with the module; the bank loader,
the calculators (numpy) and rich are imported inside the command, and nothing
here imports SQLAlchemy, fsrs, genanki or (with a fresh bank cache) pydantic.
"""

from __future__ import annotations

import sys

import typer

from llmconcepts.cli import typer_speedup

# Before any parsing: typer would otherwise import pydantic for the absent --help flag.
typer_speedup.install()

USAGE = "[OPTIONS] CONCEPT [NAME=VALUE]..."
EPILOG = (
    "CONCEPT is an id, alias or title (typos forgiven). NAME=VALUE inputs accept 100k, 1.5M, 1e-3, "
    "1,000,000 (a comma only groups thousands), 80GB, fp16; model=PRESET sets a model's shape. Each input "
    "once; each number within its range (a bad value lists every input with unit, default and range). Byte "
    "sizes take a unit (80GB, 80GiB, 512MiB); a bare number counts bytes, and one too small for the input "
    "(gpu_memory=80) is refused with the unit it probably meant. Examples: llmc explain kv-cache "
    "model=llama-2-70b tokens=100k | llmc explain \"kv cache\" --brief | llmc explain GQA --json | "
    "llmc explain --list | llmc explain --presets"
)
#: How app.py registers the command. CONCEPT and NAME=VALUE arrive as click's extra
#: arguments: typer (0.29) coerces every declared non-bool parameter through a
#: pydantic TypeAdapter, which would import pydantic and cost ~100 ms on every lookup.
#: Only bool flags are declared, and typer leaves those alone.
COMMAND_SETTINGS = {
    "epilog": EPILOG,
    "options_metavar": USAGE,
    "context_settings": {"allow_extra_args": True, "ignore_unknown_options": True},
}


def explain(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON: every number in base units with its unit."),
    brief: bool = typer.Option(False, "--brief", help="Only the mechanism (and the calculator's results)."),
    list_concepts: bool = typer.Option(False, "--list", help="List every concept; [calc] marks a calculator."),
    list_presets: bool = typer.Option(False, "--presets", help="List the model presets for model=NAME."),
) -> None:
    """Explain a concept: its three facets, links, sources, and its calculator if it has one."""
    unknown = [arg for arg in ctx.args if arg.startswith("-") and "=" not in arg and len(arg) > 1]
    if unknown:
        raise typer.BadParameter(f"no such option: {unknown[0]}")
    concept, assignments = (ctx.args[0], ctx.args[1:]) if ctx.args else (None, [])
    if list_concepts or list_presets:
        if concept is not None:
            raise typer.BadParameter("--list and --presets take no concept")
        _print_lists(list_concepts, list_presets, as_json)
        return
    if concept is None:
        raise typer.BadParameter("name a concept (e.g. llmc explain kv-cache), or use --list")
    from llmconcepts.explain import explain as explain_concept

    result = explain_concept(concept, assignments)
    if as_json:
        from llmconcepts.explain import explanation_json

        _print_json(explanation_json(result, brief=brief))
        return
    from llmconcepts.ui.console import console
    from llmconcepts.ui.explain import render_calculation, render_calculation_brief, render_concept

    out = console()
    render_concept(out, result.bank, result.concept, brief=brief)
    if result.calculation is not None:
        out.print()
        (render_calculation_brief if brief else render_calculation)(out, result.calculation)


def _print_lists(list_concepts: bool, list_presets: bool, as_json: bool) -> None:
    from llmconcepts.calculators.presets import PRESETS
    from llmconcepts.calculators.registry import calculator_ids

    bank = None
    if list_concepts:
        from llmconcepts.cardbank.loader import load_bank

        bank = load_bank()
    if as_json:
        from llmconcepts.explain import concept_list_json, presets_json

        payload: dict[str, object] = {}
        if bank is not None:
            payload["concepts"] = concept_list_json(bank, set(calculator_ids()))
        if list_presets:
            payload["presets"] = presets_json(PRESETS.values())
        _print_json(payload)
        return
    from llmconcepts.ui.console import console
    from llmconcepts.ui.explain import render_concept_list, render_presets

    if bank is not None:
        render_concept_list(console(), bank, set(calculator_ids()))
    if list_presets:
        render_presets(console(), PRESETS.values())


def _print_json(payload: object) -> None:
    import json

    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
