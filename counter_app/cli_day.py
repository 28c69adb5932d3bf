"""`counter-app day summary|close` and `print day-close`: the day's receipts and closing the day.

A close with a difference needs `--explanation` and `--supervisor USER`; the supervisor's password is read
like every password (cli_accounts: hidden on a terminal, else the next line of stdin, after the password of
`--clerk`). docs/day-close.md. reportlab is imported inside the handler.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.cli_accounts import read_password, signed_in_clerk
from counter_app.cli_common import print_json
from counter_app.domain.errors import ValidationError
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database

DAY_HELP = "ngày dạng YYYY-MM-DD (mặc định hôm nay)"


def _day(text: str | None) -> date:
    from counter_app.services.clock import office_today

    if not text:
        return office_today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("day", f"Ngày «{text[:20]}» không đúng dạng YYYY-MM-DD.", "Ngày") from None


def summary_json(summary: Any) -> dict[str, Any]:
    close = summary.close
    return {
        "day": summary.day.isoformat(),
        "receipts": [{"number": r.number, "dossier_code": r.dossier_code, "payer": r.payer, "fee_vnd": r.fee_vnd,
                      "charge_vnd": r.charge_vnd, "total_vnd": r.total_vnd, "method": r.method,
                      "bank_reference": r.bank_reference, "status": r.status, "cancel_reason": r.cancel_reason,
                      "cancelled_by": r.cancelled_by} for r in summary.receipts],
        "fee_total": summary.fee_total, "charge_total": summary.charge_total, "total": summary.total,
        "cash_expected": summary.cash_expected, "transfers_total": summary.transfers_total,
        "receipts_count": len(summary.issued), "cancellations_count": len(summary.cancellations),
        "closed": close_json(close) if close else None,
    }


def close_json(close: Any) -> dict[str, Any]:
    return {"id": close.id, "day": close.day.isoformat(), "closed_at": close.closed_at.isoformat(),
            "clerk": close.clerk, "counted": {str(k): v for k, v in close.counted.items()},
            "counted_total": close.counted_total, "expected_cash": close.expected_cash,
            "transfers_total": close.transfers_total, "difference": close.difference,
            "explanation": close.explanation, "supervisor": close.supervisor,
            "receipts_count": close.receipts_count, "cancellations_count": close.cancellations_count}


def cmd_day_summary(db: Database, args: argparse.Namespace) -> int:
    from counter_app.domain.formats import office_date
    from counter_app.domain.money import format_vnd
    from counter_app.domain.receipts import PaymentMethod
    from counter_app.services.day_close import day_summary

    summary = day_summary(db, _day(args.day))
    if args.json:
        print_json(summary_json(summary))
        return EXIT_OK
    print(f"Ngày {office_date(summary.day)}: {len(summary.issued)} biên lai, {len(summary.cancellations)} biên lai hủy")
    for r in summary.receipts:
        mark = " (ĐÃ HỦY)" if r.cancelled else ""
        print(f"  {r.number}  {r.dossier_code}  {r.payer}  {format_vnd(r.total_vnd)} đồng  {PaymentMethod(r.method).label}"
              f"{'  ' + r.bank_reference if r.bank_reference else ''}{mark}")
    print(f"Phí {format_vnd(summary.fee_total)} đồng, lệ phí {format_vnd(summary.charge_total)} đồng; tiền mặt theo "
          f"biên lai {format_vnd(summary.cash_expected)} đồng, chuyển khoản {format_vnd(summary.transfers_total)} đồng")
    if summary.close:
        print(f"Đã khóa sổ: đếm được {format_vnd(summary.close.counted_total)} đồng, chênh lệch "
              f"{format_vnd(summary.close.difference)} đồng")
    return EXIT_OK


def cmd_day_close(db: Database, args: argparse.Namespace) -> int:
    from counter_app.domain.day_close import parse_amount, parse_notes
    from counter_app.domain.formats import office_date
    from counter_app.domain.money import format_vnd
    from counter_app.services.accounts import sign_in
    from counter_app.services.day_close import close_day

    day = _day(args.day)
    counted = parse_notes(args.notes) if args.notes is not None else None
    total = parse_amount(args.counted_cash) if args.counted_cash is not None else None
    clerk = signed_in_clerk(db, args)
    supervisor = ""
    if args.supervisor:
        name = args.supervisor.strip()
        supervisor = sign_in(db, name, read_password(f"Mật khẩu của giám sát viên {name}: ")).username
    close = close_day(db, day, counted=counted, counted_total=total, explanation=args.explanation or "",
                      supervisor=supervisor, by=clerk)
    if args.json:
        print_json(close_json(close))
    else:
        print(f"Đã khóa sổ ngày {office_date(close.day)}: đếm được {format_vnd(close.counted_total)} đồng, theo biên "
              f"lai {format_vnd(close.expected_cash)} đồng, chênh lệch {format_vnd(close.difference)} đồng.")
    return EXIT_OK


def cmd_print_day_close(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.day_close_sheet import day_close_pdf
    from counter_app.services.return_papers import save_pdf

    out = save_pdf(day_close_pdf(db, _day(args.day)), Path(args.out))
    if args.json:
        print_json({"day": args.day, "file": str(out)})
    else:
        print(f"Đã lưu biên bản khóa sổ ngày {args.day} vào {out}")
    return EXIT_OK


def add_day_commands(sub: Any, clerk_help: str) -> None:
    """`counter-app day summary|close` under the main parser's subcommands."""
    text = "biên lai trong ngày và khóa sổ cuối ngày"
    day = sub.add_parser("day", help=text, description=text)
    day_sub = day.add_subparsers(dest="day_command", metavar="LỆNH", required=True)

    text = "liệt kê biên lai, biên lai hủy, chuyển khoản và các tổng của một ngày"
    p = day_sub.add_parser("summary", help=text, description=text)
    p.add_argument("--day", metavar="NGÀY", help=DAY_HELP)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_day_summary)

    text = ("khóa sổ một ngày: so tiền mặt đếm được với biên lai; có chênh lệch thì cần giải trình và giám sát viên "
            "ký xác nhận; sau khi khóa không lập, hủy biên lai của ngày đó được nữa")
    p = day_sub.add_parser("close", help=text, description=text)
    p.add_argument("--day", metavar="NGÀY", help=DAY_HELP)
    counted = p.add_mutually_exclusive_group(required=True)
    counted.add_argument("--counted-cash", metavar="SỐ_ĐỒNG", help="tổng tiền mặt đếm được, số đồng nguyên")
    counted.add_argument("--notes", metavar="MỆNH_GIÁ=SỐ_TỜ,…",
                         help="tiền mặt đếm theo mệnh giá, ví dụ 500000=2,100000=3,2000=1")
    p.add_argument("--explanation", metavar="GIẢI_TRÌNH", help="giải trình chênh lệch (bắt buộc khi có chênh lệch)")
    p.add_argument("--supervisor", metavar="TÊN_ĐĂNG_NHẬP",
                   help="giám sát viên ký xác nhận (bắt buộc khi có chênh lệch; mật khẩu được hỏi sau mật khẩu của "
                        "--clerk)")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help=clerk_help)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_day_close)


def add_day_prints(print_sub: Any) -> None:
    """`counter-app print day-close DAY --out FILE.pdf` under the `print` sub-parser."""
    text = "biên bản khóa sổ cuối ngày (A4): biên lai, biên lai hủy, chuyển khoản, tiền đếm, chênh lệch"
    p = print_sub.add_parser("day-close", help=text, description=text)
    p.add_argument("day", metavar="NGÀY", help="ngày dạng YYYY-MM-DD")
    p.add_argument("--out", required=True, metavar="TỆP_PDF", help="tệp PDF")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_print_day_close)
