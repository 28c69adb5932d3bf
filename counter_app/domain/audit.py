"""The audit trail's pure rules: how a row is hashed into its chain, and how a chain is checked.

Each device keeps one chain: row `seq` (1, 2, 3 … without a gap) holds who did what, when, to which
subject, before and after, plus the hash of the row before it (`prev_hash`); the first row chains from a
fixed genesis value naming the device. `hash` is SHA-256 over the canonical JSON of every field. Changing
any field of a row changes its hash; deleting, inserting or moving a row breaks the link of the row after
it. A rewrite of the whole tail with fresh hashes is caught by the head kept in a second place (the
counter's `audit_head` row and the server's copy of the chain).

No SQL, no I/O: the counter, its CLI, its start-up check and the provincial server all call this.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from json.encoder import encode_basestring as quoted  # C: JSON string escaping, ensure_ascii=False
from typing import Any

from counter_app.domain.serialization import canonical_json

GENESIS_PREFIX = "counter-app audit genesis v1:"
# The fields a row's hash covers, in the order rows are read from storage.
HASHED_FIELDS = ("seq", "at", "device", "clerk_name", "clerk_username", "action", "subject", "before", "after",
                 "prev_hash")
STORED_FIELDS = (*HASHED_FIELDS, "hash")  # a stored row: its hashed fields, then its hash
# How many breaks a check lists row by row; past that it counts them (a wholesale rewrite is one story).
MAX_LISTED_BREAKS = 200


def genesis_hash(device: str) -> str:
    """The value row 1 chains from: fixed per device, so one device's chain cannot pass for another's."""
    return hashlib.sha256(f"{GENESIS_PREFIX}{device}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One row of the chain, as stored. `before` and `after` are canonical JSON texts (or None), hashed
    as stored, so checking a row never depends on how a JSON reader orders keys."""

    seq: int
    at: str  # ISO 8601 instant with the office offset
    device: str
    clerk_name: str
    clerk_username: str
    action: str  # the operation type: dossier.create, dossier.status, receipt.issue …
    subject: str  # dossier code, receipt number, day, username …
    before: str | None
    after: str
    prev_hash: str
    hash: str = ""

    def fields(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def stored(self) -> tuple[Any, ...]:
        """The row as the database holds it: STORED_FIELDS in order."""
        return (self.seq, self.at, self.device, self.clerk_name, self.clerk_username, self.action, self.subject,
                self.before, self.after, self.prev_hash, self.hash)

    def computed_hash(self) -> str:
        return row_hash(self.seq, self.at, self.device, self.clerk_name, self.clerk_username, self.action,
                        self.subject, self.before, self.after, self.prev_hash)


# A row's canonical JSON (domain.serialization.canonical_json: keys sorted, no spaces, UTF-8 as is) written
# out with the json module's own string escaper: the same text, about 3x faster than encoding a dict, and
# the check at start hashes every row (bench/audit_verify.py; tests/unit/test_audit_chain.py compares the
# text with canonical_json on hostile strings).
_ROW_JSON = ('{"action":%s,"after":%s,"at":%s,"before":%s,"clerk_name":%s,"clerk_username":%s,"device":%s,'
             '"prev_hash":%s,"seq":%d,"subject":%s}')


def row_text(seq: int, at: str, device: str, clerk_name: str, clerk_username: str, action: str, subject: str,
             before: str | None, after: str, prev_hash: str) -> str:
    """The canonical JSON of a row's hashed fields (HASHED_FIELDS): what its hash is taken over."""
    if type(seq) is int:  # not a bool, nor a float or text a tampered database may hold
        try:
            return _ROW_JSON % (quoted(action), quoted(after), quoted(at), "null" if before is None else quoted(before),
                                quoted(clerk_name), quoted(clerk_username), quoted(device), quoted(prev_hash), seq,
                                quoted(subject))
        except TypeError:
            pass  # a value that is not text (a tampered database): the general encoder deals with it
    return canonical_json({"seq": seq, "at": at, "device": device, "clerk_name": clerk_name,
                              "clerk_username": clerk_username, "action": action, "subject": subject,
                              "before": before, "after": after, "prev_hash": prev_hash})


def row_hash(seq: int, at: str, device: str, clerk_name: str, clerk_username: str, action: str, subject: str,
             before: str | None, after: str, prev_hash: str) -> str:
    """SHA-256 of the row's canonical JSON in UTF-8: its `hash`."""
    text = row_text(seq, at, device, clerk_name, clerk_username, action, subject, before, after, prev_hash)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sealed(record: AuditRecord) -> AuditRecord:
    """`record` with its hash filled in."""
    return AuditRecord(**{**record.fields(), "hash": record.computed_hash()})  # type: ignore[arg-type]


class BreakKind(StrEnum):
    CHANGED = "changed"  # the row's content no longer gives its hash
    MISSING = "missing"  # seqs absent between two rows (deleted rows)
    DUPLICATE = "duplicate"  # a seq held twice (an inserted row)
    LINK = "link"  # prev_hash is not the hash of the row before (inserted, deleted or moved rows)
    OUT_OF_ORDER = "out_of_order"  # rows stored in another order than their seq
    TRUNCATED = "truncated"  # the chain ends before the head kept in a second place
    HEAD = "head"  # the row at the kept head's seq is not the row the head names
    FORK = "fork"  # (server) two rows claim the same place; after a restore this is explained, see docs

    @property
    def label(self) -> str:
        return BREAK_LABELS[self]


BREAK_LABELS = {
    BreakKind.CHANGED: "Dòng bị sửa",
    BreakKind.MISSING: "Thiếu dòng",
    BreakKind.DUPLICATE: "Trùng số thứ tự",
    BreakKind.LINK: "Đứt mắt xích",
    BreakKind.OUT_OF_ORDER: "Sai thứ tự",
    BreakKind.TRUNCATED: "Mất các dòng cuối",
    BreakKind.HEAD: "Dòng cuối không khớp",
    BreakKind.FORK: "Rẽ nhánh",
}


@dataclass(frozen=True)
class AuditBreak:
    """One place where the chain does not hold, naming the rows concerned (first_seq … last_seq)."""

    kind: BreakKind
    first_seq: int
    last_seq: int
    message: str  # Vietnamese, for the clerk, the supervisor and the auditor

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind.value, "label": self.kind.label, "first_seq": self.first_seq,
                "last_seq": self.last_seq, "message": self.message}


