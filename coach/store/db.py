"""One SQLite connection per process, schema migrations as ordered functions, and transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlean

from coach.store.migrations import MIGRATIONS


class Database:
    """A serialized connection: every statement runs under one lock; writes use BEGIN IMMEDIATE."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly what we write.
        self.conn = sqlean.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self.lock = threading.RLock()
        with self.lock:
            self.conn.execute("pragma journal_mode=wal")
            self.conn.execute("pragma synchronous=full")  # an acknowledged write survives a power cut
            self.conn.execute("pragma foreign_keys=on")
            self.conn.execute("pragma busy_timeout=30000")
        migrate(self)

    @contextmanager
    def tx(self) -> Iterator[Any]:
        """A write transaction: all of it is committed, or (on any exception) none of it."""
        with self.lock:
            self.conn.execute("begin immediate")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("rollback")
                raise
            self.conn.execute("commit")

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def one(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        with self.lock:
            return self.conn.execute(sql, args).fetchone()

    @property
    def version(self) -> int:
        return int(self.one("pragma user_version")[0])  # type: ignore[index]

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def migrate(db: Database, migrations: list[Callable[[Any], None]] | None = None) -> int:
    """Apply the migrations the database has not seen, each with its user_version bump in one transaction."""
    steps = MIGRATIONS if migrations is None else migrations
    applied = 0
    for number, step in enumerate(steps, start=1):
        with db.tx() as conn:
            if int(conn.execute("pragma user_version").fetchone()[0]) >= number:
                continue
            step(conn)
            conn.execute(f"pragma user_version = {number}")
            applied += 1
    return applied


_OPEN: dict[str, Database] = {}
_OPEN_LOCK = threading.Lock()


def open_database(path: Path | str) -> Database:
    """The process-wide Database for a path (opened and migrated once)."""
    key = str(path)
    with _OPEN_LOCK:
        db = _OPEN.get(key)
        if db is None:
            db = _OPEN[key] = Database(path)
        return db
