"""`counter-app assist` (log a citizen helped on the national portal) and `counter-app assisted` (the day's
counts by outcome), over services/assisted_filing.py."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from counter_app.cli_accounts import signed_in_clerk
from counter_app.cli_common import print_json
from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import office_date, office_datetime
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database

OUTCOME_HELP = ("account (tạo tài khoản trên Cổng dịch vụ công) | filed (đã nộp hồ sơ trực tuyến, ghi --portal-code) | "
                "failed (không nộp được, ghi lý do ở --note)")


def cmd_assist(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.assisted_filing import AssistRequest, log_assistance

    record = log_assistance(db, AssistRequest(
        applicant_name=args.applicant, procedure_code=args.procedure, outcome=args.outcome, note=args.note or "",
        portal_code=args.portal_code or "", applicant_id_number=args.id_number or "", applicant_phone=args.phone or "",
        clerk_username=signed_in_clerk(db, args),
    ))
    if args.json:
        print_json({"id": record.id, "at": record.at.isoformat(), "outcome": record.outcome.value,
                     "portal_code": record.portal_code, "clerk": record.clerk})
    else:
        code = f", mã Cổng {record.portal_code}" if record.portal_code else ""
        print(f"Đã ghi nhật ký hỗ trợ {record.applicant_name}: {record.outcome.label}{code} "
              f"({office_datetime(record.at)}).")
    return EXIT_OK


def _day(text: str | None) -> date:
    from counter_app.services.clock import office_today

    if not text:
        return office_today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError("day", f"Ngày «{text}» không đúng dạng YYYY-MM-DD.", "Ngày") from None


def cmd_assisted(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.assisted_filing import assisted_counts

    day = _day(args.day)
    counts = assisted_counts(db, day)
    if args.json:
        print_json({"day": day.isoformat(), "total": sum(counts.values()),
                     "by_outcome": {outcome.value: count for outcome, count in counts.items()}})
    else:
        print(f"Hỗ trợ nộp hồ sơ trực tuyến ngày {office_date(day)}: {sum(counts.values())} lượt")
        for outcome, count in counts.items():
            print(f"  {outcome.label}: {count}")
    return EXIT_OK


def add_assist_commands(sub: Any) -> None:
    """`assist` and `assisted` under the main parser's subcommands."""
    p = sub.add_parser("assist", help="ghi nhật ký hỗ trợ công dân nộp hồ sơ trực tuyến",
                       description="ghi nhật ký hỗ trợ công dân nộp hồ sơ trực tuyến")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("--applicant", required=True, metavar="HỌ_TÊN", help="họ và tên công dân được hỗ trợ")
    p.add_argument("--procedure", required=True, metavar="MÃ_THỦ_TỤC", help="mã thủ tục, ví dụ 1.001193")
    p.add_argument("--outcome", required=True, metavar="KẾT_QUẢ", help=OUTCOME_HELP)
    p.add_argument("--portal-code", metavar="MÃ_HỒ_SƠ_CỔNG",
                   help="mã hồ sơ Cổng dịch vụ công cấp (dạng <mã đơn vị>-YYMMDD-XXXX)")
    p.add_argument("--note", metavar="GHI_CHÚ", help="ghi chú; bắt buộc khi không nộp được (lý do)")
    p.add_argument("--id-number", metavar="SỐ_GIẤY_TỜ", help="số CCCD của công dân (không bắt buộc)")
    p.add_argument("--phone", metavar="SỐ_ĐIỆN_THOẠI", help="số điện thoại của công dân (không bắt buộc)")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP",
                   help="tên đăng nhập của người hỗ trợ (mật khẩu được hỏi sau)")
    p.set_defaults(handler=cmd_assist)

    p = sub.add_parser("assisted", help="số lượt hỗ trợ nộp hồ sơ trực tuyến trong ngày, theo kết quả",
                       description="số lượt hỗ trợ nộp hồ sơ trực tuyến trong ngày, theo kết quả")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("--day", metavar="NGÀY", help="ngày YYYY-MM-DD (mặc định: hôm nay)")
    p.set_defaults(handler=cmd_assisted)
