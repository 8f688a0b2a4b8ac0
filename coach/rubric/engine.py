"""Apply the rules to an OKR set and build the RUBRIC.md report (pure, deterministic, no network)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.krparse import Analysis, analyse
from coach.langcheck import unsupported_language
from coach.models import Finding, KeyResult, KRReport, Objective, ObjectiveReport, OKRSet, ParsedKR, Report, build
from coach.rubric.checks import CHECKS, Hit, Target, classify_indicator, fset, prepare
from coach.rubric.loader import Profile, Rule, load_profile, load_rules, rubric_version
from coach.rubric.progress import kr_progress, objective_progress
from coach.rubric.scoring import kr_score, objective_score, set_score


class _Values(dict):
    """What a message may name: the hit's values and evidence; the text and the parsed metric and target
    are worked out only when a template names one (and the hit has no value of that name)."""

    __slots__ = ("target",)
    target: Target

    def __missing__(self, key: str) -> str:
        if key == "text":
            return self.target.text
        a = self.target.analysis
        if a is not None and key in ("metric", "target"):
            p = a.parsed
            return (p.metric or "the metric") if key == "metric" else _fmt(p.target, p.unit)
        return "{" + key + "}"  # an unknown name stays as written


def _freeze(v: Any) -> Any:
    return tuple(_freeze(x) for x in v) if isinstance(v, list) else v


def _resolve_params(params: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """Replace "$name" values with the profile's threshold of that name; lists become tuples (hashable)."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if isinstance(v, str) and v.startswith("$"):
            out[k] = getattr(profile, v[1:])
        else:
            out[k] = _freeze(v)
    return out


@dataclass(frozen=True)
class Compiled:
    """Rules of one profile, with params resolved once, grouped by scope."""

    profile: Profile
    scopes: dict[str, list[tuple[Rule, Any, dict[str, Any]]]]
    weights: dict[str, int]
    leading: frozenset[str]
    lagging: frozenset[str]
    version: str
    kr_findings: dict[tuple[Any, ...], tuple[tuple[tuple[Any, ...], ...], int]] | None = None
    objective_findings: dict[tuple[Any, ...], tuple[tuple[Any, ...], ...]] | None = None


@lru_cache(maxsize=32)
def compile_rubric(profile: Profile, rules_dir: Path | None = None) -> Compiled:
    rules = [r for r in load_rules(rules_dir) if r.id not in profile.disabled_rules]
    scopes: dict[str, list[tuple[Rule, Any, dict[str, Any]]]] = {"objective": [], "key_result": [], "set": []}
    for r in rules:
        params = prepare(r.extends, _resolve_params(r.params, profile))
        scopes[r.scope].append((_with_profile_severity(r, profile), CHECKS[r.extends], params))
    ind = next((r for r in rules if r.extends == "indicator_mix"), None)
    lead = fset(tuple(ind.params.get("leading_words", ()))) if ind else frozenset()
    lag = fset(tuple(ind.params.get("lagging_words", ()))) if ind else frozenset()
    # A key result's findings depend on nothing but the key result when every key-result rule is of a kind that
    # reads only it (and, for acronyms, the set's glossary, which is part of the key): then they are kept by text.
    memo = {} if all(fn in _KR_ONLY_CHECKS for _, fn, _ in scopes["key_result"]) else None
    # The same for an objective's own findings when every objective rule reads only the objective's title and
    # fields, its number of key results, the set's fields and its number of objectives (see _objective_key).
    objective_memo = {} if all(fn in _OBJECTIVE_ONLY_CHECKS for _, fn, _ in scopes["objective"]) else None
    return Compiled(profile, scopes, {r.id: r.weight for r in rules}, lead, lag, rubric_version(rules_dir), memo,
                    objective_memo)


_KR_ONLY_CHECKS = frozenset(CHECKS[k] for k in ("missing_baseline", "length", "kr_reading", "holds_level", "acronyms",
                                                "numbers_in_text"))
_KR_FINDINGS_MAX = 4_096
# Check kinds that, on an objective, read only its declared fields, its number of key results and the set's declared
# fields and number of objectives (context_field, count_range) or only its title (the others): see _objective_key.
_OBJECTIVE_ONLY_CHECKS = frozenset(CHECKS[k] for k in ("length", "objective_reading", "numbers_in_text",
                                                       "context_field", "count_range"))


