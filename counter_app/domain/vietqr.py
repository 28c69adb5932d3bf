"""VietQR: the payload a citizen's banking app scans to transfer a fee to the unit's account.

A VietQR code is an EMVCo merchant-presented QR (EMV QRCPS-MPM) profiled by NAPAS ("Technical
Specifications on NAPAS QR Switching", v1.5.2, 2021): a string of TLV data objects — two-digit tag,
two-digit length, value — ended by tag 63, a CRC-16/CCITT-FALSE over everything before it including
"6304". The counter shows a *dynamic* code (01 = "12"): the amount is fixed, so the citizen cannot
mistype it, and the purpose (62/08) carries the dossier's reference, so the transfer can be matched to
the dossier on the unit's bank statement. See docs/payments.md.

Only the fields of a transfer to an account (service QRIBFTTA) are built; `parse_emv` reads any EMV
payload (templates 26–51 and 62 nested) and checks its CRC, so the app reads back what it is about to
show and the tests read back what a scanner decoded.
"""

from __future__ import annotations

import re

from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.validation import ErrorCollector

NAPAS_GUID = "A000000727"  # the NAPAS application identifier inside tag 38
SERVICE_TRANSFER_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"  # ISO 4217
COUNTRY_VN = "VN"
DYNAMIC = "12"  # point of initiation: a code for one payment, amount included ("11" = static)
# EMVCo: every sub-field of the additional data template 62 (bill number … purpose) is "ans, up to 25".
PURPOSE_MAX = 25
AMOUNT_MAX_DIGITS = 13  # tag 54 holds at most 13 characters
ACCOUNT_MAX = 19  # NAPAS: consumer id (account number) up to 19 characters
# Templates whose value is itself a list of TLV data objects (EMVCo: 26–51 merchant account, 62, 64).
_TEMPLATES = frozenset({*(f"{n:02d}" for n in range(26, 52)), "62", "64"})

_BIN = re.compile(r"\d{6}")
_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,19}")
# What a bank transfer carries unchanged in its description: ASCII letters, digits, '-' (no
# diacritics, no punctuation many banks strip); the purpose text may also hold single spaces.
_REFERENCE = re.compile(r"[A-Za-z0-9-]+")
_PURPOSE = re.compile(r"[A-Za-z0-9-]+( [A-Za-z0-9-]+)*")


class InvalidPayload(DomainError):
    """A payload that is not a well-formed EMV QR string, or whose CRC does not match."""


def crc16_ccitt(text: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) as 4 uppercase hex digits."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _tlv(tag: str, value: str) -> str:
    if not 1 <= len(value) <= 99:
        raise InvalidPayload(f"Trường {tag} của mã QR phải dài từ 1 đến 99 ký tự (đang là {len(value)}).")
    return f"{tag}{len(value):02d}{value}"


def transfer_reference(dossier_code: str) -> str:
    """The dossier code as a bank keeps it: dots removed ("000.31.48.H15-250702-0007" -> "0003148H15-250702-0007").

    Banks drop or replace dots in a transfer's description; the unit code has a fixed shape
    (QCVN 102: 3.2.2.3 characters), so the dots can be put back when reading a statement.
    """
    return dossier_code.replace(".", "").strip()


def vietqr_payload(bank_bin: str, account: str, amount_vnd: int, reference: str, purpose: str = "") -> str:
    """The VietQR string for a transfer of exactly `amount_vnd` đồng to `account` at bank `bank_bin`.

    The transfer's description (62/08) is `reference`, then `purpose` after a space when given; both
    must survive a bank transfer unchanged (see `_REFERENCE`) and fit in 25 characters together.
    Every bad input is reported at once (ValidationErrors) with a Vietnamese message.
    """
    bank_bin, account, reference, purpose = (str(bank_bin).strip(), str(account).strip(),
                                             str(reference).strip(), str(purpose).strip())
    description = f"{reference} {purpose}" if purpose else reference
    with ErrorCollector() as check:
        if not _BIN.fullmatch(bank_bin):
            check.add("bank_bin", f"Mã BIN ngân hàng «{bank_bin}» phải gồm đúng 6 chữ số (ví dụ 970415).",
                      "Mã BIN ngân hàng")
        if not _ACCOUNT.fullmatch(account):
            check.add("bank_account", f"Số tài khoản «{account}» chỉ gồm chữ cái không dấu và chữ số, "
                      f"từ 1 đến {ACCOUNT_MAX} ký tự.", "Số tài khoản")
        if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
            check.add("amount_vnd", "Số tiền chuyển khoản phải là một số nguyên đồng lớn hơn 0.", "Số tiền")
        elif len(str(amount_vnd)) > AMOUNT_MAX_DIGITS:
            check.add("amount_vnd", f"Số tiền chuyển khoản quá lớn (tối đa {AMOUNT_MAX_DIGITS} chữ số).", "Số tiền")
        if not _REFERENCE.fullmatch(reference):
            check.add("reference", f"Mã tham chiếu «{reference}» chỉ được gồm chữ cái không dấu, chữ số và "
                      "dấu gạch ngang (-).", "Mã tham chiếu")
        if purpose and not _PURPOSE.fullmatch(purpose):
            check.add("purpose", f"Nội dung «{purpose}» chỉ được gồm chữ cái không dấu, chữ số, dấu gạch ngang "
                      "và dấu cách.", "Nội dung chuyển khoản")
        if len(description) > PURPOSE_MAX:
            check.add("purpose", f"Nội dung chuyển khoản «{description}» dài {len(description)} ký tự; "
                      f"chuẩn VietQR cho tối đa {PURPOSE_MAX} ký tự.", "Nội dung chuyển khoản")
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TRANSFER_TO_ACCOUNT)
    body = (_tlv("00", "01") + _tlv("01", DYNAMIC) + _tlv("38", merchant) + _tlv("53", CURRENCY_VND)
            + _tlv("54", str(amount_vnd)) + _tlv("58", COUNTRY_VN) + _tlv("62", _tlv("08", description)) + "6304")
    return body + crc16_ccitt(body)


