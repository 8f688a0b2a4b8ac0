"""Wall time of `okr-coach draft --role ...` as a user runs it: a new process each time, the model answer cache off.

Run:  .venv/bin/python benchmarks/bench_cli_draft.py [--roles 4] [--n 3]

The runs use a data folder of their own (its index built first, not timed), so other processes on the machine
cannot rebuild the index under them; one more run starts from an empty data folder, as a new user's first draft
does (its index copied from the seed setup.sh leaves, see coach.corpus.index.seed_dir).

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
import tempfile
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
    home = tempfile.mkdtemp(prefix="okr-cli-")
    env = {**os.environ, "OKR_COACH_LLM_CACHE": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "OKR_COACH_HOME": home}
    subprocess.run([str(exe), "index"], env=env, capture_output=True, timeout=900, check=False)
    times: list[float] = []
    runs = [(role, env) for role in ROLES[: max(1, args.roles)]]
    fresh = {**env, "OKR_COACH_HOME": tempfile.mkdtemp(prefix="okr-cli-new-"), "OKR_COACH_INDEX_SEED": home}
    runs.append(("Nurse manager", fresh))
    for role, run_env in runs:
        label = role + (" (empty data folder)" if run_env is fresh else "")
        t0 = time.perf_counter()
        metric = {"Account Executive": ["--metric", "win rate=21%"], "Nurse manager": ["--metric", "nurse turnover=20%"],
                  "Finance": ["--metric", "days to collect an invoice=61 days"]}.get(role, [])
        out = subprocess.run([str(exe), "draft", "--role", role, "--n", str(args.n), "--format", "json", *metric],
                             capture_output=True, text=True, env=run_env, cwd=ROOT, check=False)
        seconds = time.perf_counter() - t0
        try:
            data = json.loads(out.stdout)
        except ValueError:
            data = {}
        budget = [n for n in data.get("notes", []) if "budget" in n]
        print(f"{label:38s} {seconds:5.2f} s  exit {out.returncode}  model used: {data.get('llm_used')}"
              + (f"  ({'; '.join(budget)})" if budget else f"  ({args.n} of {args.n} samples)")
              + (f"  [{data['fallback_reason'][:90]}]" if data.get("fallback_reason") else ""))
        if out.returncode != 0:
            print(out.stderr[-500:])
        times.append(seconds)
    print(f"okr-coach draft wall time over {len(times)} runs: median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s (n={args.n})")


if __name__ == "__main__":
    main()
