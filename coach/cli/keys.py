"""`okr-coach keys create|list|revoke|delete` and `okr-coach sets delete`: API keys (stored only as hashes)
and an operator's way to remove saved data."""

from __future__ import annotations

import argparse
import json

from coach.errors import InputError


def _db():  # noqa: ANN202
    from coach.settings import get_settings
    from coach.store import open_database

    return open_database(get_settings().database), get_settings()


def cmd_create(args: argparse.Namespace) -> int:
    from coach.store import create_key

    if args.rate is not None and args.rate < 1:
        raise InputError(f"--rate must be at least 1 request per minute, not {args.rate}",
                         hint="leave --rate out to use OKR_COACH_RATE_LIMIT_PER_MINUTE")
    db, settings = _db()
    rate = settings.rate_limit_per_minute if args.rate is None else args.rate
    key = create_key(db, name=args.name, rate_per_minute=rate)
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


def cmd_delete(args: argparse.Namespace) -> int:
    from coach.store import delete_key

    if not args.yes:
        raise InputError("deleting a key also deletes every set it saved, and cannot be undone",
                         hint=f"run again with --yes: okr-coach keys delete {args.key} --yes "
                              "(or `keys revoke` to stop the key and keep its sets)")
    db, _ = _db()
    key, sets = delete_key(db, args.key)
    print(f"key {key.id} ({key.name}) deleted with {sets} saved set(s)")
    return 0


def cmd_set_delete(args: argparse.Namespace) -> int:
    from coach.store import delete_set

    if not args.yes:
        raise InputError("deleting a set removes every version, review and check-in of it, and cannot be undone",
                         hint=f"run again with --yes: okr-coach sets delete {args.set_id} --yes")
    db, _ = _db()
    versions = delete_set(db, owner=None, set_id=args.set_id)
    print(f"set {args.set_id} deleted ({versions} version(s))")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="Create, list, revoke and delete API keys for the service.")
    ks = p.add_subparsers(dest="keys_command", metavar="ACTION")
    ks.required = True
    c = ks.add_parser("create", help="Create a key (printed once; only its hash is stored).")
    c.add_argument("--name", required=True, help="Who or what uses the key.")
    c.add_argument("--rate", type=int, default=None,
                   help="Requests per minute, at least 1 (default OKR_COACH_RATE_LIMIT_PER_MINUTE).")
    c.add_argument("--json", action="store_true", help="Print the key and its record as JSON.")
    c.set_defaults(func=cmd_create)
    ls = ks.add_parser("list", help="List keys (never the keys themselves).")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    r = ks.add_parser("revoke", help="Revoke a key by id, name or prefix (its sets stay).")
    r.add_argument("key", help="Key id, name or prefix (see keys list).")
    r.set_defaults(func=cmd_revoke)
    d = ks.add_parser("delete", help="Delete a key and every set it saved.")
    d.add_argument("key", help="Key id, name or prefix (see keys list).")
    d.add_argument("--yes", action="store_true", help="Confirm: this cannot be undone.")
    d.set_defaults(func=cmd_delete)

    s = sub.add_parser("sets", help="Operator actions on saved sets (any key's).")
    ss = s.add_subparsers(dest="sets_command", metavar="ACTION")
    ss.required = True
    sd = ss.add_parser("delete", help="Delete a saved set with every version, review and check-in.")
    sd.add_argument("set_id", help="The set's id (set_...).")
    sd.add_argument("--yes", action="store_true", help="Confirm: this cannot be undone.")
    sd.set_defaults(func=cmd_set_delete)
