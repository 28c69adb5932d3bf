"""The one vocabulary of sync operations, shared by the counter, the sync client and the server.

An operation is what the counter's outbox carries to the province: a type (`OpType`), a state in the outbox
(`OutboxState`) and a payload whose shape and bounds are declared once, as a pydantic model per type
(domain/payloads.py and, for money, domain/payloads_money.py, built from the bounded fields of
domain/payload_fields.py); `PAYLOAD_MODELS` below maps each type to its model. The counter checks a payload
when it queues it and again before it sends it; the server checks each operation alone (`check_payload`), so a
bad one costs that operation a refusal with a Vietnamese reason, never the batch around it (one malformed
operation once wedged a counter's whole sync). An instant ahead of the checker's clock says the counter's
clock is wrong, not that the operation is: the server answers it "later" (`retry_later`) instead of refusing
it for good.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from counter_app.domain.errors import DomainError
from counter_app.domain.payloads import (
    AccountUpsertPayload,
    ApologyPayload,
    AssistLogPayload,
    AttachmentAddPayload,
    ConflictResolutionPayload,
    DossierCreatePayload,
    GuidanceRecordPayload,
    HandoverAddPayload,
    Payload,
    ResultReturnPayload,
    ShipmentStatePayload,
    StatusChangePayload,
    WithdrawnPayload,
)
from counter_app.domain.payloads_money import (
    DayClosePayload,
    FeeRequestPayload,
    ReceiptCancelPayload,
    ReceiptIssuePayload,
)


class OpType(StrEnum):
    """What an operation does on the server."""

    DOSSIER_CREATE = "dossier.create"
    DOSSIER_STATUS = "dossier.status"
    ATTACHMENT_ADD = "attachment.add"
    ACCOUNT_UPSERT = "account.upsert"  # a clerk account created or changed (hash only), for every desk of the unit
    ASSIST_LOG = "assist.log"  # a citizen helped on the national portal (issue 9, E): a log line for reports
    # The counter could not send an operation (its payload is damaged) and withdraws it: the server
    # records the withdrawal under the same seq, so the device's sequence stays gap-free.
    WITHDRAWN = "op.withdrawn"
    # Returning results (issue 9, C): a result handed back at the desk or sent by post, and a posted
    # item's next step (domain.returns).
    RESULT_RETURN = "result.return"
    SHIPMENT_STATE = "shipment.state"
    # Lifecycle records without a status change (issue 9): Mẫu 04 and a Mẫu 05 row on a dossier already there.
    DOSSIER_APOLOGY = "dossier.apology"
    DOSSIER_HANDOVER = "dossier.handover"
    GUIDANCE_RECORD = "guidance.record"  # guidance given at the desk instead of a dossier (Mẫu 02, no code)
    DAY_CLOSE = "day.close"  # a desk's day closed: cash counted, receipts' totals, difference, sign-off (issue 10, D)
    # Receipts (issue 10, B): a receipt issued from a book the province granted, and its cancellation.
    RECEIPT_ISSUE = "receipt.issue"
    RECEIPT_CANCEL = "receipt.cancel"
    # Fees (issue 10, A): what a dossier owes, assessed at intake (counts, exemption) or set by the agency
    # (status 6, this op; intake's assessment rides in dossier.create); receipts cover these lines.
    FEE_REQUEST = "fee.request"
    # A supervisor's decision on a server conflict (issue 13, R), taken online and recorded by the province
    # first; the operation carries the decision's row of the counter's audit trail to the server.
    CONFLICT_RESOLUTION = "conflict.resolution"

    @property
    def label(self) -> str:
        return OP_TYPE_LABELS[self]


OP_TYPE_LABELS = {
    OpType.DOSSIER_CREATE: "Tiếp nhận hồ sơ",
    OpType.DOSSIER_STATUS: "Chuyển trạng thái hồ sơ",
    OpType.ATTACHMENT_ADD: "Đính kèm tệp quét",
    OpType.ACCOUNT_UPSERT: "Tài khoản người tiếp nhận",
    OpType.ASSIST_LOG: "Hỗ trợ nộp hồ sơ trực tuyến",
    OpType.WITHDRAWN: "Rút thao tác hỏng",
    OpType.RESULT_RETURN: "Trả kết quả",
    OpType.SHIPMENT_STATE: "Theo dõi bưu gửi",
    OpType.DOSSIER_APOLOGY: "Phiếu xin lỗi, hẹn lại ngày trả",
    OpType.DOSSIER_HANDOVER: "Giao nhận hồ sơ với cơ quan giải quyết",
    OpType.GUIDANCE_RECORD: "Hướng dẫn hoàn thiện hồ sơ",
    OpType.DAY_CLOSE: "Khóa sổ cuối ngày",
    OpType.RECEIPT_ISSUE: "Biên lai thu phí, lệ phí",
    OpType.RECEIPT_CANCEL: "Hủy biên lai thu phí, lệ phí",
    OpType.FEE_REQUEST: "Yêu cầu nộp phí, lệ phí",
    OpType.CONFLICT_RESOLUTION: "Giải quyết xung đột đồng bộ",
}


class OutboxState(StrEnum):
    """pending -> in_flight (batch id) -> acked | rejected | conflict."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    ACKED = "acked"
    REJECTED = "rejected"
    CONFLICT = "conflict"

    @property
    def label(self) -> str:
        return OUTBOX_STATE_LABELS[self]


