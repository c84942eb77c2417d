"""`llmc explain` end to end: lookup, the concept view, calculators, --json, --list, errors.

Runs the real CLI entry point in-process (``llmconcepts.cli.main``) against the
built-in bank, except the import test, which needs a fresh interpreter.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest
from rich.console import Console

from llmconcepts.calculators.base import parse_count, parse_number
from llmconcepts.calculators.registry import CALCULATORS, get_calculator
from llmconcepts.cli import main
from llmconcepts.ui import console as console_module

COLOR_CODE = re.compile(r"\x1b\[(?:\d+;)*3[0-7](?:;\d+)*m")


@pytest.fixture(autouse=True)
def fresh_consoles():
    """Consoles are cached per process; each test gets ones built from its own environment."""
    console_module.console.cache_clear()
    console_module.error_console.cache_clear()
    yield
    console_module.console.cache_clear()
    console_module.error_console.cache_clear()


def llmc(capsys, *args: str) -> tuple[int, str, str]:
    """Run `llmc ARGS...` in-process; returns (exit code, stdout, stderr)."""
    old_argv = sys.argv
    sys.argv = ["llmc", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old_argv
    out, err = capsys.readouterr()
    return code, out, err


def test_headline_kv_cache_for_llama_2_70b_at_100k(capsys):
    code, out, _ = llmc(capsys, "explain", "kv-cache", "model=llama-2-70b", "tokens=100k")
    assert code == 0
    assert "30.52 GiB (32.77 GB)" in out
    assert "2 x 80 layers x 8 KV heads x 128 dims x 2 B (fp16)" in out  # the working is shown
    assert "KV cache vs context length" in out  # and the chart
    assert "Mechanism" in out and "Trade-off" in out and "Failure mode" in out


@pytest.mark.parametrize("query, concept_id", [("kv cache", "kv-cache"), ("kvcache", "kv-cache"),
                                               ("KV-Cache", "kv-cache"), ("GQA", "mqa-gqa"),
                                               ("flash attn", "flash-attention"),
                                               ("speculative decodng", "speculative-decoding"),
                                               ("Rotary position embeddings", "rope")])
def test_lookup_by_alias_title_and_typo(capsys, query, concept_id):
    code, out, _ = llmc(capsys, "explain", query, "--json")
    assert code == 0
    assert json.loads(out)["concept"] == concept_id


def test_unknown_concept_lists_three_nearest_ids(capsys):
    code, out, err = llmc(capsys, "explain", "quantum entanglement")
    assert code == 1 and out == ""
    assert err.startswith("llmc: no concept matches 'quantum entanglement'")
    suggested = err.split("Did you mean: ")[1].rstrip("?\n").split(", ")
    known = {c["id"] for c in json.loads(llmc(capsys, "explain", "--list", "--json")[1])["concepts"]}
    assert len(suggested) == 3 and set(suggested) <= known and "quantization" in suggested


def test_several_equally_good_matches_are_listed(capsys):
    code, out, err = llmc(capsys, "explain", "cache")
    assert code == 1 and out == ""
    assert "matches several concepts" in err and "kv-cache" in err and "semantic-caching" in err


def test_json_shape_and_base_units(capsys):
    code, out, _ = llmc(capsys, "explain", "kv-cache", "model=llama-2-70b", "tokens=100k", "--json")
    assert code == 0
    payload = json.loads(out)
    assert {"concept", "inputs", "results", "formula", "steps", "sources", "facets"} <= set(payload)
    assert payload["concept"] == "kv-cache" and payload["calculator"] is True
    assert payload["results"]["total_bytes"] == {"value": 32_768_000_000, "unit": "bytes"}
    assert payload["inputs"]["tokens"] == {"value": 100_000, "unit": "tokens"}
    assert payload["inputs"]["gpu_memory"]["unit"] == "bytes"
    assert all("unit" in q for q in [*payload["inputs"].values(), *payload["results"].values()])
    assert [f["kind"] for f in payload["facets"]] == ["mechanism", "trade_off", "failure_mode"]


def test_json_for_a_concept_without_calculator(capsys):
    code, out, _ = llmc(capsys, "explain", "tokenization", "--json", "--brief")
    payload = json.loads(out)
    if payload["calculator"]:
        pytest.skip("tokenization gained a calculator")
    assert code == 0 and payload["inputs"] == {} and payload["results"] == {}
    assert [f["kind"] for f in payload["facets"]] == ["mechanism"]


def test_brief_shows_only_the_mechanism_and_results(capsys):
    code, out, _ = llmc(capsys, "explain", "kv-cache", "--brief")
    assert code == 0
    assert "Mechanism" in out and "Trade-off" not in out and "Failure mode" not in out
    assert "Results" in out and "Working" not in out


def test_concept_view_links_and_sources(capsys):
    code, out, _ = llmc(capsys, "explain", "kv-cache")
    assert code == 0
    assert "Prerequisites: " in out and "Related (builds on this): " in out
    related = out.split("Related (builds on this): ")[1].split("\n")[0]
    assert "paged-attention" in related  # paged-attention lists kv-cache as a prerequisite
    assert "Sources:" in out


def test_list_marks_every_calculator(capsys):
    code, out, _ = llmc(capsys, "explain", "--list")
    assert code == 0
    marked = {line.split()[0] for line in out.splitlines() if line.rstrip().endswith("[calc]")}
    assert marked == set(CALCULATORS)
    code, out, _ = llmc(capsys, "explain", "--list", "--json")
    listing = json.loads(out)["concepts"]
    assert {c["id"] for c in listing if c["calculator"]} == set(CALCULATORS)


def test_presets_listed_with_sources(capsys):
    code, out, _ = llmc(capsys, "explain", "--presets")
    assert code == 0
    for name in ("opt-13b", "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b",
                 "mistral-7b", "mixtral-8x7b"):
        assert name in out
    assert out.count("source: ") == 8


def _bad_value_for(spec) -> str:
    """An assignment the calculator cannot accept: a word for a number, or an empty list."""
    numeric = [i for i in spec.inputs if i.parse in (parse_number, parse_count)]
    return f"{numeric[0].name}=not-a-number" if numeric else f"{spec.inputs[0].name}="


@pytest.mark.parametrize("concept", sorted(CALCULATORS))
def test_every_calculator_rejects_bad_input_listing_names_units_defaults(capsys, concept):
    spec = get_calculator(concept)
    for bad in ("no_such_input=1", _bad_value_for(spec)):
        code, out, err = llmc(capsys, "explain", concept, bad)
        assert code == 1 and out == "", bad
        assert err.startswith("llmc: ")
        for item in spec.inputs:
            line = next(line for line in err.splitlines() if line.split()[:1] == [item.name])
            assert item.default_display() in line and (item.unit or "-") in line


def test_inputs_on_a_concept_without_calculator(capsys):
    code, _, err = llmc(capsys, "explain", "tokenization", "tokens=5")
    if "tokenization" in CALCULATORS:
        pytest.skip("tokenization gained a calculator")
    assert code == 1 and "has no calculator" in err


def test_usage_errors_exit_2(capsys):
    assert llmc(capsys, "explain")[0] == 2
    assert llmc(capsys, "explain", "kv-cache", "--jsn")[0] == 2
    assert llmc(capsys, "explain", "kv-cache", "--list")[0] == 2


@pytest.mark.parametrize("width", [60, 80])
def test_fits_the_terminal_width(capsys, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = llmc(capsys, "explain", "kv-cache", "model=llama-2-70b", "tokens=100k")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= width
    assert all(line == line.rstrip() for line in out.splitlines())


def test_no_color_is_respected(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert COLOR_CODE.search(llmc(capsys, "explain", "kv-cache")[1])  # colour is on when forced...
    console_module.console.cache_clear()
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = llmc(capsys, "explain", "kv-cache")
    assert code == 0 and not COLOR_CODE.search(out)  # ...and off under NO_COLOR


def test_card_text_is_never_markup():
    from llmconcepts.cardbank.model import CardBank, Concept, Facet, FacetKind, KeyPoint, Layer, SourceLocation
    from llmconcepts.ui.explain import render_concept

    facets = tuple(Facet(kind, f"[bold]prompt {kind.value}[/bold]", "answer [red]x[/]", (KeyPoint("[link]", ()),))
                   for kind in FacetKind)
    concept = Concept("c", "Title [i]", "l", (), (), ("[source]",), facets, SourceLocation(__file__, 1))
    out = Console(file=io.StringIO(), width=80, force_terminal=False)
    render_concept(out, CardBank((Layer("l", "Layer", 1),), (concept,)), concept)
    text = out.file.getvalue()
    for literal in ("[bold]prompt mechanism[/bold]", "answer [red]x[/]", "[link]", "[source]", "Title [i]"):
        assert literal in text


def _loaded_modules(args: list[str], home: str) -> set[str]:
    code = ("import sys\nfrom llmconcepts.cli import main\nsys.argv = ['llmc'] + sys.argv[1:]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('MODULES', ' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)")
    env = {**os.environ, "LLMC_HOME": home}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True)
    return set(done.stderr.rsplit("MODULES ", 1)[1].split())


def test_explain_never_imports_storage_scheduling_or_export_libraries(tmp_path):
    home = str(tmp_path / "home")
    forbidden = {"sqlalchemy", "fsrs", "genanki", "alembic"}
    cold = _loaded_modules(["explain", "kv-cache", "tokens=100k"], home)  # parses the bank, writes its cache
    assert not cold & forbidden
    warm = _loaded_modules(["explain", "kv-cache", "tokens=100k"], home)
    assert not warm & (forbidden | {"pydantic", "yaml"})
    assert "numpy" in warm  # the calculator ran
