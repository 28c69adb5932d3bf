"""What the fees screen (F4) shows for one dossier, read in one background task.

`read_fee_desk` runs on the task runner (never on the GUI thread): the dossier, what it still owes
(services.fees.fee_balance), its receipts, the receipt numbers the desk has left and, when the unit has a
bank account and every amount is known, the VietQR transfer request for the exact amount. The screen
only draws the answer and decides which keys are live.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QCoreApplication

from counter_app.domain.catalog import FeeKind
from counter_app.domain.dossier import Dossier
from counter_app.domain.errors import DomainError
from counter_app.domain.fees import FeeAssessment
from counter_app.domain.money import format_dong, vnd_in_words
from counter_app.domain.receipts import Receipt
from counter_app.domain.text import nfc
from counter_app.services.bank_account import TransferRequest, transfer_request
from counter_app.services.dossiers import get_dossier
from counter_app.services.fees import fee_balance
from counter_app.services.receipts import NO_NUMBERS, receipt_numbers_left, receipts_of
from counter_app.storage.database import Database
from counter_app.ui.palette import WARNING, in_colour

LOW_NUMBERS = 10  # at or below this many numbers left, the screen warns (a book runs out mid-morning)


def normal_code(text: str) -> str:
    """A typed or scanned dossier code as stored (codes are upper case: "…H15-260310-1001")."""
    return nfc(text).strip().upper()


def unknown_text(names: tuple[str, ...]) -> str:
    return QCoreApplication.translate("fee_desk", "Chưa biết số tiền của: {join}. Chưa thu được tiền của hồ sơ này.").format(join='; '.join(names))


@dataclass(frozen=True)
class FeeDesk:
    dossier: Dossier
    due: FeeAssessment
    receipts: tuple[Receipt, ...]
    numbers_left: int
    transfer: TransferRequest | None
    transfer_unavailable: str  # why there is no transfer code ("" when there is one)
    overpaid_vnd: int = 0  # receipts cover more than the assessment (services.fees.FeeBalance)

    @property
    def code(self) -> str:
        return self.dossier.code

    def refusal(self) -> str:
        """Why collecting is refused before the citizen pays ("" when it may go ahead). Unknown amounts are
        left to services.receipts.collect_fee, which names them in its own refusal."""
        if self.numbers_left < 1:
            return NO_NUMBERS
        if self.due.total_vnd == 0 and not self.due.unknown:
            return QCoreApplication.translate("FeeDesk", "Hồ sơ {code} không còn khoản phí, lệ phí nào phải nộp.").format(code=self.code)
        return ""


def numbers_left_text(left: int) -> tuple[str, str]:
    """(text, level) for the numbers the desk has left; level is "error", "warning" or "ok"."""
    if left < 1:
        return NO_NUMBERS, "error"
    if left <= LOW_NUMBERS:
        return (QCoreApplication.translate("fee_desk", "Sắp hết số biên lai: quầy chỉ còn {left} số. Hãy đồng bộ (F9) hoặc đề nghị tỉnh cấp thêm quyển biên lai.").format(left=left), "warning")
    return QCoreApplication.translate("fee_desk", "Số biên lai còn lại của quầy: {left}.").format(left=left), "ok"


def read_fee_desk(db: Database, code: str) -> FeeDesk:
    """Everything the screen shows for dossier `code` (worker thread); DossierNotFound for an unknown code."""
    dossier = get_dossier(db, normal_code(code))
    with db.read() as session:
        due, overpaid = fee_balance(session, dossier.code)
    transfer, unavailable = None, ""
    if due.unknown:
        unavailable = unknown_text(due.unknown)
    else:
        try:
            transfer = transfer_request(db, dossier.code)
        except DomainError as error:  # no bank account, nothing to pay
            unavailable = error.message
    return FeeDesk(dossier, due, tuple(receipts_of(db, dossier.code)), receipt_numbers_left(db), transfer,
                   unavailable, overpaid)


def overpaid_text(amount_vnd: int) -> str:
    return QCoreApplication.translate("fee_desk", "Các biên lai của hồ sơ đã thu nhiều hơn số phải nộp {amount}: phí, lệ phí đã được xác định lại sau khi thu. Hãy hủy biên lai (Ctrl+Shift+X, giám sát viên ký), trả lại tiền cho người nộp và thu lại đúng số phải nộp.").format(amount=format_dong(amount_vnd))


def due_html(desk: FeeDesk) -> str:
    """What the dossier still owes: phí lines, then lệ phí lines, the totals, the total in words; first, what
    its receipts took beyond its assessment, if anything."""
    overpaid = [in_colour(escape(overpaid_text(desk.overpaid_vnd)), WARNING)] if desk.overpaid_vnd > 0 else []
    return "<br>".join([*overpaid, _owed_html(desk.due)])


def _owed_html(due: FeeAssessment) -> str:
    rows = []
    for kind in (FeeKind.FEE, FeeKind.CHARGE):
        for line in (line for line in due.lines if line.kind is kind):
            count = QCoreApplication.translate("fee_desk", " × {quantity} {escape}").format(quantity=line.quantity, escape=escape(line.unit)) if line.unit else ""
            note = f"<br><small>{escape(line.note)}</small>" if line.note else ""
            rows.append(f"{kind.value.capitalize()}: {escape(line.name)}{count}: <b>{format_dong(line.amount_vnd)}</b>"
                        f"{note}")
    for name in due.unknown:
        rows.append(in_colour(QCoreApplication.translate("fee_desk", "{escape}: chưa biết số tiền (do cơ quan giải quyết hoặc tỉnh quyết định)").format(escape=escape(name)),
                              WARNING))
    if not rows:
        return QCoreApplication.translate("fee_desk", "Không còn khoản phí, lệ phí nào phải nộp.")
    total = QCoreApplication.translate("fee_desk", "Tổng các khoản đã biết số tiền") if due.unknown else QCoreApplication.translate("fee_desk", "Tổng")
    rows.append(QCoreApplication.translate("fee_desk", "Phí: {format_dong} · Lệ phí: {format_dong2} · <b>{total}: {format_dong3}</b>").format(format_dong=format_dong(due.fee_vnd), format_dong2=format_dong(due.charge_vnd), total=total, format_dong3=format_dong(due.total_vnd)))
    rows.append(QCoreApplication.translate("fee_desk", "<i>Bằng chữ: {escape}</i>").format(escape=escape(vnd_in_words(due.total_vnd))))
    return "<br>".join(rows)


def summary_html(desk: FeeDesk) -> str:
    d = desk.dossier
    return (QCoreApplication.translate("fee_desk", "<b style='font-size:14pt'>{escape}</b><br>Chủ hồ sơ: <b>{escape2}</b><br>Thủ tục: {escape3} ({escape4})<br>Trạng thái: <b>{escape5}</b>").format(escape=escape(d.code), escape2=escape(d.applicant.full_name), escape3=escape(d.procedure_name), escape4=escape(d.procedure_code), escape5=escape(d.status.label)))
