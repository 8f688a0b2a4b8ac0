"""Scores 0-100: start from 100, subtract each broken rule's weight; objectives blend in their key results."""

from __future__ import annotations

from collections.abc import Sequence

from coach.models import Finding, KRReport, ObjectiveReport

# An objective's score is half its own wording and half the mean of its key results.
OBJECTIVE_OWN_SHARE = 0.5
SEVERITY_FACTOR = {"error": 1.5, "warning": 1.0, "info": 0.5}


def clamp_score(x: float) -> int:
    return max(0, min(100, int(round(x))))


def penalty(findings: Sequence[Finding], weights: dict[str, int]) -> float:
    """Each rule counts once per target, scaled by the severity it was reported with."""
    seen: dict[str, float] = {}
    for f in findings:
        w = weights.get(f.rule, 0) * SEVERITY_FACTOR[f.severity]
        seen[f.rule] = max(seen.get(f.rule, 0.0), w)
    return sum(seen.values())


def kr_score(findings: Sequence[Finding], weights: dict[str, int]) -> int:
    return clamp_score(100 - penalty(findings, weights))


def objective_score(findings: Sequence[Finding], krs: Sequence[KRReport], weights: dict[str, int]) -> int:
    own = max(0.0, 100 - penalty(findings, weights))
    kr_mean = sum(k.score for k in krs) / len(krs) if krs else 0.0
    return clamp_score(OBJECTIVE_OWN_SHARE * own + (1 - OBJECTIVE_OWN_SHARE) * kr_mean)


def set_score(findings: Sequence[Finding], objectives: Sequence[ObjectiveReport], weights: dict[str, int]) -> int:
    if not objectives:
        return 0
    mean = sum(o.score for o in objectives) / len(objectives)
    total = 0.0
    for f in findings:  # set findings add up: two duplicates cost twice
        total += weights.get(f.rule, 0) * SEVERITY_FACTOR[f.severity]
    return clamp_score(mean - total)
