"""The province's report API and commands on a real provincial-server process (issue 11, C).

Report tokens are made, listed and revoked with `provincial-server report-token`; only they open
/api/v1/reports/… (a counter's device token is refused, and a report token cannot sync); a unit's token
sees only its unit; bad periods are refused with the API's Vietnamese error shape; the JSON and XLSX
answers and `provincial-server report` carry the engine's figures.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from counter_app.reports.figures import DAILY_FIGURES
from sync.protocol import API_PREFIX
from sync.server.auth import token_digest
from sync.server.models import ReportToken
from tests.support.cli_process import run_command
from tests.sync.harness import UNIT_A, UNIT_B, ServerProcess
from tests.sync.invariants import open_server_db

VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


def new_token(server: ServerProcess, name: str, *unit: str) -> str:
    return server.admin("report-token", "create", "--name", name, *(("--unit", unit[0]) if unit else ())).split()[-1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(f"sqlite:///{tmp_path_factory.mktemp('server') / 's.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        process.admin("create-unit", "--code", UNIT_B, "--name", "UBND xã Hòa Vang")
        yield process


@pytest.fixture(scope="module")
def province_token(server: ServerProcess) -> str:
    return new_token(server, "Văn phòng UBND tỉnh")


def get(server: ServerProcess, kind: str, token: str | None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(f"{server.url}{API_PREFIX}/reports/{kind}", params=params, headers=headers, timeout=60)


def refused(response: requests.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert VIETNAMESE.search(error["message"]), error
    return error["message"]


def device_token(server: ServerProcess) -> str:
    answer = requests.post(f"{server.url}{API_PREFIX}/enroll", json={"code": server.enrollment_code(UNIT_A)}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def test_a_token_is_shown_once_kept_as_its_hash_listed_and_revoked(server: ServerProcess) -> None:
    token = new_token(server, "Phòng Kiểm soát TTHC", UNIT_A)
    listed = json.loads(server.admin("report-token", "list", "--json"))
    mine = next(row for row in listed if row["name"] == "Phòng Kiểm soát TTHC")
    assert (mine["unit_code"], mine["revoked"]) == (UNIT_A, False)
    assert token not in json.dumps(listed)  # shown once, at creation only
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            stored = s.scalar(select(ReportToken).where(ReportToken.id == mine["id"]))
            assert stored is not None and stored.token_hash == token_digest(token)
    finally:
        db.dispose()
    refused(get(server, "daily", token, to="2026-11-30"), 400, "bad_period")  # admitted: the period is what is wrong

    assert "Đã thu hồi" in server.admin("report-token", "revoke", mine["id"])
    refused(get(server, "daily", token, **PERIOD), 403, "report_token_revoked")
    assert next(row for row in json.loads(server.admin("report-token", "list", "--json"))
                if row["id"] == mine["id"])["revoked"] is True
    unknown = run_command("provincial-server", ["--database-url", server.database_url, "report-token", "revoke", "khong-co"])
    assert unknown.returncode == 1 and "Không có mã báo cáo" in unknown.stderr


def test_only_report_tokens_open_reports_and_a_units_token_sees_only_its_unit(
        server: ServerProcess, province_token: str) -> None:
    refused(get(server, "daily", None, **PERIOD), 401, "missing_token")
    refused(get(server, "daily", "khong-phai-ma-bao-cao", **PERIOD), 401, "bad_token")
    counter = device_token(server)
    refused(get(server, "daily", counter, **PERIOD), 403, "device_token_refused")
    # … and a report token is no device token: it cannot pull a unit's changes.
    pulled = requests.get(f"{server.url}{API_PREFIX}/sync/pull", headers={"Authorization": f"Bearer {province_token}"},
                          timeout=30)
    assert pulled.status_code == 401
    assert requests.get(f"{server.url}{API_PREFIX}/sync/pull", headers={"Authorization": f"Bearer {counter}"},
                        timeout=30).status_code == 200

    unit_a = new_token(server, "UBND phường Hải Châu", UNIT_A)
    message = refused(get(server, "kpi", unit_a, **PERIOD, unit=UNIT_B), 403, "unit_not_allowed")
    assert UNIT_A in message and UNIT_B in message
    refused(get(server, "daily", province_token, **PERIOD, unit="000.99.99.H99"), 404, "unknown_unit")


@pytest.mark.parametrize(("params", "code"), [
    ({"to": "2026-11-30"}, "bad_period"),
    ({"from": "01/11/2026", "to": "2026-11-30"}, "bad_period"),
    ({"from": "2026-02-30", "to": "2026-03-01"}, "bad_period"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "bad_period"),
    ({"from": "2025-11-29", "to": "2026-11-30"}, "bad_period"),  # 367 days
    ({**PERIOD, "format": "pdf"}, "bad_format"),
])
def test_bad_periods_and_formats_are_refused_in_vietnamese(server: ServerProcess, province_token: str,
                                                           params: dict[str, str], code: str) -> None:
    refused(get(server, "register", province_token, **params), 400, code)


def test_an_unknown_report_kind_is_not_found(server: ServerProcess, province_token: str) -> None:
    refused(get(server, "weekly", province_token, **PERIOD), 404, "unknown_report")


def test_json_and_xlsx_answers_and_the_unit_scope(server: ServerProcess, province_token: str) -> None:
    from openpyxl import load_workbook

    daily = get(server, "daily", province_token, **PERIOD)
    assert daily.status_code == 200, daily.text
    body = daily.json()
    assert {row["unit_code"] for row in body["units"]} <= {UNIT_A, UNIT_B}
    assert set(body["total"]["values"]) == {figure.key for figure in DAILY_FIGURES}
    for kind in ("kpi", "register"):
        assert get(server, kind, province_token, **PERIOD).status_code == 200

    unit_a = new_token(server, "Bộ phận một cửa phường Hải Châu", UNIT_A)
    scoped = get(server, "daily", unit_a, **PERIOD).json()
    assert {row["unit_code"] for row in scoped["units"]} <= {UNIT_A}
    assert scoped["scope"]["unit_code"] == UNIT_A

    xlsx = get(server, "kpi", province_token, **PERIOD, format="xlsx")
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames


def test_the_report_command_writes_json_and_xlsx_and_refuses_bad_input(server: ServerProcess, tmp_path: Path) -> None:
    base = ["--database-url", server.database_url, "report"]
    shown = run_command("provincial-server", [*base, "daily", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert shown.returncode == 0, shown.stderr
    assert set(json.loads(shown.stdout)["total"]["values"]) == {figure.key for figure in DAILY_FIGURES}
    out = tmp_path / "so-theo-doi.xlsx"
    written = run_command("provincial-server", [*base, "register", "--from", "2026-11-01", "--to", "2026-11-30",
                                                "--format", "xlsx", "--unit", UNIT_A, "--out", str(out)])
    assert written.returncode == 0, written.stderr
    assert out.read_bytes()[:2] == b"PK"

    for args in (["--from", "2026-11-30", "--to", "2026-11-01"], ["--from", "hôm qua", "--to", "2026-11-01"],
                 ["--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx"],
                 ["--from", "2026-11-01", "--to", "2026-11-30", "--out", str(tmp_path / "không-có" / "a.json")]):
        bad = run_command("provincial-server", [*base, "kpi", *args])
        assert bad.returncode == 2, (args, bad.stderr)
        assert bad.stderr.startswith("Lỗi: ") and VIETNAMESE.search(bad.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["so-theo-doi.xlsx"]
