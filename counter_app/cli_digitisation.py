"""`counter-app attach` and `counter-app scans`: scans of a dossier's papers from the command line.

`attach CODE FILE… --document N` adds the files' pages (JPEG, PNG, TIFF, PDF) to paper N of the
dossier (its line in `counter-app show`), one PDF per paper; `--reuse CODE:M` takes the bundle of paper
M of another dossier instead ("tái sử dụng"). Without --document the files are kept as they are, as
"other files" of the dossier (the behaviour before issue 9). `scans CODE` lists each paper's state.
Heavy modules (Pillow, pikepdf) are imported inside the handlers. docs/digitisation.md.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from counter_app.cli_accounts import require_clerk
from counter_app.cli_common import print_json
from counter_app.domain.errors import ValidationError
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database

_REUSE = re.compile(r"(?P<code>.+):(?P<index>\d{1,3})")


def _data_dir(args: argparse.Namespace) -> Path:
    from counter_app.cli import _data_dir as data_dir_of

    return data_dir_of(args)


def _reuse_source(value: str) -> tuple[str, int]:
    match = _REUSE.fullmatch(value.strip())
    if match is None:
        raise ValidationError("reuse", f"«{value}» không đúng dạng MÃ_HỒ_SƠ:SỐ_GIẤY_TỜ.", "Tái sử dụng")
    return match["code"], int(match["index"])


def cmd_attach(db: Database, args: argparse.Namespace) -> int:
    require_clerk(db, args)
    if args.document is None:
        if args.reuse:
            raise ValidationError("document", "--reuse cần --document: giấy tờ nào của hồ sơ tái sử dụng bản số hóa.",
                                  "Giấy tờ")
        return _attach_other(db, args)
    from counter_app.services.digitisation import add_scans, reuse_paper

    if args.reuse:
        if args.files:
            raise ValidationError("file", "Tái sử dụng bản số hóa thì không kèm tệp quét.", "Tệp quét")
        source_code, source_index = _reuse_source(args.reuse)
        added = reuse_paper(db, args.code, args.document, source_code, source_index)
    else:
        added = add_scans(db, _data_dir(args), args.code, args.document, [Path(f) for f in args.files])
    if args.json:
        print_json({"document": added.index, "name": added.name, "sha256": added.sha256, "size": added.size,
                     "pages": added.pages, "new": added.new})
    else:
        print(f"{'Đã số hóa' if added.new else 'Đã có sẵn'} giấy tờ số {added.index}: {added.name} "
              f"({added.pages} trang, {added.size} byte)")
    return EXIT_OK


def _attach_other(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.attachments import attach_files

    if not args.files:
        raise ValidationError("file", "Chưa chọn tệp nào để đính kèm.", "Tệp đính kèm")
    attached = attach_files(db, _data_dir(args), args.code, [Path(f) for f in args.files])
    if args.json:
        print_json([{"name": a.name, "sha256": a.sha256, "size": a.size, "new": a.new} for a in attached])
    else:
        for item in attached:
            print(f"{'Đã đính kèm' if item.new else 'Đã có sẵn'}: {item.name} ({item.size} byte, {item.sha256[:12]}…)")
    return EXIT_OK


def cmd_scans(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.digitisation import paper_scans

    scans = paper_scans(db, args.code)
    if args.json:
        print_json([{"document": s.index, "name": s.name, "state": int(s.state), "state_label": s.state.label,
                      "pages": s.pages, "sha256": s.sha256, "reused_from": s.reused_from} for s in scans])
    else:
        for s in scans:
            pages = f", {s.pages} trang" if s.pages else ""
            source = f" từ hồ sơ {s.reused_from}" if s.reused_from else ""
            print(f"{s.index}. {s.name}: {s.state.label}{source}{pages}")
    return EXIT_OK


def add_digitisation_commands(sub: Any, clerk_help: str) -> None:
    """`attach` and `scans` under the main parser's subcommands."""

    def command(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
        p.set_defaults(handler=handler)
        return p

    p = command("attach", cmd_attach, "số hóa giấy tờ của hồ sơ: thêm bản quét vào một giấy tờ (một tệp PDF mỗi giấy tờ)")
    p.add_argument("--clerk", metavar="TÊN_ĐĂNG_NHẬP", help=clerk_help)
    p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
    p.add_argument("files", nargs="*", metavar="TỆP",
                   help="ảnh quét JPEG, PNG, TIFF (nhiều trang) hoặc PDF, theo thứ tự trang")
    p.add_argument("--document", type=int, metavar="SỐ_GIẤY_TỜ",
                   help="số thứ tự giấy tờ trong hồ sơ (như `counter-app scans`); không ghi: tệp khác, giữ nguyên")
    p.add_argument("--reuse", metavar="MÃ_HỒ_SƠ:SỐ_GIẤY_TỜ",
                   help="tái sử dụng bản số hóa của một giấy tờ ở hồ sơ khác thay cho tệp quét")

    p = command("scans", cmd_scans, "liệt kê giấy tờ của hồ sơ và trạng thái số hóa")
    p.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
