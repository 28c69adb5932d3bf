"""`counter-app verify-audit`: check the audit trail's hash chain and name the rows where it breaks.

docs/audit-trail.md. Exit code 0 when the chain is whole, 5 (exit_codes.EXIT_AUDIT_BROKEN) on a break.
"""

from __future__ import annotations

import argparse
from typing import Any

from counter_app.cli_common import print_json
from counter_app.exit_codes import EXIT_AUDIT_BROKEN, EXIT_OK
from counter_app.storage.database import Database


def cmd_verify_audit(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.audit import verify_audit

    report = verify_audit(db)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.summary)
        for found in report.breaks:
            print(f"- {found.kind.label}: {found.message}")
        if report.unlisted:
            print(f"- … và {report.unlisted} chỗ khác.")
    return EXIT_OK if report.intact else EXIT_AUDIT_BROKEN


def add_audit_commands(sub: Any) -> None:
    """`counter-app verify-audit` under the main parser's subcommands."""
    text = "kiểm tra nhật ký thao tác (chuỗi mã băm): nêu các dòng bị sửa, xóa hoặc chèn"
    p = sub.add_parser("verify-audit", help=text, description=text)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_verify_audit)
