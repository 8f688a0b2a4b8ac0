"""Critique an OKR set: the rubric report first, then (optionally) model commentary and rubric-checked rewrites."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from coach.corpus.library import Role
from coach.errors import CoachError, ModelError
from coach.models import OKRSet, Report
from coach.prompts import CritiquePrompt, render
from coach.settings import Settings
from coach.usecases.assemble import CommentOut
from coach.usecases.coaching import candidates, choose, warm_up
from coach.usecases.common import (
    LLMLike,
    fallback_text,
    finding_ctx,
    get_model,
    rescore,
    role_or_none,
)
from coach.usecases.results import Commentary, CritiqueResult, Rewrite
from coach.usecases.sense import SenseChecker

T = TypeVar("T")
MIN_LEFT_S = 0.25
RESERVE_S = 0.5  # kept back for assembling and printing the answer after the last model request
WORDING_RULES = {"objective.qualitative", "objective.outcome", "objective.inspiring", "objective.concise"}

MAX_COMMENTED = 5
MAX_KR_REWRITES = 3
COMMENT_MAX_TOKENS = 100


def clean_comment(text: str) -> str:
    """One or two plain sentences of model commentary; markup and tags removed."""
    t = re.sub(r"[<>{}\[\]`*#]", "", " ".join(text.split())).strip()
    # Small models repeat themselves: keep each clause once, at most two, each at most 40 words.
    seen: list[set[str]] = []
    kept: list[str] = []
    clauses = re.split(r"(?<=[.!?;])\s+", t)
    if len(clauses) > 1 and not re.search(r"[.!?;]$", clauses[-1]):
        clauses = clauses[:-1]  # cut off by the token limit
    for clause in clauses:
        key = set(re.findall(r"[a-z]+", clause.lower()))
        if len(key) < 4 or any(len(key & k) >= 0.8 * min(len(key), len(k)) for k in seen):
            continue  # a fragment, or the same thing said again
        seen.append(key)
        ws = clause.split()
        kept.append(" ".join(ws[:40]).rstrip(";,") + ("." if len(ws) > 40 or clause.endswith(";") else ""))
        if len(kept) == 2:
            break
    text = " ".join(kept)[:400]
    return text if len(re.findall(r"[A-Za-z]{2,}", text)) >= 4 else ""  # a word or two is not commentary


def echoes(comment: str, title: str, key_results: list[str]) -> bool:
    """The comment only repeats the user's own text (a small model often answers with the objective's title):
    fewer than two words of its own is no advice."""
    from coach.usecases.sense import content_words

    own = content_words(title)
    for kr in key_results:
        own |= content_words(kr)
    return len(content_words(comment) - own) < 2


def _roles(settings: Settings) -> list[Role]:
    try:
        from coach.corpus.index import get_index

        return list(get_index(settings).roles)
    except (CoachError, ImportError):
        return []


def _coach(source: Callable[[], LLMLike], okrs: OKRSet, report: Report, settings: Settings,
           deadline: float | None, notes: list[str],
           ) -> tuple[list[Commentary], list[Rewrite], int, int, ModelError | None]:
    """Commentary per objective and one rewrite per weak item; each model call stands alone, so one that fails
    costs its own suggestion only. Returns (comments, rewrites, dropped proposals, model calls that worked,
    why the model could not be had at all)."""
    role = role_or_none(okrs.role, settings)
    roles = _roles(settings)
    checker = SenseChecker(settings)
    comments: list[Commentary] = []
    rewrites: list[Rewrite] = []
    rejected = worked = 0
    failures: list[str] = []

    def ask(what: str, call: Callable[[], T]) -> T | None:
        nonlocal worked
        if deadline is not None and time.monotonic() > deadline - MIN_LEFT_S:
            failures.append(f"{what}: skipped, the time budget ran out")
            return None
        try:
            out = call()
        except ModelError as exc:
            failures.append(f"{what}: {exc.message}")
            return None
        worked += 1
        return out

    items: list[tuple[int, int | None]] = []
    for orep in report.objectives[:MAX_COMMENTED]:
        if any(f.rule in WORDING_RULES for f in orep.findings):
            items.append((orep.index, None))
    weakest = sorted((k.score, o.index, k.index) for o in report.objectives for k in o.key_results if k.findings)
    items += [(oi, ki) for _, oi, ki in weakest[:MAX_KR_REWRITES]]
    # Every item's checked options first (no model); then the model's choices and commentary, while time is left.
    prepared: list[tuple[int, int | None, list[Rewrite]]] = []
    for oi, ki in items:
        where = f"objective {oi + 1}" + ("" if ki is None else f", key result {ki + 1}")
        if deadline is not None and time.monotonic() > deadline:
            notes.append(f"{where}: not checked, the time budget ran out")
            continue
        options, why = candidates(okrs, report, oi, ki, settings=settings, checker=checker, roles=roles, role=role)
        rejected += sum(why.values())
        if not options:
            notes.append(f"{where}: no good rewrite found"
                         + (f" ({', '.join(f'{n} {k}' for k, n in sorted(why.items()))})" if why else ""))
            continue
        prepared.append((oi, ki, options))
    model: LLMLike | None = None
    down: ModelError | None = None
    try:
        model = source()
    except ModelError as exc:
        down = exc
    for oi, ki, options in prepared:
        where = f"objective {oi + 1}" + ("" if ki is None else f", key result {ki + 1}")
        if len(options) == 1 or model is None:
            rewrites.append(options[0])  # without a model: the first that passed every check
            rejected += len(options) - 1
            continue
        pick = ask(f"{where} rewrite", lambda: choose(model, okrs, oi, ki, options, settings=settings,
                                                      deadline=deadline))
        if pick is None:  # the model failed on this item: the first option that passed every check
            pick = options[0]
            pick.how = (pick.how or "") + "; chosen without the model (it failed on this item)"
        rewrites.append(pick)
        rejected += len(options) - 1
    for orep in report.objectives[:MAX_COMMENTED] if model is not None else []:
        oi = orep.index
        obj = okrs.objectives[oi]
        prompt = CritiquePrompt(
            role=okrs.role, period=okrs.period, focus_area=okrs.focus_area, objective=obj.title,
            key_results=[k.text for k in obj.key_results], score=orep.score,
            findings=finding_ctx([f for _, f in _objective_findings(report, oi)]), propose_title=False,
        )
        outs = ask(f"objective {oi + 1} commentary", lambda: model.generate(
            messages=render("critique", prompt, settings=settings), schema=CommentOut, n=1, temperature=0.5,
            max_tokens=COMMENT_MAX_TOKENS, deadline=deadline))
        if outs and (text := clean_comment(outs[0].comment)) and not echoes(text, obj.title,
                                                                          [k.text for k in obj.key_results]):
            comments.append(Commentary(objective_index=oi, text=text))
    if failures and down is None:
        notes.append("the model failed on some items; the rest is shown: " + "; ".join(failures[:4]))
    return comments, rewrites, rejected, worked, down


def _start_warm(settings: Settings, llm: LLMLike | None) -> LLMLike:
    """The model (started if needed), with the rewrite choice's fixed prompt read in: the starting thread's job."""
    model = get_model(settings, llm)
    if llm is None:
        warm_up(model, settings)
    return model


def _objective_findings(report: Report, oi: int) -> list[tuple[str, object]]:
    prefix = f"objectives[{oi}]"
    return [(p, f) for p, f in report.all_findings() if p == prefix or p.startswith(prefix + ".")]


def critique(
    okrs: OKRSet, *, with_llm: bool, settings: Settings, llm: LLMLike | None = None, report: Report | None = None,
    budget_s: float | None = None,
) -> CritiqueResult:
    """The rubric report; with the model, commentary per objective and rewrites keyed to the rules that fired.

    `budget_s` bounds the wall time: every model request ends by then, the first included.
    """
    deadline = None if not budget_s or budget_s <= 0 else time.monotonic() + budget_s - RESERVE_S
    report = report or rescore(okrs, settings)
    if not with_llm:
        return CritiqueResult(report=report, llm_used=False, notes=ambition_notes(okrs, report))
    notes: list[str] = ambition_notes(okrs, report)
    if llm is None and deadline is not None:
        # The model starts (seconds on a cold start) while the options are checked; it is waited for only
        # until the deadline.
        from coach.usecases.draft import _Starting

        starting = _Starting(settings, llm, getter=_start_warm)
        source: Callable[[], LLMLike] = lambda: starting.result(deadline)  # noqa: E731
    else:
        source = lambda: get_model(settings, llm)  # noqa: E731
    comments, rewrites, rejected, worked, down = _coach(source, okrs, report, settings, deadline, notes)
    if not worked and deadline is not None and _ran_out_of_time(down, notes):
        notes.append(COLD_START_NOTE.format(budget=settings.model_budget_s))
    if down is not None:
        return CritiqueResult(report=report, llm_used=False, fallback_reason=fallback_text(down), rewrites=rewrites,
                              rejected_rewrites=rejected,
                              notes=notes + ["rewrites chosen without the model: the first that passed every check"])
    if not worked and any("model failed" in n for n in notes):
        reason = (f"model unavailable, rubric-only results: {failures_text(notes)}; rewrites shown were chosen "
                  "without it")
        return CritiqueResult(report=report, llm_used=False, fallback_reason=reason, rewrites=rewrites,
                              rejected_rewrites=rejected, notes=notes)
    return CritiqueResult(report=report, commentary=comments, rewrites=rewrites, llm_used=worked > 0,
                          rejected_rewrites=rejected, notes=notes)


COLD_START_NOTE = (
    "the model did not answer within the time budget ({budget:g} s): a cold start (llama.cpp loading the embedded "
    "model and litellm's import, together about 3-9 s on a busy 2-core machine) leaves little of it; set "
    "OKR_COACH_MODEL_BUDGET_S=20 to wait longer, or use `okr-coach serve`, where the model stays loaded")


def _ran_out_of_time(down: ModelError | None, notes: list[str]) -> bool:
    texts = ([down.message] if down is not None else []) + [n for n in notes if "model failed" in n]
    return any("time budget" in t or "timed out" in t for t in texts)


STRETCH_STEP = 0.3  # a move of 30% or more from the start is a stretch, not a commitment


def ambition_notes(okrs: OKRSet, report: Report) -> list[str]:
    """A committed objective whose key results all stretch, or an aspirational one that only holds levels."""
    out: list[str] = []
    for obj, orep in zip(okrs.objectives, report.objectives):
        kind = (getattr(obj, "kind", None) or (obj.model_extra or {}).get("kind") or "aspirational")
        krs = orep.key_results
        if not krs:
            continue
        if str(kind).lower() == "committed":
            steps = [abs(k.parsed.target - k.parsed.baseline) / abs(k.parsed.baseline) for k in krs
                     if k.parsed.baseline and k.parsed.target is not None]
            if steps and len(steps) == len(krs) and all(x >= STRETCH_STEP for x in steps):
                out.append(f"objective {orep.index + 1} is committed (1.0 expected) but every key result is a "
                           f"stretch of {STRETCH_STEP:.0%} or more: make them reachable, or mark it aspirational")
        elif all(k.parsed.direction == "maintain" or any(f.rule == "kr.stretch" for f in k.findings) for k in krs):
            out.append(f"objective {orep.index + 1} is aspirational but its key results only hold levels: "
                       "aim higher, or mark it committed")
    return out


def failures_text(notes: list[str]) -> str:
    """The first model failure named in the notes."""
    note = next((n for n in notes if n.startswith("the model failed on some items")), "")
    return note.split(": ", 1)[-1].split("; ")[0] or "every model request failed"
