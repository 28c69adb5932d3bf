"""Many dossiers fast: a template made by the app's demo service, copied set-based up to the size a test needs.

`generate_demo_dossiers` builds each dossier in Python (calendar, codes, history, desk records): about a
minute for 100,000 on the CI machine. A test that needs a big table for its size alone (the search screen
on 100,000 dossiers) makes a few thousand real ones and copies them in one INSERT … SELECT per table, with
fresh keys, ids and codes: the same names, ID numbers and phones repeat, as they do in the template
already. Copies get their search entries (the FTS index keyed by the dossier's pk) but no history or desk
records: the search reads neither. bench/worklists.py copies the same way for its worklist figures.
"""

from __future__ import annotations

from sqlalchemy import text

from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.storage.database import Database

TEMPLATE_DOSSIERS = 2_000
_COPIES = "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < :copies) "


def make_many_dossiers(db: Database, count: int, *, seed: int, template: int = TEMPLATE_DOSSIERS) -> int:
    """Fill an empty counter database with `count` dossiers; returns how many it holds."""
    made = generate_demo_dossiers(db, min(count, template), seed=seed)
    with db.write() as session:
        if session.scalar(text("SELECT count(*) FROM dossier")) != made or made == 0:
            raise ValueError("make_many_dossiers needs a database without dossiers")
        if session.scalar(text("SELECT max(pk) FROM dossier")) != made:
            raise ValueError("the template's keys must be 1..n for the copies' keys to be free")
        copies = -(-count // made) - 1
        params = {"made": made, "copies": copies, "count": count}
        if copies > 0:
            columns = [row[1] for row in session.execute(text("PRAGMA table_info(dossier)"))]
            replaced = {
                "pk": "k.i * :made + t.pk",
                "id": "printf('%08x-0000-4000-8000-%012x', k.i, t.pk)",  # uuid5 ids never have 4000-8000
                "code": "t.code || '.' || k.i",
                "register_book": "NULL",
                "register_number": "NULL",
            }
            select_list = ", ".join(replaced.get(column, f"t.{column}") for column in columns)
            # The secondary indexes are dropped and made again after: one sort each instead of scattered inserts.
            indexes = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                           "AND tbl_name = 'dossier' AND sql IS NOT NULL")).all()
            for name, _ in indexes:
                session.execute(text(f'DROP INDEX "{name}"'))
            session.execute(text(  # column names from PRAGMA, the rest constants
                f"INSERT INTO dossier ({', '.join(columns)}) {_COPIES}SELECT {select_list} "
                "FROM k CROSS JOIN dossier AS t WHERE k.i * :made + t.pk <= :count"), params)
            for _, sql in indexes:
                session.execute(text(sql))
            session.execute(text(
                f"INSERT INTO dossier_fts (rowid, body) {_COPIES}SELECT k.i * :made + f.rowid, f.body "
                "FROM k CROSS JOIN dossier_fts AS f WHERE f.rowid <= :made AND k.i * :made + f.rowid <= :count"),
                params)
        return int(session.scalar(text("SELECT count(*) FROM dossier")) or 0)
