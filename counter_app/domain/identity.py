"""The citizen's identity document: number checks and the QR code on the chip ID card (domain.md §8b).

The 12-digit personal identification number is not random: its first three digits name the province
where the birth was registered, the fourth encodes gender and century, the fifth and sixth the year of
birth (Thông tư 59/2021/TT-BCA Điều 4, NĐ 137/2015 Điều 7). Checking that structure at the counter catches
most typing slips before a dossier is filed under a wrong number. The QR code on the front of the chip
card carries seven `|`-separated fields; a keyboard-mode scanner types them into whatever field has focus,
so the counter recognises the shape and fills the applicant from it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from counter_app.domain import labels
from counter_app.domain.dossier import Address, ApplicantType, Gender, IdDocumentType, Person
from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import office_date
from counter_app.domain.text import fold, nfc

ID_FIELD = "id_number"
ID_LABEL = labels.ID_NUMBER
QR_FIELD = "id_qr"
QR_LABEL = "Mã QR căn cước"

# Pre-2025 province codes used as the birth-registration prefix (Thông tư 59/2021/TT-BCA, Phụ lục I).
# They stay valid on cards issued after the 2025 merger: a number never changes.
# fmt: off
CCCD_PROVINCE_CODES: frozenset[str] = frozenset(
    f"{code:03d}"
    for code in (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38,
        40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80,
        82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    )
)
# fmt: on

# Fourth digit -> (first year of the century, gender): NĐ 137/2015/NĐ-CP Điều 7.
_CENTURY_DIGIT: dict[int, tuple[int, Gender]] = {
    0: (1900, Gender.MALE),
    1: (1900, Gender.FEMALE),
    2: (2000, Gender.MALE),
    3: (2000, Gender.FEMALE),
    4: (2100, Gender.MALE),
    5: (2100, Gender.FEMALE),
    6: (2200, Gender.MALE),
    7: (2200, Gender.FEMALE),
    8: (1800, Gender.MALE),
    9: (1800, Gender.FEMALE),
}

_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGITS = re.compile(r"[0-9]+")
_VN_PASSPORT = re.compile(r"[A-Z][0-9]{7}")
_ALNUM = re.compile(r"[A-Z0-9]+")
_QR_DATE = re.compile(r"[0-9]{8}")
_QR_FIELDS = 7
# What a keyboard-mode scanner types when it cannot produce a Vietnamese letter.
_GARBLED = ("?", "\ufffd")


def _clean_number(number: str) -> str:
    """NFKC turns full-width digits into ASCII; spaces, dots and dashes are only visual grouping."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", number or ""))


def _non_digits(value: str) -> str:
    return "".join(dict.fromkeys(ch for ch in value if not "0" <= ch <= "9"))


def cccd_birth_info(number: str) -> tuple[int, Gender]:
    """Year of birth and gender encoded in a structurally valid 12-digit number."""
    century, gender = _CENTURY_DIGIT[int(number[3])]
    return century + int(number[4:6]), gender


def _cccd_problem(
    number: str, birth_date: date | None, gender: Gender | None, today: date
) -> str | None:
    """The first rule the 12-digit number breaks, as a Vietnamese phrase; None when it is fine."""
    if not number:
        return "chưa nhập."
    if not _DIGITS.fullmatch(number):
        return f"chỉ được gồm chữ số 0–9 (có ký tự «{_non_digits(number)}»)."
    if len(number) != 12:
        return f"phải gồm đúng 12 chữ số (đang có {len(number)})."
    prefix = number[:3]
    if prefix not in CCCD_PROVINCE_CODES:
        return f"3 chữ số đầu «{prefix}» không phải mã tỉnh, thành phố nơi đăng ký khai sinh."
    year, encoded_gender = cccd_birth_info(number)
    century = year - year % 100
    if birth_date is not None and birth_date.year - birth_date.year % 100 != century:
        return (
            f"chữ số thứ 4 «{number[3]}» cho biết sinh trong các năm {century}–{century + 99}, "
            f"không khớp với ngày sinh {office_date(birth_date)}."
        )
    if birth_date is not None and birth_date.year != year:
        return (
            f"chữ số thứ 5–6 «{number[4:6]}» phải là hai số cuối của năm sinh (ngày sinh {office_date(birth_date)})."
        )
    if year > today.year:
        return f"chữ số thứ 4–6 «{number[3:6]}» cho năm sinh {year}, là năm trong tương lai."
    if gender is not None and gender != encoded_gender:
        return (
            f"chữ số thứ 4 «{number[3]}» cho biết giới tính {encoded_gender.label}, "
            f"không khớp với giới tính đã chọn ({gender.label})."
        )
    return None


