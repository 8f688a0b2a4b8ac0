"""Critique an OKR set: the rubric report first, then (optionally) model commentary and rubric-checked rewrites."""

from __future__ import annotations

import re

from coach.errors import ModelError
from coach.models import OKRSet, Report
from coach.prompts import CritiquePrompt, render
from coach.settings import Settings
from coach.usecases.assemble import CommentOut, CommentTitleOut, clean_objective
from coach.usecases.common import (
    LLMLike,
    fallback_text,
    finding_ctx,
    get_model,
    rescore,
    role_or_none,
)
from coach.usecases.draft import WORDING_RULES
from coach.usecases.results import Commentary, CritiqueResult, Rewrite
from coach.usecases.rewrite import judge, propose

MAX_COMMENTED = 5
MAX_KR_REWRITES = 3
COMMENT_MAX_TOKENS = 160


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


def _coach(model: LLMLike, okrs: OKRSet, report: Report, settings: Settings) -> tuple[list[Commentary], list[Rewrite], int]:
    role = role_or_none(okrs.role, settings)
    comments: list[Commentary] = []
    rewrites: list[Rewrite] = []
    rejected = 0
    for orep in report.objectives[:MAX_COMMENTED]:
        oi = orep.index
        obj = okrs.objectives[oi]
        wording = any(f.rule in WORDING_RULES for f in orep.findings)
        prompt = CritiquePrompt(
            role=okrs.role, period=okrs.period, focus_area=okrs.focus_area, objective=obj.title,
            key_results=[k.text for k in obj.key_results], score=orep.score,
            findings=finding_ctx([f for _, f in _objective_findings(report, oi)]), propose_title=wording,
        )
        schema = CommentTitleOut if wording else CommentOut
        outs = model.generate(messages=render("critique", prompt, settings=settings), schema=schema, n=1,
                              temperature=0.5, max_tokens=COMMENT_MAX_TOKENS)
        if not outs:
            raise ModelError("the model returned no answer")
        out = outs[0]
        if text := clean_comment(out.comment):
            comments.append(Commentary(objective_index=oi, text=text))
        if isinstance(out, CommentTitleOut):
            title = clean_objective(out.objective)
            rw = judge(okrs, report, oi, None, title, settings) if title else None
            rewrites += [rw] if rw else []
            rejected += rw is None
    weakest = sorted((k.score, o.index, k.index) for o in report.objectives for k in o.key_results if k.findings)
    for _, oi, ki in weakest[:MAX_KR_REWRITES]:
        kept, dropped = propose(model, okrs, report, oi, ki, settings=settings, n=2, role=role)
        rewrites += kept[:1]
        rejected += dropped + max(0, len(kept) - 1)
    return comments, rewrites, rejected


def _objective_findings(report: Report, oi: int) -> list[tuple[str, object]]:
    prefix = f"objectives[{oi}]"
    return [(p, f) for p, f in report.all_findings() if p == prefix or p.startswith(prefix + ".")]


def critique(
    okrs: OKRSet, *, with_llm: bool, settings: Settings, llm: LLMLike | None = None, report: Report | None = None,
) -> CritiqueResult:
    """The rubric report; with the model, commentary per objective and rewrites that the rubric scores higher."""
    report = report or rescore(okrs, settings)
    if not with_llm:
        return CritiqueResult(report=report, llm_used=False)
    try:
        model = get_model(settings, llm)
        comments, rewrites, rejected = _coach(model, okrs, report, settings)
    except ModelError as exc:
        return CritiqueResult(report=report, llm_used=False, fallback_reason=fallback_text(exc))
    return CritiqueResult(report=report, commentary=comments, rewrites=rewrites, llm_used=True,
                          rejected_rewrites=rejected)
