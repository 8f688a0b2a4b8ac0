"""A cache of model answers: identical requests (model, messages, schema, parameters) are not re-sent.

A SQLite file per machine by default; Redis when OKR_COACH_REDIS_URL is set, so that every worker and instance
shares what any of them has asked. Either way a cache that fails is skipped, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("coach.llm")


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


class RedisResponseCache:
    """The same interface in Redis: one key per answer, expiring after `ttl_s` (answers of a model do not change,
    but a cache shared by many instances must not grow without bound)."""

    def __init__(self, url: str, *, prefix: str = "okr-coach:llm:", ttl_s: int = 30 * 24 * 3600) -> None:
        import redis

        self.url = url
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._warned = False

    def _skip(self, exc: Exception) -> None:
        if not self._warned:
            log.warning("model-answer cache in Redis unavailable (%s); asking the model instead", exc)
            self._warned = True

    def get(self, key: str) -> tuple[str, dict[str, int]] | None:
        try:
            raw = self._client.get(self.prefix + key)
        except Exception as exc:  # noqa: BLE001 - redis raises its own ConnectionError/TimeoutError families
            self._skip(exc)
            return None
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            return entry["content"], entry["usage"]
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, model: str, content: str, usage: dict[str, int]) -> None:
        entry = json.dumps({"model": model, "content": content, "usage": usage, "created": time.time()})
        try:
            self._client.set(self.prefix + key, entry, ex=self.ttl_s)
        except Exception as exc:  # noqa: BLE001
            self._skip(exc)

    def close(self) -> None:
        try:
            self._client.close()
        except Exception:  # noqa: BLE001
            pass


def open_cache(settings: Any) -> ResponseCache | RedisResponseCache | None:
    """The configured cache: None when off, Redis when OKR_COACH_REDIS_URL is set, else the SQLite file."""
    if not settings.llm_cache:
        return None
    if getattr(settings, "redis_url", None):
        return RedisResponseCache(settings.redis_url)
    return ResponseCache(settings.cache_path)
