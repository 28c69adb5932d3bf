"""Reading a packed push batch (issue 13, W): the columnar form `sync/packing.py` describes and the counter
writes, turned back into the operations exactly as they were packed.

These are bytes from the network: every count, length, index, depth and reference is checked before it is
used, and anything malformed is refused (`bounded.Refused("bad_packed", ...)`), which makes the counter
send the same operations again in the plain form.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sync.bounded import Refused
from sync.packing import (
    DERIVED,
    PACK_VERSION,
    SCALAR_TYPES,
    CanonicalTexts,
    PackBounds,
    derived_audit_hash,
    payload_json,
    sha256_hex,
)

SHAPES_REMEMBERED = 512  # groups' shapes whose builder is kept (a province's counters send a few dozen)
DEFAULT_BOUNDS = PackBounds()


def packed_strings_id(packed: Any) -> int:
    """The string table a packed batch refers to (0: none); refused when it is not a small whole number."""
    value = packed.get("strings", 0) if isinstance(packed, dict) else 0
    if type(value) is not int or not 0 <= value < 2**31:
        raise Refused("bad_packed", "Gói dữ liệu nén theo cột ghi sai số hiệu bảng chuỗi.")
    return value


def _refuse(why: str) -> Refused:
    return Refused("bad_packed", f"Gói dữ liệu nén theo cột bị hỏng: {why}. Quầy sẽ gửi lại ở dạng thường.")


def _positions(value: Any, count: int, what: str) -> list[int]:
    if not isinstance(value, list) or len(value) > count:
        raise _refuse(f"danh sách vị trí «{what}» sai")
    if not all(type(p) is int and 0 <= p < count for p in value):
        raise _refuse(f"vị trí thao tác trong «{what}» nằm ngoài gói")
    return value


def unpack_ops(packed: Any, bounds: PackBounds = DEFAULT_BOUNDS, strings: Sequence[str] = (),
               texts: CanonicalTexts | None = None) -> list[Any]:
    """The operations of a packed batch, exactly as `pack_ops` was given them; `strings` is the table the batch
    names (`packed_strings_id`); `texts` keeps the payloads' canonical JSON for the server's checks (written
    once). Raises `Refused("bad_packed")` on anything malformed or past `bounds`."""
    if not isinstance(packed, dict) or packed.get("v") != PACK_VERSION:
        raise _refuse("không đúng phiên bản 1")
    packed_strings_id(packed)
    count = packed.get("n")
    if type(count) is not int or not 0 <= count <= bounds.max_ops:
        raise _refuse(f"số thao tác phải từ 0 đến {bounds.max_ops}")
    ops: list[Any] = [None] * count
    filled = [False] * count
    leaves = 0
    groups = packed.get("groups", [])
    if not isinstance(groups, list) or len(groups) > count:
        raise _refuse("danh sách nhóm sai")
    for group in groups:
        if not isinstance(group, dict):
            raise _refuse("một nhóm không phải đối tượng")
        at = _positions(group.get("at"), count, "at")
        if not at:
            raise _refuse("một nhóm không có thao tác nào")
        paths, cols = group.get("paths"), group.get("cols")
        if not isinstance(paths, list) or not isinstance(cols, list) or len(paths) != len(cols) or not paths:
            raise _refuse("số đường dẫn khác số cột")
        leaves += len(at) * len(paths)
        if leaves > bounds.max_leaves:
            raise _refuse(f"quá {bounds.max_leaves} giá trị")
        build = _shape_builder(tuple(_checked_path(p, bounds.max_depth) for p in paths))
        if any(not isinstance(c, list) or len(c) != len(at) for c in cols):
            raise _refuse("độ dài một cột khác số thao tác của nhóm")
        for position in at:
            if filled[position]:
                raise _refuse("một vị trí thao tác xuất hiện hai lần")
            filled[position] = True
        for position, row in zip(at, zip(*(_column(c, strings) for c in cols), strict=True), strict=True):
            ops[position] = build(row)
    raw = packed.get("raw", [])
    if not isinstance(raw, list) or len(raw) > count:
        raise _refuse("danh sách thao tác giữ nguyên sai")
    for item in raw:
        if not isinstance(item, list) or len(item) != 2:
            raise _refuse("một thao tác giữ nguyên sai dạng")
        (position,) = _positions([item[0]], count, "raw")
        if filled[position]:
            raise _refuse("một vị trí thao tác xuất hiện hai lần")
        filled[position] = True
        ops[position] = item[1]
    if not all(filled):
        raise _refuse("thiếu thao tác ở một số vị trí")
    absent = packed.get("absent", {})
    if not isinstance(absent, dict):
        raise _refuse("danh sách trường vắng sai")
    missing = {name: set(_positions(absent.get(name, []), count, name)) for name in DERIVED}
    _derive(ops, missing, texts)
    return ops


def _checked_path(path: Any, max_depth: int) -> tuple[str | int, ...]:
    if not isinstance(path, list) or not 1 <= len(path) <= max_depth:
        raise _refuse(f"đường dẫn rỗng hoặc sâu quá {max_depth} tầng")
    for part in path:
        if type(part) is int:
            if not 0 <= part < 1_000_000:
                raise _refuse("chỉ số danh sách ngoài khoảng")
        elif not isinstance(part, str):
            raise _refuse("một phần đường dẫn không phải khóa hay chỉ số")
    return tuple(path)


def _leaf(value: Any, strings: Sequence[str]) -> Any:
    if type(value) in SCALAR_TYPES:
        return value
    if isinstance(value, list):
        if value:
            raise _refuse("một giá trị lá là danh sách không rỗng")
        return []
    if isinstance(value, dict):
        if not value:
            return {}
        ref = value.get("r")
        if len(value) != 1 or type(ref) is not int or not 0 <= ref < len(strings):
            raise _refuse("tham chiếu bảng chuỗi sai hoặc ngoài khoảng")
        return strings[ref]
    raise _refuse("giá trị lá sai kiểu")


class _Node:
    """A container of a group's operations, as its paths describe it: a dict (`keys`) or a list (`keys` None);
    each child is a column index (a leaf) or a _Node."""

    def __init__(self, is_dict: bool) -> None:
        self.keys: list[str] | None = [] if is_dict else None
        self.children: list[int | _Node] = []
        self.index: dict[str, int] = {}


@functools.lru_cache(maxsize=SHAPES_REMEMBERED)
def _shape_builder(paths: tuple[tuple[str | int, ...], ...]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """`_builder` for a group's paths, remembered: the counters send the same few shapes push after push, and
    checking a shape's paths cost more than building its operations (a path that does not fit still raises,
    and an exception is never remembered)."""
    return _builder(list(paths))


def _builder(paths: list[tuple[str | int, ...]]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """What turns one row of a group's columns into its operation. The paths are checked once for the whole
    group: list indices come densely in order (paths are in depth-first order), a place holds one thing only,
    and no path goes through a leaf."""
    root = _Node(is_dict=True)
    for column, path in enumerate(paths):
        node = root
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            child: int | _Node = column if last else _Node(is_dict=type(path[depth + 1]) is not int)
            if type(part) is int:
                if node.keys is not None:
                    raise _refuse("chỉ số danh sách đặt vào chỗ không phải danh sách")
                if part == len(node.children):
                    node.children.append(child)
                elif part > len(node.children) or last:
                    raise _refuse("chỉ số danh sách không liền nhau hoặc trùng")
                found = node.children[part]
            else:
                assert isinstance(part, str)
                if node.keys is None:
                    raise _refuse("khóa đặt vào chỗ không phải đối tượng")
                at = node.index.get(part)
                if at is None:
                    node.index[part] = len(node.children)
                    node.keys.append(part)
                    node.children.append(child)
                    at = len(node.children) - 1
                elif last:
                    raise _refuse("một đường dẫn xuất hiện hai lần")
                found = node.children[at]
            if not last and not isinstance(found, _Node):
                raise _refuse("một đường dẫn đi qua một giá trị lá")
            node = found if isinstance(found, _Node) else node
    return _compiled(root)


def _compiled(node: _Node) -> Callable[[tuple[Any, ...]], Any]:
    getters = [itemgetter(child) if isinstance(child, int) else _compiled(child) for child in node.children]
    if node.keys is None:
        return lambda row: [get(row) for get in getters]
    keys = tuple(node.keys)
    leaves = [child for child in node.children if isinstance(child, int)]
    if len(leaves) == len(getters) > 1:  # a dict of leaves only: one C call for its values
        values = itemgetter(*leaves)
        return lambda row: dict(zip(keys, values(row), strict=True))
    return lambda row: dict(zip(keys, [get(row) for get in getters], strict=True))


def _column(values: list[Any], strings: Sequence[str]) -> list[Any]:
    """A column's leaves as the operations hold them (references replaced by their strings)."""
    if all(type(value) in SCALAR_TYPES for value in values):
        return values
    return [_leaf(value, strings) for value in values]


def _derive(ops: list[Any], missing: dict[str, set[int]], texts: CanonicalTexts | None) -> None:
    """Fills in what pack_ops left out, in batch order (a row's prev_hash is the hash of the row before)."""
    previous_hash: str | None = None
    for position, op in enumerate(ops):
        if not isinstance(op, dict):
            continue
        text = payload_json(op, texts)
        if "payload_hash" not in op and position not in missing["payload_hash"]:
            derived = sha256_hex(text)
            if derived is None:
                raise _refuse("thiếu mã băm của một thao tác không có nội dung")
            op["payload_hash"] = derived
        audit = op.get("audit")
        if not isinstance(audit, dict):
            continue
        if "prev_hash" not in audit and position not in missing["prev_hash"]:
            if previous_hash is None:
                raise _refuse("thiếu mã băm dòng trước của dòng nhật ký đầu gói")
            audit["prev_hash"] = previous_hash
        if "hash" not in audit and position not in missing["hash"]:
            derived = derived_audit_hash(audit, op.get("payload"), text, texts)
            if derived is None:
                raise _refuse("không tính lại được mã băm một dòng nhật ký")
            audit["hash"] = derived
        previous_hash = audit.get("hash") if isinstance(audit.get("hash"), str) else None
