"""Alembic environment of the provincial server, driven from sync/server/db.py (no alembic.ini)."""

from alembic import context

from sync.server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Server migrations must be run through sync.server.db.migrate")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
