"""Stored pushes (issue 13): a counter on a good link hands the province its backlog batch after batch, each one
stored as it came and answered 202 at once, and the server applies them in the background and keeps each
batch's answer for the counter to fetch.

The model is DHIS2's tracker importer (docs/sync.md, "Stored pushes"): a job stored, its report fetched later.
A stored batch is a promise of the province, not yet an answer: the counter keeps its operations in flight
until it has read the answer, which is exactly what `POST /sync/push` would have answered (per operation,
through `prepared_push` and `applied_push`, the one path from a batch to its answer). So nothing about exactly-once changes: a
batch stored twice is kept once (its id is unique per device), and an operation sent again after its answer
was lost is answered from the ledger.

- Every byte is untrusted: the guard holds the stored body to the push's bounds (raw size, inflated size and
  ratio, known encoding) before it is stored, and applying it bounds it again (JSON shape, the protocol's
  models, the packed form). Whatever is wrong with one batch becomes that batch's answer (its HTTP status and
  error), never a queue that stops: the device's next batch is applied after it.
- Order: a device's batches are applied one at a time in the order they were stored. The claim takes the
  oldest waiting batch of any device whose earlier batches are all answered, locked with SKIP LOCKED on
  PostgreSQL, so several workers share the work and never apply one batch twice; applying it locks the
  device's epoch row as a synchronous push does.
- A batch answered with an error as a whole (its operations not applied) answers the device's later waiting
  batches 409 `stored_after_failure` unapplied: the counter sends them all again in order, after the failed
  one, split until the operation at fault is alone (as for a failed push). And a synchronous push of a device
  with stored batches waiting is refused 503 until they are applied: nothing overtakes a stored batch.
- A batch whose applying fails for want of the database (the connection lost, a restart) is not answered: it
  is applied again later, from its stored body. But the same batch failing so again and again while its answer
  can be written (a statement timeout the batch always exceeds; on SQLite, whose OperationalError also means a
  malformed value) is this batch's fault: after GIVE_UP_AFTER tries in a row it is answered 500 like a batch that
  meets a bug, so the other counters' batches behind it are applied.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from sync import bounded
from sync.packing import CanonicalTexts
from sync.protocol import Limits, PushBatch, PushResponse
from sync.server.db import DATABASE_AWAY, ServerDatabase
from sync.server.dictionaries import DictionaryCache, unpacked
from sync.server.errors import ApiError
from sync.server.guard_body import STATUS_FOR, json_bounds
from sync.server.http_errors import SERVER_ERROR, error_response
from sync.server.ingest import handle_push
from sync.server.models import Device, StoredPush
from sync.wire import compacted

log = logging.getLogger(__name__)
# Batches of one device stored and not yet answered: past this the store answers 503 (the counter pushes the
# rest later). A bound on the disk one device can fill; a soft one (two requests may both see 63 and store).
MAX_WAITING_PER_DEVICE = 64
# The answers a store's 202 carries (`answered_from`): a handful, small (compact answers are a few hundred bytes;
# one listing many refused operations can be large, and is then carried alone or left to be asked for).
MAX_CARRIED_ANSWERS = 16
MAX_CARRIED_BYTES = 256_000
KEEP_ANSWERS = timedelta(days=7)  # an answer not fetched in a week: the counter sends its operations again
POLL_SECONDS = 0.5  # how often a worker looks for batches stored through another worker
PRUNE_EVERY = timedelta(minutes=10)
APPLIER_THREAD = "stored-push-applier"  # its statements are its own, not a request's (tests/sync/test_request_cost.py)
STORE_BUSY = "Máy chủ tỉnh đang xử lý các gói trước của quầy; quầy sẽ gửi tiếp sau."
AFTER_FAILURE = "Một gói trước của quầy không xử lý được; gói này chưa được xử lý, quầy gửi lại theo thứ tự."
STILL_WAITING = "Máy chủ tỉnh còn đang xử lý các gói quầy đã gửi trước; quầy sẽ gửi tiếp khi xong."
GIVE_UP_AFTER = 3  # tries in a row of one batch failing "for want of the database"


class Background(Protocol):
    """What applies a web process's stored batches: its own `Applier` thread, the applier processes it owns
    (`applier_process.ApplierProcesses`), or those of the process above it (`applier_process.WakeAppliers`).
    Started and stopped with the app (`inbox_routes.applying`), woken at each store."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def wake(self) -> None: ...


