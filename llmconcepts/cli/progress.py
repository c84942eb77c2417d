"""`llmc list`, `llmc due`, `llmc stats`: progress at a glance (JSON shapes in docs/progress.md)."""

from __future__ import annotations

import sys
from typing import Optional

import typer

#: Longest forecast of ``llmc due --days`` (progress.reports.MAX_FORECAST_DAYS, which
#: is not imported here: that module loads the database layer).
MAX_FORECAST_DAYS = 365
JSON_HELP = "Print JSON (documented in docs/progress.md); dates in your time zone, ISO 8601."


def _now():  # noqa: ANN202 - the CLI reads the clock once per action
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _show(report, as_json: bool, renderer: str) -> None:  # noqa: ANN001 - any progress report
    """Print the report as JSON, or draw it with ``llmconcepts.ui.progress.<renderer>``."""
    if as_json:
        import json

        sys.stdout.write(json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n")
        return
    from llmconcepts.ui import progress

    getattr(progress, renderer)(report)


def list_concepts(
    layer: Optional[str] = typer.Option(None, "--layer", metavar="ID", help="Only this layer (id or title)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """The curriculum by layer: each card's state, due date and recall probability."""
    from llmconcepts.progress.reports import list_report

    _show(list_report(_now(), layer), as_json, "render_list")


def due(
    days: int = typer.Option(7, "--days", metavar="N", min=1, max=MAX_FORECAST_DAYS,
                             help="Days of forecast after today."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """What is due now, later today, and on each of the next N days."""
    from llmconcepts.progress.reports import due_report

    _show(due_report(_now(), days), as_json, "render_due")


def stats(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Reviews per day over 26 weeks, streaks, true retention, cards by state, mastery by layer."""
    from llmconcepts.progress.reports import stats_report

    _show(stats_report(_now()), as_json, "render_stats")