@dataclass(frozen=True)
class ChainHead:
    """The last row as remembered elsewhere: its seq and hash."""

    seq: int
    hash: str


@dataclass
class ChainCheck:
    """The outcome of checking one chain: how many rows, the last one, and every break found."""

    rows: int = 0
    last: ChainHead | None = None
    breaks: list[AuditBreak] = field(default_factory=list)
    unlisted: int = 0  # breaks past MAX_LISTED_BREAKS, counted only
    notes: list[AuditBreak] = field(default_factory=list)  # explained forks (a restored counter), not breaks

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.unlisted

    def add(self, found: AuditBreak) -> None:
        if len(self.breaks) < MAX_LISTED_BREAKS:
            self.breaks.append(found)
        else:
            self.unlisted += 1


def _rows_text(first: int, last: int) -> str:
    return f"dòng số {first}" if first == last else f"các dòng số {first}–{last}"


def verify_chain(rows: Iterable[AuditRecord], head: ChainHead | None = None, *, exact_head: bool = False
                 ) -> list[AuditBreak]:
    """Every break of one device's chain, `rows` in stored order (see `check_chain`)."""
    return check_chain(rows, head, exact_head=exact_head).breaks


def check_chain(rows: Iterable[AuditRecord], head: ChainHead | None = None, *, exact_head: bool = False
                ) -> ChainCheck:
    """`check_stored_rows` over records."""
    return check_stored_rows((record.stored() for record in rows), head, exact_head=exact_head)