# A stored batch ready to apply (the batch and its payloads' canonical texts), or the answer refusing it.
Ready = tuple[PushBatch, CanonicalTexts] | tuple[int, bytes]


@dataclass(frozen=True)
class Stored:
    """Where a stored batch stands: `status` and `answer` once applied (else None)."""

    batch_id: str
    waiting_before: int  # the device's batches stored before it and not answered yet
    status: int | None = None
    answer: bytes | None = None
    province_applied_at: datetime | None = None  # the latest answer of any device's batch (waiting ones only)


def prepared_push(batch: PushBatch, limits: Limits, dictionaries: DictionaryCache) -> tuple[PushBatch, CanonicalTexts]:
    """A push batch ready to apply: unpacked and bounded (before the transaction that applies it, when it can),
    with the payloads' canonical JSON written on the way (unpack, hash, audit write it once)."""
    texts = CanonicalTexts()
    batch = unpacked(batch, limits, dictionaries, texts)
    if len(batch.ops) > limits.max_ops_per_batch:
        raise ApiError(413, "too_many_ops", f"Mỗi gói tối đa {limits.max_ops_per_batch} thao tác.")
    return batch, texts


def applied_push(session: Session, device: Device, batch: PushBatch, texts: CanonicalTexts, now: datetime) -> PushResponse:
    """What a prepared batch is answered, pushed or stored: applied (handle_push), compacted if asked."""
    response = handle_push(session, device, batch, now, texts)
    return compacted(response) if batch.compact_results else response


def store(session: Session, device: Device, batch_id: str, content_encoding: str, body: bytes, now: datetime) -> Stored:
    """Keep `body` (already held to the push's bounds by the guard) as the device's batch `batch_id`. Storing a
    batch again is answered as the first time (its answer too, if it has one)."""
    mine = select(StoredPush).where(StoredPush.device_id == device.id, StoredPush.batch_id == batch_id)
    known = session.scalar(mine)
    if known is None:
        if _waiting(session, device.id) >= MAX_WAITING_PER_DEVICE:
            raise ApiError(503, "server_busy", STORE_BUSY, {"Retry-After": "5"})
        try:
            with session.begin_nested():  # the same batch stored at the same moment by a retry: kept once
                known = StoredPush(device_id=device.id, batch_id=batch_id, content_encoding=content_encoding,
                                   body=body, stored_at=now)
                session.add(known)
        except IntegrityError:
            known = session.scalar(mine)
            assert known is not None
    return _stand(session, known)


def stored(session: Session, device: Device, batch_id: str) -> Stored | None:
    """Where the device's stored batch `batch_id` stands; None if it was never stored (or its answer is gone)."""
    row = session.scalar(select(StoredPush).where(StoredPush.device_id == device.id, StoredPush.batch_id == batch_id))
    return None if row is None else _stand(session, row)


def _stand(session: Session, row: StoredPush) -> Stored:
    if row.answered_at is not None:
        return Stored(row.batch_id, 0, row.status, row.answer)
    return Stored(row.batch_id, _waiting(session, row.device_id, before=row.id),
                  province_applied_at=session.scalar(select(func.max(StoredPush.answered_at))))


def answered_from(session: Session, device: Device, batch_id: str) -> list[bytes]:
    """The answers of the device's stored batches from `batch_id` on, in the order stored, as far as each was
    applied whole (200), within MAX_CARRIED_ANSWERS and MAX_CARRIED_BYTES: what a store's 202 carries to a
    counter storing its backlog, which would otherwise ask for each answer in turn. Any other answer (a refusal,
    409 after one) stops the list: the counter asks for it and handles it as it handles every refusal."""
    first = session.scalar(select(StoredPush.id).where(StoredPush.device_id == device.id,
                                                       StoredPush.batch_id == batch_id))
    if first is None:
        return []
    rows = session.execute(select(StoredPush.status, StoredPush.answer)
                           .where(StoredPush.device_id == device.id, StoredPush.id >= first)
                           .order_by(StoredPush.id).limit(MAX_CARRIED_ANSWERS))
    carried: list[bytes] = []
    size = 0
    for status, answer in rows:
        size += len(answer or b"")
        if status != 200 or not answer or (carried and size > MAX_CARRIED_BYTES):
            break
        carried.append(answer)
    return carried


