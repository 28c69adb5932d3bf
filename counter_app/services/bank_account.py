"""The collecting unit's bank account, and the VietQR transfer request for what a dossier owes.

The account is a unit setting (services.unit_setup.set_bank_account: a supervisor's once accounts
exist), checked with the rules the VietQR payload applies (domain.vietqr), so a saved account always
fits a code. Without one, paying by transfer is refused with a Vietnamese reason (`NoBankAccount`) and
the fees screen offers cash only.
"""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.domain.banks import Bank, bank_by_bin
from counter_app.domain.errors import DomainError
from counter_app.domain.vietqr import read_transfer, transfer_reference, vietqr_payload
from counter_app.services.unit_setup import CounterProfile, load_profile
from counter_app.storage.database import Database


class NoBankAccount(DomainError):
    def __init__(self) -> None:
        super().__init__("Đơn vị chưa đặt tài khoản ngân hàng nhận phí, lệ phí nên chưa thu được bằng chuyển khoản. "
                         "Giám sát viên đặt tài khoản trong «Thiết lập đơn vị» (hoặc «counter-app setup … --bank-bin "
                         "… --bank-account … --bank-account-name …»); trong lúc chờ, hãy thu tiền mặt.")


class NothingToPay(DomainError):
    def __init__(self, code: str) -> None:
        super().__init__(f"Hồ sơ {code} không còn khoản phí, lệ phí nào phải nộp.")


@dataclass(frozen=True)
class BankAccount:
    bank: Bank
    number: str
    holder: str


@dataclass(frozen=True)
class TransferRequest:
    """What the citizen is asked to transfer: the QR payload and what the clerk reads out beside it."""

    account: BankAccount
    amount_vnd: int
    dossier_code: str
    reference: str  # what the transfer's description carries (the dossier code without dots)
    payload: str  # the VietQR string, checked by reading it back


def account_of(profile: CounterProfile) -> BankAccount | None:
    if not (profile.bank_bin and profile.bank_account):
        return None
    return BankAccount(bank_by_bin(profile.bank_bin), profile.bank_account, profile.bank_account_name)


def describe_account(account: BankAccount | None) -> str:
    """One Vietnamese line naming the account (CLI, unit settings), or saying there is none."""
    if account is None:
        return "Đơn vị chưa đặt tài khoản ngân hàng: chỉ thu phí, lệ phí bằng tiền mặt."
    return (f"Tài khoản nhận chuyển khoản: {account.number} tại {account.bank.short_name} "
            f"(BIN {account.bank.bin}), chủ tài khoản {account.holder}.")


def unit_bank_account(db: Database) -> BankAccount | None:
    """The unit's account, or None when none is set."""
    return account_of(load_profile(db))


def transfer_request(db: Database, code: str, amount_vnd: int | None = None) -> TransferRequest:
    """The VietQR request for dossier `code`: `amount_vnd`, or by default all it still owes (services.fees).

    The payload is read back (CRC, amount, account, reference) before it is returned, so a code the
    screen shows has been checked once more by the same reader the tests use.
    """
    from counter_app.services.fees import fees_due

    account = unit_bank_account(db)
    if account is None:
        raise NoBankAccount()
    with db.read() as session:
        amount = fees_due(session, code).total_vnd if amount_vnd is None else amount_vnd
    if amount <= 0:
        raise NothingToPay(code)
    reference = transfer_reference(code)
    payload = vietqr_payload(account.bank.bin, account.number, amount, reference)
    back = read_transfer(payload)
    if (back["bank_bin"], back["account"], back["amount_vnd"], back["description"]) != (
            account.bank.bin, account.number, amount, reference):
        raise DomainError("Mã VietQR vừa tạo đọc lại không khớp số tiền hoặc tài khoản; không hiển thị mã này.")
    return TransferRequest(account, amount, code, reference, payload)
