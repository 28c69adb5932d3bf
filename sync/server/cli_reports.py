"""`provincial-server report-token create|list|revoke` and `provincial-server report daily|register|kpi`.

The province's IT gives a supervisor a report token (shown once) for the HTTP API (sync/server/reports.py),
and can build the same reports here: JSON to the screen or a file, XLSX to a file (docs/server-reports.md).
Bad input (a bad date, --to before --from, a period over 366 days, XLSX without --out, an unwritable
--out) is refused with a Vietnamese message and exit code 2, nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from counter_app.exit_codes import EXIT_INVALID, EXIT_OK
from counter_app.services.clock import utc_now
from sync.server.errors import ApiError

REPORT_KINDS = {"daily": "báo cáo ngày (hoặc một kỳ): theo quầy, theo đơn vị và tổng cộng",
                "register": "Sổ theo dõi hồ sơ (Mẫu 06)",
                "kpi": "các chỉ số theo QĐ 766/QĐ-TTg"}


def _refuse(message: str) -> int:
    print(f"Lỗi: {message}", file=sys.stderr)
    return EXIT_INVALID


def cmd_token_create(db: Any, args: argparse.Namespace) -> int:
    from sync.server.report_tokens import create_report_token

    with db.session() as s:
        row, token = create_report_token(s, args.name, args.unit, utc_now())
        where = f"đơn vị {row.unit_code}" if row.unit_code else "toàn tỉnh"
        print(f"Đã cấp mã báo cáo {row.id} ({row.name}, {where}).")
    print("Mã chỉ hiện một lần, hãy lưu lại ngay:")
    print(token)
    return EXIT_OK


def cmd_token_list(db: Any, args: argparse.Namespace) -> int:
    from counter_app.domain.formats import office_datetime
    from sync.server.report_tokens import report_tokens

    with db.session() as s:
        rows = [{"id": r.id, "name": r.name, "unit_code": r.unit_code, "revoked": r.revoked,
                 "created_at": r.created_at.isoformat(),
                 "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
                 "_created": office_datetime(r.created_at)} for r in report_tokens(s)]
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows], ensure_ascii=False))
        return EXIT_OK
    for r in rows:
        state = " (đã thu hồi)" if r["revoked"] else ""
        print(f"{r['id']}  {r['name']} — {r['unit_code'] or 'toàn tỉnh'}{state}; cấp lúc {r['_created']}")
    if not rows:
        print("Chưa cấp mã báo cáo nào.")
    return EXIT_OK


def cmd_token_revoke(db: Any, args: argparse.Namespace) -> int:
    from sync.server.report_tokens import revoke_report_token

    with db.session() as s:
        row = revoke_report_token(s, args.token_id)
        print(f"Đã thu hồi mã báo cáo {row.id} ({row.name}).")
    return EXIT_OK


def cmd_report(db: Any, args: argparse.Namespace) -> int:
    from counter_app.reports.model import ReportKind
    from sync.server.reports import build_report, parse_period, report_response

    try:
        period = parse_period(args.start, args.end)
    except ApiError as error:
        return _refuse(error.message)
    if args.format == "xlsx" and args.out is None:
        return _refuse("Báo cáo XLSX cần --out TỆP.")
    out: Path | None = args.out
    if out is not None and not (out.parent.is_dir() and not out.is_dir()):
        return _refuse(f"Không ghi được tệp {out}: thư mục không tồn tại hoặc đó là một thư mục.")
    kind = ReportKind(args.kind)
    with db.read() as s:  # a snapshot; never holds the write lock
        report = build_report(s, kind, period, args.unit, utc_now())
    body = report_response(report, kind, period, args.unit, args.format).body
    if out is None:
        sys.stdout.write(bytes(body).decode("utf-8") + "\n")
        return EXIT_OK
    try:
        out.write_bytes(bytes(body))
    except OSError as error:
        return _refuse(f"Không ghi được tệp {out}: {error.strerror or error}.")
    print(f"Đã ghi {out}")
    return EXIT_OK


def add_report_commands(sub: Any) -> None:
    unit = {"metavar": "MÃ_ĐƠN_VỊ"}
    p = sub.add_parser("report-token", help="mã báo cáo cho giám sát viên xem báo cáo qua HTTP: cấp, liệt kê, thu hồi")
    tokens = p.add_subparsers(dest="token_command", metavar="VIỆC", required=True)
    c = tokens.add_parser("create", help="cấp một mã báo cáo (chỉ hiện một lần)")
    c.add_argument("--name", required=True, metavar="TÊN", help="ai hoặc công cụ nào dùng mã (ví dụ: Văn phòng UBND tỉnh)")
    c.add_argument("--unit", **unit, help="chỉ xem báo cáo của đơn vị này (mặc định: toàn tỉnh)")
    c.set_defaults(handler=cmd_token_create)
    c = tokens.add_parser("list", help="các mã báo cáo đã cấp")
    c.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    c.set_defaults(handler=cmd_token_list)
    c = tokens.add_parser("revoke", help="thu hồi một mã báo cáo")
    c.add_argument("token_id", metavar="MÃ_SỐ", help="mã số của mã báo cáo (xem report-token list)")
    c.set_defaults(handler=cmd_token_revoke)

    p = sub.add_parser("report", help="lập báo cáo toàn tỉnh hoặc của một đơn vị (JSON hoặc XLSX)")
    kinds = p.add_subparsers(dest="kind", metavar="LOẠI", required=True)
    for kind, description in REPORT_KINDS.items():
        c = kinds.add_parser(kind, help=description)
        c.add_argument("--from", dest="start", required=True, metavar="TỪ_NGÀY", help="ngày đầu kỳ, dạng YYYY-MM-DD")
        c.add_argument("--to", dest="end", required=True, metavar="ĐẾN_NGÀY", help="ngày cuối kỳ, dạng YYYY-MM-DD")
        c.add_argument("--format", choices=["json", "xlsx"], default="json", help="định dạng (mặc định json)")
        c.add_argument("--unit", **unit, help="chỉ một đơn vị (mặc định: mọi đơn vị, từng đơn vị và tổng cộng)")
        c.add_argument("--out", type=Path, metavar="TỆP", help="ghi ra tệp (JSON không có --out: in ra màn hình)")
        c.set_defaults(handler=cmd_report)
