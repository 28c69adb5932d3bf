"""The enrolment dialog refuses plain http:// to another machine unless the clerk ticks the warned box.

The rule is sync.client.enrollment.check_server_url (the one `counter-app enroll` follows); the server
is a real `provincial-server` process listening on this machine's network address, not on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from counter_app.ui.context import UiContext
from counter_app.ui.enroll_dialog import INSECURE_WARNING, EnrollDialog
from tests.conftest import UNIT_CODE
from tests.gui.conftest import press, type_text
from tests.sync.harness import ServerProcess, local_network_address

WAIT_MS = 30_000


@pytest.fixture
def lan_server(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}", host=local_network_address()) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        yield process


def test_plain_http_needs_the_warned_box(qtbot, ui_context: UiContext, lan_server: ServerProcess) -> None:
    dialog = EnrollDialog(ui_context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    code = lan_server.enrollment_code(UNIT_CODE)
    type_text(dialog.url_edit, lan_server.url)
    type_text(dialog.code_edit, code)

    press(dialog.code_edit, Qt.Key.Key_Return)

    assert not dialog.busy  # refused before any network exchange
    assert "http:// không mã hoá" in dialog.error_at("url") and "bearer token" in dialog.error_at("url")
    assert dialog.result_enrolment is None
    assert dialog.insecure_warning.isHidden()

    dialog.insecure_check.setChecked(True)  # the clerk ticks the box: the warning says what it costs
    assert not dialog.insecure_warning.isHidden() and dialog.insecure_warning.text() == INSECURE_WARNING
    press(dialog.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)

    assert dialog.error_at("url") == "" and dialog.error_at("general") == ""
    assert dialog.result_enrolment is not None and dialog.result_enrolment.unit_code == UNIT_CODE
