"""Real PostgreSQL and Redis for the store, API and two-instance tests.

scripts/test.sh (and so .ci/run) starts a throwaway server of each and sets OKR_COACH_TEST_DATABASE_URL and
OKR_COACH_TEST_REDIS_URL. Run locally without them, these tests skip and say why; under CI=true a missing
server fails them instead (CI must never pass by skipping).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest


def need(var: str, what: str) -> str:
    url = os.environ.get(var)
    if url:
        return url
    message = f"{what} is not available: {var} is not set (scripts/test.sh starts a throwaway one)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + "; under CI these tests must run, not skip")
    pytest.skip(message)


def postgres_url() -> str:
    return need("OKR_COACH_TEST_DATABASE_URL", "PostgreSQL")


def redis_url() -> str:
    return need("OKR_COACH_TEST_REDIS_URL", "Redis")


def fresh_postgres_database() -> str:
    """A new, empty database on the test server (one per test module or test), as a SQLAlchemy URL."""
    import sqlalchemy as sa

    admin = postgres_url()
    name = "okr_t_" + secrets.token_hex(6)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            c.exec_driver_sql(f"create database {name}")
    finally:
        engine.dispose()
    return sa.make_url(admin).set(database=name).render_as_string(hide_password=False)


def store_url(kind: str, tmp: Path) -> str:
    """A fresh store of the given kind: a SQLite file under tmp, or a new PostgreSQL database."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / ('store-' + secrets.token_hex(4) + '.db')}"
    return fresh_postgres_database()


STORES = ["sqlite", "postgresql"]
