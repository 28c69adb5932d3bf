"""Xung đột đồng bộ (Ctrl+Shift+G) against a real provincial server process (issue 13, R).

A status changed on both sides becomes a conflict the real way (the province moves the dossier with
`provincial-server set-status`, the counter withdraws it from its stale copy, the real sync runs);
the supervisor decides it on the dialog with its keys; the province records it, the counter's audit
trail gets the decision's row (through the next sync, as the server's audit entry shows), and the desk
learns the outcome from the feed. Offline, the dialog says so and decides nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from counter_app.domain.accounts import Account, Role
from counter_app.domain.conflicts import Resolution
from counter_app.domain.lifecycle import Status
from counter_app.services.accounts import create_account
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.recode import view_dossier
from counter_app.storage.models import AuditLogRow, OutboxOp, SyncState
from counter_app.ui.conflicts_dialog import ConflictsDialog
from counter_app.ui.context import UiContext
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.models import AuditEntry, Conflict, ConflictResolution
from tests.conftest import UNIT_CODE
from tests.gui.conftest import type_text
from tests.sync.harness import ServerProcess, free_port
from tests.sync.invariants import open_server_db
from tests.sync.test_recode import province_gives_the_code_to_another_citizen

WAIT_MS = 30_000
pytestmark = pytest.mark.slow  # a server process and two real syncs
SUPERVISOR = Account("giamsat", "Lê Thị Giám Sát", Role.SUPERVISOR)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        yield process


def sync(context: UiContext) -> None:
    report = SyncRunner(context.db, context.db.path.parent, max_attempts=1).run_once()
    assert report.ok, report.errors


@pytest.fixture
def desk(server: ServerProcess, ui_context: UiContext) -> UiContext:
    """A counter of a new unit, enrolled, with a supervisor account the province knows (synced)."""
    enroll(ui_context.db, server.url, server.enrollment_code(UNIT_CODE), allow_insecure_http=True)
    create_account(ui_context.db, username=SUPERVISOR.username, full_name=SUPERVISOR.full_name, role="supervisor",
                   password="Mật-khẩu-dài-2026", by=None)
    ui_context.clerk = SUPERVISOR
    return ui_context


def status_conflict(server: ServerProcess, context: UiContext) -> str:
    request = IntakeRequest("1.001193", PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234",
                                                    phone="0905123456", street="12 Lê Lợi"),
                            clerk_username=SUPERVISOR.username)
    code = receive_dossier(context.db, request).code
    sync(context)
    server.admin("set-status", code, "4", "--note", "Chuyển phòng Tư pháp")
    change_status(context.db, code, Status.WITHDRAWN, note="Công dân xin rút", clerk_username=SUPERVISOR.username)
    sync(context)
    return code


def open_dialog(qtbot, context: UiContext) -> ConflictsDialog:
    dialog = ConflictsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_supervisor_rejects_the_counters_step_and_everything_records_it(qtbot, server: ServerProcess,
                                                                          desk: UiContext) -> None:
    code = status_conflict(server, desk)
    dialog = open_dialog(qtbot, desk)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=WAIT_MS)
    rows = [row for row in range(dialog.table.rowCount()) if dialog.table.item(row, 2).text() == code]
    assert len(rows) == 1, "the unit's conflict on this dossier, listed once"
    dialog.table.selectRow(rows[0])
    server_text, counter_text = dialog.server_text.toPlainText(), dialog.counter_text.toPlainText()
    assert f"Mã trạng thái: 4 — {Status(4).label}" in server_text
    assert f"Mã trạng thái: 7 — {Status(7).label}" in counter_text and "Lý do, ghi chú: Công dân xin rút" in counter_text
    assert not dialog.buttons[Resolution.MERGE].isEnabled() and dialog.buttons[Resolution.REJECT].isEnabled()
    assert dialog.hint.text() == ""  # only a duplicate code needs a word on what follows

    qtbot.keyClick(dialog, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # no note yet: nothing is sent
    assert "lý do" in dialog.status.text()
    dialog.note.setFocus()
    type_text(dialog.note, "Hồ sơ đã chuyển phòng Tư pháp")
    qtbot.keyClick(dialog, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # no password yet: nothing is sent
    assert "mật khẩu" in dialog.status.text() and dialog.password.hasFocus()
    type_text(dialog.password, "đoán-sai")
    qtbot.keyClick(dialog, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # the province refuses a wrong one
    qtbot.waitUntil(lambda: "không đúng" in dialog.status.text(), timeout=WAIT_MS)
    assert dialog.password.text() == "" and dialog.buttons[Resolution.REJECT].isEnabled()
    assert code in [dialog.table.item(row, 2).text() for row in range(dialog.table.rowCount())]
    dialog.password.setFocus()
    type_text(dialog.password, "Mật-khẩu-dài-2026")
    qtbot.keyClick(dialog, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Đã ghi quyết định" in dialog.status.text(), timeout=WAIT_MS)
    assert dialog.password.text() == ""
    assert "«Từ chối bản của quầy»" in dialog.status.text()
    assert code not in [dialog.table.item(row, 2).text() for row in range(dialog.table.rowCount())]

    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            conflict = s.scalar(select(Conflict).where(Conflict.dossier_code == code))
            assert conflict is not None and conflict.resolved_at is not None
            decided = s.get(ConflictResolution, conflict.id)
            assert decided is not None
            assert (decided.resolution, decided.supervisor_username, decided.note) == (
                "reject", "giamsat", "Hồ sơ đã chuyển phòng Tư pháp")
    finally:
        db.dispose()
    with desk.db.read() as session:  # the decision is in the counter's audit trail, with its operation
        op = session.scalar(select(OutboxOp).where(OutboxOp.op_type == "conflict.resolution"))
        assert op is not None and json.loads(op.payload)["conflict_id"] == conflict.id
        row = session.scalar(select(AuditLogRow).where(AuditLogRow.op_seq == op.seq))
        assert row is not None and row.clerk_username == "giamsat" and row.action == "conflict.resolution"

    sync(desk)  # the audit row reaches the province; the desk learns the outcome from the feed

    with desk.db.read() as session:
        ops = {o.op_type: o for o in session.scalars(select(OutboxOp))}
        assert ops["conflict.resolution"].state == "acked"
        assert ops["dossier.status"].state == "rejected" and ops["dossier.status"].result_code == "resolved_reject"
        assert "Lê Thị Giám Sát" in (ops["dossier.status"].result_message or "")
    assert get_dossier(desk.db, code).status is Status.PROCESSING  # the province's status, as decided
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "conflict.resolution",
                                                      AuditEntry.device_id == op_device(desk)))
            assert entry is not None and entry.state == "ok", entry and entry.problem
    finally:
        db.dispose()


def op_device(context: UiContext) -> str:
    with context.db.read() as session:
        state = session.scalar(select(SyncState))
        assert state is not None
        return state.device_id


def test_offline_the_dialog_says_so_and_decides_nothing(qtbot, server: ServerProcess, desk: UiContext,
                                                        tmp_path: Path) -> None:
    status_conflict(server, desk)
    with desk.db.write() as session:  # the province's address now answers nothing
        state = session.scalar(select(SyncState))
        assert state is not None
        state.server_url = f"http://127.0.0.1:{free_port()}"

    dialog = open_dialog(qtbot, desk)

    qtbot.waitUntil(lambda: "Không kết nối được máy chủ tỉnh" in dialog.status.text(), timeout=WAIT_MS)
    assert "Hãy kiểm tra mạng" in dialog.status.text() and dialog.table.rowCount() == 0
    assert not any(button.isEnabled() for button in dialog.buttons.values())


def test_a_code_given_twice_says_what_each_decision_leads_to_and_kept_by_the_province_asks_for_a_new_code(
        qtbot, server: ServerProcess, desk: UiContext) -> None:
    request = IntakeRequest("1.001193", PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234",
                                                    phone="0905123456", street="12 Lê Lợi"),
                            clerk_username=SUPERVISOR.username)
    code = receive_dossier(desk.db, request).code
    province_gives_the_code_to_another_citizen(server, desk.db, code)
    sync(desk)
    dialog = open_dialog(qtbot, desk)
    qtbot.waitUntil(lambda: code in [dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())],
                    timeout=WAIT_MS)
    dialog.table.selectRow(next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 2).text() == code))
    assert "Hai công dân khác nhau" in dialog.hint.text() and "Ctrl+Shift+M" in dialog.hint.text()
    assert "Phạm Thị Hoa" in dialog.server_text.toPlainText() and "Nguyễn Văn Đức" in dialog.counter_text.toPlainText()
    dialog.note.setFocus()
    type_text(dialog.note, "Hai công dân khác nhau")
    dialog.password.setFocus()
    type_text(dialog.password, "Mật-khẩu-dài-2026")
    qtbot.keyClick(dialog, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Đã ghi quyết định" in dialog.status.text(), timeout=WAIT_MS)

    sync(desk)

    reason = view_dossier(desk.db, code).recode_reason
    assert reason is not None and "Hai công dân khác nhau" in reason and "Ctrl+Shift+M" in reason
