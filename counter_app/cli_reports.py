"""`counter-app report daily|register|kpi`: the desk's reports as JSON, a readable table, PDF, XLSX or CSV.

Every input is checked before a query runs and before anything is written: the dates, the period (at most
MAX_PERIOD_DAYS days, not ending before it starts), the format and the folder of `--out`; a refusal is one
Vietnamese line and exit code 2. A file is written whole or not at all. docs/report-exports.md. The
engine, reportlab and openpyxl are imported inside the handlers.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from counter_app.cli_common import print_json
from counter_app.domain.errors import ValidationError
from counter_app.exit_codes import EXIT_OK
from counter_app.reports.model import Period
from counter_app.reports.period_input import MAX_PERIOD_DAYS, parse_report_day, report_period
from counter_app.storage.database import Database

FORMATS = ("json", "pdf", "xlsx", "csv")
DATE_METAVAR = "NGÀY"
DATE_FORMS = "dạng YYYY-MM-DD hoặc dd/mm/yyyy"


def _period(args: argparse.Namespace) -> Period:
    """`--date D` (one day), or `--from D [--to D]` (`--to` defaults to today, `--from` alone to `--to`);
    nothing given: today."""
    if getattr(args, "date", None) is not None:
        if args.start is not None or args.end is not None:
            raise ValidationError("date", "Dùng --date cho một ngày, hoặc --from và --to cho một kỳ; không dùng cả "
                                  "hai.", "Ngày")
        day = parse_report_day(args.date, "date", "Ngày")
        return report_period(day, day)
    start = parse_report_day(args.start, "from", "Từ ngày") if args.start is not None else None
    end = parse_report_day(args.end, "to", "Đến ngày") if args.end is not None else None
    if end is None:
        from counter_app.services.clock import office_today

        end = office_today()
    return report_period(start or end, end)


def _format(args: argparse.Namespace, default: str) -> str:
    """`--format`, else the suffix of `--out`, else `default`; anything else refused in Vietnamese."""
    chosen = args.format
    if chosen is None and args.out:
        chosen = Path(args.out).suffix.lstrip(".").lower() or default
    chosen = (chosen or default).strip().lower()
    if chosen not in FORMATS:
        raise ValidationError("format", f"Định dạng «{chosen[:20]}» không được hỗ trợ; hãy chọn một trong: "
                              f"{', '.join(FORMATS)}.", "Định dạng")
    if chosen != "json" and not args.out:
        raise ValidationError("out", f"Định dạng {chosen} cần --out TỆP để ghi ra.", "Tệp ra")
    return chosen


def _out(args: argparse.Namespace) -> Path | None:
    """The file to write, checked before the report is computed: its folder exists and can be written."""
    if not args.out:
        return None
    out = Path(args.out)
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ValidationError("out", f"«{args.out}» là một thư mục, không phải một tệp.", "Tệp ra")
    if not folder.is_dir():
        raise ValidationError("out", f"Không có thư mục «{folder}»; không ghi được «{out.name}».", "Tệp ra")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ValidationError("out", f"Không có quyền ghi «{args.out}».", "Tệp ra")
    return out


def _deliver(report: Any, fmt: str, out: Path | None, as_json: bool) -> None:
    """Print the report's JSON, or write the file and say where."""
    from counter_app.reports.export_json import report_json
    from counter_app.reports.export_labels import kind_of

    if out is None:
        print_json(report_json(report))
        return
    if fmt == "json":
        import json

        from counter_app.storage.atomic_file import write_atomically

        text = json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"
        write_atomically(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    else:
        from counter_app.reports import export_csv, export_pdf, export_xlsx

        writers = {"pdf": export_pdf.write_pdf, "xlsx": export_xlsx.write_xlsx, "csv": export_csv.write_csv}
        writers[fmt](report, out)
    if as_json:
        print_json({"kind": kind_of(report).value, "format": fmt, "file": str(out)})
    else:
        print(f"Đã lưu báo cáo ({fmt.upper()}) vào {out}")


def cmd_report_daily(db: Database, args: argparse.Namespace) -> int:
    period = _period(args)
    fmt = "json" if args.json and not args.out else _format(args, "json")
    out = _out(args)
    from counter_app.services.reports import daily_report

    _deliver(daily_report(db, period), fmt, out, args.json)
    return EXIT_OK


def cmd_report_register(db: Database, args: argparse.Namespace) -> int:
    period = _period(args)
    fmt = "json" if args.json and not args.out else _format(args, "pdf")
    out = _out(args)
    from counter_app.services.reports import register

    _deliver(register(db, period), fmt, out, args.json)
    return EXIT_OK


def cmd_report_kpi(db: Database, args: argparse.Namespace) -> int:
    period = _period(args)
    table = not args.json and args.format is None and not args.out
    fmt = "json" if table or (args.json and not args.out) else _format(args, "json")
    out = _out(args)
    from counter_app.services.reports import kpi_report

    report = kpi_report(db, period)
    if table:
        print_kpi_table(report)
    else:
        _deliver(report, fmt, out, args.json)
    return EXIT_OK


def print_kpi_table(report: Any) -> None:
    """The QĐ 766 indicators as a person reads them: «Tỷ lệ …: 45/48 = 93,75 %», then the counts behind them."""
    from counter_app.reports.export_labels import KIND_NAMES, period_text, rate_percent, row_label
    from counter_app.reports.figures import KPI_COUNTS, KPI_INDICATORS
    from counter_app.reports.model import ReportKind

    print(f"{KIND_NAMES[ReportKind.KPI]} – {period_text(report.period)}" + (f" – {report.title}" if report.title else ""))
    many = len(report.units) > 1
    rows = [*report.units, report.total] if many else [report.total]
    width = max(len(f.label) for f in (*KPI_INDICATORS, *KPI_COUNTS))
    for row in rows:
        if many:
            print(f"\n{row_label(row, many_units=True)}")
        for f in KPI_INDICATORS:
            found = row.indicators.get(f.key)
            numerator, denominator = (found.numerator, found.denominator) if found else (0, 0)
            rate = rate_percent(found.rate if found else None)
            print(f"  {f.label:<{width}}  {numerator}/{denominator}  {rate}")
        print("  Số liệu:")
        for f in KPI_COUNTS:
            print(f"    {f.label:<{width}}  {row.counts.get(f.key, 0)}")


def _period_options(p: argparse.ArgumentParser, *, with_date: bool) -> None:
    if with_date:
        p.add_argument("--date", metavar=DATE_METAVAR, help=f"một ngày, {DATE_FORMS} (mặc định hôm nay)")
    p.add_argument("--from", dest="start", metavar=DATE_METAVAR, help=f"ngày đầu kỳ, {DATE_FORMS}")
    p.add_argument("--to", dest="end", metavar=DATE_METAVAR,
                   help=f"ngày cuối kỳ (tính cả ngày đó), {DATE_FORMS}; kỳ dài tối đa {MAX_PERIOD_DAYS} ngày")


def _output_options(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument("--format", metavar="ĐỊNH_DẠNG",
                   help=f"json | pdf | xlsx | csv (mặc định theo đuôi tệp --out, nếu không thì {default})")
    p.add_argument("--out", metavar="TỆP", help="tệp ghi ra (ghi đủ hoặc không ghi gì); json không có --out thì in ra "
                                              "màn hình")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")


def add_report_commands(sub: Any) -> None:
    """`counter-app report daily|register|kpi` under the main parser's subcommands."""
    text = "báo cáo của quầy: báo cáo ngày, sổ theo dõi hồ sơ (Mẫu 06), chỉ số QĐ 766"
    report = sub.add_parser("report", help=text, description=text)
    report_sub = report.add_subparsers(dest="report_command", metavar="LỆNH", required=True)

    text = "báo cáo tiếp nhận, giải quyết, trả kết quả, phí và lệ phí của một ngày (hoặc một kỳ --from/--to)"
    p = report_sub.add_parser("daily", help=text, description=text)
    _period_options(p, with_date=True)
    _output_options(p, "json")
    p.set_defaults(handler=cmd_report_daily)

    text = "Sổ theo dõi hồ sơ (Mẫu 06): mỗi hồ sơ tiếp nhận trong kỳ một dòng; PDF khổ A4 ngang"
    p = report_sub.add_parser("register", help=text, description=text)
    _period_options(p, with_date=False)
    _output_options(p, "pdf")
    p.set_defaults(handler=cmd_report_register)

    text = "chỉ số đánh giá chất lượng phục vụ theo QĐ 766/QĐ-TTg trong kỳ (không có --json, --out: in bảng)"
    p = report_sub.add_parser("kpi", help=text, description=text)
    _period_options(p, with_date=False)
    _output_options(p, "json")
    p.set_defaults(handler=cmd_report_kpi)
