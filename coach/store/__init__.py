"""The service database: API keys, saved OKR sets with versions, reviews and check-ins (SQLite or PostgreSQL)."""

from coach.store.db import Database, SchemaBehind, StoreUnavailable, open_database
from coach.store.keys import ApiKey, NewKey, create_key, delete_key, find_key, list_keys, revoke_key
from coach.store.sets import (
    CheckIn,
    CheckInValue,
    ConflictError,
    SavedSet,
    SetSummary,
    VersionSummary,
    add_checkin,
    create_set,
    delete_set,
    get_set,
    list_checkins,
    list_sets,
    list_versions,
    update_set,
)

__all__ = [
    "Database", "SchemaBehind", "StoreUnavailable", "open_database", "ApiKey", "NewKey", "create_key", "delete_key",
    "find_key", "list_keys", "revoke_key", "delete_set",
    "CheckIn", "CheckInValue", "ConflictError", "SavedSet", "SetSummary", "VersionSummary", "add_checkin",
    "create_set", "get_set", "list_checkins", "list_sets", "list_versions", "update_set",
]
