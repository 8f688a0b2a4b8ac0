"""Apply the rules to an OKR set and build the RUBRIC.md report (pure, deterministic, no network)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from coach.krparse import Analysis, analyse
from coach.langcheck import unsupported_language
from coach.models import (Finding, KeyResult, KRReport, Objective, ObjectiveReport, OKRSet, ParsedKR, Progress, Report,
                          build, clone)
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
    objective_reports: dict[tuple[Any, ...], tuple[Any, ...]] | None = None
    set_findings: dict[tuple[Any, ...], tuple[str | None, tuple[tuple[Any, ...], ...]]] | None = None


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
    # With both, an objective's whole report (its findings, its key results' reports, the scores and progress) is
    # kept by what those keys read plus the key results' current values (see _report_key): an unchanged objective is
    # rebuilt from plain values instead of reviewed again.
    reports = {} if memo is not None and objective_memo is not None else None
    # The set rules' findings, and the language guess, are kept by the titles and texts when every set rule is of a
    # kind that reads only those (see _set_key).
    set_memo = {} if all(fn in _SET_TEXT_CHECKS for _, fn, _ in scopes["set"]) else None
    return Compiled(profile, scopes, {r.id: r.weight for r in rules}, lead, lag, rubric_version(rules_dir), memo,
                    objective_memo, reports, set_memo)


_KR_ONLY_CHECKS = frozenset(CHECKS[k] for k in ("missing_baseline", "length", "kr_reading", "holds_level", "acronyms",
                                                "numbers_in_text"))
_KR_FINDINGS_MAX = 4_096
# Check kinds that, on an objective, read only its declared fields, its number of key results and the set's declared
# fields and number of objectives (context_field, count_range) or only its title (the others): see _objective_key.
_OBJECTIVE_ONLY_CHECKS = frozenset(CHECKS[k] for k in ("length", "objective_reading", "numbers_in_text",
                                                       "context_field", "count_range"))
# Check kinds that, on the set, read only the objectives' titles and their key results' texts (and what the parser and
# classify_indicator make of those texts alone: metric, unit, leading/lagging), and the number of objectives.
_SET_TEXT_CHECKS = frozenset(CHECKS[k] for k in ("duplicate_metric", "indicator_mix", "count_range"))
_REPORTS_MAX = 2_048  # whole objective reports are larger than findings: fewer are kept
_SEEN_ONCE: tuple[Any, ...] = ("seen once",)  # the marker of a report key seen once (compared by identity)


def _num(v: float | None) -> str:
    # A number as part of a key: its repr, which tells -0.0 from 0.0 (and 2 from 2.0): equal, with the same hash, but
    # printed differently in a report.
    return repr(v)


@lru_cache(maxsize=64)
def _fields_of(cls: type[BaseModel], nested: str) -> Callable[[BaseModel], tuple[Any, ...]]:
    """Reads a model's declared fields other than `nested` (its list of objectives or key results), as a tuple."""
    names = [name for name in cls.model_fields if name != nested]
    get = attrgetter(*names) if names else (lambda _: ())
    return get if len(names) != 1 else (lambda m: (get(m),))


def _set_part(okrs: OKRSet) -> tuple[Any, ...] | None:
    """The set's share of every objective key: its declared fields and its number of objectives. None when it has
    extra keys (a check could read those) or a value cannot be a key."""
    if okrs.__pydantic_extra__:
        return None
    key = (type(okrs), len(okrs.objectives), *_fields_of(type(okrs), "objectives")(okrs))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _objective_key(set_part: tuple[Any, ...], obj: Objective) -> tuple[Any, ...] | None:
    """Everything those objective checks can read: the objective's declared fields (the title among them) and the
    set's, the number of key results and of objectives. None when that is not all there is to read (extra keys) or
    a value cannot be a key."""
    if obj.__pydantic_extra__:
        return None
    key = (set_part, type(obj), len(obj.key_results), *_fields_of(type(obj), "key_results")(obj))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _kr_key(kr: KeyResult, glossary: tuple[str, ...] | None) -> tuple[Any, ...]:
    """What a key result's checks read (see compile_rubric): its text, its explicit baseline and target, the
    glossary."""
    if kr.baseline is None and kr.target is None:
        return kr.text, glossary
    return kr.text, glossary, _num(kr.baseline), _num(kr.target)


def _report_key(okey: tuple[Any, ...], obj: Objective) -> tuple[Any, ...] | None:
    """What an objective's whole report reads: its own key (_objective_key) and each key result's text and current,
    baseline and target fields (its findings, its parse with the explicit fields applied, its kind, its progress).
    None when a key result has extra keys (its findings are not kept either)."""
    parts: list[Any] = [okey]
    for kr in obj.key_results:
        if kr.__pydantic_extra__:
            return None
        if kr.current is None and kr.baseline is None and kr.target is None:
            parts.append(kr.text)
        else:
            parts.append((kr.text, _num(kr.current), _num(kr.baseline), _num(kr.target)))
    return tuple(parts)


