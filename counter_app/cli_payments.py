"""CLI for paying fees by bank transfer: the unit's account at setup (`setup --bank-bin … --bank-account …
--bank-account-name …`) and `unit bank` to show it. The VietQR code itself is shown by the fees screen.
"""

from __future__ import annotations

import argparse

from counter_app.cli_common import print_json
from counter_app.storage.database import Database


def add_bank_account_options(parser: argparse.ArgumentParser) -> None:
    """The three options `setup` takes to set the account fees paid by transfer go to."""
    parser.add_argument("--bank-bin", metavar="MÃ_BIN",
                        help="mã BIN NAPAS (6 chữ số) của ngân hàng giữ tài khoản thu phí, lệ phí, ví dụ 970449 "
                             "(LPBank), 970415 (VietinBank)")
    parser.add_argument("--bank-account", metavar="SỐ_TÀI_KHOẢN",
                        help="số tài khoản nhận phí, lệ phí chuyển khoản (tối đa 19 chữ cái không dấu, chữ số)")
    parser.add_argument("--bank-account-name", metavar="TÊN_CHỦ_TÀI_KHOẢN",
                        help="tên chủ tài khoản như ngân hàng ghi, để công dân đối chiếu khi chuyển khoản")


def apply_bank_account_options(db: Database, args: argparse.Namespace, by: str | None) -> str:
    """Save the account when any of the options was given; return a line saying what the unit now has."""
    from counter_app.services.bank_account import account_of, describe_account
    from counter_app.services.unit_setup import load_profile, set_bank_account

    given = (args.bank_bin, args.bank_account, args.bank_account_name)
    profile = (set_bank_account(db, *(value or "" for value in given), by=by) if any(v is not None for v in given)
               else load_profile(db))
    return describe_account(account_of(profile))


def cmd_unit_bank(db: Database, args: argparse.Namespace) -> int:
    from counter_app.exit_codes import EXIT_OK
    from counter_app.services.bank_account import describe_account, unit_bank_account

    account = unit_bank_account(db)
    if args.json:
        print_json(None if account is None else {"bank_bin": account.bank.bin, "bank": account.bank.short_name,
                                                 "account": account.number, "holder": account.holder})
    else:
        print(describe_account(account))
    return EXIT_OK


def add_unit_bank_command(unit_sub) -> None:
    """`counter-app unit bank`: show the account fees paid by transfer go to."""
    p = unit_sub.add_parser("bank", help="xem tài khoản ngân hàng nhận phí, lệ phí chuyển khoản",
                            description="xem tài khoản ngân hàng nhận phí, lệ phí chuyển khoản")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.set_defaults(handler=cmd_unit_bank)
