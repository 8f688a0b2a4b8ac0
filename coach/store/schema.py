"""The service database's tables, as SQLAlchemy Core objects. The migrations in `migrations/versions` build them.

The same schema serves SQLite (the embedded default) and PostgreSQL: text timestamps (ISO 8601, UTC, "Z"),
JSON as text, integer ids that the database assigns.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),         # first characters of the key, to recognise it in listings
    sa.Column("key_hash", sa.Text, nullable=False, unique=True),  # sha256 of the key; the key is never stored
    sa.Column("rate_per_minute", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.Text),
)

okr_sets = sa.Table(
    "okr_sets", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("owner_key", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Index("okr_sets_owner", "owner_key", "updated_at"),
)

set_versions = sa.Table(
    "set_versions", metadata,
    sa.Column("set_id", sa.Text, sa.ForeignKey("okr_sets.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("okrs_json", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
)

reviews = sa.Table(
    "reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("set_id", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("rubric_version", sa.Text),
    sa.Column("report_json", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(["set_id", "version"], ["set_versions.set_id", "set_versions.version"]),
    sa.Index("reviews_version", "set_id", "version"),
)

checkins = sa.Table(
    "checkins", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("set_id", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(["set_id", "version"], ["set_versions.set_id", "set_versions.version"]),
    sa.Index("checkins_set", "set_id", "id"),
)

checkin_values = sa.Table(
    "checkin_values", metadata,
    sa.Column("checkin_id", sa.Integer, sa.ForeignKey("checkins.id"), primary_key=True),
    sa.Column("objective_index", sa.Integer, primary_key=True),
    sa.Column("kr_index", sa.Integer, primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
)

# One row that /healthz rewrites: proof that the store accepts writes (a read-only file or a full disk fails it).
store_health = sa.Table(
    "store_health", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("checked_at", sa.Text, nullable=False),
    sa.Column("checked_by", sa.Text),
    sa.Column("store_id", sa.Text, nullable=False),  # random, made with the table: names this store in Redis keys
)
