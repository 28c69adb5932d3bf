"""Dossier statuses 1-10 (the national portal's TrangThaiHoSo codes) and the legal moves between them.

"Overdue" is not a status: it is derived from the due date (see `Dossier.is_overdue`).
"""

from __future__ import annotations

from enum import IntEnum

from counter_app.domain.errors import InvalidTransition


class Status(IntEnum):
    NEW_ONLINE = 1
    RECEIVED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    AWAITING_PAYMENT = 6
    WITHDRAWN = 7
    STOPPED = 8
    RESULT_READY = 9
    RETURNED = 10

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.NEW_ONLINE: "Mới đăng ký",
    Status.RECEIVED: "Được tiếp nhận",
    Status.REFUSED: "Không được tiếp nhận",
    Status.PROCESSING: "Đang xử lý",
    Status.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    Status.AWAITING_PAYMENT: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Status.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
    Status.RESULT_READY: "Đã xử lý xong",
    Status.RETURNED: "Đã trả kết quả",
}

# The statuses a walk-in dossier may be created in (online filings arrive as NEW_ONLINE).
INITIAL_STATUSES = frozenset({Status.NEW_ONLINE, Status.RECEIVED})

# The moves of domain.md §3.1 plus the desk's own (issue 9): a received dossier may still be refused (2→3),
# withdrawn (2/4/5/6→7) or stopped (2/4→8); a supplement may be asked before or after the transfer (2/4→5).
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW_ONLINE: frozenset({Status.RECEIVED, Status.REFUSED}),
    Status.RECEIVED: frozenset(
        {Status.REFUSED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.WITHDRAWN, Status.STOPPED}
    ),
    Status.PROCESSING: frozenset(
        {
            Status.SUPPLEMENT_REQUESTED,
            Status.AWAITING_PAYMENT,
            Status.WITHDRAWN,
            Status.STOPPED,
            Status.RESULT_READY,
        }
    ),
    Status.SUPPLEMENT_REQUESTED: frozenset({Status.PROCESSING, Status.WITHDRAWN}),
    Status.AWAITING_PAYMENT: frozenset({Status.PROCESSING, Status.WITHDRAWN}),
    Status.RESULT_READY: frozenset({Status.RETURNED}),
    Status.REFUSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
    Status.STOPPED: frozenset(),
    Status.RETURNED: frozenset(),
}

# A move into these statuses must say why (printed on Mẫu 03 and Mẫu 02, kept in the history).
REASON_REQUIRED = frozenset({Status.REFUSED, Status.SUPPLEMENT_REQUESTED, Status.WITHDRAWN, Status.STOPPED})
MAX_REASON_LENGTH = 2000

FINAL_STATUSES = frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if not targets)


def check_transition(current: Status, target: Status) -> None:
    """Raise `InvalidTransition` (in Vietnamese) unless `current` may move to `target`."""
    if target in ALLOWED_TRANSITIONS[current]:
        return
    if current in FINAL_STATUSES:
        raise InvalidTransition(
            f"Hồ sơ đang ở trạng thái cuối «{current.label}» nên không thể chuyển sang «{target.label}»."
        )
    allowed = ", ".join(f"«{s.label}»" for s in sorted(ALLOWED_TRANSITIONS[current]))
    raise InvalidTransition(
        f"Không thể chuyển hồ sơ từ «{current.label}» sang «{target.label}». "
        f"Từ trạng thái này chỉ được chuyển sang: {allowed}."
    )


def check_reason(target: Status, reason: str) -> str:
    """The reason, stripped; `InvalidTransition` when `target` needs one and it is blank or too long."""
    reason = (reason or "").strip()
    if target in REASON_REQUIRED and not reason:
        raise InvalidTransition(f"Hãy ghi lý do khi chuyển hồ sơ sang «{target.label}».")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidTransition(f"Lý do dài quá {MAX_REASON_LENGTH} ký tự.")
    return reason


def legal_steps() -> list[tuple[Status, Status]]:
    """Every legal (from, to) pair: the table-driven tests on the counter and the server walk it."""
    return [(source, target) for source, targets in ALLOWED_TRANSITIONS.items() for target in sorted(targets)]


def parse_status(value: int | str) -> Status:
    """Accept a status code 1-10 (as int or text); raise `InvalidTransition` for anything else."""
    try:
        return Status(int(value))
    except (TypeError, ValueError):
        raise InvalidTransition(f"Mã trạng thái «{value}» không hợp lệ: phải là số từ 1 đến 10.") from None
