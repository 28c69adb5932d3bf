"""How a supervisor decides a sync conflict (issue 13, R): the four decisions, shared by counter and server,
and the Vietnamese names of a dossier's fields the conflict screen shows both versions by."""

from __future__ import annotations

from enum import StrEnum


class Resolution(StrEnum):
    KEEP_SERVER = "keep_server"  # the province's version stays; the counter's is set aside
    KEEP_COUNTER = "keep_counter"  # the counter's version is applied over the province's
    MERGE = "merge"  # field by field, as the supervisor chose
    REJECT = "reject"  # the counter's version is discarded and its desk told so

    @property
    def label(self) -> str:
        return RESOLUTION_LABELS[self]

    @property
    def applies_counter_version(self) -> bool:
        """Whether the counter's operation went in (wholly or in part)."""
        return self in (Resolution.KEEP_COUNTER, Resolution.MERGE)


# The result of a desk's own dossier.create refused on a duplicate code (keep_server, reject): the province keeps
# another dossier under the code, so the desk's dossier needs a new one (services/recode.py).
RECODE_NEEDED = "recode_needed"
# The province's refusal of a desk's operation on a code whose duplicate_code conflict is open or was decided
# for the province's dossier (sync/server/ingest.disputed_code): a new code or a decision for the desk's
# version lets it go again (storage/outbox.append_again).
DISPUTED_CODE = "disputed_code"
RECODE_KEY = "Ctrl+Shift+M"


# What makes a dossier itself, and its lifecycle, rather than its content: a decision on a conflict never
# takes these from the other version (the province's merge), and a desk taking the decided content keeps its own.
IDENTITY_FIELDS = frozenset({"id", "code", "unit_code", "desk_slot", "status", "version", "history", "received_at",
                             "due_at", "previous_due_at", "processing_hours"})

RESOLUTION_LABELS = {
    Resolution.KEEP_SERVER: "Giữ bản của máy chủ tỉnh",
    Resolution.KEEP_COUNTER: "Giữ bản của quầy",
    Resolution.MERGE: "Gộp hai bản",
    Resolution.REJECT: "Từ chối bản của quầy",
}

# A dossier's fields as a dossier.create operation carries them (domain.payloads.DossierCreatePayload), by
# the names of the forms (Mẫu 01, sổ theo dõi hồ sơ). A field not listed shows under its own key.
DOSSIER_FIELD_LABELS = {
    "id": "Mã định danh nội bộ",
    "code": "Mã hồ sơ",
    "unit_code": "Mã đơn vị",
    "desk_slot": "Số quầy",
    "status": "Mã trạng thái",
    "status_label": "Trạng thái",
    "channel": "Kênh tiếp nhận",
    "procedure_code": "Mã thủ tục",
    "procedure_name": "Tên thủ tục",
    "applicant_name": "Họ tên người nộp",
    "id_type": "Loại giấy tờ tùy thân",
    "id_number": "Số giấy tờ tùy thân",
    "phone": "Số điện thoại",
    "applicant": "Người nộp (đầy đủ)",
    "submitter": "Người nộp thay",
    "summary": "Trích yếu hồ sơ",
    "documents": "Thành phần hồ sơ",
    "sets_count": "Số bộ hồ sơ",
    "result_delivery": "Hình thức nhận kết quả",
    "received_at": "Thời điểm tiếp nhận",
    "due_at": "Ngày hẹn trả kết quả",
    "processing_hours": "Thời hạn giải quyết (giờ làm việc)",
    "received_by": "Người tiếp nhận",
    "version": "Phiên bản",
    "history": "Quá trình xử lý",
    "register_book": "Sổ theo dõi hồ sơ",
    "register_number": "Số thứ tự trong sổ",
    "fees": "Phí, lệ phí",
}

# A status change as a status conflict shows the counter's step (sync/server/conflicts.py `_versions`).
STEP_FIELD_LABELS = {"from": "Từ trạng thái", "at": "Thời điểm chuyển", "actor": "Người chuyển", "note": "Lý do, ghi chú"}
STATUS_FIELDS = ("status", "from")  # their values are status codes: shown with the status's name


def field_label(key: str) -> str:
    """A dossier field's Vietnamese name, with its key for a field the lists do not know."""
    return DOSSIER_FIELD_LABELS.get(key) or STEP_FIELD_LABELS.get(key) or f"Trường «{key}»"
