"""The counter's side of a stored push (issue 13; the server's: sync/server/inbox.py): a batch handed to the
province to be applied in the background, and its answer fetched later.

`store` posts a prepared batch (the same body `POST /sync/push` takes) to `POST /sync/inbox`: the province
answers `StoredBatch` (202: kept, waiting) or, for a batch it stored and applied before, the push's answer.
`answer` asks `GET /sync/inbox/{batch_id}` until the batch is applied, and gives the push's answer or raises
the push's error (the caller then treats the batch as a failed push: split, quarantine). The batch's
operations stay in flight until their answer is stored: a batch stored but never answered (the link lost, the
answer pruned, the wait over) is sent again in a later run, and the province's ledger answers the replays.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sync.client.transport import TransientError, Transport, parse_response
from sync.protocol import PushResponse, StoredBatch
from sync.wire import EncodedBody

FIRST_POLL_SECONDS = 0.05
LONGEST_POLL_SECONDS = 1.0
# Neither the device's batches ahead of the one awaited nor the province's latest applied batch (of any device)
# have moved for this long (a batch is applied in about a second): the province's appliers are stuck. The run
# stops waiting (its pull still runs); the operations stay in flight and a later run asks again. A province
# busy with other counters' backlogs keeps applying, and the counter keeps waiting (up to its deadline).
STALL_SECONDS = 60.0
STALLED = "Máy chủ tỉnh chưa xử lý tiếp các gói quầy đã gửi trong {minutes} phút; quầy sẽ hỏi lại ở lần đồng bộ sau."


def store(transport: Transport, batch_id: str, body: EncodedBody, answers_from: str | None = None
          ) -> StoredBatch | PushResponse:
    """The batch stored at the province (or, stored before and applied, its answer). With `answers_from` (the
    oldest stored batch whose answer the counter has not read), the province adds the answers it has from that
    batch on (`StoredBatch.answered`; an older province adds none)."""
    headers = {**body.headers, "X-Batch-Id": batch_id, **({"X-Answers-From": answers_from} if answers_from else {})}
    response = transport.request("POST", "/sync/inbox", data=body.data, headers=headers)
    if response.status_code == 202:
        return echoed(parse_response(response, StoredBatch), batch_id)
    return echoed(parse_response(response, PushResponse), batch_id)


def answer(transport: Transport, batch_id: str, deadline: float, clock: Callable[[], float] = time.monotonic,
           sleep: Callable[[float], None] = time.sleep) -> PushResponse:
    """The stored batch's answer, asked for until `deadline` (on `clock`), or until the province has shown no
    progress for STALL_SECONDS (neither the device's batches ahead of it, `waiting_before`, nor the time it
    last applied any batch, `province_applied_at`, moved); raises the push's error, or a TransientError when
    the wait ends first (the operations are sent again next run)."""
    pause = FIRST_POLL_SECONDS
    seen: tuple[int, datetime | None] | None = None  # where the queue stood when it last moved
    moved_at = clock()
    while True:
        response = transport.request("GET", f"/sync/inbox/{batch_id}")
        if response.status_code != 202:
            return echoed(parse_response(response, PushResponse), batch_id)
        stand = echoed(parse_response(response, StoredBatch), batch_id)
        now = clock()
        if (stand.waiting_before, stand.province_applied_at) != seen:
            seen, moved_at = (stand.waiting_before, stand.province_applied_at), now
        if now + pause > deadline:
            raise TransientError("Máy chủ tỉnh chưa xử lý xong các gói đã nhận; quầy sẽ hỏi lại ở lần đồng bộ sau.",
                                 code="stored_waiting")
        if now - moved_at >= STALL_SECONDS:
            raise TransientError(STALLED.format(minutes=round(STALL_SECONDS / 60)), code="stored_waiting")
        sleep(pause)
        pause = min(LONGEST_POLL_SECONDS, pause * 2)


Answer = TypeVar("Answer", PushResponse, StoredBatch)


def echoed(answer: Answer, batch_id: str) -> Answer:
    """`answer`, if it names the batch sent (a confused proxy or server answers another: sent again later)."""
    if answer.batch_id != batch_id:
        raise TransientError("Phản hồi không khớp gói đã gửi; sẽ gửi lại.", code="batch_echo")
    return answer
