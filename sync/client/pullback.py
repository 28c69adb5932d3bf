"""After a restore: take back from the province the dossiers this counter gave it (see storage/pullback_store.py).

Runs in a sync session right after hello while `sync_state.pullback_pending` is set, before anything is
pushed. Page by page, each page stored in its own transaction (a cut link resumes from the start next
time: storing is idempotent). A page holding anything the counter cannot use (a dossier, a receipt, a
record that does not fit) is refused whole in Vietnamese and the flag stays set: skipping it would lose
it for good. The numbers are moved and the flag cleared only when the last page is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.storage.profile import get_profile
from counter_app.storage.pullback_records import DESK_STORE, store_desk_record
from counter_app.storage.pullback_store import finish_pullback, store_pulled_dossier
from counter_app.storage.sync_store import get_state
from sync.client.transport import PermanentError, TransientError, Transport
from sync.protocol import PullBackDeskPage, PullBackPage

log = logging.getLogger(__name__)
PULLBACK_PAGE = 100
Page = TypeVar("Page", PullBackPage, PullBackDeskPage)
BAD_PAGE = ("Máy chủ tỉnh gửi lại hồ sơ của quầy không đúng quy cách (hồ sơ, biên lai hoặc bản ghi không khớp), "
            "nên quầy chưa nhận. Dữ liệu đang có trên quầy được giữ nguyên; quầy vẫn chưa cấp mã hồ sơ, số biên lai "
            "mới và sẽ lấy lại ở lần đồng bộ sau. Nếu lỗi lặp lại, hãy báo quản trị máy chủ tỉnh.")


def pullback_pending(db: Database) -> bool:
    with db.read() as session:
        state = get_state(session)
        return bool(state is not None and state.pullback_pending)


def _pages(transport: Transport, report: Any, path: str, model: type[Page], **params: str) -> Iterator[Page]:
    """Every page of `path` in keyset order; a page that does not answer the request asked is refused."""
    after = ""
    while True:
        report.requests += 1
        page = transport.call("GET", path, model, params={**params, "after": after, "limit": PULLBACK_PAGE})
        if page.after != after or (page.next_after is not None and page.next_after <= after) or any(
                getattr(page, name) != value for name, value in params.items()):
            raise TransientError("Trang hồ sơ lấy lại không khớp yêu cầu; sẽ thử lại.", code="pullback_echo")
        yield page
        if page.next_after is None:
            return
        after = page.next_after


def _refused(error: Exception) -> PermanentError:
    log.error("Trang hồ sơ lấy lại từ máy chủ tỉnh không dùng được (%s)", type(error).__name__)
    return PermanentError(BAD_PAGE, code="bad_pullback")


# What one pulled record or change the counter cannot store raises (a constraint of the counter's database
# included): it is reported and passed over, the rest are stored (the pull-back here, the unit's feed in
# runner.SyncRunner._pull), so one record never stops a counter's sync.
STORE_ERRORS = (DomainError, KeyError, ValueError, TypeError, ArithmeticError, IntegrityError)


def pull_back(db: Database, transport: Transport, report: Any) -> int:
    """Pull back every page; returns how many dossiers were added or brought up to date."""
    with db.read() as session:
        profile = get_profile(session)
        state = get_state(session)
        unit_code = profile.unit_code if profile else ""
        device_id = state.device_id if state else ""
    changed, maxima = 0, {}
    for page in _pages(transport, report, "/sync/pullback", PullBackPage):
        if not page.after:
            maxima = dict(page.receipt_maxima)
        now = utc_now()
        with db.write() as session:  # a page that does not fit is refused whole: the flag stays set
            for item in page.dossiers:
                try:
                    outcome = store_pulled_dossier(session, item.data, item.model_dump(exclude={"data"}), unit_code, now)
                except STORE_ERRORS as error:
                    raise _refused(error) from None
                changed += outcome != "kept"
    for kind in DESK_STORE:  # after the receipts: a day close refuses receipts of its day
        for desk_page in _pages(transport, report, "/sync/pullback/desk", PullBackDeskPage, kind=kind):
            with db.write() as session:
                try:
                    for record in desk_page.records:
                        store_desk_record(session, kind, record, unit_code, device_id)
                except STORE_ERRORS as error:
                    raise _refused(error) from None
    with db.write() as session:
        finish_pullback(session, unit_code, maxima)
    log.info("Đã lấy lại %s hồ sơ từ máy chủ tỉnh sau khi khôi phục", changed)
    return changed
