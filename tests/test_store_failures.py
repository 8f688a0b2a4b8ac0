"""A store that cannot write, a damaged file, a data folder that cannot be made: the service answers 503 with the
cause (never 500 "a bug"), /healthz fails, and `keys`/`serve`/`db` print a message instead of a traceback."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from coach.api import create_app
from coach.api.testing import serve_in_thread
from coach.cli.main import main
from coach.settings import Settings, get_settings
from coach.store import Database, create_key
from tests.test_api import SET, assert_envelope


def read_only_url(path: Path) -> str:
    # Root ignores file modes, so the read-only case is made the way SQLite itself offers it.
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def test_a_read_only_store_answers_503_with_the_cause_and_healthz_fails(tmp_path: Path) -> None:
    path = tmp_path / "okr-coach.db"
    key = create_key(Database(path), name="k", rate_per_minute=100).key
    app = create_app(Settings(home=tmp_path, database_url=read_only_url(path)))
    with serve_in_thread(app) as url:
        h = httpx.get(url + "/healthz")
        body = assert_envelope(h, 503, "store_unavailable")
        assert "read-only" in body["message"] and "bug" not in (body["hint"] or "")
        r = httpx.post(url + "/v1/sets", json=SET, headers={"X-API-Key": key})
        assert "read-only" in assert_envelope(r, 503, "store_unavailable")["message"]
        # what needs no write keeps working
        assert httpx.get(url + "/v1/sets", headers={"X-API-Key": key}).json() == []
        assert httpx.post(url + "/v1/critique", json=SET).status_code == 200


def test_healthz_says_ok_when_the_store_takes_a_write(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path))
    with serve_in_thread(app) as url:
        assert httpx.get(url + "/healthz").json()["status"] == "ok"
    row = Database(tmp_path / "okr-coach.db").one("select checked_at, checked_by from store_health")
    assert row[0] != "never" and ":" in row[1]  # host:pid of the probe that wrote it


def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
        *argv: str) -> tuple[int, str]:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("argv", [["keys", "list"], ["keys", "create", "--name", "x"], ["serve", "--port", "1"],
                                  ["db", "current"]])
def test_commands_explain_an_unusable_store_instead_of_a_traceback(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    code, out = cli(capsys, monkeypatch, {"OKR_COACH_HOME": str(blocker / "okr-coach")}, *argv)
    assert code == 2 and "cannot create the data folder" in out and "Traceback" not in out

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "okr-coach.db").write_bytes(b"not a database, just bytes " * 100)
    code, out = cli(capsys, monkeypatch, {"OKR_COACH_HOME": str(damaged)}, *argv)
    assert code == 2 and "damaged" in out and "Traceback" not in out


def test_a_read_only_store_is_named_by_keys_create_and_serve(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "okr-coach.db"
    Database(path)
    env = {"OKR_COACH_HOME": str(tmp_path), "OKR_COACH_DATABASE_URL": read_only_url(path)}
    for argv in (["keys", "create", "--name", "x"], ["serve", "--port", "1"]):
        code, out = cli(capsys, monkeypatch, env, *argv)
        assert code == 2 and "read-only" in out and "Traceback" not in out, out
    code, out = cli(capsys, monkeypatch, env, "keys", "list")
    assert code == 0 and "no keys yet" in out  # reading still works


def test_serve_refuses_a_schema_that_is_behind_and_db_upgrade_fixes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from coach.store.db import upgrade

    upgrade(Database(tmp_path / "okr-coach.db", check=False), "0003")
    env = {"OKR_COACH_HOME": str(tmp_path)}
    code, out = cli(capsys, monkeypatch, env, "serve", "--port", "1")
    assert code == 2 and "revision 0003; this okr-coach needs 0004" in out and "okr-coach db upgrade" in out
    assert cli(capsys, monkeypatch, env, "db", "current")[0] == 1
    code, out = cli(capsys, monkeypatch, env, "db", "upgrade")
    assert code == 0 and "upgraded from revision 0003 to 0004" in out
    code, out = cli(capsys, monkeypatch, env, "db", "current")
    assert code == 0 and "revision 0004 (current)" in out
    assert "already at revision 0004" in cli(capsys, monkeypatch, env, "db", "upgrade")[1]


def test_several_workers_need_redis_for_their_limits(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OKR_COACH_REDIS_URL", raising=False)
    code, out = cli(capsys, monkeypatch, {"OKR_COACH_HOME": str(tmp_path)}, "serve", "--workers", "2", "--port", "1")
    assert code == 2 and "OKR_COACH_REDIS_URL" in out
