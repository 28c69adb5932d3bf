"""The diagnostics bundle: logs, versions, sync and database summaries, and no citizen data at all."""

import json
import logging
import sqlite3
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from counter_app import __version__, logs
from counter_app.diagnostics import README_NAME, REPORT_NAME, build_bundle
from counter_app.domain.dossier import OFFICE_TZ
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import DB_FILENAME, SCHEMA_HEAD
from counter_app.ui.settings import CounterSettings
from tests.conftest import open_counter
from tests.support.cli_process import ROOT, run_counter_app

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)
CITIZENS = [  # distinctive values: none may appear anywhere in the bundle
    ("Hoàng Thị Xuân Quỳnh", "079187654321", "0912345678", "Hẻm 42 Trần Khát Chân", "xquynh@example.vn"),
    ("Đinh Công Tráng", "212345678", "0236 3822 111", "Thôn Phú Túc Đông", "dct1954@example.vn"),
]


def every_value() -> list[str]:
    return [value for person in CITIZENS for value in person] + ["Xuân Quỳnh", "Trần Khát Chân", "Phú Túc"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A counter with dossiers of distinctive people, whose log carries an exception about them."""
    folder = tmp_path_factory.mktemp("diag") / "counter"
    db = open_counter(folder)
    codes = []
    for name, id_number, phone, street, email in CITIZENS:
        codes.append(receive_dossier(db, IntakeRequest("1.001193", PersonInput(
            full_name=name, id_number=id_number, id_type="cccd" if len(id_number) == 12 else "cmnd", phone=phone,
            street=street, email=email)), now=NOW).code)
    logs.setup_logging(folder)
    try:
        raise ValueError(f"không gửi được hồ sơ {codes[0]} của CCCD {CITIZENS[0][1]}, điện thoại {CITIZENS[0][2]}")
    except ValueError:
        logging.getLogger("tests.diagnostics").exception("Lỗi thử")
    CounterSettings.for_data_dir(folder).set_printer_name("HP LaserJet quầy 1")
    db.close()
    yield folder
    logs.setup_logging(folder.parent / "after")


@pytest.fixture(scope="module")
def bundle(data_dir: Path) -> dict[str, bytes]:
    out = data_dir.parent / "out" / "chan-doan.zip"
    report = build_bundle(data_dir, out)
    assert report.path == out and report.problems == [] and report.log_files == ["counter-app.log"]
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_bundle_holds_no_citizen_data(bundle: dict[str, bytes]) -> None:
    assert sorted(bundle) == [README_NAME, REPORT_NAME, "logs/counter-app.log"]
    for name, content in bundle.items():
        text = content.decode("utf-8")
        for value in every_value():
            assert value not in text, f"{value!r} in {name}"
    assert "ValueError: không gửi được hồ sơ 000.31.48.H15-" in bundle["logs/counter-app.log"].decode()


def test_the_report_has_versions_database_sync_and_settings(bundle: dict[str, bytes]) -> None:
    report = json.loads(bundle[REPORT_NAME])
    assert report["versions"]["app"] == __version__
    assert report["versions"]["python"] == sys.version.split()[0]
    assert report["versions"]["sqlite"] == sqlite3.sqlite_version and report["versions"]["qt"]
    database = report["database"]
    assert database["schema_revision"] == database["schema_head"] == SCHEMA_HEAD
    assert database["integrity_check"] == "ok"
    assert database["row_counts"]["dossier"] == len(CITIZENS)
    assert database["row_counts"]["outbox"] >= len(CITIZENS)
    assert report["sync"]["enrolled"] is False and report["sync"]["pending"] >= len(CITIZENS)
    assert report["settings"]["printer_name"] == "HP LaserJet quầy 1"
    assert report["problems"] == []


def test_the_cli_builds_a_bundle_of_a_damaged_counter_it_cannot_open(data_dir: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    source = (data_dir / DB_FILENAME).read_bytes()
    (damaged / DB_FILENAME).write_bytes(source[: len(source) // 2])  # truncated: the app refuses it
    before = (damaged / DB_FILENAME).read_bytes()
    out = tmp_path / "bundle.zip"
    result = run_counter_app(["--data-dir", str(damaged), "diagnostics", "--out", str(out), "--json"], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["out"] == str(out)
    assert (damaged / DB_FILENAME).read_bytes() == before  # described, never touched
    with zipfile.ZipFile(out) as archive:
        report = json.loads(archive.read(REPORT_NAME))
    database = report["database"]
    assert database["exists"] and database["integrity_check"].startswith("Tệp cơ sở dữ liệu"), database
    assert "skipped" in report["sync"]
    assert answer["problems"] == report["problems"] == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
def test_an_unexpected_error_in_a_command_is_one_vietnamese_line_and_exit_70(data_dir: Path) -> None:
    import subprocess

    with open("/dev/full", "w", encoding="utf-8") as full:  # the answer cannot be written: a real full disk
        done = subprocess.run([sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), "catalog", "--json"],
                              stdout=full, stderr=subprocess.PIPE, text=True, encoding="utf-8", timeout=120, cwd=ROOT)
    assert done.returncode == 70
    assert done.stderr.startswith("Lỗi: ứng dụng gặp lỗi không mong muốn (OSError). Dữ liệu đã lưu không bị ảnh")
    assert "Traceback" not in done.stderr and str(logs.log_file(data_dir)) in done.stderr
    written = logs.log_file(data_dir).read_text(encoding="utf-8")
    assert "Lỗi không mong muốn trong lệnh catalog" in written and "OSError: [Errno 28]" in written
