"""Alembic environment: runs on the connection handed over by storage.db.migrate."""

from __future__ import annotations

from alembic import context
from pledgewatch.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
)
with context.begin_transaction():
    context.run_migrations()
