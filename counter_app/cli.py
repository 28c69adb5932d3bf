"""`counter-app`: the scriptable face of the same services the GUI uses.

    counter-app [--data-dir DIR] COMMAND ...

Output is Vietnamese for people and JSON with --json for programs. Errors go to stderr with a
non-zero exit code: 2 for bad input, 1 for anything else the services refuse, 3 for a database
written by a newer version, 4 for a damaged database (empty, not SQLite, truncated or corrupt; left
untouched). Never a traceback: a database error the services did not foresee is explained too.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from counter_app import __version__
from counter_app.cli_accounts import add_user_commands, require_clerk, signed_in_clerk
from counter_app.cli_assist import add_assist_commands
from counter_app.cli_audit import add_audit_commands
from counter_app.cli_backup import add_backup_commands
from counter_app.cli_catalog import add_catalog_commands
from counter_app.cli_common import parse_instant, print_json
from counter_app.cli_day import add_day_commands, add_day_prints
from counter_app.cli_diagnostics import add_diagnostics_commands
from counter_app.cli_digitisation import add_digitisation_commands
from counter_app.cli_fees import add_fee_commands, add_fee_count_options, intake_fee_fields
from counter_app.cli_forms import (
    add_form_prints,
    add_intake_outcome_options,
    ends_otherwise,
    finish_intake_outcome,
)
from counter_app.cli_help import VERSION, VietnameseArgumentParser
from counter_app.cli_lifecycle import add_lifecycle_commands
from counter_app.cli_payments import (
    add_bank_account_options,
    add_unit_bank_command,
    apply_bank_account_options,
)
from counter_app.cli_receipts import add_receipt_commands, add_receipt_prints
from counter_app.cli_reports import add_report_commands
from counter_app.cli_returns import add_return_commands, add_return_prints
from counter_app.cli_sync import add_sync_commands
from counter_app.crash import cli_message, install_crash_hooks
from counter_app.domain import labels
from counter_app.domain.dossier import Dossier
from counter_app.domain.errors import DomainError, ValidationErrors
from counter_app.domain.formats import office_datetime
from counter_app.domain.identity import parse_chip_id_qr
from counter_app.domain.lifecycle import parse_status
from counter_app.domain.papers import DocumentChoice, parse_document_arg
from counter_app.domain.serialization import dossier_to_dict
from counter_app.domain.validation import ErrorCollector
from counter_app.exit_codes import EXIT_OK, EXIT_UNEXPECTED, exit_code_for
from counter_app.logs import setup_logging
from counter_app.paths import default_data_dir, demo_data_dir
from counter_app.storage.database import Database, database_failure
from counter_app.storage.folder_lock import using_data_folder

log = logging.getLogger(__name__)


def _dossier_line(dossier: Dossier) -> str:
    return f"{dossier.code}  {dossier.applicant.full_name}  {dossier.status.label}  hẹn trả {office_datetime(dossier.due_at)}"


# -- commands ----------------------------------------------------------------------------------------


def cmd_setup(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.accounts import any_account, require_supervisor
    from counter_app.services.catalog import ensure_sample_catalog
    from counter_app.services.unit_setup import setup_unit

    legacy_name, supervisor = args.clerk or "", None
    if any_account(db):  # unit settings are a supervisor's: --clerk is then a supervisor's username
        supervisor = require_supervisor(db, require_clerk(db, args), "đổi thiết lập đơn vị").username
        legacy_name = ""
    profile = setup_unit(
        db,
        unit_code=args.unit_code,
        unit_name=args.unit_name,
        desk=args.desk,
        clerk_name=legacy_name,
        ward_code=args.ward_code,
        by=supervisor,
    )
    loaded = ensure_sample_catalog(db)
    bank_line = apply_bank_account_options(db, args, supervisor)
    if args.supervisor:
        from counter_app.cli_accounts import read_password
        from counter_app.services.accounts import create_account

        create_account(db, username=args.supervisor, full_name=args.supervisor_name or "", role="supervisor",
                       password=read_password(f"Mật khẩu mới cho {args.supervisor}: ", confirm=True), by=None)
    if args.json:
        print_json({"unit_code": profile.unit_code, "unit_name": profile.unit_name, "desk": profile.desk_slot,
                     "device_id": profile.device_id, "sample_procedures_loaded": loaded, "bank_account": bank_line})
    else:
        print(f"Đã thiết lập quầy {profile.desk_slot} của {profile.unit_name} ({profile.unit_code}).")
        if loaded:
            print(f"Đã nạp {loaded} thủ tục từ danh mục mẫu (dữ liệu mẫu, cần đối chiếu trước khi dùng thật).")
        print(bank_line)
    return EXIT_OK


def cmd_intake(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.clock import office_today
    from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier

    applicant = PersonInput(
        full_name=args.applicant or "",
        id_number=args.id_number or "",
        phone=args.phone or "",
        id_type=args.id_type,
        email=args.email or "",
        birth_date=args.birth_date,
        gender=args.gender,
        street=args.address or "",
        ward_code=args.ward_code,
    )
    if args.id_qr:
        card = parse_chip_id_qr(args.id_qr, today=office_today())
        applicant.full_name = applicant.full_name or card.full_name
        applicant.id_number = applicant.id_number or card.id_number
        applicant.birth_date = applicant.birth_date or card.birth_date
        applicant.gender = applicant.gender or card.gender.value
        applicant.address_text = card.permanent_address
    submitter = None
    if args.submitter:
        submitter = PersonInput(full_name=args.submitter, id_number=args.submitter_id or "",
                                phone=args.submitter_phone or "")
    request = IntakeRequest(
        procedure_code=args.procedure or "",
        applicant=applicant,
        submitter=submitter,
        summary=args.summary or "",
        sets_count=args.sets,
        channel=args.channel,
        result_delivery=args.result,
        received_at=parse_instant(args.received_at, "received_at", labels.RECEIVED_AT) if args.received_at else None,
        clerk_username=signed_in_clerk(db, args),
        late_entry_reason=args.late_entry_reason or "",
        document_choices=_document_choices(args.document),
        portal_code=args.portal_code or "",
        **intake_fee_fields(args),
    )
    if ends_otherwise(args):  # --guidance (Mẫu 02, no code) or --refuse (status 3, Mẫu 03): cli_forms
        return finish_intake_outcome(db, args, request)
    dossier = receive_dossier(db, request)
    if args.json:
        print_json(dossier_to_dict(dossier))
    else:
        print(dossier.code)
    return EXIT_OK


def _document_choices(values: list[str] | None) -> list[DocumentChoice] | None:
    """--document "N=O/C/P" (repeatable): with any, only these lines of the procedure count."""
    if not values:
        return None
    with ErrorCollector() as check:
        choices = [check(parse_document_arg, value) for value in values]
    return [c for c in choices if c is not None]


def cmd_unit(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.unit_setup import load_profile, set_lookup_url

    if args.lookup_url is not None:
        profile = set_lookup_url(db, args.lookup_url, by=require_clerk(db, args))
    else:
        profile = load_profile(db)
    if args.json:
        print_json({"unit_code": profile.unit_code, "lookup_url": profile.lookup_url})
    elif profile.lookup_url:
        print(f"Mã QR trên giấy tiếp nhận mở địa chỉ tra cứu: {profile.lookup_url}")
    else:
        print("Chưa đặt địa chỉ tra cứu: mã QR trên giấy tiếp nhận chỉ chứa mã hồ sơ.")
    return EXIT_OK


def cmd_show(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.dossiers import get_dossier

    dossier = get_dossier(db, args.code)
    if args.json:
        print_json(dossier_to_dict(dossier))
        return EXIT_OK
    data = dossier_to_dict(dossier)
    print(f"Mã hồ sơ:      {dossier.code}")
    print(f"{labels.PROCEDURE}:       {dossier.procedure_code} — {dossier.procedure_name}")
    print(f"Chủ hồ sơ:     {dossier.applicant.full_name} ({dossier.applicant.id_type.label} {dossier.applicant.id_number})")
    print(f"Điện thoại:    {dossier.applicant.phone}")
    print(f"Kênh:          {dossier.channel.label}")
    print(f"Trạng thái:    {dossier.status.label}")
    print(f"Tiếp nhận lúc: {office_datetime(dossier.received_at)}")
    print(f"Hẹn trả:       {office_datetime(dossier.due_at)}")
    for change in data["history"]:
        print(f"  {change['at']}  → {change['to_status']}  {change['actor']}  {change['note']}")
    return EXIT_OK


def cmd_search(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.dossiers import search_dossiers

    found = search_dossiers(db, args.query, args.limit)
    if args.json:
        print_json([dossier_to_dict(d, with_history=False) for d in found])
    elif not found:
        print("Không tìm thấy hồ sơ nào.")
    else:
        for dossier in found:
            print(_dossier_line(dossier))
    return EXIT_OK


def cmd_set_status(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.dossiers import change_status
    from counter_app.services.unit_setup import load_profile

    username = signed_in_clerk(db, args)
    dossier = change_status(db, args.code, parse_status(args.status), actor=load_profile(db).clerk_name,
                            clerk_username=username, note=args.note or "")
    if args.json:
        print_json(dossier_to_dict(dossier))
    else:
        print(f"{dossier.code}: {dossier.status.label}")
    return EXIT_OK


def cmd_print(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.slips import save_receipt_slip

    out = save_receipt_slip(db, args.code, Path(args.out))
    if args.json:
        print_json({"code": args.code, "file": str(out)})
    else:
        print(f"Đã lưu giấy tiếp nhận vào {out}")
    return EXIT_OK


def cmd_demo_data(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.demo_data import generate_demo_dossiers

    made = generate_demo_dossiers(db, args.dossiers, seed=args.seed, queue_for_sync=args.queue_sync)
    if args.json:
        print_json({"inserted": made})
    else:
        print(f"Đã tạo {made} hồ sơ mẫu.")
    return EXIT_OK


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def _gui_data_dir(args: argparse.Namespace) -> Path:
    if args.data_dir:
        return Path(args.data_dir)
    return demo_data_dir() if args.demo else default_data_dir()


def run_gui(args: argparse.Namespace) -> int:
    """Open the counter screens (the demo unit with --demo)."""
    from counter_app.ui.app import run_gui as start

    return start(_gui_data_dir(args), demo=args.demo, smoke=args.smoke)


# -- parser ----------------------------------------------------------------------------------------

CLERK_HELP = "tên đăng nhập của người thực hiện (mật khẩu được hỏi sau, hoặc đọc một dòng từ đầu vào chuẩn)"


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseArgumentParser(prog="counter-app", description="Ứng dụng quầy một cửa — Bưu điện")
    parser.add_argument("--version", action="version", version=f"counter-app {__version__}", help=VERSION)
    parser.add_argument("--data-dir", help="thư mục dữ liệu của quầy (mặc định: thư mục dữ liệu người dùng)")
    parser.add_argument("--demo", action="store_true", help="mở đơn vị mẫu với hồ sơ mẫu")
    parser.add_argument("--smoke", action="store_true", help="mở cửa sổ chính rồi thoát ngay (kiểm tra cài đặt)")
    parser.add_argument("--self-test", action="store_true",
                        help="tự kiểm tra bản cài trên dữ liệu tạm (cơ sở dữ liệu, giấy in, mã vạch, kho khóa, bản dịch)")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", title="các lệnh")

    def command(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
        p.set_defaults(handler=handler)
        return p

    p = command("setup", cmd_setup, "thiết lập đơn vị và quầy")
    p.add_argument("--unit-code", required=True, help="mã định danh đơn vị (QCVN 102), ví dụ 000.31.48.H15")
    p.add_argument("--unit-name", required=True, help="tên đơn vị, in ở đầu giấy tiếp nhận")
    p.add_argument("--desk", required=True, help="số quầy 0-9 (mỗi đơn vị tối đa 10 quầy)")
    p.add_argument("--clerk", help="tên người tiếp nhận (quầy chưa có tài khoản; cách cũ)")
    p.add_argument("--ward-code", type=int, help="mã xã/phường của đơn vị (danh mục từ 1/7/2025)")
    p.add_argument("--supervisor", help="tạo tài khoản giám sát viên đầu tiên với tên đăng nhập này (mật khẩu được hỏi sau)")
    p.add_argument("--supervisor-name", help="họ và tên của giám sát viên đầu tiên")
    add_bank_account_options(p)

    p = command("intake", cmd_intake, "tiếp nhận một hồ sơ")
    p.add_argument("--procedure", help="mã thủ tục, ví dụ 1.001193")
    p.add_argument("--applicant", help="họ và tên chủ hồ sơ")
    p.add_argument("--id-number", help="số CCCD/CMND/hộ chiếu")
    p.add_argument("--id-type", default="cccd", help="cccd | cmnd | passport")
    p.add_argument("--id-qr", help="chuỗi đọc từ mã QR trên thẻ căn cước (điền thông tin chủ hồ sơ)")
    p.add_argument("--phone", help="số điện thoại của chủ hồ sơ")
    p.add_argument("--email", help="thư điện tử của chủ hồ sơ")
    p.add_argument("--birth-date", help="dd/mm/yyyy")
    p.add_argument("--gender", help="male | female")
    p.add_argument("--address", help="số nhà, đường")
    p.add_argument("--ward-code", type=int, help="mã xã/phường")
    p.add_argument("--summary", help="nội dung yêu cầu giải quyết")
    p.add_argument("--sets", default="1", help="số bộ hồ sơ")
    p.add_argument("--channel", default="1", help="1 trực tiếp | 2 trực tuyến | 3 bưu chính")
    p.add_argument("--portal-code", metavar="MÃ_HỒ_SƠ_CỔNG",
                   help="kênh 2: mã hồ sơ Cổng dịch vụ công đã cấp, hồ sơ giữ mã này (quầy không cấp mã mới)")
    p.add_argument("--result", default="desk", help="desk (tại quầy) | bcci (qua bưu chính)")
    p.add_argument("--submitter", help="họ và tên người nộp, nếu khác chủ hồ sơ")
    p.add_argument("--submitter-id", help="số CCCD của người nộp, nếu khác chủ hồ sơ")
    p.add_argument("--submitter-phone", help="số điện thoại của người nộp, nếu khác chủ hồ sơ")
    p.add_argument("--received-at", help="ISO 8601; không ghi múi giờ thì hiểu là giờ Việt Nam")
    p.add_argument("--clerk", help=CLERK_HELP)
    p.add_argument("--late-entry-reason", help="lý do nhập muộn: thời điểm tiếp nhận trước ngày làm việc hiện tại "
                                                "(--clerk phải là giám sát viên)")
    p.add_argument("--document", action="append", metavar="N=O/C/P",
                   help="giấy tờ đã nộp: N là số thứ tự trong danh sách documents của thủ tục (counter-app catalog "
                        "--json), O bản chính, C bản sao chứng thực, P bản photo; ghi lại nhiều lần, mỗi giấy tờ "
                        "một lần; khi có --document thì chỉ tính các giấy tờ đã ghi")
    add_intake_outcome_options(p)
    add_fee_count_options(p)

    unit = sub.add_parser("unit", help="cài đặt của đơn vị", description="cài đặt của đơn vị")
    unit_sub = unit.add_subparsers(dest="unit_command", metavar="LỆNH", required=True)
    p = unit_sub.add_parser("set", help="đặt cài đặt của đơn vị", description="đặt cài đặt của đơn vị")
    p.add_argument("--lookup-url", metavar="URL",
                   help="địa chỉ tra cứu hồ sơ mà mã QR trên giấy tiếp nhận mở: https://… có {code} là chỗ đặt mã "
                        "hồ sơ, hoặc địa chỉ gốc để nối mã vào cuối; chuỗi rỗng để bỏ")
    p.add_argument("--clerk", help=CLERK_HELP)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_unit)
    add_unit_bank_command(unit_sub)

    p = command("show", cmd_show, "xem một hồ sơ")
    p.add_argument("code", help="mã hồ sơ")

    p = command("search", cmd_search, "tìm hồ sơ theo mã, tên, số giấy tờ hoặc điện thoại")
    p.add_argument("query", help="mã hồ sơ, họ tên, số giấy tờ hoặc số điện thoại (không cần dấu)")
    p.add_argument("--limit", type=int, default=20, help="số hồ sơ tối đa được liệt kê (mặc định 20)")

    p = command("set-status", cmd_set_status, "chuyển trạng thái hồ sơ (1-10); tên cũ của lệnh «transition»")
    p.add_argument("code", help="mã hồ sơ")
    p.add_argument("status", help="mã trạng thái mới, số từ 1 đến 10")
    p.add_argument("--note", help="ghi chú, lưu vào lịch sử hồ sơ")
    p.add_argument("--clerk", help=CLERK_HELP)

    printing = sub.add_parser("print", help="in giấy tờ", description="in giấy tờ")
    print_sub = printing.add_subparsers(dest="document", metavar="GIẤY_TỜ", title="giấy tờ", required=True)
    p = print_sub.add_parser("slip", help="Mẫu 01: giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    p.add_argument("code", help="mã hồ sơ")
    p.add_argument("--out", required=True, help="tệp PDF")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_print)
    add_return_prints(print_sub)
    add_receipt_prints(print_sub)
    add_form_prints(print_sub)
    add_day_prints(print_sub)

    p = command("demo-data", cmd_demo_data, "tạo nhanh hồ sơ mẫu (dùng cho thử nghiệm và đo hiệu năng)")
    p.add_argument("--dossiers", type=int, required=True, help="số hồ sơ mẫu cần tạo")
    p.add_argument("--seed", type=int, default=1, help="số khởi tạo ngẫu nhiên: cùng số cho cùng bộ hồ sơ mẫu")
    p.add_argument("--queue-sync", action="store_true", help="đưa hồ sơ mẫu vào hàng đợi đồng bộ")

    add_sync_commands(sub)
    add_digitisation_commands(sub, CLERK_HELP)
    add_catalog_commands(sub)

    add_user_commands(sub)
    add_return_commands(sub)
    add_receipt_commands(sub)
    add_fee_commands(sub)
    add_assist_commands(sub)
    add_lifecycle_commands(sub)
    add_day_commands(sub, CLERK_HELP)
    add_audit_commands(sub)
    add_report_commands(sub)
    add_backup_commands(sub)
    add_diagnostics_commands(sub)
    return parser


def _report(error: DomainError, as_json: bool) -> int:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    for item in errors:
        print(f"Lỗi: {item.message}", file=sys.stderr)
    if as_json:
        payload = [{"field": getattr(e, "field", None), "message": e.message} for e in errors]
        print(json.dumps({"errors": payload}, ensure_ascii=False), file=sys.stderr)
    return exit_code_for(error)


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")  # Vietnamese on a Windows console too
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    install_crash_hooks()
    if args.self_test:  # a temporary data folder of its own: the real one is not even given a log file
        from counter_app.self_test import run_self_test

        return run_self_test()
    setup_logging(_gui_data_dir(args) if args.command is None else _data_dir(args))
    try:
        if args.command is None:
            return run_gui(args)
        if not getattr(args, "opens_database", True):  # restore: alone in the folder; diagnostics: works when
            # the database cannot be opened
            return args.handler(_data_dir(args), args)
        with using_data_folder(_data_dir(args)):  # a restore waits for no one: it refuses (folder_lock.py)
            db = Database.open(_data_dir(args))
            try:
                return args.handler(db, args)
            except (SQLAlchemyError, sqlite3.Error) as error:  # e.g. a page found damaged while reading
                raise database_failure(db.path, error) from error
            finally:
                db.close()
    except DomainError as error:
        return _report(error, as_json)
    except Exception as error:  # a bug: logged with its traceback, one Vietnamese line for the clerk
        log.exception("Lỗi không mong muốn trong lệnh %s", args.command or "(giao diện)")
        print(cli_message(error), file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
