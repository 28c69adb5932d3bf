"""`counter-app fee collect`, `receipt cancel|list|issuer` and `print receipt`: fees against receipts.

docs/receipts.md. Heavy modules (reportlab) are imported inside the handlers: every process start costs
the suite time.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.cli_accounts import read_password, signed_in_clerk
from counter_app.cli_common import parse_instant, print_json
from counter_app.cli_fees import fee_subparsers
from counter_app.domain.errors import ValidationError
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database

CLERK_HELP = "tên đăng nhập của người thu tiền (mật khẩu được hỏi sau)"


def receipt_json(receipt: Any) -> dict[str, Any]:
    return {"number": receipt.number_text, "id": receipt.id, "form_number": receipt.form_number,
            "symbol": receipt.symbol, "serial": receipt.number, "code": receipt.dossier_code,
            "payer": receipt.payer_name, "fee_vnd": receipt.fee_vnd, "charge_vnd": receipt.charge_vnd,
            "total_vnd": receipt.total_vnd, "method": receipt.method.value, "bank_reference": receipt.bank_reference,
            "collected_at": receipt.collected_at.isoformat(), "day": receipt.day.isoformat(),
            "collector": receipt.collector, "status": receipt.status.value, "cancel_reason": receipt.cancel_reason,
            "cancelled_by": receipt.cancelled_by, "replaces_id": receipt.replaces_id,
            "items": [{"name": i.name, "kind": i.kind.value, "amount_vnd": i.amount_vnd} for i in receipt.items]}


def cmd_fee_collect(db: Database, args: argparse.Namespace) -> int:
    """Collect each dossier's fees in turn, one receipt (one transaction) each; stop at the first refusal."""
    from counter_app.services.receipts import collect_fee

    username = signed_in_clerk(db, args)
    at = parse_instant(args.at, "at", "Thời điểm") if args.at else None
    for code in args.codes:
        receipt = collect_fee(db, code, method=args.method, bank_reference=args.reference or "", by=username, at=at)
        if args.json:
            print_json(receipt_json(receipt))
        else:
            print(receipt.number_text, flush=True)
    return EXIT_OK


