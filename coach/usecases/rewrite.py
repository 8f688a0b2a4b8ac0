"""Rewrite one objective or key result: the model proposes, the rubric keeps only what scores strictly higher."""

from __future__ import annotations

import re

from coach.corpus.library import Role
from coach.errors import InputError, ModelError
from coach.models import OKRSet, Report
from coach.prompts import ExampleOKRCtx, RewritePrompt, render
from coach.settings import Settings
from coach.usecases.assemble import (
    VERBS_DOWN,
    VERBS_UP,
    FreeKROut,
    ObjectiveOut,
    clean_metric,
    clean_objective,
    fix_numbers,
    sentence,
)
from coach.usecases.common import (
    LLMLike,
    fallback_text,
    finding_ctx,
    get_model,
    item_rules,
    item_score,
    rescore,
    role_examples,
    role_or_none,
    with_kr,
    with_title,
)
from coach.usecases.results import KROrigin, Rewrite, RewriteResult

REWRITE_MAX_TOKENS = 160
_PARSER_UNITS = {"%": "%", "USD": "USD", "days": "days", "hours": "hours", "weeks": "weeks", "points": "points",
                 "x": "x"}


def check_indices(okrs: OKRSet, oi: int, ki: int | None) -> None:
    if not 0 <= oi < len(okrs.objectives):
        raise InputError(f"objective_index {oi} is out of range", hint=f"the set has {len(okrs.objectives)} objectives")
    n = len(okrs.objectives[oi].key_results)
    if ki is not None and not 0 <= ki < n:
        raise InputError(f"kr_index {ki} is out of range", hint=f"objective {oi} has {n} key results")


def judge(okrs: OKRSet, before: Report, oi: int, ki: int | None, text: str, settings: Settings, *,
          origin: KROrigin | None = None, to_confirm: list[str] | None = None) -> Rewrite | None:
    """Score the proposal in the same set; keep it only if its item scores strictly higher and the set no lower."""
    original = okrs.objectives[oi].title if ki is None else okrs.objectives[oi].key_results[ki].text
    if " ".join(text.split()) == " ".join(original.split()):
        return None
    changed = with_title(okrs, oi, text) if ki is None else with_kr(okrs, oi, ki, text)
    after = rescore(changed, settings)
    old, new = item_score(before, oi, ki), item_score(after, oi, ki)
    if new <= old or after.score < before.score:
        return None
    old_rules, new_rules = item_rules(before, oi, ki), item_rules(after, oi, ki)
    return Rewrite(
        target="objective" if ki is None else "key_result", objective_index=oi, kr_index=ki, original=original,
        proposed=text, original_score=old, proposed_score=new, set_score_before=before.score,
        set_score_after=after.score, fixed_rules=[r for r in old_rules if r not in new_rules],
        remaining_rules=new_rules, to_confirm=to_confirm or [], origin=origin,
    )


def _prompt(okrs: OKRSet, report: Report, oi: int, ki: int | None, role: Role | None,
            settings: Settings) -> RewritePrompt:
    obj = okrs.objectives[oi]
    rep = report.objectives[oi] if ki is None else report.objectives[oi].key_results[ki]
    examples: list[ExampleOKRCtx] = role_examples(role, obj.title, settings) if role else []
    return RewritePrompt(
        kind="objective" if ki is None else "key_result",
        text=obj.title if ki is None else obj.key_results[ki].text, objective=obj.title,
        siblings=[k.text for i, k in enumerate(obj.key_results) if i != ki], findings=finding_ctx(rep.findings),
        examples=examples, metric_hint=None if ki is None else report.objectives[oi].key_results[ki].parsed.metric,
        verbs_up=[] if ki is None else VERBS_UP, verbs_down=[] if ki is None else VERBS_DOWN,
    )


_FILLER = {"value", "values", "today", "today's", "baseline", "target", "metric", "overall", "number", "result",
           "results", "key", "objective", "level", "current", "new", "the", "of", "per", "a", "an", "and", "to"}


