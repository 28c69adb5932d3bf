"""How a push batch travels (issue 13, W): the counter packs its operations, compresses them, and the server
undoes both, bounded, before anything else reads them.

- `pack_ops(ops, strings, strings_id)` turns the list of wire operations (dicts as `sync.client.outgoing`
  builds them, each with its `audit` envelope) into the batch's `packed` form (sync/packing.py: columnar,
  what the server derives left out, catalog texts by reference into the dictionary's string table).
  `unpack_ops` gives back exactly the v1 list, or raises `bounded.Refused("bad_packed")`.
- `PushCodec` is what the counter and the server agreed on at hello: zstd with the province's trained
  dictionary (its string table too), or gzip (an older server, no dictionary yet). `encode_body(document,
  codec)` gives the bytes and headers to POST; the server's guard inflates them with `sync.bounded.Inflater`.
- `results_of(response, sent)` (sent: seq -> op_id of the batch's operations) expands a compact
  `PushResponse` (plain acceptances as seq ranges, the other results listed) into one `OpResult` per
  operation answered; `compacted(response)` is the server's side of it.

A v1 server never sees any of it: the counter packs and uses zstd only when hello's capabilities include
"zstd-push" (and gzip, full results, plain `ops` otherwise).
"""

from __future__ import annotations

import bisect
import gzip
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import zstandard

from sync.packing import PackBounds, pack_ops
from sync.protocol import OpResult, OpStatus, PushResponse
from sync.unpacking import unpack_ops

__all__ = ["EncodedBody", "PackBounds", "PushCodec", "compacted", "encode_body", "pack_ops", "results_of", "unpack_ops"]
# zstd levels: 19 for a slow link (CPU is cheap next to the seconds each kilobyte costs on 2G), 3 where the
# link is fast and the CPU is the limit (loopback, LAN). The counter picks per batch (`PushCodec.level`).
SLOW_LINK_LEVEL = 19
FAST_LINK_LEVEL = 3


@dataclass(frozen=True)
class PushCodec:
    """The body encoding agreed at hello: "gzip", or "zstd" with the dictionary `dictionary_id` (bytes kept
    in `dictionary`, its string table in `strings`). `packed`: the server takes the columnar form."""

    name: str = "gzip"
    dictionary_id: int = 0
    dictionary: bytes = b""
    strings: tuple[str, ...] = ()
    packed: bool = False
    level: int = SLOW_LINK_LEVEL

    def pack(self, ops: list[dict[str, Any]], texts: Sequence[str | None] = ()) -> Any:
        """What goes in the batch: the packed form when the server takes it (then `ops` is sent empty);
        `texts`: the payloads' canonical JSON where known (`pack_ops`)."""
        return pack_ops(ops, self.strings, self.dictionary_id, texts=texts) if self.packed else None


@dataclass
class EncodedBody:
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)
    raw_size: int = 0  # bytes before compression (the benchmark's "compressed payload" ratio uses both)


_compressors: dict[tuple[int, bytes, int, int], zstandard.ZstdCompressor] = {}


def _zstd(codec: PushCodec) -> zstandard.ZstdCompressor:
    """A compressor per (dictionary, level), kept: loading a dictionary costs more than a small batch."""
    key = (codec.dictionary_id, codec.dictionary, codec.level, threading.get_ident())  # not shareable by threads
    found = _compressors.get(key)
    if found is None:
        data = zstandard.ZstdCompressionDict(codec.dictionary) if codec.dictionary else None
        found = zstandard.ZstdCompressor(level=codec.level, dict_data=data, write_content_size=True)
        if len(_compressors) >= 8:
            _compressors.clear()
        _compressors[key] = found
    return found


def encode_body(document: dict[str, Any], codec: PushCodec) -> EncodedBody:
    """The request body for `document` (a PushBatch as JSON-ready dict) under `codec`."""
    return _compressed(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), codec)


def _compressed(raw: bytes, codec: PushCodec) -> EncodedBody:
    if codec.name == "zstd":
        return EncodedBody(_zstd(codec).compress(raw), {"Content-Type": "application/json", "Content-Encoding": "zstd"},
                           len(raw))
    return EncodedBody(gzip.compress(raw, compresslevel=6),
                       {"Content-Type": "application/json", "Content-Encoding": "gzip"}, len(raw))


def spliced_op(op: dict[str, Any], payload_text: str | None) -> str:
    """`op` as JSON with its payload written as `payload_text`, the canonical JSON the outbox stored and the
    counter checked (sync.client.outgoing): joined in, not written again."""
    if payload_text is None:
        return json.dumps(op, ensure_ascii=False, separators=(",", ":"))
    envelope = json.dumps({key: value for key, value in op.items() if key != "payload"}, ensure_ascii=False,
                          separators=(",", ":"))
    return f'{envelope[:-1]},"payload":{payload_text}}}'


def encode_spliced(document: dict[str, Any], op_texts: Sequence[str], codec: PushCodec) -> EncodedBody:
    """`encode_body` of `document` with `ops` the operations already written as JSON (`op_texts`), joined in.
    The plain form (no packing): for a stored batch on a fast link, where the counter's CPU is what counts."""
    head = json.dumps({key: value for key, value in document.items() if key != "ops"}, ensure_ascii=False,
                      separators=(",", ":"))
    return _compressed(f'{head[:-1]},"ops":[{",".join(op_texts)}]}}'.encode(), codec)


def _plain(result: OpResult) -> bool:
    return result.status is OpStatus.ACCEPTED and not result.code and not result.message


def compacted(response: PushResponse) -> PushResponse:
    """The server's answer with plain acceptances as [first seq, last seq, server_version] ranges."""
    ranges: list[tuple[int, int, int | None]] = []
    others: list[OpResult] = []
    for result in sorted(response.results, key=lambda r: r.seq):
        if not _plain(result):
            others.append(result)
        elif ranges and ranges[-1][1] == result.seq - 1 and ranges[-1][2] == result.server_version:
            ranges[-1] = (ranges[-1][0], result.seq, result.server_version)
        else:
            ranges.append((result.seq, result.seq, result.server_version))
    return response.model_copy(update={"results": others, "accepted": ranges})


def results_of(response: PushResponse, sent: dict[int, str]) -> list[OpResult]:
    """One result per operation the response answers: the listed ones, and one per sent seq inside an
    `accepted` range (never more than were sent, whatever the ranges claim)."""
    results = list(response.results)
    if response.accepted:
        ranges = sorted(response.accepted)
        starts = [first for first, _, _ in ranges]
        listed = {r.seq for r in results}
        for seq in sorted(sent):
            at = bisect.bisect_right(starts, seq) - 1
            if at >= 0 and ranges[at][0] <= seq <= ranges[at][1] and seq not in listed:
                results.append(OpResult(op_id=sent[seq], seq=seq, status=OpStatus.ACCEPTED,
                                        server_version=ranges[at][2]))
    return results
