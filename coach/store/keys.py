"""API keys: high-entropy random tokens, shown once, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from pydantic import BaseModel

from coach.errors import InputError, NotFoundError
from coach.store.db import Database

KEY_PREFIX = "okc_"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ApiKey(BaseModel):
    """A stored key (never the key itself)."""

    id: int
    name: str
    prefix: str
    rate_per_minute: int
    created_at: str
    revoked_at: str | None = None


class NewKey(ApiKey):
    key: str  # shown once, at creation


def _row(r: tuple) -> ApiKey:
    return ApiKey(id=r[0], name=r[1], prefix=r[2], rate_per_minute=r[3], created_at=r[4], revoked_at=r[5])


_COLS = "id, name, prefix, rate_per_minute, created_at, revoked_at"


def create_key(db: Database, *, name: str, rate_per_minute: int) -> NewKey:
    """Create a key; the returned `key` is the only time it can be seen."""
    name = " ".join(name.split())
    if not name:
        raise InputError("a key needs a name", hint="okr-coach keys create --name my-script")
    if rate_per_minute < 1:
        raise InputError("the rate limit must be at least 1 request per minute")
    key = KEY_PREFIX + secrets.token_urlsafe(32)  # 256 bits of entropy
    with db.tx() as c:
        cur = c.execute("insert into api_keys (name, prefix, key_hash, rate_per_minute, created_at) values (?,?,?,?,?)",
                        (name, key[:10], hash_key(key), rate_per_minute, now()))
        kid = cur.lastrowid
        row = c.execute(f"select {_COLS} from api_keys where id = ?", (kid,)).fetchone()
    return NewKey(**_row(row).model_dump(), key=key)


def find_key(db: Database, key: str) -> ApiKey | None:
    """The active key matching the token, or None (unknown or revoked)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    h = hash_key(key)
    row = db.one(f"select {_COLS}, key_hash from api_keys where key_hash = ? and revoked_at is null", (h,))
    if row is None or not hmac.compare_digest(row[6], h):
        return None
    return _row(row[:6])


def list_keys(db: Database) -> list[ApiKey]:
    return [_row(r) for r in db.query(f"select {_COLS} from api_keys order by id")]


def revoke_key(db: Database, ident: str) -> ApiKey:
    """Revoke by id, name or prefix; it stops working at once."""
    with db.tx() as c:
        rows = c.execute(f"select {_COLS} from api_keys where (cast(id as text) = ? or name = ? or prefix = ?)"
                         " and revoked_at is null", (ident, ident, ident)).fetchall()
        if not rows:
            raise NotFoundError(f"no active key {ident!r}", hint="see okr-coach keys list")
        if len(rows) > 1:
            raise InputError(f"{ident!r} matches {len(rows)} keys", hint="revoke by id (okr-coach keys list)")
        c.execute("update api_keys set revoked_at = ? where id = ?", (now(), rows[0][0]))
        row = c.execute(f"select {_COLS} from api_keys where id = ?", (rows[0][0],)).fetchone()
    return _row(row)
