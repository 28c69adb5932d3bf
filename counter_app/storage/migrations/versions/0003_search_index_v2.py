"""Search index v2: one-letter prefixes indexed, the unit part of codes left out

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

"tran thi h" was slow (no index for one-letter prefixes) and wrong (every row held the token "h15" of
the unit code). The index is rebuilt from the dossier table; the fold is written out here, frozen, so
that this migration keeps doing what it did when later code changes.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 20_000


def _fold(value: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", value or ""))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def _code_text(code: str) -> str:
    parts = code.split("-")
    return " ".join(parts[-2:]) if len(parts) >= 3 else code


def _body(row: sa.Row) -> str:
    import json

    parts = [_code_text(row.code), row.applicant_name, row.applicant_id_number, row.applicant_phone]
    submitter = json.loads(row.submitter) if isinstance(row.submitter, str) else row.submitter
    if submitter:  # a JSON column holding no submitter stores the text "null"
        parts += [submitter.get("full_name", ""), submitter.get("id_number", ""), submitter.get("phone", "")]
    return _fold(" ".join(p for p in parts if p))


def _rebuild(prefix: str, body: "Callable[[sa.Row], str]") -> None:
    connection = op.get_bind()
    op.execute("DROP TABLE dossier_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE dossier_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2', prefix='{prefix}')"
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT pk, code, applicant_name, applicant_id_number, applicant_phone, submitter FROM dossier "
                "WHERE pk > :last ORDER BY pk LIMIT :n"
            ),
            {"last": last, "n": CHUNK},
        ).all()
        if not rows:
            break
        connection.execute(
            sa.text("INSERT INTO dossier_fts(rowid, body) VALUES (:pk, :body)"),
            [{"pk": row.pk, "body": body(row)} for row in rows],
        )
        last = rows[-1].pk


def upgrade() -> None:
    _rebuild("1 2 3", _body)


def downgrade() -> None:
    def old_body(row: sa.Row) -> str:
        return _fold(" ".join([row.code, row.applicant_name, row.applicant_id_number, row.applicant_phone]))

    _rebuild("2 3", old_body)
