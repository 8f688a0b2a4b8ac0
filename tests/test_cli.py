"""`okr-coach review` and `okr-coach eval` end to end, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "enterprise-sales.yaml"
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-m", "coach.cli.main", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def test_review_text_table() -> None:
    r = run("review", str(SAMPLE))
    assert r.returncode == 0, r.stderr
    assert "OKR set score:" in r.stdout and "objective.outcome" in r.stdout and "fix:" in r.stdout


def test_review_json_is_the_contract() -> None:
    r = run("review", str(SAMPLE), "--format", "json")
    data = json.loads(r.stdout)
    assert set(data) >= {"score", "findings", "objectives"}
    kr = data["objectives"][0]["key_results"][0]
    assert set(kr) >= {"index", "text", "score", "parsed", "findings"}
    assert set(kr["parsed"]) == {"metric", "baseline", "target", "unit", "direction", "comparator"}
    f = data["objectives"][1]["findings"][0]
    assert set(f) >= {"rule", "severity", "message", "evidence", "suggestion"}
    assert r.stdout == run("review", str(SAMPLE), "--format", "json").stdout


def test_review_sarif_points_at_lines() -> None:
    data = json.loads(run("review", str(SAMPLE), "--format", "sarif").stdout)
    assert data["version"] == "2.1.0"
    results = data["runs"][0]["results"]
    outcome = next(x for x in results if x["ruleId"] == "objective.outcome")
    assert outcome["locations"][0]["physicalLocation"]["region"]["startLine"] == 14
    assert {r["id"] for r in data["runs"][0]["tool"]["driver"]["rules"]} >= {"kr.baseline", "set.duplicate_kr"}


def test_review_markdown_and_stdin() -> None:
    r = run("review", "-", "--format", "markdown", stdin="# Team\n## Customers love us\n- Raise NPS from 20 to 40\n")
    assert r.returncode == 0 and r.stdout.startswith("# OKR review:")


def test_fail_under_sets_exit_code() -> None:
    assert run("review", str(SAMPLE), "--fail-under", "99").returncode == 1
    assert run("review", str(SAMPLE), "--fail-under", "10").returncode == 0


@pytest.mark.parametrize(("content", "needle"), [
    ("objectives:\n  - title: [oops\n", "malformed YAML"),
    ("", "empty"),
])
def test_bad_input_gives_clear_error_not_traceback(tmp_path: Path, content: str, needle: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(content)
    r = run("review", str(p))
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr and str(p) in r.stderr


@pytest.mark.skipif(not DEV.exists(), reason="shared/eval/dev.jsonl is not beside the checkout")
def test_eval_prints_per_rule_table() -> None:
    r = run("eval", str(DEV))
    assert r.returncode == 0, r.stderr
    assert "kr.baseline" in r.stdout and "parse exact-match" in r.stdout
    data = json.loads(run("eval", str(DEV), "--format", "json").stdout)
    assert data["items"] > 0 and all(0 <= x["f1"] <= 1 for x in data["rules"])


def test_eval_on_own_labelled_file(tmp_path: Path) -> None:
    p = tmp_path / "mini.jsonl"
    p.write_text(json.dumps({"objective": "Launch the partner portal", "key_results": ["Sign 5 new partners",
                 "Raise partner NPS to 50"], "labels": {"objective": ["objective.outcome"],
                 "key_results": [[], ["kr.baseline"]]}, "parsed": [{"target": 5}, {"target": 50}]}) + "\n")
    data = json.loads(run("eval", str(p), "--format", "json").stdout)
    assert {r["rule"]: r["f1"] for r in data["rules"]} == {"kr.baseline": 1.0, "objective.outcome": 1.0}
    assert data["parse_exact_match"] == 1.0
    p.write_text("{not json\n")
    r = run("eval", str(p))
    assert r.returncode == 2 and "mini.jsonl:1" in r.stderr


def test_review_several_files(tmp_path: Path) -> None:
    other = tmp_path / "support.md"
    other.write_text("period: 2026-Q3\nteam: Support\n\n## Customers get answers fast\n"
                     "- Cut first reply time from 5 hours to 40 minutes\n- Raise support satisfaction from 82% to 92%\n")
    data = json.loads(run("review", str(SAMPLE), str(other), "--format", "json").stdout)
    assert [f["path"] for f in data["files"]] == [str(SAMPLE), str(other)]
    sarif = json.loads(run("review", str(SAMPLE), str(other), "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert str(SAMPLE) in uris
    assert run("review", str(SAMPLE), str(other), "--fail-under", "80").returncode == 1