def cmd_receipt_cancel(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.accounts import sign_in
    from counter_app.services.receipts import cancel_receipt

    supervisor = args.supervisor.strip()
    account = sign_in(db, supervisor, read_password(f"Mật khẩu của giám sát viên {supervisor}: "))
    receipt = cancel_receipt(db, args.number, reason=args.reason, supervisor=account.username)
    if args.json:
        print_json(receipt_json(receipt))
    else:
        print(f"Đã hủy biên lai {receipt.number_text} (hồ sơ {receipt.dossier_code}); hồ sơ phải nộp lại, "
              "biên lai mới sẽ ghi thay thế biên lai này.")
    return EXIT_OK


def cmd_receipt_list(db: Database, args: argparse.Namespace) -> int:
    from counter_app.domain.codes import office_day
    from counter_app.domain.formats import column_datetime
    from counter_app.services.clock import utc_now
    from counter_app.services.receipts import amount_text, receipt_numbers_left, receipts_of, receipts_on

    if args.code:
        receipts = receipts_of(db, args.code)
    else:
        try:
            day = date.fromisoformat(args.day) if args.day else office_day(utc_now())
        except ValueError:
            raise ValidationError("day", f"Ngày «{args.day[:20]}» không đúng dạng YYYY-MM-DD.", "Ngày") from None
        receipts = receipts_on(db, day)
    if args.json:
        print_json({"receipts": [receipt_json(r) for r in receipts], "numbers_left": receipt_numbers_left(db)})
        return EXIT_OK
    for r in receipts:
        mark = f"  ĐÃ HỦY: {r.cancel_reason}" if r.cancelled else ""
        print(f"{r.number_text}  {column_datetime(r.collected_at)}  {r.dossier_code}  {amount_text(r)}  "
              f"{r.method.label}  {r.collector}{mark}")
    print(f"Còn {receipt_numbers_left(db)} số biên lai.")
    return EXIT_OK


def cmd_receipt_issuer(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.receipts import set_receipt_issuer

    name, tax_code = set_receipt_issuer(db, issuer_name=args.name or "", tax_code=args.tax_code or "",
                                        by=signed_in_clerk(db, args))
    print(f"Biên lai từ nay ghi: Đơn vị thu {name}; mã số thuế {tax_code or '(chưa có)'}.")
    return EXIT_OK


def cmd_print_receipt(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.receipts import receipt_pdf
    from counter_app.services.return_papers import save_pdf

    out = save_pdf(receipt_pdf(db, args.number, args.paper), Path(args.out))
    if args.json:
        print_json({"number": args.number, "file": str(out)})
    else:
        print(f"Đã lưu biên lai (3 liên) vào {out}")
    return EXIT_OK


def add_receipt_commands(sub: Any) -> None:
    """`counter-app fee collect …` and `counter-app receipt cancel|list|issuer …`."""
    fee_sub = fee_subparsers(sub)
    text = "thu số tiền hồ sơ còn phải nộp, in ra số biên lai (mẫu số/ký hiệu/số)"
    p = fee_sub.add_parser("collect", help=text, description=text)
    p.add_argument("codes", nargs="+", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ (nhiều mã: mỗi hồ sơ một biên lai)")
    p.add_argument("--method", required=True, choices=["cash", "transfer"], metavar="HÌNH_THỨC",
                   help="cash (tiền mặt) | transfer (chuyển khoản, cần --reference)")
    p.add_argument("--reference", metavar="MÃ_GIAO_DỊCH", help="mã giao dịch ngân hàng của khoản chuyển khoản")
    p.add_argument("--at", metavar="THỜI_ĐIỂM", help="ISO 8601, mặc định bây giờ; không được ở tương lai")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help=CLERK_HELP)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_fee_collect)

    text = "biên lai thu phí, lệ phí: hủy, liệt kê, đơn vị thu"
    receipt = sub.add_parser("receipt", help=text, description=text)
    receipt_sub = receipt.add_subparsers(dest="receipt_command", metavar="LỆNH", title="lệnh", required=True)
    text = "hủy một biên lai (cần giám sát viên và lý do); số biên lai giữ trong quyển, đánh dấu đã hủy"
    p = receipt_sub.add_parser("cancel", help=text, description=text)
    p.add_argument("number", metavar="SỐ_BIÊN_LAI", help="số biên lai, ví dụ 01BLP3-001/AA-26P/0000012")
    p.add_argument("--reason", required=True, metavar="LÝ_DO", help="lý do hủy biên lai")
    p.add_argument("--supervisor", required=True, metavar="TÊN_ĐĂNG_NHẬP",
                   help="tên đăng nhập của giám sát viên (mật khẩu được hỏi sau)")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_receipt_cancel)

    text = "liệt kê biên lai của một ngày (hoặc của một hồ sơ) và số biên lai còn lại"
    p = receipt_sub.add_parser("list", help=text, description=text)
    p.add_argument("--day", metavar="NGÀY", help="ngày YYYY-MM-DD (mặc định hôm nay)")
    p.add_argument("--code", metavar="MÃ_HỒ_SƠ", help="chỉ các biên lai của hồ sơ này")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_receipt_list)

    text = "đơn vị thu và mã số thuế in trên biên lai (giám sát viên)"
    p = receipt_sub.add_parser("issuer", help=text, description=text)
    p.add_argument("--name", metavar="TÊN_ĐƠN_VỊ", help="tên đơn vị thu (bỏ trống: tên đơn vị của quầy)")
    p.add_argument("--tax-code", metavar="MÃ_SỐ_THUẾ", help="mã số thuế: 10 chữ số, chi nhánh thêm -3 chữ số")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help="tên đăng nhập của giám sát viên (mật khẩu được hỏi sau)")
    p.set_defaults(handler=cmd_receipt_issuer)


def add_receipt_prints(print_sub: Any) -> None:
    """`counter-app print receipt NUMBER --out FILE.pdf [--paper a5|80mm]` under the existing `print` parser."""
    text = "biên lai thu phí, lệ phí (3 liên; A5 hoặc giấy in nhiệt 80 mm)"
    p = print_sub.add_parser("receipt", help=text, description=text)
    p.add_argument("number", metavar="SỐ_BIÊN_LAI", help="số biên lai, ví dụ 01BLP3-001/AA-26P/0000012")
    p.add_argument("--out", required=True, metavar="TỆP_PDF", help="tệp PDF")
    p.add_argument("--paper", default="a5", choices=["a5", "80mm"], metavar="KHỔ",
                   help="khổ giấy: a5 (mặc định) | 80mm (máy in nhiệt)")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_print_receipt)



