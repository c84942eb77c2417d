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
from explain_helpers import fresh_consoles, llmc  # noqa: F401 (fresh_consoles is an autouse fixture)
from rich.console import Console

from llmconcepts.calculators.base import parse_count, parse_number
from llmconcepts.calculators.registry import CALCULATORS, get_calculator
from llmconcepts.ui import console as console_module

COLOR_CODE = re.compile(r"\x1b\[(?:\d+;)*3[0-7](?:;\d+)*m")


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


# ---------------------------------------------------------------------------
# Extreme and malformed values (the QA sweep's findings, one test per rule)


def test_a_five_column_terminal_still_renders(capsys, monkeypatch):
    # the layout clamps its width to a minimum instead of recursing forever
    monkeypatch.setenv("COLUMNS", "5")
    code, out, err = llmc(capsys, "explain", "kv-cache")
    assert code == 0 and err == "" and "KV-cache memory" in out


@pytest.mark.parametrize("assignment", ["tokens=1e400", "tokens=inf", "eps=1e400", "base=1e400", "peak_flops=1e400",
                                        "threshold=1e400", "threshold=nan"])
def test_infinite_and_nan_values_are_refused_as_not_finite(capsys, assignment):
    concept = {"tokens": "kv-cache", "eps": "layer-normalization", "base": "rope", "peak_flops": "ttft-tps",
               "threshold": "rag-evaluation"}[assignment.split("=")[0]]
    code, out, err = llmc(capsys, "explain", concept, assignment)
    assert code == 1 and out == ""
    assert err.startswith(f"llmc: bad value for {assignment.split('=')[0]}: ") and "must be a finite number" in err


def test_a_value_beyond_the_range_names_the_range_and_prints_no_warning(capsys):
    # 1e308 tokens x 1e308 requests overflowed numpy before; now tokens is refused at parse time
    code, out, err = llmc(capsys, "explain", "kv-cache", "tokens=1e308", "batch=1e308", "--json")
    assert code == 1 and out == ""
    assert err.splitlines()[0] == ("llmc: bad value for tokens: '1e308' (must be between 1 and 1e9). "
                                   "Valid inputs for kv-cache:")
    assert "RuntimeWarning" not in err


def test_ranges_are_listed_with_the_valid_inputs(capsys):
    _, _, err = llmc(capsys, "explain", "kv-cache", "layers=0")
    lines = {line.split()[0]: line for line in err.splitlines()[1:]}
    assert "1 to 10,000" in lines["layers"] and "1 to 1e9" in lines["tokens"] and "1MiB to 1PB" in lines["gpu_memory"]


def test_a_comma_is_only_a_thousands_separator(capsys):
    code, _, err = llmc(capsys, "explain", "kv-cache", "tokens=1,0")
    assert code == 1 and "a comma only separates thousands" in err
    code, out, _ = llmc(capsys, "explain", "kv-cache", "tokens=100,000", "--json")
    assert code == 0 and json.loads(out)["inputs"]["tokens"]["value"] == 100_000


def test_a_bare_gpu_memory_suggests_the_unit(capsys):
    code, _, err = llmc(capsys, "explain", "kv-cache", "gpu_memory=80")
    assert code == 1 and "did you mean gpu_memory=80GB?" in err.splitlines()[0]


@pytest.mark.parametrize("assignments, name", [(["tokens=1k", "tokens=2k"], "tokens"),
                                               (["model=llama-2-7b", "model=llama-2-70b"], "model")])
def test_a_repeated_input_is_an_error(capsys, assignments, name):
    code, out, err = llmc(capsys, "explain", "kv-cache", *assignments)
    assert code == 1 and out == "" and err.startswith(f"llmc: {name} is given twice")


@pytest.mark.parametrize("tokens, label", [("4096", "| at 4,096"), ("4100", "| at 4,100"), ("123457", "| at 123,457")])
def test_the_chart_marker_shows_the_exact_input(capsys, tokens, label):
    code, out, _ = llmc(capsys, "explain", "kv-cache", f"tokens={tokens}")
    assert code == 0 and out.count(label) == 1


def test_undefined_recall_reads_undefined_on_screen_and_null_in_json(capsys):
    # a single non-relevant document: recall = 0 relevant found / 0 relevant = undefined
    code, out, _ = llmc(capsys, "explain", "rag-evaluation", "relevances=0")
    assert code == 0
    assert re.search(r"recall at k +undefined \(no relevant documents\)\n", out)
    assert not re.search(r"\bnan\b", out)
    code, out, _ = llmc(capsys, "explain", "rag-evaluation", "relevances=0", "--json")
    recall = json.loads(out)["results"]["recall_at_k"]
    assert recall == {"value": None, "unit": "fraction", "note": "undefined: no relevant documents"}
