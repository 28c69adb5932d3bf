"""What the server checks of each pushed operation before applying it, and the answers it gives.

Every element of a batch is checked on its own with the shared vocabulary (counter_app.domain.operations):
its envelope, its payload hash, then its payload's shape and bounds; a dossier code must be the device's
own (unit, desk slot, day). What fails gets its own answer:
- `rejected` and recorded in the ledger (the caller writes it), so that a replay gets the same answer
  and the device's sequence stays gap-free;
- an answer not recorded, so that the counter sends it again later: a payload damaged on the way
  (hash mismatch), or an instant ahead of the server's clock (the counter's clock is wrong);
- `rejected` alone when not even an op_id and a seq can be read from it.
A replay gets the stored answer: `duplicate` for an operation accepted before, else the same refusal.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from counter_app.domain.accounts import is_password_hash
from counter_app.domain.codes import DossierCode, office_day, parse_dossier_code
from counter_app.domain.dossier import Channel
from counter_app.domain.errors import DomainError
from counter_app.domain.formats import office_date, office_datetime
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import InvalidOperation, check_payload, describe_errors, only_clock_errors
from counter_app.domain.payload_fields import MAX_INT64, OP_ID_RE
from counter_app.domain.payloads import (
    AccountUpsertPayload,
    DossierCreatePayload,
    GuidanceRecordPayload,
    Payload,
)
from counter_app.domain.register import register_book
from sync.packing import CanonicalTexts
from sync.protocol import SUPPORTED_SCHEMA_VERSIONS, Operation, OpResult, OpStatus
from sync.server.models import Device, Dossier, OpLedger

log = logging.getLogger(__name__)
# How far a dossier code's date may be from the office day of its `received_at` (midnight, time zones).
CODE_DAY_TOLERANCE = timedelta(days=1)


class Outcome:
    """What applying one operation decided, before it is written to the ledger."""

    def __init__(self, status: OpStatus, code: str = "", message: str = "", version: int | None = None) -> None:
        self.status, self.code, self.message, self.version = status, code, message, version


@dataclass(frozen=True)
class LedgerKey:
    """What the ledger records of an operation: from its envelope, or what could be read of a bad one."""

    op_id: str
    seq: int
    op_type: str
    entity_id: str
    payload_hash: str


@dataclass
class Prepared:
    """One element of a batch after its checks: to apply (`payload`), to refuse (`refusal`), or answered."""

    key: LedgerKey | None = None
    op: Operation | None = None
    payload: Payload | None = None
    refusal: Outcome | None = None
    answer: OpResult | None = None
    payload_text: str = ""  # the payload's canonical JSON (what its hash was checked against), once checked


def unknown_dossier(code: str) -> Outcome:
    """An operation on a dossier the server does not hold (yet): kept as a conflict to be looked at again."""
    return Outcome(OpStatus.CONFLICT, "unknown_dossier", f"Máy chủ chưa có hồ sơ {code}; thao tác sẽ được xem lại.")


def kept_once(same: bool, record: str, another: str) -> Outcome:
    """The answer for a desk record whose id the server already holds: the very same record again is
    accepted as kept; another record under that id is refused (`record`/`another` name it in Vietnamese)."""
    if same:
        return Outcome(OpStatus.ACCEPTED, "already_exists")
    return Outcome(OpStatus.REJECTED, "duplicate_id", f"Mã định danh của {record} đã được dùng cho {another} trên máy chủ.")


def rejected(op_id: str, seq: int, code: str, message: str) -> OpResult:
    return OpResult(op_id=op_id, seq=seq, status=OpStatus.REJECTED, code=code, message=message)


def op_id_reused(op_id: str, seq: int) -> OpResult:
    return rejected(op_id, seq, "op_id_reused",
                    "Mã thao tác đã được dùng cho nội dung khác; đây là lỗi của quầy, đã ghi nhật ký.")


def salvage(raw: Any) -> tuple[str, int]:
    """The op_id and seq of a malformed operation, when they can still be read ("" and 0 otherwise)."""
    if not isinstance(raw, dict):
        return "", 0
    op_id, seq = raw.get("op_id"), raw.get("seq")
    good_id = op_id if isinstance(op_id, str) and OP_ID_RE.fullmatch(op_id) else ""
    good_seq = seq if isinstance(seq, int) and not isinstance(seq, bool) and 1 <= seq <= MAX_INT64 else 0
    return good_id, good_seq


def prepare(raw: Any, now: datetime, stored: dict[str, OpLedger], device: Device,
            texts: CanonicalTexts | None = None) -> Prepared:
    """Check one element of a batch without touching the database (but for the ledger rows in `stored`)."""
    try:
        op = Operation.model_validate(raw, context={"now": now})
    except (PydanticValidationError, RecursionError) as error:
        op_id, seq = salvage(raw)
        if isinstance(error, PydanticValidationError) and only_clock_errors(error):
            return Prepared(answer=rejected(op_id, seq, "clock_ahead",
                                             f"Chưa nhận: {describe_errors(error)}. Hãy kiểm tra đồng hồ máy quầy."))
        detail = describe_errors(error) if isinstance(error, PydanticValidationError) else "lồng nhau quá sâu"
        message = f"Thao tác không đúng định dạng giao thức: {detail}."
        if not op_id or not seq:
            return Prepared(answer=rejected(op_id, seq, "bad_envelope", message))
        key = LedgerKey(op_id, seq, "?", "", "")
        if op_id in stored:
            return Prepared(key=key, answer=stored_answer(op_id, seq, stored[op_id]))
        return Prepared(key=key, refusal=Outcome(OpStatus.REJECTED, "bad_envelope", message))
    key = LedgerKey(op.op_id, op.seq, op.op_type, op.entity_id, op.payload_hash)
    if op.op_id in stored:
        return Prepared(key=key, answer=replay(device, op, stored[op.op_id]))
    try:
        text = (texts or CanonicalTexts()).of(raw["payload"])  # what op.payload was validated from
        matches = hashlib.sha256(text.encode("utf-8")).hexdigest() == op.payload_hash
    except (UnicodeEncodeError, ValueError, TypeError, RecursionError):
        return Prepared(key=key, op=op, refusal=unhashable(op, now))
    if not matches:
        return Prepared(key=key, answer=rejected(op.op_id, op.seq, "payload_hash_mismatch",
                                                  "Dữ liệu bị hỏng trên đường truyền; quầy sẽ gửi lại."))
    if op.schema_version not in SUPPORTED_SCHEMA_VERSIONS:
        return Prepared(key=key, op=op, refusal=Outcome(
            OpStatus.REJECTED, "schema_unsupported",
            f"Máy chủ không đọc được dữ liệu phiên bản {op.schema_version}; hãy cập nhật ứng dụng quầy."))
    try:
        payload = check_payload(op.op_type, op.payload, now=now)
    except InvalidOperation as error:
        if error.retry_later:
            return Prepared(key=key, answer=rejected(op.op_id, op.seq, error.code, error.message))
        return Prepared(key=key, op=op, refusal=Outcome(OpStatus.REJECTED, error.code, error.message))
    return Prepared(key=key, op=op, payload=payload, payload_text=text)


def unhashable(op: Operation, now: datetime) -> Outcome:
    """Why a payload that cannot be written as canonical UTF-8 is refused: the payload's own check names the
    field (it refuses a lone surrogate in any text); only what it lets through gets the general words."""
    try:
        check_payload(op.op_type, op.payload, now=now)
    except InvalidOperation as error:
        if not error.retry_later:
            return Outcome(OpStatus.REJECTED, error.code, error.message)
    return Outcome(OpStatus.REJECTED, "bad_payload",
                   "Dữ liệu thao tác chứa ký tự không mã hóa được thành UTF-8 hoặc lồng nhau quá sâu.")


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)  # bounded to 2000-2100 by the payload checks


def dated_before_receipt(dossier: Dossier, at: str) -> str | None:
    """Why a step dated `at` cannot be a step of `dossier` (None if it can): nothing happens to a dossier
    before it was received (the counter refuses it too: services.lifecycle, services.returns)."""
    moment = instant(at)
    if dossier.received_at is None or moment >= dossier.received_at:
        return None
    return (f"Thời điểm {office_datetime(moment)} ghi trên thao tác của hồ sơ {dossier.code} trước lúc hồ sơ được "
            f"tiếp nhận ({office_datetime(dossier.received_at)}); máy chủ không nhận.")


def check_code_claims(device: Device, payload: DossierCreatePayload, held: set[int]) -> Outcome | None:
    """A dossier code says which unit, desk and day issued it: each must be this device's (None if so).

    Without this check a device could squat another desk's codes, which that desk would then print
    for different citizens.
    """
    try:
        claim = parse_dossier_code(payload.code)
    except DomainError as error:
        return Outcome(OpStatus.REJECTED, "bad_code", error.message)
    if payload.unit_code != device.unit_code or claim.unit_code != device.unit_code:
        return Outcome(OpStatus.REJECTED, "wrong_unit", "Hồ sơ thuộc đơn vị khác với đơn vị của quầy; máy chủ không nhận.")
    if payload.channel == Channel.ONLINE:
        return check_portal_code_claim(device, payload, claim, held)
    if claim.desk_slot != payload.desk_slot:
        return Outcome(OpStatus.REJECTED, "code_slot_mismatch",
                       f"Mã hồ sơ {payload.code} mang số quầy {claim.desk_slot} nhưng hồ sơ ghi quầy {payload.desk_slot}.")
    received = instant(payload.received_at)
    if not holds_slot(device, claim.desk_slot, payload.received_at, held):
        return Outcome(OpStatus.REJECTED, "foreign_desk_slot",
                       f"Mã hồ sơ {payload.code} mang số quầy {claim.desk_slot}, không phải số quầy tỉnh đã cấp cho "
                       f"thiết bị này ({', '.join(str(s) for s in sorted(held))}); máy chủ không nhận để tránh trùng mã.")
    received_day = office_day(received)
    if abs(claim.day - received_day) > CODE_DAY_TOLERANCE:
        return Outcome(OpStatus.REJECTED, "code_date_mismatch",
                       f"Ngày trong mã hồ sơ {payload.code} ({office_date(claim.day)}) không khớp ngày tiếp nhận "
                       f"({office_date(received_day)}).")
    return check_register_claim(payload, received)


def check_portal_code_claim(device: Device, payload: DossierCreatePayload, claim: DossierCode,
                            held: set[int]) -> Outcome | None:
    """A channel-2 dossier keeps the national portal's code (issue 9): its number is not a desk slot's, but
    the desk that received it must be this device's, and the code's date must not lie after the day the
    desk received it (filed online first, then received)."""
    received = instant(payload.received_at)
    if not holds_slot(device, payload.desk_slot, payload.received_at, held):
        return Outcome(OpStatus.REJECTED, "foreign_desk_slot",
                       f"Hồ sơ {payload.code} ghi quầy {payload.desk_slot}, không phải số quầy tỉnh đã cấp cho thiết "
                       f"bị này ({', '.join(str(s) for s in sorted(held))}).")
    received_day = office_day(received)
    if claim.day - received_day > CODE_DAY_TOLERANCE:
        return Outcome(OpStatus.REJECTED, "portal_code_after_receipt",
                       f"Mã Cổng dịch vụ công {payload.code} mang ngày {office_date(claim.day)}, sau ngày tiếp nhận "
                       f"({office_date(received_day)}).")
    return check_register_claim(payload, received)


def check_register_claim(payload: DossierCreatePayload, received: datetime) -> Outcome | None:
    """The register book must be the desk's own book of the year received (domain.register), or absent.

    The desk slot is already checked to be the device's, so a book naming another slot or year would
    give this dossier a number that another desk's book gives too.
    """
    if payload.register_book is None and payload.register_number is None:
        return None  # a counter older than the register
    if payload.register_book is None or payload.register_number is None:
        return Outcome(OpStatus.REJECTED, "register_incomplete",
                       f"Hồ sơ {payload.code} ghi quyển sổ theo dõi mà thiếu số thứ tự (hoặc ngược lại).")
    expected = register_book(payload.desk_slot, received)
    if payload.register_book != expected:
        return Outcome(OpStatus.REJECTED, "foreign_register_book",
                       f"Hồ sơ {payload.code} ghi quyển sổ theo dõi {payload.register_book}, nhưng quầy {payload.desk_slot} "
                       f"chỉ ghi vào quyển {expected} của mình; máy chủ không nhận để tránh trùng số thứ tự.")
    return None


def check_account_claims(payload: AccountUpsertPayload) -> Outcome | None:
    """An account version may carry only a hash of the one format and parameters every desk computes
    with (a forged scrypt `n` would make each desk of the unit spend gigabytes at sign-in); None if so.

    The account is stored under the sending device's own unit: a device cannot write another unit's
    accounts, whatever the payload says.
    """
    if not is_password_hash(payload.password_hash):
        return Outcome(OpStatus.REJECTED, "bad_password_hash",
                       "Mã băm mật khẩu của tài khoản không đúng dạng scrypt được phép; máy chủ không nhận.")
    return None


def ledger_answer(op_id: str, seq: int, ledger: OpLedger) -> OpResult:
    return OpResult(op_id=op_id, seq=seq, status=OpStatus(ledger.status), code=ledger.code,
                    message=ledger.message, server_version=ledger.server_version)


def stored_answer(op_id: str, seq: int, ledger: OpLedger) -> OpResult:
    """The answer to a replay: `duplicate` for an operation accepted before, else the same refusal or
    conflict as the first time (a refused operation re-sent must never pass for accepted)."""
    result = ledger_answer(op_id, seq, ledger)
    return result.model_copy(update={"status": OpStatus.DUPLICATE}) if result.status is OpStatus.ACCEPTED else result


def replay(device: Device, op: Operation, stored: OpLedger) -> OpResult:
    """A replay gets the stored answer; the same op_id with other content is a device fault."""
    if stored.payload_hash != op.payload_hash:
        log.error("Thiết bị %s dùng lại op_id %s với nội dung khác", device.id, op.op_id)
        return op_id_reused(op.op_id, op.seq)
    return stored_answer(op.op_id, op.seq, stored)


# -- desk outcomes (issue 9, B) ----------------------------------------------------------------------


def check_refusal_reason(payload: DossierCreatePayload) -> Outcome | None:
    """A dossier created refused (status 3, Mẫu 03 at intake) must say why: its last history entry is the
    change to 3 with the reason as its note (None if so, or if the dossier is not refused)."""
    if payload.status != Status.REFUSED:
        return None
    last = payload.history[-1]
    if last.to_status != Status.REFUSED or not last.note.strip():
        return Outcome(OpStatus.REJECTED, "refusal_without_reason",
                       f"Hồ sơ {payload.code} bị từ chối tiếp nhận nhưng không ghi lý do từ chối; máy chủ không nhận.")
    return None


def check_guidance_claims(device: Device, payload: GuidanceRecordPayload, held: set[int]) -> Outcome | None:
    """A guidance record is the device's own: its unit, and a desk slot (the one in its reference) the
    province gave it, as for dossier codes (None if so)."""
    if payload.reference[2] != str(payload.desk_slot):
        return Outcome(OpStatus.REJECTED, "reference_slot_mismatch",
                       f"Số phiếu hướng dẫn {payload.reference} không mang số quầy {payload.desk_slot} của phiếu.")
    return check_desk_claim(device, payload.unit_code, payload.desk_slot, payload.at, held,
                            f"Phiếu hướng dẫn {payload.reference}")


def check_desk_claim(device: Device, unit_code: str, desk_slot: int, at: str, held: set[int],
                     what: str) -> Outcome | None:
    """A record a desk keeps of its own (a guidance record, an assisted filing, a day close) names the
    device's unit and a desk slot it may name at `at` (`holds_slot`); else the refusal, worded for `what`."""
    if unit_code != device.unit_code:
        return Outcome(OpStatus.REJECTED, "wrong_unit",
                       f"{what} thuộc đơn vị khác với đơn vị của quầy; máy chủ không nhận.")
    if not holds_slot(device, desk_slot, at, held):
        return Outcome(OpStatus.REJECTED, "foreign_desk_slot",
                       f"{what} ghi quầy {desk_slot}, không phải số quầy tỉnh đã cấp cho thiết bị này; "
                       "máy chủ không nhận.")
    return None


def holds_slot(device: Device, slot: int, at: str, held: set[int]) -> bool:
    """Whether a record dated `at` may name desk `slot`: one the province gave the device, or its offline
    slot for what it did before it enrolled."""
    return slot in held or (device.offline_slot == slot and instant(at) <= device.enrolled_at)
