"""`counter-app` on a damaged or unusable database, and on impossible received-at times: a Vietnamese
message on stderr and a documented exit code, never a traceback, and nothing changed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from counter_app.storage.database import DB_FILENAME
from counter_app.storage.integrity import newest_backup
from tests.support.cli_process import run_counter_app
from tests.support.damaged_db import DAMAGES, build_counter, fingerprint

ROOT = Path(__file__).resolve().parents[2]
EXIT_DAMAGED_DB = 4


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_counter_app(["--data-dir", str(data_dir), *args])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("template") / "counter"
    build_counter(data_dir, 60)
    return data_dir


@pytest.fixture
def counter(template: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "counter"
    shutil.copytree(template, data_dir)
    return data_dir


@pytest.mark.parametrize("case", list(DAMAGES))
def test_a_damaged_database_gets_its_message_and_exit_4(counter: Path, case: str) -> None:
    expected, make = DAMAGES[case]
    make(counter / DB_FILENAME)
    before = fingerprint(counter)
    backup = newest_backup(counter)
    assert backup is not None

    result = run(counter, "search", "nguyen")

    assert result.returncode == EXIT_DAMAGED_DB, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    message = result.stderr[result.stderr.index("Lỗi: ") :]
    assert message.startswith(f"Lỗi: Tệp cơ sở dữ liệu của quầy «{counter / DB_FILENAME}» {expected.value}:")
    assert str(backup.path) in message
    assert "công nghệ thông tin của tỉnh" in message
    assert fingerprint(counter) == before


def test_an_unusable_data_folder_is_explained_with_exit_1(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "counter"
    not_a_folder.write_text("this is a file, not a folder", encoding="utf-8")
    result = run(not_a_folder, "search", "nguyen")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"Lỗi: Không truy cập được cơ sở dữ liệu của quầy «{not_a_folder / DB_FILENAME}»" in result.stderr


# -- received-at out of any sane range ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("0001-01-01T03:00", "sớm hơn mốc sớm nhất hệ thống nhận (07:00 01/01/2000)"),
        ("0001-01-01T03:00+07:00", "sớm hơn mốc sớm nhất"),
        ("1999-12-31T23:59", "sớm hơn mốc sớm nhất"),
        ("9999-12-31T23:00", "ở tương lai"),
        ("9999-12-31T23:00-12:00", "ở tương lai"),
        ("2026-02-30T08:00", "không đúng dạng ISO 8601"),
        ("2026-03-10T08:00+24:00", "không đúng dạng ISO 8601"),
    ],
)
def test_an_impossible_received_at_is_a_field_message_and_exit_2(template: Path, value: str, says: str) -> None:
    before = fingerprint(template)
    result = run(template, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức",
                 "--id-number", "049090001234", "--phone", "0905123456", "--address", "12 Lê Lợi",
                 "--received-at", value, "--json")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert says in result.stderr
    errors = json.loads(result.stderr.strip().splitlines()[-1])["errors"]
    assert [e["field"] for e in errors] == ["received_at"]
    assert errors[0]["message"].startswith("Thời điểm tiếp nhận")
    assert fingerprint(template)[DB_FILENAME] == before[DB_FILENAME]  # nothing was saved
