"""Wall time of `okr-coach draft --role ...` as a user runs it: a new process each time, the model answer cache off.

Run:  .venv/bin/python benchmarks/bench_cli_draft.py [--roles 4] [--n 3]

Every run starts a fresh `okr-coach` process (Python start-up, litellm import, model start, prompt, samples,
exit), so the figure is what a person waits for. The CLI's time budget (--budget, 8.5 s) stops drawing samples
when another would end past it; each line says whether that happened. The answer cache is switched off (OKR_COACH_LLM_CACHE=0),
otherwise a repeated role would be answered from SQLite in about a second.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLES = ["Account Executive", "Customer Success Manager", "Revenue Operations", "Sales Manager", "Marketing",
         "Engineering Manager", "Support", "Finance"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--roles", type=int, default=4, help="how many roles to draft for (one run each)")
    ap.add_argument("--n", type=int, default=3, help="samples per draft (the CLI's default is 3)")
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("okr-coach")
    env = {**os.environ, "OKR_COACH_LLM_CACHE": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    times: list[float] = []
    for role in ROLES[: max(1, args.roles)]:
        t0 = time.perf_counter()
        out = subprocess.run([str(exe), "draft", "--role", role, "--n", str(args.n), "--format", "json"],
                             capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        seconds = time.perf_counter() - t0
        try:
            data = json.loads(out.stdout)
        except ValueError:
            data = {}
        budget = [n for n in data.get("notes", []) if "budget" in n]
        print(f"{role:28s} {seconds:5.2f} s  exit {out.returncode}  model used: {data.get('llm_used')}"
              + (f"  ({'; '.join(budget)})" if budget else f"  ({args.n} of {args.n} samples)"))
        if out.returncode != 0:
            print(out.stderr[-500:])
        times.append(seconds)
    print(f"okr-coach draft wall time over {len(times)} runs: median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s (n={args.n})")


if __name__ == "__main__":
    main()