def _read_tlv(text: str, where: str) -> dict[str, str]:
    """Split a run of TLV objects; a tag seen twice, a bad length or a cut-off value is refused."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(text):
        head = text[i:i + 4]
        if len(head) < 4 or not head.isdigit():
            raise InvalidPayload(f"Mã QR hỏng: {where} có đoạn «{head}» ở vị trí {i} không phải mã trường và độ dài.")
        tag, length = head[:2], int(head[2:])
        value = text[i + 4:i + 4 + length]
        if length == 0 or len(value) < length:
            raise InvalidPayload(f"Mã QR hỏng: trường {tag} {where} bị cắt ngắn hoặc rỗng.")
        if tag in fields:
            raise InvalidPayload(f"Mã QR hỏng: trường {tag} xuất hiện hai lần {where}.")
        fields[tag] = value
        i += 4 + length
    return fields


def parse_emv(payload: str) -> dict[str, str | dict[str, str | dict[str, str]]]:
    """Read an EMV QR payload into {tag: value}; templates (26–51, 62, 64) become nested dicts.

    Inside the NAPAS template 38, sub-field 01 (bank BIN + account) is nested once more. Refuses a
    payload whose CRC (tag 63, which must come last) does not match what precedes it.
    """
    if len(payload) > 512:
        raise InvalidPayload("Mã QR dài bất thường (quá 512 ký tự): không phải mã VietQR.")
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise InvalidPayload("Mã QR không kết thúc bằng mã kiểm tra CRC (trường 63).")
    expected = crc16_ccitt(payload[:-4])
    if payload[-4:].upper() != expected:
        raise InvalidPayload(f"Mã kiểm tra CRC của mã QR sai (ghi {payload[-4:]}, tính ra {expected}): "
                             "mã đã bị đổi hoặc đọc nhầm.")
    result: dict[str, str | dict[str, str | dict[str, str]]] = {}
    for tag, value in _read_tlv(payload, "trong mã").items():
        if tag in _TEMPLATES:
            nested: dict[str, str | dict[str, str]] = dict(_read_tlv(value, f"trong trường {tag}"))
            if nested.get("00") == NAPAS_GUID and "01" in nested:
                nested["01"] = _read_tlv(str(nested["01"]), f"trong trường {tag}.01")
            result[tag] = nested
        else:
            result[tag] = value
    return result


def read_transfer(payload: str) -> dict[str, str | int]:
    """The transfer a VietQR payload asks for: bank_bin, account, amount_vnd, description.

    Raises InvalidPayload when it is not a NAPAS transfer to an account.
    """
    fields = parse_emv(payload)
    merchant = fields.get("38")
    if not isinstance(merchant, dict) or merchant.get("00") != NAPAS_GUID:
        raise InvalidPayload("Mã QR không phải mã VietQR của NAPAS (thiếu trường 38 với A000000727).")
    beneficiary = merchant.get("01")
    if not isinstance(beneficiary, dict) or merchant.get("02") != SERVICE_TRANSFER_TO_ACCOUNT:
        raise InvalidPayload("Mã VietQR không phải lệnh chuyển khoản đến tài khoản (QRIBFTTA).")
    extra = fields.get("62")
    amount = fields.get("54", "0")
    return {
        "bank_bin": beneficiary.get("00", ""),
        "account": beneficiary.get("01", ""),
        "amount_vnd": int(amount) if isinstance(amount, str) and amount.isdigit() else 0,
        "description": extra.get("08", "") if isinstance(extra, dict) else "",
    }


def require_valid_reference(value: str, field: str = "bank_reference", label: str = "Mã giao dịch ngân hàng") -> str:
    """The bank's transaction reference the clerk copies from the citizen's transfer (kept on the receipt).

    Letters, digits and '-', '.', '/', 6 to 64 characters (the receipt keeps 64).
    """
    clean = str(value or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9./-]{5,63}", clean):
        raise ValidationError(field, "Mã giao dịch ngân hàng phải có từ 6 đến 64 ký tự, gồm chữ cái không dấu, "
                              "chữ số và các dấu - . /; hãy chép đúng mã trên biên nhận chuyển khoản của công dân.",
                              label)
    return clean
