"""Draft quality over every library role and seven roles outside it: sense-check pass share, how well key
results measure their objective, how often the user's numbers are kept, whether outside roles are named as such,
and wall time.

Run:  .venv/bin/python benchmarks/draft_quality.py [--n 2] [--show 3] [--budget 8.5] [--ambition committed]
      .venv/bin/python benchmarks/draft_quality.py --litellm-local      # the litellm path (see below)

Each role is drafted the way a user would ask: a title as they would type it (a role name, an alias, or a title
the library does not list) and one metric with today's value ("win rate=21%"). For the #1 draft it measures, in
one run:
  - sense: the draft passes the sense check again, with a fresh checker that also measures library pairs;
  - relatedness: cosine of every key result to its objective (MiniLM), against the held-back library pairs
    (odd-numbered examples, never used to calibrate) and the calibrated threshold;
  - user numbers: the key result for the user's metric starts exactly at the user's value, and its target moves
    the way the chosen ambition says (committed: a smaller step than aspirational, checked on a second draft);
  - role: a library title got its own role; an outside title was said to be outside;
  - why: every key result has its own 'why' line (no two alike) that names what it measures;
  - sources: the objective and every key result say where they came from, and every number has a source.
With OKR_COACH_MODEL set to a litellm model string the same run uses that model. `--litellm-local` starts the
embedded SmolLM2 server and reaches it as a plain litellm model string (openai/... at its address), so the
"capable model" path (the model's own draft plus its choice, same checks) runs without a key or a network.
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
os.environ.setdefault("OKR_COACH_LLM_CACHE", "0")  # wall times of real model requests, not of cached answers
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from coach.coach import DraftContext, DraftResult, draft  # noqa: E402
from coach.corpus.index import get_index  # noqa: E402
from coach.krparse import parse_kr  # noqa: E402
from coach.settings import get_settings  # noqa: E402
from coach.usecases.sense import CALIBRATION_FILE, SenseChecker, similarity, strip_numbers  # noqa: E402

# (title as a user would type it, a metric with today's value, the library role it should get or None)
LIBRARY = [
    ("Account Executive", "win rate=21%", "account-executive"),
    ("SDR", "meetings booked per week=6", "sales-development-representative"),
    ("Customer Success Manager", "net revenue retention=104%", "customer-success-manager"),
    ("Customer Success Leader", "gross revenue retention=88%", "customer-success-leader"),
    ("Support", "first response time=9 hours", "support"),
    ("Marketing", "cost per lead=$180", "marketing"),
    ("Product Manager", "weekly active users=4200", "product-manager"),
    ("Engineering Manager", "hours to restore service=30 hours", "engineering-manager"),
    ("Finance", "days to collect an invoice=61 days", "finance"),
    ("Recruiter", "days to hire=48 days", "people-and-talent"),
    ("Data Scientist", "days to answer a data request=9 days", "data-and-analytics"),
    ("Legal Counsel", "days to turn around a sales contract=12 days", "legal"),
    ("Procurement lead", "purchases covered by a contract=55%", "operations-and-procurement"),
    ("Nurse Manager", "nurse turnover=20%", "healthcare-team-lead"),
    ("School Principal", "student attendance rate=91%", "education-team-lead"),
    ("UX Designer", "task success rate in usability tests=62%", "design"),
    ("IT Manager", "hours to resolve an IT request=20 hours", "it"),
    ("Partner Manager", "partner-sourced pipeline=$2.4M", "partner-manager"),
    ("Public Sector Team Lead", "days to decide an application=40 days", "public-sector-team-lead"),
    ("RevOps", "forecast accuracy=78%", "revenue-operations"),
    ("Sales Manager", "team quota attainment=82%", "sales-manager"),
]
OUTSIDE = [
    ("Open-source maintainer", "days to first response on an issue=6 days"),
    ("Research lab director", "papers accepted per year=9"),
    ("Restaurant owner", "table turns per evening=1.8, higher is better"),
    ("Construction site manager", "days lost to safety incidents=14 days"),
    ("Wedding photographer", "bookings per month=5"),
    ("Football coach", "goals conceded per match=1.6"),
    ("Theatre stage manager", "performances starting late=6"),
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


def _value(metric: str) -> float:
    raw = metric.split("=", 1)[1].split(",")[0].split()[0].strip("$%")
    mult = {"k": 1e3, "M": 1e6}.get(raw[-1], 1.0)
    return float(raw.rstrip("kM").replace(",", "")) * mult


def _litellm_local_settings(settings):  # noqa: ANN001, ANN202
    from coach.llm.local import LOCAL_MODEL_NAME, get_server

    server = get_server(settings.home)
    return settings.model_copy(update={"model": f"openai/{LOCAL_MODEL_NAME}", "api_base": server.api_base,
                                       "api_key": server.api_key or "none"})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2, help="model votes per draft")
    ap.add_argument("--budget", type=float, default=8.5, help="time budget per draft (0 = none)")
    ap.add_argument("--ambition", choices=("aspirational", "committed"), default="aspirational")
    ap.add_argument("--show", type=int, default=3, help="print this many #1 drafts in full")
    ap.add_argument("--litellm-local", action="store_true",
                    help="reach the embedded model as a plain litellm model string (the capable-model path)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    settings = get_settings()
    if args.litellm_local:
        settings = _litellm_local_settings(settings)
    get_index(settings)
    calib = json.loads(CALIBRATION_FILE.read_text())
    threshold = calib["thresholds"]["kr_objective"]
    held = np.array([similarity(o, k) for o, k in calib["held_back_pairs"]])
    other = "committed" if args.ambition == "aspirational" else "aspirational"
    rows = []
    shown: list[DraftResult] = []
    print(f"model: {settings.model}{' at ' + settings.api_base if settings.api_base else ''}   budget: "
          f"{args.budget:g}s   ambition: {args.ambition}   held-back library pairs: {len(held)} "
          f"(median relatedness {np.median(held):.3f}, {float((held >= threshold).mean()):.0%} over {threshold})")
    print(f"{'title':28} {'lib':>3} {'role':>7} {'sense':>5} {'rel':>5} {'kept':>4} {'amb':>4} {'why':>4} {'src':>4} "
          f"{'model':>5} {'secs':>5}  #1 objective (source)")
    cases = [(t, m, slug) for t, m, slug in LIBRARY] + [(t, m, None) for t, m in OUTSIDE]
    for title, metric, slug in cases:
        ctx = DraftContext(metrics=[metric], period="2026-Q3", team=title, ambition=args.ambition)
        t0 = time.perf_counter()
        res = draft(role=title, context=ctx, n=args.n, settings=settings, seed=0, budget_s=args.budget or None)
        secs = time.perf_counter() - t0
        d = res.drafts[0] if res.drafts else None
        checker = SenseChecker(settings, extra_metrics=[metric.split("=")[0]], measure_paired=True)
        sense_ok, rels, kept, amb_ok, why_ok, src_ok = False, [], False, False, False, False
        value = _value(metric)
        if d is not None:
            rep = checker.check(d.objective, d.key_results, paired=set(range(len(d.key_results))))
            sense_ok = rep.ok
            rels = [similarity(d.objective, strip_numbers(k)) for k in d.key_results]
            mine = [x for x in d.details if x.baseline is not None and x.baseline.source == "user"]
            kept = any(x.baseline.value == value and parse_kr(x.text).baseline == value for x in mine)
            p_ = [parse_kr(k.text.replace("<today's value>", "1").replace("<target>", "2")) for k in d.details]
            src_ok = bool(d.objective_source and d.source_detail) and all(
                k.source and k.source_detail and (p.baseline is None or k.baseline is not None)
                and (p.target is None or k.target is not None) for k, p in zip(d.details, p_))
            whys = [k.why for k in d.details]
            why_ok = len(set(whys)) == len(whys) and all(w.startswith("Measures ") for w in whys)
            # the same request at the other ambition: the derived target moves less when committed
            res2 = draft(role=title, context=ctx.model_copy(update={"ambition": other}), n=1, settings=settings,
                         seed=0, llm=_NoModel())
            step = {args.ambition: [abs(x.target.value - value) for x in mine if x.target and x.target.value]}
            d2 = next((x for x in res2.drafts if x.objective == d.objective), None)
            if d2 is not None:
                step[other] = [abs(x.target.value - value) for x in d2.details if x.baseline is not None
                               and x.baseline.source == "user" and x.target and x.target.value is not None]
            amb_ok = bool(step.get("committed")) and bool(step.get("aspirational")) and \
                step["committed"][0] < step["aspirational"][0]
        role_ok = (not res.in_library) if slug is None else (res.in_library and _slug(settings, res.role) == slug)
        rows.append({"title": title, "in_library": slug is not None, "role": res.role, "role_ok": role_ok,
                     "said_outside": not res.in_library, "sense": sense_ok, "relatedness": rels, "kept": kept,
                     "ambition_ok": amb_ok, "why_ok": why_ok, "sources_ok": src_ok, "model_used": res.llm_used, "seconds": round(secs, 2),
                     "fallback": res.fallback_reason, "objective": d.objective if d else None,
                     "source": d.source if d else None})
        print(f"{title[:28]:28} {'yes' if slug else 'no':>3} {('ok' if role_ok else 'WRONG'):>7} "
              f"{'ok' if sense_ok else 'FAIL':>5} {statistics.mean(rels) if rels else 0:5.2f} "
              f"{'yes' if kept else 'NO':>4} {'ok' if amb_ok else 'NO':>4} {'ok' if why_ok else 'NO':>4} {'ok' if src_ok else 'NO':>4} "
              f"{'yes' if res.llm_used else 'no':>5} {secs:5.1f}  {(d.objective[:44] + ' (' + d.source + ')') if d else '-'}")
        if len(shown) < args.show and d is not None and (slug is None or len(shown) < args.show - 1):
            shown.append(res)
    n = len(rows)
    lib = [r for r in rows if r["in_library"]]
    out = [r for r in rows if not r["in_library"]]
    all_rel = np.array([r for row in rows for r in row["relatedness"]])
    print()
    print(f"#1 drafts passing the sense check: {sum(r['sense'] for r in rows)}/{n} "
          f"(library roles {sum(r['sense'] for r in lib)}/{len(lib)}, outside {sum(r['sense'] for r in out)}/{len(out)})")
    print(f"key results over the relatedness threshold {threshold}: {float((all_rel >= threshold).mean()):.0%} "
          f"(held-back library pairs: {float((held >= threshold).mean()):.0%}); median {np.median(all_rel):.3f} "
          f"vs library {np.median(held):.3f}")
    print(f"user numbers kept exactly: {sum(r['kept'] for r in rows)}/{n}; committed target a smaller step than "
          f"aspirational: {sum(r['ambition_ok'] for r in rows)}/{n}")
    print(f"library titles given their own role: {sum(r['role_ok'] for r in lib)}/{len(lib)}; "
          f"outside titles said to be outside: {sum(r['said_outside'] for r in out)}/{len(out)}")
    print(f"key results with their own 'why' line: {sum(r['why_ok'] for r in rows)}/{n} drafts; every part and "
          f"number with its source: {sum(r['sources_ok'] for r in rows)}/{n} drafts")
    secs = [r["seconds"] for r in rows]
    print(f"wall time per draft: median {statistics.median(secs):.1f}s, max {max(secs):.1f}s "
          f"(model used in {sum(r['model_used'] for r in rows)}/{n}; the rest fell back: "
          f"{_reasons(rows)})")
    for res in shown:
        print()
        print(_show(res))
    if args.json:
        print(json.dumps(rows, indent=1))
    return 0


class _NoModel:
    """The second draft (other ambition) only needs the derived numbers: no model."""

    model = "local:none"

    def generate(self, **_: object) -> list[object]:
        from coach.errors import ModelError

        raise ModelError("not asked in the benchmark's second draft")


def _slug(settings, role: str) -> str | None:  # noqa: ANN001
    return next((r.slug for r in get_index(settings).roles if r.role == role), None)


def _reasons(rows: list[dict]) -> str:
    seen: dict[str, int] = {}
    for r in rows:
        if r["fallback"]:
            key = r["fallback"].split(";")[0][:70]
            seen[key] = seen.get(key, 0) + 1
    return "; ".join(f"{v}x {k}" for k, v in seen.items()) or "none"


if __name__ == "__main__":
    sys.exit(main())
