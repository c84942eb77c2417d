"""llmc: study the core concepts of LLM engineering from the terminal.

The package is split by layer of the program (see docs/architecture.md):
``cardbank`` loads and validates the concept cards, ``scheduling`` and
``storage`` keep the FSRS review history, ``calculators`` hold the numpy
explain-it widgets, ``export`` writes Anki/CSV/JSON, ``ui`` renders with rich
and ``cli`` wires typer commands to all of them.
"""

__version__ = "0.1.0"