def refuse_while_waiting(session: Session, device: Device) -> None:
    """A push of a device whose stored batches are not all applied waits (503): its operations would overtake
    theirs (a dossier's step before its creation)."""
    if session.scalar(select(exists().where(StoredPush.device_id == device.id, StoredPush.answered_at.is_(None)))):
        raise ApiError(503, "stored_waiting", STILL_WAITING, {"Retry-After": "2"})


def _waiting(session: Session, device_id: str, before: int | None = None) -> int:
    query = select(func.count()).select_from(StoredPush).where(StoredPush.device_id == device_id,
                                                                StoredPush.answered_at.is_(None))
    if before is not None:
        query = query.where(StoredPush.id < before)
    return session.scalar(query) or 0


class Applier:
    """Applies stored batches (`apply_next`), in the background of a server process (`start`, `stop`, `wake`)."""

    def __init__(self, db: ServerDatabase, limits: Limits, dictionaries: DictionaryCache,
                 clock: Callable[[], datetime]) -> None:
        self.db = db
        self.limits = limits
        self.dictionaries = dictionaries
        self.clock = clock
        self.bounds = json_bounds(limits)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at: datetime | None = None
        self._failed_tries: dict[int, int] = {}  # stored batch id → tries in a row failed "for want of the database"

    def apply_next(self) -> bool:
        """Apply the oldest batch that may go next and record its answer; False when none is waiting.

        On SQLite (one writer at a time) the batch is read, inflated, parsed and checked before the write lock is
        taken, so a store waits only for the applying itself; on PostgreSQL the row is claimed first (SKIP
        LOCKED), so two workers never do that work twice."""
        now = self.clock()
        early: tuple[int, Ready] | None = None
        if self.db.engine.dialect.name == "sqlite":
            with self.db.read() as session:
                waiting = session.scalar(_next_claim())
                if waiting is None:
                    return False
                early = (waiting.id, self._ready(waiting))
        with self.db.session() as session:
            row = session.scalar(_next_claim(only=None if early is None else early[0]))
            if row is None:
                return early is not None  # taken meanwhile: look again
            row_id, device_id, batch_id = row.id, row.device_id, row.batch_id
            try:
                status, answer = self._answer(session, row, now, self._ready(row) if early is None else early[1])
            except DATABASE_AWAY as error:
                if not self._gives_up(row_id, error):
                    raise  # the batch waits and is tried again
                status, answer = 500, _error("server_error", SERVER_ERROR)
            self._failed_tries.pop(row_id, None)
            session.execute(update(StoredPush).where(StoredPush.id == row_id)
                            .values(answered_at=now, status=status, answer=answer, body=b""))
            if status != 200:  # the counter resends from this batch on, in order: the later ones are not applied
                session.execute(update(StoredPush).where(StoredPush.device_id == device_id, StoredPush.id > row_id,
                                                         StoredPush.answered_at.is_(None))
                                .values(answered_at=now, status=409, answer=_error("stored_after_failure", AFTER_FAILURE),
                                        body=b""))
        log.debug("Gói lưu %s của quầy %s: trả lời %s", batch_id, device_id, status)
        return True

    def _gives_up(self, row_id: int, error: Exception) -> bool:
        """Whether the batch `row_id`, whose applying just failed with `error` (its savepoint rolled back), is to be
        answered rather than tried again: when it has failed so GIVE_UP_AFTER times in a row. Its answer is written
        in the same transaction, so a database that is really away never gets a batch answered."""
        tries = self._failed_tries.get(row_id, 0) + 1
        self._failed_tries[row_id] = tries
        if tries < GIVE_UP_AFTER:
            return False
        log.error("Gói lưu %s lỗi %s %d lần liền: trả lời lỗi máy chủ để các gói sau được xử lý",
                  row_id, type(error).__name__, tries)
        return True

    def _ready(self, row: StoredPush) -> Ready:
        """The stored batch inflated, parsed, checked and unpacked, or the answer that refuses it."""
        try:
            return prepared_push(self._batch(row), self.limits, self.dictionaries)
        except Exception as error:
            return _refusal(error, row.batch_id)

    def _answer(self, session: Session, row: StoredPush, now: datetime, ready: Ready) -> tuple[int, bytes]:
        """The batch's answer: 200 and the push's answer, or the error the push endpoint would have sent. A
        failure for want of the database propagates (the batch stays waiting)."""
        device = session.get(Device, row.device_id)
        if device is None or device.revoked:
            return 403, _error("device_revoked", "Quầy này đã bị thu hồi quyền đồng bộ; hãy liên hệ giám sát viên.")
        if isinstance(ready[0], int):
            return ready  # type: ignore[return-value]
        batch, texts = ready
        try:
            with session.begin_nested():  # what a failed batch wrote is undone; the claim's lock is kept
                response = applied_push(session, device, batch, texts, now)  # type: ignore[arg-type]
            return 200, response.model_dump_json().encode()
        except DATABASE_AWAY:
            raise  # the database is away: the batch waits
        except Exception as error:
            return _refusal(error, row.batch_id)

    def _batch(self, row: StoredPush) -> PushBatch:
        """The stored body, inflated and parsed within the push's bounds; its batch id must be the one stored."""
        inflater = bounded.Inflater(row.content_encoding, self.limits.max_inflated_bytes, self.limits.max_inflate_ratio,
                                    self.dictionaries.zstd)
        body = inflater.feed(row.body) + inflater.finish()
        batch = PushBatch.model_validate(bounded.parse_json(body, self.bounds))
        if batch.batch_id != row.batch_id:
            raise ApiError(400, "batch_id_mismatch", "Mã gói trong dữ liệu khác mã gói khi lưu; quầy sẽ gửi lại.")
        return batch

    def prune(self) -> int:
        """Forget answers older than KEEP_ANSWERS (the counter has long read them, or will send again)."""
        with self.db.session() as session:
            result = session.execute(delete(StoredPush).where(StoredPush.answered_at < self.clock() - KEEP_ANSWERS))
            return result.rowcount or 0  # type: ignore[attr-defined]

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=APPLIER_THREAD, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set() and self.apply_next():
                    pass
                if self._pruned_at is None or self.clock() - self._pruned_at >= PRUNE_EVERY:
                    self._pruned_at = self.clock()
                    self.prune()
            except DATABASE_AWAY as error:  # the database is away: try again after a pause
                log.warning("Chưa xử lý được gói đã lưu (%s); thử lại sau", type(error).__name__)
                self._stop.wait(5)
            except Exception as error:  # never the end of the thread: the batch is still waiting, tried again later
                log.error("Lỗi khi xử lý gói đã lưu (%s); thử lại sau", type(error).__name__)
                self._stop.wait(5)
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()


