"""After a restore from a backup: nothing that issues a number may run until the pull-back is done.

A restored counter has lost what it recorded after the backup was taken; the province still has what was
synced. Until the counter has pulled its own dossiers back (sync/client/pullback.py), a new dossier code,
register number or receipt number could repeat one the province already holds. The database refuses them
(triggers of counter migration 0019 while `sync_state.pullback_pending` is set) with this one text, which
storage.database turns into `PullBackPendingError`.
"""

from __future__ import annotations

from counter_app.domain.errors import DomainError

PULLBACK_PENDING_MESSAGE = (
    "Quầy vừa được khôi phục từ bản sao lưu và chưa lấy lại hồ sơ của mình từ máy chủ tỉnh, nên chưa cấp "
    "được mã hồ sơ, số sổ, số biên lai hay số phiếu hướng dẫn mới (có thể trùng số máy chủ đã có). Hãy đồng "
    "bộ (F9) khi có mạng; chưa có gì được lưu."
)


class PullBackPendingError(DomainError):
    """A new number was to be issued before the restored counter pulled its own dossiers back."""


def pullback_refusal(error: BaseException) -> DomainError | None:
    """The clerk's refusal for a database error raised by the pull-back triggers, else None."""
    text = str(getattr(error, "orig", None) or error)
    return PullBackPendingError(PULLBACK_PENDING_MESSAGE) if PULLBACK_PENDING_MESSAGE in text else None
