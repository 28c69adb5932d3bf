"""Where handlers find dossiers: one query at a time, or a batch's rows prefetched in one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from counter_app.domain.conflicts import Resolution
from counter_app.domain.payloads import (
    ApologyPayload,
    AttachmentAddPayload,
    DossierCreatePayload,
    HandoverAddPayload,
    ResultReturnPayload,
    StatusChangePayload,
)
from counter_app.domain.payloads_money import FeeRequestPayload, ReceiptIssuePayload
from sync.server.auth import slots_held
from sync.server.models import Conflict, ConflictResolution, Device, Dossier, OpLedger
from sync.server.op_checks import Prepared


def dossier_code_of(payload: object) -> str | None:
    """The dossier code an operation names (its own for a dossier.create), or None for one that names none."""
    if isinstance(payload, DossierCreatePayload | StatusChangePayload | ApologyPayload | HandoverAddPayload
                  | FeeRequestPayload):
        return payload.code
    if isinstance(payload, AttachmentAddPayload | ResultReturnPayload | ReceiptIssuePayload):
        return payload.dossier_code
    return None


@dataclass(frozen=True)
class Disputed:
    """A duplicate_code conflict of the device: its id (None until flushed), decision (None while open) and the
    ids the device's dossier.create gave its dossier (not the province's dossier's own)."""

    conflict_id: int | None
    resolution: str | None
    desk_ids: frozenset[str] = frozenset()

    @property
    def refuses_all(self) -> bool:
        """Open, or decided for the province's version (keep_server, reject)."""
        return self.resolution is None or not Resolution(self.resolution).applies_counter_version

    def refuses(self, entity_id: str) -> bool:
        """Whether an operation of the device naming `entity_id` must not touch the province's dossier: always
        while the conflict is open or when the province's version was kept; after a decision for the device's
        version (the two are one dossier, which keeps the province's id), only while the device still names
        its own id: it has not read the decision, and its steps the province refused meanwhile would be missing
        below this one (they go again, in order, once it has: counter_app/storage/conflict_notices.py)."""
        return self.refuses_all or entity_id in self.desk_ids

    def joined(self, other: Disputed) -> Disputed:
        """One code's two conflicts as one: an open one, or one decided for the province, refuses everything."""
        if self.refuses_all:
            return self
        if other.refuses_all:
            return other
        return replace(self, desk_ids=self.desk_ids | other.desk_ids)


# A device's duplicate_code conflicts (by the unit's conflict index), with the id its dossier.create named and
# the id of the province's dossier under the code.
_DISPUTED = (select(Conflict.dossier_code, Conflict.id, ConflictResolution.resolution, OpLedger.entity_id, Dossier.id)
             .outerjoin(ConflictResolution, ConflictResolution.conflict_id == Conflict.id)
             .outerjoin(OpLedger, and_(OpLedger.device_id == Conflict.device_id, OpLedger.op_id == Conflict.op_id))
             .outerjoin(Dossier, and_(Dossier.unit_code == Conflict.unit_code, Dossier.code == Conflict.dossier_code))
             .where(Conflict.unit_code == bindparam("unit"), Conflict.device_id == bindparam("device"),
                    Conflict.code == "duplicate_code"))


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
        self._disputed: dict[str, Disputed] | None = None
        for row in rows or ():
            self.add(row)

    @classmethod
    def prefetch(cls, session: Session, items: Iterable[Prepared]) -> DossierLookup:
        ids, codes = set(), set()
        for item in items:
            payload = item.payload
            if isinstance(payload, DossierCreatePayload):
                ids.add(payload.id)
            code = dossier_code_of(payload)
            if code is not None:
                codes.add(code)
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

    def disputed(self, device: Device) -> dict[str, Disputed]:
        """The dossier codes this device gave to a dossier the province holds another one under (its
        dossier.create ended in a duplicate_code conflict), open or decided (`Disputed.refuses` says what each
        refuses): read once per batch, and a conflict recorded earlier in the batch added to it."""
        if self._disputed is None:
            found: dict[str, Disputed] = {}
            for code, conflict_id, resolution, desk_id, province_id in self.session.execute(
                    _DISPUTED, {"unit": device.unit_code, "device": device.id}):
                ids = frozenset({desk_id}) if desk_id is not None and desk_id != province_id else frozenset()
                conflict = Disputed(conflict_id, resolution, ids)
                found[code] = found[code].joined(conflict) if code in found else conflict
            self._disputed = found
        return self._disputed

    def dispute(self, device: Device, code: str) -> None:
        """`code`'s dossier.create from `device` has just met another dossier under it (not flushed yet)."""
        self.disputed(device)[code] = Disputed(None, None)


