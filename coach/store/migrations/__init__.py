"""Alembic migrations of the service database (run by `okr-coach db upgrade`). Never edit one; add one."""
