"""The columnar form of a push batch (issue 13, W): the same operations in far fewer bytes once compressed.

Row-wise JSON makes zstd pay a "sequence" for every field of every operation; a column per leaf path turns
a field that never changes into one long match and near-sequential values (seqs, instants) into cheap ones.
Operations are grouped by shape (their leaf paths in depth-first order; a path is a list of dict keys (str)
and list indices (int); a leaf is a scalar or an empty container) and each group keeps one column per path.
Depth-first order keeps each object's key order and brings list indices densely, 0, 1, 2…

What the server can derive does not travel: an operation's `payload_hash` (when it is the hash of its
payload), an audit row's `prev_hash` (when it is the `hash` of the batch's audit row before it) and its
`hash` (when it is the row's own hash), except the batch's last audit row, whose hash is the check of the
chain rebuilt on arrival. A value that is not what the server would derive travels as it is, and a field the
operation lacks is listed in `absent`, so `unpack_ops(pack_ops(ops))` gives back `ops` exactly, whatever
they hold. A string equal to one of the server's published string table (catalog procedure and paper
names, status labels) goes as `{"r": index}`: non-empty dicts are always flattened, so no leaf is ever a
non-empty dict but a reference.

    {"v": 1, "n": <operations>, "strings": <dictionary id, 0: none>,
     "groups": [{"at": [positions], "paths": [[key or index, ...], ...], "cols": [[leaf, ...], ...]}],
     "raw": [[position, operation], ...],       # anything that is not a dict, or too wide to flatten
     "absent": {"payload_hash": [positions], "prev_hash": [...], "hash": [...]}}

`unpack_ops` reads bytes from the network: every count, length, index, depth and reference is checked
before it is used, and anything malformed is refused (`bounded.Refused("bad_packed", ...)`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from counter_app.domain.audit import HASHED_FIELDS, row_hash
from counter_app.domain.serialization import canonical_json
from sync.bounded import Refused

PACK_VERSION = 1
DERIVED = ("payload_hash", "prev_hash", "hash")
SHAPES_REMEMBERED = 512  # groups' shapes whose builder is kept (a province's counters send a few dozen)
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class PackBounds:
    """What an unpacked batch may hold at most (the server passes its Limits)."""

    max_ops: int = 1_000
    max_leaves: int = 250_000
    max_depth: int = 32
    max_paths: int = 999  # paths of one group: a JSON array the guard lets through (max_json_items)


class _TooWide(Exception):
    pass


# Markers in a shape's signature: a container's key follows _OPEN and its leaves end at _CLOSE, so equal
# signatures mean equal leaf paths, and the paths (tuples) are built once per shape, not once per operation.
_OPEN, _CLOSE = object(), object()


def _flatten(value: Any, signature: list[Any], leaves: list[Any], strings: dict[str, int], max_paths: int) -> None:
    """The leaves of a non-empty dict or list into `leaves`, depth-first, and their keys (with container
    markers) into `signature`; recursion only into containers (a backlog has ~90 leaves per operation: a call
    or a path tuple per leaf was most of the counter's packing time). Every entry gives at least one leaf, so
    a container wider than `max_paths` is refused before it is walked."""
    if len(value) > max_paths:
        raise _TooWide
    add_key, add_leaf = signature.append, leaves.append
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        if item.__class__ not in _SCALAR_TYPES and isinstance(item, (dict, list)) and item:
            signature += (_OPEN, key)
            _flatten(item, signature, leaves, strings, max_paths)
            add_key(_CLOSE)
            continue
        if strings and isinstance(item, str) and item in strings:
            item = {"r": strings[item]}
        add_key(key)
        add_leaf(item)
    if len(leaves) > max_paths:
        raise _TooWide


def _paths(signature: Sequence[Any]) -> list[list[str | int]]:
    """The leaf paths a `_flatten` signature stands for, in its order."""
    paths: list[list[str | int]] = []
    prefix: list[str | int] = []
    tokens = iter(signature)
    for token in tokens:
        if token is _OPEN:
            prefix.append(next(tokens))
        elif token is _CLOSE:
            prefix.pop()
        else:
            paths.append([*prefix, token])
    return paths


class CanonicalTexts:
    """Each pushed payload's canonical JSON, written once per push: unpacking derives the payload hash from it,
    the server checks the hash against it (sync/server/op_checks.py `prepare`), and an audit row whose
    `after` was left out is rebuilt from the same text (sync/server/audit.py)."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[object, str]] = {}  # the payload is held too: its id stays its own
        self._row_hashes: dict[tuple[Any, ...], str] = {}

    def of(self, payload: dict[str, Any]) -> str:
        """canonical_json(payload), raising as it does."""
        held = self._texts.get(id(payload))
        if held is not None and held[0] is payload:
            return held[1]
        text = canonical_json(payload)
        self._texts[id(payload)] = (payload, text)
        return text

    def row_hash(self, values: Sequence[Any]) -> str:
        """domain.audit.row_hash of an audit row's hashed fields (HASHED_FIELDS order), taken once per push:
        unpacking derives a row's hash with it, and the server's check of the row asks again."""
        key = tuple(values)
        found = self._row_hashes.get(key)
        if found is None:
            found = self._row_hashes[key] = row_hash(*values)
        return found


def _audit_fields(audit: dict[str, Any], payload: Any, payload_text: str | None = None) -> list[Any] | None:
    """The hashed fields of an audit row, `after` rebuilt as the server rebuilds it (from `payload_text`, the
    payload's canonical JSON, when known); None when the row cannot be hashed (a field missing or of the
    wrong type: then its hash travels as it is)."""
    if not all(name in audit for name in HASHED_FIELDS):
        return None
    values = [audit[name] for name in HASHED_FIELDS]
    if type(values[0]) is not int or not all(isinstance(v, str) for i, v in enumerate(values[1:], 1) if i not in (7, 8)):
        return None
    if not all(v is None or isinstance(v, str) for v in values[7:9]):
        return None
    if values[8] is None and payload_text is not None:
        values[8] = payload_text
    elif values[8] is None:
        if not isinstance(payload, dict):
            return None
        try:
            values[8] = canonical_json(payload)
        except (TypeError, ValueError, RecursionError):
            return None
    return values


def _audit_hash(audit: dict[str, Any], payload: Any, payload_text: str | None = None,
                texts: CanonicalTexts | None = None) -> str | None:
    values = _audit_fields(audit, payload, payload_text)
    if values is None:
        return None
    try:
        return texts.row_hash(values) if texts is not None else row_hash(*values)
    except (TypeError, ValueError):
        return None


def _payload_text(op: dict[str, Any], texts: CanonicalTexts | None = None) -> str | None:
    """The canonical JSON of the operation's payload (what its hash and its audit row's `after` are of)."""
    payload = op.get("payload")
    if not isinstance(payload, dict):
        return None
    try:
        text = texts.of(payload) if texts is not None else canonical_json(payload)
        text.encode("utf-8")  # a lone surrogate cannot be hashed
    except (TypeError, ValueError, RecursionError):
        return None
    return text


def _hash_of(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


def _slim(ops: Sequence[Any], texts: Sequence[str | None]) -> tuple[list[Any], dict[str, list[int]]]:
    """The operations with what the server derives left out, and where a derivable field was absent;
    `texts[i]`, when not None, is the canonical JSON of operation i's payload (else computed here)."""
    absent: dict[str, list[int]] = {name: [] for name in DERIVED}
    audits = [i for i, op in enumerate(ops) if isinstance(op, dict) and isinstance(op.get("audit"), dict)]
    last_audit = audits[-1] if audits else -1
    slim: list[Any] = []
    previous_hash: Any = None  # the original `hash` of the batch's audit row before
    for position, op in enumerate(ops):
        if not isinstance(op, dict):
            slim.append(op)
            continue
        op = dict(op)
        text = texts[position] if position < len(texts) and texts[position] is not None else _payload_text(op)
        if "payload_hash" not in op:
            absent["payload_hash"].append(position)
        elif text is not None and op["payload_hash"] == _hash_of(text):
            del op["payload_hash"]
        audit = op.get("audit")
        if isinstance(audit, dict):
            original = audit
            audit = dict(audit)
            for name in ("prev_hash", "hash"):
                if name not in audit:
                    absent[name].append(position)
            if previous_hash is not None and audit.get("prev_hash") == previous_hash:
                del audit["prev_hash"]
            if position != last_audit and isinstance(audit.get("hash"), str) \
                    and audit["hash"] == _audit_hash(original, op.get("payload"), text):
                del audit["hash"]
            previous_hash = original.get("hash") if isinstance(original.get("hash"), str) else None
            op["audit"] = audit
        slim.append(op)
    return slim, {name: positions for name, positions in absent.items() if positions}


def pack_ops(ops: Sequence[Any], strings: Sequence[str] = (), strings_id: int = 0,
             max_paths: int = PackBounds.max_paths, texts: Sequence[str | None] = ()) -> dict[str, Any]:
    """The packed form of `ops` (see the module docstring); `strings` is the table numbered `strings_id`.
    `texts`: the payloads' canonical JSON where the caller has it already (the counter reads it from the
    outbox), so it is not serialised again; it must be exactly `canonical_json(op["payload"])`."""
    index = {text: i for i, text in enumerate(strings)} if strings_id else {}
    slim, absent = _slim(ops, texts)
    groups: dict[tuple[Any, ...], tuple[list[int], list[list[Any]]]] = {}  # signature: positions, rows of leaves
    raw: list[list[Any]] = []
    for position, op in enumerate(slim):
        signature: list[Any] = []
        leaves: list[Any] = []
        try:
            if not isinstance(op, dict) or not op:
                raise _TooWide
            _flatten(op, signature, leaves, index, max_paths)
        except _TooWide:
            raw.append([position, ops[position] if not isinstance(op, dict) else op])
            continue
        group = groups.setdefault(tuple(signature), ([], []))  # depth-first: list indices come densely, keys in order
        group[0].append(position)
        group[1].append(leaves)
    packed: dict[str, Any] = {
        "v": PACK_VERSION, "n": len(ops), "strings": strings_id if index else 0,
        "groups": [{"at": at, "paths": _paths(signature), "cols": [list(column) for column in zip(*rows, strict=True)]}
                   for signature, (at, rows) in groups.items()],
    }
    if raw:
        packed["raw"] = raw
    if absent:
        packed["absent"] = absent
    return packed


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


def unpack_ops(packed: Any, bounds: PackBounds = PackBounds(), strings: Sequence[str] = (),
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
    if isinstance(value, _SCALARS):
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


_SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))


def _column(values: list[Any], strings: Sequence[str]) -> list[Any]:
    """A column's leaves as the operations hold them (references replaced by their strings)."""
    if all(type(value) in _SCALAR_TYPES for value in values):
        return values
    return [_leaf(value, strings) for value in values]


def _derive(ops: list[Any], missing: dict[str, set[int]], texts: CanonicalTexts | None) -> None:
    """Fills in what pack_ops left out, in batch order (a row's prev_hash is the hash of the row before)."""
    previous_hash: str | None = None
    for position, op in enumerate(ops):
        if not isinstance(op, dict):
            continue
        text = _payload_text(op, texts)
        if "payload_hash" not in op and position not in missing["payload_hash"]:
            derived = _hash_of(text)
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
            derived = _audit_hash(audit, op.get("payload"), text, texts)
            if derived is None:
                raise _refuse("không tính lại được mã băm một dòng nhật ký")
            audit["hash"] = derived
        previous_hash = audit.get("hash") if isinstance(audit.get("hash"), str) else None
