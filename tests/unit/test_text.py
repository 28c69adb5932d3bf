"""NFC at the boundary and the fold search compares."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from counter_app.domain.text import fold, nfc, search_tokens


def test_nfc_and_whitespace() -> None:
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Văn Đức ")
    assert nfc(decomposed) == "Nguyễn Văn Đức"
    assert nfc(None) == ""
    assert nfc("Trần\x00 Thị\x1b Mai\x7f") == "Trần Thị Mai"


def test_fold_removes_marks_and_d_stroke() -> None:
    assert fold("Nguyễn Văn Đức") == "nguyen van duc"
    assert fold("ĐẶNG THỊ ĐÀO") == "dang thi dao"
    assert search_tokens("000.31.48.H15-260203-3007") == ["000", "31", "48", "h15", "260203", "3007"]


@given(st.text(alphabet="aăâbdđeêioôơuưyAĂÂĐÊÔƠƯ áàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữự", max_size=30))
def test_fold_is_the_same_for_nfc_and_nfd(text: str) -> None:
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))
    assert all(ord(c) < 128 for c in fold(text))