def _set_key(okrs: OKRSet) -> tuple[tuple[str, ...], ...]:
    """What the set checks of _SET_TEXT_CHECKS and the language guess read: each objective's title and texts."""
    return tuple((o.title, *[k.text for k in o.key_results]) for o in okrs.objectives)


def _report_from_tuple(kept: tuple[Any, ...], index: int, title: str) -> ObjectiveReport:
    """A new ObjectiveReport from the values review() keeps (see _objective_report): every model in it is new, as
    in a report reviewed from scratch, so what one caller changes in its report no other report sees."""
    score, findings, progress, reading, krs = kept
    kr_reports = [build(
        KRReport,
        index=ki, text=text, score=kr_score,
        parsed=build(ParsedKR, metric=p[0], baseline=p[1], target=p[2], unit=p[3], direction=p[4], comparator=p[5]),
        findings=_from_tuples(kr_findings), kind=kind,
        progress=None if prog is None else build(Progress, current=prog[0], value=prog[1]),
    ) for ki, (text, kr_score, p, kr_findings, kind, prog) in enumerate(krs)]
    return build(
        ObjectiveReport,
        index=index, title=title, score=score, findings=_from_tuples(findings), key_results=kr_reports,
        progress=progress, progress_reading=reading,
    )


def _keep(memo: dict[Any, Any], key: Any, value: Any, limit: int = _KR_FINDINGS_MAX) -> None:
    """Remember a value; a full memo starts again (bounded memory, no bookkeeping on the hot path)."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value


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


def _read_key_result(kr: KeyResult, leading: frozenset[str], lagging: frozenset[str]) -> Analysis:
    """The key result's analysis as the checks read it: its own copy of the parse (the report hands it out, and the
    parse is kept by text), explicit baseline/target fields winning over what the text says, and its leading/lagging
    kind."""
    a = analyse(kr.text)
    p = clone(a.parsed)
    if kr.baseline is not None:
        p.baseline = kr.baseline
        a.baseline_stated = True
    if kr.target is not None:
        p.target = kr.target
    if (kr.baseline is not None or kr.target is not None) and p.baseline is not None and p.target is not None \
            and p.direction != "maintain" and p.baseline != p.target:
        p.direction = "increase" if p.target > p.baseline else "decrease"
    a.parsed = p
    a.kind = classify_indicator(kr.text, leading, lagging)
    return a


# Check kinds that count, measure or look up fields rather than read words: valid in any language.
WORDLESS_CHECKS = frozenset({"length", "count_range", "context_field", "numbers_in_text"})


def review(okrs: OKRSet, *, profile: str | Profile | None = None, rules_dir: Path | None = None) -> Report:
    """Score a whole OKR set: findings with evidence and a fix, scores 0-100, progress when given."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile or "default", rules_dir)
    c = compile_rubric(prof, rules_dir)
    kr_rules, objective_rules, set_rules = c.scopes["key_result"], c.scopes["objective"], c.scopes["set"]
    objectives = okrs.objectives
    notes = okrs.reader_notes
    # The set rules' findings and the language guess, when kept for these titles and texts.
    set_memo = c.set_findings
    set_key = _set_key(okrs) if set_memo is not None else None
    set_kept = set_memo.get(set_key) if set_key is not None else None
    if set_kept is not None:
        language = set_kept[0]
    else:
        language = unsupported_language([o.title for o in objectives]
                                        + [k.text for o in objectives for k in o.key_results])
    if language:  # word-reading rules would give wrong findings on another language: apply the others only
        notes.append(language)
        kr_rules, objective_rules, set_rules = ([x for x in rules if x[0].extends in WORDLESS_CHECKS]
                                                for rules in (kr_rules, objective_rules, set_rules))
    kr_memo = c.kr_findings if not language else None
    objective_memo = c.objective_findings if not language else None
    reports = c.objective_reports if kr_memo is not None and objective_memo is not None else None
    set_part = _set_part(okrs) if objective_memo is not None else None
    okeys = [_objective_key(set_part, obj) if set_part is not None else None for obj in objectives]
    report_keys = [_report_key(k, obj) if k is not None and reports is not None else None
                   for k, obj in zip(okeys, objectives)]
    got = [reports.get(k) if k is not None else None for k in report_keys]
    kept_reports = [None if g is _SEEN_ONCE else g for g in got]
    # Each key result read once (the checks of every scope share these), unless neither its objective's checks nor the
    # set's need it again.
    analyses = [[_read_key_result(kr, c.leading, c.lagging) for kr in obj.key_results]
                if kept is None or set_kept is None else [] for obj, kept in zip(objectives, kept_reports)]
    glossary = _glossary_key(okrs) if kr_memo is not None else None
    obj_reports: list[ObjectiveReport] = []
    for oi, obj in enumerate(objectives):
        kept = kept_reports[oi]
        if kept is None:
            # A report is kept the second time its key comes (most sets are reviewed once; keeping each on first
            # sight cost an unseen set's review about 3% more): the first time only marks the key as seen.
            second = got[oi] is _SEEN_ONCE
            report, kept = _objective_report(c, okrs, oi, analyses, kr_rules, objective_rules, kr_memo, objective_memo,
                                             okeys[oi], glossary, keep=second and report_keys[oi] is not None)
            if report_keys[oi] is not None:
                _keep(reports, report_keys[oi], kept if kept is not None else _SEEN_ONCE, _REPORTS_MAX)
        else:
            report = _report_from_tuple(kept, oi, obj.title)
        obj_reports.append(report)
    if set_kept is not None:
        set_findings = _from_tuples(set_kept[1])
    else:
        set_findings = _apply(set_rules, Target(okrs=okrs, analyses=analyses))
        if set_key is not None:
            _keep(set_memo, set_key, (language, _as_tuples(set_findings)))
    progs = [o.progress for o in obj_reports if o.progress is not None]
    return build(
        Report,
        score=set_score(set_findings, obj_reports, c.weights), findings=set_findings, objectives=obj_reports,
        rubric_version=c.version, profile=prof.name, progress=round(sum(progs) / len(progs), 3) if progs else None,
        notes=notes,
    )


