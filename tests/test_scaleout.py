"""Several instances and workers, as they run in production: real `okr-coach serve` processes on loopback ports
sharing one PostgreSQL and one Redis (started by scripts/test.sh), and the examples index built once per machine.

No assertion depends on timing: every wait is a bounded loop on a condition, and the instance is killed after a
given number of acknowledged writes, not after a delay.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from coach.store import Database, create_key
from tests._services import fresh_postgres_database, redis_url
from tests.test_api import SET

V2 = {**SET, "objectives": [SET["objectives"][1]]}
ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "data" / "mini_corpus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Instance:
    proc: subprocess.Popen
    url: str
    log: Path
    pids: list[int] = field(default_factory=list)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start(env: dict[str, str], tmp: Path, *extra: str, name: str = "a") -> Instance:
    port = free_port()
    log = tmp / f"serve-{name}-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "coach", "serve", "--port", str(port), "--log-level", "warning",
                                 *extra], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    inst = Instance(proc, f"http://127.0.0.1:{port}", log)
    for _ in range(1200):  # bounded: up to ~2 minutes on a busy machine (a first start may build the index)
        if proc.poll() is not None:
            raise AssertionError(f"okr-coach serve exited with {proc.returncode}:\n{inst.output()}")
        try:
            if httpx.get(inst.url + "/healthz", timeout=2).status_code == 200:
                return inst
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"okr-coach serve did not answer:\n{inst.output()}")


def stop(inst: Instance) -> None:
    if inst.proc.poll() is None:
        inst.proc.send_signal(signal.SIGINT)
        try:
            inst.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            inst.proc.kill()
            inst.proc.wait(timeout=30)


def small_corpus(tmp: Path) -> Path:
    """Two roles: the examples index each test machine builds stays small (the lock is the same for any size)."""
    corpus = tmp / "corpus"
    shutil.copytree(MINI, corpus / "roles")
    return corpus


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of instances on one machine sharing one new PostgreSQL database and one Redis."""
    pg, rd = fresh_postgres_database(), redis_url()
    tmp = tmp_path_factory.mktemp("two-instances")
    return {**os.environ, "OKR_COACH_HOME": str(tmp / "home"), "OKR_COACH_CORPUS_DIR": str(small_corpus(tmp)),
            "OKR_COACH_DATABASE_URL": pg, "OKR_COACH_REDIS_URL": rd, "PYTHONPATH": str(ROOT),
            "OKR_COACH_LLM_CACHE": "false"}


@pytest.fixture(scope="module")
def two(shared: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Instance]]:
    """Two instances for the module's tests; the kill -9 test comes last."""
    tmp = tmp_path_factory.mktemp("logs")
    a = start(shared, tmp, name="a")
    try:
        b = start(shared, tmp, name="b")
    except BaseException:
        stop(a)
        raise
    try:
        yield a, b
    finally:
        stop(a)
        stop(b)


def key_for(env: dict[str, str], name: str, rate: int) -> dict[str, str]:
    return {"X-API-Key": create_key(Database(env["OKR_COACH_DATABASE_URL"]), name=name, rate_per_minute=rate).key}


def test_a_set_saved_through_one_instance_is_read_versioned_and_checked_in_through_the_other(
        two: tuple[Instance, Instance], shared: dict[str, str]) -> None:
    a, b = two
    h = key_for(shared, "two-instances", 10_000)
    saved = httpx.post(a.url + "/v1/sets", json={**SET, "name": "shared"}, headers=h, timeout=60)
    assert saved.status_code == 201, saved.text
    sid = saved.json()["id"]
    got = httpx.get(f"{b.url}/v1/sets/{sid}", headers=h).json()
    assert got["okrs"] == saved.json()["okrs"] and got["name"] == "shared"
    v2 = httpx.put(f"{b.url}/v1/sets/{sid}", json={**V2, "base_version": 1, "note": "through b"}, headers=h, timeout=60)
    assert v2.json()["version"] == 2
    stale = httpx.put(f"{a.url}/v1/sets/{sid}", json={**SET, "base_version": 1}, headers=h, timeout=60)
    assert stale.status_code == 409  # a sees b's version at once
    ci = httpx.post(f"{a.url}/v1/sets/{sid}/checkins", headers=h, timeout=60,
                    json={"values": [{"objective_index": 0, "kr_index": 0, "value": 27}]})
    assert ci.status_code == 201 and ci.json()["version"] == 2
    p = httpx.get(f"{b.url}/v1/sets/{sid}/progress", headers=h, timeout=60).json()
    assert p["version"] == 2 and p["checkins"] == 1 and p["objectives"][0]["key_results"][0]["current"] == 27
    assert [v["note"] for v in httpx.get(f"{a.url}/v1/sets/{sid}/versions", headers=h).json()] == [None, "through b"]
    assert httpx.delete(f"{b.url}/v1/sets/{sid}", headers=h).status_code == 204
    assert httpx.get(f"{a.url}/v1/sets/{sid}", headers=h).status_code == 404


