"""The intake screen's fees: the procedure's phí and lệ phí apart, the counts that change them, the
exemption chosen with its legal reason, and the total as the clerk types (issue 10, A; docs/fees.md).

The arithmetic is domain.fees.assess, run on every change (pure and instant, no database). Only the
counts the procedure's items depend on are shown; the panel hides for a procedure without fees.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QVBoxLayout, QWidget

from counter_app.domain.catalog import Procedure
from counter_app.domain.fees import (
    MAX_CASES,
    MAX_COPIES,
    MAX_PAGES,
    FeeAssessment,
    FeeInputError,
    Quantities,
    assess,
    counted_by,
    exemptions_of,
)
from counter_app.domain.money import format_dong
from counter_app.ui.palette import HINT_STYLE, WARNING, in_colour

NO_EXEMPTION = "Không miễn, giảm"
# The panel's keys, for the intake screen's shortcut list (the labels' Alt mnemonics).
FEE_SHORTCUTS = [("Alt+R / Alt+N / Alt+H / Alt+L", QT_TRANSLATE_NOOP("Shortcuts", "Phí, lệ phí: số trang bản chính / số bản / số trường hợp, việc / số bản sao trích lục thêm (tổng tính lại ngay)")),
                 ("Alt+M", QT_TRANSLATE_NOOP("Shortcuts", "Chọn trường hợp miễn, giảm phí, lệ phí (căn cứ pháp lý hiện bên dưới)"))]
COUNTS = (  # (Quantities field, caption with its Alt key, minimum, maximum)
    ("pages", "Số t&rang bản chính", 1, MAX_PAGES),
    ("copies", "Số bả&n", 1, MAX_COPIES),
    ("cases", "Số trường &hợp, việc", 1, MAX_CASES),
    ("extracts", "Số bản sao trích &lục thêm", 0, MAX_COPIES),
)


class FeePanel(QGroupBox):
    """Phí, lệ phí of the procedure being received; `request_fields()` feeds IntakeRequest."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Phí, lệ phí"), parent)
        self.setObjectName("fee_panel")
        self._procedure: Procedure | None = None
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.spins: dict[str, QSpinBox] = {}
        for field, caption, low, high in COUNTS:
            spin = QSpinBox()
            spin.setObjectName(f"fee_{field}")
            spin.setRange(low, high)
            spin.setValue(max(low, 1 if field != "extracts" else 0))
            spin.setAccessibleName(caption.replace("&", ""))
            spin.valueChanged.connect(self.refresh)
            label = QLabel(caption)
            label.setBuddy(spin)
            self.form.addRow(label, spin)
            self.spins[field] = spin
        self.exemption = QComboBox()
        self.exemption.setObjectName("fee_exemption")
        self.exemption.setAccessibleName(self.tr("Miễn, giảm phí, lệ phí"))
        self.exemption.currentIndexChanged.connect(self.refresh)
        exemption_label = QLabel(self.tr("&Miễn, giảm"))
        exemption_label.setBuddy(self.exemption)
        self.form.addRow(exemption_label, self.exemption)
        self.basis = QLabel("")
        self.basis.setWordWrap(True)
        self.basis.setStyleSheet(HINT_STYLE)
        layout.addWidget(self.basis)
        self.lines = QLabel("")
        self.lines.setObjectName("fee_lines")
        self.lines.setWordWrap(True)
        layout.addWidget(self.lines)
        self.total = QLabel("")
        self.total.setObjectName("fee_total")
        self.total.setStyleSheet("font-weight: bold;")
        layout.addWidget(self.total)
        self.assessment = FeeAssessment()
        self.show_procedure(None)

    # -- what the screen calls ---------------------------------------------------------------------

    def show_procedure(self, procedure: Procedure | None) -> None:
        """Show the counts and exemptions this procedure's items use, reset to their defaults."""
        self._procedure = procedure
        fees = procedure.fees if procedure else ()
        used = {counted_by(item) for item in fees if item.amount_vnd is not None or item.exemptions}
        used |= {counted_by(item) for item in fees if counted_by(item) == "extracts"}
        if "pages" in used:
            used.add("copies")
        for field, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(0 if field == "extracts" else 1)
            spin.blockSignals(False)
            self.form.setRowVisible(spin, field in used)
        self.exemption.blockSignals(True)
        self.exemption.clear()
        self.exemption.addItem(NO_EXEMPTION, "")
        for exemption in exemptions_of(procedure) if procedure else ():
            verb = self.tr("Miễn") if exemption.is_full else self.tr("Giảm {percent}%").format(percent=exemption.percent)
            self.exemption.addItem(f"{verb}: {exemption.reason}", exemption.key)
        self.exemption.blockSignals(False)
        self.form.setRowVisible(self.exemption, self.exemption.count() > 1)
        self.setVisible(bool(fees))
        self.refresh()

    def request_fields(self) -> dict[str, object]:
        """IntakeRequest's fee_quantities and fee_exemption as shown."""
        if self._procedure is None or not self._procedure.fees:
            return {"fee_quantities": None, "fee_exemption": ""}
        return {"fee_quantities": self.quantities().to_dict(), "fee_exemption": self.exemption.currentData() or ""}

    def quantities(self) -> Quantities:
        return Quantities(**{field: spin.value() for field, spin in self.spins.items()})

    def tab_chain(self) -> list[QWidget]:
        return [*self.spins.values(), self.exemption]

    def clear(self) -> None:
        self.show_procedure(None)

    # -- the live total ------------------------------------------------------------------------------

    def refresh(self) -> None:
        procedure = self._procedure
        chosen = self.exemption.currentData() or None
        self.basis.setText(self._basis_text(chosen))
        if procedure is None:
            self.assessment = FeeAssessment()
            self.lines.setText("")
            self.total.setText("")
            return
        try:
            self.assessment = assess(procedure, self.quantities(), chosen)
        except FeeInputError as error:
            self.lines.setText(in_colour(escape(error.message), WARNING))
            return
        rows = []
        for line in self.assessment.lines:
            count = self.tr(" × {quantity} {escape}").format(quantity=line.quantity, escape=escape(line.unit)) if line.unit else ""
            note = f"<br><small>{escape(line.note)}</small>" if line.note else ""
            rows.append(f"{escape(line.kind.value.capitalize())}: {escape(line.name)}{count}: "
                        f"<b>{format_dong(line.amount_vnd)}</b>{note}")
        for name in self.assessment.unknown:
            rows.append(in_colour(self.tr("{escape}: chưa có mức thu trong danh mục (do tỉnh quyết định), thông báo sau").format(escape=escape(name)), WARNING))
        self.lines.setText("<br>".join(rows) or self.tr("Không phải nộp phí, lệ phí."))
        a = self.assessment
        self.total.setText(self.tr("Phí: {format_dong} · Lệ phí: {format_dong2} · Tổng: {format_dong3}").format(format_dong=format_dong(a.fee_vnd), format_dong2=format_dong(a.charge_vnd), format_dong3=format_dong(a.total_vnd)))

    def _basis_text(self, key: str | None) -> str:
        if not key or self._procedure is None:
            return ""
        exemption = next(e for e in exemptions_of(self._procedure) if e.key == key)
        return self.tr("Căn cứ: {basis}").format(basis=exemption.basis)
