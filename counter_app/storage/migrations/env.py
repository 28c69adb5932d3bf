"""Alembic environment for the counter's SQLite file.

Configured entirely in code (`storage/migrate.py`): the open connection arrives in
`config.attributes["connection"]`; there is no alembic.ini on user machines and no logging setup here,
so the app's own logging is left alone.
"""

from alembic import context

from counter_app.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Migrations must be run through counter_app.storage.migrate")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
