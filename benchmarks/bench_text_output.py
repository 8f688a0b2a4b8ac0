"""Text report vs JSON report for a large set: `okr-coach review` wall time, a new process per run.

The set has 200 objectives x 50 key results (10,000 key results, the input limits' maximum). Both formats run
side by side in one loop (alternating), so a busy machine slows both alike; the ratio is the figure to read.

Run: .venv/bin/python benchmarks/bench_text_output.py [--runs 3] [--objectives 200] [--krs 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METRICS = ["win rate", "net revenue retention", "time to first value", "support satisfaction", "pipeline coverage",
           "gross churn", "activation", "average deal size", "forecast accuracy", "first response time"]


def make_set(objectives: int, krs: int) -> str:
    lines = ["period: 2026-Q3", "team: Benchmarks", "objectives:"]
    for o in range(objectives):
        lines.append(f"  - title: Customers in segment {o} hear back from us within a day")
        lines.append("    key_results:")
        for k in range(krs):
            m = METRICS[(o + k) % len(METRICS)]
            lines.append(f"      - Raise {m} in cohort {k} from {10 + k % 7}% to {30 + k % 11}%")
    return "\n".join(lines) + "\n"


def run(path: Path, fmt: str) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "OKR_COACH_MAX_INPUT_BYTES": "5000000"}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "coach", "review", str(path), "--format", fmt], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{fmt} failed: {r.stderr.decode()[-500:]}")
    return elapsed, len(r.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--objectives", type=int, default=200)
    ap.add_argument("--krs", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.yaml"
        path.write_text(make_set(args.objectives, args.krs))
        times: dict[str, list[float]] = {"text": [], "json": []}
        sizes: dict[str, int] = {}
        for _ in range(args.runs):
            for fmt in times:
                t, n = run(path, fmt)
                times[fmt].append(t)
                sizes[fmt] = n
    print(f"okr-coach review, {args.objectives} objectives x {args.krs} key results "
          f"({args.objectives * args.krs:,} key results), {args.runs} runs each, alternating")
    for fmt, ts in times.items():
        print(f"  {fmt:5s} median {statistics.median(ts):6.2f} s  best {min(ts):6.2f} s  output {sizes[fmt]:,} bytes")
    ratio = statistics.median(times["text"]) / statistics.median(times["json"])
    print(f"  text / json median ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
