"""`provincial-server dictionary train|list`: the push dictionaries the province publishes (issue 13, W)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from counter_app.services.clock import utc_now


def cmd_train(db: Any, args: argparse.Namespace) -> int:
    from sync.server.dictionaries import train

    row = train(db, utc_now(), min_dossiers=args.min_dossiers)
    print(f"Đã học từ điển nén số {row.id} từ {row.samples} hồ sơ (đã thay dữ liệu cá nhân bằng dữ liệu mẫu): "
          f"{row.size} byte, SHA-256 {row.sha256}. Các quầy dùng nó từ lần đồng bộ tới.")
    return 0


def cmd_list(db: Any, args: argparse.Namespace) -> int:
    from sync.server.dictionaries import listing

    rows = listing(db)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        print("Chưa có từ điển nén nào (cần ít nhất 1.000 hồ sơ; lệnh «dictionary train»).")
    for row in rows if not args.json else []:
        print(f"Số {row['id']}: học ngày {row['created_at'][:10]} từ {row['samples']} hồ sơ, {row['size']} byte, "
              f"SHA-256 {row['sha256']}")
    return 0


def add_dictionary_commands(sub: Any) -> None:
    from sync.server.dictionaries import MIN_DOSSIERS

    parser = sub.add_parser("dictionary", help="từ điển nén dữ liệu đồng bộ (học từ hồ sơ của tỉnh, phát cho các quầy)")
    actions = parser.add_subparsers(dest="action", metavar="VIỆC", required=True)
    p = actions.add_parser("train", help="học một từ điển mới từ các hồ sơ máy chủ đang giữ (không chứa dữ liệu cá nhân)")
    p.add_argument("--min-dossiers", type=int, default=MIN_DOSSIERS, metavar="SỐ",
                   help=f"số hồ sơ tối thiểu cần có (mặc định {MIN_DOSSIERS})")
    p.set_defaults(handler=cmd_train)
    p = actions.add_parser("list", help="các từ điển đã học (không bao giờ xóa: quầy có thể còn dùng)")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_list)