OUTBOX_STATE_LABELS = {
    OutboxState.PENDING: "Chờ gửi",
    OutboxState.IN_FLIGHT: "Đang gửi",
    OutboxState.ACKED: "Đã gửi",
    OutboxState.REJECTED: "Bị từ chối",
    OutboxState.CONFLICT: "Xung đột",
}
OPEN_STATES = (OutboxState.PENDING, OutboxState.IN_FLIGHT)


class UploadState(StrEnum):
    """An attached file's way to the server: pending (with an error while it waits) -> complete | failed."""

    PENDING = "pending"
    COMPLETE = "complete"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending": "Chờ gửi lại", "complete": "Đã gửi", "failed": "Không gửi được"}[self.value]

PROBLEM_STATES = (OutboxState.REJECTED, OutboxState.CONFLICT)

PAYLOAD_MODELS: dict[OpType, type[Payload]] = {
    OpType.DOSSIER_CREATE: DossierCreatePayload,
    OpType.DOSSIER_STATUS: StatusChangePayload,
    OpType.ATTACHMENT_ADD: AttachmentAddPayload,
    OpType.ACCOUNT_UPSERT: AccountUpsertPayload,
    OpType.WITHDRAWN: WithdrawnPayload,
    OpType.RESULT_RETURN: ResultReturnPayload,
    OpType.SHIPMENT_STATE: ShipmentStatePayload,
    OpType.DOSSIER_APOLOGY: ApologyPayload,
    OpType.DOSSIER_HANDOVER: HandoverAddPayload,
    OpType.GUIDANCE_RECORD: GuidanceRecordPayload,
    OpType.ASSIST_LOG: AssistLogPayload,
    OpType.DAY_CLOSE: DayClosePayload,
    OpType.RECEIPT_ISSUE: ReceiptIssuePayload,
    OpType.RECEIPT_CANCEL: ReceiptCancelPayload,
    OpType.FEE_REQUEST: FeeRequestPayload,
    OpType.CONFLICT_RESOLUTION: ConflictResolutionPayload,
}


# -- checking ----------------------------------------------------------------------------------------


