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

The counter packs (`pack_ops`, here); the server unpacks (`unpack_ops`, sync/unpacking.py), which reads
bytes from the network and checks every count, length, index, depth and reference before it is used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from counter_app.domain.audit import HASHED_FIELDS, row_hash
from counter_app.domain.serialization import canonical_json

PACK_VERSION = 1
DERIVED = ("payload_hash", "prev_hash", "hash")
SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))  # a leaf's types (exactly: JSON's, no subclasses)


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
        if item.__class__ not in SCALAR_TYPES and isinstance(item, (dict, list)) and item:
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


def derived_audit_hash(audit: dict[str, Any], payload: Any, payload_text: str | None = None,
                       texts: CanonicalTexts | None = None) -> str | None:
    """An audit row's hash as the server derives it (None: the row cannot be hashed, so its hash travels)."""
    values = _audit_fields(audit, payload, payload_text)
    if values is None:
        return None
    try:
        return texts.row_hash(values) if texts is not None else row_hash(*values)
    except (TypeError, ValueError):
        return None


def payload_json(op: dict[str, Any], texts: CanonicalTexts | None = None) -> str | None:
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


def sha256_hex(text: str | None) -> str | None:
    """An operation's payload_hash: SHA-256 of its payload's canonical JSON."""
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
        text = texts[position] if position < len(texts) and texts[position] is not None else payload_json(op)
        if "payload_hash" not in op:
            absent["payload_hash"].append(position)
        elif text is not None and op["payload_hash"] == sha256_hex(text):
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
                    and audit["hash"] == derived_audit_hash(original, op.get("payload"), text):
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
