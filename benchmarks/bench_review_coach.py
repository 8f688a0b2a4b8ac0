"""Wall time of `okr-coach review --coach FILE` as a user runs it, each run in a brand-new HOME.

Run:  .venv/bin/python benchmarks/bench_review_coach.py [--runs 5] [FILE ...]

Every run is a fresh process with an empty data folder (XDG_DATA_HOME in a new temporary directory): Python
start-up, the examples index (copied from the seed `okr-coach index` leaves beside the install, or built),
the embedded model's cold start (llama.cpp server + first completion) overlapping the rubric and the rewrite
checks, litellm's import, then the model's choices and commentary until the time budget (8.5 s) runs out.
Prints, per run: wall seconds, whether the model answered at all, how many model answers were used, how many
rewrites were shown, and the first failure reason; then medians. Also prints, side by side in the same run, the
bare cold start of the embedded model (server start + first completion) with one and with two llama.cpp threads,
and the time to import litellm, which is what a cold CLI request waits for before its first model request.
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

_COLD = r"""
import time, sys
from pathlib import Path
import xllamacpp
from coach.llm.local import gguf_path
p = xllamacpp.CommonParams()
p.model.path = str(gguf_path()); p.n_ctx = 2048; p.n_parallel = 1
p.cpuparams.n_threads = int(sys.argv[1]); p.cpuparams_batch.n_threads = int(sys.argv[1]); p.verbosity = -1
p.hostnames = ["127.0.0.1"]; p.port = 0; p.api_keys = ["bench"]
t0 = time.monotonic(); h = xllamacpp.Server(p); a = time.monotonic() - t0
msgs = [{"role": "system", "content": "You are an OKR coach. Answer with a letter as JSON."},
        {"role": "user", "content": "A. Raise win rate from <today's value> to 30%\nB. Win more\nWhich is best?"}]
t0 = time.monotonic(); h.handle_chat_completions({"messages": msgs, "max_tokens": 8, "temperature": 0.0})
b = time.monotonic() - t0
print(f"{a:.3f} {b:.3f}")
import os; os._exit(0)
"""


def _env(home: str) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": home, "OKR_COACH_LLM_CACHE": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("files", nargs="*", default=[str(ROOT / "examples" / "enterprise-sales.yaml")])
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("okr-coach")
    walls: list[float] = []
    used = 0
    cold: dict[int, list[float]] = {1: [], 2: []}
    imports: list[float] = []
    for i in range(max(1, args.runs)):
        for path in args.files:
            with tempfile.TemporaryDirectory() as home:
                t0 = time.perf_counter()
                out = subprocess.run([str(exe), "review", "--coach", "--format", "json", path], capture_output=True,
                                     text=True, env=_env(home), cwd=ROOT, check=False)
                wall = time.perf_counter() - t0
            walls.append(wall)
            try:
                doc = json.loads(out.stdout)
                coach = (doc[0] if isinstance(doc, list) else doc)["coach"]
            except (ValueError, KeyError, IndexError, TypeError):
                print(f"run {i + 1} {Path(path).name}: {wall:.2f}s  exit {out.returncode}: {out.stderr.strip()[-200:]}")
                continue
            used += bool(coach.get("llm_used"))
            reason = coach.get("fallback_reason") or "-"
            print(f"run {i + 1} {Path(path).name}: {wall:.2f}s  model used: {coach.get('llm_used')}  "
                  f"rewrites: {len(coach.get('rewrites') or [])}  comments: {len(coach.get('commentary') or [])}  "
                  f"reason: {reason[:110]}")
        for threads in (1, 2):
            got = subprocess.run([sys.executable, "-c", _COLD, str(threads)], capture_output=True, text=True,
                                 env=_env(tempfile.gettempdir()), cwd=ROOT, check=False).stdout.split()
            if len(got) == 2:
                cold[threads].append(float(got[0]) + float(got[1]))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import litellm"], env=_env(tempfile.gettempdir()), check=False)
        imports.append(time.perf_counter() - t0)
    print(f"\nreview --coach in a new HOME: median {statistics.median(walls):.2f}s, max {max(walls):.2f}s over "
          f"{len(walls)} runs (budget 8.5s); the model answered in {used} of {len(walls)}")
    for threads, xs in cold.items():
        if xs:
            print(f"embedded model cold start (server + first completion), {threads} thread(s): median "
                  f"{statistics.median(xs):.2f}s, range {min(xs):.2f}-{max(xs):.2f}s")
    print(f"python -c 'import litellm' (process start included): median {statistics.median(imports):.2f}s, "
          f"range {min(imports):.2f}-{max(imports):.2f}s")


if __name__ == "__main__":
    main()
