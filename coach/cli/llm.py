"""`okr-coach draft`, and the `review --coach` helpers: model proposals, always scored by the rubric."""

from __future__ import annotations

import argparse
import json
import time

from coach.models import OKRSet, Report
from coach.settings import Settings, get_settings


def add_coach_commentary(report: Report, okrs: OKRSet, settings: Settings | None = None) -> dict[str, object]:
    """Model commentary and rubric-checked rewrites for `review --coach`, as JSON-ready data."""
    from coach.coach import critique

    result = critique(okrs, with_llm=True, settings=settings or get_settings(), report=report)
    data = result.model_dump(mode="json", exclude={"report"})
    return data


def render_coach_text(data: dict[str, object]) -> str:
    """The `--coach` part of the text report."""
    lines = ["", "Coach"]
    if not data.get("llm_used"):
        lines.append(f"  {data.get('fallback_reason') or 'no model used'}")
        return "\n".join(lines) + "\n"
    for c in data.get("commentary", []) or []:  # type: ignore[union-attr]
        lines.append(f"  objective {c['objective_index'] + 1} (model): {c['text']}")
    rewrites = data.get("rewrites", []) or []
    for r in rewrites:  # type: ignore[union-attr]
        where = f"objective {r['objective_index'] + 1}" + (
            f", key result {r['kr_index'] + 1}" if r.get("kr_index") is not None else "")
        lines.append(f"  rewrite {where}: score {r['original_score']} -> {r['proposed_score']}")
        lines.append(f"    was: {r['original']}")
        lines.append(f"    try: {r['proposed']}")
        for note in r.get("to_confirm", []):
            lines.append(f"    check: {note}")
    if not rewrites:
        lines.append("  no model rewrite scored higher than the original")
    if data.get("rejected_rewrites"):
        lines.append(f"  ({data['rejected_rewrites']} model proposals dropped: they did not score higher)")
    return "\n".join(lines) + "\n"


def _origin_line(d: dict) -> str:
    o = d["origin"]
    if d.get("source") == "role_example":
        return "source: role library example (no model output)"
    krs = o.get("key_results", [])
    fixed = sum(1 for k in krs if k["numbers"] == "model_fixed_by_code" or k["verb"] == "code")
    obj = "model" if o["objective"] == "model" else "role library example"
    return (f"objective: {obj}; key results: metric, verb and numbers from the model, sentence assembled in code"
            + (f" ({fixed} fixed by code)" if fixed else ""))


def render_drafts_text(data: dict) -> str:
    lines = [f"Drafts for {data['role']}" + (f" (asked: {data['role_requested']})"
                                             if data["role"].lower() != data["role_requested"].lower() else "")]
    if data["llm_used"]:
        lines.append(f"model: {data.get('model')}")
    else:
        lines.append(f"fallback: {data.get('fallback_reason')}")
    for note in data.get("notes", []):
        lines.append(f"note: {note}")
    for d in data["drafts"]:
        rep = d["report"]
        lines.append("")
        lines.append(f"#{d['rank']}  score {d['score']}" + ("  (revised with the rubric findings)" if d["revised"] else ""))
        lines.append(f"  Objective: {d['objective']}")
        for k in rep["objectives"][0]["key_results"]:
            lines.append(f"   - {k['text']}  [{k['score']}]")
        lines.append(f"  {_origin_line(d)}")
        for _, f in _findings(rep):
            lines.append(f"  {f['severity']} {f['rule']}: {f['message']}")
    return "\n".join(lines) + "\n"


def _findings(rep: dict) -> list[tuple[str, dict]]:
    out = [("set", f) for f in rep["findings"]]
    for o in rep["objectives"]:
        out += [("objective", f) for f in o["findings"]]
        for k in o["key_results"]:
            out += [("kr", f) for f in k["findings"]]
    return out


def prefetch() -> None:
    """Begin importing litellm now: it overlaps finding the role, embedding and starting the model."""
    try:
        from coach.llm.client import prefetch_litellm
    except ImportError:
        return
    prefetch_litellm()


# What a person waits for at most, give or take one sample: on a slow or busy machine fewer samples are drawn
# (the draft says how many) rather than making them wait.
DRAFT_BUDGET_S = 8.5


def cmd_draft(args: argparse.Namespace) -> int:
    prefetch()
    from coach.coach import DraftContext, draft

    ctx = DraftContext(focus_area=args.focus_area, current_state=args.context, blockers=args.blockers,
                       period=args.period, team=args.team)
    started = time.perf_counter()
    result = draft(role=args.role, context=ctx, n=args.n, settings=get_settings(), seed=args.seed,
                   budget_s=args.budget)
    data = result.model_dump(mode="json")
    data["seconds"] = round(time.perf_counter() - started, 2)
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(render_drafts_text(data) + f"\n{data['seconds']} s", end="\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("draft", help="draft OKRs for a role with the model; the rubric ranks them",
                       description="Draft OKRs for a role. The model fills metric, verb and numbers; code writes "
                                   "the sentences; the rubric scores and ranks every draft.")
    p.add_argument("--role", required=True, help='role name, e.g. "Account Executive" (nearest role if unknown)')
    p.add_argument("--context", default=None, metavar="TEXT", help="the current state, in your words")
    p.add_argument("--focus-area", default=None, help="the company goal the objective supports")
    p.add_argument("--blockers", default=None, help="what stands in the way")
    p.add_argument("--period", default=None, help="e.g. 2026-Q3 (default: the current quarter)")
    p.add_argument("--team", default=None, help="team that owns the objective")
    p.add_argument("--n", type=int, default=3, help="model samples to draw (1-8; default 3)")
    p.add_argument("--seed", type=int, default=None, help="sampling seed, for repeatable drafts")
    p.add_argument("--budget", type=float, default=DRAFT_BUDGET_S, metavar="SECONDS",
                   help=f"time budget: no further sample starts when it would end later (default {DRAFT_BUDGET_S:g}; "
                        "0 = draw all --n samples)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_draft)
