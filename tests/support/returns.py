"""Helpers for the tests of returning results: a dossier whose result is ready, an item range."""

from __future__ import annotations

from counter_app.domain.lifecycle import Status
from counter_app.domain.postal_codes import ITEM_SERIES
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import NumberRange


def result_ready_dossier(db: Database, name: str = "Nguyễn Văn Đức") -> str:
    """A dossier received, processed and ready (status 9) on this counter; its code."""
    dossier = receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi")))
    change_status(db, dossier.code, Status.PROCESSING, note="Chuyển phòng chuyên môn")
    change_status(db, dossier.code, Status.RESULT_READY, note="Cơ quan trả kết quả")
    return dossier.code


def grant_item_range(db: Database, first: int, last: int) -> None:
    """A `bcci-item` range as the counter stores it after pulling the province's grant."""
    with db.write() as session:
        session.add(NumberRange(series=ITEM_SERIES, first=first, last=last, next_number=first, received_at=utc_now()))
