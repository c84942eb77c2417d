"""Rendering with rich. The only package that creates Console objects."""
