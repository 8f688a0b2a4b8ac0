"""Schema migrations, in order: MIGRATIONS[i] brings the database to user_version i + 1. Never edit one; add one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def m001_api_keys(conn: Any) -> None:
    conn.execute("""
        create table api_keys (
            id integer primary key,
            name text not null,
            prefix text not null,                 -- first characters of the key, to recognise it in listings
            key_hash text not null unique,        -- sha256 of the key; the key itself is never stored
            rate_per_minute integer not null,
            created_at text not null,
            revoked_at text
        )""")


def m002_sets(conn: Any) -> None:
    conn.execute("""
        create table okr_sets (
            id text primary key,
            owner_key integer not null references api_keys(id),
            name text,
            current_version integer not null,
            created_at text not null,
            updated_at text not null
        )""")
    conn.execute("create index okr_sets_owner on okr_sets(owner_key, updated_at)")
    conn.execute("""
        create table set_versions (
            set_id text not null references okr_sets(id),
            version integer not null,
            okrs_json text not null,
            note text,
            created_at text not null,
            primary key (set_id, version)
        )""")
    conn.execute("""
        create table reviews (
            id integer primary key,
            set_id text not null,
            version integer not null,
            score integer not null,
            rubric_version text,
            report_json text not null,
            created_at text not null,
            foreign key (set_id, version) references set_versions(set_id, version)
        )""")
    conn.execute("create index reviews_version on reviews(set_id, version)")


def m003_checkins(conn: Any) -> None:
    conn.execute("""
        create table checkins (
            id integer primary key,
            set_id text not null,
            version integer not null,
            note text,
            created_at text not null,
            foreign key (set_id, version) references set_versions(set_id, version)
        )""")
    conn.execute("create index checkins_set on checkins(set_id, id)")
    conn.execute("""
        create table checkin_values (
            checkin_id integer not null references checkins(id),
            objective_index integer not null,
            kr_index integer not null,
            value real not null,
            primary key (checkin_id, objective_index, kr_index)
        )""")


MIGRATIONS: list[Callable[[Any], None]] = [m001_api_keys, m002_sets, m003_checkins]
