"""The commune picker's pure parts: search order and the street left of a full address."""

from __future__ import annotations

from counter_app.domain import admin_units
from counter_app.ui.commune_picker import commune_label, find_communes, street_part

HAI_CHAU = 20242


def test_search_without_marks_puts_the_home_province_first() -> None:
    labels = [commune_label(unit) for unit in find_communes("hai chau", home_province=48)]
    assert labels[0] == "Phường Hải Châu — Thành phố Đà Nẵng"
    assert "Xã Hải Châu — Tỉnh Nghệ An" in labels
    assert find_communes("Hải Châu", 40)[0].province_code == 40
    assert all(not unit.is_province for unit in find_communes("da nang", 48))
    assert find_communes("khong co xa nay", 48) == []


def test_street_part_drops_the_commune_and_province_written_out() -> None:
    unit = admin_units.ward(HAI_CHAU)
    assert street_part("Số 12 Lê Lợi, phường Hải Châu, thành phố Đà Nẵng", unit) == "Số 12 Lê Lợi"
    assert street_part("12 Lê Lợi, P. Hải Châu, TP. Đà Nẵng", unit) == "12 Lê Lợi"
    assert street_part("Hải Châu, Đà Nẵng", unit) == ""
    # An older address (district, old ward) is not guessed at: only exact trailing names go.
    assert street_part("Tổ 5, phường Hải Châu I, quận Hải Châu, Đà Nẵng", unit) == (
        "Tổ 5, phường Hải Châu I, quận Hải Châu"
    )
    assert street_part("Số 3 Phan Châu Trinh", unit) == "Số 3 Phan Châu Trinh"