def _objective_report(c: Compiled, okrs: OKRSet, oi: int, analyses: list[list[Analysis]],
                      kr_rules: list[tuple[Rule, Any, dict[str, Any]]],
                      objective_rules: list[tuple[Rule, Any, dict[str, Any]]],
                      kr_memo: dict[tuple[Any, ...], Any] | None, objective_memo: dict[tuple[Any, ...], Any] | None,
                      okey: tuple[Any, ...] | None, glossary: tuple[str, ...] | None, *,
                      keep: bool) -> tuple[ObjectiveReport, tuple[Any, ...] | None]:
    """Review one objective and its key results, with the key results' and the objective's findings memos. With
    `keep`, also the report as plain values for _report_from_tuple (strings, numbers and tuples: not tracked by the
    garbage collector, and never handed out), made from the findings as the memos keep them."""
    obj = okrs.objectives[oi]
    weights = c.weights
    kr_reports: list[KRReport] = []
    kr_kept: list[tuple[Any, ...]] = []
    # One target per objective, pointed at each key result in turn (checks keep no reference to it).
    t = Target(okrs=okrs, objective=obj, oi=oi, analyses=analyses)
    for ki, (kr, a) in enumerate(zip(obj.key_results, analyses[oi])):
        key = _kr_key(kr, glossary) if kr_memo is not None and not kr.__pydantic_extra__ else None
        hit = kr_memo.get(key) if key is not None else None
        if hit is None:
            t.kr, t.ki, t.analysis = kr, ki, a
            findings = _apply(kr_rules, t)
            score = kr_score(findings, weights) if findings else 100
            if key is not None:
                hit = (_as_tuples(findings), score)
                _keep(kr_memo, key, hit)
        else:
            findings = _from_tuples(hit[0])
            score = hit[1]
        parsed = a.parsed
        progress = kr_progress(kr, parsed) if kr.current is not None else None  # (None without a current value)
        kr_reports.append(build(
            KRReport,
            index=ki, text=kr.text, score=score, parsed=parsed, findings=findings, kind=a.kind, progress=progress,
        ))
        if keep:
            kr_kept.append((kr.text, score, tuple(parsed.__dict__.values()), hit[0], a.kind,
                            None if progress is None else (progress.current, progress.value)))
    t.kr = t.ki = t.analysis = None  # back to the objective itself
    kept = objective_memo.get(okey) if okey is not None else None
    if kept is None:
        findings = _apply(objective_rules, t)
        if okey is not None:
            kept = _as_tuples(findings)
            _keep(objective_memo, okey, kept)
    else:
        findings = _from_tuples(kept)
    prog, reading = objective_progress(kr_reports)
    score = objective_score(findings, kr_reports, weights)
    report = build(
        ObjectiveReport,
        index=oi, title=obj.title, score=score, findings=findings, key_results=kr_reports, progress=prog,
        progress_reading=reading,
    )
    return report, (score, kept, prog, reading, tuple(kr_kept)) if keep else None


__all__ = ["review", "compile_rubric"]
