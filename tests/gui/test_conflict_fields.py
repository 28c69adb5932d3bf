"""The conflict screen names a dossier's fields in Vietnamese (both versions and the fields a merge can take),
and a merge still sends the fields by the keys the server knows them by."""

from __future__ import annotations

from PySide6.QtCore import Qt

from counter_app.domain.conflicts import DOSSIER_FIELD_LABELS, field_label
from counter_app.domain.lifecycle import Status
from counter_app.domain.payloads import DossierCreatePayload
from counter_app.ui.conflicts_dialog import ConflictsDialog, version_text
from counter_app.ui.context import UiContext
from sync.protocol_conflicts import ConflictView, Resolution

WAIT_MS = 10_000


def test_every_field_of_a_dossier_has_a_vietnamese_name() -> None:
    assert set(DOSSIER_FIELD_LABELS) == set(DossierCreatePayload.model_fields)
    assert field_label("something_new") == "Trường «something_new»"
    assert version_text({"status": 4, "from": 99}) == f"Từ trạng thái: 99\nMã trạng thái: 4 — {Status(4).label}"


def test_both_versions_and_the_merge_list_speak_vietnamese(qtbot, ui_context: UiContext) -> None:
    dialog = ConflictsDialog(ui_context)  # not enrolled: loading says so, and the dialog still shows what it has
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "Đang tải" not in dialog.status.text(), timeout=WAIT_MS)
    server = {"code": "000.01.48.H15-261201-0001", "applicant_name": "Nguyễn Văn An", "phone": "0905111222",
              "documents": [{"name": "Tờ khai", "copies": 1}]}
    counter = {**server, "applicant_name": "Trần Thị Bình", "phone": "0905333444"}
    dialog._loaded([ConflictView(id=7, code="duplicate_code", title="Trùng mã hồ sơ", dossier_code=server["code"],
                                 device_id="d", op_id="op-00000001", created_at="2026-12-01T08:00:00+07:00",
                                 server=server, counter=counter, choices=list(Resolution),
                                 mergeable=["applicant_name", "phone"])])
    assert "Họ tên người nộp: Nguyễn Văn An" in dialog.server_text.toPlainText()
    assert "Họ tên người nộp: Trần Thị Bình" in dialog.counter_text.toPlainText()
    assert 'Thành phần hồ sơ: [{"name": "Tờ khai", "copies": 1}]' in dialog.server_text.toPlainText()
    shown = [dialog.fields.item(i).text() for i in range(dialog.fields.count())]
    assert shown == ["Họ tên người nộp", "Số điện thoại"]
    dialog.fields.item(1).setCheckState(Qt.CheckState.Checked)
    assert dialog.chosen_fields() == {"phone": "counter"}
    assert version_text(None) == "—"
