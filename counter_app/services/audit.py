"""Checking the counter's audit trail: at start, by `counter-app verify-audit`, in tests.

One read transaction streams every row through the domain's check (domain/audit.py) and compares the
end of the chain with the head kept apart (`audit_head`). A break is reported, never repaired: the
rows concerned are named so a supervisor or an auditor can look at them.
"""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.domain.audit import AuditBreak, BreakKind, ChainCheck, ChainHead, check_stored_rows
from counter_app.storage.audit import hash_at, server_head, stored_head, stream_rows
from counter_app.storage.database import Database


@dataclass(frozen=True)
class AuditReport:
    """What a check of the whole trail found."""

    rows: int
    last_seq: int
    breaks: tuple[AuditBreak, ...]
    unlisted: int

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.unlisted

    @property
    def summary(self) -> str:
        if self.intact:
            return f"Nhật ký thao tác nguyên vẹn: {self.rows} dòng, chuỗi mã băm liền mạch."
        count = len(self.breaks) + self.unlisted
        return (f"Nhật ký thao tác bị phá vỡ ở {count} chỗ (trong {self.rows} dòng). Dữ liệu đã bị thay đổi "
                "ngoài ứng dụng: hãy báo giám sát viên; không xóa hay sửa gì thêm.")

    def to_dict(self) -> dict[str, object]:
        return {"intact": self.intact, "rows": self.rows, "last_seq": self.last_seq,
                "breaks": [found.to_dict() for found in self.breaks], "unlisted_breaks": self.unlisted,
                "message": self.summary}


def verify_audit(db: Database) -> AuditReport:
    """Check every row of this counter's chain and its kept head, in one read transaction."""
    with db.read() as session:
        head = stored_head(session)
        checked: ChainCheck = check_stored_rows(stream_rows(session.connection()), head, exact_head=True)
        last_seq = checked.last.seq if checked.last else 0
        province = server_head(session)
        against = _against_server(province, hash_at(session, province.seq), last_seq) if province else None
    breaks = (*checked.breaks, against) if against else tuple(checked.breaks)
    return AuditReport(rows=checked.rows, last_seq=last_seq, breaks=breaks, unlisted=checked.unlisted)


def _against_server(province: ChainHead, local_hash: str | None, last_seq: int) -> AuditBreak | None:
    """The row the province holds must be in this chain, unchanged. Without it, the tail was rewritten
    and the head kept apart moved back with it (the triggers dropped): only the server's copy shows it."""
    if local_hash == province.hash:
        return None
    if local_hash is None:
        return AuditBreak(BreakKind.TRUNCATED, min(last_seq + 1, province.seq), province.seq,
                          f"Máy chủ tỉnh đã nhận đến dòng số {province.seq} của quầy này, nhưng nhật ký trên máy "
                          f"chỉ còn đến dòng số {last_seq}: các dòng cuối đã bị xóa ngoài ứng dụng.")
    return AuditBreak(BreakKind.HEAD, province.seq, province.seq,
                      f"Dòng số {province.seq} trên máy khác với dòng số {province.seq} máy chủ tỉnh đã nhận: "
                      "các dòng cuối đã bị viết lại ngoài ứng dụng; bản ở máy chủ tỉnh là bản gốc.")
