"""`counter-app fee assess|request` and the fee options of `counter-app intake` (issue 10, A).

docs/fees.md. `fee collect` (receipts) joins the same `fee` parser (`fee_subparsers`).
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from counter_app.cli_accounts import signed_in_clerk
from counter_app.cli_common import parse_instant, print_json
from counter_app.domain.catalog import FeeKind
from counter_app.domain.fees import FeeAssessment, FeeInputError, FeeLine, line_to_dict
from counter_app.domain.money import format_dong
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database

COUNT_OPTIONS = (
    ("--pages", "pages", "SỐ_TRANG", "số trang của bản chính (mỗi bản sao) khi phí tính theo trang"),
    ("--copies", "copies", "SỐ_BẢN", "số bản cần chứng thực hoặc cấp"),
    ("--cases", "cases", "SỐ_TRƯỜNG_HỢP", "số trường hợp, giao dịch, văn bản khi phí tính theo việc"),
    ("--extracts", "extracts", "SỐ_BẢN_SAO", "số bản sao trích lục người dân yêu cầu thêm (mặc định 0)"),
)
EXEMPTION_HELP = "mã trường hợp miễn, giảm phí, lệ phí trong danh mục của thủ tục (counter-app fee assess MÃ --json)"
_ITEM = re.compile(r"^(?P<name>.+)=(?P<kind>phí|lệ phí|fee|charge):(?P<amount>\d{1,10})$")


def add_fee_count_options(p: argparse.ArgumentParser) -> None:
    """The counts and the exemption, for `intake` and `fee assess`."""
    for flag, dest, metavar, text in COUNT_OPTIONS:
        p.add_argument(flag, dest=f"fee_{dest}", type=int, metavar=metavar, help=text)
    p.add_argument("--exemption", dest="fee_exemption", metavar="MÃ_MIỄN_GIẢM", help=EXEMPTION_HELP)


def fee_counts(args: argparse.Namespace) -> dict[str, int] | None:
    """The counts given on the command line (None when none was)."""
    counts = {dest: getattr(args, f"fee_{dest}") for _, dest, _, _ in COUNT_OPTIONS}
    given = {key: value for key, value in counts.items() if value is not None}
    return given or None


def intake_fee_fields(args: argparse.Namespace) -> dict[str, Any]:
    """IntakeRequest's fee fields from `counter-app intake`'s options."""
    return {"fee_quantities": fee_counts(args), "fee_exemption": args.fee_exemption or ""}


def assessment_json(code: str, assessment: FeeAssessment) -> dict[str, Any]:
    return {"code": code, "lines": [line_to_dict(line) for line in assessment.lines], "unknown": list(assessment.unknown),
            "fee_vnd": assessment.fee_vnd, "charge_vnd": assessment.charge_vnd, "total_vnd": assessment.total_vnd}


def print_assessment(assessment: FeeAssessment) -> None:
    for line in assessment.lines:
        count = f" × {line.quantity} {line.unit}" if line.unit else ""
        note = f" ({line.note})" if line.note else ""
        print(f"{line.kind.value.capitalize()}: {line.name}{count}: {format_dong(line.amount_vnd)}{note}")
    for name in assessment.unknown:
        print(f"Chưa có mức thu trong danh mục (do tỉnh quyết định): {name}")
    print(f"Phí: {format_dong(assessment.fee_vnd)}; lệ phí: {format_dong(assessment.charge_vnd)}; "
          f"tổng: {format_dong(assessment.total_vnd)}")


def _item(text: str) -> FeeLine:
    match = _ITEM.match(" ".join(text.split()))
    if match is None:
        raise FeeInputError(f"Khoản phí «{text}» phải có dạng “tên=loại:số tiền”, loại là “phí” hoặc “lệ phí”, "
                            "ví dụ “Lệ phí đăng ký hộ kinh doanh=lệ phí:100000”.", "item")
    kind = {"fee": FeeKind.FEE, "charge": FeeKind.CHARGE}.get(match["kind"]) or FeeKind(match["kind"])
    return FeeLine(match["name"].strip(), kind, int(match["amount"]))


def cmd_fee_assess(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.fees import assess_dossier, fees_due

    assessment = assess_dossier(db, args.code, fee_counts(args), args.fee_exemption or "")
    if args.due:
        with db.read() as session:
            assessment = fees_due(session, args.code)
    if args.json:
        print_json(assessment_json(args.code, assessment))
    else:
        print_assessment(assessment)
    return EXIT_OK


def cmd_fee_request(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.fees import request_fee
    from counter_app.services.unit_setup import load_profile

    username = signed_in_clerk(db, args)
    at = parse_instant(args.at, "at", "Thời điểm") if args.at else None
    due = request_fee(db, args.code, [_item(text) for text in args.item or ()], args.reason or "", by=username,
                      actor=load_profile(db).clerk_name, at=at)
    if args.json:
        print_json(assessment_json(args.code, due))
    else:
        print(f"{args.code}: chờ thực hiện nghĩa vụ tài chính, còn phải nộp {format_dong(due.total_vnd)}")
    return EXIT_OK


def fee_subparsers(sub: Any) -> Any:
    """The `fee` command's own subcommands, created once whichever part (fees, receipts) adds first."""
    parser = sub.choices.get("fee")
    if parser is None:
        text = "phí, lệ phí của hồ sơ: xác định, yêu cầu nộp, thu"
        parser = sub.add_parser("fee", help=text, description=text)
        parser.add_subparsers(dest="fee_command", metavar="LỆNH", required=True)
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def add_fee_commands(sub: Any) -> None:
    """`counter-app fee assess …` and `counter-app fee request …` under the main parser's subcommands."""
    fee_sub = fee_subparsers(sub)
    text = "phí, lệ phí của hồ sơ: đã xác định lúc tiếp nhận, hoặc tính thử theo số trang, số bản, số việc"
    p = fee_sub.add_parser("assess", help=text, description=text)
    p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
    add_fee_count_options(p)
    p.add_argument("--due", action="store_true", help="chỉ các khoản còn phải nộp (trừ biên lai đã thu)")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_fee_assess)

    text = "cơ quan giải quyết xác định phí, lệ phí phải nộp thêm: hồ sơ chuyển sang chờ thực hiện nghĩa vụ tài chính (4 → 6)"
    p = fee_sub.add_parser("request", help=text, description=text)
    p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
    p.add_argument("--item", action="append", metavar="TÊN=LOẠI:SỐ_TIỀN",
                   help="một khoản phải nộp, ví dụ “Lệ phí đăng ký hộ kinh doanh=lệ phí:100000”; ghi lại cho mỗi khoản")
    p.add_argument("--reason", required=True, metavar="LÝ_DO", help="lý do, căn cứ của yêu cầu nộp phí")
    p.add_argument("--at", metavar="THỜI_ĐIỂM", help="ISO 8601, mặc định bây giờ; không được ở tương lai")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help="tên đăng nhập của người thực hiện (mật khẩu được hỏi sau)")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_fee_request)
