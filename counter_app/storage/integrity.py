"""Is the counter's database whole? Checked read-only, before anything writes to it.

`check_before_open` runs these, cheapest first, before the engine's pragmas touch the file
(journal_mode=WAL writes to it):

1. size: a 0-byte file is not a counter (older versions left one when they died creating the file);
2. the 100-byte header: the magic string and a valid page size, else it is not an SQLite file;
3. the length: the header's page count × page size must be on disk, except pages the -wal holds (a
   checkpoint that died halfway leaves the file short, and SQLite completes it from the WAL);
4. the tables: an SQLite file with tables but no `alembic_version` belongs to another program;
5. `PRAGMA quick_check` on a read-only connection, for files up to QUICK_CHECK_AT_START_MAX_BYTES.

Cost, measured on the 2-core development VM by `bench/database_checks.py` (SQLite 3.40, 200 000 demo
dossiers = 472 MB): quick_check 0.6-0.85 s with the file in the OS cache and 4.6 s after the caches
were dropped (it reads every page, so it runs at the disk's speed: about 10 ms per MB cold);
integrity_check 2.0-2.8 s warm, 7.7 s cold. Seconds at every start are too much on a commune PC, so
quick_check runs at start only for files up to 32 MB (about 13 000 dossiers, a year or more at a
commune desk): about 40 ms warm, 0.3 s cold at the limit. A larger file gets its quick_check on the
GUI's task runner right after the window shows (`Database.run_background_checks`); the clerk can
already work meanwhile, and the CLI (short commands, scripts) relies on the other checks for such a file.
A full integrity_check, which also compares every index with its table, runs in the background once a
day (`DailyIntegrityCheck`).

Not damage: a missing -wal (SQLite opens the database as of its last checkpoint; what was never
checkpointed is gone and nothing can tell) or a garbled one (SQLite reads WAL frames only up to the
first whose salt or checksum does not match, ignores the rest, and restarts the WAL on the next write).

Damage raises `DamagedDatabaseError`. Nothing here writes to the database, its -wal or the backups; a
read-only connection may create an empty -wal and the -shm index beside the file, as any reader does.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import struct
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from counter_app.domain.codes import office_day
from counter_app.domain.errors import DomainError
from counter_app.domain.formats import at_day_text
from counter_app.storage.blobstore import BLOBS_DIRNAME
from counter_app.storage.private_files import PRIVATE_FILE_MODE

log = logging.getLogger(__name__)

BACKUP_DIRNAME = "backups"
INTEGRITY_STATE_FILENAME = "integrity-check.json"
QUICK_CHECK_AT_START_MAX_BYTES = 32 * 1024 * 1024

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
WAL_HEADER_SIZE = 32
WAL_FRAME_HEADER_SIZE = 24
WAL_MAGIC = 0x377F0682  # | 1 when the checksums are big-endian
BACKUP_STAMP = re.compile(r"-(\d{8}T\d{6})(\d{0,6})Z\.sqlite$")  # migrate.backup_database's names
# SQLite error names meaning "the bytes are wrong" (as opposed to locked, busy, no permission, I/O …).
_DAMAGE_ERRORS = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


class Damage(Enum):
    """What is wrong with the file, as the message says it."""

    EMPTY = "rỗng (0 byte)"
    NOT_SQLITE = "không phải tệp cơ sở dữ liệu SQLite"
    TRUNCATED = "bị cắt cụt"
    CORRUPT = "bị hỏng"
    FOREIGN = "không phải cơ sở dữ liệu của ứng dụng quầy"
    MISSING = "không còn"  # but the folder shows a counter lived here: not a first start


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime


def _bytes(count: int) -> str:
    return f"{count:,}".replace(",", ".")  # 1.234.567 byte, the Vietnamese way


class DamagedDatabaseError(DomainError):
    """The counter's database file is damaged. The message names the file, the damage, the newest backup
    and what to do; the file, its -wal and the backups have not been touched."""

    def __init__(self, path: Path, damage: Damage, detail: str, backup: Backup | None = None) -> None:
        self.path = path
        self.damage = damage
        self.detail = detail
        self.backup = backup
        super().__init__(damage_message(path, damage, detail, backup))


def damage_message(path: Path, damage: Damage, detail: str, backup: Backup | None) -> str:
    folder = path.parent
    if damage is Damage.MISSING:
        keep = ("Ứng dụng không tự tạo một quầy trống ở đây, để không ai nhầm nó với quầy thật; nếu thật sự "
                "bắt đầu một quầy mới, hãy dùng một thư mục dữ liệu khác. Đừng xoá gì trong thư mục này.")
        move = f"tệp «{path.name}-wal» (nếu có)"
    else:
        kept = (
            "không tự tạo một quầy trống thay cho nó: dữ liệu thật có thể nằm ở bản sao lưu hay ở máy khác."
            if damage is Damage.EMPTY
            else f"phần dữ liệu còn đọc được (cả trong tệp «{path.name}-wal» bên cạnh, nếu có) vẫn có thể cứu."
        )
        keep = f"Ứng dụng không ghi gì vào tệp này và {kept} Đừng xoá, sửa hay chép đè lên tệp."
        move = "tệp hỏng và tệp -wal của nó"
    lines = [
        f"Tệp cơ sở dữ liệu của quầy «{path}» {damage.value}: {detail}",
        keep,
        "Hãy gọi bộ phận công nghệ thông tin của tỉnh.",
    ]
    if backup is not None:
        lines.append(f"Bản sao lưu gần nhất: «{backup.path}», lúc {at_day_text(backup.taken_at)}.")
        lines.append(
            f"Cách khôi phục: đóng ứng dụng; chuyển {move} sang một thư mục khác để giữ lại; chép bản sao lưu "
            f"vào «{folder}» với tên «{path.name}»; mở lại ứng dụng. Hồ sơ nhận sau lúc sao lưu mà đã đồng "
            "bộ thì vẫn còn trên máy chủ tỉnh."
        )
    else:
        lines.append(
            f"Chưa có bản sao lưu nào trong «{folder / BACKUP_DIRNAME}». Cán bộ công nghệ thông tin có thể "
            "cứu phần còn đọc được bằng lệnh «sqlite3 <bản chép của tệp> .recover»; hồ sơ đã đồng bộ vẫn "
            "còn trên máy chủ tỉnh."
        )
    return "\n".join(lines)


def newest_backup(data_dir: Path) -> Backup | None:
    """The newest non-empty backup in `data_dir/backups`, with the time in its name (else its mtime)."""
    found: list[Backup] = []
    try:
        candidates = list((data_dir / BACKUP_DIRNAME).glob("*.sqlite"))
        for candidate in candidates:
            info = candidate.stat()
            if info.st_size == 0:
                continue
            if match := BACKUP_STAMP.search(candidate.name):
                stamp = match.group(1) + match.group(2).ljust(6, "0")
                taken = datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
            else:
                taken = datetime.fromtimestamp(info.st_mtime, UTC)
            found.append(Backup(candidate, taken))
    except OSError:
        return None
    return max(found, key=lambda b: (b.taken_at, b.path.name), default=None)


def damaged(path: Path, damage: Damage, detail: str) -> DamagedDatabaseError:
    return DamagedDatabaseError(path, damage, detail, newest_backup(path.parent))


# -- the checks ------------------------------------------------------------------------------------


def check_missing(path: Path) -> None:
    """Before creating a database at `path`: refuse if the folder shows a counter already lived there
    (an orphan -wal, backups, attached scans, a record of integrity checks). Creating a fresh one then
    would look like a counter that lost everything, and a stale -wal would be replayed into it."""
    wal = Path(f"{path}-wal")
    traces = []
    if wal.exists() and wal.stat().st_size:
        traces.append(f"tệp «{wal.name}»")
    if newest_backup(path.parent) is not None:
        traces.append(f"bản sao lưu trong «{BACKUP_DIRNAME}»")
    if (path.parent / BLOBS_DIRNAME).is_dir():
        traces.append(f"tệp đính kèm trong «{BLOBS_DIRNAME}»")
    if (path.parent / INTEGRITY_STATE_FILENAME).exists():
        traces.append(f"tệp «{INTEGRITY_STATE_FILENAME}»")
    if traces:
        raise damaged(
            path, Damage.MISSING,
            f"thư mục «{path.parent}» đã từng giữ dữ liệu của một quầy ({', '.join(traces)}) nhưng không có tệp này.",
        )


def check_before_open(path: Path, *, quick_check: bool) -> None:
    """Raise `DamagedDatabaseError` if the existing file at `path` is not a whole SQLite database."""
    size = path.stat().st_size
    if size == 0:
        raise damaged(path, Damage.EMPTY, "tệp không có dữ liệu nào, không phải cơ sở dữ liệu của một quầy.")
    with path.open("rb") as handle:
        header = handle.read(HEADER_SIZE)
    _check_header(path, header, size)
    _check_length(path, header, size)
    _check_is_a_counter(path)
    if quick_check:
        run_check(path, "quick_check")


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that can never write the file (nor checkpoint its WAL into it when it closes)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10, check_same_thread=False)


def _check_is_a_counter(path: Path) -> None:
    """Another program's SQLite file must not get the counter's tables (and WAL mode) added to it."""
    connection = read_only_connection(path)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        if not is_damage_error(error):
            raise
        raise damaged(path, Damage.CORRUPT, f"SQLite không đọc được danh mục bảng: «{str(error)[:200]}».") from None
    finally:
        connection.close()
    if tables and "alembic_version" not in tables:
        listed = ", ".join(sorted(tables)[:5])
        raise damaged(
            path, Damage.FOREIGN,
            f"đây là một tệp SQLite của chương trình khác (các bảng: {listed}…), không có bảng alembic_version "
            "mà ứng dụng quầy luôn tạo.",
        )


def _page_size(header: bytes) -> int | None:
    raw = int.from_bytes(header[16:18], "big")
    size = 65536 if raw == 1 else raw
    return size if 512 <= size <= 65536 and size & (size - 1) == 0 else None


def _check_header(path: Path, header: bytes, size: int) -> None:
    if len(header) < HEADER_SIZE and SQLITE_MAGIC.startswith(header[: len(SQLITE_MAGIC)]):
        raise damaged(
            path, Damage.TRUNCATED,
            f"tệp chỉ còn {_bytes(size)} byte, ngắn hơn cả phần đầu {HEADER_SIZE} byte của một tệp SQLite.",
        )
    if not header.startswith(SQLITE_MAGIC):
        raise damaged(
            path, Damage.NOT_SQLITE,
            "16 byte đầu tệp không phải dấu hiệu «SQLite format 3» (có thể tệp đã bị ghi đè bằng dữ liệu khác).",
        )
    if _page_size(header) is None:
        raise damaged(path, Damage.NOT_SQLITE, "kích thước trang ghi ở phần đầu tệp không hợp lệ.")


def _check_length(path: Path, header: bytes, size: int) -> None:
    page_size = _page_size(header)
    assert page_size is not None
    whole_pages = size // page_size
    # The header's page count is trusted only when its "valid for" counter equals the change counter.
    header_pages = int.from_bytes(header[28:32], "big") if header[24:28] == header[92:96] else 0
    needed = max(header_pages, -(-size // page_size))
    if whole_pages >= needed:
        return
    wal_pages, wal_db_pages = wal_committed_pages(Path(f"{path}-wal"), page_size)
    if wal_db_pages is not None:
        needed = wal_db_pages  # the size the last committed transaction left the database at
    missing = sum(1 for page in range(whole_pages + 1, needed + 1) if page not in wal_pages)
    if missing:
        raise damaged(
            path, Damage.TRUNCATED,
            f"tệp chỉ còn {_bytes(size)} byte, trong khi cơ sở dữ liệu có {_bytes(needed)} trang × "
            f"{_bytes(page_size)} byte = {_bytes(needed * page_size)} byte; thiếu {_bytes(missing)} trang "
            "mà tệp -wal cũng không có.",
        )


def _wal_checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def wal_committed_pages(wal: Path, page_size: int) -> tuple[set[int], int | None]:
    """The pages SQLite would read from `wal`, and the database size in pages after its last commit.

    Follows SQLite's WAL format: frames count only while their salts match the header and their running
    checksum holds, and only up to the last commit frame. ({}, None) when there is no usable WAL.
    """
    try:
        handle = wal.open("rb")
    except OSError:
        return set(), None
    with handle:
        header = handle.read(WAL_HEADER_SIZE)
        if len(header) < WAL_HEADER_SIZE:
            return set(), None
        magic, _version, wal_page_size, _seq, salt1, salt2, check1, check2 = struct.unpack(">8I", header)
        if magic & ~1 != WAL_MAGIC or wal_page_size != page_size:
            return set(), None
        big_endian = bool(magic & 1)
        s0, s1 = _wal_checksum(header[:24], 0, 0, big_endian)
        if (s0, s1) != (check1, check2):
            return set(), None
        committed: set[int] = set()
        pending: set[int] = set()
        db_pages: int | None = None
        while len(frame := handle.read(WAL_FRAME_HEADER_SIZE + page_size)) == WAL_FRAME_HEADER_SIZE + page_size:
            page, size_after, f_salt1, f_salt2, f_check1, f_check2 = struct.unpack(">6I", frame[:24])
            if (f_salt1, f_salt2) != (salt1, salt2):
                break
            s0, s1 = _wal_checksum(frame[:8], s0, s1, big_endian)
            s0, s1 = _wal_checksum(frame[24:], s0, s1, big_endian)
            if (s0, s1) != (f_check1, f_check2):
                break
            pending.add(page)
            if size_after:
                committed |= pending
                pending = set()
                db_pages = size_after
    return committed, db_pages


def is_damage_error(error: BaseException) -> bool:
    """An sqlite3 error that says the bytes are wrong (not a lock, a permission or a full disk)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(_DAMAGE_ERRORS)


