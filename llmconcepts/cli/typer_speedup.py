"""Keep typer from importing pydantic for a ``--help`` flag that was not given.

typer 0.29 coerces each parameter's value through a pydantic ``TypeAdapter``,
built on first use. It skips the adapter for bool flags whose value is already a
bool, but the built-in ``--help`` option arrives as ``None`` when absent, so every
run (``llmc explain kv-cache``, even ``llmc --help``'s sub-commands) imported
pydantic and built an adapter just to return ``None``: about 40-120 ms, more than
the rest of ``llmc explain`` together.

:func:`install` wraps ``_TyperParameter.process_value`` so that a missing value of
a single-valued bool parameter takes the same path typer takes (``None``, the
required check, then the callback) without the adapter. Other values go through
typer unchanged. If typer's internals differ (another version), nothing is patched.
"""

from __future__ import annotations

from typing import Any


def install() -> bool:
    """Apply the shortcut once; True if typer has the expected internals."""
    try:
        from typer.core import _TyperParameter
        from typer._click.exceptions import MissingParameter
    except ImportError:
        return False
    original = getattr(_TyperParameter, "process_value", None)
    if original is None or getattr(original, "_llmc_shortcut", False):
        return original is not None

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        descriptor = getattr(self, "type_descriptor", None)
        single = not (self.multiple or self.nargs == -1)
        if value is None and single and getattr(descriptor, "annotation", None) is bool:
            if self.required:
                raise MissingParameter(ctx=ctx, param=self)
            return self.callback(ctx, self, None) if self.callback is not None else None
        return original(self, ctx, value)

    process_value._llmc_shortcut = True  # type: ignore[attr-defined]
    _TyperParameter.process_value = process_value  # type: ignore[method-assign]
    return True
