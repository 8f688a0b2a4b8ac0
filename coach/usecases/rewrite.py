"""Rewrite one objective or key result: the model proposes, the rubric keeps only what scores strictly higher."""

from __future__ import annotations

from coach.corpus.library import Role
from coach.errors import InputError, ModelError
from coach.models import OKRSet, Report
from coach.prompts import ExampleOKRCtx, RewritePrompt, render
from coach.settings import Settings
from coach.usecases.assemble import (
    VERBS_DOWN, VERBS_UP, FreeKROut, ObjectiveOut, clean_metric, clean_objective, fix_numbers, sentence,
)
from coach.usecases.common import (
    LLMLike, fallback_text, finding_ctx, get_model, item_rules, item_score, rescore, role_examples, role_or_none,
    with_kr, with_title,
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


def kr_text(out: FreeKROut, report: Report, oi: int, ki: int) -> tuple[str, KROrigin, list[str]] | None:
    """Assemble the model's fields into a sentence, keeping the user's own numbers when the metric is unchanged."""
    parsed = report.objectives[oi].key_results[ki].parsed
    metric = clean_metric(out.metric)
    metric_src = "model"
    if metric is None:
        if not parsed.metric:
            return None
        metric, metric_src = parsed.metric, "user"
    same = bool(parsed.metric) and metric.lower() == (parsed.metric or "").lower()
    if same:
        metric_src = "user"
    user_unit = _PARSER_UNITS.get(parsed.unit or "") if same else None
    unit = user_unit or out.unit
    b, t, to_confirm = out.baseline, out.target, []
    num_src = "model"
    if same and parsed.direction == "maintain" and parsed.target is not None:
        b, num_src = float(parsed.target), "user_and_model"  # the level held today is the new start
    elif same:
        b = float(parsed.baseline) if parsed.baseline is not None else b
        t = float(parsed.target) if parsed.target is not None else t
        used = (parsed.baseline is not None) + (parsed.target is not None)
        num_src = "user" if used == 2 else "user_and_model" if used else "model"
    verb, fb, ft, notes = fix_numbers(out.verb, b, t, unit, metric)
    if (fb, ft) != (b, t) and num_src == "model":
        num_src = "model_fixed_by_code"
    if not (same and parsed.baseline is not None and fb == parsed.baseline):
        to_confirm.append(f"baseline {fb:g}: the model's guess; put today's real value")
    if not (same and parsed.target is not None and ft == parsed.target):
        to_confirm.append(f"target {ft:g}: the model's suggestion; set the level you aim for")
    text = sentence(verb, metric, fb, ft, unit)
    origin = KROrigin(text=text, verb="model" if verb == out.verb else "code", metric=metric_src,  # type: ignore[arg-type]
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
    llm: LLMLike | None = None, n: int = 3,
) -> RewriteResult:
    """Propose better wordings for one objective (kr_index None) or one key result, ranked by rubric score."""
    check_indices(okrs, objective_index, kr_index)
    report = rescore(okrs, settings)
    obj = okrs.objectives[objective_index]
    original = obj.title if kr_index is None else obj.key_results[kr_index].text
    result = RewriteResult(objective_index=objective_index, kr_index=kr_index, original=original,
                           original_score=item_score(report, objective_index, kr_index), report=report, llm_used=False)
    if result.original_score >= 100:
        return result  # nothing can score strictly higher
    try:
        model = get_model(settings, llm)
        kept, dropped = propose(model, okrs, report, objective_index, kr_index, settings=settings,
                                n=max(1, min(n, 8)), role=role_or_none(okrs.role, settings))
    except ModelError as exc:
        result.fallback_reason = fallback_text(exc)
        return result
    result.candidates, result.rejected, result.llm_used = kept, dropped, True
    return result
