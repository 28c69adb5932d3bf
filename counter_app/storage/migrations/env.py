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



def include_object(obj, name, type_, reflected, compare_to):
    """The FTS5 search index and its shadow tables are made by hand in SQL; autogenerate must not touch them."""
    return not (type_ == "table" and name is not None and name.startswith("dossier_fts"))


context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_object=include_object
)
with context.begin_transaction():
    context.run_migrations()
