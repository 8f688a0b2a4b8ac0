"""Every rule: its fixture cases (tests/rules/<id>.yaml) and the examples in its rule file behave as documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.models import OKRSet
from coach.rubric import load_rules, review

HERE = Path(__file__).parent
RUBRIC_MD = HERE.parent.parent / "shared" / "RUBRIC.md"
GOOD_KRS = [
    "Raise on-time delivery from 81% to 95%",
    "Cut late-delivery complaints from 40 to 10 per month",
    "Grow repeat orders from 120 to 180 per quarter",
]
GOOD_OBJECTIVE = "Customers trust our delivery dates"


def _cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((HERE / "rules").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        for case in spec["cases"]:
            out.append((spec["rule"], case))
    return out


def _build(case: dict[str, Any]) -> OKRSet:
    data: dict[str, Any] = {"period": "2026-Q3", "team": "Logistics", "focus_area": "Be the most reliable supplier"}
    data.update(case.get("set", {}))
    krs = case.get("key_results", GOOD_KRS)
    if "kr" in case:
        krs = [case["kr"], *GOOD_KRS[:2]]
    if "objectives" in case:
        data["objectives"] = [{"title": f"{GOOD_OBJECTIVE} in region {i}", "key_results": GOOD_KRS}
                              for i in range(case["objectives"])]
    else:
        data["objectives"] = [{"title": case.get("objective", GOOD_OBJECTIVE), "key_results": krs,
                               **case.get("objective_fields", {})}]
    return OKRSet.model_validate(data)


@pytest.mark.parametrize(("rule", "case"), _cases(), ids=[f"{r}:{c['name']}" for r, c in _cases()])
def test_rule_case(rule: str, case: dict[str, Any]) -> None:
    report = review(_build(case))
    where = case.get("fires")
    if where == "set":
        found = [f for f in report.findings if f.rule == rule]
    elif where == "objective":
        found = [f for f in report.objectives[0].findings if f.rule == rule]
    else:
        kr = report.objectives[0].key_results
        found = [f for f in (kr[0].findings if kr else []) if f.rule == rule]
    everywhere = [f for _, f in report.all_findings() if f.rule == rule]
    if where:
        assert found, f"{rule} should fire on {case['name']!r}; findings: {[f.rule for _, f in report.all_findings()]}"
        f = found[0]
        assert f.evidence and f.message and f.suggestion and f.guidance
        if "severity" in case:
            assert f.severity == case["severity"]
    else:
        assert not everywhere, f"{rule} should not fire on {case['name']!r}: {everywhere[0].message}"


_TEXT_KINDS = {"numbers_in_text", "objective_reading", "length", "kr_reading", "missing_baseline", "holds_level",
               "acronyms"}


@pytest.mark.parametrize("rule", [r for r in load_rules() if r.extends in _TEXT_KINDS], ids=lambda r: r.id)
def test_rule_file_examples(rule: Any) -> None:
    """The bad examples in a rule file fire that rule; the good ones do not."""
    for text, should_fire in [(t, True) for t in rule.examples.bad] + [(t, False) for t in rule.examples.good]:
        case = {"objective": text} if rule.scope == "objective" else {"kr": text}
        report = review(_build(case))
        target = report.objectives[0] if rule.scope == "objective" else report.objectives[0].key_results[0]
        fired = any(f.rule == rule.id for f in target.findings)
        assert fired == should_fire, f"{rule.id} on {text!r}: fired={fired}"
        if not should_fire:  # a "better" example should be good all round, not just for this rule
            serious = [f.rule for f in target.findings if f.severity != "info"]
            assert not serious, f"good example {text!r} of {rule.id} breaks {serious}"


@pytest.mark.skipif(not RUBRIC_MD.exists(), reason="shared/RUBRIC.md is not beside the checkout")
def test_every_contract_rule_is_implemented_and_tested() -> None:
    ids = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", RUBRIC_MD.read_text(), re.M))
    assert len(ids) == 17
    assert ids == {r.id for r in load_rules()}
    tested = {p.stem for p in (HERE / "rules").glob("*.yaml")}
    assert ids <= tested


def test_every_finding_carries_evidence_and_fix() -> None:
    okrs = OKRSet.model_validate({"objectives": [
        {"title": "Implement the 3 new dashboards", "key_results": ["Keep churn below 4%"]},
    ] * 7})
    report = review(okrs)
    findings = report.all_findings()
    assert {f.rule for _, f in findings} >= {"objective.outcome", "objective.qualitative", "objective.kr_count",
                                           "kr.stretch", "set.objective_count", "set.duplicate_kr",
                                           "objective.time_bound", "objective.owner", "objective.aligned"}
    for _, f in findings:
        assert f.evidence.strip() and f.suggestion.strip() and f.message.strip() and f.guidance
        assert "{" not in f.message and "{" not in f.suggestion, f"unfilled placeholder in {f.rule}"
