"""Apply the rules to an OKR set and build the RUBRIC.md report (pure, deterministic, no network)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from coach.krparse import Analysis, analyse
from coach.models import Finding, KeyResult, KRReport, ObjectiveReport, OKRSet, ParsedKR, Report
from coach.rubric.checks import CHECKS, Hit, Target, classify_indicator
from coach.rubric.loader import Profile, Rule, load_profile, load_rules, rubric_version
from coach.rubric.progress import kr_progress, objective_progress
from coach.rubric.scoring import clamp_score, kr_score, objective_score, set_score


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _resolve_params(params: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """Replace "$name" values with the profile's threshold of that name."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, str) and v.startswith("$"):
            out[k] = getattr(profile, v[1:])
        else:
            out[k] = v
    return out


def _finding(rule: Rule, hit: Hit, target: Target, profile: Profile) -> Finding:
    values = _Safe(text=target.text, evidence=hit.evidence, **{k: v for k, v in hit.values.items()})
    a = target.analysis
    if a is not None:
        p = a.parsed
        values.setdefault("metric", p.metric or "the metric")
        values.setdefault("target", _fmt(p.target, p.unit))
    severity = hit.values.get("severity") or profile.severity_overrides.get(rule.id) or rule.severity
    return Finding(
        rule=rule.id, severity=severity, message=rule.message.format_map(values),
        evidence=hit.evidence, suggestion=rule.suggestion.format_map(values), guidance=rule.guidance,
    )


def _fmt(v: float | None, unit: str | None) -> str:
    if v is None:
        return "the target"
    num = f"{v:g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if unit == "USD":
        return f"${num}"
    if unit in ("%", "x"):
        return f"{num}{unit}"
    return f"{num} {unit}" if unit else num


def _apply(rules: list[Rule], target: Target, profile: Profile) -> tuple[list[Finding], list[tuple[Rule, Hit]]]:
    fired: dict[str, list[Hit]] = {}
    for rule in rules:
        hits = CHECKS[rule.extends](target, _resolve_params(rule.params, profile))
        if hits:
            fired[rule.id] = hits
    findings: list[Finding] = []
    raw: list[tuple[Rule, Hit]] = []
    for rule in rules:
        if rule.id not in fired or any(s in fired for s in rule.suppressed_by):
            continue
        for hit in fired[rule.id]:
            findings.append(_finding(rule, hit, target, profile))
            raw.append((rule, hit))
    return findings, raw


def _parsed_with_overrides(kr: KeyResult, a: Analysis) -> ParsedKR:
    """Explicit baseline/target fields on the key result win over what the text says."""
    p = a.parsed.model_copy()
    if kr.baseline is not None:
        p.baseline = kr.baseline
        a.baseline_stated = True
    if kr.target is not None:
        p.target = kr.target
    if p.baseline is not None and p.target is not None and p.direction != "maintain" and p.baseline != p.target:
        p.direction = "increase" if p.target > p.baseline else "decrease"
    a.parsed = p
    return p


def review(okrs: OKRSet, *, profile: str | Profile | None = None, rules_dir: Path | None = None) -> Report:
    """Score a whole OKR set: findings with evidence and a fix, scores 0-100, progress when given."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile or "default", rules_dir)
    all_rules = [r for r in load_rules(rules_dir) if r.id not in prof.disabled_rules]
    by_scope = {s: [r for r in all_rules if r.scope == s] for s in ("objective", "key_result", "set")}
    weights = {r.id: r.weight for r in all_rules}
    indicator = next((r for r in all_rules if r.extends == "indicator_mix"), None)

    analyses = [[analyse(kr.text) for kr in obj.key_results] for obj in okrs.objectives]
    obj_reports: list[ObjectiveReport] = []
    for oi, obj in enumerate(okrs.objectives):
        kr_reports: list[KRReport] = []
        for ki, kr in enumerate(obj.key_results):
            a = analyses[oi][ki]
            parsed = _parsed_with_overrides(kr, a)
            t = Target(okrs=okrs, objective=obj, oi=oi, kr=kr, ki=ki, analysis=a, analyses=analyses)
            findings, _ = _apply(by_scope["key_result"], t, prof)
            kind = None
            if indicator is not None:
                kind = classify_indicator(
                    kr.text, set(indicator.params.get("leading_words", [])), set(indicator.params.get("lagging_words", []))
                )
            kr_reports.append(KRReport(
                index=ki, text=kr.text, score=kr_score(findings, weights), parsed=parsed, findings=findings,
                kind=kind, progress=kr_progress(kr, parsed),
            ))
        t = Target(okrs=okrs, objective=obj, oi=oi, analyses=analyses)
        findings, _ = _apply(by_scope["objective"], t, prof)
        prog, reading = objective_progress(kr_reports)
        obj_reports.append(ObjectiveReport(
            index=oi, title=obj.title, score=objective_score(findings, kr_reports, weights), findings=findings,
            key_results=kr_reports, progress=prog, progress_reading=reading,
        ))
    set_findings, _ = _apply(by_scope["set"], Target(okrs=okrs, analyses=analyses), prof)
    progs = [o.progress for o in obj_reports if o.progress is not None]
    return Report(
        score=set_score(set_findings, obj_reports, weights), findings=set_findings, objectives=obj_reports,
        rubric_version=rubric_version(rules_dir), profile=prof.name,
        progress=round(sum(progs) / len(progs), 3) if progs else None,
    )


__all__ = ["review", "clamp_score", "re"]
