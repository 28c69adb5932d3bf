"""`provincial-server verify-audit [--device D] [--json]`: re-check every device's stored audit chain.

Exit code 0 when every chain holds, 5 when a row was changed, deleted or inserted (the rows are named).
Forks left by a counter restored from an old backup are listed, not counted as breaks (docs/audit-trail.md).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

EXIT_AUDIT_BROKEN = 5


def cmd_verify_audit(db: Any, args: argparse.Namespace) -> int:
    from sync.server.audit import verify_chains

    with db.session() as session:
        chains = verify_chains(session, args.device)
    broken = [chain for chain in chains if not chain.check.intact]
    if args.json:
        print(json.dumps({"intact": not broken, "devices": [chain.to_dict() for chain in chains]}, ensure_ascii=False))
    else:
        for chain in chains:
            check = chain.check
            verdict = "nguyên vẹn" if check.intact else f"bị phá vỡ ở {len(check.breaks) + check.unlisted} chỗ"
            print(f"Quầy {chain.device_id}: {check.rows} dòng, chuỗi {verdict}.")
            for found in check.breaks:
                print(f"- {found.kind.label}: {found.message}")
            for note in check.notes:
                print(f"- {note.kind.label} (đã giải thích): {note.message}")
        if not chains:
            print("Chưa có dòng nhật ký thao tác nào.")
    return EXIT_AUDIT_BROKEN if broken else 0


def add_audit_command(sub: Any) -> None:
    p = sub.add_parser("verify-audit", help="kiểm tra chuỗi nhật ký thao tác của các quầy, nêu các dòng bị sửa, "
                                            "xóa hoặc chèn")
    p.add_argument("--device", metavar="MÃ_QUẦY", help="chỉ kiểm tra quầy (thiết bị) này")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_verify_audit)
