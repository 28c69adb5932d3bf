"""What each worklist key does (F5): the dialogs and quick steps behind `WorklistScreen.NEXT_ACTIONS`.

The worklist screen only names a step (`action_requested(action, code)`); this module is the one place
that maps each name to the dialog of its part (returns, lifecycle: Mẫu 04 from the overdue list is F5,
Ctrl+2, X) or, for a one-key step such as
"handed to the postman", to the service call itself, run in the background. After any step the
worklists are read again, so the row moves to the list it now belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMainWindow

from counter_app.domain.dossier import Dossier
from counter_app.domain.lifecycle import Status
from counter_app.domain.lifecycle_records import HandoverDirection
from counter_app.domain.returns import ShipmentState
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.worklist_screen import (
    APOLOGISE,
    COLLECT_FEE,
    HANDOVER_FROM_AGENCY,
    HANDOVER_TO_AGENCY,
    RETURN_AT_DESK,
    RETURN_BY_POST,
    SHIPMENT_DELIVERED,
    SHIPMENT_HANDED,
    SHIPMENT_RETURNED,
    SUPPLIED,
    WorklistScreen,
)

STATUS_MESSAGE_MS = 8000
RETURN_TABS = {RETURN_AT_DESK: 0, RETURN_BY_POST: 1}  # ReturnDialog: Ctrl+1 at the desk, Ctrl+2 by post
LIFECYCLE_STEPS = (APOLOGISE, SUPPLIED, HANDOVER_TO_AGENCY, HANDOVER_FROM_AGENCY)  # ui/lifecycle_dialogs.py
SHIPMENT_STEPS = {
    SHIPMENT_HANDED: ShipmentState.HANDED,
    SHIPMENT_DELIVERED: ShipmentState.DELIVERED,
    SHIPMENT_RETURNED: ShipmentState.RETURNED,
}


class WorklistSteps:
    """The handlers the main window calls for a worklist row's next step."""

    def __init__(self, context: UiContext, window: QMainWindow, worklists: WorklistScreen) -> None:
        self.context = context
        self.window = window
        self.worklists = worklists
        self.dialog = None  # the step's dialog while it is open (tests reach it here)
        self._form_after: str | None = None
        self.handlers: dict[str, Callable[[str], None]] = {}
        for action in RETURN_TABS:
            self.handlers[action] = partial(self.open_return, action=action)
        for action, state in SHIPMENT_STEPS.items():
            self.handlers[action] = partial(self.shipment_step, state=state)
        for action in LIFECYCLE_STEPS:
            self.handlers[action] = partial(self.open_lifecycle, action=action)
        self.handlers[COLLECT_FEE] = self.open_fees

    def open_fees(self, code: str) -> None:
        """"Thu phí (F4)" on the fees-due list: the fees screen on the dossier (the main window's
        `show_fees`); once a receipt is issued the main window reads the lists again."""
        self.window.show_fees(code)  # type: ignore[attr-defined]

    def open_lifecycle(self, code: str, *, action: str) -> None:
        """The lifecycle dialog of the step (Mẫu 04, papers supplied, a Mẫu 05 hand-over), on the dossier as
        it is now (read in the background: the row may be a few seconds old)."""
        from counter_app.services.dossiers import get_dossier

        db = self.context.db
        self.context.tasks.run(lambda: get_dossier(db, code), partial(self._show_lifecycle, action=action),
                               lambda error: self._say(error_text(error)), owner=self.worklists)

    def _show_lifecycle(self, dossier: Dossier, *, action: str) -> None:
        from counter_app.ui import lifecycle_dialogs as dialogs

        def saved(_result: object) -> None:
            self._say(QCoreApplication.translate("WorklistSteps", "Đã lưu: hồ sơ {code}.").format(code=dossier.code))
            if action == APOLOGISE:
                self._form_after = "form04"  # the citizen gets Mẫu 04 at once: its preview follows the dialog

        if action == APOLOGISE:
            dialog = dialogs.ApologyDialog(self.context, dossier, saved, self.window)
        elif action == SUPPLIED:
            dialog = dialogs.StepDialog(self.context, dossier, saved, only=Status.PROCESSING, parent=self.window)
        else:
            dialog = dialogs.HandoverDialog(self.context, dossier, saved, self.window)
            wanted = HandoverDirection.TO_AGENCY if action == HANDOVER_TO_AGENCY else HandoverDirection.FROM_AGENCY
            dialog.direction.setCurrentIndex(max(0, dialog.direction.findData(wanted.value)))
        dialog.finished.connect(lambda _result: self._after_step(dossier.code))
        self.dialog = dialog
        dialog.open()

    def _after_step(self, code: str) -> None:
        """The paper the step produced, if any (Mẫu 04), then back to the list."""
        form, self._form_after = self._form_after, None
        if form is None:
            self._back_to_list()
            return
        from counter_app.ui.form_preview import form_preview

        preview = form_preview(self.context, form, code, self.window)
        preview.finished.connect(self._back_to_list)
        self.dialog = preview
        preview.open()

    def open_return(self, code: str, *, action: str) -> None:
        """The return dialog on the tab the key chose (T at the desk, B by post)."""
        from counter_app.ui.return_dialog import ReturnDialog

        dialog = ReturnDialog(self.context, code, self.window)
        dialog.tabs.setCurrentIndex(RETURN_TABS[action])
        dialog.finished.connect(self._back_to_list)
        self.dialog = dialog
        dialog.open()

    def shipment_step(self, code: str, *, state: ShipmentState) -> None:
        """A posted result's next step, recorded at once: it needs no more than the key."""
        from counter_app.services.returns import set_shipment_state

        ctx = self.context
        who = {"clerk_username": ctx.clerk_username, "actor": ctx.profile.clerk_name}
        db = ctx.db

        def done(record: object) -> None:
            self._say(QCoreApplication.translate("WorklistSteps", "Hồ sơ {code}: {lower}.").format(code=code, lower=state.label.lower()))
            self.worklists.refresh()

        ctx.tasks.run(lambda: set_shipment_state(db, code, state, **who), done,
                      lambda error: self._say(error_text(error)), write=True, owner=self.worklists)

    def _back_to_list(self, _result: int = 0) -> None:
        """The dialog closed: the lists are read again and the keys go back to the list, for the next row."""
        self.window.activateWindow()
        self.worklists.current_table.setFocus()
        self.worklists.refresh()

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, STATUS_MESSAGE_MS)
