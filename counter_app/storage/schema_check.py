"""Is a database file's schema exactly the one this app's migrations build? (a file handed to a restore)

SQLite keeps code in the file itself: a trigger runs on every insert or update of its table, a view with
an INSTEAD OF trigger runs on every write to it. A backup from a USB stick is untrusted: a doctored
file could carry a trigger that quietly rewrites receipts, or lack the app's own triggers that keep
receipts immutable, closed days closed and codes unique after a restore (migrations 0014, 0015, 0019).
So a restored copy, once migrated to the head, must hold exactly the schema objects of a new database at
the head, with the same SQL (whitespace aside): every released schema migrated to the head does
(tests/storage/test_restore_hostile.py checks it on tests/fixtures/db). SQLite's statistics tables
(`sqlite_stat*`, written by ANALYZE) are data, not code, and are ignored.
"""

from __future__ import annotations

import sqlite3
import tempfile
from functools import cache
from pathlib import Path

SchemaObject = tuple[str, str, str]  # type, name, table
KINDS = {"table": "bảng", "index": "chỉ mục", "trigger": "trigger (bộ kích hoạt)", "view": "khung nhìn (view)"}


def schema_objects(connection: sqlite3.Connection) -> dict[SchemaObject, str]:
    """Every schema object with its SQL, whitespace folded (ALTER TABLE keeps the text as typed)."""
    rows = connection.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\'"
    )
    return {(kind, name, table): " ".join((sql or "").split()) for kind, name, table, sql in rows}


@cache
def head_schema() -> dict[SchemaObject, str]:
    """The schema of a new database at the head (built once per process in a temporary folder: ~0.2 s)."""
    from counter_app.storage.database import create_sqlite_engine
    from counter_app.storage.migrate import upgrade_to_head

    with tempfile.TemporaryDirectory(prefix="counter-schema-") as folder:
        path = Path(folder) / "head.sqlite"
        engine = create_sqlite_engine(path)
        try:
            upgrade_to_head(engine, path)
        finally:
            engine.dispose()
        connection = sqlite3.connect(path)
        try:
            return schema_objects(connection)
        finally:
            connection.close()


def schema_differences(connection: sqlite3.Connection) -> list[str]:
    """How the schema behind `connection` differs from the head's, in Vietnamese ([] when it is the same)."""
    found, expected = schema_objects(connection), head_schema()
    extra = [f"thừa {KINDS.get(kind, kind)} «{name[:60]}»" for kind, name, _ in sorted(found.keys() - expected.keys())]
    missing = [f"thiếu {KINDS.get(kind, kind)} «{name[:60]}»" for kind, name, _ in sorted(expected.keys() - found.keys())]
    changed = [f"{KINDS.get(kind, kind)} «{name[:60]}» bị sửa" for kind, name, table in sorted(found.keys() & expected.keys())
               if found[(kind, name, table)] != expected[(kind, name, table)]]
    return extra + missing + changed
