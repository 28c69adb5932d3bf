"""`provincial-server release publish|list|withdraw`: the counter versions the province offers (issue 12)."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Any

from counter_app.services.clock import utc_now
from sync.protocol import RELEASE_PLATFORMS


def _publisher() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return ""


def cmd_publish(db: Any, args: argparse.Namespace) -> int:
    from sync.server.releases import publish_file

    with db.session() as s:
        release = publish_file(s, Path(args.file), args.version, args.platform, _publisher(), args.notes or "",
                               utc_now())
        print(f"Đã phát hành phiên bản {release.version} ({release.platform}): {release.file_name}, "
              f"{release.size} byte, SHA-256 {release.sha256}. Các quầy nhận thông báo ở lần đồng bộ tới.")
    return 0


def cmd_list(db: Any, args: argparse.Namespace) -> int:
    from sync.server.releases import all_releases

    with db.session() as s:
        rows = [{"version": r.version, "platform": r.platform, "file_name": r.file_name, "size": r.size,
                 "sha256": r.sha256, "published_at": r.published_at.isoformat(), "published_by": r.published_by,
                 "notes": r.notes, "withdrawn": r.withdrawn} for r in all_releases(s)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        state = " (đã thu hồi)" if row["withdrawn"] else ""
        print(f"{row['version']}  {row['platform']}{state}: {row['file_name']}, {row['size']} byte, "
              f"SHA-256 {row['sha256']}, phát hành {row['published_at']}")
    if not rows:
        print("Chưa phát hành phiên bản nào.")
    return 0


def cmd_withdraw(db: Any, args: argparse.Namespace) -> int:
    from sync.server.releases import withdraw

    with db.session() as s:
        releases = withdraw(s, args.version, args.platform)
        platforms = ", ".join(r.platform for r in releases)
    print(f"Đã thu hồi phiên bản {args.version} ({platforms}); các quầy không còn được mời tải bản này.")
    return 0


def add_release_commands(sub: Any) -> None:
    release = sub.add_parser("release", help="phát hành, liệt kê, thu hồi phiên bản ứng dụng quầy")
    commands = release.add_subparsers(dest="release_command", metavar="LỆNH_CON", required=True)
    platform = {"choices": RELEASE_PLATFORMS, "metavar": "NỀN_TẢNG",
                "help": f"nền tảng của bản cài: {', '.join(RELEASE_PLATFORMS)}"}

    p = commands.add_parser("publish", help="phát hành một phiên bản: các quầy sẽ tải và cài khi mở lại")
    p.add_argument("file", metavar="TỆP", help="bản cài: .tar.gz (Linux) hoặc trình cài đặt .exe (Windows)")
    p.add_argument("--version", required=True, metavar="PHIÊN_BẢN", help="số phiên bản dạng SỐ.SỐ.SỐ, ví dụ 1.2.0")
    p.add_argument("--platform", required=True, **platform)
    p.add_argument("--notes", metavar="GHI_CHÚ", help="điểm mới của phiên bản (quầy hiển thị)")
    p.set_defaults(handler=cmd_publish)

    p = commands.add_parser("list", help="các phiên bản đã phát hành")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_list)

    p = commands.add_parser("withdraw", help="thu hồi một phiên bản: quầy không còn được mời tải")
    p.add_argument("version", metavar="PHIÊN_BẢN", help="số phiên bản cần thu hồi")
    p.add_argument("--platform", **platform)
    p.set_defaults(handler=cmd_withdraw)
