"""Assisted online filing (hỗ trợ nộp hồ sơ trực tuyến): what a clerk helping a citizen on the national
portal records, and the shape of the portal's dossier code.

The portal (Cổng DVCQG, or the provincial system behind it) numbers a dossier filed online with the same
TT 01/2018/TT-VPCP Điều 19 code as the desk, `<unit id>-YYMMDD-XXXX` (domain.md §2.1): the unit is the
agency the dossier was filed to, which may be another unit than the desk's (a ministry's G-code too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from counter_app.domain.codes import UNIT_CODE_PATTERN, DossierCode, parse_dossier_code
from counter_app.domain.errors import ValidationError
from counter_app.domain.text import nfc

PORTAL_CODE_LABEL = "Mã hồ sơ trên Cổng dịch vụ công"
MAX_NOTE_LENGTH = 1000
# A national procedure code 1.000948, or a local variant with a unit suffix (domain.md §2.3).
PROCEDURE_CODE_RE = re.compile(rf"[123]\.\d{{6}}(\.{UNIT_CODE_PATTERN}(\.\d{{2}})?|\.[GH]\d{{2}})?")


class AssistOutcome(StrEnum):
    """How the help ended; `FAILED` needs a note saying why."""

    ACCOUNT_CREATED = "account"
    FILED = "filed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    AssistOutcome.ACCOUNT_CREATED: "Tạo tài khoản trên Cổng dịch vụ công",
    AssistOutcome.FILED: "Đã nộp hồ sơ trực tuyến",
    AssistOutcome.FAILED: "Không nộp được",
}


@dataclass(frozen=True)
class AssistedFiling:
    """One citizen helped at the desk (a log line; never edited)."""

    id: str
    at: datetime
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    procedure_code: str
    procedure_name: str
    outcome: AssistOutcome
    note: str
    portal_code: str | None
    clerk: str
    clerk_username: str
    unit_code: str
    desk_slot: int


def parse_outcome(value: str) -> AssistOutcome:
    """`account` | `filed` | `failed` (or the Vietnamese label), else a Vietnamese refusal."""
    text = nfc(value).lower()
    for outcome in AssistOutcome:
        if text in (outcome.value, outcome.label.lower()):
            return outcome
    allowed = "; ".join(f"{o.value} ({o.label.lower()})" for o in AssistOutcome)
    raise ValidationError("outcome", f"Kết quả hỗ trợ «{nfc(value)}» không hợp lệ (chỉ nhận: {allowed}).", "Kết quả hỗ trợ")


def parse_portal_code(value: str, *, unit_code: str | None = None) -> DossierCode:
    """The portal's dossier code, checked: TT 01/2018 form with a real date, and the unit's own when
    `unit_code` is given (a dossier the desk receives must belong to its unit)."""
    text = nfc(value).upper()
    try:
        code = parse_dossier_code(text)
    except ValidationError as error:
        raise ValidationError("portal_code", f"{PORTAL_CODE_LABEL}: {error.message}", PORTAL_CODE_LABEL) from None
    if unit_code is not None and code.unit_code != unit_code:
        raise ValidationError(
            "portal_code",
            f"{PORTAL_CODE_LABEL} «{text}» thuộc đơn vị {code.unit_code}, không phải đơn vị của quầy ({unit_code}); "
            "quầy chỉ tiếp nhận hồ sơ trực tuyến nộp cho đơn vị mình.",
            PORTAL_CODE_LABEL,
        )
    return code


def check_procedure_code(value: str) -> str:
    """A procedure code of the national database (e.g. 1.000948, 2.000815.000.00.00.H55)."""
    text = nfc(value)
    if not PROCEDURE_CODE_RE.fullmatch(text):
        raise ValidationError(
            "procedure_code",
            f"Mã thủ tục «{text}» không đúng dạng của CSDL quốc gia về TTHC (ví dụ 1.000948 hoặc "
            "2.000815.000.00.00.H55).",
            "Thủ tục hành chính",
        )
    return text
