"""The "Hồ sơ" column of the intake screen: the papers handed in and how the dossier is filed.

Holds the papers checklist (document_checklist.DocumentTable), the number of sets, the channel, where
the result goes and the request summary, which defaults to the procedure's name until the clerk types
another. Kept apart from the intake screen so the screen only coordinates (save, due date, slip).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from counter_app.domain import labels
from counter_app.domain.assisted_filing import PORTAL_CODE_LABEL
from counter_app.domain.catalog import Procedure
from counter_app.domain.dossier import Channel, ResultDelivery
from counter_app.domain.papers import default_lines, kind_note
from counter_app.ui.document_checklist import DocumentTable
from counter_app.ui.form_fields import FieldErrors, combo


class DossierForm(QGroupBox):
    """Papers, sets, channel, result delivery and summary; field messages go through `errors`."""

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(self.tr("Hồ sơ"))
        self.errors = errors
        self._procedure_name = ""
        layout = QVBoxLayout(self)
        caption = QLabel(self.tr("{documents} (gõ số bản hoặc + −; ↑ ↓ ← → để di chuyển):").format(documents=labels.DOCUMENTS))
        layout.addWidget(caption)
        self.documents = DocumentTable()
        self.documents.setMinimumHeight(150)
        caption.setBuddy(self.documents)
        layout.addWidget(errors.wrap(self.documents, "documents"), 1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.sets_count = QSpinBox()
        self.sets_count.setObjectName("sets_count")
        self.sets_count.setRange(1, 99)
        self.sets_count.setValue(1)
        form.addRow(labels.caption(labels.SETS), errors.wrap(self.sets_count, "sets_count"))
        self.channel = combo([(f"{c.value} — {c.label}", c.value) for c in Channel])
        self.channel.setObjectName("channel")
        form.addRow(labels.caption(labels.CHANNEL), errors.wrap(self.channel, "channel"))
        # A dossier filed online keeps the portal's code (no desk code is spent): typed only for channel 2.
        self.portal_code = QLineEdit()
        self.portal_code.setObjectName("portal_code")
        self.portal_code.setPlaceholderText(self.tr("hồ sơ nộp trực tuyến: mã Cổng đã cấp, ví dụ 000.31.48.H15-261130-0042"))
        self.portal_code.setEnabled(False)
        form.addRow(f"{PORTAL_CODE_LABEL}:", errors.wrap(self.portal_code, "portal_code"))
        self.channel.currentIndexChanged.connect(self._channel_changed)
        self.delivery = combo([
            (self.tr("Tại quầy (Bộ phận Một cửa)"), ResultDelivery.DESK.value),
            (self.tr("Qua dịch vụ bưu chính công ích (BCCI)"), ResultDelivery.POSTAL.value),
        ])
        self.delivery.setObjectName("result_delivery")
        form.addRow(labels.caption(labels.RESULT_DELIVERY), errors.wrap(self.delivery, "result_delivery"))
        self.summary = QLineEdit()
        self.summary.setObjectName("summary")
        self.summary.setPlaceholderText(self.tr("mặc định là tên thủ tục"))
        form.addRow(labels.caption(labels.SUMMARY), errors.wrap(self.summary, "summary"))
        layout.addLayout(form)

        self.summary.textEdited.connect(lambda _text: self.errors.clear_widget(self.summary))
        self.portal_code.textEdited.connect(lambda _text: self.errors.clear_widget(self.portal_code))
        # A changed count or number of sets is the clerk's fix: its red mark goes at once.
        self.documents.itemChanged.connect(lambda _item: self.errors.clear_widget(self.documents))
        self.sets_count.valueChanged.connect(lambda _value: self.errors.clear_widget(self.sets_count))
        for box in (self.channel, self.delivery):
            box.activated.connect(lambda _index, w=box: self.errors.clear_widget(w))

    def tab_chain(self) -> list[QWidget]:
        """The column's widgets in Tab order; the summary is the last field (Enter there saves)."""
        return [self.documents, self.sets_count, self.channel, self.portal_code, self.delivery, self.summary]

    def _channel_changed(self, _index: int) -> None:
        online = self.channel.currentData() == Channel.ONLINE.value
        self.portal_code.setEnabled(online)
        if not online:
            self.portal_code.clear()
            self.errors.clear_widget(self.portal_code)

    def show_procedure(self, procedure: Procedure) -> None:
        """The procedure's papers (required ones at the catalog's counts, others at 0: domain.papers); its name as the summary unless one was typed."""
        self.documents.set_lines(default_lines(procedure), [kind_note(d) for d in procedure.documents])
        if not self.summary.text().strip() or self.summary.text() == self._procedure_name:
            self.summary.setText(procedure.name)
            self.summary.setCursorPosition(0)
        self._procedure_name = procedure.name

    def has_typed_data(self) -> bool:
        return bool(self.summary.text().strip() or self.portal_code.text().strip())

    def clear(self) -> None:
        self._procedure_name = ""
        self.summary.clear()
        self.portal_code.clear()
        for box in (self.channel, self.delivery):
            box.setCurrentIndex(0)
        self.sets_count.setValue(1)
        self.documents.setRowCount(0)
