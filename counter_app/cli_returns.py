"""`counter-app return`, `shipment` and `print handover|label`: returning results at the desk and by post.

docs/returns-and-post.md. Heavy modules (reportlab) are imported inside the handlers: every process
start costs the suite time.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from counter_app.cli_accounts import signed_in_clerk
from counter_app.cli_common import parse_instant, print_json
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database

CLERK_HELP = "tên đăng nhập của người thực hiện (mật khẩu được hỏi sau)"
AT_LABEL = "Thời điểm"


def _record_json(record: Any) -> dict[str, Any]:
    return {"id": record.id, "code": record.dossier_code, "method": record.method.value,
            "returned_at": record.returned_at.isoformat(), "receiver": record.receiver_name,
            "item_code": record.item_code, "shipment_state": record.shipment_state.value if record.shipment_state else None}


def cmd_return(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.returns import return_at_desk, return_by_post
    from counter_app.services.unit_setup import load_profile

    username = signed_in_clerk(db, args)
    actor = load_profile(db).clerk_name
    at = parse_instant(args.at, "at", AT_LABEL) if args.at else None
    if args.by_post:
        record = return_by_post(db, args.code, recipient=args.recipient, phone=args.phone, ward_code=args.commune_code,
                                street=args.street, postage=args.postage, payer=args.payer, at=at,
                                clerk_username=username, actor=actor)
    else:
        record = return_at_desk(db, args.code, receiver_name=args.receiver, id_number=args.id_number, at=at,
                                clerk_username=username, actor=actor)
    if args.json:
        print_json(_record_json(record))
    elif record.item_code:
        print(record.item_code)
    else:
        print(f"{record.dossier_code}: đã trả kết quả tại quầy cho {record.receiver_name}")
    return EXIT_OK


def cmd_shipment(db: Database, args: argparse.Namespace) -> int:
    from counter_app.domain.returns import ShipmentState
    from counter_app.services.returns import set_shipment_state
    from counter_app.services.unit_setup import load_profile

    username = signed_in_clerk(db, args)
    at = parse_instant(args.at, "at", AT_LABEL) if args.at else None
    record = set_shipment_state(db, args.code, ShipmentState(args.state), at=at,
                                clerk_username=username, actor=load_profile(db).clerk_name)
    if args.json:
        print_json(_record_json(record))
    else:
        assert record.shipment_state is not None
        print(f"{record.item_code} ({record.dossier_code}): {record.shipment_state.label}")
    return EXIT_OK


def cmd_print_return_paper(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.return_papers import handover_pdf, label_pdf, save_pdf

    if args.document == "label":
        data, what = label_pdf(db, args.code, args.size), "nhãn bưu gửi"
    else:
        data, what = handover_pdf(db, args.code), "phiếu giao nhận kết quả"
    out = save_pdf(data, Path(args.out))
    if args.json:
        print_json({"code": args.code, "file": str(out)})
    else:
        print(f"Đã lưu {what} vào {out}")
    return EXIT_OK


def add_return_commands(sub: Any) -> None:
    """`counter-app return …` and `counter-app shipment …` under the main parser's subcommands."""
    text = "trả kết quả (→ 10): tại quầy, hoặc qua bưu chính công ích (in ra mã bưu gửi)"
    p = sub.add_parser("return", help=text, description=text)
    p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--at-desk", action="store_true", help="trả tại quầy (cần --receiver và --id-number)")
    how.add_argument("--by-post", action="store_true",
                     help="gửi qua bưu chính công ích (cần --recipient, --phone, --commune-code, --street, "
                          "--postage, --payer); cấp mã bưu gửi từ dải số tỉnh đã cấp cho quầy")
    p.add_argument("--receiver", metavar="HỌ_TÊN", help="họ và tên người nhận kết quả tại quầy")
    p.add_argument("--id-number", metavar="SỐ_GIẤY_TỜ", help="số CCCD của người nhận kết quả tại quầy")
    p.add_argument("--recipient", metavar="HỌ_TÊN", help="họ và tên người nhận bưu gửi")
    p.add_argument("--phone", metavar="SỐ_ĐIỆN_THOẠI", help="số điện thoại người nhận bưu gửi")
    p.add_argument("--commune-code", type=int, metavar="MÃ_XÃ",
                   help="mã xã/phường nơi nhận (danh mục từ 1/7/2025); tỉnh suy ra từ xã")
    p.add_argument("--street", metavar="ĐỊA_CHỈ", help="số nhà, đường, thôn/tổ nơi nhận")
    p.add_argument("--postage", metavar="SỐ_ĐỒNG", help="cước phí, số đồng nguyên, ví dụ 25000")
    p.add_argument("--payer", metavar="NGƯỜI_TRẢ", help="người trả cước: citizen (công dân) | agency (cơ quan)")
    p.add_argument("--at", metavar="THỜI_ĐIỂM", help="ISO 8601, mặc định bây giờ; không được ở tương lai")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help=CLERK_HELP)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_return)

    text = "ghi bước đi của bưu gửi kết quả: đã giao bưu tá, đã phát, chuyển hoàn"
    p = sub.add_parser("shipment", help=text, description=text)
    p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ hoặc mã bưu gửi")
    p.add_argument("--state", required=True, metavar="TRẠNG_THÁI", choices=["handed", "delivered", "returned"],
                   help="handed (đã giao bưu tá) | delivered (đã phát) | returned (chuyển hoàn về quầy)")
    p.add_argument("--at", metavar="THỜI_ĐIỂM", help="ISO 8601, mặc định bây giờ; không được ở tương lai")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help=CLERK_HELP)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_shipment)


def add_return_prints(print_sub: Any) -> None:
    """`counter-app print handover|label CODE --out FILE.pdf` under the existing `print` parser."""
    for name, text in (("handover", "phiếu giao nhận kết quả (trả tại quầy)"),
                       ("label", "nhãn bưu gửi kết quả (A6 hoặc 100×150 mm)")):
        p = print_sub.add_parser(name, help=text, description=text)
        p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
        p.add_argument("--out", required=True, metavar="TỆP_PDF", help="tệp PDF")
        if name == "label":
            p.add_argument("--size", default="a6", metavar="KHỔ", choices=["a6", "100x150"],
                           help="khổ nhãn: a6 (mặc định) | 100x150")
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
        p.set_defaults(handler=cmd_print_return_paper)
