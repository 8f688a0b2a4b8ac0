"""Measure the rubric against a labelled JSONL file: per-rule precision/recall/F1 and parse exact-match."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from coach.errors import InputError
from coach.models import OKRSet, ParsedKR
from coach.rubric import review


class Labels(BaseModel):
    objective: list[str] = Field(default_factory=list)
    key_results: list[list[str]] = Field(default_factory=list)


class Item(BaseModel):
    """One labelled objective (the shape of shared/eval/dev.jsonl)."""

    role: str | None = None
    objective: str
    key_results: list[str]
    labels: Labels
    parsed: list[dict[str, Any] | None] | None = None


class RuleScore(BaseModel):
    rule: str
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    support: int


class ParseMiss(BaseModel):
    text: str
    expected: dict[str, Any] | None
    got: ParsedKR


class EvalResult(BaseModel):
    items: int
    rules: list[RuleScore]
    parse_total: int
    parse_exact: int
    parse_exact_match: float
    parse_field_accuracy: dict[str, float]
    parse_misses: list[ParseMiss]
    misses: list[str]


def read_items(path: Path) -> list[Item]:
    items: list[Item] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(Item.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"bad labelled item: {str(exc).splitlines()[0]}", location=f"{path}:{n}") from exc
    if not items:
        raise InputError("no labelled items", location=str(path))
    return items


def parse_matches(expected: dict[str, Any] | None, got: ParsedKR) -> dict[str, bool]:
    """Per-field agreement; a null expectation means nothing numeric should be read."""
    if expected is None:
        return {"null": got.target is None and got.baseline is None}
    return {k: getattr(got, k, None) == v for k, v in expected.items()}


def evaluate(items: list[Item], *, rules: list[str] | None = None, profile: str | None = None) -> EvalResult:
    labelled = set(rules or [])
    if not labelled:
        for it in items:
            labelled |= set(it.labels.objective)
            for k in it.labels.key_results:
                labelled |= set(k)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    field_ok: Counter[str] = Counter()
    field_n: Counter[str] = Counter()
    exact = total = 0
    parse_misses: list[ParseMiss] = []
    misses: list[str] = []

    def tally(got: set[str], exp: set[str], where: str) -> None:
        for r in labelled:
            if r in got and r in exp:
                tp[r] += 1
            elif r in got:
                fp[r] += 1
                misses.append(f"FP {r}: {where}")
            elif r in exp:
                fn[r] += 1
                misses.append(f"FN {r}: {where}")

    for it in items:
        okrs = OKRSet.model_validate({"role": it.role, "objectives": [{"title": it.objective, "key_results": it.key_results}]})
        rep = review(okrs, profile=profile).objectives[0]
        tally({f.rule for f in rep.findings}, set(it.labels.objective), it.objective)
        for k, lab in zip(rep.key_results, it.labels.key_results):
            tally({f.rule for f in k.findings}, set(lab), k.text)
        for k, exp in zip(rep.key_results, it.parsed or []):
            res = parse_matches(exp, k.parsed)
            total += 1
            ok = all(res.values())
            exact += ok
            for f, v in res.items():
                field_n[f] += 1
                field_ok[f] += v
            if not ok:
                parse_misses.append(ParseMiss(text=k.text, expected=exp, got=k.parsed))
    scores = []
    for r in sorted(labelled):
        p = tp[r] / (tp[r] + fp[r]) if tp[r] + fp[r] else 0.0
        rc = tp[r] / (tp[r] + fn[r]) if tp[r] + fn[r] else 0.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        scores.append(RuleScore(rule=r, tp=tp[r], fp=fp[r], fn=fn[r], precision=round(p, 3), recall=round(rc, 3),
                                f1=round(f1, 3), support=tp[r] + fn[r]))
    return EvalResult(
        items=len(items), rules=scores, parse_total=total, parse_exact=exact,
        parse_exact_match=round(exact / total, 3) if total else 0.0,
        parse_field_accuracy={f: round(field_ok[f] / field_n[f], 3) for f in sorted(field_n)},
        parse_misses=parse_misses, misses=misses,
    )
