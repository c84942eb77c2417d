"""Export cards for Anki and for scripts.

* :mod:`~llmconcepts.export.selection`: which cards (due today, layers, concepts, all);
* :mod:`~llmconcepts.export.notes`: a card as an Anki note (GUID, deck, tags, fields),
  with :mod:`~llmconcepts.export.markup` turning card text into safe HTML;
* :mod:`~llmconcepts.export.anki` (``.apkg`` with genanki),
  :mod:`~llmconcepts.export.csv_export` (Anki text import),
  :mod:`~llmconcepts.export.json_export` (cards with their FSRS state);
* :mod:`~llmconcepts.export.output`: atomic writing (no partial file);
* :mod:`~llmconcepts.export.run`: :func:`run_export`, what the CLI calls.

Importing this package is cheap: genanki, markdown-it-py, SQLAlchemy and fsrs are
imported only when an export runs.
"""
