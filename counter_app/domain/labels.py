"""The Vietnamese name of each field of a dossier: one word for one thing, on the form, in its error
messages, on the slip and in the CLI. A message is "<label>: <what is wrong>", so the clerk finds the
field by the same word the screen shows.
"""

from __future__ import annotations

PROCEDURE = "Thủ tục"
FULL_NAME = "Họ và tên"
ID_TYPE = "Loại giấy tờ"
ID_NUMBER = "Số giấy tờ"
BIRTH_DATE = "Ngày sinh"
GENDER = "Giới tính"
PHONE = "Số điện thoại"
EMAIL = "Email"
ADDRESS = "Địa chỉ"
WARD = "Xã/phường"
SUBMITTER = "Người nộp hồ sơ"
DOCUMENTS = "Thành phần hồ sơ"
SETS = "Số bộ hồ sơ"
CHANNEL = "Kênh tiếp nhận"
RESULT_DELIVERY = "Nơi nhận kết quả"
SUMMARY = "Nội dung yêu cầu"
RECEIVED_AT = "Thời điểm tiếp nhận"

# Field names (ValidationError.field) -> label, for code that only has the field's name.
BY_FIELD = {
    "procedure_code": PROCEDURE,
    "full_name": FULL_NAME,
    "id_type": ID_TYPE,
    "id_number": ID_NUMBER,
    "birth_date": BIRTH_DATE,
    "gender": GENDER,
    "phone": PHONE,
    "email": EMAIL,
    "address": ADDRESS,
    "ward_code": WARD,
    "documents": DOCUMENTS,
    "sets_count": SETS,
    "channel": CHANNEL,
    "result_delivery": RESULT_DELIVERY,
    "summary": SUMMARY,
    "received_at": RECEIVED_AT,
}


def caption(label: str) -> str:
    """The label as a form row shows it: 'Họ và tên:'."""
    return f"{label}:"
