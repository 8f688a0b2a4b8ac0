"""`okr-coach db upgrade|current`: the service database's schema (Alembic migrations shipped in the package)."""

from __future__ import annotations

import argparse


def _db():  # noqa: ANN202
    from coach.settings import get_settings
    from coach.store.db import Database

    return Database(get_settings().database, check=False)


def cmd_current(args: argparse.Namespace) -> int:
    from coach.store.db import head_revision, redact

    db = _db()
    rev, head = db.revision, head_revision()
    state = "empty" if rev is None else ("current" if rev == head else f"behind: run `okr-coach db upgrade` to reach {head}")
    print(f"{redact(db.url)}: revision {rev or '-'} ({state})")
    return 0 if rev == head else 1


def cmd_upgrade(args: argparse.Namespace) -> int:
    from coach.store.db import redact, upgrade

    db = _db()
    before, after = upgrade(db, args.revision)
    if before == after:
        print(f"{redact(db.url)}: already at revision {after}")
    else:
        print(f"{redact(db.url)}: upgraded from revision {before or '(empty)'} to {after}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="Show or upgrade the service database's schema.",
                       description="The store is OKR_COACH_DATABASE_URL (PostgreSQL) or the SQLite file in "
                                   "OKR_COACH_HOME. `serve` refuses a schema that is behind: run `db upgrade` once.")
    ds = p.add_subparsers(dest="db_command", metavar="ACTION")
    ds.required = True
    c = ds.add_parser("current", help="Print the schema revision (exit 1 when it is not the newest).")
    c.set_defaults(func=cmd_current)
    u = ds.add_parser("upgrade", help="Apply the migrations the database has not seen (safe to run twice).")
    u.add_argument("revision", nargs="?", default="head", help=argparse.SUPPRESS)
    u.set_defaults(func=cmd_upgrade)
