"""The service under load, side by side in one run: critique throughput with 1 and 2 workers (and a bare FastAPI
endpoint returning the same payload, the floor), and saved-set writes on SQLite and on PostgreSQL.

Critique with 1 worker is measured three ways: the same set every time (its report is reused from the worker's
report cache), the same set with that cache off (OKR_COACH_REPORT_CACHE_SIZE=0, a second 1-worker server: the
rubric reviews it every time, its unchanged key results and objectives from the rubric's own memos), and a set never
sent before on every request.

Every server is a real `okr-coach serve` process on 127.0.0.1 (the bare one a plain uvicorn app). The load
generator is in this process: raw HTTP/1.1 on keep-alive connections (a few microseconds of CPU per request,
so it takes little from the servers on a small machine); it shares the machine, as a proxy in front would.
Connections are reopened every 50 requests: with several workers the kernel hands each new connection to one
of them, and a client that keeps 16 connections for ever could leave one worker with most of them.
Each configuration is measured `--rounds` times, interleaved, and the median is reported.

Run (PostgreSQL and Redis are started and stopped by the wrapper; without them those rows are skipped):
    bash scripts/with-services.sh .venv/bin/python benchmarks/bench_api.py [--requests 2000] [--concurrency 16]
Before and after a change, in one run (a 1-worker server of another checkout, e.g. `git worktree add ../before
main`, measured in the same rounds on the same requests; it runs with this checkout's Python environment):
    .venv/bin/python benchmarks/bench_api.py --compare ../before
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent

BODY = {"period": "2026-Q3", "team": "Sales", "focus_area": "Grow existing accounts", "objectives": [
    {"title": "Implement a new CRM", "key_results": ["Raise win rate to 30%", "Make 600 calls"]},
    {"title": "Customers choose us first when they renew",
     "key_results": ["Raise win rate from 21% to 30%", "Grow pipeline coverage from 2x to 3x",
                     {"text": "Cut ramp-up to a medium account from 120 to 90 days", "current": 100}]},
]}


def distinct_body(i: int) -> dict:
    """BODY with one key result no earlier request had (the others repeat, as in a team's next edit)."""
    body = json.loads(json.dumps(BODY))
    body["objectives"][0]["key_results"][1] = f"Make {600 + i} calls to accounts in territory {i % 97}"
    return body


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

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        self.name = name
        self.port = free_port()
        self.log = open(Path(env["OKR_COACH_HOME"]) / f"{name.replace(' ', '-')}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen([*argv, "--port", str(self.port)], env=env, cwd=cwd, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        for _ in range(1800):  # bounded wait
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} server exited; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{name} server did not start")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server and its worker processes (Linux /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        pids = [self.proc.pid]
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        pids.append(int(d.name))
                except (OSError, IndexError, ValueError):
                    continue
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
        return total / tick

    def measure(self, make, n: int, concurrency: int, ok: int) -> dict[str, float]:  # noqa: ANN001
        before = self.cpu_seconds()
        result = asyncio.run(load(self.port, make, n, concurrency, ok))
        result["cores"] = (self.cpu_seconds() - before) / (n / result["rps"])
        return result

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def request(method: str, path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


async def load(port: int, make: "callable", n: int, concurrency: int, ok: int,  # noqa: F821
               reconnect_every: int = 50) -> dict[str, float]:
    """n requests over `concurrency` keep-alive connections, each reopened after `reconnect_every` requests (so
    that the kernel spreads them over the workers, as it does for real clients); `make(i)` gives request i."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(n))

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        done = 0
        try:
            for i in counter:
                if done and done % reconnect_every == 0:  # as clients and proxies recycle connections
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                t0 = time.perf_counter()
                status, _ = await _exchange(reader, writer, make(i))
                latencies.append(time.perf_counter() - t0)
                errors += status != ok
                done += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"rps": n / elapsed, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "errors": errors}


def new_key(env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "coach", "keys", "create", "--name", "bench", "--rate", "1000000000"],
                         env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000, help="critique requests per measurement")
    ap.add_argument("--writes", type=int, default=600, help="saved-set writes per measurement")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--database-url", default=os.environ.get("OKR_COACH_TEST_DATABASE_URL"))
    ap.add_argument("--redis-url", default=os.environ.get("OKR_COACH_TEST_REDIS_URL"))
    ap.add_argument("--compare", type=Path, metavar="CHECKOUT",
                    help="another checkout of okr-coach (e.g. before a change): its 1-worker critique rows too")
    ap.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_bare:
        import uvicorn

        uvicorn.run(bare_app(), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "tests" / "data" / "mini_corpus", corpus / "roles")  # critique does not read it
    base = {**os.environ, "PYTHONPATH": str(ROOT), "OKR_COACH_CORPUS_DIR": str(corpus), "OKR_COACH_LLM_CACHE": "false",
            "OKR_COACH_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "0", "OKR_COACH_ANONYMOUS_MODEL_RATE_LIMIT_PER_MINUTE": "0",
            # no background draft at start: it loads the model, whose CPU would be counted against the rubric here
            "OKR_COACH_WARM_UP": "0"}
    for k in ("OKR_COACH_DATABASE_URL", "OKR_COACH_REDIS_URL"):
        base.pop(k, None)

    def env(name: str, root: Path = ROOT, **extra: str) -> dict[str, str]:
        home = tmp / name
        home.mkdir()
        e = {**base, "PYTHONPATH": str(root), "OKR_COACH_HOME": str(home), **extra}
        subprocess.run([sys.executable, "-m", "coach", "index"], env=e, cwd=root, check=True, capture_output=True)
        return e

    serve = [sys.executable, "-m", "coach", "serve", "--log-level", "warning"]
    servers: dict[str, Server] = {}
    keys: dict[str, str] = {}
    try:
        servers["bare"] = Server("bare", [sys.executable, __file__, "--serve-bare"], env("bare"))
        servers["1 worker"] = Server("1 worker", serve, e1 := env("w1"))
        keys["1 worker"] = new_key(e1)
        servers["no report cache"] = Server("no report cache", serve, env("w1-nocache", OKR_COACH_REPORT_CACHE_SIZE="0"))
        other = f"1 worker, {args.compare.resolve().name}" if args.compare else None
        if other:
            servers[other] = Server(other, serve, env("compare", args.compare.resolve()), cwd=args.compare.resolve())
        if args.redis_url:
            servers["2 workers"] = Server("2 workers", [*serve, "--workers", "2"],
                                          env("w2", OKR_COACH_REDIS_URL=args.redis_url))
        else:
            print("no Redis (--redis-url / OKR_COACH_TEST_REDIS_URL): the 2-worker run is skipped", file=sys.stderr)
        if args.database_url:
            servers["PostgreSQL"] = Server("PostgreSQL", serve, ep := env("pg", OKR_COACH_DATABASE_URL=args.database_url))
            keys["PostgreSQL"] = new_key(ep)
        else:
            print("no PostgreSQL (--database-url / OKR_COACH_TEST_DATABASE_URL): its run is skipped", file=sys.stderr)

        critique = request("POST", "/v1/critique", json.dumps(BODY).encode())
        runs: dict[str, list[dict[str, float]]] = {}
        seen = iter(range(10**9))
        for _ in range(args.rounds):
            for name in ("bare", "1 worker", other, "no report cache", "2 workers"):
                if name in servers:
                    asyncio.run(load(servers[name].port, lambda i: critique, 100, args.concurrency, 200))  # warm-up
                    runs.setdefault(("critique", name), []).append(
                        servers[name].measure(lambda i: critique, args.requests, args.concurrency, 200))
            # A set never sent before on every request: no report to reuse, one key result the rubric has not read.
            # (With --compare, both servers get the same requests, each new to it, in alternating order.)
            first = next(seen) * args.requests
            pair = ["1 worker", other] if other else ["1 worker"]
            for name in pair if first // args.requests % 2 == 0 else pair[::-1]:
                runs.setdefault(("critique-new", name), []).append(servers[name].measure(
                    lambda i: request("POST", "/v1/critique", json.dumps(distinct_body(first + i)).encode()),
                    args.requests, args.concurrency, 200))
            for name, label in (("1 worker", "SQLite"), ("PostgreSQL", "PostgreSQL")):
                if name not in servers:
                    continue
                h = {"X-API-Key": keys[name]}
                body = json.dumps(BODY).encode()
                make = lambda i, h=h, body=body: request("POST", "/v1/sets", body, h)  # noqa: E731
                runs.setdefault(("writes", label), []).append(servers[name].measure(make, args.writes, 8, 201))
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    def med(rs: list[dict[str, float]], k: str) -> float:
        return statistics.median(r[k] for r in rs)

    print(f"okr-coach serve on 127.0.0.1, {os.cpu_count()} CPUs, load generator in the same machine; "
          f"median of {args.rounds} interleaved rounds")
    print(f"{'what':<36} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'cores':>6} {'CPU ms/req':>10}")
    order = [("critique", "bare"), ("critique", "1 worker"), ("critique", "no report cache"), ("critique-new", "1 worker"),
             ("critique", other), ("critique-new", other)]
    for (kind, name), rs in sorted(runs.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)):
        label = ("  ... same set, report not reused" if (kind, name) == ("critique", "no report cache") else
                 f"POST /v1/critique, {name}" if kind == "critique" else
                 "  ... a new set each time" if kind == "critique-new" else f"POST /v1/sets, {name}")
        print(f"{label:<36} {med(rs, 'rps'):>9.1f} {med(rs, 'p50_ms'):>8.2f} {med(rs, 'p99_ms'):>8.2f} "
              f"{int(sum(r['errors'] for r in rs)):>7} {med(rs, 'cores'):>6.2f} "
              f"{1000 * med(rs, 'cores') / med(rs, 'rps'):>10.2f}")
    print("cores: CPU time of the server's processes per second of the run (what the machine gave it; another "
          "session's load takes from it)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} CPUs")
    ok = True
    one = runs.get(("critique", "1 worker"))
    two = runs.get(("critique", "2 workers"))
    if one and two:
        ratio = med(two, "rps") / med(one, "rps")
        print(f"2 workers / 1 worker critique throughput: {ratio:.2f}x (must be > 1)")
        ok &= ratio > 1
    sq, pg = runs.get(("writes", "SQLite")), runs.get(("writes", "PostgreSQL"))
    if sq and pg:
        ratio = med(pg, "rps") / med(sq, "rps")
        print(f"PostgreSQL / SQLite saved-set writes: {ratio:.2f}x (must be at least 0.5)")
        ok &= ratio >= 0.5
    if bare := runs.get(("critique", "bare")):
        print(f"critique (1 worker) is {med(one, 'rps') / med(bare, 'rps'):.0%} of the bare endpoint's throughput "
              f"with the same set every time (its report is reused)")
        if fresh := runs.get(("critique", "no report cache")):
            print(f"critique (1 worker) is {med(fresh, 'rps') / med(bare, 'rps'):.0%} of the bare endpoint's throughput "
                  f"with the same set every time and its report not reused (OKR_COACH_REPORT_CACHE_SIZE=0)")
        if new := runs.get(("critique-new", "1 worker")):
            print(f"critique (1 worker) is {med(new, 'rps') / med(bare, 'rps'):.0%} of the bare endpoint's throughput "
                  f"with a set never sent before every time")
        for kind, what in (("critique", "the same set every time"), ("critique-new", "a new set every time")):
            if other and (mine := runs.get((kind, "1 worker"))) and (theirs := runs.get((kind, other))):
                print(f"{what}: {args.compare}: {med(theirs, 'rps') / med(bare, 'rps'):.0%} of bare, "
                      f"{1000 * med(theirs, 'cores') / med(theirs, 'rps'):.2f} ms CPU a request; this checkout: "
                      f"{med(mine, 'rps') / med(bare, 'rps'):.0%}, {1000 * med(mine, 'cores') / med(mine, 'rps'):.2f} ms")
    errors = sum(r["errors"] for rs in runs.values() for r in rs)
    return 0 if ok and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
