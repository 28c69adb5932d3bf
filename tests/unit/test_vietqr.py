"""VietQR payloads (domain.vietqr): built, read back, their CRC checked, against published examples."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.vietqr import (
    InvalidPayload,
    crc16_ccitt,
    parse_emv,
    read_transfer,
    require_valid_reference,
    transfer_reference,
    vietqr_payload,
)

# The NAPAS example of a dynamic transfer to an account ("Technical Specifications on NAPAS QR Switching"
# v1.5.2, 2021; quoted verbatim by several public implementations' tests, e.g. the Go and PHP VietQR
# builders indexed on GitHub): bill number 62/01 and purpose 62/08 both present.
NAPAS_EXAMPLE = ("00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN"
                 "62340107NPS68690819thanh toan don hang63042E2E")
# README of github.com/xuannghia/vietnam-qr-pay (initVietQR, ACB account 257678859, 10,000 đồng,
# purpose "Chuyen tien"): exactly the fields this module writes, in the same order.
VIETNAM_QR_PAY_EXAMPLE = ("00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
                          "62150811Chuyen tien630453E6")

BINS = st.from_regex(r"9704[0-9]{2}", fullmatch=True)
ACCOUNTS = st.text(string.ascii_letters + string.digits, min_size=1, max_size=19)
AMOUNTS = st.integers(min_value=1, max_value=10**13 - 1)
REFERENCES = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=25)


def test_crc_matches_the_published_examples() -> None:
    for example in (NAPAS_EXAMPLE, VIETNAM_QR_PAY_EXAMPLE):
        assert crc16_ccitt(example[:-4]) == example[-4:]
    assert crc16_ccitt("123456789") == "29B1"  # the CRC-16/CCITT-FALSE check value


def test_builder_writes_the_published_example_byte_for_byte() -> None:
    assert vietqr_payload("970416", "257678859", 10_000, "Chuyen", "tien") == VIETNAM_QR_PAY_EXAMPLE


def test_reader_reads_the_napas_example() -> None:
    fields = parse_emv(NAPAS_EXAMPLE)
    assert fields["38"] == {"00": "A000000727", "01": {"00": "970403", "01": "0011012345678"}, "02": "QRIBFTTA"}
    assert fields["62"] == {"01": "NPS6869", "08": "thanh toan don hang"}
    assert (fields["01"], fields["53"], fields["54"], fields["58"]) == ("12", "704", "180000", "VN")
    assert read_transfer(NAPAS_EXAMPLE) == {"bank_bin": "970403", "account": "0011012345678",
                                            "amount_vnd": 180_000, "description": "thanh toan don hang"}


@given(BINS, ACCOUNTS, AMOUNTS, REFERENCES)
def test_any_valid_input_round_trips(bank_bin: str, account: str, amount: int, reference: str) -> None:
    payload = vietqr_payload(bank_bin, account, amount, reference)
    assert payload[-8:-4] == "6304" and payload[-4:] == crc16_ccitt(payload[:-4])
    assert read_transfer(payload) == {"bank_bin": bank_bin, "account": account, "amount_vnd": amount,
                                      "description": reference}


@given(BINS, ACCOUNTS, AMOUNTS, REFERENCES, st.data())
def test_a_changed_character_fails_the_crc(bank_bin: str, account: str, amount: int, reference: str,
                                           data: st.DataObject) -> None:
    payload = vietqr_payload(bank_bin, account, amount, reference)
    at = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    replacement = data.draw(st.sampled_from(string.ascii_uppercase + string.digits).filter(lambda c: c != payload[at]))
    with pytest.raises(InvalidPayload):
        parse_emv(payload[:at] + replacement + payload[at + 1:])


def test_a_dossier_code_becomes_a_reference_a_bank_keeps() -> None:
    reference = transfer_reference("000.31.48.H15-250702-0007")
    assert reference == "0003148H15-250702-0007"
    assert read_transfer(vietqr_payload("970449", "123456789", 15_000, reference))["description"] == reference


@pytest.mark.parametrize(("args", "field", "words"), [
    (("97044", "123", 1, "A"), "bank_bin", "6 chữ số"),
    (("970449", "12 34", 1, "A"), "bank_account", "Số tài khoản"),
    (("970449", "1" * 20, 1, "A"), "bank_account", "19 ký tự"),
    (("970449", "123", 0, "A"), "amount_vnd", "lớn hơn 0"),
    (("970449", "123", 10**13, "A"), "amount_vnd", "13 chữ số"),
    (("970449", "123", 1, "Hồ sơ"), "reference", "không dấu"),
    (("970449", "123", 1, "000.31.48.H15-250702-0007"), "reference", "dấu gạch ngang"),
    (("970449", "123", 1, "0003148H15-250702-0007", "phi le phi"), "purpose", "tối đa 25"),
    (("970449", "123", 1, "A", "lệ phí"), "purpose", "không dấu"),
])
def test_bad_inputs_are_refused_in_vietnamese(args: tuple, field: str, words: str) -> None:
    with pytest.raises(ValidationErrors) as error:
        vietqr_payload(*args)
    assert words in error.value.by_field()[field]


@pytest.mark.parametrize("bad", ["", "63", "6304ABCD", "0009016304" + crc16_ccitt("0009016304"),
                                 "0002010102120102116304" + crc16_ccitt("0002010102120102116304"), "x" * 600])
def test_malformed_payloads_are_refused(bad: str) -> None:
    with pytest.raises(InvalidPayload):
        parse_emv(bad)


def test_the_bank_reference_the_clerk_types_is_checked() -> None:
    assert require_valid_reference("  FT24335123456789 ") == "FT24335123456789"
    for bad in ("", "12345", "FT 2433", "mã-giao-dịch", "x" * 65):
        with pytest.raises(ValidationError):
            require_valid_reference(bad)
