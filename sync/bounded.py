"""Bounded decoding of bytes from the network, shared by the server's guard and the counter's transport.

Every byte from a socket is untrusted: 60 kB of gzip can inflate to gigabytes, 8 MB of `[` nest deeper
than any parser's stack, 8 MB of `0,` become four million Python objects. So both sides inflate as a
stream with a cap on the output and on the ratio, and measure a JSON document's shape (nesting depth,
the longest array or object, the number of values) with C-speed byte operations before a parser builds
a single object. The parser is pydantic-core's strict one: no NaN/Infinity, no lone UTF-16 surrogate,
no invalid UTF-8, no raw control character in a string.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import zstandard
from pydantic_core import from_json

INFLATE_STEP = 64 * 1024
# Below this much output the ratio is not checked: a small, very repetitive body is not an attack.
RATIO_FLOOR = 1_000_000
_GZIP_OR_ZLIB = 32 + zlib.MAX_WBITS  # zlib detects either header
_ENCODINGS = {"": None, "identity": None, "gzip": _GZIP_OR_ZLIB, "x-gzip": _GZIP_OR_ZLIB, "deflate": _GZIP_OR_ZLIB}
# A JSON string (escapes included); possessive, so a long string costs no backtracking.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b"[]{},")
_OPENERS = frozenset(b"[{")
_BRACKET = re.compile(rb"[\[\]{}]")
# `_fits` gives up on a pass over more structure than this that removes less than an eighth of it (deep
# nesting: a pass per level would cost more than check_shape's walk).
SHALLOW_SCAN_BYTES = 64 * 1024
_INNERMOST = re.compile(rb"\[,*\]|\{,*\}")  # a pair with nothing but its own commas between


class Refused(Exception):
    """Bytes that break a bound or are not what they claim. `code` is stable; `message` is Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class JsonBounds:
    max_bytes: int
    max_depth: int
    max_items: int  # the longest array, or the object with the most keys
    max_values: int  # containers, commas and the root: an upper bound of the number of values


def size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} MB"
    return f"{size / 1_000:g} kB"


class Inflater:
    """Inflates a gzip (or zlib) body chunk by chunk, never past `max_output` bytes or `max_ratio` times its
    input; identity bodies pass through. Unknown encodings are refused at construction.

    zstd (issue 13) is taken only where `zstd_dictionary` is given (the server's guard): the body is kept as
    it arrives (the caller caps raw bytes) and inflated by `finish`, which returns the output (see `ZstdBody`).
    """

    def __init__(self, content_encoding: str, max_output: int, max_ratio: int,
                 zstd_dictionary: Callable[[int], bytes | None] | None = None) -> None:
        name = content_encoding.strip().lower()
        self._zstd: ZstdBody | None = None
        if name == "zstd" and zstd_dictionary is not None:
            self._zstd = ZstdBody(max_output, max_ratio, zstd_dictionary)
            name = ""
        elif name not in _ENCODINGS:
            shown = "".join(c for c in name[:30] if c.isprintable())
            accepted = "gzip, zstd" if zstd_dictionary is not None else "gzip"
            raise Refused("unsupported_encoding", f"Kiểu nén «{shown}» không được hỗ trợ; chỉ nhận {accepted} hoặc không nén.")
        wbits = _ENCODINGS[name]
        self._inflater = zlib.decompressobj(wbits) if wbits is not None else None
        self.max_output = max_output
        self.max_ratio = max_ratio
        self.received = 0  # raw bytes fed
        self.produced = 0
        self._inflated_from = 0  # raw bytes zlib has actually used: the ratio's denominator

    def feed(self, chunk: bytes) -> bytes:
        self.received += len(chunk)
        if self._zstd is not None:
            self._zstd.raw += chunk
            return b""
        if self._inflater is None:
            self._inflated_from = self.received
            self._count(len(chunk))
            return chunk
        if self._inflater.eof:
            if chunk:
                raise Refused("bad_gzip", "Dữ liệu nén gzip có phần thừa sau khi kết thúc.")
            return b""
        parts = []
        data = chunk
        while data and not self._inflater.eof:
            try:
                out = self._inflater.decompress(data, INFLATE_STEP)
            except zlib.error:
                raise Refused("bad_gzip", "Dữ liệu nén gzip bị hỏng.") from None
            self._inflated_from += len(data) - len(self._inflater.unconsumed_tail)
            self._count(len(out))
            parts.append(out)
            data = self._inflater.unconsumed_tail
        if self._inflater.eof and self._inflater.unused_data:
            raise Refused("bad_gzip", "Dữ liệu nén gzip có phần thừa sau khi kết thúc.")
        return b"".join(parts)

    def finish(self) -> bytes:
        """The body ended: a compressed stream must have ended too (else it was cut). Returns what is left of
        the output (a zstd body's whole output; nothing for the others)."""
        if self._zstd is not None:
            out = self._zstd.inflate()
            self.produced = len(out)
            return out
        if self._inflater is not None and self.received and not self._inflater.eof:
            raise Refused("bad_gzip", "Dữ liệu nén gzip bị cắt cụt.")
        return b""

    def _count(self, size: int) -> None:
        self.produced += size
        if self.produced > self.max_output:
            raise Refused("inflated_too_large", f"Dữ liệu sau khi giải nén vượt {size_text(self.max_output)}.")
        if self.produced > RATIO_FLOOR and self.produced > self.max_ratio * self._inflated_from:
            raise Refused("inflate_ratio", f"Dữ liệu nén bất thường (giải nén ra gấp hơn {self.max_ratio} lần); đã dừng.")


