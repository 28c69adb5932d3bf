"""The supervisor's side of the server's conflicts (issue 13, R): list them, decide one (ui/conflicts_dialog.py).

The decision is taken online: the province records it once (a second decision is answered 409) and
applies it; only then does the counter write it to its own audit trail, as a `conflict.resolution`
operation, so the audit row reaches the server in that operation's envelope like every other row (a
row without an operation would leave a gap in the server's copy of the chain). An answer lost on the
way back is found again: the 409 that a retry gets names the decision, and when it is this desk's own
(same device, same supervisor) the audit row is written then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from counter_app.domain.accounts import Account
from counter_app.domain.errors import DomainError
from counter_app.domain.operations import OpType
from counter_app.domain.serialization import iso_instant
from counter_app.services.clock import utc_now
from counter_app.services.credentials import load_token
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.outbox import append_operation
from counter_app.storage.sync_store import get_state
from sync.client.transport import PermanentError, SyncError, Transport
from sync.protocol_conflicts import TOO_MANY_PASSWORDS, ConflictPage, ConflictState, ConflictView, Resolution

TransportFactory = Callable[[str, str], Transport]
NOT_ENROLLED = "Quầy chưa đăng ký với máy chủ tỉnh nên chưa có xung đột nào để giải quyết."
NOT_SUPERVISOR = "Chỉ giám sát viên đã đăng nhập mới giải quyết được xung đột đồng bộ."
PASSWORD_REQUIRED = ("Hãy nhập lại mật khẩu của giám sát viên để xác nhận quyết định: máy chủ tỉnh kiểm tra "
                     "mật khẩu trước khi ghi.")
NOTE_REQUIRED = "Hãy ghi lý do của quyết định (bắt buộc): lý do được lưu trong nhật ký thao tác của quầy và tỉnh."


class ConflictError(DomainError):
    """A decision or a list the province could not give; the message says what was kept."""


@dataclass
class Decision:
    conflict: ConflictView
    resolution: Resolution
    note: str
    fields: dict[str, str] = field(default_factory=dict)  # merge only: field -> "server" | "counter"
    password: str = field(default="", repr=False)  # the supervisor's, typed again: the province checks it


def _transport(db: Database, factory: TransportFactory | None) -> tuple[Transport, str]:
    with db.read() as session:
        state = get_state(session)
        if state is None:
            raise ConflictError(NOT_ENROLLED)
        url, device_id = state.server_url, state.device_id
    return (factory or Transport)(url, load_token(device_id)), device_id


def list_conflicts(db: Database, state: ConflictState = ConflictState.OPEN, *,
                   transport_factory: TransportFactory | None = None) -> list[ConflictView]:
    """The unit's conflicts in `state`, every page (network: call it in the background)."""
    transport, _ = _transport(db, transport_factory)
    found: list[ConflictView] = []
    after = 0
    try:
        while True:
            page = transport.call("GET", "/sync/conflicts", ConflictPage,
                                  params={"state": state.value, "after": after, "limit": 50})
            found.extend(page.conflicts)
            if page.next_after is None or page.next_after <= after:
                return found
            after = page.next_after
    except SyncError as error:
        raise ConflictError(_offline(error)) from None
    finally:
        transport.close()


def decide(db: Database, clerk: Account | None, decision: Decision, *, now: datetime | None = None,
           transport_factory: TransportFactory | None = None) -> ConflictView:
    """Ask the province to record `decision`, then write it to the counter's audit trail."""
    if clerk is None or not clerk.is_supervisor:
        raise ConflictError(NOT_SUPERVISOR)
    note = decision.note.strip()
    if not note:
        raise ConflictError(NOTE_REQUIRED)
    if not decision.password:
        raise ConflictError(PASSWORD_REQUIRED)
    transport, device_id = _transport(db, transport_factory)
    body = {"resolution": decision.resolution.value, "supervisor_username": clerk.username,
            "supervisor_password": decision.password, "note": note,
            **({"fields": decision.fields} if decision.resolution is Resolution.MERGE else {})}
    try:
        view = transport.call("POST", f"/sync/conflicts/{decision.conflict.id}/resolution", ConflictView,
                              json_body=body)
    except PermanentError as error:
        if error.code == "already_resolved":
            view = _ours_after_all(transport, decision.conflict.id, device_id, clerk.username)
            if view is not None:  # our own decision, whose answer was lost: record it now
                record_decision(db, view, now=now)
            raise ConflictError(error.args[0] if view is None else
                                "Quyết định này đã được máy chủ tỉnh ghi từ lần gửi trước; quầy đã ghi vào nhật ký.") from None
        raise ConflictError(_offline(error)) from None
    except SyncError as error:
        raise ConflictError(_offline(error)) from None
    finally:
        transport.close()
    record_decision(db, view, now=now)
    return view


def record_decision(db: Database, view: ConflictView, *, now: datetime | None = None) -> None:
    """The decision as an operation in the outbox, with its audit row (same transaction)."""
    decided = view.resolution
    assert decided is not None
    moment = now or utc_now()
    payload = {"conflict_id": view.id, "resolution": decided.resolution.value, "dossier_code": view.dossier_code,
               "fields": sorted(key for key, side in decided.fields.items() if side == "counter"),
               "at": iso_instant(moment), "actor": decided.supervisor_name, "by": decided.supervisor_username,
               "note": decided.note}
    with db.write() as session:
        if session.scalar(select(OutboxOp.seq).where(OutboxOp.op_type == OpType.CONFLICT_RESOLUTION.value,
                                                     OutboxOp.entity_id == str(view.id)).limit(1)) is not None:
            return  # already in the trail: a decision is recorded once
        append_operation(session, entity="conflict", entity_id=str(view.id), op_type=OpType.CONFLICT_RESOLUTION,
                         payload=payload, now=moment, actor=decided.supervisor_username)


def _ours_after_all(transport: Transport, conflict_id: int, device_id: str, username: str) -> ConflictView | None:
    """The recorded decision on `conflict_id` if this desk and this supervisor took it (a lost answer)."""
    try:
        page = transport.call("GET", "/sync/conflicts", ConflictPage,
                              params={"state": "resolved", "after": conflict_id - 1, "limit": 1})
    except SyncError:
        return None
    for view in page.conflicts:
        decided = view.resolution
        if view.id == conflict_id and decided is not None and decided.device_id == device_id \
                and decided.supervisor_username == username:
            return view
    return None


def _offline(error: SyncError) -> str:
    if error.code == TOO_MANY_PASSWORDS:  # a 429, but not the network's doing
        return f"{error.args[0]} Chưa có quyết định nào được ghi: xung đột vẫn chờ trên máy chủ tỉnh."
    if error.transient:
        return (f"{error.args[0]} Chưa có quyết định nào được ghi: xung đột vẫn chờ trên máy chủ tỉnh. "
                "Hãy kiểm tra mạng rồi thử lại.")
    return f"{error.args[0]} Xung đột vẫn được giữ nguyên."
