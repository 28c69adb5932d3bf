"""A new code for a desk's dossier when the province keeps another citizen's dossier under its code (issue 13).

A restored desk can give a code the province already holds to a second dossier. Its dossier.create then
ends in a duplicate_code conflict; when a supervisor keeps the province's dossier (keep_server, reject),
the desk's create is marked `recode_needed` (storage/conflict_notices.py) and every later operation of the
desk on that code is refused (`disputed_code`). Giving the dossier a new code is what lets the province
have it at all:

- the new code is the desk's next number of the dossier's receipt day (the code's YYMMDD is the day
  received, TT 01/2018 Điều 19), from the same counter as any code (`next_count_of_day`, so a restored desk
  still waiting for its pull-back is refused by the database), and the dossier a new internal id (the
  province may hold the old one too);
- the dossier row, its fee assessments and its search entry take the new code; `dossier_recode` keeps
  the old code, the old id, who, when and why (papers printed before carry the old code, and a scanned old
  slip opens the dossier: `view_dossier`);
- the outbox carries a dossier.create under the new code (the original's content and fees; its audit
  row names the clerk who gave the code, the old code and id as `before`), then each later operation
  the province refused as `disputed_code` or has not had yet, again under the new code, in their order;
  those not yet sent are withdrawn.

Refused, with the reason: a dossier whose create was not refused for a duplicate code, a code the desk did
not number itself (a portal code), an operation of the dossier on its way, and a dossier with a receipt
(issued or cancelled) or a returned result: papers that carry the code and are never edited, which the
province must settle.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from counter_app.domain.codes import make_dossier_code, parse_dossier_code
from counter_app.domain.conflicts import RECODE_NEEDED
from counter_app.domain.dossier import Dossier
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.formats import office_date
from counter_app.domain.operations import OpType, OutboxState
from counter_app.domain.text import nfc
from counter_app.services.clerks import actor_of
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import DossierNotFound
from counter_app.storage.database import Database
from counter_app.storage.dossiers import (
    get_row,
    load_dossier,
    next_count_of_day,
    row_once_coded,
    row_to_dossier,
    update_search_entry,
)
from counter_app.storage.models import (
    DossierFeeRow,
    DossierRecode,
    DossierRow,
    OutboxOp,
    ReceiptRow,
    ResultReturn,
)
from counter_app.storage.outbox import append_operation, renamed_payload, send_again_under
from counter_app.storage.profile import get_profile
from counter_app.storage.sync_store import payload_of

RECODED = "recoded"


class NotRecodable(DomainError):
    """The dossier cannot be given a new code (the message says why and what to do)."""


@dataclass(frozen=True)
class GivenCode:
    """A code the dossier had before (papers printed then carry it)."""

    old_code: str
    at: datetime
    clerk: str


@dataclass(frozen=True)
class DossierView:
    """What the dossier screen shows beside the dossier: the codes it had, and why it needs a new one."""

    dossier: Dossier
    old_codes: list[GivenCode]
    recode_reason: str | None  # the supervisor's decision, as the province told it; None: the code stands


def view_dossier(db: Database, code: str) -> DossierView:
    """The dossier `code`, or the one a code it had before names now (a scanned old slip), in one read."""
    with db.read() as session:
        row = get_row(session, code) or row_once_coded(session, code)
        if row is None:
            raise DossierNotFound(nfc(code))
        dossier = load_dossier(session, row.code)
        assert dossier is not None
        create = _create_op(session, row)
        old = codes_given_before(session, row.pk)
    needed = create is not None and create.result_code == RECODE_NEEDED
    return DossierView(dossier, old, (create.result_message or "") if create is not None and needed else None)


def codes_given_before(session: Session, dossier_pk: int) -> list[GivenCode]:
    """The codes the dossier had before its present one, oldest first."""
    return [GivenCode(given.old_code, given.at, given.clerk) for given in session.scalars(
        select(DossierRecode).where(DossierRecode.dossier_pk == dossier_pk).order_by(DossierRecode.at))]


def replacement_note(old_codes: list[GivenCode]) -> str:
    """What a slip printed under the new code says of the slips it replaces ("" when the code is the first).

    The citizen holds a slip with the old code: the new one must say it takes its place, and why."""
    if not old_codes:
        return ""
    given = "; ".join(f"{nfc(code.old_code)} (cấp lại mã ngày {office_date(code.at)})" for code in old_codes)
    return f"Giấy này thay giấy tiếp nhận mang mã hồ sơ {given}, do mã cũ trùng với hồ sơ khác trên hệ thống của tỉnh."


def recode_dossier(db: Database, code: str, *, by: str = "", actor: str = "", now: datetime | None = None) -> Dossier:
    """Give the dossier `code` a new code (see the module's docstring); the dossier as it is now.

    `by`: the signed-in account; `actor`: the name on a counter without accounts."""
    now = now or utc_now()
    with db.write() as session:
        row = get_row(session, code)
        if row is None:
            raise DossierNotFound(nfc(code))
        name, username = actor_of(session, by, actor)
        create = _create_op(session, row)
        _check_recodable(session, row, create)
        assert create is not None
        old_code, old_id = row.code, row.id
        new_code, new_id = _new_code(session, row), str(uuid.uuid4())
        reason = f"Mã {old_code} trùng mã hồ sơ của công dân khác trên máy chủ tỉnh: {create.result_message or ''}"
        row.code, row.id, row.updated_at = new_code, new_id, now
        session.execute(update(DossierFeeRow).where(DossierFeeRow.dossier_code == old_code)
                        .values(dossier_code=new_code).execution_options(synchronize_session=False))
        session.add(DossierRecode(old_code=old_code, old_id=old_id, dossier_pk=row.pk, new_code=new_code, at=now,
                                  clerk=name, clerk_username=username, reason=reason[:2000]))
        session.flush()
        update_search_entry(session, row.pk, row_to_dossier(row))
        renamed = {old_code: new_code, old_id: new_id}
        append_operation(session, entity="dossier", entity_id=new_id, op_type=OpType.DOSSIER_CREATE,
                         payload=renamed_payload(payload_of(create), renamed), now=now, actor=username,
                         actor_name=name, audit_before={"code": old_code, "id": old_id})
        send_again_under(session, old_id, renamed, now, code=old_code, reason_code=RECODED,
                         reason=f"Hồ sơ đã được cấp mã mới {new_code}; thao tác được gửi lại dưới mã mới")
        dossier = load_dossier(session, new_code)
    assert dossier is not None
    return dossier


def _create_op(session: Session, row: DossierRow) -> OutboxOp | None:
    return session.scalar(select(OutboxOp).where(OutboxOp.entity_id == row.id,
                                                 OutboxOp.op_type == OpType.DOSSIER_CREATE.value)
                          .order_by(OutboxOp.seq.desc()).limit(1))


def _check_recodable(session: Session, row: DossierRow, create: OutboxOp | None) -> None:
    code = row.code
    if create is None or create.result_code != RECODE_NEEDED:
        raise NotRecodable(f"Hồ sơ {code} không cần cấp mã mới: chỉ cấp khi máy chủ tỉnh đã giữ hồ sơ của công dân "
                           "khác dưới mã này và giám sát viên đã quyết định giữ bản của máy chủ tỉnh.")
    receipt = session.scalar(select(ReceiptRow).where(ReceiptRow.dossier_code == code).limit(1))
    if receipt is not None:
        raise NotRecodable(f"Hồ sơ {code} đã có biên lai thu phí mang mã này (biên lai không được sửa, kể cả khi đã "
                           "hủy); quầy không cấp mã mới được. Hãy báo giám sát viên và bộ phận quản trị của tỉnh.")
    if session.scalar(select(ResultReturn.id).where(ResultReturn.dossier_pk == row.pk).limit(1)) is not None:
        raise NotRecodable(f"Hồ sơ {code} đã trả kết quả dưới mã này (giấy biên nhận, bưu gửi mang mã); quầy không "
                           "cấp mã mới được. Hãy báo giám sát viên và bộ phận quản trị của tỉnh.")
    sending = session.scalar(select(OutboxOp.seq).where(OutboxOp.entity_id == row.id,
                                                        OutboxOp.state == OutboxState.IN_FLIGHT.value).limit(1))
    if sending is not None:
        raise NotRecodable(f"Quầy đang gửi thao tác của hồ sơ {code} lên máy chủ tỉnh; hãy thử lại khi đồng bộ xong.")


def _new_code(session: Session, row: DossierRow) -> str:
    """The desk's next number of the dossier's receipt day, in the same unit."""
    profile = get_profile(session)
    assert profile is not None
    try:
        old = parse_dossier_code(row.code)
    except ValidationError:
        old = None
    if old is None or old.unit_code != row.unit_code or old.desk_slot != profile.desk_slot:
        raise NotRecodable(f"Mã {row.code} không do quầy này đánh số (mã của Cổng dịch vụ công hoặc của quầy khác); "
                           "quầy không cấp lại được. Hãy báo giám sát viên.")
    new_code = str(make_dossier_code(row.unit_code, profile.desk_slot, old.day,
                                     next_count_of_day(session, old.day, profile.desk_slot)))
    if get_row(session, new_code) is not None:
        raise NotRecodable(f"Mã {new_code} của ngày {office_date(old.day)} đã có trên quầy; hãy báo giám sát viên.")
    return new_code