class ZstdBody:
    """A zstd body (one frame that declares its size, compressed with the dictionary its header names, or none),
    inflated within the same caps as gzip. The declared size is checked against the caps before a byte is
    inflated, and the output must be exactly that size: a cut frame, a frame holding more than it declares and
    anything after the frame (another frame, a skippable frame, stray bytes) are refused."""

    def __init__(self, max_output: int, max_ratio: int, dictionary: Callable[[int], bytes | None]) -> None:
        self.raw = bytearray()
        self.max_output = max_output
        self.max_ratio = max_ratio
        self.dictionary = dictionary

    def inflate(self) -> bytes:
        raw = bytes(self.raw)
        self.raw = bytearray()
        try:
            header = zstandard.get_frame_parameters(raw)
        except zstandard.ZstdError:
            raise Refused("bad_zstd", "Dữ liệu nén zstd bị hỏng.") from None
        size = header.content_size
        if size == zstandard.CONTENTSIZE_UNKNOWN or size == zstandard.CONTENTSIZE_ERROR:
            raise Refused("bad_zstd", "Dữ liệu nén zstd không ghi kích thước sau khi giải nén.")
        if size > self.max_output:
            raise Refused("inflated_too_large", f"Dữ liệu sau khi giải nén vượt {size_text(self.max_output)}.")
        if size > RATIO_FLOOR and size > self.max_ratio * len(raw):
            raise Refused("inflate_ratio", f"Dữ liệu nén bất thường (giải nén ra gấp hơn {self.max_ratio} lần); đã dừng.")
        context = zstandard.ZstdDecompressor()
        if header.dict_id:
            content = self.dictionary(header.dict_id)
            if content is None:
                raise Refused("unknown_dictionary", f"Máy chủ không có từ điển nén số {header.dict_id}; quầy gửi lại "
                                                    "ngay bằng gzip và tải từ điển mới ở lần đồng bộ sau (dữ liệu vẫn "
                                                    "được giữ ở quầy).")
            context = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(content))
        try:  # one shot into a buffer of the declared size: a frame holding more fails, as do bytes after it
            out = context.decompress(raw, max_output_size=size, allow_extra_data=False)
        except zstandard.ZstdError:
            raise Refused("bad_zstd", "Dữ liệu nén zstd bị hỏng, bị cắt cụt hoặc có phần thừa sau khung nén; "
                                      "quầy sẽ gửi lại bằng gzip.") from None
        if len(out) != size:
            raise Refused("bad_zstd", "Dữ liệu nén zstd bị cắt cụt hoặc có phần thừa.")
        return out


def inflate(body: bytes, content_encoding: str, max_output: int, max_ratio: int,
            zstd_dictionary: Callable[[int], bytes | None] | None = None) -> bytes:
    inflater = Inflater(content_encoding, max_output, max_ratio, zstd_dictionary)
    out = inflater.feed(body)
    return out + inflater.finish()


