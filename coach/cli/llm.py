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

    settings = settings or get_settings()
    result = critique(okrs, with_llm=True, settings=settings, report=report,
                      budget_s=budget_left(settings.model_budget_s))
    data = result.model_dump(mode="json", exclude={"report"})
    return data


def render_coach_text(data: dict[str, object]) -> str:
    """The `--coach` part of the text report."""
    lines = ["", "Coach"]
    if not data.get("llm_used"):
        lines.append(f"  {data.get('fallback_reason') or 'no model used'}")
    for c in data.get("commentary", []) or []:  # type: ignore[union-attr]
        lines.append(f"  objective {c['objective_index'] + 1} (model): {c['text']}")
    rewrites = data.get("rewrites", []) or []
    for r in rewrites:  # type: ignore[union-attr]
        where = f"objective {r['objective_index'] + 1}" + (
            f", key result {r['kr_index'] + 1}" if r.get("kr_index") is not None else "")
        lines.append(f"  rewrite {where}: score {r['original_score']} -> {r['proposed_score']}"
                     + (f"  (for {r['rule']}; {r['how']})" if r.get("how") else ""))
        lines.append(f"    was: {r['original']}")
        lines.append(f"    try: {r['proposed']}")
        for note in r.get("to_confirm", []):
            lines.append(f"    check: {note}")
    if not rewrites:
        lines.append("  no good rewrite found")
    for note in data.get("notes", []) or []:  # type: ignore[union-attr]
        lines.append(f"  note: {note}")
    if data.get("rejected_rewrites"):
        lines.append(f"  ({data['rejected_rewrites']} proposals dropped: off topic, an invented number, no sense, "
                     "or no higher score)")
    return "\n".join(lines) + "\n"


def _num(n: dict | None) -> str:
    if not n:
        return "-"
    val = n.get("value")
    v = "to put in" if val is None else f"{val:,.0f}" if abs(val) >= 10000 else f"{val:g}"
    return f"{v} ({n['source'].replace('_', ' ')}{': ' + n['note'] if n.get('note') else ''})"


def render_drafts_text(data: dict) -> str:
    asked = data["role_requested"]
    head = f"Drafts for {data['role']}"
    if not data.get("in_library", True):
        head = f"Drafts for {asked}: outside the role library, drafted from role-neutral patterns"
    elif data["role"].lower() != asked.lower():
        head += f" (asked: {asked})"
    lines = [head, f"ambition: {data.get('ambition', 'aspirational')}"
             + (" (targets are a reachable step; 1.0 expected)" if data.get("ambition") == "committed"
                else " (stretch targets; 0.7 counts as success)")]
    if data["llm_used"]:
        lines.append(f"model: {data.get('model')} (chose among the candidates; the sense check and rubric decide)")
    else:
        lines.append(f"without the model: {data.get('fallback_reason') or 'not needed'}")
    for note in data.get("feedback_applied", []):
        lines.append(f"feedback: {note}")
    for note in data.get("notes", []):
        lines.append(f"note: {note}")
    # info findings every draft shares (no owner, no focus area: the request did not say) are said once here
    per_draft = [{(f["rule"], f["message"]) for _, f in _findings(d["report"]) if f["severity"] == "info"}
                 for d in data["drafts"]]
    common = set.intersection(*per_draft) if len(per_draft) > 1 else set()
    for rule, message in sorted(common):
        lines.append(f"every draft: info {rule}: {message}")
    for d in data["drafts"]:
        rep = d["report"]
        lines.append("")
        chosen = "  (the model's choice)" if d.get("model_choice") else ""
        lines.append(f"#{d['rank']}  score {d['score']}{chosen}")
        lines.append(f"  Objective: {d['objective']}")
        lines.append(f"    from: {d['objective_source'].replace('_', ' ')}; {d.get('source_detail') or ''}")
        for k, det in zip(rep["objectives"][0]["key_results"], d.get("details") or []):
            lines.append(f"   - {det['text']}  [{k['score']}]")
            lines.append(f"       why: {det['why']}")
            lines.append(f"       from: {det['source'].replace('_', ' ')}"
                         + (f" ({det['source_detail']})" if det.get("source_detail") else "")
                         + f"; start {_num(det.get('baseline'))}; target {_num(det.get('target'))}")
        if d.get("why"):
            lines.append(f"  why these key results: {d['why']}")
        for _, f in _findings(rep):
            if (f["rule"], f["message"]) not in common:
                lines.append(f"  {f['severity']} {f['rule']}: {f['message']}")
    if not data["drafts"]:
        lines.append("")
        lines.append("no draft passed the sense check; nothing is better than a bad draft")
    return "\n".join(lines) + "\n"


