"""The province's push dictionaries (issue 13, W): trained on its own dossiers, published to every counter.

A counter compresses its packed push batches (sync/packing.py) with zstd and the newest dictionary the
server announces at hello; catalog texts in the dictionary's string table travel as references. Training
uses samples stripped of personal data (dictionary_samples.py). Dictionaries are never deleted: a counter
may compress with an older one for a while, and the frame names which (the zstd dictionary id is the row's
id). The published document (JSON: id, strings, zstd in base64) is what counters download and check by its
SHA-256; rows are immutable, so each server process caches them (several workers stay consistent).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import zstandard
from fastapi import FastAPI, Header, Path, Response
from sqlalchemy import DateTime, Integer, LargeBinary, String, Text, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from sync.bounded import Refused
from sync.packing import CanonicalTexts, PackBounds, pack_ops
from sync.protocol import API_PREFIX, MAX_DICTIONARY_BYTES, DictionaryOffer, ErrorResponse, Limits, PushBatch
from sync.server.auth import authenticate
from sync.server.db import ServerDatabase
from sync.server.errors import ApiError
from sync.server.memory import paused_gc
from sync.server.models import Base, Dossier
from sync.unpacking import packed_strings_id, unpack_ops

log = logging.getLogger(__name__)
MIN_DOSSIERS = 1_000  # fewer than this: too little to learn from (and `serve` does not train)
SAMPLE_DOSSIERS = 5_000  # the newest ones, at most (training 10,000 took minutes on a loaded 2-core machine)
SAMPLE_BATCH = 25  # operations per training sample: a sample is a small packed batch, as a 2G push starts
DICTIONARY_BYTES = 64 * 1024
RETRAIN_AFTER = timedelta(days=90)  # a dictionary younger than this is kept whatever came in since
CHECK_SECONDS = 6 * 3600  # how often a running server looks whether a new dictionary is due
REFRESH_SECONDS = 1.0  # an unknown, newer dictionary id makes a process re-read the table at most this often


class SyncDictionary(Base):
    """A trained dictionary (migration 0016). `content` is the published document."""

    __tablename__ = "sync_dictionary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    strings: Mapped[str] = mapped_column(Text)
    samples: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Published:
    """A dictionary as a counter and the server use it."""

    id: int
    zstd: bytes
    strings: tuple[str, ...]
    sha256: str
    size: int


def document(dictionary_id: int, strings: list[str], zstd_dictionary: bytes) -> bytes:
    return json.dumps({"id": dictionary_id, "strings": strings, "zstd": base64.b64encode(zstd_dictionary).decode("ascii")},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_document(content: bytes) -> Published:
    """The published document's parts (the counter checks the bytes' SHA-256 and size before)."""
    value = json.loads(content)
    strings = value["strings"]
    if not isinstance(value["id"], int) or not isinstance(strings, list) or not all(isinstance(s, str) for s in strings):
        raise ValueError("not a dictionary document")
    return Published(value["id"], base64.b64decode(value["zstd"], validate=True), tuple(strings),
                     hashlib.sha256(content).hexdigest(), len(content))


class DictionaryCache:
    """Every dictionary of the database, by id, read once per process (rows never change)."""

    def __init__(self, db: ServerDatabase) -> None:
        self.db = db
        self._known: dict[int, Published] = {}
        self._read_at = -REFRESH_SECONDS
        self._lock = threading.Lock()

    def get(self, dictionary_id: int) -> Published | None:
        """The dictionary, or None. Only an id above every known one can be new (ids grow, rows stay): the
        table is read again for it, at most once per REFRESH_SECONDS whatever ids a caller makes up."""
        found = self._known.get(dictionary_id)
        if found is not None or dictionary_id <= max(self._known, default=0):
            return found
        # The clock is read under the lock: a request arriving while another reads the table waits for that
        # read rather than being refused (a restarted server's first pushes with a new dictionary got 409).
        with self._lock:
            if dictionary_id not in self._known and time.monotonic() - self._read_at >= REFRESH_SECONDS:
                self._read_at = time.monotonic()
                with self.db.read() as session:
                    rows = session.execute(select(SyncDictionary.id, SyncDictionary.content)
                                           .where(SyncDictionary.id.not_in(list(self._known) or [0]))).all()
                for row_id, content in rows:
                    self._known[row_id] = read_document(content)
            return self._known.get(dictionary_id)

    def zstd(self, dictionary_id: int) -> bytes | None:
        found = self.get(dictionary_id)
        return found.zstd if found else None


def newest_offer(session: Session) -> DictionaryOffer | None:
    row = session.execute(select(SyncDictionary.id, SyncDictionary.sha256, SyncDictionary.size)
                          .order_by(SyncDictionary.id.desc()).limit(1)).first()
    return DictionaryOffer(id=row.id, sha256=row.sha256, size=row.size) if row else None


def build_document(payloads: list[dict[str, Any]], dictionary_id: int, seed: int = 0) -> tuple[bytes, list[str]]:
    """The published document of a dictionary learnt from `payloads` (dossier.create payloads), and its
    string table: samples are small packed batches of those payloads with personal data replaced."""
    # Here, not at the top: the samples bring the demo data's generator, which no process applying or serving
    # pushes needs (an applier process starts faster without it).
    from sync.server.dictionary_samples import anonymised, catalog_strings, chained, sample_op

    rng = random.Random(seed)
    strings = catalog_strings(payloads)
    ops = chained([sample_op(anonymised(p, rng), i + 1, rng) for i, p in enumerate(payloads)])
    step = max(1, min(SAMPLE_BATCH, len(ops) // 100))  # zstd's trainer wants many samples
    samples = [json.dumps(pack_ops(ops[i:i + step], strings, dictionary_id), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8") for i in range(0, len(ops), step)]
    size = min(DICTIONARY_BYTES, max(4_096, sum(map(len, samples)) // 8))
    try:
        trained = zstandard.train_dictionary(size, samples, dict_id=dictionary_id, level=19)
    except zstandard.ZstdError as error:
        raise DomainError(f"Không học được từ điển nén từ {len(payloads)} hồ sơ ({error}); hãy thử lại khi có thêm hồ sơ.") from None
    return document(dictionary_id, strings, trained.as_bytes()), strings


def train(db: ServerDatabase, now: datetime, *, min_dossiers: int = MIN_DOSSIERS, seed: int = 0) -> SyncDictionary:
    """Trains a new dictionary on the newest dossiers the server holds (personal data replaced) and stores it."""
    with db.read() as session:
        payloads = [data for (data,) in session.execute(
            select(Dossier.data).order_by(Dossier.received_at.desc()).limit(SAMPLE_DOSSIERS)) if isinstance(data, dict)]
    if len(payloads) < min_dossiers:
        raise DomainError(f"Máy chủ mới có {len(payloads)} hồ sơ; cần ít nhất {min_dossiers} hồ sơ để học từ điển nén.")
    with db.read() as session:
        next_id = (session.scalar(select(func.max(SyncDictionary.id))) or 0) + 1
    content, strings = build_document(payloads, next_id, seed)
    if len(content) > MAX_DICTIONARY_BYTES:
        raise DomainError("Từ điển nén lớn quá mức cho phép; hãy báo cho người phát triển.")
    row = SyncDictionary(id=next_id, created_at=now, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                         content=content, strings=json.dumps(strings, ensure_ascii=False), samples=len(payloads))
    try:
        with db.session() as session:
            session.add(row)
    except IntegrityError:
        raise DomainError("Một máy chủ khác vừa học từ điển nén cùng lúc; hãy xem danh sách rồi thử lại nếu cần.") from None
    log.info("Đã học từ điển nén số %s từ %s hồ sơ (%s byte, %s chuỗi danh mục)", next_id, len(payloads), len(content),
             len(strings))
    return row


def listing(db: ServerDatabase) -> list[dict[str, Any]]:
    with db.read() as session:
        rows = session.execute(select(SyncDictionary.id, SyncDictionary.created_at, SyncDictionary.sha256,
                                      SyncDictionary.size, SyncDictionary.samples).order_by(SyncDictionary.id)).all()
    return [{"id": r.id, "created_at": r.created_at.isoformat(), "sha256": r.sha256, "size": r.size, "samples": r.samples}
            for r in rows]


def train_if_due(db: ServerDatabase, now: datetime, *, min_dossiers: int = MIN_DOSSIERS) -> SyncDictionary | None:
    """The first dictionary once the server holds `min_dossiers` dossiers; then a new one when the newest is
    older than RETRAIN_AFTER and as many dossiers came in or changed since (the province's catalog and its
    clerks' habits drift; every counter fetches a new dictionary once, so not more often). None: not due."""
    with db.read() as session:
        newest = session.scalar(select(SyncDictionary.created_at).order_by(SyncDictionary.id.desc()).limit(1))
        counted = select(func.count()).select_from(Dossier)
        if newest is not None:
            newest = newest if newest.tzinfo is not None else newest.replace(tzinfo=UTC)  # SQLite keeps no offset
            if now - newest < RETRAIN_AFTER:
                return None
            counted = counted.where(Dossier.updated_at > newest)
        fresh = session.scalar(counted) or 0
    if fresh < min_dossiers:
        return None
    try:
        return train(db, now, min_dossiers=min_dossiers)
    except DomainError as error:
        log.warning("Chưa học được từ điển nén: %s", error)
        return None


def keep_trained(db: ServerDatabase, clock: Callable[[], datetime], stop: threading.Event) -> None:
    """`serve`'s background thread: `train_if_due` at start (a restarted server answers its counters at once,
    they send zstd without a dictionary meanwhile) and every CHECK_SECONDS after, until `stop` is set."""
    while True:
        try:
            train_if_due(db, clock())
        except SQLAlchemyError as error:  # the database away for a moment: the next check tries again
            log.warning("Không kiểm tra được từ điển nén: %s", error)
        if stop.wait(CHECK_SECONDS):
            return


def unpacked(batch: PushBatch, limits: Limits, cache: DictionaryCache, texts: CanonicalTexts | None = None) -> PushBatch:
    """`batch` with its packed operations in `ops` (a batch without `packed` is returned as it is); `texts` keeps
    the payloads' canonical JSON written on the way, for `handle_push`."""
    if batch.packed is None:
        return batch
    try:
        strings_id = packed_strings_id(batch.packed)
        strings: tuple[str, ...] = ()
        if strings_id:
            found = cache.get(strings_id)
            if found is None:
                raise ApiError(409, "unknown_dictionary", f"Máy chủ không có bảng chuỗi số {strings_id}; quầy gửi lại ngay "
                                                          "bằng gzip và tải từ điển mới ở lần đồng bộ sau (dữ liệu "
                                                          "vẫn được giữ ở quầy).")
            strings = found.strings
        bounds = PackBounds(max_ops=limits.max_ops_per_batch, max_leaves=limits.max_json_values,
                            max_depth=limits.max_json_depth)
        with paused_gc():  # hundreds of thousands of objects made, all kept (sync/server/memory.py)
            ops = unpack_ops(batch.packed, bounds, strings, texts)
    except Refused as refused:
        raise ApiError(400, refused.code, refused.message) from None
    return batch.model_copy(update={"ops": ops, "packed": None})


def install_dictionary_routes(app: FastAPI, db: ServerDatabase) -> None:
    """GET /api/v1/sync/dictionaries/{id}: the published document (device token)."""

    errors = {status: {"model": ErrorResponse} for status in (401, 403, 404, 422, 429)}

    @app.get(f"{API_PREFIX}/sync/dictionaries/{{dictionary_id}}", responses=errors)
    def get_dictionary(dictionary_id: Annotated[int, Path(ge=1, lt=2**31)],
                       authorization: Annotated[str | None, Header()] = None) -> Response:
        with db.session() as session:
            authenticate(session, authorization, utc_now())
            content = session.scalar(select(SyncDictionary.content).where(SyncDictionary.id == dictionary_id))
        if content is None:
            raise ApiError(404, "unknown_dictionary", f"Máy chủ không có từ điển nén số {dictionary_id}.")
        return Response(content=content, media_type="application/json")
