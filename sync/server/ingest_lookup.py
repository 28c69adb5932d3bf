"""Where handlers find dossiers: one query at a time, or a batch's rows prefetched in one query."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from counter_app.domain.payloads import (
    ApologyPayload,
    AttachmentAddPayload,
    DossierCreatePayload,
    HandoverAddPayload,
    ResultReturnPayload,
    StatusChangePayload,
)
from counter_app.domain.payloads_money import FeeRequestPayload
from sync.server.auth import slots_held
from sync.server.models import Device, Dossier
from sync.server.op_checks import Prepared


class DossierLookup:
    """Where handlers find dossiers: the database one query at a time, or a batch's prefetched rows.

    The batch form is what makes a 10,000-dossier backlog cheap: one query finds every dossier the
    batch's operations name, and dossiers created earlier in the batch are found by later operations.
    """

    def __init__(self, session: Session, rows: Iterable[Dossier] | None = None) -> None:
        self.session = session
        self.batch = rows is not None
        self._by_id: dict[str, Dossier] = {}
        self._by_code: dict[str, Dossier] = {}
        self._slots: set[int] | None = None
        for row in rows or ():
            self.add(row)

    @classmethod
    def prefetch(cls, session: Session, items: Iterable[Prepared]) -> DossierLookup:
        ids, codes = set(), set()
        for item in items:
            payload = item.payload
            if isinstance(payload, DossierCreatePayload):
                ids.add(payload.id)
                codes.add(payload.code)
            elif isinstance(payload, StatusChangePayload | ApologyPayload | HandoverAddPayload | FeeRequestPayload):
                codes.add(payload.code)
            elif isinstance(payload, (AttachmentAddPayload, ResultReturnPayload)):
                codes.add(payload.dossier_code)
        rows = session.scalars(
            select(Dossier).where(or_(Dossier.id.in_(ids), Dossier.code.in_(codes))).with_for_update()
        ).all() if ids or codes else []
        return cls(session, rows)

    def add(self, dossier: Dossier) -> None:
        self._by_id[dossier.id] = dossier
        self._by_code[dossier.code] = dossier

    def by_id(self, dossier_id: str) -> Dossier | None:
        if self.batch:
            return self._by_id.get(dossier_id)
        return self.session.get(Dossier, dossier_id)

    def by_code(self, code: str) -> Dossier | None:
        if self.batch:
            return self._by_code.get(code)
        return self.session.scalar(select(Dossier).where(Dossier.code == code).with_for_update())

    def slots_held(self, device: Device) -> set[int]:
        """The device's desk slots, read once per batch (they cannot change under its epoch lock)."""
        if self._slots is None:
            self._slots = slots_held(self.session, device.id)
        return self._slots


