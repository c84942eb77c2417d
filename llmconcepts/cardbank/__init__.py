"""The card bank: typed concept cards loaded from YAML and validated.

``model`` holds the frozen dataclasses; ``loader`` reads YAML files with line
numbers and turns every problem into a message naming file, line and field.
"""
