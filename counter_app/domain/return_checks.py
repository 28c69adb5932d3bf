"""The fields of a return checked together (domain.returns): at the desk, or by post (BCCI).

Shared by the service, the CLI and the return dialog; every message is Vietnamese and names its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from counter_app.domain import labels
from counter_app.domain.admin_units import format_address, ward
from counter_app.domain.dossier import IdDocumentType
from counter_app.domain.errors import ValidationError
from counter_app.domain.identity import validate_id_number
from counter_app.domain.money import format_dong
from counter_app.domain.returns import MAX_POSTAGE, Payer
from counter_app.domain.text import person_name
from counter_app.domain.validation import ErrorCollector, normalize_phone, require_text

MAX_STREET = 300
RECEIVER_LABEL = "Người nhận kết quả"
RECIPIENT_LABEL = "Người nhận bưu gửi"
STREET_LABEL = "Số nhà, đường"
POSTAGE_LABEL = "Cước phí (đồng)"
PAYER_LABEL = "Người trả cước"


@dataclass(frozen=True)
class DeskReturn:
    receiver_name: str
    receiver_id_number: str


@dataclass(frozen=True)
class PostReturn:
    recipient_name: str
    phone: str
    province_code: int
    ward_code: int
    street: str
    address_text: str
    postage: int
    payer: Payer


def check_desk_return(receiver_name: str | None, id_number: str | None,
                      id_type: IdDocumentType = IdDocumentType.CCCD, *, today: date) -> DeskReturn:
    """The receiver's name (title-cased) and ID number as stored, or every field's error at once (`today`, the
    office day, bounds the birth year a CCCD encodes)."""
    with ErrorCollector() as check:
        name = check(require_text, receiver_name, "receiver_name", RECEIVER_LABEL, 300)
        number = check(validate_id_number, id_type, id_number or "", today=today)
    assert name is not None and number is not None
    return DeskReturn(person_name(name), number)


def check_post_return(recipient: str | None, phone: str | None, ward_code: int | None, street: str | None,
                      postage: int | str | None, payer: str | None) -> PostReturn:
    """A post return's fields checked together; the province comes from the commune (post-2025 map)."""
    with ErrorCollector() as check:
        name = check(require_text, recipient, "recipient_name", RECIPIENT_LABEL, 300)
        number = check(normalize_phone, phone, "phone", labels.PHONE)
        street_text = check(require_text, street, "street", STREET_LABEL, MAX_STREET)
        province = check(_province_of, ward_code)
        fee = check(_postage, postage)
        who = check(_payer, payer)
    assert name and number and street_text and province is not None and ward_code is not None
    assert fee is not None and who is not None
    return PostReturn(person_name(name), number, province, int(ward_code), street_text,
                      format_address(street_text, int(ward_code), province), fee, who)


def _province_of(ward_code: int | None) -> int:
    if ward_code is None:
        raise ValidationError("ward_code", f"{labels.WARD}: chưa chọn.", labels.WARD)
    try:
        return ward(int(ward_code)).province_code
    except (KeyError, ValueError, TypeError):
        raise ValidationError("ward_code", f"{labels.WARD}: mã {ward_code} không có trong danh mục đơn vị hành chính "
                              "cấp xã áp dụng từ ngày 01/7/2025.", labels.WARD) from None


def _postage(value: int | str | None) -> int:
    text = str(value if value is not None else "").strip().replace(".", "")
    if not text.isdigit() or not text.isascii():
        raise ValidationError("postage", f"{POSTAGE_LABEL}: phải là số đồng nguyên, không âm (ví dụ 25000).",
                              POSTAGE_LABEL)
    amount = int(text)
    if amount > MAX_POSTAGE:
        raise ValidationError("postage", f"{POSTAGE_LABEL}: không quá {format_dong(MAX_POSTAGE)}.",
                              POSTAGE_LABEL)
    return amount


def _payer(value: str | None) -> Payer:
    try:
        return Payer(value)
    except ValueError:
        raise ValidationError("payer", f"{PAYER_LABEL}: chọn công dân (citizen) hoặc cơ quan (agency).",
                              PAYER_LABEL) from None

