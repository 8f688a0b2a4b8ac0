"""Draft OKRs for a role: the model fills a small typed schema, code assembles the sentences, the rubric ranks."""

from __future__ import annotations

import re
import time
from datetime import date

from pydantic import BaseModel

from coach.corpus.library import Role
from coach.errors import InputError, ModelError
from coach.models import Objective, OKRSet
from coach.prompts import DraftPrompt, ExampleOKRCtx, MetricCtx, render
from coach.settings import Settings
from coach.usecases.assemble import (
    VERBS_DOWN,
    VERBS_UP,
    assemble_kr,
    clean_objective,
    draft_schema,
)
from coach.usecases.common import (
    LLMLike,
    fallback_text,
    find_role,
    get_model,
    model_name,
    rescore,
    role_examples,
    same_role,
)
from coach.usecases.results import (
    Draft,
    DraftContext,
    DraftOrigin,
    DraftResult,
    KROrigin,
)

MAX_SAMPLES = 8
DRAFT_MAX_TOKENS = 256
# Objective findings that mean the model's wording failed; the others depend on set context, not wording.
WORDING_RULES = {"objective.qualitative", "objective.outcome", "objective.inspiring", "objective.concise"}
KR_FIELDS = ("result", "signal")
_ORIGIN_ORDER = {"model": 0, "model_copied_example": 1, "role_example": 2}


def current_quarter(today: date | None = None) -> str:
    d = today or date.today()
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3}


def _nearest_example(role: Role, text: str, sample: int) -> str | None:
    """The role's good objective closest in words to the model's attempt (rotating on ties, for variety)."""
    if not role.good:
        return None
    ws = _words(text)
    order = sorted(range(len(role.good)), key=lambda i: (-len(ws & _words(role.good[i].objective)),
                                                          (i - sample) % len(role.good)))
    return role.good[order[0]].objective


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _is_example(role: Role, title: str) -> bool:
    return any(_norm(title) == _norm(e.objective) for e in role.good)


def _set_for(base: OKRSet, title: str, krs: list[str]) -> OKRSet:
    return base.model_copy(update={"objectives": [Objective(title=title, key_results=krs)]}, deep=True)


def _build(out: BaseModel, role: Role, base: OKRSet, settings: Settings, *, sample: int | None) -> Draft | None:
    """One model answer -> one scored draft, recording which parts the model wrote."""
    origins: list[KROrigin] = []
    seen: set[str] = set()
    for name in KR_FIELDS:
        fields = getattr(out, name, None)
        if fields is None:
            continue
        if fields.metric in seen:
            continue  # the same metric twice would only duplicate a key result
        seen.add(fields.metric)
        origins.append(assemble_kr(fields, role))
    krs = [o.text for o in origins]
    raw_title = str(getattr(out, "objective", ""))
    title = clean_objective(raw_title, {w.lower() for w in re.findall(r"[A-Za-z]+", role.role)})
    origin_kind, note = "model", None
    if title is not None:
        report = rescore(_set_for(base, title, krs), settings)
        broken = sorted({f.rule for f in report.objectives[0].findings} & WORDING_RULES)
        if broken:
            note = f"the model's objective {title!r} broke {', '.join(broken)}"
            title = None
        elif title != raw_title:
            note = "the model's objective was trimmed to one sentence"
    else:
        note = f"the model's objective {raw_title[:80]!r} was not usable text"
    if title is None:
        title = _nearest_example(role, raw_title, sample or 0)
        if title is None:
            return None
        origin_kind = "role_example"
    elif _is_example(role, title):
        origin_kind = "model_copied_example"
        note = "the model wrote out one of the role examples it was shown"
    okrs = _set_for(base, title, krs)
    report = rescore(okrs, settings)
    origin = DraftOrigin(objective=origin_kind, objective_note=note, key_results=origins,
                         raw=out.model_dump(mode="json"))
    confirm = [f"{k.text}: the start and target values are "
               + ("an example level for this role" if k.numbers == "role_library" else "the model's guesses")
               + "; put in today's real value" for k in origins]
    return Draft(objective=title, key_results=krs, score=report.score, report=report, okrs=okrs, origin=origin,
                 sample=sample, revised=sample is None, to_confirm=confirm)


def _rank(drafts: list[Draft]) -> list[Draft]:
    unique: dict[tuple[str, tuple[str, ...]], Draft] = {}
    for d in drafts:
        unique.setdefault((d.objective, tuple(d.key_results)), d)
    ranked = sorted(unique.values(), key=lambda d: (-d.score, _ORIGIN_ORDER[d.origin.objective], not d.revised))
    for i, d in enumerate(ranked, 1):
        d.rank = i
    return ranked


def _examples_only(role: Role, base: OKRSet, settings: Settings) -> list[Draft]:
    """Without a model: the role library's good examples, scored in the user's context and labelled as such."""
    out: list[Draft] = []
    for ex in role.good:
        okrs = _set_for(base, ex.objective, list(ex.key_results))
        report = rescore(okrs, settings)
        origin = DraftOrigin(objective="role_example", objective_note="copied from the role library; no model output")
        out.append(Draft(objective=ex.objective, key_results=list(ex.key_results), score=report.score, report=report,
                         okrs=okrs, origin=origin, source="role_example"))
    return _rank(out)


