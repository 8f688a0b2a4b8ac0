"""The service database through SQLAlchemy Core: SQLite (embedded default) or PostgreSQL (several instances).

- `open_database(url_or_path)` gives the process-wide `Database` for a URL (a plain path means SQLite).
- A new, empty database is created at the current schema. A database whose schema is behind is refused with a
  clear message until `okr-coach db upgrade` runs (several instances must not race to migrate a live store).
- Every write is one transaction (`Database.tx()`): on SQLite it starts with BEGIN IMMEDIATE, so two writers
  never deadlock on a lock upgrade; rows read to decide a write are locked with SELECT ... FOR UPDATE on PostgreSQL.
- Errors of the store itself (read-only file, full disk, corrupt file, database unreachable) become
  `StoreUnavailable` (HTTP 503 with the cause), never "a bug in okr-coach".
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc

from coach.errors import CoachError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x6F6B72  # pg_advisory_lock id held while migrating ("okr")


class StoreUnavailable(CoachError):
    """The database cannot serve the request: read-only, full, corrupt or unreachable. Not the caller's fault."""

    code = "store_unavailable"
    status = 503


class SchemaBehind(StoreUnavailable):
    """The database's schema is older (or newer) than this okr-coach expects."""

    code = "schema_mismatch"


def database_url(target: Path | str) -> str:
    """A SQLAlchemy URL: URLs pass through, anything else is a SQLite file path."""
    text = str(target)
    if "://" in text:
        return text
    return "sqlite://" if text == ":memory:" else f"sqlite:///{Path(text).expanduser()}"


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is reported by the caller
        return url.split("@")[-1]


def _cause(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    text = " ".join(str(orig).split())
    return text[:300] or type(orig).__name__


def unavailable(error: BaseException, url: str) -> StoreUnavailable:
    """The StoreUnavailable for a database error, saying what is wrong and what to do."""
    cause = _cause(error)
    low = cause.lower()
    where = redact(url)
    if "readonly" in low or "read-only" in low or "read only" in low:
        return StoreUnavailable(f"the database is read-only: {cause}", location=where,
                                hint="give the service write access to the database file and its folder")
    if "disk is full" in low or "no space" in low or "disk full" in low:
        return StoreUnavailable(f"the disk holding the database is full: {cause}", location=where,
                                hint="free space on that disk; nothing was saved")
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return StoreUnavailable(f"the database file is damaged: {cause}", location=where,
                                hint="restore it from a backup, or move it aside to start a new one")
    if "unable to open" in low or "connection" in low or "could not" in low or "timeout" in low:
        return StoreUnavailable(f"cannot reach the database: {cause}", location=where,
                                hint="check OKR_COACH_DATABASE_URL and that the database is running")
    if "locked" in low:
        return StoreUnavailable(f"the database stayed busy: {cause}", location=where, hint="retry in a moment")
    return StoreUnavailable(f"the database failed: {cause}", location=where, hint="the server log has the details")


def _is_store_failure(error: BaseException) -> bool:
    """Errors of the database itself (not of our SQL or of the data we sent)."""
    if isinstance(error, (exc.IntegrityError, exc.ProgrammingError, exc.DataError)):
        return False
    return isinstance(error, exc.DBAPIError) or isinstance(error, OSError)


def _make_engine(url: str) -> sa.Engine:
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            # a URI ("file:/path/db?mode=ro&uri=true") names its file after "file:"; its folder must exist already
            folder = Path(u.database.removeprefix("file:").split("?")[0]).parent
            try:
                if not u.database.startswith("file:"):
                    folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreUnavailable(f"cannot create the data folder {folder}: {e.strerror or e}",
                                       hint="set OKR_COACH_HOME to a folder you can write, or fix its permissions") from e
        engine = sa.create_engine(u, connect_args={"timeout": 30, "check_same_thread": False}, pool_pre_ping=False)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves: a transaction is exactly what we write
            cur = dbapi_conn.cursor()
            try:
                cur.execute("pragma busy_timeout=30000")
                cur.execute("pragma foreign_keys=on")
                cur.execute("pragma synchronous=full")  # an acknowledged write survives a power cut
                try:
                    cur.execute("pragma journal_mode=wal")  # readers never block the writer
                except Exception:  # noqa: BLE001 - a read-only file keeps its journal mode; writes report it
                    pass
            finally:
                cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("okr_write") else "BEGIN")

        return engine
    return sa.create_engine(u, pool_pre_ping=True, pool_size=8, max_overflow=8, pool_timeout=30)


