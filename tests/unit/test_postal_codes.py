"""UPU S10 item codes: the check digit, building and parsing, and what is refused in Vietnamese."""

import pytest

from counter_app.domain.operations import InvalidOperation, OpType, check_payload
from counter_app.domain.postal_codes import BadItemCode, item_code, parse_item_code, s10_check_digit


@pytest.mark.parametrize(("serial", "check"), [
    (47312482, 9),  # the standard's worked example: S = 200, C = 11 - 200 mod 11 = 9
    (1, 4),  # S = 1×7 = 7: C = 4
    (10, 2),  # S = 1×9 = 9: C = 2
    (8, 0),  # S = 8×7 = 56, 56 mod 11 = 1: C = 10, written 0
    (0, 5),  # S = 0: C = 11, written 5
    (99999999, 5),  # S = 9×44 = 396 = 36×11: C = 11, written 5
])
def test_check_digit_follows_the_s10_weights(serial: int, check: int) -> None:
    assert s10_check_digit(serial) == check


def test_item_code_round_trips() -> None:
    code = item_code(47312482)
    assert code == "RR473124829VN"
    parsed = parse_item_code("rr 4731 2482 9 vn")
    assert (parsed.service, parsed.serial, parsed.country, str(parsed)) == ("RR", 47312482, "VN", code)


@pytest.mark.parametrize(("text", "words"), [
    ("RR473124828VN", "sai chữ số kiểm tra (phải là 9)"),
    ("RR47312482VN", "không đúng dạng S10"),
    ("R1473124829VN", "không đúng dạng S10"),
    ("RR４７３１２４８２９VN", "không đúng dạng S10"),  # full-width digits
    ("RR٤٧٣١٢٤٨٢٩VN", "không đúng dạng S10"),  # Arabic-Indic digits
    ("RR473124829VN\n", "không đúng dạng S10"),
    ("RR000000005VN", "00000000"),
    ("x" * 500, "chuỗi 13 ký tự"),
])
def test_bad_codes_are_refused_in_vietnamese(text: str, words: str) -> None:
    with pytest.raises(BadItemCode) as caught:
        parse_item_code(text)
    assert words in caught.value.message


def test_serial_bounds() -> None:
    with pytest.raises(BadItemCode):
        item_code(0)
    with pytest.raises(BadItemCode):
        item_code(100_000_000)


def test_the_operation_vocabulary_refuses_non_ascii_digits() -> None:
    payload = {"return_id": "8c0e7a52-3f0c-4f59-9d3e-0a4f1c2b3d4e", "item_code": "RR473124829VN",
               "state": "handed", "at": "2026-11-30T08:00:00+07:00", "actor": "Trần Thị Mai"}
    check_payload(OpType.SHIPMENT_STATE, payload)
    with pytest.raises(InvalidOperation, match="item_code"):
        check_payload(OpType.SHIPMENT_STATE, {**payload, "item_code": "RR٤٧٣١٢٤٨٢٩VN"})
