"""Readers: YAML, JSON, Markdown and CSV into one OKRSet; clear errors with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.errors import CoachError, EmptyInputError, InputError, InputTooLargeError
from coach.io import detect_format, from_obj, load_path, loads

YAML = """\
period: 2026-Q1
team: Enterprise Sales
objectives:
  - title: Our accounts see us as a partner
    owner: Dana
    key_results:
      - Go from 1.5 to 3 customer contacts per account on average
      - text: Increase average touchpoints per account from 3 to 7
        current: 4
"""
MARKDOWN = """\
---
period: 2026-Q1
team: Support
---
# Support OKRs

## Objective 1: Customers get answers before they get frustrated
- KR1: Cut first response time from 6 hours to 45 minutes
- [ ] Raise support satisfaction from 82% to 92%
  - current: 85
  - a note under the key result is commentary

## Self-service is the first place people look
owner: Ana
1. Lift self-service resolution from 30% to 50%
2. Grow help-centre visits from 10k to 25k per month
"""
CSV = """\
objective,key_result,owner,current,period
Customers get answers fast,Cut first response time from 6 hours to 45 minutes,Ana,,2026-Q2
,Raise support satisfaction from 82% to 92%,,85,
Self-service first,Lift self-service resolution from 30% to 50%,Raj,,
"""


def test_yaml_shape_matches_rubric() -> None:
    s = loads(YAML)
    assert s.period == "2026-Q1" and s.team == "Enterprise Sales"
    assert s.objectives[0].owner == "Dana"
    assert [k.text for k in s.objectives[0].key_results][0].startswith("Go from 1.5")
    assert s.objectives[0].key_results[1].current == 4
    assert s.line_of("objectives[0].key_results[1]") == 8


def test_json_and_bare_list() -> None:
    s = loads(json.dumps([{"title": "A", "key_results": ["Sign 3 new partners", "Raise NPS from 20 to 30"]}]))
    assert s.objectives[0].title == "A" and len(s.objectives[0].key_results) == 2


def test_markdown_headings_and_bullets() -> None:
    s = loads(MARKDOWN)
    assert s.period == "2026-Q1" and s.team == "Support"
    assert [o.title for o in s.objectives] == ["Customers get answers before they get frustrated",
                                               "Self-service is the first place people look"]
    kr = s.objectives[0].key_results
    assert [k.text for k in kr] == ["Cut first response time from 6 hours to 45 minutes",
                                    "Raise support satisfaction from 82% to 92%"]
    assert kr[1].current == 85
    assert s.objectives[1].owner == "Ana" and len(s.objectives[1].key_results) == 2
    assert s.line_of("objectives[1].key_results[0]") == 15


def test_csv_rows_continue_objectives() -> None:
    s = loads(CSV, "csv")
    assert s.period == "2026-Q2"
    assert len(s.objectives) == 2 and len(s.objectives[0].key_results) == 2
    assert s.objectives[0].key_results[1].current == 85
    assert s.objectives[1].owner == "Raj"


def test_detect_format() -> None:
    assert detect_format(YAML) == "yaml"
    assert detect_format(MARKDOWN) == "markdown"
    assert detect_format(CSV) == "csv"
    assert detect_format('{"objectives": []}') == "json"


@pytest.mark.parametrize(("text", "fmt", "needle", "line"), [
    ("objectives:\n  - title: [unclosed\n", "yaml", "malformed YAML", ":3"),
    ('{"objectives": [', "json", "malformed JSON", ":1:"),
    ("objectives:\n  - title: A\n    key_results: 12\n", "yaml", "key_results", ":3"),
    ("objectives:\n  - key_results: [a]\n", "yaml", "title", ":2"),
    ("period: Q1\nobjectives:\n  - title: A\n    key_results:\n      - text: X\n        current: lots\n", "yaml", "current", ":6"),
    ("name,text\nA,B\n", "csv", "objective", ":1"),
    ("just a sentence", "yaml", "objectives", ""),
])
def test_malformed_input_names_the_place(text: str, fmt: str, needle: str, line: str) -> None:
    with pytest.raises(InputError) as exc:
        loads(text, fmt, source="okrs.txt")
    assert needle in str(exc.value)
    assert f"okrs.txt{line}" in str(exc.value)


@pytest.mark.parametrize("text", ["", "   \n", "objectives: []", "[]", "---\n"])
def test_empty_input_is_rejected(text: str) -> None:
    with pytest.raises(EmptyInputError):
        loads(text, "yaml")


def test_oversized_input_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputTooLargeError):
        loads("objectives: []\n" + "#" * 2000, max_bytes=1000)
    big = tmp_path / "big.yaml"
    big.write_text("x" * 5000)
    with pytest.raises(InputTooLargeError):
        load_path(big, max_bytes=1000)
    with pytest.raises(InputTooLargeError):
        from_obj({"objectives": [{"title": "t", "key_results": ["Sign 3 new partners"] * 60}]})


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_path(tmp_path / "missing.yaml")
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InputError):
        load_path(binary)
    with pytest.raises(InputError, match="directory"):
        load_path(tmp_path)


def test_yaml_tags_are_not_executed() -> None:
    with pytest.raises(InputError):
        loads("objectives: !!python/object/apply:os.system ['echo hi']\n", "yaml")


def test_yaml_scalars_become_strings() -> None:
    s = loads("period: 2026\nowner: 2026-01-01\nobjectives:\n  - title: A\n    key_results: [Sign 2 new partners, 42]\n")
    assert s.period == "2026" and s.owner == "2026-01-01"
    assert s.objectives[0].key_results[1].text == "42"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["auto", "yaml", "json", "markdown", "csv"]))
def test_readers_never_crash(text: str, fmt: str) -> None:
    try:
        s = loads(text, fmt)
    except CoachError:
        return
    assert s.objectives


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["objectives", "title", "key_results", "text", "current", "period", "owner", "x"]), inner,
        max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_json_values)
def test_from_obj_never_crashes(obj: object) -> None:
    try:
        from_obj(obj)
    except CoachError:
        pass
