"""Realistic sample dossiers in bulk: for the `--demo` start, for screenshots and for benchmarks.

Generated dossiers spread over past office days and over all ten desk slots of the unit (as if pulled
from the province), so they never collide with codes this desk issues later; this desk's own day
counters are advanced past the numbers used in its slot. They are not queued for sync unless asked:
they are sample history, not clerk work.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.codes import MAX_DESK_SLOTS, MAX_PER_DESK_PER_DAY, make_dossier_code, office_day
from counter_app.domain.dossier import (
    OFFICE_TZ,
    Address,
    Channel,
    Dossier,
    Gender,
    IdDocumentType,
    Person,
    ResultDelivery,
    StatusChange,
)
from counter_app.domain.errors import DomainError
from counter_app.domain.lifecycle import Status
from counter_app.domain.lifecycle_records import DEFAULT_AGENCY, HandoverDirection, timeliness
from counter_app.domain.operations import OpType
from counter_app.domain.papers import typical_lines
from counter_app.domain.returns import ReturnMethod
from counter_app.domain.serialization import dossier_to_dict
from counter_app.domain.time_rules import due_at
from counter_app.services.catalog import ensure_sample_catalog, procedures
from counter_app.services.clock import utc_now
from counter_app.services.unit_setup import build_calendar, load_profile
from counter_app.storage.database import Database
from counter_app.storage.dossiers import bulk_insert_dossiers, raise_count_of_day
from counter_app.storage.models import DeskDayCounter, DossierRow, HandoverRow, ResultReturn
from counter_app.storage.outbox import append_operation

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lương", "Mai"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Thu", "Công", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Nhung", "Phong", "Phúc",
         "Phương", "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Trang", "Trung", "Tuấn",
         "Vân", "Việt", "Yến", "Đào", "Ánh"]
STREETS = ["Lê Lợi", "Trần Phú", "Hùng Vương", "Phan Chu Trinh", "Nguyễn Huệ", "Quang Trung",
           "Bạch Đằng", "Hai Bà Trưng", "Lý Thường Kiệt", "Điện Biên Phủ"]
MOBILE_PREFIXES = ["090", "091", "093", "094", "097", "098", "032", "035", "070", "077", "083", "086"]
PER_DAY_PER_DESK = 90  # a busy commune desk; sets how far back in time N dossiers reach
CHUNK = 5_000


def _person(rng: random.Random) -> Person:
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
    middle = "Thị" if gender is Gender.FEMALE and rng.random() < 0.6 else rng.choice(MIDDLE)
    name = f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}"
    birth = date(rng.randint(1945, 2005), rng.randint(1, 12), rng.randint(1, 28))
    century_digit = (0 if birth.year < 2000 else 2) + (1 if gender is Gender.FEMALE else 0)
    id_number = f"0{rng.choice(['48', '49', '51', '79', '01'])}{century_digit}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
    phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
    street = f"{rng.randint(1, 300)} {rng.choice(STREETS)}"
    return Person(
        full_name=name,
        id_type=IdDocumentType.CCCD,
        id_number=id_number,
        phone=phone,
        birth_date=birth,
        gender=gender,
        address=Address(street=street, text=street),
    )


def _status_for_age(days_ago: int, rng: random.Random) -> list[Status]:
    """A plausible path through the lifecycle for a dossier received `days_ago` days ago."""
    if days_ago <= 1:
        return [Status.RECEIVED]
    if days_ago <= 5:
        return rng.choice([[Status.RECEIVED], [Status.RECEIVED, Status.PROCESSING]])
    roll = rng.random()
    if roll < 0.85:
        return [Status.RECEIVED, Status.PROCESSING, Status.RESULT_READY, Status.RETURNED]
    if roll < 0.93:
        return [Status.RECEIVED, Status.PROCESSING, Status.RESULT_READY]
    if roll < 0.97:
        return [Status.RECEIVED, Status.SUPPLEMENT_REQUESTED]
    return [Status.RECEIVED, Status.WITHDRAWN]


def _office_days(end: date, count: int) -> Iterator[date]:
    day = end
    while count > 0:
        if day.weekday() < 5:
            yield day
            count -= 1
        day -= timedelta(days=1)


def generate_demo_dossiers(
    db: Database,
    count: int,
    *,
    seed: int = 1,
    queue_for_sync: bool = False,
    now: datetime | None = None,
    spread_days: int | None = None,
) -> int:
    """Insert `count` sample dossiers over past office days (at least `spread_days` of them if given)."""
    if count < 0:
        raise DomainError("Số hồ sơ mẫu phải là số không âm.")
    now = now or utc_now()
    ensure_sample_catalog(db)
    profile = load_profile(db)
    catalog = procedures(db)
    rng = random.Random(seed)
    # Dossiers queued for the province are this desk's own: the server refuses codes of another desk.
    slots = [profile.desk_slot] if queue_for_sync else list(range(MAX_DESK_SLOTS))
    per_day = PER_DAY_PER_DESK * len(slots)
    if spread_days:
        per_day = min(per_day, max(1, -(-count // spread_days)))
    today = office_day(now)
    days = list(_office_days(today - timedelta(days=1), max(1, -(-count // per_day))))
    with db.read() as session:
        calendar = build_calendar(session, profile.calendar_config)
        used = {
            (c.day, c.desk_slot): c.issued for c in session.query(DeskDayCounter).all()
        }
    counters: dict[tuple[date, int], int] = defaultdict(int, used)
    made = 0
    batch: list[Dossier] = []
    for index in range(count):
        day = days[index // per_day]
        slot = slots[(index % per_day) % len(slots)]
        counters[(day, slot)] += 1
        number = counters[(day, slot)]
        if number > MAX_PER_DESK_PER_DAY:
            continue
        minute = rng.randrange(7 * 60, 16 * 60 + 45)
        received = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=OFFICE_TZ)
        procedure = catalog[rng.randrange(len(catalog))]
        path = _status_for_age((today - day).days, rng)
        history = [StatusChange(None, path[0], received, profile.clerk_name or "Mẫu", "Tiếp nhận hồ sơ")]
        moment = received
        for previous, status in itertools.pairwise(path):
            moment = moment + timedelta(hours=rng.randint(2, 30))
            history.append(StatusChange(previous, status, min(moment, now), "Mẫu"))
        applicant = _person(rng)  # drawn before the channel: the same seed gives the same dossiers
        channel = rng.choices([Channel.DIRECT, Channel.ONLINE, Channel.POSTAL], [80, 12, 8])[0]
        dossier = Dossier(
            # Deterministic per unit and code (repeatable benchmarks), yet distinct across units.
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"counter-app-demo:{profile.unit_code}:{day}:{slot}:{number}")),
            code=str(make_dossier_code(profile.unit_code, slot, day, number)),
            unit_code=profile.unit_code,
            desk_slot=slot,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            applicant=applicant,
            summary=procedure.name,
            documents=typical_lines(procedure),
            sets_count=1,
            channel=channel,
            result_delivery=rng.choices([ResultDelivery.DESK, ResultDelivery.POSTAL], [85, 15])[0],
            received_at=received,
            due_at=due_at(procedure, channel, received, calendar),
            processing_hours=procedure.hours_for(channel),
            status=path[-1],
            received_by=profile.clerk_name or "Mẫu",
            version=len(path),
            history=history,
        )
        batch.append(dossier)
        if len(batch) >= CHUNK:
            made += _flush(db, batch, counters, profile.desk_slot, queue_for_sync, now)
            batch = []
    made += _flush(db, batch, counters, profile.desk_slot, queue_for_sync, now)
    return made


def _flush(
    db: Database,
    batch: list[Dossier],
    counters: dict[tuple[date, int], int],
    own_slot: int,
    queue_for_sync: bool,
    now: datetime,
) -> int:
    if not batch:
        return 0
    with db.write() as session:
        bulk_insert_dossiers(session, batch, now)
        if not queue_for_sync:  # the records travel in ops of their own, which sample dossiers never send
            _desk_records(session, batch)
        for day in {office_day(d.received_at) for d in batch if d.desk_slot == own_slot}:
            raise_count_of_day(session, day, own_slot, min(counters[(day, own_slot)], MAX_PER_DESK_PER_DAY))
        if queue_for_sync:
            for dossier in batch:
                append_operation(
                    session,
                    entity="dossier",
                    entity_id=dossier.id,
                    op_type=OpType.DOSSIER_CREATE,
                    payload=dossier_to_dict(dossier),
                    now=now,
                )
    return len(batch)


def _desk_records(session: Session, batch: list[Dossier]) -> None:
    """What the desk writes beside the steps of a sample dossier, as the real steps would (services.lifecycle
    and services.returns): a Mẫu 05 row for 2→4 and 4→9 and a return at the desk for →10, so the register
    (Mẫu 06) and the reports of the demo unit show the hand-overs and returns that its history claims."""
    from counter_app.services.lifecycle import desk_party

    desk = desk_party(session)
    codes = [d.code for d in batch]
    pks = {code: pk for code, pk in session.execute(select(DossierRow.code, DossierRow.pk)
                                                    .where(DossierRow.code.in_(codes)))}
    for dossier in batch:
        pk = pks[dossier.code]
        for step in dossier.history:
            if (step.from_status, step.to_status) in HANDOVER_STEPS:
                direction = HANDOVER_STEPS[(step.from_status, step.to_status)]
                sides = (desk, DEFAULT_AGENCY) if direction is HandoverDirection.TO_AGENCY else (DEFAULT_AGENCY, desk)
                session.add(HandoverRow(dossier_pk=pk, direction=direction.value, at=step.at, from_party=sides[0],
                                        to_party=sides[1], by=step.actor, due_at=dossier.due_at,
                                        outcome=timeliness(step.at, dossier.due_at).value))
            elif step.to_status is Status.RETURNED:
                session.add(ResultReturn(
                    id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"counter-app-demo-return:{dossier.id}")), dossier_pk=pk,
                    method=ReturnMethod.DESK.value, returned_at=step.at, clerk=step.actor,
                    receiver_name=dossier.applicant.full_name, receiver_id_number=dossier.applicant.id_number))


HANDOVER_STEPS = {
    (Status.RECEIVED, Status.PROCESSING): HandoverDirection.TO_AGENCY,
    (Status.PROCESSING, Status.RESULT_READY): HandoverDirection.FROM_AGENCY,
}


DEMO_UNIT = {
    "unit_code": "000.31.48.H15",
    "unit_name": "Trung tâm Phục vụ hành chính công phường Hải Châu",
    "ward_code": 20242,
    "clerk_name": "Trần Thị Mai",
    "desk": 1,
}
DEMO_DOSSIERS = 300


def prepare_demo_unit(db: Database, dossiers: int = DEMO_DOSSIERS) -> bool:
    """Set up the demo unit with sample dossiers unless already done; True if it was created now."""
    from counter_app.services.unit_setup import NotSetUp, setup_unit

    try:
        load_profile(db)
        return False
    except NotSetUp:
        setup_unit(db, **DEMO_UNIT)
        generate_demo_dossiers(db, dossiers, seed=2026, spread_days=30)
        _demo_returns(db)
        _demo_fees(db)
        return True


DEMO_ITEM_SERIALS = (90_000_001, 90_000_050)  # the demo desk's own postal item serials (no province grants them)


def _demo_returns(db: Database) -> None:
    """A few results of the demo unit returned, so every worklist (F5) has rows: two at the desk, five by
    post, their items waiting for the postman, on their way, delivered and returned to sender. They go
    through the real services and are queued like clerk work; the demo unit never syncs."""
    from counter_app.domain.postal_codes import ITEM_SERIES
    from counter_app.domain.returns import ShipmentState
    from counter_app.services.returns import return_at_desk, return_by_post, set_shipment_state
    from counter_app.storage.models import NumberRange

    with db.write() as session:
        session.add(NumberRange(series=ITEM_SERIES, first=DEMO_ITEM_SERIALS[0], last=DEMO_ITEM_SERIALS[1],
                                next_number=DEMO_ITEM_SERIALS[0], received_at=utc_now()))
        ready = list(session.scalars(select(DossierRow).where(DossierRow.status == Status.RESULT_READY)
                                     .order_by(DossierRow.received_at).limit(7)))
        people = [(row.code, row.applicant_name, row.applicant_phone or "0905123456") for row in ready]
    actor = DEMO_UNIT["clerk_name"]
    for code, name, _phone in people[:2]:
        return_at_desk(db, code, receiver_name=name, id_number="049090001234", actor=actor)
    steps = [(), (ShipmentState.HANDED,), (ShipmentState.HANDED,), (ShipmentState.HANDED, ShipmentState.DELIVERED),
             (ShipmentState.HANDED, ShipmentState.RETURNED)]
    for (code, name, phone), states in zip(people[2:], steps, strict=False):
        record = return_by_post(db, code, recipient=name, phone=phone, ward_code=DEMO_UNIT["ward_code"],
                                street="12 Lê Lợi", postage=25_000, payer="citizen", actor=actor)
        for state in states:
            set_shipment_state(db, record.item_code or code, state, actor=actor)


DEMO_RECEIPT_BOOK = ("01BLP3-001", "AA-26P", 1, 200)  # the demo desk's own receipt book (no province grants it)
DEMO_BANK_ACCOUNT = ("970449", "0000000001", "TAI KHOAN MAU - KHONG CHUYEN TIEN")  # LPBank BIN, a made-up number


def _demo_fees(db: Database) -> None:
    """A receipt book and a (made-up) bank account for the demo desk, and three fees already collected
    (two in cash, one by transfer), so F4, the fees-due list (F5, Ctrl+7) and the day close have rows."""
    from counter_app.domain.receipts import ReceiptBook
    from counter_app.services.fees import fees_due
    from counter_app.services.receipts import collect_fee
    from counter_app.services.unit_setup import set_bank_account
    from counter_app.storage.models import NumberRange

    form_number, symbol, first, last = DEMO_RECEIPT_BOOK
    with db.write() as session:
        session.add(NumberRange(series=ReceiptBook(form_number, symbol).series, first=first, last=last,
                                next_number=first, received_at=utc_now()))
    set_bank_account(db, *DEMO_BANK_ACCOUNT, by=None)
    with db.read() as session:
        open_rows = session.scalars(select(DossierRow.code).where(DossierRow.status.in_(
            (Status.RECEIVED, Status.PROCESSING))).order_by(DossierRow.received_at.desc())).all()
        owing = [code for code in open_rows if fees_due(session, code).total_vnd > 0
                 and not fees_due(session, code).unknown][:3]
    for index, code in enumerate(owing):
        if index == 2:
            collect_fee(db, code, method="transfer", bank_reference=f"FT26DEMO{index:04d}")
        else:
            collect_fee(db, code, method="cash")
