"""A one-row table that /healthz rewrites, so the probe fails when the store cannot take writes; it also holds
the store's random id, which scopes what instances sharing this store keep in Redis (rate-limit windows).

Revision ID: 0004
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "store_health",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("checked_at", sa.Text, nullable=False),
        sa.Column("checked_by", sa.Text),
        sa.Column("store_id", sa.Text, nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "checked_at": "never", "checked_by": None, "store_id": secrets.token_hex(8)}])
