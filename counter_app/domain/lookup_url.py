"""The unit's lookup address: where the QR on Mẫu 01 sends a citizen to follow the dossier.

The province publishes a page that looks a dossier up by its code. The address is either a pattern
with "{code}" (https://dichvucong.example.vn/tra-cuu?ma={code}) or a base the code is appended to
(https://dichvucong.example.vn/tra-cuu?ma=). Only https: the citizen's phone opens it as it is.
Empty: the QR holds the bare code. printing.receipt_slip.SlipHeader.qr_payload puts the code in.

Pure Python.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from counter_app.domain.errors import ValidationError
from counter_app.domain.text import nfc

PLACEHOLDER = "{code}"
# The QR must stay readable at 22 mm on a 203-dpi printer: a short address and a 25-character code.
MAX_LEN = 200
FIELD, LABEL = "lookup_url", "Địa chỉ tra cứu hồ sơ"


def normalize_lookup_url(value: str | None) -> str:
    """The address as stored ("" clears it), or a ValidationError saying in Vietnamese what is wrong."""
    url = nfc(value or "").strip()
    if not url:
        return ""
    if len(url) > MAX_LEN:
        raise ValidationError(FIELD, f"{LABEL} dài quá {MAX_LEN} ký tự (mã QR trên giấy tiếp nhận sẽ khó quét).", LABEL)
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValidationError(FIELD, f"{LABEL} không được chứa khoảng trắng hay ký tự điều khiển.", LABEL)
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise ValidationError(
            FIELD, f"{LABEL} phải bắt đầu bằng https:// và có tên máy chủ, ví dụ https://dichvucong.example.vn/tra-cuu?ma={PLACEHOLDER}.", LABEL
        )
    if parts.fragment:
        raise ValidationError(FIELD, f"{LABEL} không được có phần “#…”.", LABEL)
    if url.count(PLACEHOLDER) > 1 or (PLACEHOLDER in parts.netloc):
        raise ValidationError(FIELD, f"{LABEL}: chỗ đặt mã hồ sơ {PLACEHOLDER} chỉ ghi một lần, trong đường dẫn hoặc tham số.", LABEL)
    if ("{" in url.replace(PLACEHOLDER, "")) or ("}" in url.replace(PLACEHOLDER, "")):
        raise ValidationError(FIELD, f"{LABEL}: chỉ dùng được chỗ đặt {PLACEHOLDER}.", LABEL)
    return url
