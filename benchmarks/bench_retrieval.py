"""Top-k latency of the sqlite-vec index at 1k, 10k and 100k rows, with and without a role filter,
beside a brute-force numpy search over the same vectors; plus embedding latency for one query.

Run: .venv/bin/python benchmarks/bench_retrieval.py [--sizes 1000 10000 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from coach.corpus.embeddings import DIM, get_embedder  # noqa: E402
from coach.corpus.index import connect  # noqa: E402

ROLES = 16


def build(path: Path, vecs: np.ndarray, roles: np.ndarray) -> object:
    conn = connect(path)
    conn.execute(f"create virtual table v using vec0(id integer primary key, embedding float[{DIM}] "
                 "distance_metric=cosine, slug text partition key, kind text)")
    conn.execute("begin")
    conn.executemany("insert into v (id, embedding, slug, kind) values (?, ?, ?, 'good')",
                     ((i + 1, vecs[i].tobytes(), f"role-{roles[i]}") for i in range(len(vecs))))
    conn.execute("commit")
    return conn


def timed(fn, queries: np.ndarray) -> list[float]:
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def fmt(ms: list[float]) -> str:
    ms = sorted(ms)
    return f"{statistics.median(ms):7.2f} / {ms[int(len(ms) * 0.95) - 1]:7.2f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(11)
    print(f"top-{args.k} latency in ms (median / p95), {args.queries} queries, {ROLES} roles, 384-d unit vectors")
    print(f"{'rows':>8} | {'vec0 all':>17} | {'vec0 role filter':>17} | {'numpy all':>17} | {'numpy role':>17}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            vecs = rng.standard_normal((n, DIM)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            roles = rng.integers(0, ROLES, n)
            conn = build(Path(tmp) / f"b{n}.db", vecs, roles)
            qs = rng.standard_normal((args.queries, DIM)).astype(np.float32)
            qs /= np.linalg.norm(qs, axis=1, keepdims=True)
            k = args.k

            def vec_all(q: np.ndarray) -> list:
                return conn.execute("select id, distance from v where embedding match ? and k = ?",
                                    (q.tobytes(), k)).fetchall()

            def vec_role(q: np.ndarray) -> list:
                return conn.execute("select id, distance from v where embedding match ? and k = ? and slug = ?",
                                    (q.tobytes(), k, "role-3")).fetchall()

            mask = roles == 3
            sub = vecs[mask]

            def np_all(q: np.ndarray) -> np.ndarray:
                s = vecs @ q
                return np.argpartition(-s, k)[:k]

            def np_role(q: np.ndarray) -> np.ndarray:
                s = sub @ q
                return np.argpartition(-s, k)[:k]

            # Same answers: the top hit of both engines agrees.
            q0 = qs[0]
            assert vec_all(q0)[0][0] - 1 == int(np.argmax(vecs @ q0))
            print(f"{n:>8} | {fmt(timed(vec_all, qs)):>17} | {fmt(timed(vec_role, qs)):>17} | "
                  f"{fmt(timed(np_all, qs)):>17} | {fmt(timed(np_role, qs)):>17}")
            conn.close()
    e = get_embedder()
    e.embed_one("warm up")
    ts = [(lambda t0: (e.embed_one("Grow expansion revenue in my largest accounts this quarter"),
                       (time.perf_counter() - t0) * 1000)[1])(time.perf_counter()) for _ in range(50)]
    print(f"embedding one query: median {statistics.median(ts):.2f} ms, p95 {sorted(ts)[47]:.2f} ms (1 ONNX thread)")


if __name__ == "__main__":
    main()
