"""Log files: in the data folder, private, rotated, and never carrying a citizen's data."""

import logging
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from counter_app import logs
from counter_app.crash import install_crash_hooks, set_crash_listener
from counter_app.storage.database import Database
from counter_app.storage.private_files import POSIX

log = logging.getLogger("tests.operations")

NAME, ID_NUMBER, PHONE = "Lò Thị Huyền Trang", "079123456789", "0912 345 678"


@pytest.fixture
def log_to(tmp_path: Path):
    def setup(data_dir: Path = tmp_path / "data") -> Path:
        return logs.setup_logging(data_dir)

    yield setup
    logs.setup_logging(tmp_path / "after")  # the next test's folder is not this one's


def read(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("raw", "kept"), [
    ("CCCD 079123456789 đã nhập", "CCCD <số giấy tờ> đã nhập"),
    ("CMND 123456789.", "CMND <số giấy tờ>."),
    ("gọi 0912345678 hoặc 0912 345 678 hoặc +84912345678 hoặc 0236.3822.111", "gọi <số điện thoại> hoặc "
     "<số điện thoại> hoặc <số điện thoại> hoặc <số điện thoại>"),
    ("hộ chiếu C1234567", "hộ chiếu <số giấy tờ>"),
    ("thư mai.tran@example.vn", "thư <thư điện tử>"),
    ("[SQL: INSERT INTO person VALUES (?)]\n[parameters: ('Lò Thị Huyền Trang', '079123456789')]\n(Background on",
     "[SQL: INSERT INTO person VALUES (?)]\n[parameters: <đã ẩn>]\n(Background on"),
])
def test_citizen_data_is_redacted(raw: str, kept: str) -> None:
    assert logs.redact(raw) == kept


@pytest.mark.parametrize("line", [
    "Hồ sơ 000.31.48.H15-260310-0001 đã gửi",  # dossier codes stay: they are how IT finds a case
    "Đồng bộ: gửi 12, nhận 3, 48213 byte lúc 2026-03-10T09:00:00+07:00",
    "seq 1234567 tạm giữ",
])
def test_codes_counts_and_times_are_kept(line: str) -> None:
    assert logs.redact(line) == line


def test_the_log_file_is_private_and_in_the_data_folder(log_to, tmp_path: Path) -> None:
    path = log_to()
    log.warning("Thử ghi nhật ký: Đồng bộ xong")
    assert path == tmp_path / "data" / "logs" / "counter-app.log"
    assert "WARNING" in read(path) and "Thử ghi nhật ký: Đồng bộ xong" in read(path)
    if POSIX:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_careless_log_call_and_a_real_database_error_leave_no_citizen_data(log_to, tmp_path: Path) -> None:
    path = log_to()
    log.error("Không gửi được hồ sơ của CCCD %s, điện thoại %s", ID_NUMBER, PHONE)  # what a filter must catch
    db = Database.open(tmp_path / "data")
    try:
        with db.write() as session:
            session.execute(text("CREATE TABLE person (name TEXT UNIQUE, id_number TEXT)"))
            session.execute(text("INSERT INTO person VALUES (:name, :id)"), {"name": NAME, "id": ID_NUMBER})
        with pytest.raises(IntegrityError) as raised, db.write() as session:
            session.execute(text("INSERT INTO person VALUES (:name, :id)"), {"name": NAME, "id": ID_NUMBER})
        log.error("Lưu lỗi", exc_info=raised.value)
    finally:
        db.close()
    written = read(path)
    assert "IntegrityError" in written and "UNIQUE constraint failed: person.name" in written
    for value in (NAME, ID_NUMBER, PHONE, "345 678"):
        assert value not in written


def test_files_rotate_at_a_megabyte_and_five_are_kept(log_to) -> None:
    path = log_to()
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logs.PrivateRotatingFileHandler))
    quiet = logging.getLogger("tests.operations.rotation")  # the app's handler alone (not pytest's capture)
    quiet.propagate = False
    quiet.addHandler(handler)
    line = "x" * 1000
    try:
        for _ in range(7 * logs.MAX_BYTES // 1000):
            quiet.warning(line)
    finally:
        quiet.removeHandler(handler)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["counter-app.log", *(f"counter-app.log.{n}" for n in range(1, logs.BACKUP_COUNT + 1))]
    assert all(p.stat().st_size <= logs.MAX_BYTES for p in path.parent.iterdir())
    assert [p.name for p in logs.log_files(path.parent.parent)][:3] == [
        "counter-app.log", "counter-app.log.1", "counter-app.log.2"]


def test_an_unreadable_log_folder_never_stops_the_app(tmp_path: Path) -> None:
    blocked = tmp_path / "data"
    blocked.mkdir()
    (blocked / "logs").write_text("not a folder", encoding="utf-8")
    before = logs.current_log_file()
    logs.setup_logging(blocked)
    log.warning("still running")
    assert logs.current_log_file() == before


def test_an_exception_in_a_thread_reaches_the_log(log_to) -> None:
    path = log_to()
    crashes = []
    install_crash_hooks()
    set_crash_listener(crashes.append)
    try:
        def work() -> None:
            raise RuntimeError(f"hỏng khi gửi {ID_NUMBER}")

        thread = threading.Thread(target=work, name="gui-ho-so")
        thread.start()
        thread.join()
    finally:
        set_crash_listener(None)
    written = read(path)
    assert "CRITICAL" in written and "RuntimeError: hỏng khi gửi <số giấy tờ>" in written
    assert "luồng nền «gui-ho-so»" in written and ID_NUMBER not in written
    assert [c.where for c in crashes] == ["luồng nền «gui-ho-so»"]
    assert "RuntimeError" in crashes[0].details and ID_NUMBER not in crashes[0].details


def test_an_uncaught_exception_in_a_plain_process_is_logged_and_told_in_vietnamese(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys; from pathlib import Path\n"
        "from counter_app.logs import setup_logging\n"
        "from counter_app.crash import install_crash_hooks\n"
        f"setup_logging(Path(sys.argv[1])); install_crash_hooks()\n"
        f"raise LookupError('không thấy {ID_NUMBER}')\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")], capture_output=True, text=True,
                          encoding="utf-8", timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 1
    assert done.stderr.startswith("Lỗi: ứng dụng gặp lỗi không mong muốn (LookupError). Dữ liệu đã lưu không bị")
    assert str(tmp_path / "data" / "logs" / "counter-app.log") in done.stderr and "Traceback" not in done.stderr
    written = (tmp_path / "data" / "logs" / "counter-app.log").read_text(encoding="utf-8")
    assert "LookupError: không thấy <số giấy tờ>" in written and ID_NUMBER not in written
