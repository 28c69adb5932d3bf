"""Rows of the lifecycle records (supplement requests, apologies, hand-overs) and their domain dataclasses."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.dossier import DocumentLine
from counter_app.domain.lifecycle_records import (
    Apology,
    Handover,
    HandoverDirection,
    SupplementRequest,
    Timeliness,
)
from counter_app.storage.models import ApologyRow, DossierRow, HandoverRow, SupplementRequestRow


def lines_to_json(lines: tuple[DocumentLine, ...] | list[DocumentLine]) -> list[dict[str, object]]:
    return [asdict(line) for line in lines]


def supplement_from_row(row: SupplementRequestRow, code: str) -> SupplementRequest:
    return SupplementRequest(
        dossier_code=code,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        reason=row.reason,
        missing=tuple(DocumentLine(**line) for line in row.missing),
        due_at_before=row.due_at_before,
        supplied_at=row.supplied_at,
        supplied_by=row.supplied_by,
        due_at_after=row.due_at_after,
    )


def apology_from_row(row: ApologyRow, code: str) -> Apology:
    return Apology(dossier_code=code, at=row.at, by=row.by, reason=row.reason,
                   previous_due_at=row.previous_due_at, new_due_at=row.new_due_at)


def handover_from_row(row: HandoverRow, code: str) -> Handover:
    return Handover(dossier_code=code, direction=HandoverDirection(row.direction), at=row.at,
                    from_party=row.from_party, to_party=row.to_party, by=row.by, due_at=row.due_at,
                    outcome=Timeliness(row.outcome))


def open_supplement(session: Session, dossier: DossierRow) -> SupplementRequestRow | None:
    """The request still waiting for the citizen's papers (the newest), if any."""
    return session.scalar(
        select(SupplementRequestRow)
        .where(SupplementRequestRow.dossier_pk == dossier.pk, SupplementRequestRow.supplied_at.is_(None))
        .order_by(SupplementRequestRow.id.desc())
        .limit(1)
    )


def supplement_rows(session: Session, dossier: DossierRow) -> list[SupplementRequestRow]:
    return list(session.scalars(
        select(SupplementRequestRow).where(SupplementRequestRow.dossier_pk == dossier.pk).order_by(SupplementRequestRow.id)
    ))


def apology_rows(session: Session, dossier: DossierRow) -> list[ApologyRow]:
    return list(session.scalars(select(ApologyRow).where(ApologyRow.dossier_pk == dossier.pk).order_by(ApologyRow.id)))


def handover_rows(session: Session, dossier: DossierRow) -> list[HandoverRow]:
    return list(session.scalars(select(HandoverRow).where(HandoverRow.dossier_pk == dossier.pk).order_by(HandoverRow.id)))
