"""After sync, the province's report equals the sum of its units' reports (issue 11, must-show 3).

Three real counters (two desks of one unit, one desk of another) each hold a seeded mix of sample history
(received, handed to the agency, finished, returned, supplements, withdrawals over ten office days) and
today's clerk work through the real services: a supplement asked and supplied, an apology, a return at
the desk and one by post, a refusal, a guidance, a back-dated entry, a paper scanned (digitised), two
assisted filings, fees in cash and by transfer, a cancelled receipt and the day's close with a difference. They sync with a real provincial-server process
(SQLite and PostgreSQL). Then every desk row and unit row of the province's daily report and KPI equals
what the counters' own reports (services.reports) say, and the province's total equals their sum; only
«Thao tác chưa đồng bộ» differs by design (0 on the server, and 0 on the counters once they have synced).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from counter_app.domain.dossier import OFFICE_TZ, DocumentLine
from counter_app.domain.lifecycle import Status
from counter_app.domain.postal_codes import ITEM_SERIES
from counter_app.reports.model import DailyReport, Indicator, KpiReport, Period, ReportKind
from counter_app.services import reports
from counter_app.services.accounts import create_account
from counter_app.services.assisted_filing import AssistRequest, log_assistance
from counter_app.services.day_close import close_day
from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.services.digitisation import add_scans
from counter_app.services.guidance import GuidanceRequest, record_guidance
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier, refuse_at_intake
from counter_app.services.lifecycle import (
    apologise,
    proposed_new_due,
    record_supplied,
    request_supplement,
    transition,
)
from counter_app.services.receipts import cancel_receipt, collect_fee
from counter_app.services.returns import return_at_desk, return_by_post
from counter_app.storage.database import Database
from counter_app.storage.models import DossierRow
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.admin import allocate_next_range
from sync.server.reports import build_report
from tests.conftest import open_counter
from tests.support.receipts import BOOK, fee_dossier
from tests.sync.harness import ROOT, UNIT_A, UNIT_B, ServerProcess, backend_url
from tests.sync.invariants import open_server_db

SUPERVISOR = "giamsat"
PERSON = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
MISSING = [DocumentLine("Giấy chứng sinh", originals=1)]


@dataclass
class Desk:
    unit: str
    slot: int
    db: Database
    data_dir: Path
    device_id: str

    def sync(self) -> None:
        report = SyncRunner(self.db, self.data_dir, base_delay=0.01, max_delay=0.1).run_once()
        assert report.ok and not report.problems, report


@dataclass
class Rig:
    server: ServerProcess
    desks: list[Desk]
    period: Period


def _grant(server: ServerProcess, desk: Desk) -> None:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            allocate_next_range(s, desk.device_id, BOOK.series, 10, datetime.now(UTC))
            allocate_next_range(s, desk.device_id, ITEM_SERIES, 5, datetime.now(UTC))
    finally:
        db.dispose()


def _codes(db: Database, status: Status) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(DossierRow.code).where(DossierRow.status == int(status))
                                    .order_by(DossierRow.code)))


def _with_papers(db: Database, codes: list[str]) -> str:
    """The first of `codes` whose dossier lists papers: which demo dossiers are still received depends on the
    day the test runs, and a procedure that asks for no paper gives a dossier with none to scan."""
    with db.read() as session:
        return next(code for code in codes
                    if session.scalar(select(DossierRow.documents).where(DossierRow.code == code)))


def _todays_work(desk: Desk) -> None:
    """One of each clerk action the reports count, through the real services (each queued for the province)."""
    db, by = desk.db, SUPERVISOR
    received = _codes(db, Status.RECEIVED)
    for code in received[:4]:  # handed to the agency (a Mẫu 05 row each)
        transition(db, code, Status.PROCESSING, agency="Phòng Tư pháp", by=by)
    request_supplement(db, received[0], missing=MISSING, reason="Thiếu giấy chứng sinh", by=by)
    record_supplied(db, received[0], by=by)
    apologise(db, received[1], reason="Cơ quan chuyên môn cần thêm thời gian xác minh",
              new_due_at=proposed_new_due(db, received[1]), by=by)
    ready = received[2:4]
    for code in ready:  # the result back from the agency, then returned
        transition(db, code, Status.RESULT_READY, agency="Phòng Tư pháp", by=by)
    return_at_desk(db, ready[0], receiver_name="Nguyễn Văn Đức", id_number="049090001234", clerk_username=by)
    return_by_post(db, ready[1], recipient="Trần Thị Bình", phone="0905123456", ward_code=20242, street="12 Lê Lợi",
                   postage=25_000, payer="citizen", clerk_username=by)
    refuse_at_intake(db, IntakeRequest("1.001193", PERSON, clerk_username=by), "Không thuộc thẩm quyền của UBND xã")
    record_guidance(db, GuidanceRequest("1.001193", PERSON, reason="Thiếu giấy chứng sinh", missing=MISSING,
                                        clerk_username=by))
    receive_dossier(db, IntakeRequest("1.001193", PERSON, received_at=datetime.now(UTC) - timedelta(days=2),
                                      late_entry_reason="Nhập lại hồ sơ giấy", clerk_username=by))
    cash = collect_fee(db, fee_dossier(db, clerk=by), method="cash", by=by)
    collect_fee(db, fee_dossier(db, "Lê Thị Hồng", clerk=by), method="transfer", bank_reference="FT26110000001", by=by)
    collect_fee(db, fee_dossier(db, "Phạm Văn Nam", clerk=by), method="cash", by=by)
    cancel_receipt(db, cash.number_text, reason="Ghi sai số tiền", supervisor=by)
    scan = desk.data_dir / "trang-quet.png"
    Image.new("L", (400, 560), 255).save(scan)
    add_scans(db, desk.data_dir, _with_papers(db, received[4:]), 1, [scan])  # «Hồ sơ đã số hóa»: its first paper
    today = datetime.now(OFFICE_TZ).date()
    log_assistance(db, AssistRequest(applicant_name="Võ Thị Lan", procedure_code="1.001193", outcome="filed",
                                     portal_code=f"{desk.unit}-{today:%y%m%d}-{8000 + desk.slot}", clerk_username=by))
    log_assistance(db, AssistRequest(applicant_name="Đặng Văn Tư", procedure_code="1.001193", outcome="account",
                                     clerk_username=by))  # «Hỗ trợ nộp trực tuyến»: both kinds of help
    close_day(db, datetime.now(OFFICE_TZ).date(), counted_total=1_000, explanation="Thiếu tiền lẻ trả lại",
              supervisor=by, by=by)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with ServerProcess(backend_url(request, tmp_path_factory)) as server:
        server.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        server.admin("create-unit", "--code", UNIT_B, "--name", "UBND phường Thanh Khê")
        server.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        root = tmp_path_factory.mktemp("desks")
        desks = []
        for seed, (unit, slot) in enumerate(((UNIT_A, 1), (UNIT_A, 2), (UNIT_B, 1)), start=1):
            data_dir = root / f"{unit}-{slot}"
            db = open_counter(data_dir, desk=slot, unit_code=unit)
            device_id = enroll(db, server.url, server.enrollment_code(unit)).device_id
            desk = Desk(unit, slot, db, data_dir, device_id)
            desks.append(desk)
            if slot == 1:
                create_account(db, username=SUPERVISOR, full_name="Lê Văn Giám", role="supervisor",
                               password="matkhau-gs1", by=None)
            desk.sync()  # the second desk of unit A receives its supervisor account
            _grant(server, desk)
            desk.sync()
            generate_demo_dossiers(db, 36, seed=seed, queue_for_sync=True, spread_days=9)
        for desk in desks:
            _todays_work(desk)
            desk.sync()
        today = datetime.now(OFFICE_TZ).date()
        yield Rig(server, desks, Period(today - timedelta(days=14), today))
        for desk in desks:
            desk.db.close()


def _province(rig: Rig, kind: ReportKind) -> DailyReport | KpiReport:
    db = open_server_db(rig.server.database_url)
    try:
        with db.read() as s:
            report = build_report(s, kind, rig.period, None, datetime.now(UTC))
    finally:
        db.dispose()
    assert isinstance(report, DailyReport | KpiReport)
    return report


def _differences(province: dict[str, int], counters: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Figure -> (the province's, the counters') where they differ: what a failure names."""
    return {key: (province.get(key, 0), counters.get(key, 0)) for key in province.keys() | counters.keys()
            if province.get(key, 0) != counters.get(key, 0)}


