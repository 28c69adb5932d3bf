"""After a restore: take back from the province the dossiers this counter gave it (see storage/pullback_store.py).

Runs in a sync session right after hello while `sync_state.pullback_pending` is set, before anything is
pushed. Page by page, each page stored in its own transaction (a cut link resumes from the start next
time: storing is idempotent). A page holding anything the counter cannot use (a dossier, a receipt, a
record that does not fit) is refused whole in Vietnamese and the flag stays set: skipping it would lose
it for good. The numbers are moved and the flag cleared only when the last page is stored.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError

from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.storage.profile import get_profile
from counter_app.storage.pullback_store import finish_pullback, store_pulled_dossier
from counter_app.storage.sync_store import get_state
from sync.client.transport import PermanentError, TransientError, Transport
from sync.protocol import PullBackPage

log = logging.getLogger(__name__)
PULLBACK_PAGE = 100
BAD_PAGE = ("Máy chủ tỉnh gửi lại hồ sơ của quầy không đúng quy cách (hồ sơ, biên lai hoặc bản ghi không khớp), "
            "nên quầy chưa nhận. Dữ liệu đang có trên quầy được giữ nguyên; quầy vẫn chưa cấp mã hồ sơ, số biên lai "
            "mới và sẽ lấy lại ở lần đồng bộ sau. Nếu lỗi lặp lại, hãy báo quản trị máy chủ tỉnh.")


def pullback_pending(db: Database) -> bool:
    with db.read() as session:
        state = get_state(session)
        return bool(state is not None and state.pullback_pending)


def pull_back(db: Database, transport: Transport, report: Any) -> int:
    """Pull back every page; returns how many dossiers were added or brought up to date."""
    with db.read() as session:
        profile = get_profile(session)
        unit_code = profile.unit_code if profile else ""
    after, changed, maxima = "", 0, {}
    while True:
        report.requests += 1
        page = transport.call("GET", "/sync/pullback", PullBackPage, params={"after": after, "limit": PULLBACK_PAGE})
        if page.after != after or (page.next_after is not None and page.next_after <= after):
            raise TransientError("Trang hồ sơ lấy lại không khớp yêu cầu; sẽ thử lại.", code="pullback_echo")
        if not after:
            maxima = dict(page.receipt_maxima)
        now = utc_now()
        with db.write() as session:  # a page that does not fit is refused whole: the flag stays set
            for item in page.dossiers:
                try:
                    with session.begin_nested():
                        outcome = store_pulled_dossier(session, item.data, item.model_dump(exclude={"data"}), unit_code, now)
                except (DomainError, KeyError, ValueError, TypeError, ArithmeticError, IntegrityError) as error:
                    log.error("Trang hồ sơ lấy lại từ máy chủ tỉnh không dùng được (%s)", type(error).__name__)
                    raise PermanentError(BAD_PAGE, code="bad_pullback") from None
                changed += outcome != "kept"
        if page.next_after is None:
            break
        after = page.next_after
    with db.write() as session:
        finish_pullback(session, unit_code, maxima)
    log.info("Đã lấy lại %s hồ sơ từ máy chủ tỉnh sau khi khôi phục", changed)
    return changed
