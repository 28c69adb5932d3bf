"""A period with no dossier at all (a new unit's first month): every report, in every format, says so.

Real counter database (SQLite file, migrated), the real services and writers: no crash, no blank page, no
chart scaled in fractions of a dossier; zeros where figures are, and the register says it is empty.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from counter_app.reports.export_csv import write_csv
from counter_app.reports.export_json import report_json
from counter_app.reports.export_labels import NO_DATA, NO_DOSSIERS
from counter_app.reports.export_pdf import write_pdf
from counter_app.reports.export_xlsx import write_xlsx
from counter_app.reports.model import Period
from counter_app.services import reports
from tests.conftest import open_counter

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory):
    db = open_counter(tmp_path_factory.mktemp("empty-unit"))
    yield db
    db.close()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_an_empty_daily_report_is_zeros_everywhere_and_its_chart_says_there_is_nothing(empty_db, tmp_path: Path) -> None:
    report = reports.daily_report(empty_db, NOVEMBER)
    data = json.loads(json.dumps(report_json(report)))  # plain JSON all through
    assert set(data["total"]["values"].values()) == {0}
    assert len(data["received_per_day"]) == 30  # every day of the period, each at zero
    with write_csv(report, tmp_path / "d.csv").open(encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    assert rows and {row["Giá trị"] for row in rows} == {"0"}
    book = load_workbook(write_xlsx(report, tmp_path / "d.xlsx"))
    assert book["Tiếp nhận"].max_row > 1
    text = pdf_text(write_pdf(report, tmp_path / "d.pdf"))
    assert NO_DATA in text
    assert "0.002" not in text and "0,002" not in text  # the axis is whole dossiers, not fractions


def test_an_empty_kpi_has_no_made_up_rate(empty_db, tmp_path: Path) -> None:
    report = reports.kpi_report(empty_db, NOVEMBER)
    data = report_json(report)
    assert all(indicator["rate"] is None for indicator in data["total"]["indicators"].values())
    text = pdf_text(write_pdf(report, tmp_path / "k.pdf"))
    assert "—" in text and NO_DATA in text and "100,00 %" not in text and "0,00 %" not in text


def test_an_empty_register_says_so_in_pdf_and_xlsx_and_is_a_bare_header_in_csv(empty_db, tmp_path: Path) -> None:
    report = reports.register(empty_db, NOVEMBER)
    assert report_json(report)["rows"] == []
    assert NO_DOSSIERS in " ".join(pdf_text(write_pdf(report, tmp_path / "r.pdf")).split())  # wrapped in its cell
    sheet = load_workbook(write_xlsx(report, tmp_path / "r.xlsx"))["Sổ theo dõi hồ sơ"]
    assert [cell.value for cell in sheet[2]][:2] == [None, NO_DOSSIERS]
    lines = write_csv(report, tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 and lines[0].startswith("STT,")  # machine-read: the header, no prose row