def check_shape(body: bytes, bounds: JsonBounds) -> None:
    """Refuses a document that is too big, too deep or too wide, without building any object from it."""
    if len(body) > bounds.max_bytes:
        raise Refused("json_too_large", f"Dữ liệu JSON vượt {size_text(bounds.max_bytes)}.")
    skeleton = _without_strings(body)  # strings may hold brackets and commas: they are not structure
    values = 1 + skeleton.count(b",") + skeleton.count(b"[") + skeleton.count(b"{")
    if values > bounds.max_values:
        raise Refused("json_too_many_values", f"Dữ liệu JSON có quá {bounds.max_values} giá trị.")
    structure = skeleton.translate(None, _NOT_STRUCTURE)  # now small: about twice `values` bytes
    del skeleton
    if _fits(structure, bounds.max_depth, bounds.max_items):
        return  # the brackets pair within the depth and no container is too wide: nothing to refuse
    commas = [0]  # commas seen at each open level
    at = 0
    for bracket in _BRACKET.finditer(structure):  # the commas between two brackets counted at once (issue 13:
        commas[-1] += structure.count(b",", at, bracket.start())  # a packed batch is mostly long columns)
        if commas[-1] >= bounds.max_items:
            raise Refused("json_too_wide", f"Một danh sách hoặc đối tượng JSON có quá {bounds.max_items} phần tử.")
        at = bracket.end()
        if structure[bracket.start()] in _OPENERS:
            commas.append(0)
            if len(commas) > bounds.max_depth + 1:
                raise Refused("json_too_deep", f"Dữ liệu JSON lồng nhau quá {bounds.max_depth} tầng.")
        elif len(commas) > 1:
            commas.pop()
    if commas[-1] + structure.count(b",", at) >= bounds.max_items:
        raise Refused("json_too_wide", f"Một danh sách hoặc đối tượng JSON có quá {bounds.max_items} phần tử.")


def _without_strings(body: bytes) -> bytes:
    """`body` with each JSON string replaced by `0`. Where no quote follows a backslash and the quotes pair up,
    every quote opens or closes a string: splitting on them is C speed (a push of 1,000 plain operations is
    about a megabyte of strings); otherwise a regex, escapes and all."""
    if body.count(b'"') % 2 == 0 and b'\\"' not in body:
        return b"0".join(body.split(b'"')[::2])
    return _JSON_STRING.sub(b"0", body)


@functools.lru_cache(maxsize=8)
def _too_wide(max_items: int) -> re.Pattern[bytes]:
    """An innermost pair holding `max_items` commas or more."""
    return re.compile(rb"\[,{%d,}\]|\{,{%d,}\}" % (max_items, max_items))


def _fits(structure: bytes, max_depth: int, max_items: int) -> bool:
    """Whether the brackets in `structure` pair within `max_depth` levels and no container (nor the top level)
    holds `max_items` commas, shown at C speed: each pass removes every innermost pair after checking its width,
    and once a container's children are gone its own commas are all that lie between its brackets. False says
    only "not shown" (also when a large pass removes little, as deep nesting does): check_shape's
    bracket-by-bracket walk then decides, as it does for every body this cannot clear."""
    too_wide = _too_wide(max_items)
    for _ in range(max_depth):
        if not _BRACKET.search(structure):
            break
        if too_wide.search(structure):
            return False
        shorter = _INNERMOST.sub(b"", structure)
        if len(structure) > SHALLOW_SCAN_BYTES and len(shorter) > len(structure) - len(structure) // 8:
            return False
        structure = shorter
    return not _BRACKET.search(structure) and len(structure) < max_items  # what is left: top-level commas


_REASONS = (
    ("surrogate", "có ký tự UTF-16 thay thế (surrogate) đơn lẻ"),
    ("hex escape", "có mã \\u sai hoặc ký tự UTF-16 thay thế (surrogate) đơn lẻ"),
    ("invalid unicode", "có byte không phải UTF-8 hợp lệ"),
    ("control character", "có ký tự điều khiển trong chuỗi"),
    ("recursion limit", "lồng nhau quá sâu"),
    ("eof", "bị cắt cụt"),
    ("trailing", "có ký tự thừa sau tài liệu"),
    ("expected value", "thiếu giá trị hoặc có NaN/Infinity"),
)
_POSITION = re.compile(r"line (\d+) column (\d+)")


def parse_json(body: bytes, bounds: JsonBounds) -> Any:
    """The JSON value in `body`, after its shape is checked; strict (see the module docstring)."""
    check_shape(body, bounds)
    try:
        return from_json(body, allow_inf_nan=False)
    except ValueError as error:
        text = str(error).lower()
        reason = next((vi for key, vi in _REASONS if key in text), "sai cú pháp")
        where = _POSITION.search(text)
        at = f" (dòng {where.group(1)}, cột {where.group(2)})" if where else ""
        raise Refused("invalid_json", f"Dữ liệu không phải JSON hợp lệ: {reason}{at}.") from None
