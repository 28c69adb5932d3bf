"""`provincial-server [--database-url URL] COMMAND`: run the province's sync server and administer it.

With no --database-url the server uses PROVINCIAL_SERVER_DATABASE_URL, else a SQLite file in the user
data folder, so `provincial-server serve` works with nothing else installed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from counter_app.cli_help import VietnameseArgumentParser
from counter_app.domain.errors import DomainError, ValidationError, ValidationErrors
from counter_app.domain.lifecycle import parse_status
from counter_app.services.clock import utc_now
from sync.protocol import Limits
from sync.server.cli_audit import add_audit_command
from sync.server.cli_dictionaries import add_dictionary_commands
from sync.server.cli_releases import add_release_commands
from sync.server.cli_reports import add_report_commands
from sync.server.db import ServerDatabase, default_database_url
from sync.server.errors import ApiError


def cmd_serve(db: ServerDatabase, args: argparse.Namespace) -> int:
    import uvicorn

    from sync.server.app import create_app
    from sync.server.dictionaries import keep_trained

    # The push dictionary trained when due (issue 13), in the background: a server restarted after an outage
    # answers its counters at once (they send zstd without a dictionary meanwhile).
    threading.Thread(target=keep_trained, args=(db, utc_now, threading.Event()), name="dictionary-training",
                     daemon=True).start()
    print(f"Máy chủ tỉnh đang chạy tại http://{args.host}:{args.port} (CSDL: {db.url.split('@')[-1]})", flush=True)
    if args.workers > 1:  # several processes on one database (sync/server/workers.py)
        from sync.server.workers import serve_workers

        serve_workers(db, args.limits, host=args.host, port=args.port, log_level=args.log_level, workers=args.workers,
                      token_rotation_days=args.token_rotation_days, applier_processes=args.applier == "process")
        return 0
    from sync.server.applier_process import ApplierProcesses
    from sync.server.workers import uvicorn_options

    # Stored pushes applied in a process of its own, started and stopped with the app (its lifespan: uvicorn
    # ends a one-process server by raising the signal again, past any `finally` here).
    applier = ApplierProcesses(db.url, args.limits, 1) if args.applier == "process" else None
    uvicorn.run(create_app(db, args.limits, token_rotation_days=args.token_rotation_days, applier=applier),
                host=args.host, port=args.port, **uvicorn_options(args.log_level))
    return 0


def _rotation_days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        days = -1.0
    if not 0 <= days <= 3650:
        raise argparse.ArgumentTypeError(f"--token-rotation-days {text}: cần một số ngày từ 0 đến 3650.")
    return days


def parse_limits(items: Sequence[str]) -> Limits:
    """`--limit NAME=N` overrides of the announced limits (Limits' integer fields)."""
    overrides: dict[str, int] = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in Limits.model_fields or not value.strip().isdigit():
            raise argparse.ArgumentTypeError(
                f"--limit {item}: cần dạng TÊN=SỐ với TÊN là một trong {', '.join(Limits.model_fields)}."
            )
        overrides[name] = int(value)
    return Limits(**overrides)


def cmd_create_unit(db: ServerDatabase, args: argparse.Namespace) -> int:
    from sync.server.admin import create_unit

    with db.session() as s:
        unit = create_unit(s, args.code, args.name, utc_now())
        print(f"Đã tạo đơn vị {unit.code}: {unit.name}")
    return 0


def cmd_enrollment_code(db: ServerDatabase, args: argparse.Namespace) -> int:
    from counter_app.domain.formats import office_datetime
    from sync.server.auth import new_enrollment_code

    with db.session() as s:
        code, expires = new_enrollment_code(s, args.unit.strip().upper(), utc_now())
    print(f"Mã đăng ký một lần cho đơn vị {args.unit}, hết hạn {office_datetime(expires)} (giờ Việt Nam): {code}")
    return 0


def cmd_import_catalog(db: ServerDatabase, args: argparse.Namespace) -> int:
    from sync.server.admin import import_catalog

    with db.session() as s:
        added, updated = import_catalog(s, Path(args.file), utc_now())
    print(f"Đã nhập danh mục: {added} thủ tục mới, {updated} thủ tục cập nhật; các quầy sẽ nhận khi đồng bộ.")
    return 0


def cmd_set_status(db: ServerDatabase, args: argparse.Namespace) -> int:
    from sync.server.admin import set_status

    with db.session() as s:
        dossier = set_status(s, args.code, parse_status(args.status), args.note or "", args.actor, utc_now())
        print(f"{dossier.code}: trạng thái {dossier.status}, phiên bản {dossier.version}")
    return 0


def cmd_stats(db: ServerDatabase, args: argparse.Namespace) -> int:
    from counter_app.domain.money import format_vnd
    from sync.server.admin import unit_totals

    with db.session() as s:
        rows = unit_totals(s)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            receipts = row["receipts"]
            print(f"{row['unit_code']}  {row['unit_name']}: {row['dossiers']} hồ sơ, {receipts['issued'] + receipts['cancelled']} biên lai "
                  f"({receipts['cancelled']} đã hủy; thu {format_vnd(receipts['total_vnd'])} đồng), "
                  f"{row['blobs']} tệp, {row['devices']} quầy, {row['open_conflicts']} xung đột chờ xử lý, "
                  f"{row['assisted_filings']} lượt hỗ trợ nộp trực tuyến, {row['guidance']} phiếu hướng dẫn bổ sung, "
                  f"trả kết quả {row['returned_at_desk']} tại quầy và {row['returned_by_post']} qua bưu chính "
                  f"({row['posted_returned_to_sender']} bưu gửi bị hoàn), {row['day_closes']} lần khóa sổ "
                  f"({row['day_closes_with_difference']} có chênh lệch), {row['stored_batches_waiting']} gói đồng bộ "
                  "đã nhận chờ xử lý")
    return 0


def _figure_text(mismatch: dict) -> str:
    from counter_app.domain.money import format_dong

    def shown(value: int) -> str:
        return str(value) if mismatch["figure"].endswith("_count") else format_dong(value)
    return f"{mismatch['label']} biên bản ghi {shown(mismatch['close'])}, máy chủ có {shown(mismatch['server'])}"


def cmd_closes(db: ServerDatabase, args: argparse.Namespace) -> int:
    from counter_app.domain.money import format_vnd
    from sync.server.day_close import closes

    with db.session() as s:
        rows = closes(s, args.unit, args.day)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        difference = f"chênh lệch {format_vnd(row['difference'])} đồng" if row["difference"] else "khớp"
        note = f" – giải trình: {row['explanation']} (giám sát viên {row['supervisor']})" if row["difference"] else ""
        print(f"{row['day']}  {row['unit_code']} quầy {row['desk_slot']} ({row['device_id']}), {row['clerk']}: "
              f"đếm {format_vnd(row['counted_total'])} đồng, theo biên lai {format_vnd(row['expected_cash'])} đồng, "
              f"{row['receipts_count']} biên lai, {row['cancellations_count']} hủy; {difference}{note}")
        if row["mismatch"]:
            figures = "; ".join(_figure_text(m) for m in row["mismatch"])
            print(f"    KHÔNG KHỚP với biên lai máy chủ đang giữ: {figures}")
        for refused in row["refused_receipt_ops"]:
            print(f"    thao tác biên lai bị từ chối (seq {refused['seq']}, {refused['op_type']}"
                  f"{', ' + refused['receipt'] if refused['receipt'] else ''}): {refused['message']}")
    if not rows:
        print("Chưa có biên bản khóa sổ nào.")
    return 0


def cmd_receipts(db: ServerDatabase, args: argparse.Namespace) -> int:
    from counter_app.domain.money import format_vnd
    from sync.server.receipts import receipt_books

    with db.session() as s:
        books = receipt_books(s, args.unit)
    if args.json:
        print(json.dumps(books, ensure_ascii=False, indent=2))
        return 0
    for book in books:
        gaps = ", ".join(str(n) for n in book["cancelled"]) or "không"
        print(f"{book['unit_code']}  Mẫu số {book['form_number']}, ký hiệu {book['symbol']}: {book['issued']} biên lai, "
              f"thu {format_vnd(book['total_vnd'])} đồng; số đã hủy: {gaps}"
              + (f"; SỐ CHƯA CÓ BIÊN LAI: {', '.join(str(n) for n in book['missing'])}" if book["missing"] else ""))
    return 0


def cmd_revoke_device(db: ServerDatabase, args: argparse.Namespace) -> int:
    from sync.server.admin import revoke_device

    with db.session() as s:
        revoke_device(s, args.device_id)
    print(f"Đã thu hồi quầy {args.device_id}.")
    return 0


def cmd_calendar_day(db: ServerDatabase, args: argparse.Namespace) -> int:
    from sync.server.admin import set_calendar_day

    with db.session() as s:
        set_calendar_day(s, args.day, args.kind, args.note or "", args.unit, utc_now())
    where = f"đơn vị {args.unit}" if args.unit else "mọi đơn vị"
    print(f"Đã phát lịch ngày {args.day} ({args.kind}) cho {where}; các quầy nhận khi đồng bộ.")
    return 0


def cmd_number_range(db: ServerDatabase, args: argparse.Namespace) -> int:
    from sync.server.admin import allocate_next_range, allocate_number_range

    explicit = args.first is not None or args.last is not None
    if explicit == (args.count is not None) or (explicit and (args.first is None or args.last is None)):
        print("Lỗi: hãy cho --first và --last (một dải cụ thể), hoặc chỉ --count (dải kế tiếp còn trống).",
              file=sys.stderr)
        return 2
    with db.session() as s:
        if args.count is not None:
            first, last = allocate_next_range(s, args.device_id, args.series, args.count, utc_now())
        else:
            first, last = args.first, args.last
            allocate_number_range(s, args.device_id, args.series, first, last, utc_now())
    print(f"Đã cấp dải số {first}–{last} của sổ «{args.series}» cho quầy {args.device_id}.")
    return 0


def cmd_desk_slot(db: ServerDatabase, args: argparse.Namespace) -> int:
    from sync.server.admin import set_desk_slot

    with db.session() as s:
        set_desk_slot(s, args.device_id, args.slot, utc_now())
    print(f"Quầy {args.device_id} nay mang số quầy {args.slot}.")
    return 0


def cmd_devices(db: ServerDatabase, args: argparse.Namespace) -> int:
    """The devices enrolled, with the id the other commands (number-range, desk-slot, revoke-device) take."""
    from sqlalchemy import select

    from counter_app.domain.formats import office_datetime
    from sync.server.models import Device

    with db.session() as s:
        query = select(Device).order_by(Device.unit_code, Device.desk_slot)
        if args.unit:
            query = query.where(Device.unit_code == args.unit)
        devices = list(s.scalars(query))
    # The token's age (token rotation, sync/server/token_rotation.py): issued at enrolment until a rotation.
    rows = [{"device_id": d.id, "unit_code": d.unit_code, "desk_slot": d.desk_slot, "name": d.name,
             "app_version": d.app_version, "revoked": d.revoked, "enrolled_at": d.enrolled_at.isoformat(),
             "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
             "token_issued_at": (d.token_issued_at or d.enrolled_at).isoformat(),
             "token_rotation_pending": d.next_token_hash is not None} for d in devices]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for d in devices:
        seen = office_datetime(d.last_seen_at) if d.last_seen_at else "chưa đồng bộ"
        state = " (đã thu hồi)" if d.revoked else ""
        pending = ", mã mới đã cấp, chờ quầy dùng" if d.next_token_hash is not None else ""
        print(f"{d.id}  {d.unit_code} quầy {d.desk_slot}{state}; lần đồng bộ cuối: {seen}; "
              f"mã xác thực cấp lúc: {office_datetime(d.token_issued_at or d.enrolled_at)}{pending}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseArgumentParser(prog="provincial-server", description="Máy chủ tỉnh — đồng bộ quầy một cửa")
    parser.add_argument("--database-url", metavar="ĐỊA_CHỈ_CSDL",
                        help="ví dụ postgresql+psycopg://user@host/db (mặc định: tệp SQLite)")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", required=True)
    unit = {"metavar": "MÃ_ĐƠN_VỊ", "help": "chỉ một đơn vị (mặc định: mọi đơn vị)"}
    as_json = {"action": "store_true", "help": "in kết quả dạng JSON"}
    device = {"metavar": "MÃ_QUẦY", "help": "mã thiết bị của quầy (xem lệnh devices)"}

    p = sub.add_parser("serve", help="chạy dịch vụ HTTP")
    p.add_argument("--host", default="127.0.0.1", metavar="ĐỊA_CHỈ", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
    p.add_argument("--port", type=int, default=8740, metavar="CỔNG", help="cổng lắng nghe (mặc định 8740)")
    p.add_argument("--log-level", default="warning", metavar="MỨC", help="mức ghi nhật ký: debug, info, warning…")
    p.add_argument("--workers", type=int, default=1, metavar="SỐ_TIẾN_TRÌNH",
                   help="số tiến trình phục vụ cùng một CSDL (mặc định 1; nên dùng PostgreSQL khi nhiều hơn 1)")
    p.add_argument("--limit", action="append", default=[], metavar="TÊN=SỐ",
                   help="đổi một giới hạn, ví dụ max_device_blob_bytes=10737418240 (lặp lại được)")
    p.add_argument("--token-rotation-days", type=_rotation_days, default=30.0, metavar="SỐ_NGÀY",
                   help="đổi mã xác thực của mỗi quầy sau chừng ấy ngày (mặc định 30; 0: ở mỗi lần chào)")
    p.add_argument("--applier", choices=("process", "thread"), default="process",
                   help="các gói quầy gửi lưu được xử lý ở tiến trình riêng (process, mặc định) hay ở một luồng "
                        "của mỗi tiến trình phục vụ (thread)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("create-unit", help="tạo (hoặc đổi tên) một đơn vị")
    p.add_argument("--code", required=True, metavar="MÃ_ĐƠN_VỊ", help="mã định danh đơn vị (QCVN 102:2016)")
    p.add_argument("--name", required=True, metavar="TÊN", help="tên đơn vị")
    p.set_defaults(handler=cmd_create_unit)

    p = sub.add_parser("enrollment-code", help="cấp mã đăng ký một lần cho một quầy của đơn vị")
    p.add_argument("--unit", required=True, metavar="MÃ_ĐƠN_VỊ", help="đơn vị của quầy")
    p.set_defaults(handler=cmd_enrollment_code)

    p = sub.add_parser("devices", help="các quầy đã đăng ký: mã thiết bị, đơn vị, số quầy, lần đồng bộ cuối, "
                                      "lúc cấp mã xác thực")
    p.add_argument("--unit", **unit)
    p.add_argument("--json", **as_json)
    p.set_defaults(handler=cmd_devices)

    p = sub.add_parser("import-catalog", help="nhập danh mục thủ tục (JSON hoặc CSV) và phát cho các quầy")
    p.add_argument("file", metavar="TỆP", help="tệp danh mục JSON hoặc CSV")
    p.set_defaults(handler=cmd_import_catalog)

    p = sub.add_parser("set-status", help="ghi trạng thái hồ sơ do cơ quan giải quyết cập nhật")
    p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
    p.add_argument("status", metavar="TRẠNG_THÁI", help="mã trạng thái mới (1–10)")
    p.add_argument("--note", metavar="GHI_CHÚ", help="ghi chú hoặc lý do")
    p.add_argument("--actor", default="Cơ quan giải quyết", metavar="NGƯỜI_THỰC_HIỆN",
                   help="ai cập nhật (mặc định: Cơ quan giải quyết)")
    p.set_defaults(handler=cmd_set_status)

    p = sub.add_parser("stats", help="số hồ sơ, biên lai và tệp theo đơn vị")
    p.add_argument("--json", **as_json)
    p.set_defaults(handler=cmd_stats)

    p = sub.add_parser("closes", help="biên bản khóa sổ cuối ngày của từng quầy, với chênh lệch tiền mặt")
    p.add_argument("--unit", **unit)
    p.add_argument("--day", metavar="NGÀY", help="chỉ một ngày, dạng YYYY-MM-DD")
    p.add_argument("--json", **as_json)
    p.set_defaults(handler=cmd_closes)
    p = sub.add_parser("receipts", help="các quyển biên lai: số biên lai, số đã hủy (khoảng trống có đánh dấu)")
    p.add_argument("--unit", **unit)
    p.add_argument("--json", **as_json)
    p.set_defaults(handler=cmd_receipts)

    p = sub.add_parser("calendar-day", help="phát ngày nghỉ thêm / ngày làm bù (theo thông báo hằng năm)")
    p.add_argument("day", metavar="NGÀY", help="YYYY-MM-DD")
    p.add_argument("--kind", choices=["off", "work", "clear"], required=True,
                   help="off: ngày nghỉ thêm; work: ngày làm bù; clear: bỏ thông báo trước")
    p.add_argument("--note", metavar="GHI_CHÚ", help="căn cứ (thông báo nghỉ lễ, Tết)")
    p.add_argument("--unit", **unit)
    p.set_defaults(handler=cmd_calendar_day)

    p = sub.add_parser("number-range", help="cấp cho một quầy một dải số (quyển biên lai, mã bưu gửi)")
    p.add_argument("device_id", **device)
    p.add_argument("--series", required=True, metavar="SỔ",
                   help="receipt:<mẫu số>/<ký hiệu> cho quyển biên lai (ví dụ receipt:01BLP3-001/AA-26P), "
                        "bcci-item cho số hiệu bưu gửi")
    p.add_argument("--first", type=int, metavar="SỐ_ĐẦU", help="số đầu của dải (cùng --last)")
    p.add_argument("--last", type=int, metavar="SỐ_CUỐI", help="số cuối của dải (cùng --first)")
    p.add_argument("--count", type=int, metavar="SỐ_LƯỢNG", help="cấp SỐ_LƯỢNG số kế tiếp còn trống của sổ (thay cho --first/--last)")
    p.set_defaults(handler=cmd_number_range)

    p = sub.add_parser("desk-slot", help="đổi số quầy của một quầy")
    p.add_argument("device_id", **device)
    p.add_argument("slot", type=int, metavar="SỐ_QUẦY", help="số quầy mới (1–9)")
    p.set_defaults(handler=cmd_desk_slot)

    add_audit_command(sub)
    add_report_commands(sub)
    add_release_commands(sub)
    add_dictionary_commands(sub)

    p = sub.add_parser("revoke-device", help="thu hồi quyền đồng bộ của một quầy")
    p.add_argument("device_id", **device)
    p.set_defaults(handler=cmd_revoke_device)
    return parser


def run_command(db: ServerDatabase, args: argparse.Namespace) -> int:
    """Run the parsed command on an open database: its exit code, refusals printed in Vietnamese."""
    try:
        return args.handler(db, args)
    except ApiError as error:
        print(f"Lỗi: {error.message}", file=sys.stderr)
        return 1
    except (ValidationError, ValidationErrors) as error:
        messages = error.errors if isinstance(error, ValidationErrors) else [error]
        for item in messages:
            print(f"Lỗi: {item.message}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"Lỗi: {error.message}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        try:
            args.limits = parse_limits(args.limit)
        except argparse.ArgumentTypeError as error:
            parser.error(str(error))
        if not 1 <= args.workers <= 64:
            parser.error(f"--workers {args.workers}: cần một số từ 1 đến 64.")
    try:
        db = ServerDatabase.open(args.database_url or default_database_url())
    except DomainError as error:
        print(f"Lỗi: {error.message}", file=sys.stderr)
        return 1
    try:
        return run_command(db, args)
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
