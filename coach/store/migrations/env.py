"""Alembic environment: always called by coach.store.db with an open connection (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
# One transaction per migration, its version bump included: a failing step leaves the schema as it was.
# SQLite and PostgreSQL both roll back DDL.
context.configure(connection=connection, target_metadata=None, transactional_ddl=True,
                  transaction_per_migration=True, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