def validate_id_number(
    id_type: IdDocumentType,
    number: str,
    birth_date: date | None = None,
    gender: Gender | None = None,
    *,
    today: date,
) -> str:
    """Return the number as stored (no separators, passports upper-case) or raise a field error.

    `birth_date` and `gender`, when known, are cross-checked against the CCCD's encoded digits.
    """
    value = _clean_number(number)
    if id_type is IdDocumentType.CCCD:
        problem = _cccd_problem(value, birth_date, gender, today)
        if problem:
            raise ValidationError(ID_FIELD, f"Số CCCD: {problem}", ID_LABEL)
        return value
    if id_type is IdDocumentType.CMND:
        if not value:
            raise ValidationError(ID_FIELD, "Số CMND: chưa nhập.", ID_LABEL)
        if not _DIGITS.fullmatch(value):
            raise ValidationError(
                ID_FIELD, f"Số CMND: chỉ được gồm chữ số 0–9 (có ký tự «{_non_digits(value)}»).", ID_LABEL
            )
        if len(value) != 9:
            hint = " Nếu là số căn cước 12 chữ số, hãy chọn loại giấy tờ CCCD." if len(value) == 12 else ""
            raise ValidationError(
                ID_FIELD, f"Số CMND: phải gồm đúng 9 chữ số (đang có {len(value)}).{hint}", ID_LABEL
            )
        return value
    return _validate_passport(value)


def _validate_passport(value: str) -> str:
    """Vietnamese passports are one letter and 7 digits; foreign ones vary, so only refuse garbage."""
    value = value.upper()
    if not value:
        raise ValidationError(ID_FIELD, "Số hộ chiếu: chưa nhập.", ID_LABEL)
    if not _ALNUM.fullmatch(value):
        raise ValidationError(
            ID_FIELD, f"Số hộ chiếu: «{value}» chỉ được gồm chữ cái Latinh không dấu và chữ số.", ID_LABEL
        )
    if _VN_PASSPORT.fullmatch(value):
        return value
    if not 6 <= len(value) <= 9:
        raise ValidationError(
            ID_FIELD,
            f"Số hộ chiếu: phải dài từ 6 đến 9 ký tự (đang có {len(value)}); "
            "hộ chiếu Việt Nam gồm 1 chữ cái và 7 chữ số, ví dụ C1234567.",
            ID_LABEL,
        )
    if not any(ch.isdigit() for ch in value) or len(set(value)) == 1:
        raise ValidationError(ID_FIELD, f"Số hộ chiếu: «{value}» không giống một số hộ chiếu.", ID_LABEL)
    return value


@dataclass(frozen=True)
class ChipIdCard:
    """What the QR code on the chip ID card says; the clerk may still correct it before saving."""

    id_number: str
    old_id_number: str
    full_name: str
    birth_date: date
    gender: Gender
    permanent_address: str
    issued_on: date

    def to_person(self) -> Person:
        """The applicant as the intake form expects it; the address stays free text until coded."""
        return Person(
            full_name=self.full_name,
            id_type=IdDocumentType.CCCD,
            id_number=self.id_number,
            birth_date=self.birth_date,
            gender=self.gender,
            address=Address(text=self.permanent_address),
            applicant_type=ApplicantType.CITIZEN,
        )


