"""`counter-app import-catalog` and `counter-app catalog`: the procedure catalog (moved out of cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from counter_app.cli_common import print_json
from counter_app.domain.catalog import procedure_to_dict
from counter_app.domain.time_rules import procedure_time_text
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database


def cmd_import_catalog(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.catalog import import_catalog

    result = import_catalog(db, Path(args.file))
    if args.json:
        print_json({"added": result.added, "updated": result.updated})
    else:
        print(f"Đã nhập danh mục: {result.added} thủ tục mới, {result.updated} thủ tục cập nhật.")
    return EXIT_OK


def cmd_catalog(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.catalog import procedures

    found = procedures(db, args.query or "")
    if args.json:
        print_json([procedure_to_dict(p) for p in found])
    else:
        for p in found:
            time_text = procedure_time_text(p)
            print(f"{p.code}  {p.name}  ({time_text}){'  [mẫu]' if p.is_sample else ''}")
    return EXIT_OK


def add_catalog_commands(sub: Any) -> None:
    """`import-catalog` and `catalog` under the main parser's subcommands."""
    text = "nhập danh mục thủ tục từ tệp JSON hoặc CSV"
    p = sub.add_parser("import-catalog", help=text, description=text)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("file", help="tệp danh mục JSON hoặc CSV")
    p.set_defaults(handler=cmd_import_catalog)

    text = "liệt kê danh mục thủ tục"
    p = sub.add_parser("catalog", help=text, description=text)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("query", nargs="?", default="", help="lọc theo mã hoặc tên thủ tục (không cần dấu)")
    p.set_defaults(handler=cmd_catalog)
