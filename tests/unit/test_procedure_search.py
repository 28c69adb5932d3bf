"""Ranking the procedure list: what matches what the clerk types, and the desk's common ones first."""

from __future__ import annotations

from counter_app.domain.catalog import Procedure
from counter_app.domain.procedure_search import filter_procedures, match_position, search_index


def procedure(code: str, name: str) -> Procedure:
    return Procedure(code=code, name=name, sector="Hộ tịch", level="Xã", processing_hours=8)


BIRTH = procedure("1.001193", "Thủ tục đăng ký khai sinh")
BIRTH_AGAIN = procedure("1.004884", "Thủ tục đăng ký lại khai sinh")
BIRTH_FOREIGN = procedure("1.001695", "Đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới")
DEATH = procedure("1.000656", "Thủ tục đăng ký khai tử")
MARRIAGE = procedure("1.000894", "Thủ tục đăng ký kết hôn")
CATALOG = search_index([BIRTH_FOREIGN, BIRTH_AGAIN, BIRTH, DEATH, MARRIAGE])


def codes(found: list[Procedure]) -> list[str]:
    return [p.code for p in found]


def test_words_match_without_marks_case_or_order_of_typing() -> None:
    assert codes(filter_procedures(CATALOG, "khai sinh"))[0] == BIRTH.code
    assert codes(filter_procedures(CATALOG, "ĐĂNG KÝ khai sinh"))[0] == BIRTH.code
    assert codes(filter_procedures(CATALOG, "dang ky ket hon")) == [MARRIAGE.code]
    assert filter_procedures(CATALOG, "khai sinh xyz") == []


def test_a_code_typed_finds_that_procedure_first() -> None:
    assert codes(filter_procedures(CATALOG, "1.000656")) == [DEATH.code]
    assert codes(filter_procedures(CATALOG, "1.001")) == [BIRTH.code, BIRTH_FOREIGN.code]  # then the shortest


def test_the_desks_use_ranks_before_the_name() -> None:
    use = {BIRTH_FOREIGN.code: 5, MARRIAGE.code: 1}
    assert codes(filter_procedures(CATALOG, "khai sinh", use))[0] == BIRTH_FOREIGN.code
    assert codes(filter_procedures(CATALOG, "", use)) == [BIRTH_FOREIGN.code, MARRIAGE.code, BIRTH.code, DEATH.code,
                                                          BIRTH_AGAIN.code]


def test_nothing_typed_lists_by_name_and_respects_the_limit() -> None:
    names = [p.name for p in filter_procedures(CATALOG, "")]
    assert names[0].startswith("Thủ tục đăng ký kết hôn") is False  # "Đăng ký…" folds before "Thủ tục…"
    assert len(filter_procedures(CATALOG, "", limit=2)) == 2


def test_a_leading_thu_tuc_does_not_push_a_name_down() -> None:
    key_with = search_index([BIRTH])[0][0]
    key_without = search_index([BIRTH_FOREIGN])[0][0]
    assert match_position(key_with, "dang") == match_position(key_without, "dang")