def _objective_key(okrs: OKRSet, obj: Objective) -> tuple[Any, ...] | None:
    """Everything those objective checks can read: the objective's declared fields (the title among them) and the
    set's, the number of key results and of objectives. None when that is not all there is to read (extra keys) or
    a value cannot be a key."""
    if obj.__pydantic_extra__ or okrs.__pydantic_extra__:
        return None
    key = (type(okrs), type(obj), len(obj.key_results), len(okrs.objectives),
           *(v for k, v in obj.__dict__.items() if k != "key_results"),
           *(v for k, v in okrs.__dict__.items() if k != "objectives"))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _as_tuples(findings: list[Finding]) -> tuple[tuple[Any, ...], ...]:
    # Plain strings, not the Finding objects: tuples of strings are not tracked by the garbage collector, so a full
    # memo costs no collection time (objects cost the cold path ~7%).
    return tuple((f.rule, f.severity, f.message, f.evidence, f.suggestion, f.guidance) for f in findings)


def _from_tuples(kept: tuple[tuple[Any, ...], ...]) -> list[Finding]:
    return [build(Finding, rule=r, severity=sv, message=m, evidence=e, suggestion=sg, guidance=g)
            for r, sv, m, e, sg, g in kept]


def _with_profile_severity(rule: Rule, profile: Profile) -> Rule:
    """The rule as this profile reports it: its severity override applied once here, not per finding."""
    severity = _severity(profile, rule.id, rule.severity)
    return rule if severity == rule.severity else rule.model_copy(update={"severity": severity})


def _has_placeholders(template: str) -> bool:
    # Without braces format_map would return the template unchanged ("{{"/"}}" escapes need a brace too).
    return "{" in template or "}" in template


def _finding(rule: Rule, hit: Hit, target: Target) -> Finding:
    """One finding; message and suggestion are filled from the hit's values, the text and the parsed metric."""
    message, suggestion = rule.message, rule.suggestion
    fill_message, fill_suggestion = _has_placeholders(message), _has_placeholders(suggestion)
    if fill_message or fill_suggestion:
        values = _Values(hit.values, evidence=hit.evidence)
        values.target = target
        if fill_message:
            message = message.format_map(values)
        if fill_suggestion:
            suggestion = suggestion.format_map(values)
    return build(
        Finding, rule=rule.id, severity=hit.values.get("severity") or rule.severity, message=message,
        evidence=hit.evidence, suggestion=suggestion, guidance=rule.guidance,
    )


@lru_cache(maxsize=1024)
def _severity(profile: Profile, rule_id: str, default: str) -> str:
    return dict(profile.severity_overrides).get(rule_id) or default


def _fmt(v: float | None, unit: str | None) -> str:
    if v is None:
        return "the target"
    num = f"{v:g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if unit == "USD":
        return f"${num}"
    if unit in ("%", "x"):
        return f"{num}{unit}"
    return f"{num} {unit}" if unit else num


def _apply(rules: list[tuple[Rule, Any, dict[str, Any]]], target: Target) -> list[Finding]:
    """Run the rules of one scope on the target; findings in rule order, minus rules suppressed by another."""
    fired: list[tuple[Rule, list[Hit]]] = []
    for rule, fn, params in rules:
        hits = fn(target, params)
        if hits:
            fired.append((rule, hits))
    if not fired:
        return []
    ids = {rule.id for rule, _ in fired}
    findings: list[Finding] = []
    for rule, hits in fired:
        if rule.suppressed_by and not ids.isdisjoint(rule.suppressed_by):
            continue
        for hit in hits:
            findings.append(_finding(rule, hit, target))
    return findings


def _glossary_key(okrs: OKRSet) -> tuple[str, ...] | None:
    """The set's glossary terms (the acronyms rule reads them), as part of a key result's memo key."""
    g = (okrs.__pydantic_extra__ or {}).get("glossary")
    if not g:
        return None
    return tuple(sorted(str(k).lower() for k in g)) if isinstance(g, dict) else ("?", repr(g))


