"""Time `llmc export` on a 10,000-card bank of the learner's own cards and on the built-in bank.

Usage::

    python benchmarks/export_bench.py [--concepts 3334] [--repeat 3] [--verify]

A synthetic bank of ``--concepts`` concepts (three cards each; 3,334 concepts =
10,002 cards) is written to a temporary ``LLMC_CARDS`` folder, in ten layers, with
answer-sized text (about 700 characters per answer, five key points, three sources;
one answer in five carries ``*emphasis*`` and ``<``/``&``, so both the Markdown
parser and the plain-text path run). Then, for each format (anki, csv, json), over
``--all``:

* ``export``: :func:`llmconcepts.export.run.run_export` in-process with the bank
  already loaded (selection, rendering, writing), best of ``--repeat`` runs;
* ``cli cold``: the whole command in a fresh process (``llmc export FMT --all``)
  with no parse cache, so the YAML is read and validated;
* ``cli warm``: the same with the parse cache filled by the previous run.

Each figure is wall-clock seconds with the CPU seconds of the process beside it:
on a shared machine the wall clock includes waiting for a core, the CPU time does not.

The issue's target: the 10,000-card export under 5 s. ``--verify`` also imports
the .apkg and the CSV into a fresh collection with the ``anki`` package and
checks the note counts (not timed).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

FORMATS = ("anki", "csv", "json")
LAYERS = 10
WORDS = ("tokens", "cache", "latency", "memory", "attention", "batch", "throughput", "model",
         "context", "weights", "decode", "prefill", "kernel", "bandwidth", "sequence", "head")


def _sentence(number: int, offset: int, length: int = 14) -> str:
    words = [WORDS[(number * 7 + offset * 3 + i * 5) % len(WORDS)] for i in range(length)]
    return " ".join(words).capitalize() + "."


def synthetic_bank(concepts: int) -> list[str]:
    """One YAML file per layer for ``concepts`` made-up concepts spread over ten layers of the learner's own."""
    per_layer = -(-concepts // LAYERS)
    files = []
    for layer in range(LAYERS):
        lines = [
            "# Synthetic cards written by benchmarks/export_bench.py; not study material.",
            "layer:", f"  id: bench-layer-{layer:02d}", f"  title: Bench layer {layer:02d}",
            f"  order: {100 + layer}", "", "concepts:",
        ]
        for number in range(layer * per_layer, min(concepts, (layer + 1) * per_layer)):
            lines += [
                f"  - id: bench-{number:05d}",
                f"    title: Bench concept {number:05d}",
                "    sources:",
                f"      - Author et al. 20{number % 25:02d}, A Paper About Concept {number}, section {number % 9}",
                "      - Other and Author 2023, Serving Models at Scale",
                "      - Vendor 2024, model card",
            ]
            for facet in ("mechanism", "trade_off", "failure_mode"):
                answer = " ".join(_sentence(number, k) for k in range(8))
                if number % 5 == 0:
                    answer += " This is *the* point: a < b & c, **always**."
                lines += [
                    f"    {facet}:",
                    f"      prompt: >-\n        {_sentence(number, 20, 30)} What happens to {facet}?",
                    f"      answer: >-\n        {answer}",
                    "      key_points:",
                ]
                lines += [f"        - {{point: {_sentence(number, 40 + k, 8)}, cues: [cue {k}]}}" for k in range(5)]
        files.append("\n".join(lines) + "\n")
    return files


def _best(action, repeat: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def _cli(fmt: str, out: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of ``llmc export FMT --all`` in a fresh process."""
    llmc = Path(sys.executable).with_name("llmc")
    command = [str(llmc), "export", fmt, "--all", "-o", str(out), "--force"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _figure(times: tuple[float, float]) -> str:
    return f"{times[0]:5.2f} s ({times[1]:4.2f} CPU)"


def bench(label: str, cards_dir: Path | None, work: Path, repeat: int, verify: bool) -> list[str]:
    """Rows of the report for one bank."""
    from llmconcepts import paths
    from llmconcepts.cardbank.loader import load_bank
    from llmconcepts.export.run import FORMATS as EXTENSIONS
    from llmconcepts.export.run import run_export
    from llmconcepts.export.selection import ExportScope

    home = work / f"home-{label}"
    out = work / f"out-{label}"
    out.mkdir()
    env = {**os.environ, "LLMC_HOME": str(home)}
    env.pop("LLMC_CARDS", None)
    if cards_dir is not None:
        env["LLMC_CARDS"] = str(cards_dir)
    os.environ.clear()
    os.environ.update(env)
    start = time.perf_counter()
    bank = load_bank(use_cache=False)
    parse = time.perf_counter() - start
    cards = len(bank.cards())
    now = datetime.now(timezone.utc)
    rows = [f"{label}: {cards} cards, {len(bank.layers)} layers; bank parse (no cache) {parse:.2f} s"]
    for fmt in FORMATS:
        target = out / f"bench.{EXTENSIONS[fmt]}"
        export = _best(lambda fmt=fmt, target=target: run_export(
            fmt, ExportScope(due=False), now, output=target, force=True, bank=bank), repeat)
        shutil.rmtree(paths.cache_dir(), ignore_errors=True)
        cold = _cli(fmt, target, env)
        warm = _cli(fmt, target, env)
        size = target.stat().st_size / 1e6
        rows.append(f"  {fmt:<5} export {_figure(export)}   cli cold {_figure(cold)}   "
                    f"cli warm {_figure(warm)}   file {size:5.1f} MB")
    if verify:
        rows.append("  " + _verify(out, work / f"anki-{label}", cards))
    return rows


def _verify(out: Path, folder: Path, cards: int) -> str:
    from anki.collection import Collection
    from anki.import_export_pb2 import ImportAnkiPackageRequest, ImportCsvRequest

    folder.mkdir()
    col = Collection(str(folder / "a.anki2"))
    start = time.perf_counter()
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(out / "bench.apkg")))
    apkg_notes, apkg_seconds = col.note_count(), time.perf_counter() - start
    col.close()
    col = Collection(str(folder / "c.anki2"))
    metadata = col.get_csv_metadata(str(out / "bench.csv"), None)
    col.import_csv(ImportCsvRequest(path=str(out / "bench.csv"), metadata=metadata))
    csv_notes = col.note_count()
    col.close()
    verdict = "OK" if apkg_notes == csv_notes == cards else "MISMATCH"
    return (f"verify: Anki imported {apkg_notes} notes from the .apkg ({apkg_seconds:.1f} s) "
            f"and {csv_notes} from the CSV: {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concepts", type=int, default=3334, help="synthetic concepts (3 cards each)")
    parser.add_argument("--repeat", type=int, default=3, help="in-process runs per format (best is kept)")
    parser.add_argument("--verify", action="store_true", help="import the files into Anki and check counts")
    args = parser.parse_args(argv)
    saved_env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="llmc-export-bench-") as temp:
        work = Path(temp)
        cards_dir = work / "cards"
        cards_dir.mkdir()
        for index, text in enumerate(synthetic_bank(args.concepts)):
            (cards_dir / f"bench-{index:02d}.yaml").write_text(text, encoding="utf-8")
        try:
            rows = bench("user bank", cards_dir, work, args.repeat, args.verify)
            rows += bench("built-in bank", None, work, args.repeat, args.verify)
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
