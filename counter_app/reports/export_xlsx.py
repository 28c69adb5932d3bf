"""A report as an XLSX workbook (openpyxl).

Part C's minimal stand-in so the province's API serves XLSX before part B's exports land; the lead keeps
part B's version of this file (same name, same function) when merging.
"""

from __future__ import annotations

from pathlib import Path

from counter_app.reports.figures import DAILY_FIGURES, KPI_COUNTS, KPI_INDICATORS
from counter_app.reports.model import DailyReport, KpiReport, Register

TOTAL = "Tổng cộng"


def write_xlsx(report: DailyReport | KpiReport | Register, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if isinstance(report, DailyReport):
        sheet.title = "Báo cáo ngày"
        rows = [*report.units, report.total]
        sheet.append(["Chỉ tiêu", *[r.unit_name or r.unit_code or "" for r in report.units], TOTAL])
        for figure in DAILY_FIGURES:
            sheet.append([figure.label, *[r.values.get(figure.key, 0) for r in rows]])
    elif isinstance(report, KpiReport):
        sheet.title = "Chỉ số QĐ 766"
        kpi_rows = [*report.units, report.total]
        sheet.append(["Chỉ tiêu", *[r.unit_name or r.unit_code or "" for r in report.units], TOTAL])
        for figure in KPI_COUNTS:
            sheet.append([figure.label, *[r.counts.get(figure.key, 0) for r in kpi_rows]])
        for figure in KPI_INDICATORS:
            rates = [r.indicators[figure.key].rate for r in kpi_rows]
            sheet.append([figure.label, *[None if rate is None else float(rate) / 100 for rate in rates]])
    else:
        sheet.title = "Sổ theo dõi hồ sơ"
        sheet.append(["STT", "Mã hồ sơ", "Tên TTHC", "Tên cá nhân, tổ chức", "Nhận hồ sơ", "Hẹn trả kết quả",
                      "Trả kết quả", "Ghi chú"])
        for row in report.rows:
            sheet.append([row.number, row.code, row.procedure_name, row.applicant_name,
                          row.received_at.replace(tzinfo=None), row.due_at.replace(tzinfo=None),
                          row.returned_at.replace(tzinfo=None) if row.returned_at else None, row.note])
    sheet.freeze_panes = "A2"
    book.save(path)