def looks_like_id_qr(text: str) -> bool:
    """True when a scanned line has the shape of an ID-card QR (seven `|` fields), not a dossier code."""
    return (text or "").rstrip("\r\n").count("|") == _QR_FIELDS - 1


def _qr_error(message: str) -> ValidationError:
    return ValidationError(QR_FIELD, f"Mã QR căn cước: {message}", QR_LABEL)


def _qr_date(raw: str, what: str) -> date:
    if not _QR_DATE.fullmatch(raw):
        raise _qr_error(f"{what} «{raw}» không đúng dạng ngày tháng năm ddmmyyyy (8 chữ số).")
    try:
        return date(int(raw[4:]), int(raw[2:4]), int(raw[:2]))
    except ValueError:
        raise _qr_error(f"{what} «{raw}» không phải ngày có thật.") from None


def _qr_gender(raw: str) -> Gender:
    folded = fold(raw)  # case- and mark-insensitive: "NỮ", "nữ" and a mark-less "Nu" all mean female
    if folded == "nam":
        return Gender.MALE
    if folded == "nu":
        return Gender.FEMALE
    raise _qr_error(f"giới tính «{raw}» phải là «Nam» hoặc «Nữ».")


def _refuse_garbled(value: str, what: str) -> None:
    if any(mark in value for mark in _GARBLED):
        raise _qr_error(
            f"{what} có ký tự lỗi («?»): máy quét có thể đang gõ sai dấu tiếng Việt. "
            "Hãy bật chế độ Unicode của máy quét hoặc nhập tay."
        )


def parse_chip_id_qr(payload: str, *, today: date) -> ChipIdCard:
    """Read the QR line typed by the scanner; refuse it with the exact rule it breaks.

    Every text field comes back in NFC whatever form the scanner produced. `today` (the office
    day: the caller reads it from the clock) bounds the dates printed on the card.
    """
    line = unicodedata.normalize("NFC", (payload or "").strip())
    fields = line.split("|")
    if len(fields) != _QR_FIELDS:
        raise _qr_error(
            f"có {len(fields)} trường, cần đúng {_QR_FIELDS} trường ngăn cách bởi dấu «|» "
            "(số CCCD|số CMND|họ và tên|ngày sinh|giới tính|nơi thường trú|ngày cấp)."
        )
    raw_id, raw_old, raw_name, raw_birth, raw_gender, raw_address, raw_issued = (nfc(f) for f in fields)

    full_name = raw_name
    if not full_name:
        raise _qr_error("thiếu họ và tên.")
    _refuse_garbled(full_name, "họ và tên")
    _refuse_garbled(raw_address, "nơi thường trú")

    birth_date = _qr_date(raw_birth, "ngày sinh")
    issued_on = _qr_date(raw_issued, "ngày cấp")
    if birth_date > today:
        raise _qr_error(f"ngày sinh {office_date(birth_date)} ở tương lai.")
    if issued_on > today:
        raise _qr_error(f"ngày cấp {office_date(issued_on)} ở tương lai.")
    if issued_on < birth_date:
        raise _qr_error(f"ngày cấp {office_date(issued_on)} trước ngày sinh {office_date(birth_date)}.")
    gender = _qr_gender(raw_gender)

    id_number = _clean_number(raw_id)
    if not id_number:
        raise _qr_error("thiếu số CCCD.")
    problem = _cccd_problem(id_number, birth_date, gender, today)
    if problem:
        raise _qr_error(f"số CCCD «{id_number}» không hợp lệ: {problem}")
    old_id_number = _clean_number(raw_old)
    # The card prints the 9-digit CMND; some people held a 12-digit one, which a genuine card may carry.
    if old_id_number and not (_DIGITS.fullmatch(old_id_number) and len(old_id_number) in (9, 12)):
        raise _qr_error(f"số CMND cũ «{old_id_number}» phải gồm 9 chữ số (hoặc để trống).")

    return ChipIdCard(
        id_number=id_number,
        old_id_number=old_id_number,
        full_name=full_name,
        birth_date=birth_date,
        gender=gender,
        permanent_address=raw_address,
        issued_on=issued_on,
    )
