"""The schema of one card file (pydantic v2), and its errors as ``file:line`` problems.

The models mirror docs/card-format.md. They validate the plain data produced by
:mod:`llmconcepts.cardbank.yamlread`, where every scalar is a string (``order: 2``
arrives as ``"2"`` and pydantic's lax mode turns it into an int) and an empty value
is ``None``. Every model forbids unknown fields; pydantic collects every error of a
file in one pass, and :func:`validate_file` maps each error location back to the
line of the key or item it names.

This module imports pydantic at import time: the loader imports it only when it
has to parse (never on a cache hit).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from llmconcepts.cardbank.problems import DataPath, Problem, field_label
from llmconcepts.cardbank.yamlread import YamlDocument

KEY_POINTS_MIN, KEY_POINTS_MAX = 3, 5
UNLIMITED = 10**9
KEBAB_CASE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _present(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("empty", "is empty")
    return value


def _non_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise PydanticCustomError("empty", "is empty")
    return value


def _kebab_case(value: str) -> str:
    if not KEBAB_CASE.fullmatch(value):
        raise PydanticCustomError(
            "kebab_case",
            "'{value}' is not a kebab-case id (lowercase letters and digits joined by single hyphens, "
            "like 'kv-cache')",
            {"value": value},
        )
    return value


def _none_is_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _count_between(low: int, high: int, what: str) -> AfterValidator:
    wanted = f"at least {low}" if high == UNLIMITED else f"{low} to {high}"

    def check(items: list) -> list:
        if not low <= len(items) <= high:
            raise PydanticCustomError(
                "item_count",
                "has {found} {what}; {wanted} needed",
                {"found": len(items), "what": what, "wanted": wanted},
            )
        return items

    return AfterValidator(check)


Text = Annotated[str, BeforeValidator(_present), AfterValidator(_non_blank)]
KebabId = Annotated[str, BeforeValidator(_present), AfterValidator(_non_blank), AfterValidator(_kebab_case)]
OptionalList = BeforeValidator(_none_is_empty_list)
RequiredList = BeforeValidator(_present)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerSpec(_Strict):
    """``layer:`` at the top of a file: the layer all its concepts belong to."""

    id: KebabId
    title: Text
    order: Annotated[int, BeforeValidator(_present)]


class KeyPointSpec(_Strict):
    """One key point: the statement shown on reveal and the cues that detect it."""

    point: Text
    cues: Annotated[list[Text], RequiredList, _count_between(1, UNLIMITED, "cues")]


class FacetSpec(_Strict):
    """A facet: prompt, model answer and 3-5 key points."""

    prompt: Text
    answer: Text
    key_points: Annotated[
        list[KeyPointSpec], RequiredList, _count_between(KEY_POINTS_MIN, KEY_POINTS_MAX, "key points")
    ]


Facet = Annotated[FacetSpec, BeforeValidator(_present)]


class ConceptSpec(_Strict):
    """One concept entry of ``concepts:``.

    ``layer`` is optional: the file's ``layer:`` gives it; when a concept repeats
    it, the loader checks that the two agree.
    """

    id: KebabId
    title: Text
    layer: KebabId | None = None
    aliases: Annotated[list[Text], OptionalList] = []
    prerequisites: Annotated[list[KebabId], OptionalList] = []
    sources: Annotated[list[Text], RequiredList, _count_between(1, UNLIMITED, "sources")]
    mechanism: Facet
    trade_off: Facet
    failure_mode: Facet


class CardFileSpec(_Strict):
    """A whole card file: one layer and its concepts, in study order."""

    layer: Annotated[LayerSpec, BeforeValidator(_present)]
    concepts: Annotated[list[ConceptSpec], RequiredList, _count_between(1, UNLIMITED, "concepts")]


def validate_file(document: YamlDocument) -> tuple[CardFileSpec | None, list[Problem]]:
    """Validate one parsed file against :class:`CardFileSpec`.

    Returns:
        ``(spec, [])`` when valid, else ``(None, problems)`` with one problem per
        pydantic error, each at the line of the field it concerns.
    """
    try:
        return CardFileSpec.model_validate(document.data), []
    except ValidationError as exc:
        return None, [_problem(document, error) for error in exc.errors(include_url=False)]


_PLAIN_MESSAGES = {
    "list_type": "should be a list (write [a, b] or one '- item' per line)",
    "dict_type": "should be a mapping of fields",
    "model_type": "should be a mapping of fields",
    "model_attributes_type": "should be a mapping of fields",
    "string_type": "should be text, not a list or a mapping",
    "int_parsing": "should be a whole number",
    "int_type": "should be a whole number",
    "missing": "required field is missing",
}


def _problem(document: YamlDocument, error: dict) -> Problem:
    where: DataPath = tuple(error["loc"])
    if not where and error["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return Problem(document.path, 1, "a card file should be a mapping with 'layer:' and 'concepts:'")
    message = _PLAIN_MESSAGES.get(error["type"], error["msg"])
    if error["type"] == "extra_forbidden":
        message = "unknown field" + _did_you_mean(str(where[-1]), _fields_at(where[:-1]))
    return Problem(document.path, document.line_of(where), message, field_label(document.data, where))


def _fields_at(where: DataPath) -> list[str]:
    """Field names of the model that validates the mapping at ``where``."""
    model: Any = CardFileSpec
    for part in where:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = getattr(annotation, "__args__", (annotation,))[0] if annotation is not None else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
    return list(model.model_fields)


def _did_you_mean(name: str, choices: list[str]) -> str:
    from rapidfuzz import process

    match = process.extractOne(name, choices, score_cutoff=70)
    allowed = ", ".join(choices)
    if match:
        return f" (did you mean '{match[0]}'? allowed here: {allowed})"
    return f" (allowed here: {allowed})" if choices else ""