def check_stored_rows(rows: Iterable[Sequence[Any]], head: ChainHead | None = None, *, exact_head: bool = False
                      ) -> ChainCheck:
    """Check a chain streamed in stored order (one pass, constant memory).

    `rows` are plain tuples in STORED_FIELDS order, as the database gives them: the start-up check runs
    over every row, and no object is made per row unless it breaks the chain.
    Each row is checked on its own (its hash), against the row before (seq + 1, prev_hash = that row's
    hash; row 1 against the genesis of its device) and, at the end, against `head`: a row remembered
    elsewhere (the server's last row, the counter's `audit_head`) must still be there, unchanged; with
    `exact_head` it must also be the last row (rows after it were added behind the app's back).
    """
    result = ChainCheck()
    started, last_seq, last_hash = False, 0, ""  # the highest row so far
    at_head: str | None = None
    head_seq = None if head is None else head.seq
    count = 0
    for seq, at, device, clerk_name, clerk_username, action, subject, before, after, prev_hash, digest in rows:
        count += 1
        if seq == head_seq:
            at_head = digest
        if row_hash(seq, at, device, clerk_name, clerk_username, action, subject, before, after, prev_hash) != digest:
            result.add(AuditBreak(BreakKind.CHANGED, seq, seq,
                                  f"Dòng số {seq} đã bị sửa: nội dung không còn khớp mã băm của nó."))
        if not started or seq != last_seq + 1 or prev_hash != last_hash:  # not the usual next row
            _check_link(result, ChainHead(last_seq, last_hash) if started else None, seq, prev_hash, device)
        if not started or seq > last_seq:
            started, last_seq, last_hash = True, seq, digest
    result.rows = count
    result.last = ChainHead(last_seq, last_hash) if started else None
    if head is not None:
        _check_head(result, head, at_head, exact_head)
    return result


def _check_link(result: ChainCheck, previous: ChainHead | None, seq: int, prev_hash: str, device: str) -> None:
    expected_seq = 1 if previous is None else previous.seq + 1
    expected_prev = genesis_hash(device) if previous is None else previous.hash
    if seq == expected_seq:
        if prev_hash != expected_prev:
            where = "điểm khởi đầu của chuỗi" if previous is None else f"dòng số {previous.seq}"
            result.add(AuditBreak(BreakKind.LINK, seq, seq,
                                  f"Dòng số {seq} không nối với {where}: có dòng bị chèn, xóa hoặc thay thế."))
        return
    if previous is not None and seq == previous.seq:
        result.add(AuditBreak(BreakKind.DUPLICATE, seq, seq,
                              f"Số thứ tự {seq} có hai dòng: một dòng đã bị chèn vào."))
    elif seq > expected_seq:
        result.add(AuditBreak(BreakKind.MISSING, expected_seq, seq - 1,
                              f"Thiếu {_rows_text(expected_seq, seq - 1)} (giữa dòng {expected_seq - 1} và dòng "
                              f"{seq}): các dòng này đã bị xóa."))
    else:
        result.add(AuditBreak(BreakKind.OUT_OF_ORDER, seq, expected_seq - 1,
                              f"Dòng số {seq} nằm sau dòng số {expected_seq - 1}: thứ tự các dòng đã bị đổi."))


def _check_head(result: ChainCheck, head: ChainHead, at_head: str | None, exact: bool) -> None:
    last = result.last
    if last is None or last.seq < head.seq:
        first = 1 if last is None else last.seq + 1
        result.add(AuditBreak(BreakKind.TRUNCATED, first, head.seq,
                              f"Mất {_rows_text(first, head.seq)}: chuỗi đã từng có đến dòng số {head.seq}."))
    elif at_head != head.hash:
        result.add(AuditBreak(BreakKind.HEAD, head.seq, head.seq,
                              f"Dòng số {head.seq} không còn là dòng đã được ghi nhận ở nơi thứ hai: "
                              "chuỗi đã bị viết lại."))
    elif exact and last.seq > head.seq:
        result.add(AuditBreak(BreakKind.HEAD, head.seq + 1, last.seq,
                              f"{_rows_text(head.seq + 1, last.seq).capitalize()} không do ứng dụng ghi: "
                              "các dòng này đã bị thêm vào."))


