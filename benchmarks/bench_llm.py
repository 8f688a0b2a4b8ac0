"""Draft latency end to end vs raw generation of the same tokens, and tokens per request, on the configured model.

Run:  .venv/bin/python benchmarks/bench_llm.py [--role "Account Executive"] [--runs 3] [--n 4]

For every draft request the benchmark records each model call (prompt, tokens decoded), then asks the same
server for the same number of tokens with the same prompts, unconstrained and with end-of-text ignored (raw
generation). The gap is what okr-coach adds: retrieval, prompt rendering, grammar-constrained decoding,
validation, re-asks, sentence assembly and rubric scoring.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coach.coach import DraftContext, draft  # noqa: E402
from coach.llm import get_llm  # noqa: E402
from coach.settings import get_settings  # noqa: E402


class Recording:
    """Wraps the real client and remembers every call's messages and usage."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self.model = llm.model
        self.calls: list[dict[str, Any]] = []

    def generate(self, **kw: Any) -> Any:
        try:
            return self.llm.generate(**kw)
        finally:
            u = self.llm.last_usage
            self.calls.append({"messages": kw["messages"], "requests": u.requests, "prompt": u.prompt_tokens,
                               "completion": u.completion_tokens})


def raw_generation(llm: Any, calls: list[dict[str, Any]]) -> float:
    """Seconds to decode the same number of tokens from the same prompts, without constraints."""
    import litellm

    t0 = time.perf_counter()
    for c in calls:
        per_request = max(1, c["completion"] // max(1, c["requests"]))
        for _ in range(c["requests"]):
            litellm.completion(model=llm.litellm_model, api_base=llm.api_base, api_key=llm._api_key,
                               messages=c["messages"], max_tokens=per_request, temperature=0.8, num_retries=0,
                               extra_body={"ignore_eos": True})
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--role", default="Account Executive")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--n", type=int, default=4, help="samples per draft")
    args = ap.parse_args(argv)
    settings = get_settings().model_copy(update={"llm_cache": False})
    t0 = time.perf_counter()
    llm = get_llm(settings)
    draft(role=args.role, context=DraftContext(period="2026-Q3"), n=1, settings=settings, llm=llm, seed=99)
    print(f"model start + warm-up draft: {time.perf_counter() - t0:.1f} s ({llm.model})")
    ends, raws, reqs, ptoks, ctoks, scores = [], [], [], [], [], []
    for run in range(args.runs):
        rec = Recording(llm)
        t0 = time.perf_counter()
        res = draft(role=args.role, context=DraftContext(period="2026-Q3"), n=args.n, settings=settings, llm=rec,
                    seed=run)
        ends.append(time.perf_counter() - t0)
        raws.append(raw_generation(llm, rec.calls))
        reqs.append(sum(c["requests"] for c in rec.calls))
        ptoks.append(sum(c["prompt"] for c in rec.calls))
        ctoks.append(sum(c["completion"] for c in rec.calls))
        scores.append(res.drafts[0].score if res.drafts else 0)
        print(f"run {run}: end to end {ends[-1]:.2f} s, raw generation of the same tokens {raws[-1]:.2f} s, "
              f"{reqs[-1]} model requests, {ptoks[-1]} prompt + {ctoks[-1]} completion tokens, "
              f"best score {scores[-1]}{'' if res.llm_used else ' (FALLBACK)'}")
    med = statistics.median
    print(f"\ndraft end to end: median {med(ends):.2f} s; raw generation of the same tokens: median {med(raws):.2f} s "
          f"(overhead x{med(ends) / max(med(raws), 1e-9):.2f})")
    print(f"per draft request: {med(reqs):.0f} model requests, {med(ptoks):.0f} prompt tokens, "
          f"{med(ctoks):.0f} completion tokens ({med(ctoks) / max(med(reqs), 1):.0f} per model request)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
