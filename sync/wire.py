"""How a push batch travels (issue 13): the counter packs its operations, compresses them, and the server
undoes both, bounded, before anything else reads them.

CONTRACT (issue 13, owned by part W; parts C, S and M call only these names):

- `pack_ops(ops)` turns the list of wire operations (dicts as `sync.client.outgoing` builds them, each with its
  `audit` envelope) into the batch's `packed` form: lossless for everything the server cannot derive, with
  what it can derive left out (payload hashes, audit `prev_hash`/`hash` but the batch's last, catalog texts
  by reference). `unpack_ops(packed, ...)` gives back the list of operation dicts exactly as v1 sends them
  (`PushBatch.ops`), or raises `bounded.Refused` on anything malformed, oversized or too deep.
- `PushCodec` is what the counter and this server agreed on at hello: zstd with the province's trained
  dictionary, or gzip (an older server, no dictionary yet). `encode_body(document, codec)` gives the bytes
  and headers to POST; the server's guard inflates them with `sync.bounded.Inflater`.
- `results_of(response, sent)` (sent: seq -> op_id of the batch's operations) expands a compact `PushResponse` (accepted seqs as ranges, the
  other results listed) into one `OpResult` per operation answered.

The stub below is v1 behaviour (JSON, gzip, no packing) so that every part can build on the names today.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import Any

from sync.protocol import OpResult, PushResponse


@dataclass(frozen=True)
class PushCodec:
    """The body encoding agreed at hello: "gzip", or "zstd" with the dictionary `dictionary_id` (bytes kept
    in `dictionary`)."""

    name: str = "gzip"
    dictionary_id: int = 0
    dictionary: bytes = b""


@dataclass
class EncodedBody:
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)
    raw_size: int = 0  # bytes before compression (the benchmark's "compressed payload" ratio uses both)


def pack_ops(ops: list[dict[str, Any]]) -> Any:
    """STUB (part W): the packed form of `ops`. v1: the list itself."""
    return ops


def unpack_ops(packed: Any) -> list[Any]:
    """STUB (part W): `ops` back from `pack_ops`'s form. v1: the list itself."""
    return list(packed) if isinstance(packed, list) else []


def encode_body(document: dict[str, Any], codec: PushCodec) -> EncodedBody:
    """STUB (part W): the request body for `document` (a PushBatch as JSON-ready dict) under `codec`."""
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return EncodedBody(gzip.compress(raw, compresslevel=6),
                       {"Content-Type": "application/json", "Content-Encoding": "gzip"}, len(raw))


def results_of(response: PushResponse, sent: dict[int, str]) -> list[OpResult]:
    """STUB (part W): one result per operation the response answers. v1: the listed results."""
    return list(response.results)
