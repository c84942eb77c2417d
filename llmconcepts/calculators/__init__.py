"""Explain-it calculators: pure numpy functions that work a concept's numbers.

``base`` defines the result and input types, ``presets`` the model shapes,
``registry`` maps concept ids to calculators; one module per family holds the
functions. Nothing here imports rich, typer, SQLAlchemy or fsrs.
"""
