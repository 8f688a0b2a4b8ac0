"""Critique over HTTP vs a bare FastAPI endpoint returning the same payload: throughput and p50/p99 latency.

Both apps are served by uvicorn on 127.0.0.1 (one process each, one at a time) in the same run; a client process
sends a fixed number of requests with fixed concurrency to each.

Run: .venv/bin/python benchmarks/bench_api.py [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OMP_NUM_THREADS", "1")

BODY = {"period": "2026-Q3", "team": "Sales", "focus_area": "Grow existing accounts", "objectives": [
    {"title": "Implement a new CRM", "key_results": ["Raise win rate to 30%", "Make 600 calls"]},
    {"title": "Customers choose us first when they renew",
     "key_results": ["Raise win rate from 21% to 30%", "Grow pipeline coverage from 2x to 3x",
                     {"text": "Cut ramp-up to a medium account from 120 to 90 days", "current": 100}]},
]}


def critique_app():  # noqa: ANN201
    from coach.api import create_app
    from coach.settings import Settings

    return create_app(Settings(home=Path(os.environ["BENCH_HOME"]), anonymous_rate_limit_per_minute=0))


def bare_app():  # noqa: ANN201
    """The floor: FastAPI parsing the same JSON body and returning the same report, computed once at start."""
    from typing import Any

    from fastapi import Body, FastAPI

    from coach.api.services import CritiqueResponse
    from coach.io import from_obj
    from coach.rubric import review

    payload = CritiqueResponse(**review(from_obj(BODY)).model_dump()).model_dump(mode="json")
    app = FastAPI()

    @app.post("/v1/critique")
    async def bare(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        return payload

    return app


def serve(kind: str, port: int) -> None:
    import uvicorn

    app = critique_app() if kind == "critique" else bare_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def load(url: str, n: int, concurrency: int) -> dict[str, float]:
    import httpx

    body = json.dumps(BODY).encode()
    headers = {"content-type": "application/json"}
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        for _ in range(50):  # warm-up: imports, caches, connections
            await client.post("/v1/critique", content=body, headers=headers)
        queue = iter(range(n))

        async def worker() -> None:
            nonlocal errors
            for _ in queue:
                t0 = time.perf_counter()
                r = await client.post("/v1/critique", content=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200 or not r.content.startswith(b'{"score"'):
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"requests": n, "errors": errors, "rps": n / elapsed, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def measure(kind: str, n: int, concurrency: int, home: str) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "BENCH_HOME": home}
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port)], env=env)
    try:
        import httpx

        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{kind} server did not start") from None
                time.sleep(0.1)
        return asyncio.run(load(f"http://127.0.0.1:{port}", n, concurrency))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--serve", choices=["critique", "bare"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    with tempfile.TemporaryDirectory() as home:
        results = {kind: measure(kind, args.requests, args.concurrency, home) for kind in ("bare", "critique")}
    print(f"{args.requests} POST /v1/critique requests, {args.concurrency} concurrent, uvicorn on 127.0.0.1, "
          f"{os.cpu_count()} CPUs")
    print(f"{'endpoint':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind, r in results.items():
        print(f"{kind:<10} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors']:>7}")
    ratio = results["critique"]["rps"] / results["bare"]["rps"]
    print(f"critique throughput is {ratio:.0%} of the bare endpoint's (the target is at least 50%)")
    return 0 if results["critique"]["errors"] == 0 and results["bare"]["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
