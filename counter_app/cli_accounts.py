"""`counter-app user add|list|passwd|disable` and how every acting command signs its clerk in.

Passwords are never arguments (they would sit in the shell history and in `ps`): they are asked with
getpass on a terminal, or read one per line from stdin when it is not a terminal (scripts, tests), in the
order the command asks for them: first the password of `--clerk`, then a new password.

The CLI asks the password of `--clerk` too, although whoever runs it is the operator of this machine:
the history and the slip name that person, a late entry is approved in that person's name, and the
lockout after 5 wrong passwords must hold whichever way the counter is used. A counter without any
account (set up before accounts existed) needs no `--clerk` until its first supervisor is created.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from counter_app.cli_common import print_json
from counter_app.domain.errors import DomainError
from counter_app.exit_codes import EXIT_OK
from counter_app.storage.database import Database


def read_password(prompt: str, *, confirm: bool = False) -> str:
    """A password from the terminal (hidden) or the next line of stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise DomainError("Hai lần nhập mật khẩu không khớp; chưa thay đổi gì.")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise DomainError(f"Thiếu mật khẩu: {prompt.rstrip(': ')} (nhập từ bàn phím hoặc một dòng ở đầu vào chuẩn).")
    return line.rstrip("\r\n")


def signed_in_clerk(db: Database, args: argparse.Namespace) -> str:
    """The username of `--clerk` once its password is checked ("" without --clerk: the services refuse
    when the counter has accounts)."""
    from counter_app.services.accounts import sign_in

    username = (getattr(args, "clerk", None) or "").strip()
    if not username:
        return ""
    return sign_in(db, username, read_password(f"Mật khẩu của {username}: ")).username


def require_clerk(db: Database, args: argparse.Namespace) -> str:
    """Like `signed_in_clerk`, but refused without --clerk when the counter has accounts."""
    from counter_app.services.accounts import NotAllowed, any_account

    username = signed_in_clerk(db, args)
    if not username and any_account(db):
        raise NotAllowed("Quầy đã có tài khoản: hãy ghi --clerk TÊN_ĐĂNG_NHẬP (mật khẩu được hỏi sau).")
    return username


def cmd_user_add(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.accounts import any_account, create_account

    by = require_clerk(db, args) if any_account(db) else None
    password = read_password(f"Mật khẩu mới cho {args.username}: ", confirm=True)
    account = create_account(db, username=args.username, full_name=args.full_name, role=args.role,
                             password=password, by=by)
    if args.json:
        print_json({"username": account.username, "full_name": account.full_name, "role": account.role.value})
    else:
        print(f"Đã thêm tài khoản {account.username} ({account.full_name}, {account.role.label.lower()}).")
    return EXIT_OK


def cmd_user_list(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.accounts import list_accounts

    accounts = list_accounts(db)
    if args.json:
        print_json([{"username": a.username, "full_name": a.full_name, "role": a.role.value, "disabled": a.disabled}
                     for a in accounts])
    elif not accounts:
        print("Quầy chưa có tài khoản nào.")
    else:
        for a in accounts:
            print(f"{a.username:<20} {a.full_name:<30} {a.role.label}{'  [đã vô hiệu hóa]' if a.disabled else ''}")
    return EXIT_OK


def cmd_user_passwd(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.accounts import change_password

    by = require_clerk(db, args)
    password = read_password(f"Mật khẩu mới cho {args.username}: ", confirm=True)
    account = change_password(db, args.username, password, by=by)
    if args.json:
        print_json({"username": account.username})
    else:
        print(f"Đã đặt mật khẩu mới cho {account.username}.")
    return EXIT_OK


def cmd_user_disable(db: Database, args: argparse.Namespace) -> int:
    from counter_app.services.accounts import disable_account

    by = require_clerk(db, args)
    account = disable_account(db, args.username, by=by)
    if args.json:
        print_json({"username": account.username, "disabled": True})
    else:
        print(f"Đã vô hiệu hóa tài khoản {account.username} tại mọi quầy của đơn vị (sau lần đồng bộ tới).")
    return EXIT_OK


def add_user_commands(sub: Any) -> None:
    """`counter-app user …` under the main parser's subcommands."""
    user = sub.add_parser("user", help="tài khoản người tiếp nhận", description="tài khoản người tiếp nhận")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    def action(name: str, handler: Any, help_text: str, *, clerk: bool = True) -> argparse.ArgumentParser:
        p = user_sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
        if clerk:
            p.add_argument("--clerk", help="tên đăng nhập của người thực hiện (giám sát viên); mật khẩu được hỏi sau")
        p.set_defaults(handler=handler)
        return p

    p = action("add", cmd_user_add, "thêm tài khoản (tài khoản đầu tiên phải là giám sát viên)")
    p.add_argument("username", help="tên đăng nhập: chữ không dấu, số, . _ -")
    p.add_argument("--full-name", required=True, help="họ và tên, in trên giấy tiếp nhận")
    p.add_argument("--role", default="clerk", help="clerk (nhân viên tiếp nhận) | supervisor (giám sát viên)")
    action("list", cmd_user_list, "liệt kê tài khoản", clerk=False)
    p = action("passwd", cmd_user_passwd, "đặt lại mật khẩu (giám sát viên, hoặc chính người dùng)")
    p.add_argument("username", help="tên đăng nhập của tài khoản")
    p = action("disable", cmd_user_disable, "vô hiệu hóa tài khoản ở mọi quầy của đơn vị")
    p.add_argument("username", help="tên đăng nhập của tài khoản")
