"""The push codec a counter uses (issue 13, W): zstd with the province's dictionary when the server offers
one and the counter holds it (downloaded once, checked by its size and SHA-256, kept in the data folder),
zstd without a dictionary while it cannot be had, gzip against a server without "zstd-push".

The pusher calls `codec_for` once per sync run, after hello. A push answered `unknown_dictionary` (409:
the server no longer has it, e.g. a database restored from an older backup), `bad_zstd` or `bad_packed`
goes on as v1 gzip for the rest of the run (sync/client/push.py); the next run's hello names the current
dictionary, which is fetched then (the cached file is named by id and SHA-256, and one is kept).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
from pathlib import Path

from counter_app.storage.atomic_file import write_atomically
from counter_app.storage.private_files import make_private_dir
from sync import bounded
from sync.client.transport import SyncError, Transport
from sync.protocol import MAX_DICTIONARY_BYTES, Capability, DictionaryOffer, HelloResponse
from sync.wire import PushCodec

log = logging.getLogger(__name__)
FOLDER = "sync-dictionary"
_DOCUMENT_BOUNDS = bounded.JsonBounds(max_bytes=MAX_DICTIONARY_BYTES, max_depth=3, max_items=100_000,
                                      max_values=100_010)


def codec_for(hello: HelloResponse, transport: Transport, data_dir: Path) -> PushCodec:
    """The codec for this run's pushes (never raises: a dictionary that cannot be had means zstd without one)."""
    if Capability.ZSTD_PUSH.value not in hello.capabilities:
        return PushCodec()
    offer = hello.dictionary
    if offer is None:
        return PushCodec(name="zstd", packed=True)
    content = _cached(offer, data_dir) or _download(offer, transport, data_dir)
    codec = _codec_from(offer, content) if content else None
    return codec or PushCodec(name="zstd", packed=True)


def forget(data_dir: Path) -> None:
    """Drops every cached dictionary (the server said it does not know the one in use)."""
    folder = Path(data_dir) / FOLDER
    for path in folder.glob("*.json") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            path.unlink()


def _path(offer: DictionaryOffer, data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER / f"{offer.id}-{offer.sha256[:16]}.json"


def _matches(content: bytes, offer: DictionaryOffer) -> bool:
    return len(content) == offer.size and hashlib.sha256(content).hexdigest() == offer.sha256


def _cached(offer: DictionaryOffer, data_dir: Path) -> bytes | None:
    path = _path(offer, data_dir)
    try:
        content = path.read_bytes() if path.stat().st_size == offer.size else b""
    except OSError:
        return None
    return content if _matches(content, offer) else None


def _download(offer: DictionaryOffer, transport: Transport, data_dir: Path) -> bytes | None:
    try:
        response = transport.request("GET", f"/sync/dictionaries/{offer.id}")
    except SyncError as error:
        log.info("Chưa tải được từ điển nén số %s: %s", offer.id, error)
        return None
    content = response.content
    if response.status_code != 200 or not _matches(content, offer):
        log.warning("Từ điển nén số %s tải về không khớp (HTTP %s, %s byte); tạm nén không dùng từ điển",
                    offer.id, response.status_code, len(content))
        return None
    forget(data_dir)  # one dictionary kept: the newest
    try:
        make_private_dir(Path(data_dir) / FOLDER)
        write_atomically(_path(offer, data_dir), lambda tmp: tmp.write_bytes(content))
    except OSError as error:
        log.warning("Không lưu được từ điển nén vào thư mục dữ liệu: %s", error)
    return content


def _codec_from(offer: DictionaryOffer, content: bytes) -> PushCodec | None:
    """The codec in a checked document; None when its inside is not what it should be."""
    try:
        value = bounded.parse_json(content, _DOCUMENT_BOUNDS)
        strings = value["strings"]
        zstd = base64.b64decode(value["zstd"], validate=True)
        if value["id"] != offer.id or not isinstance(strings, list) or not all(isinstance(s, str) for s in strings):
            return None
    except (bounded.Refused, KeyError, TypeError, ValueError, json.JSONDecodeError):
        return None
    return PushCodec(name="zstd", dictionary_id=offer.id, dictionary=zstd, strings=tuple(strings), packed=True)