def _summed(rows: list[dict[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for row in rows:
        total.update(row)
    return {key: total[key] for key in rows[0]}


@pytest.mark.slow
def test_the_provinces_daily_report_is_the_sum_of_its_desks_and_units(rig: Rig) -> None:
    province = _province(rig, ReportKind.DAILY)
    assert isinstance(province, DailyReport)
    own = {(d.unit, d.slot): reports.daily_report(d.db, rig.period).total.values for d in rig.desks}
    for values in own.values():
        assert values["not_synced"] == 0  # every operation acknowledged
    # The mix really is there: each kind of clerk work counted at least once on each desk.
    for key in ("received_direct", "back_dated", "guided", "refused", "supplements_requested", "supplements_supplied",
                "apologies", "returned_desk", "returned_post", "receipts_issued", "receipts_cancelled", "closes",
                "digitised", "assisted"):
        assert all(values[key] >= 1 for values in own.values()), key
    assert all(values["close_difference"] != 0 for values in own.values())

    desks = {(row.unit_code, row.desk_slot): row.values for row in province.desks}
    assert set(desks) == set(own)
    assert {desk: _differences(desks[desk], own[desk]) for desk in own} == {desk: {} for desk in own}
    units = {row.unit_code: row.values for row in province.units}
    assert units == {unit: _summed([v for (u, _slot), v in own.items() if u == unit]) for unit in (UNIT_A, UNIT_B)}
    assert province.total.values == _summed(list(own.values()))
    # The same over HTTP with a supervisor's report token, as the province's tools read it.
    token = rig.server.admin("report-token", "create", "--name", "Văn phòng UBND tỉnh").split()[-1]
    answer = requests.get(f"{rig.server.url}{API_PREFIX}/reports/daily", headers={"Authorization": f"Bearer {token}"},
                          params={"from": rig.period.start.isoformat(), "to": rig.period.end.isoformat()}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"]["values"] == province.total.values
    assert {row["unit_code"]: row["values"] for row in answer.json()["units"]} == units
    assert province.total.unit_code is None and province.total.desk_slot is None
    per_day = Counter[tuple[object, int]]()
    for desk in rig.desks:
        for day, channels in reports.daily_report(desk.db, rig.period).received_per_day.items():
            per_day.update({(day, channel): count for channel, count in channels.items()})
    assert {(day, ch): n for day, channels in province.received_per_day.items() for ch, n in channels.items() if n} == {
        key: n for key, n in per_day.items() if n}


@pytest.mark.slow
def test_the_provinces_indicators_are_those_of_the_summed_counts(rig: Rig) -> None:
    province = _province(rig, ReportKind.KPI)
    assert isinstance(province, KpiReport)
    own: dict[str, list[dict[str, int]]] = {d.unit: [] for d in rig.desks}
    indicators: dict[str, dict[str, Indicator]] = {}
    for desk in rig.desks:
        kpi = reports.kpi_report(desk.db, rig.period)
        own[desk.unit].append(kpi.total.counts)
        indicators[desk.unit] = kpi.total.indicators
    units = {row.unit_code: row for row in province.units}
    for unit, counts in own.items():
        assert units[unit].counts == _summed(counts), unit
    assert province.total.counts == _summed([c for counts in own.values() for c in counts])
    assert units[UNIT_B].indicators == indicators[UNIT_B]  # one desk: the very same indicators
    for key, indicator in province.total.indicators.items():
        parts = [units[unit].indicators[key] for unit in own]
        assert indicator.numerator == sum(p.numerator for p in parts), key
        assert indicator.denominator == sum(p.denominator for p in parts), key

