"""Shared by the export tests: the fixture banks, running exports, and a fresh Anki
collection (the official ``anki`` package) to import them into."""

from __future__ import annotations

import html
import re
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from llmconcepts.cardbank.loader import load_bank
from llmconcepts.export.run import run_export
from llmconcepts.export.selection import ExportScope

FIXTURES = Path(__file__).parent / "fixtures" / "export"
BUILTIN = FIXTURES / "builtin"
USER = FIXTURES / "user"
EVERYTHING = ExportScope(due=False)
T1 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)

# What the fixture files hold, counted by hand: foundations (alpha, beta), serving-ops
# (gamma) and the learner's my-notes (tricky-text), three facets each.
BUILTIN_DECKS = {"LLM Concepts::Foundations": 6, "LLM Concepts::Serving:Ops": 3}
USER_DECKS = {"LLM Concepts::My cards::My notes": 3}
ALL_DECKS = {**BUILTIN_DECKS, **USER_DECKS}
TOTAL = 12


def fixture_bank(user_dir: Path = USER):
    return load_bank(builtin_dir=BUILTIN, user_dirs=[user_dir], use_cache=False)


def export(fmt: str, folder: Path, now: datetime = T1, scope: ExportScope = EVERYTHING,
           bank=None, **options):
    """Run an export of the fixture bank into ``folder`` (created); returns the ExportResult."""
    folder.mkdir(parents=True, exist_ok=True)
    return run_export(fmt, scope, now, cwd=folder, bank=bank or fixture_bank(), **options)


def write_big_bank(folder: Path, concepts: int) -> Path:
    """A learner's card folder with one layer of ``concepts`` made-up concepts (three
    cards each; the benchmarks' synthetic bank), for exports long enough to report
    progress; returns ``folder``."""
    benchmarks = str(Path(__file__).resolve().parent.parent / "benchmarks")
    if benchmarks not in sys.path:
        sys.path.insert(0, benchmarks)
    from generate_history import synthetic_bank_yaml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "synthetic.yaml").write_text(synthetic_bank_yaml(concepts), encoding="utf-8")
    return folder


def visible_text(fragment: str) -> str:
    """What a reader sees in an HTML fragment, as a browser lays it out: runs of white
    space are one space, paragraphs, list items and divs end a line, style sheets and
    tags are dropped, character references decoded (stdlib only)."""
    text = re.sub(r"<style>.*?</style>", "", fragment, flags=re.DOTALL)
    text = re.sub(r"</(p|li|div)>", "\n", re.sub(r"\s+", " ", text))
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@contextmanager
def anki_collection(folder: Path):
    """A new, empty Anki collection in ``folder``."""
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


def import_apkg(col, path: Path):
    """Import with Anki's defaults (update notes if newer); returns the import log."""
    from anki.import_export_pb2 import ImportAnkiPackageRequest

    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path))).log


def import_csv(col, path: Path):
    """Import a text file as Anki's import dialog would, with the metadata Anki reads
    from the file's header lines; returns the import log."""
    from anki.import_export_pb2 import ImportCsvRequest

    metadata = col.get_csv_metadata(str(path), None)
    return col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log


def notes_by_id(col) -> dict[str, object]:
    """Notes of the llmc note type keyed by their Id field."""
    return {col.get_note(nid)["Id"]: col.get_note(nid) for nid in col.find_notes('"note:llmc concept facet"')}


def deck_counts(col) -> dict[str, int]:
    """Deck name -> cards directly in it (parents created by Anki hold none)."""
    counts: dict[str, int] = {}
    for cid in col.find_cards(""):
        name = col.decks.name(col.get_card(cid).did)
        counts[name] = counts.get(name, 0) + 1
    return counts


def modules_loaded_by(code: str) -> set[str]:
    """Top-level modules a fresh interpreter has imported after running ``code``."""
    import subprocess

    probe = f"import sys\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stdout.split())
