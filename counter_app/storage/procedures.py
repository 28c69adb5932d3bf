"""The procedure catalog as stored at this counter (imported from files, later pulled from the server)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.catalog import Procedure, procedure_from_dict, procedure_to_dict
from counter_app.domain.text import fold
from counter_app.storage.models import ProcedureRow


def _row_to_procedure(row: ProcedureRow) -> Procedure:
    times: dict[str, Any] = (
        {"times": row.time_rules}
        if row.time_rules is not None
        else {
            "processing_hours": row.processing_hours,
            "online_processing_hours": row.online_processing_hours,
            "time_unit": row.time_unit,
        }
    )
    data = {
        "code": row.code,
        "name": row.name,
        "sector": row.sector,
        "level": row.level,
        **times,
        "time_source": row.time_source or "",
        "fees": row.fees,
        "documents": row.documents,
        "result_delivery": row.result_delivery,
        "required_fields": row.required_fields,
        "is_sample": row.is_sample,
        "source": row.source,
        "note": row.note,
    }
    # One parser for every way a procedure enters the app: the stored row goes through it too.
    return procedure_from_dict(data)


def upsert_procedures(session: Session, procedures: list[Procedure], now: datetime) -> tuple[int, int]:
    """Insert new procedures and update known ones; returns (added, updated)."""
    added = updated = 0
    for procedure in procedures:
        data = procedure_to_dict(procedure)
        row = session.get(ProcedureRow, procedure.code)
        if row is None:
            row = ProcedureRow(code=procedure.code)
            session.add(row)
            added += 1
        else:
            updated += 1
        row.name = procedure.name
        row.name_folded = fold(f"{procedure.code} {procedure.name} {procedure.sector}")
        row.sector = procedure.sector
        row.level = procedure.level
        row.processing_hours = procedure.processing_hours
        row.online_processing_hours = procedure.online_processing_hours
        row.time_unit = procedure.time_unit.value
        row.time_rules = data.get("times")
        row.time_source = procedure.time_source
        row.fees = data["fees"]
        row.documents = data["documents"]
        row.result_delivery = data["result_delivery"]
        row.required_fields = list(procedure.required_fields)
        row.is_sample = procedure.is_sample
        row.source = procedure.source
        row.note = procedure.note
        row.active = True
        row.updated_at = now
    return added, updated


def get_procedure(session: Session, code: str) -> Procedure | None:
    row = session.get(ProcedureRow, code.strip())
    return _row_to_procedure(row) if row and row.active else None


def list_procedures(session: Session, query: str = "") -> list[Procedure]:
    stmt = select(ProcedureRow).where(ProcedureRow.active.is_(True)).order_by(ProcedureRow.code)
    rows = session.scalars(stmt).all()
    words = fold(query).split()
    return [_row_to_procedure(r) for r in rows if all(w in r.name_folded for w in words)]


def count_procedures(session: Session) -> int:
    return len(session.scalars(select(ProcedureRow.code)).all())
