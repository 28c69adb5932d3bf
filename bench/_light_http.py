"""A small keep-alive HTTP/1.1 client for bench/sync_load.py: 500 simulated counters on asyncio streams.

Why not httpx: the load generator shares the machine's two cores with the server it measures, and httpx's
AsyncClient spent several milliseconds of CPU per request there (the first 500-counter run: 55 s of the
generator's CPU for 10 minutes). This client does only what a counter's requests do: one connection,
requests one after another, Content-Length bodies (chunked answers too), gzip answers, and reuse of the
connection while it is open, as `requests` (the counter's library) does. Not a benchmark itself.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass


class TransportFailure(Exception):
    """The request got no answer; `kind` names why in the benchmark's error counts."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass
class Answer:
    status: int
    body: bytes


class LightClient:
    """One counter's connection to the server (host, port), with headers sent on every request."""

    def __init__(self, host: str, port: int, headers: dict[str, str], *, timeout: float = 60,
                 idle_seconds: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.idle_seconds = idle_seconds  # below the server's keep-alive (sync/server/workers.py): we close first
        self.fixed = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", "Accept-Encoding": "gzip",
                                                           **headers}.items())
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._idle_since = 0.0
        self.connections = 0  # opened so far (a reused connection costs neither side a handshake)

    async def request(self, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Answer:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(method, target, body, headers or {})
        except TimeoutError:
            self.close()
            raise TransportFailure("Timeout", f"no answer within {self.timeout} s") from None
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
            self.close()
            kind = "ServerDisconnected" if isinstance(error, asyncio.IncompleteReadError) else type(error).__name__
            raise TransportFailure(kind, repr(error)) from None

    async def _exchange(self, method: str, target: str, body: bytes, headers: dict[str, str]) -> Answer:
        reader, writer = await self._connection()
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(f"{method} {target} HTTP/1.1\r\n{self.fixed}{extra}Content-Length: {len(body)}\r\n\r\n".encode("latin-1")
                     + body)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in head[1:] if line)}
        if fields.get("transfer-encoding", "").lower() == "chunked":
            data = await _chunked(reader)
        else:
            data = await reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("content-encoding") == "gzip":
            data = zlib.decompress(data, wbits=31)
        if fields.get("connection", "").lower() == "close":
            self.close()
        else:
            self._idle_since = time.monotonic()
        return Answer(status, data)

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._streams is not None:
            reader, _ = self._streams
            if reader.at_eof() or time.monotonic() - self._idle_since > self.idle_seconds:
                self.close()  # closed by the server meanwhile, or idle too long: as requests/urllib3 do
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
            self.connections += 1
        return self._streams

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    data = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return bytes(data)
        data += await reader.readexactly(size)
        await reader.readexactly(2)
