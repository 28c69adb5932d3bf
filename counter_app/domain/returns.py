"""Returning a result (status 10): at the desk, or by public postal service (BCCI, QĐ 45/2016/QĐ-TTg).

A return at the desk records who took the result and their ID number; a return by post records the
recipient, phone, post-2025 address, postage (whole đồng) and who pays it, and an S10 item code
(domain.postal_codes). The shipment is then followed: waiting for the postman → handed → delivered or
returned to sender; a returned item goes back to the desk's worklist. docs/returns-and-post.md.

Pure Python, the vocabulary only (the sync operations import it); the field checks are in
domain/return_checks.py.
"""

from __future__ import annotations

from enum import StrEnum

from counter_app.domain.errors import InvalidTransition

MAX_POSTAGE = 10_000_000  # đồng; a domestic letter costs tens of thousands, so more is a typing slip


class ReturnMethod(StrEnum):
    DESK = "desk"
    POST = "post"

    @property
    def label(self) -> str:
        return {"desk": "Trả tại quầy", "post": "Trả qua bưu chính công ích"}[self.value]


class Payer(StrEnum):
    CITIZEN = "citizen"
    AGENCY = "agency"

    @property
    def label(self) -> str:
        return {"citizen": "Công dân trả cước", "agency": "Cơ quan trả cước"}[self.value]


class ShipmentState(StrEnum):
    WAITING = "waiting"  # label printed, not yet handed to the postman
    HANDED = "handed"
    DELIVERED = "delivered"
    RETURNED = "returned"  # returned to sender: back on the desk's worklist

    @property
    def label(self) -> str:
        return SHIPMENT_LABELS[self]


SHIPMENT_LABELS = {
    ShipmentState.WAITING: "Chờ giao bưu tá",
    ShipmentState.HANDED: "Đã giao bưu tá",
    ShipmentState.DELIVERED: "Đã phát thành công",
    ShipmentState.RETURNED: "Chuyển hoàn về quầy",
}

SHIPMENT_MOVES: dict[ShipmentState, frozenset[ShipmentState]] = {
    ShipmentState.WAITING: frozenset({ShipmentState.HANDED}),
    ShipmentState.HANDED: frozenset({ShipmentState.DELIVERED, ShipmentState.RETURNED}),
    ShipmentState.DELIVERED: frozenset(),
    ShipmentState.RETURNED: frozenset(),
}


def check_shipment_move(current: ShipmentState, target: ShipmentState) -> None:
    """Raise `InvalidTransition` (Vietnamese) unless a shipment in `current` may move to `target`."""
    if target in SHIPMENT_MOVES[current]:
        return
    allowed = ", ".join(f"«{s.label}»" for s in SHIPMENT_MOVES[current]) or "không còn bước nào"
    raise InvalidTransition(f"Bưu gửi đang «{current.label}» nên không thể chuyển sang «{target.label}» "
                            f"(được phép: {allowed}).")
