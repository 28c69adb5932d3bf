"""The push codec a counter uses (issue 13): zstd with the province's dictionary when the server offers one
and the counter holds it (downloaded once, checked by its SHA-256, kept in the data folder), else gzip.

CONTRACT (part W owns this module; part C calls `codec_for` once per sync run, after hello).
"""

from __future__ import annotations

from pathlib import Path

from sync.client.transport import Transport
from sync.protocol import HelloResponse
from sync.wire import PushCodec


def codec_for(hello: HelloResponse, transport: Transport, data_dir: Path) -> PushCodec:
    """STUB (part W): the codec for this run's pushes. v1: gzip."""
    return PushCodec()
