"""Rewrite one objective or key result: candidates keyed to the rules it broke (templates and the nearest library
wordings), each kept only if it keeps the topic, invents no number, makes sense and scores higher."""

from __future__ import annotations

from coach.errors import InputError, ModelError
from coach.models import OKRSet
from coach.settings import Settings
from coach.usecases.common import LLMLike, fallback_text, get_model, item_score, rescore, role_or_none
from coach.usecases.results import RewriteResult


def check_indices(okrs: OKRSet, oi: int, ki: int | None) -> None:
    if not 0 <= oi < len(okrs.objectives):
        raise InputError(f"objective_index {oi} is out of range", hint=f"the set has {len(okrs.objectives)} objectives")
    n = len(okrs.objectives[oi].key_results)
    if ki is not None and not 0 <= ki < n:
        raise InputError(f"kr_index {ki} is out of range", hint=f"objective {oi} has {n} key results")


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
    starting = None
    if llm is None and deadline is not None:
        # The model starts (seconds when cold) while the candidates are checked; waited for only until the deadline.
        from coach.usecases.critique import _start_warm
        from coach.usecases.draft import _Starting

        starting = _Starting(settings, llm, getter=_start_warm)
    kept, why = candidates(okrs, report, objective_index, kr_index, settings=settings,
                           checker=SenseChecker(settings), roles=list(get_index(settings).roles),
                           role=role_or_none(okrs.role, settings))
    result.rejected = sum(why.values())
    kept = kept[: max(1, min(n, 8))]
    if len(kept) > 1:
        try:
            model = starting.result(deadline) if starting is not None else get_model(settings, llm)
            pick = choose(model, okrs, objective_index, kr_index, kept, settings=settings, deadline=deadline)
            kept = [pick] + [k for k in kept if k is not pick]
            result.llm_used = True
        except ModelError as exc:
            result.fallback_reason = fallback_text(exc) + "; candidates ranked by score without the model's choice"
    result.candidates = kept
    return result
