"""The three reports of the F6 screen: their names and keys (Ctrl+1/2/3), how a sentence names each, and
how each is made by the engine (services.reports) on a worker thread (ui/report_runner.py runs it).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP

from counter_app.reports.export_labels import Report
from counter_app.reports.model import Period, ReportKind

KINDS: tuple[tuple[ReportKind, str, str], ...] = (
    (ReportKind.DAILY, "Báo cáo ngày", "Ctrl+1"),
    (ReportKind.REGISTER, "Sổ theo dõi hồ sơ", "Ctrl+2"),
    (ReportKind.KPI, "Chỉ số QĐ 766", "Ctrl+3"),
)
KIND_NAMES = {kind: name for kind, name, _ in KINDS}
# Inside a sentence («Đang lập …», «Lưu …»): lower case, but «QĐ» stays as the law writes it.
KIND_PHRASES = {ReportKind.DAILY: QT_TRANSLATE_NOOP("reports_screen", "báo cáo ngày"), ReportKind.REGISTER: QT_TRANSLATE_NOOP("reports_screen", "sổ theo dõi hồ sơ"),
                ReportKind.KPI: QT_TRANSLATE_NOOP("reports_screen", "chỉ số QĐ 766")}


def build_report(db: Any, kind: ReportKind, period: Period, progress: Any) -> Report:
    """The report of `kind` from the engine (services.reports), on a worker thread."""
    from counter_app.services import reports

    if kind is ReportKind.REGISTER:
        return reports.register(db, period, progress=progress)
    if kind is ReportKind.KPI:
        return reports.kpi_report(db, period, progress=progress)
    return reports.daily_report(db, period, progress=progress)