def check_received_chain(rows: Iterable[Sequence[Any]], head: ChainHead | None = None) -> ChainCheck:
    """Check a device's chain as the server keeps it: rows ordered by seq, each a plain tuple of its
    STORED_FIELDS followed by the device epoch it came in under.

    The server may hold two rows for one seq: a counter put back from an older backup writes new rows
    after the point it was restored to, under a new epoch, while the server keeps the rows it already had.
    Each row must link to one of the rows just before it; two rows at one seq that came in under
    different epochs are a fork, reported as a note (shown, never hidden); under one epoch they are a
    break (a row inserted).
    """
    result = ChainCheck()
    previous_seq, previous_hashes = 0, set()
    group: list[tuple[int, str, str]] = []  # (seq, hash, epoch) of the rows held at one seq
    head_found = False
    count = 0
    for seq, at, device, clerk_name, clerk_username, action, subject, before, after, prev_hash, digest, epoch in rows:
        count += 1
        head_found = head_found or (head is not None and (seq, digest) == (head.seq, head.hash))
        if group and seq != group[0][0]:
            _close_group(result, group)
            previous_seq, previous_hashes = group[0][0], {kept for _, kept, _ in group}
            group = []
        if not group and seq > previous_seq + 1:
            result.add(AuditBreak(BreakKind.MISSING, previous_seq + 1, seq - 1,
                                  f"Thiếu {_rows_text(previous_seq + 1, seq - 1)}: máy chủ không còn giữ "
                                  "các dòng này."))
        group.append((seq, digest, epoch))
        if row_hash(seq, at, device, clerk_name, clerk_username, action, subject, before, after, prev_hash) != digest:
            result.add(AuditBreak(BreakKind.CHANGED, seq, seq,
                                  f"Dòng số {seq} đã bị sửa: nội dung không còn khớp mã băm của nó."))
        if (seq == 1 and prev_hash != genesis_hash(device)) or (
                seq > 1 and previous_seq == seq - 1 and prev_hash not in previous_hashes):
            result.add(AuditBreak(BreakKind.LINK, seq, seq,
                                  f"Dòng số {seq} không nối với dòng trước nó: có dòng bị chèn, xóa hoặc "
                                  "thay thế."))
    result.rows = count
    if group:
        _close_group(result, group)
        last_seq, last_hash, _ = group[-1]
        result.last = ChainHead(last_seq, last_hash)
    if head is not None and (result.last is None or result.last.seq < head.seq):
        first = 1 if result.last is None else result.last.seq + 1
        result.add(AuditBreak(BreakKind.TRUNCATED, first, head.seq,
                              f"Mất {_rows_text(first, head.seq)}: máy chủ đã từng nhận đến dòng số {head.seq}."))
    elif head is not None and not head_found:
        result.add(AuditBreak(BreakKind.HEAD, head.seq, head.seq,
                              f"Dòng số {head.seq} không còn là dòng máy chủ đã ghi nhận: chuỗi đã bị viết lại."))
    return result


def _close_group(result: ChainCheck, group: list[tuple[int, str, str]]) -> None:
    if len(group) < 2:
        return
    seq = group[0][0]
    epochs = [epoch for _, _, epoch in group]
    if len(set(epochs)) == len(epochs):
        result.notes.append(AuditBreak(BreakKind.FORK, seq, seq,
                                       f"Số thứ tự {seq} có {len(group)} dòng đến trong các phiên khác nhau của quầy: "
                                       "quầy đã được khôi phục từ bản sao lưu cũ và ghi tiếp từ đó."))
    else:
        result.add(AuditBreak(BreakKind.DUPLICATE, seq, seq,
                              f"Số thứ tự {seq} có {len(group)} dòng trong cùng một phiên: một dòng đã bị chèn vào."))
