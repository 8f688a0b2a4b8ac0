"""Saved sets, their versions and reviews (was user_version 2).

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "okr_sets",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("owner_key", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    op.create_index("okr_sets_owner", "okr_sets", ["owner_key", "updated_at"])
    op.create_table(
        "set_versions",
        sa.Column("set_id", sa.Text, sa.ForeignKey("okr_sets.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("okrs_json", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("set_id", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("rubric_version", sa.Text),
        sa.Column("report_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(["set_id", "version"], ["set_versions.set_id", "set_versions.version"]),
    )
    op.create_index("reviews_version", "reviews", ["set_id", "version"])
