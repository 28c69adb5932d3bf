"""`counter-app diagnostics --out FILE`: the diagnostics bundle for the province's IT (docs/operations.md).

It runs without opening the database the usual way (no migration, no refusal): a counter that cannot
start is exactly when the bundle is needed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from counter_app.cli_common import print_json
from counter_app.domain.errors import os_error_words
from counter_app.exit_codes import EXIT_ERROR, EXIT_OK


def cmd_diagnostics(data_dir: Path, args: argparse.Namespace) -> int:
    from counter_app.diagnostics import build_bundle

    out = Path(args.out)
    try:
        report = build_bundle(data_dir, out)
    except OSError as error:
        print(f"Lỗi: không ghi được gói chẩn đoán vào «{out}» ({os_error_words(error, 'thư mục đã chọn')}). "
              "Không có gì trong dữ liệu của quầy bị thay đổi; hãy chọn một thư mục khác còn chỗ trống.", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        print_json({"out": str(report.path), "log_files": report.log_files, "problems": report.problems})
    else:
        print(f"Đã lưu gói chẩn đoán vào «{report.path}» ({len(report.log_files)} tệp nhật ký; không có dữ liệu "
              "của công dân). Hãy gửi tệp này cho bộ phận công nghệ thông tin của tỉnh.")
        for problem in report.problems:
            print(f"  Không đọc được: {problem}")
    return EXIT_OK


def add_diagnostics_commands(sub: Any) -> None:
    """`counter-app diagnostics` under the main parser's subcommands."""
    text = "tạo gói chẩn đoán (nhật ký, phiên bản, tình trạng đồng bộ; không có dữ liệu của công dân)"
    p = sub.add_parser("diagnostics", help=text, description=text)
    p.add_argument("--out", required=True, metavar="TỆP", help="tệp .zip sẽ ghi gói chẩn đoán")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_diagnostics, opens_database=False)
