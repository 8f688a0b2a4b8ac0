"""Draft quality with the configured model: best-draft rubric score per role and the mean over the roles.

Run:  .venv/bin/python benchmarks/draft_quality.py [--roles 12] [--n 4] [--seed 0] [--show 2]
Prints one line per role (best score, where the objective came from, code fixes, seconds), the mean best
score, and the full text of a few drafts so a reader can judge them beyond the number.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coach.coach import DraftContext, DraftResult, draft
from coach.corpus.library import load_roles
from coach.settings import get_settings


def _show(res: DraftResult) -> str:
    d = res.drafts[0]
    lines = [f"--- {res.role}: best draft, score {d.score} (objective from: {d.origin.objective})",
             f"Objective: {d.objective}"]
    for k, o in zip(d.key_results, d.origin.key_results or [None] * len(d.key_results)):
        fix = f"   [code: {'; '.join(o.notes)}]" if o and o.notes else ""
        lines.append(f"  - {k}{fix}")
    if d.origin.objective_note:
        lines.append(f"  note: {d.origin.objective_note}")
    if d.origin.raw:
        lines.append(f"  model fields: {d.origin.raw}")
    findings = [f"{f.rule}" for _, f in d.report.all_findings()]
    lines.append(f"  findings: {', '.join(findings) or 'none'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roles", type=int, default=12, help="how many roles of the library to draft for")
    ap.add_argument("--n", type=int, default=4, help="samples per draft")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--period", default=None, help="period to draft for (default: the current quarter)")
    ap.add_argument("--team", default=None)
    ap.add_argument("--show", type=int, default=2, help="print this many best drafts in full")
    args = ap.parse_args(argv)

    settings = get_settings()
    from coach.llm import get_llm

    llm = get_llm(settings)
    roles = load_roles(settings.corpus_dir, *settings.extra_corpus_dirs)[: args.roles]
    ctx = DraftContext(period=args.period, team=args.team)
    results: list[tuple[DraftResult, float]] = []
    print(f"{'role':34} {'best':>4} {'drafts':>6} {'objective':>21} {'fixed KRs':>9} {'secs':>6}")
    for role in roles:
        t0 = time.perf_counter()
        res = draft(role=role.role, context=ctx, n=args.n, settings=settings, llm=llm, seed=args.seed)
        secs = time.perf_counter() - t0
        results.append((res, secs))
        best = res.drafts[0]
        fixed = sum(1 for k in best.origin.key_results if k.numbers == "model_fixed_by_code" or k.verb == "code")
        origin = best.origin.objective if res.llm_used else "FALLBACK"
        print(f"{role.role[:34]:34} {best.score:>4} {len(res.drafts):>6} {origin:>21} "
              f"{fixed}/{len(best.key_results):>7} {secs:>6.1f}")
    bests = [r.drafts[0].score for r, _ in results]
    used = [r for r, _ in results if r.llm_used]
    print()
    print(f"roles: {len(results)}  model used: {len(used)}/{len(results)}")
    print(f"mean best-draft score: {statistics.mean(bests):.1f}  (min {min(bests)}, max {max(bests)})")
    all_drafts = [d for r in used for d in r.drafts]
    if all_drafts:
        print(f"mean score of all model drafts: {statistics.mean(d.score for d in all_drafts):.1f}")
        origins = [r.drafts[0].origin.objective for r in used]
        print("best-draft objective written by the model: "
              f"{origins.count('model')}/{len(origins)}; copied an example shown: "
              f"{origins.count('model_copied_example')}; replaced by a role example: {origins.count('role_example')}")
    secs = [s for _, s in results]
    print(f"seconds per role: mean {statistics.mean(secs):.1f}, max {max(secs):.1f}")
    for res, _ in results[: args.show]:
        print()
        print(_show(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
