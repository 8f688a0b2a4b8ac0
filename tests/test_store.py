"""The service database: ordered migrations, transactions that are all or nothing, data that survives a reopen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coach import store
from coach.io import from_obj
from coach.rubric import review
from coach.store.db import Database, migrate
from coach.store.migrations import MIGRATIONS

OKRS = from_obj({"period": "2026-Q3", "team": "Sales", "objectives": [
    {"title": "Customers choose us first when they renew", "key_results": ["Raise win rate from 21% to 30%"]}]})


def test_a_new_database_runs_every_migration_in_order(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.db")
    assert db.version == len(MIGRATIONS) == 3
    tables = {r[0] for r in db.query("select name from sqlite_master where type = 'table'")}
    assert {"api_keys", "okr_sets", "set_versions", "reviews", "checkins", "checkin_values"} <= tables
    assert migrate(db) == 0  # already current: nothing runs twice


def test_migrations_apply_only_what_is_missing(tmp_path: Path) -> None:
    seen: list[str] = []

    def step(name: str) -> Any:
        def run(conn: Any) -> None:
            seen.append(name)
            conn.execute(f"create table {name} (x)")
        return run

    db = Database(tmp_path / "b.db")
    base = list(MIGRATIONS)
    assert migrate(db, base + [step("m4")]) == 1 and db.version == 4
    assert migrate(db, base + [step("m4"), step("m5")]) == 1 and seen == ["m4", "m5"]


def test_a_failing_migration_leaves_the_schema_as_it_was(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.db")

    def broken(conn: Any) -> None:
        conn.execute("create table half_done (x)")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        migrate(db, list(MIGRATIONS) + [broken])
    assert db.version == 3
    assert db.one("select count(*) from sqlite_master where name = 'half_done'")[0] == 0


def test_a_crash_mid_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(tmp_path / "d.db")
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


def test_accepted_writes_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    db = Database(path)
    key = store.create_key(db, name="k", rate_per_minute=10)
    saved = store.create_set(db, owner=key.id, okrs=OKRS, report=review(OKRS), name="mine")
    store.add_checkin(db, owner=key.id, set_id=saved.id, values=[store.CheckInValue(objective_index=0, kr_index=0,
                                                                                     value=25)])
    db.close()
    again = Database(path)
    assert store.find_key(again, key.key) is not None
    got = store.get_set(again, owner=key.id, set_id=saved.id)
    assert got.okrs == OKRS and got.report == review(OKRS) and got.name == "mine"
    assert store.list_checkins(again, owner=key.id, set_id=saved.id)[0].values[0].value == 25


def test_keys_are_found_by_hash_and_revoked_keys_are_not(tmp_path: Path) -> None:
    db = Database(tmp_path / "f.db")
    k = store.create_key(db, name="ci", rate_per_minute=5)
    assert store.find_key(db, k.key).id == k.id
    assert store.find_key(db, k.key + "x") is None and store.find_key(db, "") is None
    stored = db.one("select key_hash from api_keys where id = ?", (k.id,))[0]
    assert stored == store.keys.hash_key(k.key) and k.key not in stored
    store.revoke_key(db, "ci")
    assert store.find_key(db, k.key) is None
    with pytest.raises(store.keys.NotFoundError):
        store.revoke_key(db, "ci")
