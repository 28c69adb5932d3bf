"""GET /api/v1/releases/{sha256}: a published counter release, to enrolled devices, by HTTP Range."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Header, Response

from counter_app.services.clock import utc_now
from sync.protocol import API_PREFIX
from sync.server.auth import authenticate
from sync.server.blobs import check_sha256
from sync.server.db import ServerDatabase
from sync.server.releases import read_range


def install_release_routes(app: FastAPI, db: ServerDatabase) -> None:
    @app.get(f"{API_PREFIX}/releases/{{sha256}}")
    def release_bytes(sha256: str, range: Annotated[str | None, Header(max_length=100)] = None,
                      authorization: Annotated[str | None, Header()] = None) -> Response:
        check_sha256(sha256)
        with db.session() as s:
            authenticate(s, authorization, utc_now())
            part = read_range(s, sha256, range)
        # Always a 206 with its Content-Range: the counter appends exactly the bytes it was told it got.
        return Response(content=part.data, status_code=206, media_type="application/octet-stream",
                        headers={"Content-Range": f"bytes {part.start}-{part.end}/{part.size}",
                                 "Content-Encoding": "identity", "Accept-Ranges": "bytes"})
