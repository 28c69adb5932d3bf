"""A report as one CSV table: UTF-8 with a BOM (so Excel on Windows reads the Vietnamese right), commas.

One table per report kind, with a fixed set of columns whatever the number of desks (docs/report-exports.md):
- daily: a line per row of the report (desk, unit, total) and figure: Cấp, Mã đơn vị, Tên đơn vị, Quầy,
  Nhóm, Mã chỉ tiêu, Chỉ tiêu, Đơn vị tính, Giá trị;
- KPI: a line per row and count or indicator: Cấp, Mã đơn vị, Tên đơn vị, Quầy, Mã chỉ tiêu, Chỉ tiêu,
  Giá trị (the count, or the rate "93.75", empty when nothing was recorded), Tử số, Mẫu số;
- register: the Mẫu 06 columns, a line per dossier, times «dd/mm/yyyy HH:MM» on the office clock.
Text that would start a formula in a spreadsheet is prefixed with an apostrophe (`_cell`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from counter_app.domain.formats import column_datetime
from counter_app.reports.export_labels import UNIT_WORDS, Report, level_of, rate_text
from counter_app.reports.export_xlsx import REGISTER_COLUMNS
from counter_app.reports.figures import DAILY_FIGURES, KPI_COUNTS, KPI_INDICATORS
from counter_app.reports.model import DailyReport, KpiReport, KpiRow, Register, ReportRow
from counter_app.storage.atomic_file import write_atomically

Line = Sequence[str | int]
DAILY_HEAD = ("Cấp", "Mã đơn vị", "Tên đơn vị", "Quầy", "Nhóm", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Giá trị")
KPI_HEAD = ("Cấp", "Mã đơn vị", "Tên đơn vị", "Quầy", "Mã chỉ tiêu", "Chỉ tiêu", "Giá trị", "Tử số", "Mẫu số")
REGISTER_HEAD = tuple(name for name, _ in REGISTER_COLUMNS)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_csv(report: Report, path: Path) -> Path:
    """Write the table to `path` (replaced whole or not at all) and answer the path."""
    if isinstance(report, DailyReport):
        head, lines = DAILY_HEAD, _daily(report)
    elif isinstance(report, KpiReport):
        head, lines = KPI_HEAD, _kpi(report)
    else:
        head, lines = REGISTER_HEAD, _register(report)

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(head)
            writer.writerows([_cell(value) for value in line] for line in lines)

    return write_atomically(path, write)


def _cell(value: str | int) -> str | int:
    """Text beginning like a formula (=, +, -, @) gets a leading apostrophe, so a spreadsheet opening the CSV
    shows a name typed as «=HYPERLINK(…)» instead of running it (OWASP, CSV injection)."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def _who(row: ReportRow | KpiRow) -> list[str | int]:
    return [level_of(row), row.unit_code or "", row.unit_name, "" if row.desk_slot is None else row.desk_slot]


def _daily(report: DailyReport) -> Iterator[Line]:
    for row in (*report.desks, *report.units, report.total):
        for f in DAILY_FIGURES:
            yield [*_who(row), f.section, f.key, f.label, UNIT_WORDS[f.unit], row.values.get(f.key, 0)]


def _kpi(report: KpiReport) -> Iterator[Line]:
    for row in (*report.units, report.total):
        for f in KPI_COUNTS:
            yield [*_who(row), f.key, f.label, row.counts.get(f.key, 0), "", ""]
        for f in KPI_INDICATORS:
            found = row.indicators.get(f.key)
            if found is None:
                yield [*_who(row), f.key, f.label, "", 0, 0]
            else:
                yield [*_who(row), f.key, f.label, rate_text(found.rate), found.numerator, found.denominator]


def _when(instant: datetime | None) -> str:
    return "" if instant is None else column_datetime(instant)


def _register(report: Register) -> Iterator[Line]:
    for r in report.rows:
        address = ", ".join(part for part in (r.applicant_address, r.applicant_phone) if part)
        yield [r.number, r.code, r.procedure_name, r.sets_count, r.applicant_name, address, r.agency,
               _when(r.received_at), _when(r.due_at), _when(r.sent_to_agency_at), _when(r.result_from_agency_at),
               _when(r.returned_at), "", r.note, r.register_book or "",
               "" if r.register_number is None else r.register_number]
