"""Check-ins and their values (was user_version 3, the last hand-written migration).

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("set_id", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(["set_id", "version"], ["set_versions.set_id", "set_versions.version"]),
    )
    op.create_index("checkins_set", "checkins", ["set_id", "id"])
    op.create_table(
        "checkin_values",
        sa.Column("checkin_id", sa.Integer, sa.ForeignKey("checkins.id"), primary_key=True),
        sa.Column("objective_index", sa.Integer, primary_key=True),
        sa.Column("kr_index", sa.Integer, primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )
