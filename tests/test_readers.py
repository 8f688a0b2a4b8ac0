"""Readers: YAML, JSON, Markdown and CSV into one OKRSet; clear errors with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.errors import CoachError, EmptyInputError, InputError, InputTooLargeError
from coach.io import detect_format, from_obj, load_path, loads
from tests.okr_strategies import Reached, kr_text, okr_sets, rendered_sets, texts_in_any_format

YAML = """\
period: 2026-Q1
team: Enterprise Sales
objectives:
  - title: Our accounts see us as a partner
    owner: Dana
    key_results:
      - Lift the number of buyers we know per account from 2.5 to 4
      - text: Raise meetings held per account each quarter from 2 to 6
        current: 4
"""
MARKDOWN = """\
---
period: 2026-Q1
team: Support
---
# Support OKRs

## Objective 1: People hear back from us while they still care
- KR1: Cut first reply time from 5 hours to 40 minutes
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
Customers get answers fast,Cut first reply time from 5 hours to 40 minutes,Ana,,2026-Q2
,Raise support satisfaction from 82% to 92%,,85,
Self-service first,Lift self-service resolution from 30% to 50%,Raj,,
"""


def test_yaml_shape_matches_rubric() -> None:
    s = loads(YAML)
    assert s.period == "2026-Q1" and s.team == "Enterprise Sales"
    assert s.objectives[0].owner == "Dana"
    assert [k.text for k in s.objectives[0].key_results][0].startswith("Lift the number of buyers")
    assert s.objectives[0].key_results[1].current == 4
    assert s.line_of("objectives[0].key_results[1]") == 8


def test_json_and_bare_list() -> None:
    s = loads(json.dumps([{"title": "A", "key_results": ["Sign 3 new partners", "Raise NPS from 20 to 30"]}]))
    assert s.objectives[0].title == "A" and len(s.objectives[0].key_results) == 2


def test_markdown_headings_and_bullets() -> None:
    s = loads(MARKDOWN)
    assert s.period == "2026-Q1" and s.team == "Support"
    assert [o.title for o in s.objectives] == ["People hear back from us while they still care",
                                               "Self-service is the first place people look"]
    kr = s.objectives[0].key_results
    assert [k.text for k in kr] == ["Cut first reply time from 5 hours to 40 minutes",
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


def test_readers_keep_every_title_and_key_result_of_a_valid_set() -> None:
    """A set written out in any format reads back with the same objectives and key results, word for word."""
    seen = Reached("round trip")

    @settings(max_examples=60, deadline=None)
    @given(rendered_sets())
    def check(case: tuple[str, str, dict]) -> None:
        text, fmt, data = case
        s = loads(text, fmt)
        seen("reached")
        norm = lambda t: " ".join(t.split())  # noqa: E731 - readers fold runs of whitespace, as RUBRIC.md says
        assert [o.title for o in s.objectives] == [norm(o["title"]) for o in data["objectives"]]
        assert [[k.text for k in o.key_results] for o in s.objectives] == [
            [norm(kr_text(k)) for k in o["key_results"]] for o in data["objectives"]]

    check()
    seen.assert_majority()


def test_readers_answer_any_text_with_a_set_or_an_input_error() -> None:
    """Valid, damaged and arbitrary text in every format: an OKRSet or a CoachError, never another exception."""
    seen = Reached("any text")

    @settings(max_examples=120, deadline=None)
    @given(texts_in_any_format())
    def check(case: tuple[str, str]) -> None:
        text, fmt = case
        try:
            s = loads(text, fmt)
        except CoachError as exc:
            seen("input error")
            assert exc.message and exc.status in (413, 422)
            return
        seen("reached")
        assert s.objectives and all(o.title.strip() for o in s.objectives)

    check()
    seen.assert_majority()


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["objectives", "title", "key_results", "text", "current", "period", "owner", "x"]), inner,
        max_size=4),
    max_leaves=20,
)


def test_from_obj_validates_any_decoded_value() -> None:
    """Decoded JSON/YAML of any shape: valid sets (most of them) become an OKRSet with the same titles; the rest
    are a CoachError with a message, never another exception."""
    seen = Reached("from_obj")

    @settings(max_examples=200, deadline=None)
    @given(st.one_of(okr_sets(), okr_sets(), _json_values))
    def check(obj: object) -> None:
        try:
            s = from_obj(obj)
        except CoachError as exc:
            seen("input error")
            assert exc.message
            return
        seen("reached")
        assert s.objectives
        if isinstance(obj, dict) and isinstance(obj.get("objectives"), list):
            assert len(s.objectives) == len(obj["objectives"])

    check()
    seen.assert_majority()


def test_an_unclosed_csv_quote_names_the_line_it_opened_on(tmp_path: Path) -> None:
    f = tmp_path / "okrs.csv"
    f.write_text("objective,key_result\n"
                 "Customers renew with us,Raise renewal rate from 70% to 85%\n"
                 'Customers renew with us,"Cut churned seats from 400 to 250\n'
                 "Partners bring us deals,Grow partner-sourced pipeline from $1M to $2M\n"
                 "Partners bring us deals,Sign 4 new resellers\n")
    with pytest.raises(InputError) as e:
        load_path(f)
    assert e.value.location == f"{f}:3"
    assert "never closed" in e.value.message


def test_text_after_a_closing_csv_quote_is_an_error_with_its_line() -> None:
    text = 'objective,key_result\nGrow,"Raise NPS" from 20 to 40\n'
    with pytest.raises(InputError) as e:
        loads(text, "csv", source="okrs.csv")
    assert e.value.location == "okrs.csv:2"


def test_quotes_inside_csv_fields_still_read() -> None:
    text = 'objective,key_result\n"Customers say ""wow""","Raise NPS from 20 to 40, then hold it"\n'
    s = loads(text, "csv")
    assert s.objectives[0].title == 'Customers say "wow"'
    assert s.objectives[0].key_results[0].text == "Raise NPS from 20 to 40, then hold it"


