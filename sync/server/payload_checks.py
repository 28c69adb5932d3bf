"""Shape checks of operation payloads, before anything touches the database.

A payload whose hash is right can still be wrong (a buggy or old counter): every field an operation
type uses is checked for type and column length here, so a bad operation gets its own `rejected`
answer instead of failing the whole batch with a server error (and being retried for ever).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

MAX_DB_INT = 2**31 - 1


def _check_field(data: dict[str, Any], key: str, kind: str, *, max_len: int = 10_000, optional: bool = False,
                 nullable: bool = False) -> None:
    """One payload field has the type (and fits the column) the handlers and the database expect."""
    if key not in data:
        if optional:
            return
        raise ValueError(f"thiếu trường «{key}»")
    value = data[key]
    if value is None and nullable:
        return
    if kind == "text":
        ok = isinstance(value, str) and len(value) <= max_len and (optional or value != "")
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and -MAX_DB_INT <= value <= MAX_DB_INT
    else:  # an aware ISO 8601 instant
        try:
            ok = isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None
        except ValueError:
            ok = False
    if not ok:
        raise ValueError(f"trường «{key}» có giá trị không hợp lệ")


def _has_nul(value: Any) -> bool:
    """A NUL character in any string (key or value, at any depth): PostgreSQL text cannot store it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def check_payload(op_type: str, data: dict[str, Any]) -> None:
    """Reject a malformed payload before it reaches the database: a bad value must cost one operation
    its `rejected` answer, never the whole batch a 5xx (which the counter would retry for ever)."""
    if _has_nul(data):  # refused on SQLite too, so both backends give the same answer
        raise ValueError("văn bản chứa ký tự NUL (0x00)")
    if op_type == "dossier.create":
        for key, max_len in (("id", 36), ("code", 40), ("unit_code", 32)):
            _check_field(data, key, "text", max_len=max_len)
        _check_field(data, "status", "int")
        _check_field(data, "version", "int", optional=True)
        _check_field(data, "desk_slot", "int", optional=True)
        _check_field(data, "received_at", "instant")
        history = data.get("history", [])
        if not isinstance(history, list) or not all(isinstance(change, dict) for change in history):
            raise ValueError("trường «history» có giá trị không hợp lệ")
        for change in history:
            _check_field(change, "from_status", "int", optional=True, nullable=True)
            _check_field(change, "to_status", "int")
            _check_field(change, "at", "instant")
            _check_field(change, "actor", "text", optional=True)
            _check_field(change, "note", "text", optional=True)
    elif op_type == "dossier.status":
        _check_field(data, "code", "text", max_len=40)
        _check_field(data, "from", "int")
        _check_field(data, "to", "int")
        _check_field(data, "at", "instant")
        _check_field(data, "actor", "text", optional=True)
        _check_field(data, "note", "text", optional=True)
    elif op_type == "attachment.add":
        _check_field(data, "dossier_code", "text", max_len=40)
        _check_field(data, "sha256", "text", max_len=64)
        _check_field(data, "name", "text")
        _check_field(data, "size", "int")
