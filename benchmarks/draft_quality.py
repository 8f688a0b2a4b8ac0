"""Draft quality over 20 roles (library and not): sense-check pass share, how well key results measure their
objective, how often the user's numbers are kept, and wall time.

Run:  .venv/bin/python benchmarks/draft_quality.py [--n 2] [--show 3] [--budget 8.5]

Each role is drafted the way a user would ask: with one metric and today's value ("win rate=21%"). For the #1
draft it measures, in one run:
  - sense: the draft passes the sense check again, with a fresh checker;
  - relatedness: cosine of every key result to its objective (MiniLM), against the held-back library pairs
    (odd-numbered examples, never used to calibrate) and the calibrated threshold;
  - user numbers: the key result for the user's metric starts exactly at the user's value;
  - outside: whether the role was said to be outside the library (and it is, by construction, for 6 roles).
With OKR_COACH_MODEL set to a litellm model string the same run uses that model instead of the embedded one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from coach.coach import DraftContext, DraftResult, draft  # noqa: E402
from coach.krparse import parse_kr  # noqa: E402
from coach.settings import get_settings  # noqa: E402
from coach.usecases.sense import CALIBRATION_FILE, SenseChecker, similarity, strip_numbers  # noqa: E402

# (role as a user would type it, a metric with today's value, in the library?)
ROLES = [
    ("Account Executive", "win rate=21%", True),
    ("Sales Development Representative", "meetings booked per week=6", True),
    ("Customer Success Manager", "net revenue retention=104%", True),
    ("Support", "first response time=9 hours", True),
    ("Marketing", "cost per lead=$180", True),
    ("Product Manager", "weekly active users=4200", True),
    ("Engineering Manager", "hours to restore service=30 hours", True),
    ("Finance", "days to collect an invoice=61 days", True),
    ("People and Talent", "days to hire=48 days", True),
    ("Data Scientist", "days to answer a data request=9 days", True),
    ("Legal Counsel", "days to turn around a sales contract=12 days", True),
    ("Procurement Manager", "purchases covered by a contract=55%", True),
    ("Nurse Manager", "nurse turnover=20%", True),
    ("School Principal", "student attendance rate=91%", True),
    ("Open-source maintainer", "days to first response on an issue=6 days", False),
    ("Restaurant owner", "table turnover per evening=1.8", False),
    ("Construction site manager", "days lost to safety incidents=14 days", False),
    ("Research lab director", "papers accepted per year=9", False),
    ("Wedding photographer", "bookings per month=5", False),
    ("Football coach", "goals conceded per match=1.6", False),
]


def _show(res: DraftResult) -> str:
    d = res.drafts[0]
    head = f"--- {res.role_requested}" + ("" if res.in_library else " (outside the library)")
    lines = [f"{head}: #1 score {d.score}, from {d.source_detail}", f"Objective: {d.objective}"]
    for k in d.details:
        b = k.baseline.source if k.baseline else "-"
        t = k.target.source if k.target else "-"
        lines.append(f"  - {k.text}   [start: {b}; target: {t}]")
        lines.append(f"      why: {k.why}")
    if d.why:
        lines.append(f"  why: {d.why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2, help="model votes per draft")
    ap.add_argument("--budget", type=float, default=8.5, help="time budget per draft (0 = none)")
    ap.add_argument("--show", type=int, default=3, help="print this many #1 drafts in full")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    settings = get_settings()
    calib = json.loads(CALIBRATION_FILE.read_text())
    threshold = calib["thresholds"]["kr_objective"]
    held = np.array([similarity(o, k) for o, k in calib["held_back_pairs"]])
    rows = []
    shown: list[DraftResult] = []
    print(f"model: {settings.model}   budget: {args.budget:g}s   held-back library pairs: {len(held)} "
          f"(median relatedness {np.median(held):.3f}, {float((held >= threshold).mean()):.0%} over {threshold})")
    print(f"{'role':32} {'lib':>3} {'said':>7} {'sense':>5} {'rel':>5} {'kept':>4} {'model':>5} {'secs':>6}")
    for title, metric, in_lib in ROLES:
        t0 = time.perf_counter()
        res = draft(role=title, context=DraftContext(metrics=[metric], period="2026-Q3", team=title), n=args.n,
                    settings=settings, seed=0, budget_s=args.budget or None)
        secs = time.perf_counter() - t0
        d = res.drafts[0] if res.drafts else None
        checker = SenseChecker(settings, extra_metrics=[metric.split("=")[0]], measure_paired=True)
        sense_ok, rels, kept = False, [], False
        if d is not None:
            rep = checker.check(d.objective, d.key_results, paired=set(range(len(d.key_results))))
            sense_ok = rep.ok
            rels = [similarity(d.objective, strip_numbers(k)) for k in d.key_results]
            value = float(metric.split("=")[1].split()[0].strip("$%").replace(",", ""))
            kept = any(x.baseline is not None and x.baseline.source == "user" and x.baseline.value == value
                       and parse_kr(x.text).baseline == value for x in d.details)
        said_outside = not res.in_library
        rows.append({"role": title, "in_library": in_lib, "said_outside": said_outside, "sense": sense_ok,
                     "relatedness": rels, "kept": kept, "model_used": res.llm_used, "seconds": round(secs, 2),
                     "fallback": res.fallback_reason})
        print(f"{title[:32]:32} {'yes' if in_lib else 'no':>3} {'outside' if said_outside else res.role[:7]:>7} "
              f"{'ok' if sense_ok else 'FAIL':>5} {statistics.mean(rels) if rels else 0:5.2f} "
              f"{'yes' if kept else 'NO':>4} {'yes' if res.llm_used else 'no':>5} {secs:6.1f}")
        if len(shown) < args.show and d is not None and (not in_lib or len(shown) < args.show - 1):
            shown.append(res)
    n = len(rows)
    all_rel = np.array([r for row in rows for r in row["relatedness"]])
    print()
    print(f"#1 drafts passing the sense check: {sum(r['sense'] for r in rows)}/{n}")
    print(f"key results over the relatedness threshold {threshold}: {float((all_rel >= threshold).mean()):.0%} "
          f"(held-back library pairs: {float((held >= threshold).mean()):.0%}); median {np.median(all_rel):.3f} "
          f"vs library {np.median(held):.3f}")
    print(f"user numbers kept exactly: {sum(r['kept'] for r in rows)}/{n}")
    outside = [r for r in rows if not r["in_library"]]
    print(f"roles outside the library said to be outside: {sum(r['said_outside'] for r in outside)}/{len(outside)};"
          f" library roles wrongly said outside: {sum(r['said_outside'] for r in rows if r['in_library'])}")
    secs = [r["seconds"] for r in rows]
    print(f"wall time per draft: median {statistics.median(secs):.1f}s, max {max(secs):.1f}s "
          f"(model used in {sum(r['model_used'] for r in rows)}/{n})")
    for res in shown:
        print()
        print(_show(res))
    if args.json:
        print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
