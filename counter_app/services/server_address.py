"""The province server's address of an enrolled counter: read it, and move it when the province moves its server.

The address lives in the sync state (`sync_state.server_url`), the runner reads it at each sync. Moving it
keeps everything else: the device identity and its token (in the keyring), the device epoch, the pull
cursor, the outbox. That is right when the same server answers at a new name (a new domain, a new TLS
front); a different server would not know the token, the sync screen then says so and the counter is
enrolled again there (`counter-app enroll`), which starts a new identity. The same rule as at enrolment:
https://, or plain http:// only to this machine itself (sync/client/enrollment.check_server_url).
"""

from __future__ import annotations

from counter_app.domain.errors import ValidationError
from counter_app.services.accounts import supervisor_account
from counter_app.storage.accounts import has_accounts
from counter_app.storage.database import Database
from counter_app.storage.sync_store import get_state

FIELD = "server_url"
LABEL = "Máy chủ tỉnh"
MAX_LEN = 500


def enrolled_server_url(db: Database) -> str:
    """The address this counter syncs with ("" when it is not enrolled)."""
    with db.read() as session:
        state = get_state(session)
        return state.server_url if state is not None else ""


def checked_server_url(text: str) -> str:
    """The address typed in the settings, without its trailing slash, or ValidationError saying why not."""
    from sync.client.enrollment import check_server_url

    typed = text.strip()
    if len(typed) > MAX_LEN:
        raise ValidationError(FIELD, f"Địa chỉ máy chủ dài quá {MAX_LEN} ký tự.", LABEL)
    try:
        address = check_server_url(typed)
    except ValidationError as refused:
        if typed.lower().startswith("http://") and _only_http_refused(typed):
            raise ValidationError(FIELD, (
                f"Không dùng «{typed[:80]}»: địa chỉ http:// không mã hoá, mã xác thực của quầy sẽ đi qua mạng ở dạng "
                "ai cũng đọc được. Hãy ghi địa chỉ https:// của máy chủ tỉnh (http:// chỉ dùng được với chính máy "
                "này). Địa chỉ cũ vẫn được giữ."), LABEL) from None
        raise ValidationError(FIELD, refused.message, LABEL) from None
    return address.rstrip("/")


def _only_http_refused(typed: str) -> bool:
    """True when plain http:// is the address's only fault (else the rule's own message says what is)."""
    from sync.client.enrollment import check_server_url

    try:
        check_server_url(typed, allow_insecure_http=True)
    except ValidationError:
        return False
    return True


def change_server_url(db: Database, text: str, *, by: str | None) -> str:
    """Point an enrolled counter at its server's new address (supervisors only); the address now used.

    Nothing else of the sync state changes (see the module's docstring). A counter not enrolled is refused:
    its address is given at enrolment, where the server is asked first.
    """
    address = checked_server_url(text)
    with db.write() as session:
        if has_accounts(session):
            supervisor_account(session, by or "", "đổi địa chỉ máy chủ tỉnh")
        state = get_state(session)
        if state is None or not state.server_url:
            raise ValidationError(FIELD, "Quầy chưa đăng ký với máy chủ tỉnh: địa chỉ máy chủ được ghi khi đăng ký "
                                  "(màn hình Đồng bộ, F7). Chưa có gì thay đổi.", LABEL)
        state.server_url = address
    return address
