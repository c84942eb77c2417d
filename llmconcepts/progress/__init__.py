"""Progress views over the review database: ``llmc list``, ``llmc due`` and ``llmc stats``.

Core code (no rich, no typer): SQL aggregates over indexed columns, learner-day
arithmetic from :mod:`llmconcepts.scheduling.day`, and report dataclasses that the
UI renders and ``--json`` serialises (``docs/progress.md``).
"""