def _content(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z][a-z'\-]*", text.lower()) if w not in _FILLER and len(w) > 2}


def kr_text(out: FreeKROut, report: Report, oi: int, ki: int) -> tuple[str, KROrigin, list[str]] | None:
    """Assemble the model's fields into a sentence, keeping the user's metric and numbers where they still apply.

    The model's metric is used only when it is on topic (shares a word with the key result or its objective);
    otherwise the user's own metric stays. When the metric is the user's, so are its unit and any numbers the
    user gave; a status-quo key result ("keep churn under 2%") starts from the level it held.
    """
    kr_rep = report.objectives[oi].key_results[ki]
    parsed = kr_rep.parsed
    topic = _content(kr_rep.text) | _content(report.objectives[oi].title)
    activity = any(f.rule == "kr.outcome" for f in kr_rep.findings)
    metric = clean_metric(out.metric)
    if metric is not None and not (_content(metric) and (activity or _content(metric) & topic)):
        metric = None  # off topic, or prompt filler such as "today's value"
    mine = _content(parsed.metric or "")
    if metric is None or (mine and _content(metric) <= mine):
        if not parsed.metric or activity:
            return None  # an activity count stays an activity, whatever numbers surround it
        metric = parsed.metric  # the model's metric says nothing the user's does not
        if clean_metric(metric) is None:
            return None  # the user named a quality ("CRM data clean"); numbers alone will not make it a metric
    # Still the user's measure: keep their unit and numbers (an activity's count does not carry over).
    same = bool(mine & _content(metric)) and not activity
    user_unit = (_PARSER_UNITS.get(parsed.unit or "") or "count") if same else None
    unit = user_unit or out.unit
    b, t = out.baseline, out.target
    user_b = user_t = False
    if same and parsed.direction == "maintain" and parsed.target is not None:
        b, user_b = float(parsed.target), True  # the level held today is the new start
    elif same:
        if parsed.baseline is not None:
            b, user_b = float(parsed.baseline), True
        if parsed.target is not None:
            t, user_t = float(parsed.target), True
    verb, fb, ft, notes = fix_numbers(out.verb, b, t, unit, metric, 
                                      keep="target" if user_t and not user_b else "baseline" if user_b and not user_t else None)
    user_b, user_t = user_b and fb == b, user_t and ft == t
    num_src = ("user" if user_b and user_t else "user_and_model" if user_b or user_t
               else "model_fixed_by_code" if notes else "model")
    to_confirm = [] if user_b else [f"baseline {fb:g}: the model's guess; put today's real value"]
    to_confirm += [] if user_t else [f"target {ft:g}: the model's suggestion; set the level you aim for"]
    text = sentence(verb, metric, fb, ft, unit)
    origin = KROrigin(text=text, verb="model" if verb == out.verb else "code", metric="user" if metric == parsed.metric else "model",
                      numbers=num_src, unit="user" if user_unit else "model", notes=notes)  # type: ignore[arg-type]
    return text, origin, to_confirm


def propose(model: LLMLike, okrs: OKRSet, report: Report, oi: int, ki: int | None, *, settings: Settings, n: int,
            role: Role | None) -> tuple[list[Rewrite], int]:
    """Ask for n proposals, score each; returns the ones that score higher (best first) and how many were dropped."""
    messages = render("rewrite", _prompt(okrs, report, oi, ki, role, settings), settings=settings)
    kept: list[Rewrite] = []
    if ki is None:
        outs = model.generate(messages=messages, schema=ObjectiveOut, n=n, temperature=0.7, max_tokens=REWRITE_MAX_TOKENS)
        texts = [(t, None, []) for o in outs if (t := clean_objective(o.objective))]
        total = len(outs)
    else:
        outs = model.generate(messages=messages, schema=FreeKROut, n=n, temperature=0.7, max_tokens=REWRITE_MAX_TOKENS)
        texts = [x for o in outs if (x := kr_text(o, report, oi, ki)) is not None]
        total = len(outs)
    seen: set[str] = set()
    for text, origin, confirm in texts:
        if text in seen:
            continue
        seen.add(text)
        if (rw := judge(okrs, report, oi, ki, text, settings, origin=origin, to_confirm=confirm)) is not None:
            kept.append(rw)
    # On equal scores, prefer rewrites that keep the user's own metric.
    kept.sort(key=lambda r: (-r.proposed_score, -r.set_score_after, bool(r.origin and r.origin.metric != "user")))
    return kept, total - len(kept)


def rewrite(
    *, okrs: OKRSet, objective_index: int, kr_index: int | None = None, settings: Settings,
    llm: LLMLike | None = None, n: int = 3, budget_s: float | None = None,
) -> RewriteResult:
    """Better wordings for one objective (kr_index None) or one key result, keyed to the rules it broke.

    Candidates come from a template per rule and the nearest library wordings; each must keep the topic, invent
    no number, pass the sense check and score higher. The model chooses which one comes first.
    """
    import time

    from coach.corpus.index import get_index
    from coach.usecases.coaching import candidates, choose
    from coach.usecases.sense import SenseChecker

    deadline = None if not budget_s or budget_s <= 0 else time.monotonic() + budget_s
    check_indices(okrs, objective_index, kr_index)
    report = rescore(okrs, settings)
    obj = okrs.objectives[objective_index]
    original = obj.title if kr_index is None else obj.key_results[kr_index].text
    result = RewriteResult(objective_index=objective_index, kr_index=kr_index, original=original,
                           original_score=item_score(report, objective_index, kr_index), report=report, llm_used=False)
    if result.original_score >= 100:
        return result  # nothing can score strictly higher
    kept, why = candidates(okrs, report, objective_index, kr_index, settings=settings,
                           checker=SenseChecker(settings), roles=list(get_index(settings).roles),
                           role=role_or_none(okrs.role, settings))
    result.rejected = sum(why.values())
    kept = kept[: max(1, min(n, 8))]
    if len(kept) > 1:
        try:
            model = get_model(settings, llm)
            pick = choose(model, okrs, objective_index, kr_index, kept, settings=settings, deadline=deadline)
            kept = [pick] + [k for k in kept if k is not pick]
            result.llm_used = True
        except ModelError as exc:
            result.fallback_reason = fallback_text(exc) + "; candidates ranked by score without the model's choice"
    result.candidates = kept
    return result
