"""The loader rejects each malformed bank with file, line and field, and reads valid
YAML the way the card format promises.

Every malformed fixture marks the line(s) that must be reported with a trailing
``# expect: <text>`` comment; the test reads those marks from the file, so the
expected lines come from the fixture, not from the loader.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llmconcepts.cardbank.loader import check_paths
from llmconcepts.cardbank.model import FacetKind
from llmconcepts.errors import CardBankError

BANKS = Path(__file__).parent / "fixtures" / "banks"
MALFORMED = sorted((BANKS / "malformed").glob("*.yaml"))


def expected_marks(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` for each ``# expect: text`` comment (bytes: one fixture is not UTF-8)."""
    marks = []
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if b"# expect: " in raw:
            marks.append((number, raw.split(b"# expect: ", 1)[1].decode("latin-1").strip()))
    return marks


def problems_of(*targets: Path) -> list[str]:
    with pytest.raises(CardBankError) as caught:
        check_paths(list(targets), with_builtin=False)
    return caught.value.problems


def line_of(problem: str) -> int:
    match = re.match(r"(.+?):(\d+): ", problem)
    assert match, f"problem does not start with file:line: {problem!r}"
    return int(match.group(2))


def test_every_malformed_case_has_a_fixture():
    cases = {p.stem for p in MALFORMED}
    assert {
        "duplicate-key",
        "unknown-field",
        "missing-field",
        "duplicate-id",
        "unknown-prerequisite",
        "cycle",
        "empty-facet",
        "empty-answer",
        "key-point-count",
        "tab-indent",
        "not-utf8",
        "syntax-error",
        "not-kebab-case",
    } <= cases


@pytest.mark.parametrize("fixture", MALFORMED, ids=lambda p: p.stem)
def test_malformed_file_is_rejected_at_the_marked_lines(fixture: Path):
    marks = expected_marks(fixture)
    assert marks, f"{fixture.name} has no '# expect:' mark"
    problems = problems_of(fixture)
    assert sorted(line_of(p) for p in problems) == sorted(line for line, _ in marks), problems
    for line, text in marks:
        assert any(
            Path(p.split(":", 1)[0]).resolve() == fixture.resolve() and f":{line}: " in p and text in p
            for p in problems
        ), f"no problem at {fixture.name}:{line} containing {text!r}: {problems}"


@pytest.mark.parametrize("folder", ["duplicate-id-across", "layer-mismatch", "layer-order-clash"])
def test_problems_across_files_name_both_files(folder: str):
    first, second = sorted((BANKS / folder).glob("*.yaml"))
    [(line, text)] = expected_marks(second)
    [problem] = problems_of(BANKS / folder)
    assert f"{second.name}:{line}: " in problem and text in problem
    assert f"{first.name}:" in problem, "the message must name the other file too"


def test_all_problems_of_all_files_are_reported_at_once():
    problems = problems_of(*MALFORMED)
    assert {Path(p.split(":", 1)[0]).name for p in problems} == {f.name for f in MALFORMED}


def test_yaml_1_1_words_stay_text():
    bank = check_paths([BANKS / "yaml11"], with_builtin=False)
    [concept] = bank.concepts
    assert concept.aliases == ("no", "on", "yes", "off", "1.0", "0x10", "null", "~", "2024-01-01")
    assert all(type(alias) is str for alias in concept.aliases)
    assert bank.layers[0].order == 1  # the one number the schema asks for


def test_valid_bank_is_read_in_file_order_with_origins():
    bank = check_paths([BANKS / "valid"], with_builtin=False)
    assert [layer.id for layer in bank.layers] == ["basics", "serving"]
    assert [c.id for c in bank.concepts] == ["kv-cache", "mqa-gqa", "speculative-decoding", "flash-attention"]
    gqa = bank.concept("mqa-gqa")
    assert gqa.layer == "basics"
    assert gqa.prerequisites == ("kv-cache",)
    assert gqa.aliases == ("GQA", "MQA", "grouped query attention", "on")
    assert gqa.origin.path == (BANKS / "valid" / "01-basics.yaml").resolve()
    assert gqa.origin.line == 46  # the '- id: mqa-gqa' line of the fixture
    mechanism = gqa.facet(FacetKind.MECHANISM)
    assert [k.text for k in mechanism.key_points][0] == "Query heads are grouped"
    assert mechanism.key_points[0].cues == ("groups of query heads",)
    assert [f.kind for f in gqa.facets] == [FacetKind.MECHANISM, FacetKind.TRADE_OFF, FacetKind.FAILURE_MODE]
    assert len(bank.cards()) == 12


def test_folded_answer_is_one_paragraph_without_trailing_newline():
    answer = check_paths([BANKS / "valid"], with_builtin=False).concept("kv-cache").facet("mechanism").answer
    assert answer == (
        "It stores the key and value vectors of every earlier token, so each new "
        "token only computes its own projections."
    )