def test_markdown_bullets_before_any_heading_are_reported() -> None:
    text = "- Raise NPS from 20 to 40\n- Cut churn from 5% to 3%\n\n## Customers stay with us\n- Grow renewals from 70% to 85%\n"
    s = loads(text, "markdown", source="okrs.md")
    assert [k.text for k in s.objectives[0].key_results] == ["Grow renewals from 70% to 85%"]
    assert s.reader_notes == ["okrs.md: 2 bullet(s) before the first heading were ignored (line 1, 2): "
                              "key results belong under an objective heading"]


def test_markdown_with_bullets_and_no_heading_is_an_error() -> None:
    with pytest.raises(InputError) as e:
        loads("team: Support\n\n- Raise NPS from 20 to 40\n", "markdown", source="okrs.md")
    assert e.value.location == "okrs.md:3" and "no heading" in e.value.message


def test_a_misspelled_key_gets_a_note_naming_the_key_meant() -> None:
    text = ("period: 2026-Q3\nobjectives:\n  - title: Customers stay with us\n    alinged_to: Retention first\n"
            "    key_results:\n      - text: Grow renewals from 70% to 85%\n        curent: 75\n")
    s = loads(text, "yaml", source="okrs.yaml")
    assert s.reader_notes == [
        "okrs.yaml:4: unknown key `alinged_to` in objectives[0] was ignored; did you mean `aligned_to`?",
        "okrs.yaml:7: unknown key `curent` in objectives[0].key_results[0] was ignored; did you mean `current`?",
    ]
    assert s.objectives[0].key_results[0].current is None  # ignored, as the note says


def test_a_misspelled_required_key_is_named_in_the_error() -> None:
    with pytest.raises(InputError) as e:
        loads('{"objectives": [{"tilte": "Customers stay with us"}]}', "json")
    assert "title: Field required" in e.value.message
    assert "`tilte`" in (e.value.hint or "") and "`title`" in (e.value.hint or "")


def test_keys_that_resemble_nothing_are_left_alone() -> None:
    s = loads("objectives:\n  - title: Customers stay with us\n    status: green\n    key_results: [Grow renewals from 70% to 85%]\n")
    assert s.reader_notes == []
