"""Time budgets against a hung model: a socket that accepts connections and never answers.

Run:  .venv/bin/python benchmarks/bench_hung_model.py [--runs 3] [--budget 8.5] [--bogus 20]

Measures, side by side in one run:
  - `okr-coach draft` and `okr-coach review --coach` as new processes (CLI), wall time to exit;
  - POST /v1/draft and POST /v1/critique (coach) against `okr-coach serve`, wall time per request;
  - `okr-coach draft` with a model string litellm rejects at once, run --bogus times: how many exit.
Each should end within the budget plus 2 s (a first request included). Medians and maxima are printed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEAK = """period: 2026-Q3
team: Enterprise Sales
role: Account Executive
objectives:
  - title: Implement the new CRM
    key_results: [Make 80 discovery calls per week, Improve customer satisfaction, Raise win rate to 30%]
  - title: Maintain our pipeline
    key_results: [Keep monthly churn under 2%, Grow pipeline coverage from 2x to 3x]
"""


class Hung:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"


def _env(home: str, hung: Hung, budget: float) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OKR_COACH_HOME": home, "OKR_COACH_MODEL": "openai/hung-model",
            "OKR_COACH_API_BASE": hung.base, "OKR_COACH_API_KEY": "x", "OKR_COACH_LLM_CACHE": "0",
            "OKR_COACH_MODEL_BUDGET_S": str(budget), "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _cli(args: list[str], env: dict[str, str], timeout: float) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "coach", *args], env=env, capture_output=True, text=True,
                       timeout=timeout)
    return time.perf_counter() - t0, p.returncode, p.stdout + p.stderr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--budget", type=float, default=8.5)
    ap.add_argument("--bogus", type=int, default=20)
    args = ap.parse_args(argv)
    hung = Hung()
    home = tempfile.mkdtemp(prefix="okr-hung-")
    env = _env(home, hung, args.budget)
    weak = Path(home) / "weak.yaml"
    weak.write_text(WEAK)
    subprocess.run([sys.executable, "-m", "coach", "index"], env=env, capture_output=True, timeout=600)
    limit = args.budget + 2
    print(f"budget {args.budget:g}s, limit {limit:g}s; hung model at {hung.base}")
    results: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for name, cmd in (("cli draft", ["draft", "--role", "Account Executive", "--metric", "win rate=21%",
                                         "--budget", str(args.budget)]),
                          ("cli review --coach", ["review", str(weak), "--coach"])):
            secs, rc, out = _cli(cmd, env, timeout=120)
            results.setdefault(name, []).append(secs)
            if rc != 0:
                print(f"{name}: exit {rc}: {out[-300:]}")
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve = subprocess.Popen([sys.executable, "-m", "coach", "serve", "--port", str(port), "--log-level", "warning"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        for _ in range(args.runs):
            for name, path, body in (
                    ("api draft", "/v1/draft", {"role": "Account Executive", "context": {"metrics": ["win rate=21%"]}}),
                    ("api critique coach", "/v1/critique", {"text": WEAK, "format": "yaml", "coach": True})):
                t0 = time.perf_counter()
                r = httpx.post(url + path, json=body, timeout=120)
                results.setdefault(name, []).append(time.perf_counter() - t0)
                if r.status_code != 200:
                    print(f"{name}: HTTP {r.status_code} {r.text[:200]}")
    finally:
        serve.terminate()
        serve.wait(30)
    print(f"{'what':22} {'runs':>4} {'median s':>9} {'max s':>7} {'within limit':>12}")
    for name, secs in results.items():
        ok = sum(s <= limit for s in secs)
        print(f"{name:22} {len(secs):4} {statistics.median(secs):9.1f} {max(secs):7.1f} {ok:>8}/{len(secs)}")
    if args.bogus:
        benv = {**env, "OKR_COACH_MODEL": "bogus/no-such-provider"}
        benv.pop("OKR_COACH_API_BASE")
        exited, secs = 0, []
        for _ in range(args.bogus):
            try:
                s, rc, _ = _cli(["draft", "--role", "Account Executive"], benv, timeout=60)
                exited += 1
                secs.append(s)
            except subprocess.TimeoutExpired:
                pass
        print(f"bogus model string: {exited}/{args.bogus} runs exited (hang = no exit within 60 s); "
              f"median {statistics.median(secs) if secs else float('nan'):.1f}s, max {max(secs, default=0):.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
