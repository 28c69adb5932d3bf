"""NFC at the boundary and the fold search compares."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.domain.text import fold, has_vietnamese_marks, nfc, person_name, search_tokens


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


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("phạm văn tú", "Phạm Văn Tú"),
        ("PHẠM VĂN TÚ", "Phạm Văn Tú"),
        ("  nguyễn   thị   hồng nhung ", "Nguyễn Thị Hồng Nhung"),
        ("đỗ đức đạt", "Đỗ Đức Đạt"),
        ("ÉN ÚT", "Én Út"),
        ("h'hen niê", "H'Hen Niê"),
        ("y-moan ênuôl", "Y-Moan Ênuôl"),
        ("pham van tu", "Pham Van Tu"),
        ("", ""),
    ],
)
def test_person_name_is_title_case_the_vietnamese_way(typed: str, written: str) -> None:
    assert person_name(typed) == written
    assert person_name(unicodedata.normalize("NFD", typed)) == written  # whatever the input method sent


def test_a_name_without_any_mark_is_told_apart() -> None:
    assert not has_vietnamese_marks("pham van tu")
    assert not has_vietnamese_marks("John Smith")
    assert has_vietnamese_marks("Phạm Văn Tú")
    assert has_vietnamese_marks("Do Van Đuc")  # đ alone counts
    assert has_vietnamese_marks(unicodedata.normalize("NFD", "Lê Na"))
