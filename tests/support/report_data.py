"""A counter's worth of office days made through the REAL services, for the report tests (issue 11).

`build_report_data(db, data_dir, seed)` receives ~80 dossiers over eight office days (some before the
reported period, some back-dated with a supervisor's approval, a few refused at intake) and walks each
through a seeded random life with `at=`: to the agency, supplements asked and supplied, apologies,
results early, on time or late, returned at the desk or by post, withdrawals and stops. Around them:
receipts in cash and by transfer (one cancelled and collected again), guidance, assisted filings, scans
of papers, two closed days (one with a difference) and the creation of half the dossiers acknowledged
by the province. Nothing here computes a figure: the tests read the raw rows back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import update

from counter_app.domain.dossier import OFFICE_TZ, DocumentLine
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType, OutboxState
from counter_app.services.accounts import create_account
from counter_app.services.assisted_filing import AssistRequest, log_assistance
from counter_app.services.day_close import close_day, day_summary
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
from counter_app.services.receipts import cancel_receipt, collect_fee, receipts_of
from counter_app.services.returns import return_at_desk, return_by_post
from counter_app.storage.database import Database
from counter_app.storage.models import DossierRow, OutboxOp
from tests.conftest import HAI_CHAU_WARD, UNIT_CODE
from tests.support.receipts import FEE_PROCEDURE, grant_receipt_range
from tests.support.returns import grant_item_range

SUPERVISOR, CLERK = "giamsat", "mai"
AGENCY = "Phòng Tư pháp"
PROCEDURES = ("1.001193", "1.000894", "1.004873", FEE_PROCEDURE)
# Office days the dossiers are received on: two before the reported period (carried over), then six.
RECEIVING_DAYS = (date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11),
                  date(2026, 3, 12), date(2026, 3, 13), date(2026, 3, 16))
PERIOD_START, PERIOD_END = date(2026, 3, 9), date(2026, 3, 18)
CLOSED_DAYS = (date(2026, 3, 9), date(2026, 3, 10))
NAMES = ("Nguyễn Văn Đức", "Trần Thị Bình", "Lê Hoàng Yến", "Phạm Quốc Việt", "Võ Thị Ánh", "Đặng Minh Châu")


def office(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OFFICE_TZ)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass
class ReportData:
    codes: list[str] = field(default_factory=list)
    scenarios: dict[str, str] = field(default_factory=dict)  # code -> what its life was (for messages)


def _person(rng: random.Random) -> PersonInput:
    return PersonInput(full_name=rng.choice(NAMES), id_number=f"0490900{rng.randint(10000, 99999)}",
                       phone="0905123456", street=f"{rng.randint(1, 200)} Lê Lợi", ward_code=HAI_CHAU_WARD,
                       birth_date="1990-05-17", gender="male")


class _Generator:
    def __init__(self, db: Database, data_dir: Path, rng: random.Random) -> None:
        self.db, self.data_dir, self.rng = db, data_dir, rng
        self.data = ReportData()
        self.portal_serial = 9000
        self.transfers = 0
        self.received = 0
        self.scan = data_dir / "scan.png"
        Image.new("L", (400, 560), 255).save(self.scan)

    def receive(self, day: date, minute: int) -> tuple[str, datetime]:
        rng = self.rng
        when = office(day, 8, 0) + timedelta(minutes=minute)
        channel = rng.choices((1, 2, 3), weights=(6, 2, 2))[0]
        procedure = rng.choice(PROCEDURES)
        extra: dict[str, object] = {}
        now = when
        if channel == 2:
            self.portal_serial += 1
            extra["portal_code"] = f"{UNIT_CODE}-{day:%y%m%d}-{self.portal_serial}"
        if channel == 3:
            extra["result_delivery"] = "bcci"
        self.received += 1
        if day != RECEIVING_DAYS[0] and self.received % 23 == 7:  # typed in the next working day, approved
            now = office(next_working_day(day), 8, 30)
            extra |= {"late_entry_reason": "Mất điện, nhập lại từ sổ giấy", "late_entry_by": SUPERVISOR}
        request = IntakeRequest(procedure, _person(rng), channel=channel, received_at=when, clerk_username=CLERK,
                                **extra)  # type: ignore[arg-type]
        if self.received % 29 == 5:
            code = refuse_at_intake(self.db, request, "Hồ sơ không thuộc thẩm quyền giải quyết", now=now).code
            self.data.scenarios[code] = "refused at intake"
        else:
            code = receive_dossier(self.db, request, now=now).code
        self.data.codes.append(code)
        if procedure == FEE_PROCEDURE and code not in self.data.scenarios:
            self.collect(code, when + timedelta(minutes=3))
        if rng.random() < 0.2:
            add_scans(self.db, self.data_dir, code, 1, [self.scan], now=when + timedelta(minutes=4))
        return code, when

    def collect(self, code: str, at: datetime) -> str:
        if self.rng.random() < 0.4:
            self.transfers += 1
            return collect_fee(self.db, code, method="transfer", bank_reference=f"FT2603{self.transfers:05d}",
                               by=CLERK, at=at).number_text
        return collect_fee(self.db, code, method="cash", by=CLERK, at=at).number_text

    def life(self, code: str, received: datetime) -> None:
        """A seeded random life after receipt; every step later than the one before."""
        rng = self.rng
        t = received + timedelta(minutes=30)
        scenario = rng.choices(("open", "refuse", "withdraw", "processing", "supplement", "stop", "finish"),
                               weights=(2, 1, 1, 2, 3, 1, 8))[0]
        self.data.scenarios.setdefault(code, scenario)
        if self.data.scenarios[code] != scenario:  # refused at intake: nothing more
            return
        if scenario == "open":
            return
        if scenario == "refuse":
            transition(self.db, code, Status.REFUSED, reason="Giấy tờ giả mạo", at=t, by=CLERK)
            return
        if scenario == "withdraw":
            transition(self.db, code, Status.WITHDRAWN, reason="Công dân xin rút hồ sơ", at=t, by=CLERK)
            return
        t += timedelta(hours=rng.randint(1, 20))
        dossier = transition(self.db, code, Status.PROCESSING, agency=AGENCY, at=t, by=CLERK)
        if scenario == "processing":
            return
        if scenario == "stop":
            transition(self.db, code, Status.STOPPED, reason="Cơ quan dừng xử lý", at=t + timedelta(hours=2), by=CLERK)
            return
        if scenario == "supplement" or rng.random() < 0.2:
            t += timedelta(hours=rng.randint(1, 30))
            request_supplement(self.db, code, missing=[DocumentLine("Bản sao giấy khai sinh", 1, 0, 0)],
                               reason="Thiếu giấy tờ", at=t, by=CLERK)
            if scenario == "supplement" and rng.random() < 0.4:
                return  # still waiting for the citizen
            t += timedelta(hours=rng.randint(2, 50))
            dossier = record_supplied(self.db, code, at=t, by=CLERK)
        if rng.random() < 0.25:
            t += timedelta(hours=1)
            new_due = proposed_new_due(self.db, code, now=max(t, dossier.due_at))
            apologise(self.db, code, reason="Cần xác minh thêm", new_due_at=new_due, at=t, by=CLERK)
        if scenario == "supplement" and rng.random() < 0.5:
            return
        due_day = dossier.due_at.astimezone(OFFICE_TZ).date()
        target = office(due_day + timedelta(days=rng.choice((-2, -1, 0, 0, 1, 3))), rng.randint(8, 16))
        t = max(t + timedelta(hours=1), target)
        transition(self.db, code, Status.RESULT_READY, agency=AGENCY, at=t, by=CLERK)
        roll = rng.random()
        t += timedelta(hours=rng.randint(1, 40))
        if roll < 0.45:
            return_at_desk(self.db, code, receiver_name="Nguyễn Văn Đức", id_number="049090001234", at=t,
                           clerk_username=CLERK)
        elif roll < 0.75:
            return_by_post(self.db, code, recipient="Trần Thị Bình", phone="0905123456", ward_code=HAI_CHAU_WARD,
                           street="12 Lê Lợi", postage="25.000", payer="citizen", at=t, clerk_username=CLERK)

    def records(self) -> None:
        rng = self.rng
        for n in range(6):
            day = rng.choice(RECEIVING_DAYS)
            record_guidance(self.db, GuidanceRequest(procedure_code="1.001193", applicant=_person(rng),
                                                     reason="Thiếu tờ khai", missing=[], clerk_username=CLERK),
                            now=office(day, 14, n))
        for n in range(5):
            day = rng.choice(RECEIVING_DAYS)
            outcome = rng.choice(("account", "filed"))
            portal = {"portal_code": f"{UNIT_CODE}-{day:%y%m%d}-{8000 + n}"} if outcome == "filed" else {}
            log_assistance(self.db, AssistRequest(applicant_name=rng.choice(NAMES), procedure_code="1.001193",
                                                  outcome=outcome, clerk_username=CLERK, **portal),
                           now=office(day, 15, n))


def _cancel_and_collect_again(gen: _Generator) -> None:
    """Two receipts cancelled by the supervisor a few minutes later, and the fee collected again."""
    fee_codes = [code for code in gen.data.codes if receipts_of(gen.db, code)]
    for code in fee_codes[1:3]:
        receipt = receipts_of(gen.db, code)[0]
        cancel_receipt(gen.db, receipt.number_text, reason="Ghi sai tên người nộp", supervisor=SUPERVISOR,
                       at=receipt.collected_at + timedelta(minutes=5))
        gen.collect(code, receipt.collected_at + timedelta(minutes=6))


def _acknowledge_half(db: Database, codes: list[str]) -> None:
    """The province acknowledged the creation of every other dossier (what a push's answer records)."""
    with db.read() as session:
        ids = [session.query(DossierRow.id).filter(DossierRow.code == code).scalar() for code in codes[::2]]
    with db.write() as session:
        session.execute(update(OutboxOp).where(OutboxOp.op_type == OpType.DOSSIER_CREATE.value,
                                               OutboxOp.entity_id.in_(ids))
                        .values(state=OutboxState.ACKED.value, acked_at=datetime.now(OFFICE_TZ)))


def build_report_data(db: Database, data_dir: Path, seed: int = 11, per_day: int = 10) -> ReportData:
    """Fill a set-up counter (tests.conftest.open_counter) with a seeded mix; see the module docstring."""
    rng = random.Random(seed)
    create_account(db, username=SUPERVISOR, full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                   by=None, now=office(RECEIVING_DAYS[0], 7))
    create_account(db, username=CLERK, full_name="Trần Thị Mai", role="clerk", password="matkhau123",
                   by=SUPERVISOR, now=office(RECEIVING_DAYS[0], 7))
    grant_receipt_range(db, 1, 500)
    grant_item_range(db, 1, 500)
    gen = _Generator(db, data_dir, rng)
    for day in RECEIVING_DAYS:
        for n in range(per_day + rng.randint(-2, 2)):
            code, received = gen.receive(day, minute=n * 17)
            gen.life(code, received)
    gen.records()
    _cancel_and_collect_again(gen)
    for number, day in enumerate(CLOSED_DAYS):
        expected = day_summary(db, day).cash_expected
        if number == 0:
            close_day(db, day, counted_total=expected, by=CLERK)
        else:
            close_day(db, day, counted_total=expected - 5_000, explanation="Thiếu 5.000 đồng tiền lẻ",
                      supervisor=SUPERVISOR, by=CLERK)
    _acknowledge_half(db, gen.data.codes)
    return gen.data
