"""A SQLite cache of model answers: identical requests (model, messages, schema, parameters) are not re-sent."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any


def request_key(payload: dict[str, Any]) -> str:
    """A stable hash of everything that determines the answer (never the API key)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class ResponseCache:
    """Thread-safe key -> raw model text store; unreadable or unwritable caches are skipped, never fatal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection | None:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, check_same_thread=False, timeout=5)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
                    "content TEXT NOT NULL, usage TEXT NOT NULL, created REAL NOT NULL)"
                )
                conn.commit()
                self._conn = conn
            except (sqlite3.Error, OSError):  # a data folder that cannot be created or written: no cache
                return None
        return self._conn

    def get(self, key: str) -> tuple[str, dict[str, int]] | None:
        with self._lock:
            db = self._db()
            if db is None:
                return None
            try:
                row = db.execute("SELECT content, usage FROM answers WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error:
                return None
        return (row[0], json.loads(row[1])) if row else None

    def put(self, key: str, model: str, content: str, usage: dict[str, int]) -> None:
        with self._lock:
            db = self._db()
            if db is None:
                return
            try:
                with db:
                    db.execute(
                        "INSERT OR REPLACE INTO answers (key, model, content, usage, created) VALUES (?, ?, ?, ?, ?)",
                        (key, model, content, json.dumps(usage), time.time()),
                    )
            except sqlite3.Error:
                pass

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
