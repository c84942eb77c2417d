"""Every calculator input against extreme and malformed values, through the real CLI.

For each calculator and each of its inputs, ``llmc explain CONCEPT NAME=VALUE`` runs
in-process with values a user (or a fuzzer) might type: 0, -1, 1e-300, 1e300,
1e400, inf, nan, 1e12, '1,0', '' and 'abc', and for list inputs some malformed
lists. Whatever the value, the command must end in exit 0 or 1, never a traceback
or a numpy warning; a refusal is one ``llmc:`` line followed only by the listing of
valid inputs; success prints no bare nan or inf and strict JSON with --json.
The input ranges must do the refusing: the catch-all "cannot compute with these
inputs together" error (a numpy overflow turned into an error) must never be needed.
The ranges also bound every calculator's work; that is a benchmark matter, not
asserted here with a clock (timed tests flake on a loaded CI machine).
A value refused in text mode is not run again with --json: the refusal comes from
the inputs, before anything is rendered.
"""

from __future__ import annotations

import json
import re
import warnings

import pytest
from explain_helpers import fresh_consoles, llmc  # noqa: F401 (fresh_consoles is an autouse fixture)

from llmconcepts.calculators.registry import CALCULATORS, get_calculator

VALUES = ("0", "-1", "1e-300", "1e300", "1e400", "inf", "nan", "1e12", "1,0", "", "abc")
#: Extra values for list inputs: empty entries, stray separators, a bad entry among good ones.
LIST_VALUES = (",", ";", "1,,2", "1,2,", ";1", "1;;2", "1 2", "-1,2", "1,1e400", "a,a", "0;0", "1,2;3")
BARE_NON_FINITE = re.compile(r"(?<![\w.-])-?(nan|inf)(?![\w.-])")


def _cases(concept: str) -> list[tuple[str, str]]:
    spec = get_calculator(concept)
    cases = []
    for item in spec.inputs:
        values = VALUES + (LIST_VALUES if isinstance(item.default, tuple) else ())
        cases += [(item.name, value) for value in values]
    return cases


def _valid_input_line(line: str, names: set[str]) -> bool:
    return line.startswith("  ") and line.split()[0] in names


@pytest.mark.parametrize("concept", sorted(CALCULATORS))
def test_no_value_breaks_the_calculator(capsys, concept):
    spec = get_calculator(concept)
    names = {item.name for item in spec.inputs} | {"model"}
    numeric = {item.name for item in spec.inputs if item.range_text}
    for name, value in _cases(concept):
        assignment = f"{name}={value}"
        for extra in ((), ("--json",)):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a numpy RuntimeWarning fails the run
                code, out, err = llmc(capsys, "explain", concept, assignment, *extra)
            where = f"{concept} {assignment} {' '.join(extra)}"
            assert code in (0, 1), where
            assert "Traceback" not in err and "cannot compute with these inputs together" not in err, where
            if code == 1:
                first, *rest = err.splitlines()
                assert first.startswith("llmc: ") and out == "", where
                assert all(_valid_input_line(line, names) for line in rest), where
                break  # refused before any rendering: --json would be refused the same way
            assert err == "", where
            if extra:
                json.loads(out, parse_constant=lambda token: pytest.fail(f"{where}: {token} in JSON"))
                assert not re.search(r'"value": "-?(inf|nan)"', out), where
            elif name in numeric:  # (a word list may legitimately name a document "inf")
                assert not BARE_NON_FINITE.search(out), where


def test_the_sweep_covers_every_input():
    # 22 calculators, every declared input, the eleven values each (plus the list extras)
    total = sum(len(get_calculator(concept).inputs) for concept in CALCULATORS)
    assert sum(len(_cases(concept)) for concept in CALCULATORS) >= total * len(VALUES)
    assert len(CALCULATORS) >= 22