class CheckInterrupted(Exception):
    """The check was cancelled (the app is closing): it proved nothing either way."""


class CheckCanceller:
    """Lets another thread stop a running check at once (`sqlite3.Connection.interrupt`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._connection: sqlite3.Connection | None = None

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._connection is not None:
                self._connection.interrupt()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _attach(self, connection: sqlite3.Connection | None) -> None:
        with self._lock:
            if self._cancelled and connection is not None:
                raise CheckInterrupted()
            self._connection = connection


def run_check(path: Path, pragma: str = "quick_check", canceller: CheckCanceller | None = None) -> None:
    """`PRAGMA quick_check` or `integrity_check` on a read-only connection; damage raises.

    Errors that are not about the file's bytes (locked, no permission, I/O) propagate as sqlite3 errors;
    a cancelled check raises `CheckInterrupted`.
    """
    assert pragma in ("quick_check", "integrity_check")
    canceller = canceller or CheckCanceller()
    connection = read_only_connection(path)
    try:
        canceller._attach(connection)
        problems = [row[0] for row in connection.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as error:
        if canceller.cancelled:
            raise CheckInterrupted() from error
        if not is_damage_error(error):
            raise
        problems = [str(error)]
    finally:
        canceller._attach(None)
        connection.close()
    if problems != ["ok"]:
        log.error("PRAGMA %s trên «%s»: %s", pragma, path, "; ".join(problems[:20]))
        raise damaged(
            path, Damage.CORRUPT,
            f"phép kiểm tra PRAGMA {pragma} của SQLite tìm thấy {len(problems)} lỗi "
            f"(lỗi đầu tiên: «{problems[0][:200]}»).",
        )


# -- the daily full check --------------------------------------------------------------------------


class DailyIntegrityCheck:
    """A full `PRAGMA integrity_check` at most once per office day, remembered in a small file beside the
    database. Only a clean result is remembered, so a damaged file is reported again at every start, and
    only for the same file: a backup copied in place is a new file and is checked again the same day."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.state_path = db_path.parent / INTEGRITY_STATE_FILENAME

    def _file_id(self) -> str:
        info = self.db_path.stat()
        return f"{info.st_dev}:{info.st_ino}"

    def last_clean(self) -> datetime | None:
        """When this very file last passed, None if never (or the record is about another file)."""
        try:
            stored = json.loads(self.state_path.read_text(encoding="utf-8"))
            when = datetime.fromisoformat(stored["last_clean_at"])
            same_file = stored["file"] == self._file_id()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return when if when.tzinfo and same_file else None

    def due(self, now: datetime) -> bool:
        last = self.last_clean()
        return last is None or office_day(last) != office_day(now)

    def run_if_due(self, now: datetime, canceller: CheckCanceller | None = None) -> bool:
        """Run the check if none has passed today; True if it ran (and passed). Damage raises."""
        if not self.due(now):
            return False
        run_check(self.db_path, "integrity_check", canceller)
        self._remember(now)
        return True

    def _remember(self, now: datetime) -> None:
        record = {"last_clean_at": now.astimezone(UTC).isoformat(), "file": self._file_id()}
        temporary = self.state_path.with_name(f"{self.state_path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, PRIVATE_FILE_MODE)
        with open(descriptor, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.replace(temporary, self.state_path)