class InvalidOperation(DomainError):
    """An operation that cannot be applied as it is; `retry_later` when only the clock is to blame."""

    def __init__(self, code: str, message: str, *, retry_later: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retry_later = retry_later


_ERROR_WORDS = {
    "missing": "thiếu",
    "extra_forbidden": "không thuộc dữ liệu thao tác",
    "string_type": "phải là chuỗi văn bản",
    "string_too_long": "dài quá {max_length} ký tự",
    "string_too_short": "ngắn hơn {min_length} ký tự",
    "int_type": "phải là số nguyên",
    "greater_than_equal": "phải từ {ge} trở lên",
    "less_than_equal": "phải không quá {le}",
    "enum": "không thuộc các giá trị cho phép",
    "model_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "too_long": "có quá {max_length} phần tử",
    "too_short": "phải có ít nhất {min_length} phần tử",
    "none_required": "phải để trống",
    "string_unicode": "chứa ký tự không mã hóa được thành UTF-8 (nửa cặp surrogate)",
}


def printable(value: object, limit: int, *, replacement: str = "") -> str:
    """`value` as text fit to quote or send: control characters and lone surrogates replaced (dropped by
    default), cut to `limit` characters; anything but a string becomes ""."""
    text = value if isinstance(value, str) else ""
    return "".join(ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else replacement for ch in text)[:limit]


def _where(location: tuple[Any, ...]) -> str:
    """A field path fit to quote: a key sent by a hostile peer may hold anything, at any length."""
    shown = printable(".".join(str(part) for part in location), 10_000, replacement="?")
    return shown if len(shown) <= 60 else shown[:57] + "…"


def describe_errors(error: PydanticValidationError, limit: int = 3) -> str:
    """The first few problems, in Vietnamese, naming the field but never echoing its value."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:limit]:
        kind = item["type"]
        if kind in _ERROR_WORDS:
            words = _ERROR_WORDS[kind].format(**(item.get("ctx") or {}))
        elif item.get("ctx") is not None or kind.startswith(("text_", "instant_", "date_", "pattern")):
            words = item["msg"]  # our own PydanticCustomError messages are Vietnamese already
        else:
            words = "có giá trị không hợp lệ"
        where = f"trường «{_where(item['loc'])}»" if item["loc"] else "dữ liệu"
        parts.append(f"{where} {words}")
    more = error.error_count() - len(parts)
    if more > 0:
        parts.append(f"và {more} lỗi khác")
    return "; ".join(parts)


def only_clock_errors(error: PydanticValidationError) -> bool:
    """True when every problem is an instant ahead of the checker's clock (the sender's clock is wrong)."""
    return all(item["type"] == "instant_in_future" for item in error.errors(include_url=False, include_input=False))


_MODEL_BY_NAME: dict[str, type[Payload]] = {kind.value: model for kind, model in PAYLOAD_MODELS.items()}


def check_payload(op_type: str, payload: Any, *, now: datetime | None = None) -> Payload:
    """The typed payload of an operation, or `InvalidOperation` saying in Vietnamese what is wrong."""
    try:
        model = _MODEL_BY_NAME[op_type]  # a dict lookup: ~10x cheaper than OpType(op_type)
    except (KeyError, TypeError):
        try:
            kind = OpType(op_type)
        except ValueError:
            raise InvalidOperation("unknown_op_type", "Loại thao tác không được hỗ trợ.") from None
        model = PAYLOAD_MODELS[kind]
    try:
        return model.model_validate(payload, context={"now": now} if now else None)
    except PydanticValidationError as error:
        if only_clock_errors(error):
            raise InvalidOperation("clock_ahead", f"Chưa nhận: {describe_errors(error)}. Hãy kiểm tra đồng hồ máy quầy; "
                                   "thao tác sẽ được gửi lại.", retry_later=True) from None
        raise InvalidOperation("bad_payload", f"Dữ liệu thao tác không hợp lệ: {describe_errors(error)}.") from None
    except RecursionError:
        raise InvalidOperation("bad_payload", "Dữ liệu thao tác lồng nhau quá sâu.") from None
