"""Rule files are validated at load time, with file and line in the error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coach.errors import RubricError
from coach.rubric import load_profile, load_rules
from coach.rubric.loader import load_rule_file
from coach.settings import get_settings

RULES = get_settings().rubrics_dir


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "rubrics"
    shutil.copytree(RULES, d)
    return d


def test_all_rules_load_with_unique_ids() -> None:
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules) == 17
    for r in rules:
        assert r.guidance and r.why and r.examples.bad and r.examples.good


def test_unknown_check_kind_names_file_and_line(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    p = d / "kr.concise.yaml"
    p.write_text(p.read_text().replace("extends: length", "extends: lenght"))
    with pytest.raises(RubricError) as exc:
        load_rule_file(p)
    assert "kr.concise.yaml:3" in str(exc.value) and "lenght" in str(exc.value)


def test_missing_field_and_bad_yaml(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    p = d / "kr.concise.yaml"
    p.write_text("\n".join(line for line in p.read_text().splitlines() if not line.startswith("suggestion:")))
    with pytest.raises(RubricError, match="suggestion"):
        load_rule_file(p)
    p.write_text("id: kr.concise\nscope: [unclosed\n")
    with pytest.raises(RubricError, match=r"kr.concise.yaml:\d"):
        load_rule_file(p)


def test_yaml_booleans_in_word_lists_are_caught(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    p = d / "set.duplicate_kr.yaml"
    p.write_text(p.read_text().replace('"on"', "on"))
    with pytest.raises(RubricError, match="quote"):
        load_rule_file(p)


def test_file_name_must_match_id(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "kr.concise.yaml").rename(d / "kr.short.yaml")
    with pytest.raises(RubricError, match="file name"):
        load_rules(d)


def test_unknown_profile_lists_known_ones() -> None:
    with pytest.raises(RubricError, match="default"):
        load_profile("nope")
