"""Draft through the service with the embedded model: the first (cold) request and warm ones, side by side.

Run:  .venv/bin/python benchmarks/bench_service_draft.py [--warm 5]

Starts `okr-coach serve` (answer cache off; the worker warms up with one draft in the background), sends
POST /v1/draft once cold (right after the health check answers), waits --settle seconds, then sends --warm
requests (different metrics, so nothing is answered from a cache; every other one needs the model's vote), and
prints wall time per request, whether the model's vote arrived within the budget, and the warm medians.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warm", type=int, default=5)
    ap.add_argument("--settle", type=float, default=10.0,
                    help="seconds to wait after the cold request, while the worker warms up its model")
    args = ap.parse_args(argv)
    home = tempfile.mkdtemp(prefix="okr-serve-")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OKR_COACH_HOME": home, "OKR_COACH_LLM_CACHE": "0",
           # the anonymous model-request limit (6 a minute) would answer the later requests with 429
           "OKR_COACH_ANONYMOUS_MODEL_RATE_LIMIT_PER_MINUTE": "1000",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "coach", "index"], env=env, capture_output=True, timeout=900)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve = subprocess.Popen([sys.executable, "-m", "coach", "serve", "--port", str(port), "--log-level", "warning"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(900):
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        rows = []
        for i in range(1 + args.warm):
            # odd requests: a metric no library key result measures, so the drafts tie and the model votes;
            # even ones: win rate, which one library objective measures, so it comes first without a vote
            metric = f"win rate={20 + i}%" if i % 2 == 0 else f"hours spent updating the CRM per week={4 + i}"
            body = {"role": "Account Executive", "n": 1, "context": {"period": "2026-Q3", "metrics": [metric]}}
            t0 = time.perf_counter()
            resp = httpx.post(url + "/v1/draft", json=body, timeout=300)
            secs = time.perf_counter() - t0
            r = resp.json()
            if resp.status_code != 200:
                print(f"{'cold' if i == 0 else 'warm'} {secs:6.2f}s  HTTP {resp.status_code}: {str(r)[:160]}")
                continue
            rows.append((secs, r.get("llm_used"), r.get("fallback_reason")))
            if i == 0 and args.settle > 0:
                time.sleep(args.settle)
            print(f"{'cold' if i == 0 else 'warm'} {secs:6.2f}s  model vote: {'yes' if r.get('llm_used') else 'no'}"
                  + (f"  ({r['fallback_reason'][:90]})" if r.get("fallback_reason") else ""))
        warm = [s for s, _, _ in rows[1:]]
        if warm:
            print(f"warm median {statistics.median(warm):.2f}s, max {max(warm):.2f}s; "
                  f"model vote in {sum(1 for _, u, _ in rows[1:] if u)}/{len(warm)}")
            voted = [s for s, u, _ in rows[1:] if u]
            if voted:
                print(f"warm requests the model voted on: median {statistics.median(voted):.2f}s, "
                      f"max {max(voted):.2f}s")
    finally:
        serve.terminate()
        serve.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
