"""`counter-app backup --out FILE` and `counter-app restore FILE` (docs/backups.md).

`restore` runs without opening the database first (cli.main: `opens_database=False`): the database in
place may be the damaged one being replaced, and the restore must be alone in the data folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from counter_app.cli_common import print_json
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database


def cmd_backup(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.backups import back_up_to_file

    out = Path(args.out)
    info = back_up_to_file(db, out, force=args.force)
    if args.json:
        print_json({"file": str(out), "bytes": out.stat().st_size, "schema": info.revision, "dossiers": info.dossiers})
    else:
        print(f"Đã sao lưu cơ sở dữ liệu của quầy vào «{out}» ({info.dossiers} hồ sơ, đã kiểm tra toàn vẹn).")
    return EXIT_OK


def cmd_restore(data_dir: Path, args: argparse.Namespace) -> int:
    from counter_app.services.restore import restore_database

    source = Path(args.file)
    outcome = restore_database(data_dir, source)
    if args.json:
        print_json({"file": str(source), "dossiers": outcome.restored.dossiers, "schema": outcome.restored.revision,
                    "safety_backup": str(outcome.safety_backup) if outcome.safety_backup else None,
                    "moved_aside": str(outcome.moved_aside) if outcome.moved_aside else None,
                    "pullback_pending": outcome.pullback_pending})
        return EXIT_OK
    print(f"Đã khôi phục cơ sở dữ liệu của quầy từ «{source}» ({outcome.restored.dossiers} hồ sơ).")
    if outcome.safety_backup:
        print(f"Dữ liệu trước khi khôi phục được giữ ở «{outcome.safety_backup}».")
    if outcome.moved_aside:
        print(f"Tệp cơ sở dữ liệu cũ không đọc được nên được chuyển nguyên vẹn sang «{outcome.moved_aside}».")
    if outcome.pullback_pending:
        print("Lần đồng bộ tới (F9 hoặc «counter-app sync --once») sẽ lấy lại từ máy chủ tỉnh các hồ sơ của quầy "
              "nhận sau lúc sao lưu; cho tới lúc đó quầy chưa cấp mã hồ sơ, số sổ hay số biên lai mới.")
    return EXIT_OK


def add_backup_commands(sub: Any) -> None:
    """`backup` and `restore` under the main parser's subcommands."""
    text = "sao lưu cơ sở dữ liệu của quầy vào một tệp (bản sao nhất quán, đã kiểm tra toàn vẹn)"
    p = sub.add_parser("backup", help=text, description=text)
    p.add_argument("--out", required=True, metavar="TỆP", help="tệp sao lưu sẽ tạo, ví dụ E:\\quay-2.sqlite")
    p.add_argument("--force", action="store_true", help="ghi đè nếu tệp đã có")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_backup)
    text = ("khôi phục cơ sở dữ liệu của quầy từ một tệp sao lưu (dữ liệu hiện tại được sao lưu trước; "
            "phải đóng ứng dụng quầy)")
    p = sub.add_parser("restore", help=text, description=text)
    p.add_argument("file", metavar="TỆP", help="tệp sao lưu của chính quầy này")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_restore, opens_database=False)
