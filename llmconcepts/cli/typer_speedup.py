"""Keep typer from importing pydantic to coerce values it would return unchanged.

typer 0.29 coerces each parameter's value through a pydantic ``TypeAdapter``,
built on first use: importing pydantic and building the adapter costs about
40-120 ms, more than the rest of ``llmc explain`` together, and every command
paid it: the built-in ``--help`` option arrives as ``None`` when absent, and
options such as ``llmc due --days`` or ``llmc study --layer`` carry defaults
(``7``, ``[]``) that go through the adapter too.

:func:`install` wraps ``_TyperParameter.process_value`` so that the values whose
coercion is plain take typer's own path (coerce, the required check, then the
callback) without the adapter:

* a missing value: ``None``, or ``()`` for a multi-value parameter, which is what
  typer's ``RuntimeParam.coerce`` returns before it consults the adapter;
* an ``int`` parameter given an ``int``, or a string of decimal digits, inside its
  ``min``/``max`` (no ``clamp``);
* a ``str`` parameter given a ``str``; a ``list[str]`` one given strings.

Anything else (paths, enums, custom parsers, out-of-range or malformed numbers,
whose error messages come from pydantic) goes through typer unchanged. If typer's
internals differ (another version), nothing is patched.
"""

from __future__ import annotations

import re
from typing import Any

_ADAPTER = object()  # "only typer's adapter can tell"
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")


def install() -> bool:
    """Apply the shortcut once; True if typer has the expected internals."""
    try:
        from typer._click.exceptions import MissingParameter
        from typer.core import _TyperParameter
    except ImportError:
        return False
    original = getattr(_TyperParameter, "process_value", None)
    if original is None or getattr(original, "_llmc_shortcut", False):
        return original is not None
    if not all(hasattr(_TyperParameter, name) for name in ("get_runtime_param", "value_is_missing")):
        return False

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        coerced = _plain_coercion(self, value)
        if coerced is _ADAPTER:
            return original(self, ctx, value)
        if self.required and self.value_is_missing(coerced):
            raise MissingParameter(ctx=ctx, param=self)
        return self.callback(ctx, self, coerced) if self.callback is not None else coerced

    process_value._llmc_shortcut = True  # type: ignore[attr-defined]
    _TyperParameter.process_value = process_value  # type: ignore[method-assign]
    return True


def _plain_coercion(param: Any, value: Any) -> Any:
    """What typer's coercion returns for ``value``, or ``_ADAPTER`` when it needs pydantic."""
    multi = bool(param.multiple) or param.nargs == -1
    if value is None:
        return () if multi else None
    descriptor = getattr(param, "type_descriptor", None)
    info = getattr(descriptor, "parameter_info", None)
    if info is None or getattr(descriptor, "file_annotation", None) is not None:
        return _ADAPTER
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return _ADAPTER
    annotation = descriptor.annotation
    if multi:
        strings = isinstance(value, (list, tuple)) and all(type(v) is str for v in value)
        if annotation == list[str] and strings:
            return list(value)
        return _ADAPTER
    if annotation is str and type(value) is str:
        return value
    if annotation is int:
        return _plain_int(value, info)
    return _ADAPTER


def _plain_int(value: Any, info: Any) -> Any:
    if type(value) is int:
        number = value
    elif type(value) is str and _DECIMAL.fullmatch(value):
        number = int(value)
    else:
        return _ADAPTER
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    out_of_range = (low is not None and number < low) or (high is not None and number > high)
    if getattr(info, "clamp", False) or out_of_range:
        return _ADAPTER  # out of range: typer clamps or pydantic words the error
    return number