class Database:
    """An engine plus the transactions the store uses; thread-safe (a connection pool, one connection per use)."""

    def __init__(self, target: Path | str, *, create: bool = True, check: bool = True) -> None:
        self.url = database_url(target)
        self.engine = _make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self.path = sa.make_url(self.url).database if self.dialect == "sqlite" else None
        self.pid = os.getpid()
        if check:
            ensure_schema(self, create=create)

    @contextmanager
    def tx(self) -> Iterator[sa.Connection]:
        """A write transaction: all of it is committed, or (on any exception) none of it."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(okr_write=True)
                with conn.begin():
                    yield conn
        except Exception as e:
            if _is_store_failure(e):
                raise unavailable(e, self.url) from e
            raise

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read-only transaction: one consistent view on SQLite."""
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except Exception as e:
            if _is_store_failure(e):
                raise unavailable(e, self.url) from e
            raise

    def first_row(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """One row of one SELECT, straight on a pooled driver connection: for the per-request lookups (an API key
        on every call) where SQLAlchemy's statement and transaction layers cost ten times the query itself.
        `sql` uses ? placeholders; a single statement needs no transaction to see one consistent state."""
        if self.dialect != "sqlite":
            sql = sql.replace("?", "%s")
        try:
            conn = self.engine.raw_connection()
            try:
                cur = conn.cursor()
                try:
                    cur.execute(sql, params)
                    row = cur.fetchone()
                finally:
                    cur.close()
                if self.dialect != "sqlite":
                    conn.rollback()  # end the driver's implicit transaction before the connection goes back
            finally:
                conn.close()
        except Exception as e:
            if _is_store_failure(e):
                raise unavailable(e, self.url) from e
            raise
        return None if row is None else tuple(row)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Raw SQL with :named parameters (tests and admin commands)."""
        with self.read() as c:
            return [tuple(r) for r in c.execute(sa.text(sql), params or {})]

    def one(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    @property
    def revision(self) -> str | None:
        return current_revision(self)

    @property
    def version(self) -> int:
        """The schema revision as a number (revisions are 0001, 0002, ...); 0 for an empty database."""
        rev = self.revision
        return int(rev) if rev and rev.isdigit() else 0

    @property
    def store_id(self) -> str:
        """This store's random id (the same for every instance that shares it)."""
        if getattr(self, "_store_id", None) is None:
            from coach.store.schema import store_health

            with self.read() as c:
                self._store_id = c.execute(sa.select(store_health.c.store_id).where(store_health.c.id == 1)).scalar_one()
        return self._store_id

    def check_writable(self, who: str | None = None) -> None:
        """Rewrite the health row: raises StoreUnavailable when the store cannot take a write."""
        from coach.store.keys import now
        from coach.store.schema import store_health

        with self.tx() as c:
            c.execute(sa.update(store_health).where(store_health.c.id == 1).values(checked_at=now(), checked_by=who))

    def close(self) -> None:
        self.engine.dispose()


# --- schema revisions -------------------------------------------------------------------------------------------

def _alembic_config(conn: sa.Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


def _legacy_version(conn: sa.Connection) -> int:
    """user_version of a SQLite file made by the hand-written runner (0.1.0), 0 otherwise."""
    if conn.dialect.name != "sqlite":
        return 0
    return int(conn.exec_driver_sql("pragma user_version").scalar() or 0)


def _revision_of(conn: sa.Connection) -> str | None:
    insp = sa.inspect(conn)
    if insp.has_table("alembic_version"):
        return conn.execute(sa.text("select version_num from alembic_version")).scalar()
    legacy = _legacy_version(conn)
    if legacy and insp.has_table("api_keys"):
        return f"{legacy:04d}"
    return None


def current_revision(db: Database) -> str | None:
    """The schema revision the database is at (None: empty)."""
    with db.read() as conn:
        return _revision_of(conn)


def _is_empty(conn: sa.Connection) -> bool:
    return not sa.inspect(conn).get_table_names()


@contextmanager
def _migration_lock(db: Database) -> Iterator[None]:
    """One migrator at a time across processes: a lock file beside a SQLite file, an advisory lock on PostgreSQL."""
    if db.dialect == "sqlite":
        if not db.path or db.path == ":memory:":
            yield
            return
        from filelock import FileLock

        try:
            lock = FileLock(db.path + ".migrate.lock", timeout=120)
            with lock:
                yield
        except OSError as e:
            raise StoreUnavailable(f"cannot lock {db.path} for migration: {e}", hint="check the folder's permissions") from e
        return
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(sa.text("select pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
        return
    yield


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to `revision` (default the newest); returns (before, after). Safe to run concurrently."""
    from alembic import command

    try:
        with _migration_lock(db):
            with db.engine.connect() as conn:
                before = _revision_of(conn)
                conn.commit()
                cfg = _alembic_config(conn)
                if before is not None and not sa.inspect(conn).has_table("alembic_version"):
                    # A 0.1.0 SQLite file: record which hand-written migrations it already has, then go on.
                    command.stamp(cfg, before)
                    conn.commit()
                command.upgrade(cfg, revision)
                conn.commit()
                after = _revision_of(conn)
                conn.commit()
    except CoachError:
        raise
    except Exception as e:
        if _is_store_failure(e):
            raise unavailable(e, db.url) from e
        raise
    return before, after


def ensure_schema(db: Database, *, create: bool = True) -> None:
    """Create an empty database; refuse one whose schema is behind or ahead of this code."""
    head = head_revision()
    try:
        with db.read() as conn:
            rev = _revision_of(conn)
            empty = rev is None and _is_empty(conn)
    except exc.DBAPIError as e:
        raise unavailable(e, db.url) from e
    if rev == head:
        return
    if rev is None and empty and create:
        upgrade(db)
        return
    if rev is None:
        raise SchemaBehind("the database holds tables but no okr-coach schema revision", location=redact(db.url),
                           hint="point OKR_COACH_DATABASE_URL at a database of its own")
    if rev.isdigit() and head.isdigit() and int(rev) > int(head):
        raise SchemaBehind(f"the database schema is at revision {rev}, newer than this okr-coach ({head})",
                           location=redact(db.url), hint="upgrade okr-coach on this machine")
    raise SchemaBehind(f"the database schema is at revision {rev}; this okr-coach needs {head}",
                       location=redact(db.url),
                       hint="back it up, then run `okr-coach db upgrade` once, with the same OKR_COACH_DATABASE_URL or OKR_COACH_HOME")


_OPEN: dict[str, Database] = {}
_OPEN_LOCK = threading.Lock()


def open_database(target: Path | str) -> Database:
    """The process-wide Database for a URL or SQLite path (opened and checked once per process)."""
    key = database_url(target)
    with _OPEN_LOCK:
        db = _OPEN.get(key)
        if db is not None and db.pid != os.getpid():  # a forked worker must not share the parent's connections
            db = None
        if db is None:
            db = _OPEN[key] = Database(key)
        return db