def _parsed_with_overrides(kr: KeyResult, a: Analysis) -> ParsedKR:
    """Explicit baseline/target fields on the key result win over what the text says."""
    if kr.baseline is None and kr.target is None:
        return a.parsed
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


# Check kinds that count, measure or look up fields rather than read words: valid in any language.
WORDLESS_CHECKS = frozenset({"length", "count_range", "context_field", "numbers_in_text"})


def review(okrs: OKRSet, *, profile: str | Profile | None = None, rules_dir: Path | None = None) -> Report:
    """Score a whole OKR set: findings with evidence and a fix, scores 0-100, progress when given."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile or "default", rules_dir)
    c = compile_rubric(prof, rules_dir)
    analyses = [[analyse(kr.text) for kr in obj.key_results] for obj in okrs.objectives]
    kr_rules, objective_rules, set_rules, weights = (c.scopes["key_result"], c.scopes["objective"], c.scopes["set"],
                                                     c.weights)
    notes = okrs.reader_notes
    language = unsupported_language([o.title for o in okrs.objectives]
                                    + [k.text for o in okrs.objectives for k in o.key_results])
    if language:  # word-reading rules would give wrong findings on another language: apply the others only
        notes.append(language)
        kr_rules, objective_rules, set_rules = ([x for x in rules if x[0].extends in WORDLESS_CHECKS]
                                                for rules in (kr_rules, objective_rules, set_rules))
    obj_reports: list[ObjectiveReport] = []
    memo = c.kr_findings if not language and kr_rules is c.scopes["key_result"] else None
    glossary = _glossary_key(okrs) if memo is not None else None
    objective_memo = c.objective_findings if not language and objective_rules is c.scopes["objective"] else None
    for oi, obj in enumerate(okrs.objectives):
        kr_reports: list[KRReport] = []
        # One target per objective, pointed at each key result in turn (checks keep no reference to it).
        t = Target(okrs=okrs, objective=obj, oi=oi, analyses=analyses)
        for ki, (kr, a) in enumerate(zip(obj.key_results, analyses[oi])):
            parsed = _parsed_with_overrides(kr, a)
            a.kind = classify_indicator(kr.text, c.leading, c.lagging)
            key = (kr.text, kr.baseline, kr.target, glossary) if memo is not None and not kr.__pydantic_extra__ else None
            hit = memo.get(key) if key is not None else None
            if hit is None:
                t.kr, t.ki, t.analysis = kr, ki, a
                findings = _apply(kr_rules, t)
                score = kr_score(findings, weights) if findings else 100
                if key is not None:
                    if len(memo) >= _KR_FINDINGS_MAX:
                        memo.clear()
                    memo[key] = (_as_tuples(findings), score)
            else:
                findings = _from_tuples(hit[0])
                score = hit[1]
            kr_reports.append(build(
                KRReport,
                index=ki, text=kr.text, score=score, parsed=parsed,
                findings=findings, kind=a.kind, progress=kr_progress(kr, parsed),
            ))
        t.kr = t.ki = t.analysis = None  # back to the objective itself
        okey = _objective_key(okrs, obj) if objective_memo is not None else None
        kept = objective_memo.get(okey) if okey is not None else None
        if kept is None:
            findings = _apply(objective_rules, t)
            if okey is not None:
                if len(objective_memo) >= _KR_FINDINGS_MAX:
                    objective_memo.clear()
                objective_memo[okey] = _as_tuples(findings)
        else:
            findings = _from_tuples(kept)
        prog, reading = objective_progress(kr_reports)
        obj_reports.append(build(
            ObjectiveReport,
            index=oi, title=obj.title, score=objective_score(findings, kr_reports, c.weights), findings=findings,
            key_results=kr_reports, progress=prog, progress_reading=reading,
        ))
    set_findings = _apply(set_rules, Target(okrs=okrs, analyses=analyses))
    progs = [o.progress for o in obj_reports if o.progress is not None]
    return build(
        Report,
        score=set_score(set_findings, obj_reports, c.weights), findings=set_findings, objectives=obj_reports,
        rubric_version=c.version, profile=prof.name, progress=round(sum(progs) / len(progs), 3) if progs else None,
        notes=notes,
    )


__all__ = ["review", "compile_rubric"]