def test_missing_path_and_empty_folder_are_reported(tmp_path: Path):
    problems = problems_of(tmp_path / "nope.yaml", tmp_path)
    assert problems == [
        f"{tmp_path / 'nope.yaml'}: no such file or folder",
        f"{tmp_path}: no .yaml card files in this folder",
    ]


def test_concept_layer_field_must_match_the_file(tmp_path: Path):
    text = (BANKS / "valid" / "02-serving.yaml").read_text(encoding="utf-8")
    text = text.replace("    title: FlashAttention\n", "    title: FlashAttention\n    layer: basics\n")
    (tmp_path / "serving.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "basics.yaml").write_bytes((BANKS / "valid" / "01-basics.yaml").read_bytes())
    [problem] = problems_of(tmp_path)
    line = text.splitlines().index("    layer: basics") + 1
    assert f"serving.yaml:{line}: flash-attention.layer: " in problem
    assert "declares layer 'serving'" in problem


def test_two_concepts_answering_to_one_alias_are_rejected(tmp_path: Path):
    text = (BANKS / "valid" / "02-serving.yaml").read_text(encoding="utf-8")
    text = text.replace("    aliases: [spec decoding]", "    aliases: [spec decoding, Key-Value Cache]")
    (tmp_path / "serving.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "basics.yaml").write_bytes((BANKS / "valid" / "01-basics.yaml").read_bytes())
    [problem] = problems_of(tmp_path / "basics.yaml", tmp_path / "serving.yaml")
    line = text.splitlines().index("    aliases: [spec decoding, Key-Value Cache]") + 1
    assert f"serving.yaml:{line}: speculative-decoding.aliases[1]: " in problem
    assert "also names concept 'kv-cache'" in problem and "basics.yaml:" in problem


def test_recursive_alias_is_refused_not_a_crash(tmp_path: Path):
    (tmp_path / "loop.yaml").write_text("layer: &me {id: a, title: A, order: [*me]}\nconcepts: []\n")
    problems = problems_of(tmp_path / "loop.yaml")
    assert any("loop.yaml:1: " in p and "alias refers to the value that contains it" in p for p in problems)


def test_merge_keys_are_refused(tmp_path: Path):
    text = (BANKS / "valid" / "01-basics.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "layer:\n  id: basics\n", "base: &base {id: basics}\nlayer:\n  <<: *base\n  id: basics\n"
    )
    (tmp_path / "merge.yaml").write_text(text, encoding="utf-8")
    problems = problems_of(tmp_path / "merge.yaml")
    assert any("merge.yaml:4: " in p and "merge keys" in p for p in problems), problems
    assert any("merge.yaml:2: base: unknown field" in p for p in problems), problems


def test_a_file_that_is_not_a_mapping(tmp_path: Path):
    (tmp_path / "list.yaml").write_text("- just\n- a list\n")
    (tmp_path / "empty.yaml").write_text("# nothing here\n")
    problems = problems_of(tmp_path / "list.yaml", tmp_path / "empty.yaml")
    assert any(
        p.endswith("list.yaml:1: a card file should be a mapping with 'layer:' and 'concepts:'")
        for p in problems
    )
    assert any("empty.yaml:1: the file is empty" in p for p in problems)


def test_a_byte_order_mark_is_accepted(tmp_path: Path):
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + (BANKS / "yaml11" / "scalars.yaml").read_bytes())
    assert [c.id for c in check_paths([tmp_path], with_builtin=False).concepts] == ["alpha"]


def test_an_alias_bomb_is_cut_short(tmp_path: Path):
    """Nine levels of ten aliases each would expand to 10**9 values ("billion laughs")."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = problems_of(tmp_path / "bomb.yaml")
    assert any("aliases expand to more than 200000 values" in p for p in problems), problems


def test_a_large_file_without_aliases_is_not_cut_short(tmp_path: Path):
    """The alias guard counts only what aliases stand for: 250,000 plain values (here a
    concept's sources) are a large file, not an attack (QA: a 4,000-concept file was
    refused as 'more than 200000 values once aliases are expanded')."""
    text = (BANKS / "yaml11" / "scalars.yaml").read_text(encoding="utf-8")
    sources = "".join(f"      - Source {number}\n" for number in range(250_000))
    assert "    sources:\n" in text
    (tmp_path / "big.yaml").write_text(text.replace("    sources:\n", "    sources:\n" + sources, 1),
                                       encoding="utf-8")
    [concept] = check_paths([tmp_path], with_builtin=False).concepts
    assert len(concept.sources) > 250_000


def test_unknown_fields_name_the_fields_allowed_there(tmp_path: Path):
    text = (BANKS / "yaml11" / "scalars.yaml").read_text(encoding="utf-8")
    text = text.replace("  order: 1", "  order: 1\n  colour: red").replace(
        "{point: One, cues: [one]}", "{point: One, cues: [one], weight: 2}", 1
    )
    (tmp_path / "extra.yaml").write_text(text, encoding="utf-8")
    problems = problems_of(tmp_path / "extra.yaml")
    assert [p.split(": ", 1)[1] for p in problems] == [
        "layer.colour: unknown field (allowed here: id, title, order)",
        "alpha.mechanism.key_points[0].weight: unknown field (allowed here: point, cues)",
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("layer: {id: a}\n---\nconcepts: []\n", 2, "a card file holds one YAML document"),
        ("? [a, b]\n: c\n", 1, "a key must be plain text"),
        ("layer: *nowhere\n", 1, "the alias '*nowhere' names no anchor"),
        ("deep: " + "[" * 80 + "]" * 80 + "\n", 1, "nested more than 64 deep"),
    ],
    ids=["two-documents", "list-as-key", "unknown-alias", "too-deep"],
)
def test_yaml_constructs_a_card_file_cannot_use(tmp_path: Path, text: str, line: int, message: str):
    (tmp_path / "odd.yaml").write_text(text, encoding="utf-8")
    problems = problems_of(tmp_path / "odd.yaml")
    assert any(f"odd.yaml:{line}: " in p and message in p for p in problems), problems


def test_a_bad_byte_inside_a_multi_line_answer_names_that_answer(tmp_path: Path):
    """The file cannot be parsed as it is, so the field is found on a repaired copy: the
    byte on the third line of a block-scalar answer belongs to alpha.mechanism.answer."""
    lines = [
        "layer: {id: demo, title: Demo, order: 1}",
        "concepts:",
        "  - id: alpha",
        "    title: Alpha",
        "    sources: [Author et al. 2020]",
        "    mechanism:",
        "      prompt: Explain it.",
        "      answer: >",
        "        First line of the answer.",
        "        Second line, with caf\udce9 in Latin-1.",
        "      key_points: [{point: One, cues: [one]}, {point: Two, cues: [two]}, {point: Three, cues: [three]}]",
    ]
    raw = "\n".join(lines).encode("utf-8", errors="surrogateescape") + b"\n"
    (tmp_path / "bad.yaml").write_bytes(raw)
    [problem] = problems_of(tmp_path / "bad.yaml")
    assert problem.endswith("bad.yaml:10: alpha.mechanism.answer: the file is not UTF-8 text: "
                            "byte 0xE9 at column 30 cannot be decoded; save the file as UTF-8")  # 8 spaces + 21 characters before it


BROKEN_BASE = """\
layer: {id: demo, title: Demo, order: 1}
concepts:
  - id: alpha
    title: Alpha
    sources: [Author et al. 2020]
    mechanism:
      prompt: Explain it.
      answer: It works.
      key_points:
        - point: One
          cues: [one]
        - point: Two
          cues: [two]
        - point: Three
          cues: [three]
    trade_off:
      prompt: "What does it cost?"
      answer: A lot.
      key_points: [{point: One, cues: [one]}, {point: Two, cues: [two]}, {point: Three, cues: [three]}]
    failure_mode:
      prompt: When?
      answer: Often.
      key_points: [{point: One, cues: [one]}, {point: Two, cues: [two]}, {point: Three, cues: [three]}]
"""


@pytest.mark.parametrize(
    ("line", "broken", "expected"),
    [
        (11, "          cues: [one", "11: alpha.mechanism.key_points[0].cues: YAML syntax error: did not find "
                                    "expected ',' or ']'"),  # unclosed bracket: reported where it opened
        (17, '      prompt: "What does it cost?', "17: alpha.trade_off.prompt: YAML syntax error: found unexpected "
                                                  "end of stream"),  # unclosed quote
        (18, "     answer: A lot.", "18: alpha.trade_off.answer: YAML syntax error: did not find expected key"),
        (12, "       - point: Two", "12: alpha.mechanism.key_points[1].point: YAML syntax error"),  # 7 for 8
        (3, " - id: alpha", "3: alpha.id: YAML syntax error"),  # 1 space for 2
        (16, "   trade_off:", "16: alpha.trade_off: YAML syntax error"),  # 3 for 4, not inside the key point
        (8, "\tanswer: It works.", "8: alpha.mechanism.answer: line indented with a tab"),
        (12, "\t  - point: Two", "12: alpha.mechanism.key_points[1].point: line indented with a tab"),
    ],
    ids=["unclosed-bracket", "unclosed-quote", "one-space-short", "item-a-space-short", "concept-a-space-short",
         "facet-a-space-short", "tab-for-six-spaces", "tab-in-a-list"],
)
def test_a_file_that_cannot_be_parsed_still_names_the_field(tmp_path: Path, line: int, broken: str, expected: str):
    """QA round 2: these common mistakes named no field. Each expectation is the line the
    learner broke and the field written on it."""
    lines = BROKEN_BASE.split("\n")
    lines[line - 1] = broken
    (tmp_path / "broken.yaml").write_text("\n".join(lines), encoding="utf-8")
    [problem] = problems_of(tmp_path / "broken.yaml")
    assert f"broken.yaml:{expected}" in problem, problem
