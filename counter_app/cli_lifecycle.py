"""`counter-app transition|supplement|supplied|apologise|handover|recode`: the dossier after intake (docs/lifecycle.md;
`recode`: a new code when the province keeps another citizen's dossier under the code, docs/sync.md).

Each command is one call of `services/lifecycle.py`; `--at` (ISO 8601, office time when no zone is
written) defaults to now and is refused in the future or before the dossier's last step.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from counter_app.cli_accounts import signed_in_clerk
from counter_app.cli_common import parse_instant, print_json
from counter_app.domain.dossier import Dossier
from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import office_datetime
from counter_app.domain.lifecycle import Status, parse_status
from counter_app.domain.serialization import dossier_to_dict, iso_instant
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database

AT_HELP = "thời điểm thực hiện, ISO 8601 (ví dụ 2026-02-23T09:00; mặc định: bây giờ; không được ở tương lai)"
CLERK_HELP = "tên đăng nhập của người thực hiện (mật khẩu được hỏi sau)"


def _at(args: argparse.Namespace) -> datetime | None:
    return parse_instant(args.at, "at", "Thời điểm") if args.at else None


def _acting(db: Database, args: argparse.Namespace) -> dict[str, Any]:
    from counter_app.services.unit_setup import load_profile

    return {"by": signed_in_clerk(db, args), "actor": load_profile(db).clerk_name, "at": _at(args)}


def _report(dossier: Dossier, args: argparse.Namespace, extra: dict[str, Any] | None = None) -> int:
    if args.json:
        data = dossier_to_dict(dossier, with_history=False)
        if dossier.previous_due_at is not None:
            data["previous_due_at"] = iso_instant(dossier.previous_due_at)
        print_json({**data, **(extra or {})})
    else:
        line = f"{dossier.code}: {dossier.status.label}; hẹn trả {office_datetime(dossier.due_at)}"
        if dossier.previous_due_at is not None:
            line += f" (trước đó {office_datetime(dossier.previous_due_at)})"
        print(line)
    return EXIT_OK


def cmd_transition(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.lifecycle import transition

    target = parse_status(args.status)
    if target is Status.SUPPLEMENT_REQUESTED:  # Mẫu 02 lists what is missing: only `supplement` asks for it
        raise ValidationError("status", "Yêu cầu bổ sung giấy tờ (trạng thái 5) bằng lệnh «supplement MÃ_HỒ_SƠ "
                              "--missing N=O/C/P --reason …»: phiếu Mẫu 02 phải ghi giấy tờ còn thiếu.", "Trạng thái")
    dossier = transition(db, args.code, target, reason=args.reason or "", agency=args.agency or "",
                         **_acting(db, args))
    return _report(dossier, args)


def cmd_supplement(db: Database, args: argparse.Namespace) -> int:
    from counter_app.domain.papers import parse_document_arg
    from counter_app.services.lifecycle import missing_papers, request_supplement

    missing = missing_papers(db, args.code, [parse_document_arg(value) for value in args.missing])
    dossier = request_supplement(db, args.code, missing=missing, reason=args.reason, **_acting(db, args))
    return _report(dossier, args, {"missing": [line.name for line in missing]})


def cmd_supplied(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.lifecycle import record_supplied

    return _report(record_supplied(db, args.code, **_acting(db, args)), args)


def cmd_apologise(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.dossiers import get_dossier
    from counter_app.services.lifecycle import apologise

    new_due = parse_instant(args.new_due, "new_due_at", "Ngày hẹn trả mới")
    apologise(db, args.code, reason=args.reason, new_due_at=new_due, **_acting(db, args))
    return _report(get_dossier(db, args.code), args)


def cmd_handover(db: Database, args: argparse.Namespace) -> int:
    from counter_app.domain.lifecycle_records import HandoverDirection
    from counter_app.services.dossiers import get_dossier
    from counter_app.services.lifecycle import hand_over

    direction = HandoverDirection.TO_AGENCY if args.to_agency else HandoverDirection.FROM_AGENCY
    row = hand_over(db, args.code, direction, agency=args.agency or "", **_acting(db, args))
    if not args.json:
        print(f"{row.direction.label}: {row.from_party} → {row.to_party}, {office_datetime(row.at)}, "
              f"{row.outcome.label.lower()}")
    return _report(get_dossier(db, args.code), args, {"handover": {"direction": row.direction.value,
                                                                   "outcome": row.outcome.value}})


def cmd_recode(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.recode import recode_dossier
    from counter_app.services.unit_setup import load_profile

    old = args.code.strip().upper()
    dossier = recode_dossier(db, args.code, by=signed_in_clerk(db, args), actor=load_profile(db).clerk_name)
    if args.json:
        print_json({"code": dossier.code, "old_code": old, "id": dossier.id, "status": int(dossier.status)})
    else:
        print(f"{dossier.code}: mã mới thay mã {old}; hãy in giấy tiếp nhận mới («print slip {dossier.code} --out …») "
              "và thu lại giấy cũ của công dân")
    return EXIT_OK


def add_lifecycle_commands(sub: Any) -> None:
    """The lifecycle commands under the main parser's subcommands."""

    def command(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
        p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
        p.add_argument("--at", metavar="THỜI_ĐIỂM", help=AT_HELP)
        p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help=CLERK_HELP)
        p.set_defaults(handler=handler)
        return p

    p = command("transition", cmd_transition, "chuyển hồ sơ sang trạng thái khác (1-10), kèm lý do khi cần")
    p.add_argument("status", metavar="TRẠNG_THÁI", help="mã trạng thái mới, số từ 1 đến 10")
    p.add_argument("--reason", metavar="LÝ_DO",
                   help="lý do (bắt buộc khi từ chối 3, yêu cầu bổ sung 5, rút hồ sơ 7, dừng xử lý 8)")
    p.add_argument("--agency", metavar="TÊN_CƠ_QUAN", help="cơ quan giao/nhận hồ sơ khi chuyển 2→4 hoặc 4→9")

    p = command("supplement", cmd_supplement, "yêu cầu bổ sung giấy tờ (Mẫu 02): tạm dừng thời hạn giải quyết")
    p.add_argument("--missing", action="append", required=True, metavar="N=O/C/P",
                   help="giấy tờ cần bổ sung: N là số thứ tự trong danh mục giấy tờ của thủ tục, O bản chính, "
                        "C bản sao chứng thực, P bản photo; ghi nhiều lần cho nhiều giấy tờ")
    p.add_argument("--reason", required=True, metavar="LÝ_DO", help="lý do yêu cầu bổ sung")

    command("supplied", cmd_supplied, "công dân đã bổ sung đủ giấy tờ: hẹn trả mới = hẹn cũ + thời gian chờ")

    p = command("apologise", cmd_apologise, "phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)")
    p.add_argument("--reason", required=True, metavar="LÝ_DO", help="lý do trả kết quả chậm")
    p.add_argument("--new-due", required=True, metavar="NGÀY_HẸN_MỚI",
                   help="ngày giờ hẹn trả mới, ISO 8601 (ví dụ 2026-03-02T16:00), vào một ngày làm việc")

    p = sub.add_parser("recode", help="cấp mã mới cho hồ sơ khi máy chủ tỉnh giữ hồ sơ của công dân khác dưới mã này",
                       description="Cấp mã mới (cùng ngày tiếp nhận) cho hồ sơ mà giám sát viên đã quyết định giữ "
                                   "bản của máy chủ tỉnh khi trùng mã; hồ sơ và các bước đã làm được gửi lại dưới mã mới.")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ hiện tại")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help=CLERK_HELP)
    p.set_defaults(handler=cmd_recode)

    p = command("handover", cmd_handover, "giao hồ sơ cho cơ quan giải quyết hoặc nhận kết quả về (Mẫu 05)")
    way = p.add_mutually_exclusive_group(required=True)
    way.add_argument("--to-agency", action="store_true", help="giao hồ sơ cho cơ quan giải quyết (2→4)")
    way.add_argument("--from-agency", action="store_true", help="nhận kết quả từ cơ quan giải quyết (4→9)")
    p.add_argument("--agency", metavar="TÊN_CƠ_QUAN", help="tên cơ quan giải quyết (mặc định: Cơ quan chủ trì giải quyết)")
