"""Saved sets over real HTTP: API keys, tenant isolation, versions, check-ins, progress, rate limits, concurrency.

The whole module runs twice: on the embedded SQLite store and on a real PostgreSQL (tests/_services.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from coach import store
from coach.api import create_app
from coach.api.testing import serve_in_thread
from coach.cli.main import main
from coach.settings import Settings
from coach.store import open_database
from tests._services import STORES, store_url
from tests.test_api import SET, assert_envelope

V2 = {**SET, "objectives": [SET["objectives"][1]]}


@pytest.fixture(scope="module", params=STORES)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    url = store_url(request.param, tmp_path_factory.mktemp("store"))
    app = create_app(Settings(home=home, database_url=url, anonymous_rate_limit_per_minute=0))
    with serve_in_thread(app) as base:
        yield base, app


@pytest.fixture(autouse=True)
def _cli_uses_the_servers_store(server: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """`okr-coach keys ...` in these tests writes to the store the server reads."""
    from coach.settings import get_settings

    monkeypatch.setenv("OKR_COACH_DATABASE_URL", server[1].state.settings.database)
    get_settings.cache_clear()


def new_key(name: str, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    """A key made the way users make them: `okr-coach keys create`."""
    capsys.readouterr()
    assert main(["keys", "create", "--name", name, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def alice(server: tuple[str, Any], capsys: pytest.CaptureFixture[str]) -> Iterator[httpx.Client]:
    key = new_key("alice", capsys)["key"]
    with httpx.Client(base_url=server[0], headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
        yield c


@pytest.fixture
def bob(server: tuple[str, Any], capsys: pytest.CaptureFixture[str]) -> Iterator[httpx.Client]:
    key = new_key("bob", capsys)["key"]
    with httpx.Client(base_url=server[0], headers={"X-API-Key": key}, timeout=30) as c:
        yield c


def test_keys_are_printed_once_and_stored_only_as_hashes(server: tuple[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["keys", "create", "--name", "printed"]) == 0
    out = capsys.readouterr().out
    key = out.splitlines()[0]
    assert key.startswith("okc_") and len(key) > 40 and "only time" in out
    db = open_database(server[1].state.settings.database)
    if db.dialect == "sqlite":
        db_path = Path(db.path)
        assert key.encode() not in db_path.read_bytes()
        wal = db_path.with_name(db_path.name + "-wal")
        assert not wal.exists() or key.encode() not in wal.read_bytes()
    rows = db.query("select * from api_keys")
    assert rows and not any(key in str(col) for row in rows for col in row)
    assert any(store.keys.hash_key(key) in row for row in rows)
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "printed" in listing and key not in listing and key[:10] in listing


def test_saved_sets_need_a_key_and_a_wrong_key_is_refused(server: tuple[str, Any]) -> None:
    url = server[0]
    assert_envelope(httpx.post(url + "/v1/sets", json=SET), 401, "unauthorized")
    r = httpx.get(url + "/v1/sets", headers={"Authorization": "Bearer okc_not-a-real-key"})
    assert_envelope(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    # a wrong key is refused even where anonymous use is allowed
    assert_envelope(httpx.post(url + "/v1/critique", json=SET, headers={"X-API-Key": "nope"}), 401)


def test_a_set_keeps_every_version_with_its_review(alice: httpx.Client) -> None:
    r = alice.post("/v1/sets", json={**SET, "name": "Sales Q3"})
    assert r.status_code == 201, r.text
    saved = r.json()
    sid = saved["id"]
    assert saved["version"] == 1 and saved["name"] == "Sales Q3" and saved["score"] == saved["report"]["score"]
    r2 = alice.put(f"/v1/sets/{sid}", json={**V2, "note": "dropped the CRM objective"}).json()
    assert r2["version"] == 2 and r2["name"] == "Sales Q3" and len(r2["okrs"]["objectives"]) == 1
    got = alice.get(f"/v1/sets/{sid}").json()
    assert got["version"] == 2 and got["okrs"] == r2["okrs"] and got["report"] == r2["report"]
    versions = alice.get(f"/v1/sets/{sid}/versions").json()
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["note"] == "dropped the CRM objective"
    assert [v["score"] for v in versions] == [saved["score"], r2["score"]]
    v1 = alice.get(f"/v1/sets/{sid}/versions/1").json()
    assert v1["okrs"] == saved["okrs"] and v1["report"] == saved["report"]
    assert_envelope(alice.get(f"/v1/sets/{sid}/versions/9"), 404, "not_found")
    assert any(s["id"] == sid for s in alice.get("/v1/sets").json())


def test_a_set_can_be_saved_from_text(alice: httpx.Client) -> None:
    from tests.test_api import YAML

    r = alice.post("/v1/sets", json={"text": YAML, "format": "yaml"})
    assert r.status_code == 201 and r.json()["okrs"]["objectives"][0]["title"] == "Implement a new CRM"


def test_another_key_cannot_see_or_touch_a_tenants_set(alice: httpx.Client, bob: httpx.Client) -> None:
    sid = alice.post("/v1/sets", json=SET).json()["id"]
    checkin = {"values": [{"objective_index": 1, "kr_index": 0, "value": 25}]}
    for r in (bob.get(f"/v1/sets/{sid}"), bob.put(f"/v1/sets/{sid}", json=V2), bob.get(f"/v1/sets/{sid}/versions"),
              bob.get(f"/v1/sets/{sid}/versions/1"), bob.post(f"/v1/sets/{sid}/checkins", json=checkin),
              bob.get(f"/v1/sets/{sid}/progress")):
        assert_envelope(r, 404, "not_found")
    assert all(s["id"] != sid for s in bob.get("/v1/sets").json())
    assert alice.get(f"/v1/sets/{sid}").json()["version"] == 1  # bob's PUT changed nothing


def test_a_stale_base_version_is_a_conflict(alice: httpx.Client) -> None:
    sid = alice.post("/v1/sets", json=SET).json()["id"]
    assert alice.put(f"/v1/sets/{sid}", json={**V2, "base_version": 1}).status_code == 200
    assert_envelope(alice.put(f"/v1/sets/{sid}", json={**SET, "base_version": 1}), 409, "conflict")


def test_check_ins_give_progress_over_time(alice: httpx.Client) -> None:
    sid = alice.post("/v1/sets", json=V2).json()["id"]  # "Raise win rate from 21% to 30%", "... from 2x to 3x"
    for win, cov in ((24, 2.2), (27, 2.6), (30, 3)):
        r = alice.post(f"/v1/sets/{sid}/checkins", json={"values": [
            {"objective_index": 0, "kr_index": 0, "value": win}, {"objective_index": 0, "kr_index": 1, "value": cov}],
            "note": f"win rate {win}"})
        assert r.status_code == 201, r.text
    p = alice.get(f"/v1/sets/{sid}/progress").json()
    assert p["version"] == 1 and p["checkins"] == 3 and p["progress"] == 1.0
    k0 = p["objectives"][0]["key_results"][0]
    assert (k0["baseline"], k0["target"], k0["current"]) == (21, 30, 30)
    assert [h["progress"] for h in k0["history"]] == pytest.approx([1 / 3, 2 / 3, 1.0], abs=0.001)
    assert [t["progress"] for t in p["timeline"]] == pytest.approx([0.267, 0.633, 1.0], abs=0.001)


def test_check_in_values_must_point_at_a_key_result(alice: httpx.Client) -> None:
    sid = alice.post("/v1/sets", json=V2).json()["id"]
    bad = alice.post(f"/v1/sets/{sid}/checkins", json={"values": [{"objective_index": 0, "kr_index": 7, "value": 1}]})
    assert "out of range" in assert_envelope(bad, 422, "invalid_input")["message"]
    assert_envelope(alice.post(f"/v1/sets/{sid}/checkins", json={"values": []}), 422)
    assert alice.get(f"/v1/sets/{sid}/progress").json()["checkins"] == 0  # the refused check-in left nothing


def test_a_revoked_key_stops_working(server: tuple[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    made = new_key("short-lived", capsys)
    h = {"Authorization": f"Bearer {made['key']}"}
    assert httpx.get(server[0] + "/v1/sets", headers=h).status_code == 200
    assert main(["keys", "revoke", str(made["id"])]) == 0
    assert_envelope(httpx.get(server[0] + "/v1/sets", headers=h), 401, "unauthorized")


def test_each_key_has_its_own_rate_limit(server: tuple[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    slow = {"X-API-Key": new_key("slow", capsys, "--rate", "3")["key"]}
    other = {"X-API-Key": new_key("other", capsys, "--rate", "3")["key"]}
    codes = [httpx.get(server[0] + "/v1/sets", headers=slow).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = httpx.get(server[0] + "/v1/sets", headers=slow)
    assert_envelope(r, 429, "rate_limited")
    assert 1 <= int(r.headers["retry-after"]) <= 60  # a moving one-minute window
    assert httpx.get(server[0] + "/v1/sets", headers=other).status_code == 200  # buckets are per key


def test_anonymous_critique_can_be_switched_off(tmp_path_factory: pytest.TempPathFactory, server: tuple[str, Any],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    app = create_app(Settings(home=home, anonymous_critique=False, database_url=server[1].state.settings.database))
    key = new_key("closed", capsys)["key"]
    with serve_in_thread(app) as url:
        assert_envelope(httpx.post(url + "/v1/critique", json=SET), 401, "unauthorized")
        assert httpx.post(url + "/v1/critique", json=SET, headers={"X-API-Key": key}).status_code == 200


def test_concurrent_writes_lose_nothing(alice: httpx.Client, server: tuple[str, Any]) -> None:
    sid = alice.post("/v1/sets", json=SET).json()["id"]
    headers = dict(alice.headers)

    def put(i: int) -> int:
        with httpx.Client(base_url=server[0], headers=headers, timeout=30) as c:
            body = {**V2, "note": f"writer {i}"}
            r1 = c.put(f"/v1/sets/{sid}", json=body)
            r2 = c.post(f"/v1/sets/{sid}/checkins", json={"values": [{"objective_index": 0, "kr_index": 0, "value": i}]})
            return r1.status_code * 1000 + r2.status_code

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(put, range(40)))
    assert results == [200 * 1000 + 201] * 40
    versions = alice.get(f"/v1/sets/{sid}/versions").json()
    assert [v["version"] for v in versions] == list(range(1, 42))  # no gaps, no duplicates
    assert sorted(v["note"] for v in versions[1:]) == sorted(f"writer {i}" for i in range(40))
    db = open_database(server[1].state.settings.database)
    assert db.one("select count(*) from reviews where set_id = :s", {"s": sid})[0] == 41
    assert db.one("select count(*) from checkins where set_id = :s", {"s": sid})[0] == 40


def test_check_ins_carry_over_to_a_new_version_for_unchanged_key_results(alice: httpx.Client) -> None:
    sid = alice.post("/v1/sets", json=V2).json()["id"]
    alice.post(f"/v1/sets/{sid}/checkins", json={"values": [
        {"objective_index": 0, "kr_index": 0, "value": 24}, {"objective_index": 0, "kr_index": 1, "value": 2.5}]})
    edited = {**V2, "objectives": [{"title": V2["objectives"][0]["title"], "key_results": [
        "Grow pipeline coverage from 2x to 3x",              # unchanged, moved first
        "Raise win rate from 21% to 35%"]}]}                  # reworded: its old values stay with version 1
    assert alice.put(f"/v1/sets/{sid}", json=edited).json()["version"] == 2
    alice.post(f"/v1/sets/{sid}/checkins", json={"values": [{"objective_index": 0, "kr_index": 1, "value": 28}]})
    p = alice.get(f"/v1/sets/{sid}/progress").json()
    assert p["version"] == 2 and p["checkins"] == 2 and p["carried_over"] == 1
    coverage, win = p["objectives"][0]["key_results"]
    assert coverage["current"] == 2.5 and coverage["progress"] == 0.5 and len(coverage["history"]) == 1
    assert win["current"] == 28 and [h["value"] for h in win["history"]] == [28]


def _alias_bomb(depth: int) -> str:
    """A set whose unknown key holds `depth` levels of aliases, each repeating the one below nine times."""
    lines = ['l0: &l0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, depth)]
    lines += ["objectives:", "  - title: New customers reach value in their first week",
              f"    notes: *l{depth - 1}",
              "    key_results: [Cut time to first value from 12 to 5 days, Raise week-one activation from 40% to 65%]"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("depth", [6, 7, 9])
def test_yaml_alias_bombs_are_refused_before_they_are_stored(alice: httpx.Client, depth: int) -> None:
    """A few hundred bytes of nested aliases would expand to megabytes (9**depth scalars) if stored and echoed."""
    text = _alias_bomb(depth)
    assert len(text) < 1000
    before = alice.get("/v1/sets").json()
    r = alice.post("/v1/sets", json={"name": "bomb", "text": text, "format": "yaml"})
    assert_envelope(r, 413)
    assert "alias" in r.json()["error"]["message"]
    assert alice.get("/v1/sets").json() == before  # nothing was stored
    assert_envelope(alice.post("/v1/critique", json={"text": text, "format": "yaml"}), 413)


def test_yaml_aliases_that_stay_small_are_read_and_echoed_in_full(alice: httpx.Client) -> None:
    """Anchors are legal YAML: a shallow one is expanded, stored and returned within the size of a normal set."""
    r = alice.post("/v1/sets", json={"name": "small alias", "text": _alias_bomb(2), "format": "yaml"})
    assert r.status_code == 201, r.text
    saved = alice.get(f"/v1/sets/{r.json()['id']}").json()
    assert saved["okrs"]["objectives"][0]["notes"] == [["ha"] * 9] * 9
    assert len(json.dumps(saved)) < 20_000


def test_a_yaml_alias_that_contains_itself_is_a_clear_error(alice: httpx.Client) -> None:
    text = "objectives:\n  - &o\n    title: Loop\n    key_results: [*o]\n"
    r = alice.post("/v1/sets", json={"name": "loop", "text": text, "format": "yaml"})
    assert_envelope(r, 422)
    assert "recursive" in r.json()["error"]["message"]


def test_a_set_can_be_deleted_by_its_owner_only(alice: httpx.Client, bob: httpx.Client) -> None:
    sid = alice.post("/v1/sets", json=SET).json()["id"]
    alice.put(f"/v1/sets/{sid}", json=V2)
    alice.post(f"/v1/sets/{sid}/checkins", json={"values": [{"objective_index": 0, "kr_index": 0, "value": 25}]})
    assert_envelope(bob.delete(f"/v1/sets/{sid}"), 404, "not_found")
    assert alice.get(f"/v1/sets/{sid}").status_code == 200
    r = alice.delete(f"/v1/sets/{sid}")
    assert r.status_code == 204 and r.content == b""
    for gone in (alice.get(f"/v1/sets/{sid}"), alice.get(f"/v1/sets/{sid}/versions"), alice.delete(f"/v1/sets/{sid}")):
        assert_envelope(gone, 404, "not_found")
    assert all(s["id"] != sid for s in alice.get("/v1/sets").json())


def test_a_key_can_delete_itself_with_its_sets(server: tuple[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    made = new_key("leaving", capsys)
    with httpx.Client(base_url=server[0], headers={"X-API-Key": made["key"]}, timeout=30) as c:
        sid = c.post("/v1/sets", json=SET).json()["id"]
        assert c.get("/v1/keys/current").json()["name"] == "leaving"
        assert c.delete("/v1/keys/current").status_code == 204
        assert_envelope(c.get("/v1/sets"), 401, "unauthorized")
    db = open_database(server[1].state.settings.database)
    assert db.one("select count(*) from okr_sets where id = :s", {"s": sid})[0] == 0
    assert db.one("select count(*) from api_keys where id = :i", {"i": made["id"]})[0] == 0


def test_keys_and_sets_can_be_deleted_from_the_cli(alice: httpx.Client, capsys: pytest.CaptureFixture[str]) -> None:
    sid = alice.post("/v1/sets", json=SET).json()["id"]
    capsys.readouterr()
    assert main(["sets", "delete", sid]) == 2  # without --yes: nothing happens, and it says why
    assert "cannot be undone" in capsys.readouterr().err and alice.get(f"/v1/sets/{sid}").status_code == 200
    assert main(["sets", "delete", sid, "--yes"]) == 0
    assert f"set {sid} deleted (1 version(s))" in capsys.readouterr().out
    assert_envelope(alice.get(f"/v1/sets/{sid}"), 404)
    made = new_key("to-delete", capsys)
    capsys.readouterr()
    assert main(["keys", "delete", str(made["id"]), "--yes"]) == 0
    assert "deleted with 0 saved set(s)" in capsys.readouterr().out
    assert main(["keys", "list"]) == 0 and "to-delete" not in capsys.readouterr().out


def test_a_rate_of_zero_is_refused_not_turned_into_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["keys", "create", "--name", "zero", "--rate", "0"]) == 2
    err = capsys.readouterr().err
    assert "--rate must be at least 1" in err and "Traceback" not in err
    assert main(["keys", "list"]) == 0 and "zero" not in capsys.readouterr().out
