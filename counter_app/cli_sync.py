"""`counter-app enroll` and `counter-app sync`: the counter and the province's server (moved out of cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from counter_app.cli_common import print_json
from counter_app.exit_codes import EXIT_ERROR, EXIT_OK
from counter_app.storage.database import Database


def cmd_enroll(db: Database, args: argparse.Namespace) -> int:
    from sync.client.enrollment import enroll

    result = enroll(db, args.server, args.code, allow_insecure_http=args.insecure_http)
    if args.json:
        print_json({"device_id": result.device_id, "unit_code": result.unit_code, "unit_name": result.unit_name,
                     "desk_slot": result.desk_slot, "slot_changed": result.slot_changed})
    else:
        print(f"Đã đăng ký quầy {result.desk_slot} của {result.unit_name} ({result.unit_code}) với máy chủ tỉnh.")
        if result.slot_changed:
            print(f"Lưu ý: máy chủ cấp số quầy {result.desk_slot}; hồ sơ mới sẽ mang số quầy này.")
    return EXIT_OK


def cmd_sync(db: Database, args: argparse.Namespace) -> int:
    import time

    from sync.client.runner import SyncRunner

    runner = SyncRunner(db, db.path.parent)
    while True:
        report = runner.run_once()
        if args.json:
            print(json.dumps(report.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(f"Đồng bộ {'xong' if report.ok else 'chưa xong'}: gửi {report.pushed}, nhận {report.pulled}, "
                  f"tệp {report.blobs_uploaded}, bị từ chối {report.rejected}, xung đột {report.conflicts}.", flush=True)
            for problem in report.problems:
                print(f"  {problem.get('code', '')}: {problem.get('message', '')}")
            for error in report.errors:
                print(f"  Lỗi: {error}", file=sys.stderr)
        if args.once:
            return EXIT_OK if report.ok else EXIT_ERROR
        time.sleep(args.interval)


def add_sync_commands(sub: Any) -> None:
    """`enroll` and `sync` under the main parser's subcommands."""
    text = "đăng ký quầy với máy chủ tỉnh bằng mã một lần"
    p = sub.add_parser("enroll", help=text, description=text)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("--server", required=True, help="địa chỉ máy chủ tỉnh, ví dụ https://motcua.danang.gov.vn")
    p.add_argument("--code", required=True, metavar="MÃ_ĐĂNG_KÝ", help="mã đăng ký do giám sát viên cấp")
    p.add_argument("--insecure-http", action="store_true",
                   help="cho phép địa chỉ http:// không mã hoá tới máy khác (chỉ trong mạng nội bộ tin cậy: "
                        "mã xác thực của quầy đi qua mạng ở dạng đọc được)")
    p.set_defaults(handler=cmd_enroll)

    text = "đồng bộ với máy chủ tỉnh (mặc định lặp lại định kỳ)"
    p = sub.add_parser("sync", help=text, description=text)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("--once", action="store_true", help="chỉ đồng bộ một lần rồi thoát")
    p.add_argument("--interval", type=float, default=180.0, help="số giây giữa hai lần đồng bộ")
    p.set_defaults(handler=cmd_sync)
