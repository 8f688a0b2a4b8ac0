"""`okr-coach keys create|list|revoke`: API keys for the service, stored only as hashes."""

from __future__ import annotations

import argparse
import json


def _db():  # noqa: ANN202
    from coach.settings import get_settings
    from coach.store import open_database

    return open_database(get_settings().db_path), get_settings()


def cmd_create(args: argparse.Namespace) -> int:
    from coach.store import create_key

    db, settings = _db()
    key = create_key(db, name=args.name, rate_per_minute=args.rate or settings.rate_limit_per_minute)
    if args.json:
        print(json.dumps(key.model_dump(), indent=2))
    else:
        print(key.key)
        print(f"key {key.id} ({key.name}, {key.rate_per_minute} requests/minute) created. "
              "This is the only time the key is shown: store it now.", flush=True)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from coach.store import list_keys

    db, _ = _db()
    keys = list_keys(db)
    if args.json:
        print(json.dumps([k.model_dump() for k in keys], indent=2))
        return 0
    if not keys:
        print("no keys yet: okr-coach keys create --name NAME")
    for k in keys:
        state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
        print(f"{k.id:>4}  {k.prefix}…  {k.name:<24} {k.rate_per_minute:>5}/min  created {k.created_at}  {state}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from coach.store import revoke_key

    db, _ = _db()
    key = revoke_key(db, args.key)
    print(f"key {key.id} ({key.name}) revoked")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="Create, list and revoke API keys for the service.")
    ks = p.add_subparsers(dest="keys_command", metavar="ACTION")
    ks.required = True
    c = ks.add_parser("create", help="Create a key (printed once; only its hash is stored).")
    c.add_argument("--name", required=True, help="Who or what uses the key.")
    c.add_argument("--rate", type=int, default=None, help="Requests per minute (default OKR_COACH_RATE_LIMIT_PER_MINUTE).")
    c.add_argument("--json", action="store_true", help="Print the key and its record as JSON.")
    c.set_defaults(func=cmd_create)
    ls = ks.add_parser("list", help="List keys (never the keys themselves).")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    r = ks.add_parser("revoke", help="Revoke a key by id, name or prefix.")
    r.add_argument("key", help="Key id, name or prefix (see keys list).")
    r.set_defaults(func=cmd_revoke)