# Findings about set context (owner, period, alignment) come from the user's input; the model cannot fix them.
CONTEXT_RULES = {"objective.owner", "objective.time_bound", "objective.aligned"}


def _findings_for_revision(d: Draft) -> list[str]:
    return [f"{f.rule}: {f.message}" for _, f in d.report.all_findings() if f.rule not in CONTEXT_RULES]


# A revision reads a longer prompt than a repeated sample: count it as one and a half samples.
REVISION_COST = 1.5


def _last_seconds(model: LLMLike) -> float:
    """Model time of the last request (not litellm's import or the prompt read before the first request)."""
    usage = getattr(model, "last_usage", None)
    return float(getattr(usage, "seconds", 0.0) or 0.0)


def _sample(model: LLMLike, messages: list[dict[str, str]], schema: type[BaseModel], *, n: int, seed: int | None,
            deadline: float | None, notes: list[str]) -> list[BaseModel]:
    """Up to n samples, one request each, stopping early when the next would end after `deadline`.

    Sample i is the request `generate(n=1, seed=base + i)`: the same requests `generate(n=n)` sends, so answers
    and cache keys do not depend on the budget. Raises ModelError when no sample is valid.
    """
    base = 0 if seed is None else seed
    outs: list[BaseModel] = []
    failure: ModelError | None = None
    for i in range(n):
        if i and deadline is not None:
            if time.monotonic() + _last_seconds(model) > deadline:
                notes.append(f"drew {i} of {n} samples: another would have gone past the time budget")
                break
        try:
            outs += model.generate(messages=messages, schema=schema, n=1, temperature=0.8,
                                   max_tokens=DRAFT_MAX_TOKENS, seed=base + i)
        except ModelError as exc:
            failure = exc
            if "invalid output" not in exc.message:
                break  # a dead or slow model will not get better on the next sample
    if not outs:
        raise failure or ModelError("the model returned no answer")
    return outs


def draft(
    *, role: str, context: DraftContext | None = None, n: int = 3, settings: Settings, llm: LLMLike | None = None,
    seed: int | None = None, budget_s: float | None = None,
) -> DraftResult:
    """Draft ranked OKRs for a role; falls back to scored role examples when the model fails.

    `budget_s` bounds the wall time: no further sample (or revision) starts when it would end past the budget.
    """
    deadline = None if not budget_s or budget_s <= 0 else time.monotonic() + budget_s
    if not role or not role.strip():
        raise InputError("a role is needed to draft OKRs", hint='for example --role "Account Executive"')
    ctx = context or DraftContext()
    n = max(1, min(int(n), MAX_SAMPLES))
    r = find_role(role.strip(), settings)
    notes: list[str] = []
    if not same_role(role, r):
        notes.append(f"no role named {role.strip()!r}; drafted for the nearest role {r.role!r}")
    period = ctx.period
    if not period:
        period = current_quarter()
        notes.append(f"no period given; drafted for the current quarter {period}")
    base = OKRSet(period=period, team=ctx.team, role=r.role, focus_area=ctx.focus_area)
    query = " ".join(x for x in (ctx.focus_area, ctx.current_state, ctx.blockers) if x) or None
    prompt = DraftPrompt(
        role=r.role, drives=r.drives, examples=role_examples(r, query, settings),
        metrics=[MetricCtx(name=m.name, kind=m.kind, unit=m.unit) for m in r.metrics],
        verbs_up=VERBS_UP, verbs_down=VERBS_DOWN, focus_area=ctx.focus_area, current_state=ctx.current_state,
        blockers=ctx.blockers, period=ctx.period,
    )
    schema = draft_schema(r)

    def fallback(reason: str) -> DraftResult:
        return DraftResult(role=r.role, role_requested=role, drafts=_examples_only(r, base, settings), llm_used=False,
                           fallback_reason=reason, notes=notes)

    try:
        model = get_model(settings, llm)
        outs = _sample(model, render("draft", prompt, settings=settings), schema, n=n, seed=seed, deadline=deadline,
                       notes=notes)
    except ModelError as exc:
        return fallback(fallback_text(exc))
    drafts = [d for i, o in enumerate(outs) if (d := _build(o, r, base, settings, sample=i)) is not None]
    if not drafts:
        return fallback("the model returned no usable draft; rubric-only results")
    best = max(drafts, key=lambda d: d.score)
    findings = _findings_for_revision(best)
    if findings and deadline is not None and time.monotonic() + REVISION_COST * _last_seconds(model) > deadline:
        notes.append("revision skipped: it would have gone past the time budget")
    elif findings:
        revise = prompt.model_copy(update={
            "previous": ExampleOKRCtx(objective=best.objective, key_results=best.key_results), "findings": findings,
        })
        try:
            again = model.generate(messages=render("draft", revise, settings=settings), schema=schema, n=1,
                                   temperature=0.3, max_tokens=DRAFT_MAX_TOKENS, seed=seed)
            drafts += [d for o in again[:1] if (d := _build(o, r, base, settings, sample=None)) is not None]
        except ModelError as exc:
            notes.append(f"revision skipped: {exc.message}")
    return DraftResult(role=r.role, role_requested=role, drafts=_rank(drafts), llm_used=True,
                       model=model_name(model, settings), notes=notes)
