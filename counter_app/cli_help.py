"""argparse in Vietnamese: `counter-app --help` and its error lines say nothing in English.

argparse words its own texts ("usage:", "options:", "show this help message and exit", "the following
arguments are required") through gettext, and no Vietnamese catalog exists for it; a parser subclass
sets its own titles and help line, and translates its error messages, so the stdlib stays untouched.
Subparsers are built with the same class (argparse's default), so every subcommand's help is Vietnamese too.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

USAGE = "Cách dùng: "
POSITIONALS = "tham số"
OPTIONS = "tùy chọn"
HELP = "hiện hướng dẫn này rồi thoát"
VERSION = "hiện số phiên bản rồi thoát"

# The placeholder shown for an argument's value, by its dest: argparse would print the English dest in
# capitals (UNIT_CODE). One word per meaning, the same in every subcommand; an argument whose dest means
# something else passes its own `metavar`. tests/cli/test_cli_help.py fails on an argument left out here.
METAVARS = {
    "address": "ĐỊA_CHỈ",
    "applicant": "HỌ_TÊN",
    "birth_date": "NGÀY_SINH",
    "channel": "KÊNH",
    "clerk": "TÊN_ĐĂNG_NHẬP",
    "code": "MÃ_HỒ_SƠ",
    "data_dir": "THƯ_MỤC",
    "desk": "SỐ_QUẦY",
    "dossiers": "SỐ_HỒ_SƠ",
    "email": "EMAIL",
    "file": "TỆP",
    "files": "TỆP",
    "full_name": "HỌ_TÊN",
    "gender": "GIỚI_TÍNH",
    "id_number": "SỐ_GIẤY_TỜ",
    "id_qr": "CHUỖI_QR",
    "id_type": "LOẠI_GIẤY_TỜ",
    "interval": "SỐ_GIÂY",
    "late_entry_reason": "LÝ_DO",
    "limit": "SỐ_DÒNG",
    "note": "GHI_CHÚ",
    "out": "TỆP_PDF",
    "phone": "SỐ_ĐIỆN_THOẠI",
    "procedure": "MÃ_THỦ_TỤC",
    "query": "TỪ_KHÓA",
    "received_at": "THỜI_ĐIỂM",
    "result": "NƠI_NHẬN",
    "role": "VAI_TRÒ",
    "seed": "SỐ_KHỞI_TẠO",
    "server": "ĐỊA_CHỈ_MÁY_CHỦ",
    "sets": "SỐ_BỘ",
    "status": "TRẠNG_THÁI",
    "submitter": "HỌ_TÊN",
    "submitter_id": "SỐ_GIẤY_TỜ",
    "submitter_phone": "SỐ_ĐIỆN_THOẠI",
    "summary": "NỘI_DUNG",
    "supervisor": "TÊN_ĐĂNG_NHẬP",
    "supervisor_name": "HỌ_TÊN",
    "unit_code": "MÃ_ĐƠN_VỊ",
    "unit_name": "TÊN_ĐƠN_VỊ",
    "username": "TÊN_ĐĂNG_NHẬP",
    "ward_code": "MÃ_XÃ",
}

# argparse's error messages (Python 3.11-3.13), most specific first.
_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"the following arguments are required: (.*)"), r"thiếu tham số bắt buộc: \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"không hiểu tham số: \1"),
    (re.compile(r"one of the arguments (.*) is required"), r"cần một trong các tham số: \1"),
    (re.compile(r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)"), r"tham số \1: «\2» không hợp lệ (chọn một trong: \3)"),
    (re.compile(r"argument (.*?): invalid (\w+) value: (.*)"), r"tham số \1: giá trị \3 không hợp lệ (cần kiểu \2)"),
    (re.compile(r"argument (.*?): expected one argument"), r"tham số \1: cần đúng một giá trị"),
    (re.compile(r"argument (.*?): expected at least one argument"), r"tham số \1: cần ít nhất một giá trị"),
    (re.compile(r"argument (.*?): expected (.*) arguments?"), r"tham số \1: cần \2 giá trị"),
    (re.compile(r"argument (.*?): not allowed with argument (.*)"), r"tham số \1: không dùng được cùng với \2"),
    (re.compile(r"argument (.*?): ignored explicit argument (.*)"), r"tham số \1: không nhận giá trị \2"),
    (re.compile(r"ambiguous option: (.*?) could match (.*)"), r"tùy chọn \1 chưa rõ, có thể là: \2"),
    (re.compile(r"argument (.*?): (.*)"), r"tham số \1: \2"),
]


def vietnamese_error(message: str) -> str:
    """argparse's English error message, in Vietnamese (unknown shapes are left as they are)."""
    for pattern, replacement in _ERRORS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class VietnameseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class VietnameseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose own words are Vietnamese: usage, section titles, -h, errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", VietnameseHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = POSITIONALS
        self._optionals.title = OPTIONS
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """argparse's add_argument, with the Vietnamese placeholder of `METAVARS` for a value."""
        action = super().add_argument(*args, **kwargs)
        if action.metavar is None and action.nargs != 0 and action.choices is None:
            action.metavar = METAVARS.get(action.dest)
        return action

    def error(self, message: str) -> NoReturn:
        """Usage, then one Vietnamese line, exit code 2 (bad input), as argparse does in English."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {vietnamese_error(message)}\n")