def _next_claim(only: int | None = None) -> Select[tuple[StoredPush]]:
    """The oldest waiting batch (or batch `only`, if it still waits) whose device has no older one waiting,
    locked (skipped if another worker holds it)."""
    older = aliased(StoredPush)
    earlier_waiting = exists().where(older.device_id == StoredPush.device_id, older.answered_at.is_(None),
                                     older.id < StoredPush.id)
    query = select(StoredPush).where(StoredPush.answered_at.is_(None), ~earlier_waiting)
    if only is not None:
        query = query.where(StoredPush.id == only)
    return query.order_by(StoredPush.id).limit(1).with_for_update(skip_locked=True, of=StoredPush)


def _refusal(error: Exception, batch_id: str) -> tuple[int, bytes]:
    """What the push endpoint would have answered a batch that failed with `error`: its refusal, or 500 for a
    bug (logged; the device's next batch goes on)."""
    if isinstance(error, ApiError):
        return error.status, _error(error.code, error.message)
    if isinstance(error, bounded.Refused):
        return STATUS_FOR.get(error.code, 400), _error(error.code, error.message)
    if isinstance(error, ValidationError):
        return 422, _error("invalid_request", "Yêu cầu không đúng định dạng giao thức (gói đã lưu).")
    log.error("Lỗi máy chủ %s khi xử lý gói lưu %s", type(error).__name__, batch_id)
    return 500, _error("server_error", SERVER_ERROR)


def _error(code: str, message: str) -> bytes:
    """The project's error body (http_errors.error_response), kept as the stored answer."""
    return bytes(error_response(0, code, message).body)
