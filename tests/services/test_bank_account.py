"""The unit's bank account and the VietQR request for what a dossier owes: real counter databases, the
code drawn on a real PDF page and decoded with zxing-cpp, the CLI run as a real process."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from counter_app.domain.errors import DomainError, ValidationErrors
from counter_app.domain.vietqr import parse_emv, read_transfer
from counter_app.printing.barcodes import draw_qr
from counter_app.services.accounts import create_account
from counter_app.services.bank_account import NoBankAccount, NothingToPay, transfer_request, unit_bank_account
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.unit_setup import load_profile, set_bank_account
from counter_app.storage.database import Database
from tests.support.cli_process import run_counter_app

SIGNATURE_FEE_PROCEDURE = "2.000884"  # chứng thực chữ ký: 10.000 đồng in the sample catalog
NO_FEE_PROCEDURE = "2.000815"


def new_dossier(db: Database, procedure: str = SIGNATURE_FEE_PROCEDURE) -> str:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="048090001234", phone="0905123456",
                            street="12 Lê Lợi", birth_date="01/02/1990", gender="male")
    return receive_dossier(db, IntakeRequest(procedure_code=procedure, applicant=applicant)).code


def decode_pdf_qr(payload: str) -> str:
    """Draw `payload` with the slip's QR routine on a PDF page, render it at printer resolution, decode it."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(80 * mm, 80 * mm))
    draw_qr(canvas, payload, 5 * mm, 5 * mm, 70 * mm)
    canvas.save()
    image = pdfium.PdfDocument(buffer.getvalue())[0].render(scale=203 / 72).to_pil().convert("L")
    return next(r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode)


def test_the_transfer_code_carries_the_exact_amount_and_the_dossier_code(counter_db: Database) -> None:
    set_bank_account(counter_db, "970449", "0123456789", "BƯU ĐIỆN THÀNH PHỐ ĐÀ NẴNG")
    code = new_dossier(counter_db)
    request = transfer_request(counter_db, code)
    assert (request.amount_vnd, request.account.bank.short_name) == (10_000, "LPBank")
    assert request.reference == code.replace(".", "")
    decoded = decode_pdf_qr(request.payload)
    assert decoded == request.payload
    fields = parse_emv(decoded)  # raises if the CRC read back is wrong
    assert fields["54"] == "10000" and fields["62"] == {"08": request.reference}
    assert read_transfer(decoded)["account"] == "0123456789"
    assert transfer_request(counter_db, code, amount_vnd=2_000).amount_vnd == 2_000


def test_without_an_account_transfer_is_refused_in_vietnamese(counter_db: Database) -> None:
    code = new_dossier(counter_db)
    assert unit_bank_account(counter_db) is None
    with pytest.raises(NoBankAccount) as error:
        transfer_request(counter_db, code)
    assert "chưa đặt tài khoản ngân hàng" in error.value.message
    set_bank_account(counter_db, "970415", "1234", "UBND PHƯỜNG HẢI CHÂU")
    set_bank_account(counter_db, "", "", "")  # cleared again
    with pytest.raises(NoBankAccount):
        transfer_request(counter_db, code)


def test_nothing_owed_gives_no_code(counter_db: Database) -> None:
    set_bank_account(counter_db, "970415", "1234", "UBND PHƯỜNG HẢI CHÂU")
    with pytest.raises(NothingToPay):
        transfer_request(counter_db, new_dossier(counter_db), amount_vnd=0)


def test_a_bad_account_is_refused_field_by_field_and_nothing_is_saved(counter_db: Database) -> None:
    with pytest.raises(ValidationErrors) as error:
        set_bank_account(counter_db, "97044", "12 34", "")
    assert set(error.value.by_field()) == {"bank_bin", "bank_account", "bank_account_name"}
    assert load_profile(counter_db).bank_account == ""


def test_only_a_supervisor_sets_the_account_once_accounts_exist(counter_db: Database) -> None:
    create_account(counter_db, username="giamsat", full_name="Lê Văn Giám", role="supervisor",
                   password="mat-khau-dai-1", by=None)
    create_account(counter_db, username="mai", full_name="Trần Thị Mai", role="clerk",
                   password="mat-khau-dai-2", by="giamsat")
    with pytest.raises(DomainError):
        set_bank_account(counter_db, "970449", "0123456789", "BƯU ĐIỆN ĐÀ NẴNG", by="mai")
    assert set_bank_account(counter_db, "970449", "0123456789", "BƯU ĐIỆN ĐÀ NẴNG", by="giamsat").bank_bin == "970449"


def test_setup_sets_the_account_from_the_command_line(tmp_path: Path) -> None:
    data = str(tmp_path / "counter")
    setup = run_counter_app(["--data-dir", data, "setup", "--unit-code", "000.31.48.H15", "--unit-name",
                             "Bưu điện Hải Châu", "--desk", "1", "--bank-bin", "970449", "--bank-account",
                             "0123456789", "--bank-account-name", "BƯU ĐIỆN HẢI CHÂU"])
    assert setup.returncode == 0, setup.stderr
    assert "0123456789 tại LPBank" in setup.stdout
    shown = run_counter_app(["--data-dir", data, "unit", "bank", "--json"])
    assert json.loads(shown.stdout) == {"bank_bin": "970449", "bank": "LPBank", "account": "0123456789",
                                        "holder": "BƯU ĐIỆN HẢI CHÂU"}
    bad = run_counter_app(["--data-dir", data, "setup", "--unit-code", "000.31.48.H15", "--unit-name",
                           "Bưu điện Hải Châu", "--desk", "1", "--bank-bin", "9704"])
    assert bad.returncode != 0 and "6 chữ số" in bad.stderr