def test_a_keys_rate_limit_holds_across_both_instances(two: tuple[Instance, Instance], shared: dict[str, str]) -> None:
    a, b = two
    h = key_for(shared, "limited", 5)
    codes = [httpx.get((a, b)[i % 2].url + "/v1/sets", headers=h).status_code for i in range(8)]
    assert codes == [200] * 5 + [429] * 3  # five in the minute, wherever they land
    assert httpx.get(b.url + "/v1/sets", headers=key_for(shared, "other", 5)).status_code == 200


def child_pids(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(d.name))
    return out


def test_serve_with_two_workers_shares_limits_and_builds_the_index_once(
        shared: dict[str, str], tmp_path: Path) -> None:
    """`okr-coach serve --workers 2` on the embedded SQLite store, a fresh data folder, Redis for the limits."""
    env = {**shared, "OKR_COACH_HOME": str(tmp_path / "home"), "OKR_COACH_DATABASE_URL": "",
           "OKR_COACH_CORPUS_DIR": str(small_corpus(tmp_path))}
    inst = start(env, tmp_path, "--workers", "2", name="workers")
    try:
        for _ in range(600):  # bounded wait for both worker processes
            if len(child_pids(inst.proc.pid)) >= 2:
                break
            time.sleep(0.1)
        assert len(child_pids(inst.proc.pid)) >= 2
        h = {"X-API-Key": create_key(Database(tmp_path / "home" / "okr-coach.db"), name="w", rate_per_minute=4).key}
        codes = []
        for _ in range(7):  # a new connection each time: the kernel hands them to either worker
            with httpx.Client(timeout=60) as c:
                codes.append(c.get(inst.url + "/v1/sets", headers=h).status_code)
        assert codes == [200] * 4 + [429] * 3
        sid = httpx.post(inst.url + "/v1/sets", json=SET, headers={"X-API-Key": create_key(
            Database(tmp_path / "home" / "okr-coach.db"), name="w2", rate_per_minute=100).key}, timeout=60).json()["id"]
        assert sid.startswith("set_")
    finally:
        stop(inst)
    assert inst.output().count("built the examples index") == 1, inst.output()


def test_processes_starting_together_build_the_index_once(tmp_path: Path) -> None:
    code = ("import sys\nfrom coach.corpus.index import get_index\nfrom coach.settings import get_settings\n"
            "idx = get_index(get_settings(), backend='bm25')\nprint('built' if idx.built else 'reused')\n")
    env = {**os.environ, "OKR_COACH_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(outs) == ["built", "reused", "reused"]


def test_kill_9_of_one_instance_during_concurrent_writes_loses_no_acknowledged_write(
        two: tuple[Instance, Instance], shared: dict[str, str]) -> None:
    a, b = two
    h = key_for(shared, "writers", 100_000)
    sid = httpx.post(a.url + "/v1/sets", json=SET, headers=h, timeout=60).json()["id"]
    acked_versions: list[tuple[int, str]] = []
    acked_checkins: list[int] = []
    lock = threading.Lock()
    killed = threading.Event()
    kill_after = 24  # acknowledged writes before the kill; the writers go on after it

    def maybe_kill() -> None:
        with lock:
            due = len(acked_versions) + len(acked_checkins) >= kill_after and not killed.is_set()
            if due:
                killed.set()
        if due:
            os.kill(a.proc.pid, signal.SIGKILL)

    def writer(w: int) -> None:
        with httpx.Client(headers=h, timeout=60) as c:
            for i in range(16):  # bounded: 16 writes per writer, half through each instance
                inst = (a, b)[(w + i) % 2]
                note = f"w{w}-{i}"
                try:
                    if i % 2:
                        r = c.post(f"{inst.url}/v1/sets/{sid}/checkins", json={"note": note, "values": [
                            {"objective_index": 0, "kr_index": 0, "value": w * 100 + i}]})
                        if r.status_code == 201:
                            with lock:
                                acked_checkins.append(r.json()["id"])
                    else:
                        r = c.put(f"{inst.url}/v1/sets/{sid}", json={**SET, "note": note})
                        if r.status_code == 200:
                            with lock:
                                acked_versions.append((r.json()["version"], note))
                except httpx.TransportError:
                    assert inst is a and killed.is_set(), f"{inst.url} failed while alive"
                maybe_kill()

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(writer, range(6)))
    assert killed.is_set() and a.proc.wait(timeout=30) == -signal.SIGKILL
    assert len(acked_versions) + len(acked_checkins) > kill_after  # writes went on after the kill
    # Everything acknowledged is there, read through the survivor; versions have no gaps or duplicates.
    versions = httpx.get(f"{b.url}/v1/sets/{sid}/versions", headers=h, timeout=60).json()
    numbers = [v["version"] for v in versions]
    assert numbers == list(range(1, len(numbers) + 1))
    by_number = {v["version"]: v["note"] for v in versions}
    assert all(by_number.get(n) == note for n, note in acked_versions)
    stored = Database(shared["OKR_COACH_DATABASE_URL"]).query("select id from checkins where set_id = :s", {"s": sid})
    assert set(acked_checkins) <= {r[0] for r in stored}
    # and the survivor keeps serving
    assert httpx.get(b.url + "/healthz").json()["status"] == "ok"
    assert httpx.put(f"{b.url}/v1/sets/{sid}", json=V2, headers=h, timeout=60).json()["version"] == len(numbers) + 1
