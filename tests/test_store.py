"""The service database on SQLite and on a real PostgreSQL: Alembic migrations, transactions that are all or
nothing, data that survives a reopen, deletion, and store failures reported as such (not as bugs)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from coach import store
from coach.io import from_obj
from coach.rubric import review
from coach.store.db import Database, StoreUnavailable, head_revision, upgrade
from tests._services import STORES, store_url

OKRS = from_obj({"period": "2026-Q3", "team": "Sales", "objectives": [
    {"title": "Customers choose us first when they renew", "key_results": ["Raise win rate from 21% to 30%"]}]})
LEGACY = Path(__file__).parent / "data" / "legacy"
TABLES = {"api_keys", "okr_sets", "set_versions", "reviews", "checkins", "checkin_values", "store_health"}


@pytest.fixture(params=STORES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_url(request.param, tmp_path)


def tables(db: Database) -> set[str]:
    with db.engine.connect() as c:
        return set(sa.inspect(c).get_table_names())


def test_a_new_database_is_created_at_the_newest_revision(url: str) -> None:
    db = Database(url)
    assert db.revision == head_revision() == "0004" and db.version == 4
    assert TABLES | {"alembic_version"} <= tables(db)
    assert upgrade(db) == ("0004", "0004")  # already current: nothing runs twice


def test_a_schema_that_is_behind_is_refused_until_db_upgrade(url: str) -> None:
    db = Database(url, check=False)
    assert upgrade(db, "0002") == (None, "0002")
    with pytest.raises(store.SchemaBehind, match="revision 0002; this okr-coach needs 0004") as err:
        Database(url)
    assert "okr-coach db upgrade" in (err.value.hint or "")
    assert upgrade(db) == ("0002", "0004")
    assert Database(url).version == 4


def test_a_failing_migration_leaves_the_schema_as_it_was(url: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(Path(store.db.__file__).parent / "migrations", scripts)
    (scripts / "versions" / "0005_broken.py").write_text(
        'revision = "0005"\ndown_revision = "0004"\nbranch_labels = None\ndepends_on = None\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        "def upgrade():\n"
        '    op.create_table("half_done", sa.Column("x", sa.Integer))\n'
        '    raise RuntimeError("disk on fire")\n')
    db = Database(url)
    monkeypatch.setattr(store.db, "MIGRATIONS_DIR", scripts)
    with pytest.raises(RuntimeError, match="disk on fire"):
        upgrade(db)
    assert db.revision == "0004" and "half_done" not in tables(db)


def test_a_file_made_by_0_1_0_upgrades_in_place_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "okr-coach.db"
    shutil.copy(LEGACY / "okr-coach-0.1.0.db", path)
    facts = json.loads((LEGACY / "okr-coach-0.1.0.json").read_text())
    with pytest.raises(store.SchemaBehind, match="revision 0003"):
        Database(path)
    before = Database(path, check=False)
    counts = {t: before.one(f"select count(*) from {t}")[0] for t in TABLES - {"store_health"}}
    assert upgrade(before) == ("0003", "0004")
    db = Database(path)
    assert {t: db.one(f"select count(*) from {t}")[0] for t in counts} == counts
    alice = store.find_key(db, facts["alice_key"])
    assert alice is not None and alice.name == "legacy-alice" and alice.rate_per_minute == 30
    assert store.find_key(db, facts["bob_key"]) is None  # revoked before the upgrade, still revoked
    saved = store.get_set(db, owner=alice.id, set_id=facts["set_id"])
    assert saved.version == 2 and saved.name == "support q2" and saved.report is not None
    assert "3 hours" in saved.okrs.objectives[0].key_results[0].text
    assert [v.note for v in store.list_versions(db, owner=alice.id, set_id=facts["set_id"])] == [None, "softer target"]
    assert [c.values[0].value for c in store.list_checkins(db, owner=alice.id, set_id=facts["set_id"])] == [6, 85.5]
    # and it takes new writes
    store.update_set(db, owner=alice.id, set_id=facts["set_id"], okrs=OKRS, report=review(OKRS))
    assert store.get_set(db, owner=alice.id, set_id=facts["set_id"]).version == 3


def test_a_crash_mid_write_leaves_nothing_behind(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(url)
    key = store.create_key(db, name="k", rate_per_minute=10)
    report = review(OKRS)

    def crash(*_: Any, **__: Any) -> None:
        raise RuntimeError("killed after the set row was written")

    monkeypatch.setattr("coach.store.sets._review_row", crash)
    with pytest.raises(RuntimeError):
        store.create_set(db, owner=key.id, okrs=OKRS, report=report)
    for table in ("okr_sets", "set_versions", "reviews"):
        assert db.one(f"select count(*) from {table}")[0] == 0
    monkeypatch.undo()
    saved = store.create_set(db, owner=key.id, okrs=OKRS, report=report)
    monkeypatch.setattr("coach.store.sets._review_row", crash)
    with pytest.raises(RuntimeError):
        store.update_set(db, owner=key.id, set_id=saved.id, okrs=OKRS, report=report)
    assert store.get_set(db, owner=key.id, set_id=saved.id).version == 1
    assert [v.version for v in store.list_versions(db, owner=key.id, set_id=saved.id)] == [1]


def test_accepted_writes_survive_a_reopen(url: str) -> None:
    db = Database(url)
    key = store.create_key(db, name="k", rate_per_minute=10)
    saved = store.create_set(db, owner=key.id, okrs=OKRS, report=review(OKRS), name="mine")
    store.add_checkin(db, owner=key.id, set_id=saved.id, values=[store.CheckInValue(objective_index=0, kr_index=0,
                                                                                     value=25)])
    db.close()
    again = Database(url)
    assert store.find_key(again, key.key) is not None
    got = store.get_set(again, owner=key.id, set_id=saved.id)
    assert got.okrs == OKRS and got.report == review(OKRS) and got.name == "mine"
    assert store.list_checkins(again, owner=key.id, set_id=saved.id)[0].values[0].value == 25


def test_keys_are_found_by_hash_and_revoked_keys_are_not(url: str) -> None:
    db = Database(url)
    k = store.create_key(db, name="ci", rate_per_minute=5)
    assert store.find_key(db, k.key).id == k.id
    assert store.find_key(db, k.key + "x") is None and store.find_key(db, "") is None
    stored = db.one("select key_hash from api_keys where id = :i", {"i": k.id})[0]
    assert stored == store.keys.hash_key(k.key) and k.key not in stored
    store.revoke_key(db, "ci")
    assert store.find_key(db, k.key) is None
    with pytest.raises(store.keys.NotFoundError):
        store.revoke_key(db, "ci")
    with pytest.raises(store.keys.InputError, match="at least 1"):
        store.create_key(db, name="zero", rate_per_minute=0)


def test_deleting_a_set_or_a_key_removes_everything_it_owns_and_nothing_else(url: str) -> None:
    db = Database(url)
    a = store.create_key(db, name="a", rate_per_minute=5)
    b = store.create_key(db, name="b", rate_per_minute=5)
    value = [store.CheckInValue(objective_index=0, kr_index=0, value=25)]
    sets = {}
    for who in (a, b, a):
        s = store.create_set(db, owner=who.id, okrs=OKRS, report=review(OKRS))
        store.update_set(db, owner=who.id, set_id=s.id, okrs=OKRS, report=review(OKRS))
        store.add_checkin(db, owner=who.id, set_id=s.id, values=value)
        sets.setdefault(who.name, []).append(s.id)
    with pytest.raises(store.keys.NotFoundError):  # another key's set is not found, and stays
        store.delete_set(db, owner=b.id, set_id=sets["a"][0])
    assert store.delete_set(db, owner=a.id, set_id=sets["a"][0]) == 2
    with pytest.raises(store.keys.NotFoundError):
        store.get_set(db, owner=a.id, set_id=sets["a"][0])
    assert db.one("select count(*) from set_versions where set_id = :s", {"s": sets["a"][0]})[0] == 0
    assert db.one("select count(*) from checkins where set_id = :s", {"s": sets["a"][0]})[0] == 0
    key, n = store.delete_key(db, "a")
    assert (key.id, n) == (a.id, 1)
    assert store.find_key(db, a.key) is None and [k.name for k in store.list_keys(db)] == ["b"]
    assert [s.id for s in store.list_sets(db, owner=b.id)] == sets["b"]
    assert db.one("select count(*) from okr_sets")[0] == 1 and db.one("select count(*) from checkin_values")[0] == 1


def test_concurrent_version_writes_get_distinct_numbers(url: str) -> None:
    """Writers on separate connections: each new version and check-in gets its own number, none is lost."""
    from concurrent.futures import ThreadPoolExecutor

    db = Database(url)
    key = store.create_key(db, name="k", rate_per_minute=5)
    sid = store.create_set(db, owner=key.id, okrs=OKRS, report=review(OKRS)).id
    report = review(OKRS)

    def write(i: int) -> int:
        store.add_checkin(db, owner=key.id, set_id=sid,
                          values=[store.CheckInValue(objective_index=0, kr_index=0, value=i)])
        return store.update_set(db, owner=key.id, set_id=sid, okrs=OKRS, report=report, note=str(i)).version

    with ThreadPoolExecutor(6) as pool:
        got = sorted(pool.map(write, range(24)))
    assert got == list(range(2, 26))
    assert len(store.list_checkins(db, owner=key.id, set_id=sid)) == 24


# --- failures of the store itself: a message with the cause, never a traceback or "a bug" -------------------------

def test_a_read_only_sqlite_file_is_reported_as_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ro.db"
    store.create_key(Database(path), name="k", rate_per_minute=5)
    monkeypatch.chdir(tmp_path)
    ro = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert not (tmp_path / "file:").exists()  # a URI names a file; no folder is made from it in the working directory
    assert [k.name for k in store.list_keys(ro)] == ["k"]  # reads still work
    with pytest.raises(StoreUnavailable, match="read-only") as err:
        store.create_key(ro, name="k2", rate_per_minute=5)
    assert err.value.status == 503
    with pytest.raises(StoreUnavailable, match="read-only"):
        ro.check_writable()


def test_a_full_disk_is_reported_as_full_and_nothing_is_half_saved(tmp_path: Path) -> None:
    db = Database(tmp_path / "full.db")
    key = store.create_key(db, name="k", rate_per_minute=5)

    @sa.event.listens_for(db.engine, "connect")
    def _cap(dbapi_conn: Any, _: Any) -> None:  # SQLite's own "database or disk is full" once it cannot grow
        pages = dbapi_conn.execute("pragma page_count").fetchone()[0]
        dbapi_conn.execute(f"pragma max_page_count = {pages}")

    db.engine.dispose()
    big = from_obj({"objectives": [{"title": f"Objective number {i} " + "word " * 300,
                                    "key_results": ["Raise win rate from 21% to 30%"]} for i in range(40)]})
    with pytest.raises(StoreUnavailable, match="full"):
        store.create_set(db, owner=key.id, okrs=big, report=review(big))
    assert db.one("select count(*) from okr_sets")[0] == 0


def test_a_damaged_file_and_an_uncreatable_folder_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database file at all" * 200)
    with pytest.raises(StoreUnavailable, match="damaged") as err:
        Database(bad)
    assert str(bad) in str(err.value)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot create the data folder"):
        Database(blocker / "sub" / "okr-coach.db")


def test_an_unreachable_postgresql_is_reported_as_unreachable() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreUnavailable, match="cannot reach the database") as err:
        Database(f"postgresql+psycopg://okr:secret@127.0.0.1:{port}/nowhere")
    assert "secret" not in str(err.value)  # the password never reaches a message
