"""The four exports of a report (JSON, XLSX, CSV, PDF) print exactly what the report holds: read back here."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.lib.units import mm

from counter_app.reports.export_csv import write_csv
from counter_app.reports.export_json import report_json
from counter_app.reports.export_pdf import write_pdf
from counter_app.reports.export_xlsx import write_xlsx
from counter_app.reports.figures import DAILY_FIGURES, KPI_INDICATORS
from counter_app.reports.model import Register
from tests.support.report_samples import PERIOD, daily_report, kpi_report, register


def pdf_pages(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def test_json_is_plain_types_with_every_figure_iso_dates_and_rates_as_strings() -> None:
    daily = report_json(daily_report())
    assert json.loads(json.dumps(daily)) == daily  # nothing json cannot carry as it is
    assert daily["kind"] == "daily" and daily["period"] == {"from": "2026-03-09", "to": "2026-03-10"}
    assert daily["generated_at"] == "2026-03-11T08:30:00+07:00"
    assert list(daily["total"]["values"]) == [f.key for f in DAILY_FIGURES]
    assert daily["total"]["values"]["collected_total"] == 5_320_000
    assert daily["total"]["values"]["received_total"] == 40
    assert daily["received_per_day"][0] == {"day": "2026-03-09", "direct": 12, "online": 5, "postal": 3}
    assert daily["closes"][0]["difference"] == -1_000
    kpi = report_json(kpi_report())
    assert kpi["total"]["indicators"]["on_time_rate"] == {"numerator": 45, "denominator": 48, "rate": "93.75"}
    assert kpi["total"]["indicators"]["satisfaction"]["rate"] is None  # nothing recorded: no made-up rate
    assert kpi["on_time_per_day"] == [{"day": "2026-03-09", "numerator": 3, "denominator": 4, "rate": "75.00"},
                                      {"day": "2026-03-10", "numerator": 0, "denominator": 0, "rate": None}]
    rows = report_json(register())["rows"]
    assert rows[0]["returned_at"] == "2026-03-12T14:15:00+07:00" and rows[0]["register_number"] == 1
    assert rows[1]["returned_at"] is None and rows[1]["result_from_agency_at"] is None


def test_xlsx_daily_has_a_sheet_per_section_totals_formats_and_a_frozen_header(tmp_path: Path) -> None:
    book = load_workbook(write_xlsx(daily_report(), tmp_path / "ngay.xlsx"))
    assert book.sheetnames == ["Thông tin", "Tiếp nhận", "Giải quyết và trả kết quả", "Phí, lệ phí",
                               "Số hóa và đồng bộ", "Chốt sổ", "Theo ngày"]
    fees = book["Phí, lệ phí"]
    head = [c.value for c in fees[1]]
    assert head[:2] == ["Chỉ tiêu", "Đơn vị tính"] and head[-1] == "Tổng cộng"
    assert "Bưu điện xã Hòa Vang – quầy 1" in head and "Bưu điện phường Hải Châu" in head
    by_label = {row[0].value: row for row in fees.iter_rows(min_row=2)}
    collected = by_label["Tổng số tiền đã thu"]
    assert collected[-1].value == 5_320_000 and collected[-1].number_format == "#,##0"
    assert fees.freeze_panes == "A2" and fees.column_dimensions["A"].width > 30
    received = {row[0].value: row[-1].value for row in book["Tiếp nhận"].iter_rows(min_row=2)}
    assert received["Tiếp nhận trực tiếp"] == 28 and received["Tổng số hồ sơ tiếp nhận"] == 40
    per_day = list(book["Theo ngày"].iter_rows(min_row=2))
    assert per_day[0][0].value == datetime(2026, 3, 9) and per_day[0][0].number_format == "dd/mm/yyyy"
    assert [c.value for c in per_day[0][1:]] == [12, 5, 3, 20]
    close = next(book["Chốt sổ"].iter_rows(min_row=2))
    assert close[3].value == "Nguyễn Thị Lan" and close[6].value == -1_000
    info = {row[0].value: row[1] for row in book["Thông tin"].iter_rows(min_row=2)}
    assert info["Từ ngày"].value == datetime(2026, 3, 9) and info["Từ ngày"].number_format == "dd/mm/yyyy"


def test_xlsx_kpi_rates_are_percentages_with_numerator_and_denominator(tmp_path: Path) -> None:
    book = load_workbook(write_xlsx(kpi_report(), tmp_path / "chiso.xlsx"))
    rows = [[c for c in row] for row in book["Chỉ số"].iter_rows(min_row=2)]
    assert len(rows) == 3 * len(KPI_INDICATORS)  # two units and the total
    total_on_time = next(r for r in rows if r[0].value == "Tổng cộng" and r[1].value.startswith("Tỷ lệ giải quyết"))
    assert [c.value for c in total_on_time[2:4]] == [45, 48]
    assert total_on_time[4].value == pytest.approx(0.9375) and total_on_time[4].number_format == "0.00%"
    satisfaction = next(r for r in rows if r[0].value == "Tổng cộng" and r[1].value == "Mức độ hài lòng")
    assert satisfaction[4].value == "—"


def test_xlsx_register_has_the_mau_06_columns_and_office_times(tmp_path: Path) -> None:
    sheet = load_workbook(write_xlsx(register(), tmp_path / "so.xlsx"))["Sổ theo dõi hồ sơ"]
    head = [c.value for c in sheet[1]]
    assert head[:7] == ["STT", "Mã hồ sơ", "Tên TTHC", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
                        "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết"]
    assert head[7:14] == ["Nhận hồ sơ", "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
                          "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả cho cá nhân, tổ chức", "Ký nhận", "Ghi chú"]
    first, second = ([c for c in row] for row in sheet.iter_rows(min_row=2, max_row=3))
    assert first[7].value == datetime(2026, 3, 9, 8, 1) and first[7].number_format == "dd/mm/yyyy hh:mm"
    assert first[11].value == datetime(2026, 3, 12, 14, 15)
    assert second[11].value is None and second[13].value == "Trả qua bưu chính"  # no return: an empty cell


def test_csv_starts_with_the_bom_and_keeps_the_vietnamese(tmp_path: Path) -> None:
    path = write_csv(daily_report(), tmp_path / "ngay.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "Tiếp nhận trực tiếp" in text
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["Cấp", "Mã đơn vị", "Tên đơn vị", "Quầy", "Nhóm", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính",
                        "Giá trị"]
    total = {line[5]: int(line[8]) for line in lines[1:] if line[0] == "Tổng cộng"}
    assert total["collected_total"] == 5_320_000 and total["received_direct"] == 28
    assert len(lines) == 1 + 5 * len(DAILY_FIGURES)  # two desks, two units, the total
    kpi = list(csv.reader(io.StringIO(write_csv(kpi_report(), tmp_path / "k.csv").read_text("utf-8-sig"))))
    on_time = next(line for line in kpi if line[0] == "Tổng cộng" and line[4] == "on_time_rate")
    assert on_time[6:] == ["93.75", "45", "48"]
    reg = list(csv.reader(io.StringIO(write_csv(register(), tmp_path / "s.csv").read_text("utf-8-sig"))))
    assert reg[1][7] == "09/03/2026 08:01" and reg[2][11] == ""


def test_pdf_daily_holds_the_totals_and_the_chart_legend(tmp_path: Path) -> None:
    text = " ".join(pdf_pages(write_pdf(daily_report(), tmp_path / "ngay.pdf")))
    for expected in ("BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ TRẢ KẾT QUẢ", "Từ ngày 09/03/2026 đến ngày 10/03/2026",
                     "Tổng số tiền đã thu đồng 1.330.000 3.990.000 5.320.000",
                     "Tiếp nhận trực tiếp hồ sơ 7 21 28", "Trả nhầm tiền thừa", "Trực tiếp", "Trực tuyến",
                     "Bưu chính", "trang 1"):
        assert expected in text, (expected, text)


def test_pdf_kpi_prints_rates_and_a_dash_when_nothing_was_recorded(tmp_path: Path) -> None:
    text = " ".join(pdf_pages(write_pdf(kpi_report(), tmp_path / "chiso.pdf")))
    assert "Tỷ lệ giải quyết trước hạn, đúng hạn 45 48 93,75 %" in text
    assert "Mức độ hài lòng 0 0 —" in text


def test_register_pdf_is_mau_06_a4_landscape_with_header_on_every_page(tmp_path: Path) -> None:
    path = write_pdf(register(40), tmp_path / "so.pdf")
    reader = PdfReader(path)
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / mm), round(float(box.height) / mm)) == (297, 210)  # A4 landscape
    pages = pdf_pages(path)
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert "Mã hồ sơ Tên thủ tục hành chính Số lượng hồ sơ (bộ)" in page and f"trang {number}" in page
    text = " ".join(pages)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Quyển số 01/2026, Số thứ tự 7" in text
    assert "000.31.48.H15-260309-0040" in text
    # dossier 2 was not returned: its row ends at the hand-over, no return time printed
    row_two = text[text.index("000.31.48.H15-260309-0002"):text.index("000.31.48.H15-260309-0003")]
    assert "09/03/2026 10:02" in row_two and "14:15" not in row_two and "Trả qua bưu chính" in row_two


def test_an_empty_register_says_so_and_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    empty = Register(PERIOD, register().scope, register().generated_at, [], "Bưu điện xã Hòa Vang")
    assert "Không có hồ sơ nào được tiếp nhận trong kỳ" in " ".join(pdf_pages(write_pdf(empty, tmp_path / "e.pdf")))
    target = tmp_path / "giu.csv"
    target.write_text("cũ", encoding="utf-8")
    with pytest.raises(AttributeError):
        write_csv(object(), target)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "cũ" and sorted(p.name for p in tmp_path.iterdir()) == ["e.pdf",
                                                                                                       "giu.csv"]


def test_hostile_text_from_a_counter_stays_text_in_every_format(tmp_path: Path) -> None:
    """A name typed as a formula, with a control character and markup: printed as text, never run or parsed."""
    hostile = '=HYPERLINK("http://x.invalid","Bấm")\x0b<b>Lê</b> & Văn'
    row = replace(register().rows[0], applicant_name=hostile, note="+84 Ghi chú @ -")
    report = replace(register(), rows=[row])
    sheet = load_workbook(write_xlsx(report, tmp_path / "so.xlsx"))["Sổ theo dõi hồ sơ"]
    name = sheet.cell(row=2, column=5)
    assert name.data_type == "s" and name.value == '=HYPERLINK("http://x.invalid","Bấm")<b>Lê</b> & Văn'
    lines = list(csv.reader(io.StringIO(write_csv(report, tmp_path / "so.csv").read_text("utf-8-sig"))))
    assert lines[1][4].startswith("'=HYPERLINK(") and lines[1][13] == "'+84 Ghi chú @ -"
    text = " ".join(pdf_pages(write_pdf(report, tmp_path / "so.pdf")))
    assert "<b>Lê</b> & Văn" in text
    assert report_json(report)["rows"][0]["applicant_name"] == hostile  # JSON carries it as it is, escaped by json


def test_a_daily_pdf_of_many_units_splits_its_columns_and_keeps_every_unit_and_the_total(tmp_path: Path) -> None:
    base = daily_report()
    units = [replace(base.units[0], unit_code=f"000.{n:02d}.48.H15", unit_name=f"Bưu điện số {n}") for n in range(9)]
    report = replace(base, desks=[], units=units, total=replace(base.total, values={
        k: v * 9 for k, v in base.units[0].values.items()}))
    text = " ".join(pdf_pages(write_pdf(report, tmp_path / "tinh.pdf")))
    assert all(f"Bưu điện số {n}" in text for n in range(9))
    # 10 value columns: two tables per section, the second ending with the total
    assert text.count("Tổng số tiền đã thu") == 2
    assert "Tổng số tiền đã thu đồng 1.330.000 1.330.000 1.330.000 11.970.000" in text
