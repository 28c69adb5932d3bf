"""`counter-app` commands of the desk outcomes and Mẫu 02–05 (issue 9, docs/forms.md).

    counter-app intake … --guidance --reason TEXT [--missing N=O/C/P …]   guidance, Mẫu 02, no code spent
    counter-app intake … --refuse --reason TEXT                            refused (status 3), Mẫu 03
    counter-app print form02|form03|form04|form05 CODE --out FILE.pdf

The intake options are the intake command's own (cli.py); these add the two other ways an intake ends.
Heavy modules (reportlab) are imported inside the handlers: every process start costs time.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from counter_app.cli_common import print_json
from counter_app.domain.errors import ValidationError
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database

FORMS = {
    "form02": "Mẫu 02: phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mã hồ sơ đang chờ bổ sung, hoặc số phiếu "
              "hướng dẫn HD…)",
    "form03": "Mẫu 03: phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "form04": "Mẫu 04: phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "form05": "Mẫu 05: phiếu kiểm soát quá trình giải quyết hồ sơ",
}


def add_intake_outcome_options(p: argparse.ArgumentParser) -> None:
    """The intake parser's options for ending with guidance or a refusal instead of receiving."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--guidance", action="store_true",
                       help="không tiếp nhận mà hướng dẫn bổ sung, hoàn thiện hồ sơ (Mẫu 02): không cấp mã hồ sơ, "
                            "in số phiếu hướng dẫn HD…; cần --reason, thường kèm --missing")
    group.add_argument("--refuse", action="store_true",
                       help="từ chối tiếp nhận (Mẫu 03): hồ sơ được cấp mã ở trạng thái «Không được tiếp nhận»; "
                            "cần --reason")
    p.add_argument("--reason", metavar="LÝ_DO", help="lý do hướng dẫn bổ sung hoặc lý do từ chối tiếp nhận")
    p.add_argument("--missing", action="append", metavar="N=O/C/P",
                   help="giấy tờ còn thiếu (với --guidance): N là số thứ tự trong danh sách giấy tờ của thủ tục, "
                        "O/C/P số bản chính, bản sao chứng thực, bản photo cần nộp; ghi lại nhiều lần")


def ends_otherwise(args: argparse.Namespace) -> bool:
    """True when `intake` ends with guidance or a refusal, or names their options without them:
    finish_intake_outcome does the one or refuses the other (nothing is received by mistake)."""
    return any(getattr(args, name, None) for name in ("guidance", "refuse", "reason", "missing"))


def finish_intake_outcome(db: Database, args: argparse.Namespace, request: Any) -> int:
    """Guidance (Mẫu 02, nothing numbered but the guidance) or a refusal (Mẫu 03, status 3) of `request`."""
    from counter_app.domain.papers import parse_document_arg
    from counter_app.domain.serialization import dossier_to_dict
    from counter_app.domain.validation import ErrorCollector

    if args.missing and not args.guidance:
        raise ValidationError("missing", "--missing chỉ dùng cùng --guidance (giấy tờ cần bổ sung); hồ sơ chưa được "
                              "lưu.", "Giấy tờ cần bổ sung")
    if not (args.guidance or args.refuse):
        raise ValidationError("reason", "--reason chỉ dùng cùng --guidance hoặc --refuse; hồ sơ chưa được lưu.", "Lý do")
    if args.refuse:
        from counter_app.services.intake import refuse_at_intake

        dossier = refuse_at_intake(db, request, args.reason or "")
        if args.json:
            print_json(dossier_to_dict(dossier))
        else:
            print(dossier.code)
        return EXIT_OK
    from counter_app.services.guidance import GuidanceRequest, guidance_payload, record_guidance

    with ErrorCollector() as check:
        choices = [check(parse_document_arg, value) for value in args.missing or []]
    guidance = record_guidance(db, GuidanceRequest(
        procedure_code=request.procedure_code, applicant=request.applicant, reason=args.reason or "",
        missing_choices=[c for c in choices if c is not None] or None, summary=request.summary,
        clerk=request.clerk, clerk_username=request.clerk_username,
    ))
    if args.json:
        print_json(guidance_payload(guidance))
    else:
        print(guidance.reference)
    return EXIT_OK


def cmd_print_form(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.forms import save_form

    out = save_form(db, args.document, args.code, Path(args.out))
    if args.json:
        print_json({"code": args.code, "form": args.document, "file": str(out)})
    else:
        print(f"Đã lưu {FORMS[args.document].split(':')[0]} vào {out}")
    return EXIT_OK


def add_form_prints(print_sub: Any) -> None:
    """`counter-app print form02|form03|form04|form05 CODE --out FILE.pdf` under the `print` sub-parser."""
    for name, help_text in FORMS.items():
        p = print_sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("code", metavar="MÃ", help="mã hồ sơ (Mẫu 02 của hướng dẫn tại quầy: số phiếu HD…)")
        p.add_argument("--out", required=True, metavar="TỆP_PDF", help="tệp PDF")
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
        p.set_defaults(handler=cmd_print_form)
