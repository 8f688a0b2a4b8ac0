"""The README does not drift from the CLI and the rules."""

from __future__ import annotations

import re
from pathlib import Path

from coach.cli.main import build_parser
from coach.rubric import load_rules

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_command_is_documented() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in sub.choices:
        assert f"okr-coach {name}" in README, f"README does not show `okr-coach {name}`"


def test_every_rule_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", README, re.M))
    assert documented == {r.id for r in load_rules()}


def test_readme_has_the_two_commands() -> None:
    assert "bash scripts/setup.sh &&" in README and "bash scripts/test.sh" in README
    assert "scripts/test.sh" in (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