def _findings(rep: dict) -> list[tuple[str, dict]]:
    out = [("set", f) for f in rep["findings"]]
    for o in rep["objectives"]:
        out += [("objective", f) for f in o["findings"]]
        for k in o["key_results"]:
            out += [("kr", f) for f in k["findings"]]
    return out


def budget_left(budget_s: float | None) -> float | None:
    """What is left of a command's budget, counted from when the command started (imports included)."""
    if not budget_s or budget_s <= 0:
        return budget_s
    from coach.cli import main

    if not main.RUNNING:
        return budget_s  # called as a function, not as a command
    return max(0.001, budget_s - (time.monotonic() - main.STARTED))


def exit_after_model(rc: int) -> None:
    """End the process now when the model layer was loaded, skipping interpreter teardown.

    The answer is printed and every database write is committed. What teardown would add is waiting: for a
    background import of litellm that is still running (seconds on a busy machine), and at worst for ever,
    when litellm's clients import a module in their __del__ while a stopped thread holds the import lock
    (`okr-coach draft` with a model string litellm rejects at once hung after printing, 2 runs in 13).
    """
    import os
    import sys

    if "coach.llm.client" not in sys.modules:
        return  # no model layer: a normal exit costs nothing
    import logging

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    logging.shutdown()
    os._exit(rc)


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

    from coach.usecases.numbers import parse_metric

    previous: list[str] = list(args.previous or [])
    if args.revise:
        previous += _previous_objectives(args.revise)
    ctx = DraftContext(focus_area=args.focus_area, current_state=args.context, blockers=args.blockers,
                       period=args.period, team=args.team, objective=args.objective,
                       metrics=[parse_metric(m) for m in args.metric or []], ambition=args.ambition,
                       feedback=list(args.feedback or []), previous=previous)
    started = time.perf_counter()
    result = draft(role=args.role, context=ctx, n=args.n, settings=get_settings(), seed=args.seed,
                   budget_s=budget_left(args.budget))
    data = result.model_dump(mode="json")
    data["seconds"] = round(time.perf_counter() - started, 2)
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(render_drafts_text(data) + f"\n{data['seconds']} s", end="\n")
    return 0


def _previous_objectives(path: str) -> list[str]:
    """The #1 objective of an earlier `draft --format json` (and the ones before it), for --revise."""
    from pathlib import Path

    from coach.errors import InputError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        drafts = data.get("drafts") or []
        earlier = [h["objective"] for h in data.get("history", []) if isinstance(h, dict) and "objective" in h]
        return earlier + ([drafts[0]["objective"]] if drafts else [])
    except (OSError, ValueError, AttributeError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read an earlier draft: {exc}", location=path,
                         hint="pass a file written by `okr-coach draft --format json`") from exc


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
    p.add_argument("--objective", default=None, metavar="TEXT",
                   help="an objective you wrote: the draft proposes key results that measure it")
    p.add_argument("--metric", action="append", metavar='"NAME=VALUE"',
                   help='a metric you track and today\'s value, e.g. --metric "win rate=21%%" (repeatable); '
                        "your numbers are never changed")
    p.add_argument("--ambition", choices=["aspirational", "committed"], default="aspirational",
                   help="committed: reachable targets (1.0 expected); aspirational: stretch (0.7 is success)")
    p.add_argument("--feedback", action="append", metavar="TEXT",
                   help='revise: "more ambitious", "no revenue metrics", "fewer KRs", "another objective" '
                        "(repeatable)")
    p.add_argument("--previous", action="append", metavar="OBJECTIVE", help="an earlier draft's objective")
    p.add_argument("--revise", default=None, metavar="FILE",
                   help="an earlier `draft --format json` output: its objective counts as seen (with --feedback)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_draft)
