"""The card bank: typed concept cards loaded from YAML and validated.

``model`` holds the frozen dataclasses; ``loader`` reads the built-in bank and the
learner's own cards (``yamlread`` keeps the line of every key, ``schema`` checks the
fields with pydantic) and caches the result (``cache``); ``lookup`` finds a concept
or a layer from what a person types.

Importing this package is cheap: PyYAML, pydantic and rapidfuzz load only when a
bank is parsed or a fuzzy lookup runs.
"""

from llmconcepts.cardbank.loader import check_paths, load_bank
from llmconcepts.cardbank.lookup import UnknownLayerError, find_concept, find_layer, nearest_concepts

__all__ = ["check_paths", "find_concept", "find_layer", "load_bank", "nearest_concepts", "UnknownLayerError"]
