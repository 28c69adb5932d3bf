"""The lives of N dossiers over ~250 office days, for the report benchmarks (not a benchmark itself).

Why a generator of its own: the reports read every table a dossier's life touches (history, supplements,
apologies, hand-overs, returns, receipts, scans, guidance, assisted filings, day closes), and a million
dossiers made through the app's services would take hours. Each dossier's life is planned here from a
seeded random stream with realistic shares (below), then cut at `now` (the end of the last office day), so
recent dossiers are still open and old ones finished, returned, refused or withdrawn. The writers
(`report_counter.py` into a counter's SQLite file, `report_server.py` into the province's PostgreSQL) turn
these plans into rows of their own schema.

Times are naive UTC (the office is UTC+7 all year); office hours 07:30-11:30 and 13:30-17:00, Monday to
Friday (public holidays ignored: they do not change what the queries cost).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

OFFICE_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh, no daylight saving

# Shares (per dossier unless said otherwise). Channels: 1 trực tiếp, 2 trực tuyến, 3 bưu chính.
CHANNEL_WEIGHTS = ((1, 55), (2, 40), (3, 5))
REFUSED = 0.02
WITHDRAWN = 0.01
STOPPED = 0.005
SUPPLEMENT = 0.06  # asked after the hand-over to the agency; 80 % answered
SUPPLIED = 0.8
FINISH_WEIGHTS = (("early", 55), ("on_time", 35), ("late", 10))
APOLOGY_WHEN_LATE = 0.5
RETURNED = 0.95  # of the finished, in time (else still at the desk, status 9)
RETURN_BY_POST = 0.12
BACK_DATED = 0.005
RECEIPT = 0.35  # a fee collected at intake
RECEIPT_BY_TRANSFER = 0.2
RECEIPT_CANCELLED = 0.003  # cancelled an hour later and issued again
SCANNED = 0.3  # of walk-in dossiers: 1-3 papers scanned, 5 % with a replaced older bundle
GUIDED_PER_DOSSIER = 0.03
ASSISTED_PER_DOSSIER = 0.02
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Quốc")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hoa", "Hùng", "Lan", "Mai", "Nam", "Phương", "Quân", "Sơn", "Tâm")
STREETS = ("Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Phan Chu Trinh", "Quang Trung")
AGENCY = "Phòng Tư pháp"


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    processing_hours: int


@dataclass
class DossierLife:
    """One dossier as it stands at `now`: its row's values and every record its life left."""

    n: int
    id: str
    code: str
    desk_slot: int
    channel: int
    procedure: Procedure
    applicant_name: str
    phone: str
    street: str
    received_at: datetime
    due_at: datetime  # current
    previous_due_at: datetime | None
    status: int
    back_dated: bool
    steps: list[tuple[int | None, int, datetime]] = field(default_factory=list)
    supplement: tuple[datetime, datetime | None, datetime, datetime | None] | None = None  # asked, supplied, due before/after
    apology: tuple[datetime, datetime, datetime] | None = None  # at, previous due, new due
    handovers: list[tuple[str, datetime, datetime, str]] = field(default_factory=list)  # direction, at, due, outcome
    returned: tuple[str, datetime] | None = None  # method, at
    receipts: list[tuple[int, int, str, datetime, datetime | None]] = field(default_factory=list)  # fee, charge, method, at, cancelled
    scans: list[tuple[int, datetime, datetime | None]] = field(default_factory=list)  # paper index, at, replaced_at
    due_changes: list[tuple[datetime, datetime]] = field(default_factory=list)  # when, new due (supplied, apology)


@dataclass(frozen=True)
class Desk:
    """A desk-day record that is not a dossier: guidance (Mẫu 02) or an assisted filing."""

    kind: str  # "guidance" | "assisted"
    day: date
    number: int
    at: datetime
    desk_slot: int


def office_days(last: date, count: int, ahead: int = 200) -> list[date]:
    """`count` weekdays ending with `last`, then `ahead` more (for due dates past the last day)."""
    days: list[date] = []
    d = last
    while len(days) < count:
        if d.weekday() < 5:
            days.append(d)
        d -= timedelta(days=1)
    days.reverse()
    d = last + timedelta(days=1)
    while len(days) < count + ahead:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def last_office_day(today: date) -> date:
    """The last weekday before today: a whole office day, whatever day the database is built on."""
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def report_shape(result: Any, daily_keys: tuple[str, ...]) -> dict[str, Any]:
    """A few figures of a report (a register, a daily report's `daily_keys`, or the QĐ 766 indicators), to show
    what was computed and that baseline and app agree."""
    if hasattr(result, "rows"):
        return {"register_rows": len(result.rows)}
    total = result.total
    if hasattr(total, "values"):
        return {k: total.values[k] for k in daily_keys if k in total.values}
    return {"counts": dict(total.counts), "on_time_rate": str(total.indicators["on_time_rate"].rate)}


def at_office(day: date, minute_of_day: int) -> datetime:
    """Naive UTC of an office-time minute of `day`."""
    return datetime.combine(day, time(0)) + timedelta(minutes=minute_of_day) - OFFICE_OFFSET


def office_minute(rng: random.Random) -> int:
    """A minute inside office hours (07:30-11:30, 13:30-17:00)."""
    m = rng.randrange(450)
    return 450 + m if m < 240 else 810 + (m - 240)


def end_of(day: date) -> datetime:
    return at_office(day, 17 * 60)


class Planner:
    """Plans `count` dossiers over `days` office days ending on `last_day`, deterministically from `seed`."""

    def __init__(self, unit_code: str, procedures: list[Procedure], count: int, days: int, last_day: date,
                 seed: int) -> None:
        self.unit_code = unit_code
        self.procedures = procedures
        self.count = count
        self.days = office_days(last_day, days)
        self.history_days = days
        self.now = end_of(last_day) + timedelta(minutes=30)
        self.seed = seed
        per_day = -(-count // days)
        self.desks = max(1, -(-per_day // 900))  # a desk numbers at most 999 dossiers a day

    def lives(self) -> Iterator[DossierLife]:
        """Every dossier, oldest first (pk order = received order, as at a real desk)."""
        rng = random.Random(self.seed)
        per_day, extra = divmod(self.count, self.history_days)
        n = 0
        for day_index in range(self.history_days):
            today = per_day + (1 if day_index < extra else 0)
            minutes = sorted(office_minute(rng) for _ in range(today))
            for i, minute in enumerate(minutes):
                n += 1
                slot = 1 + i % self.desks
                yield self._life(rng, n, day_index, minute, slot, 1 + i // self.desks)

    def desk_records(self) -> Iterator[Desk]:
        """Guidance and assisted filings, spread over the days like the dossiers."""
        rng = random.Random(self.seed + 1)
        per_day = self.count / self.history_days
        for day_index in range(self.history_days):
            day = self.days[day_index]
            for kind, share in (("guidance", GUIDED_PER_DOSSIER), ("assisted", ASSISTED_PER_DOSSIER)):
                howmany = int(per_day * share + rng.random())
                for number, minute in enumerate(sorted(office_minute(rng) for _ in range(howmany)), start=1):
                    yield Desk(kind, day, number, at_office(day, minute), 1 + number % self.desks)

    def _working_days_after(self, day_index: int, count: int) -> int:
        return min(day_index + count, len(self.days) - 1)

    def _life(self, rng: random.Random, n: int, day_index: int, minute: int, slot: int, seq: int) -> DossierLife:
        day = self.days[day_index]
        received = at_office(day, minute)
        procedure = self.procedures[rng.randrange(len(self.procedures))]
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        due_index = self._working_days_after(day_index, procedure.processing_hours // 8)
        legal_due = end_of(self.days[due_index])
        first = rng.choices(GIVEN, k=1)[0]
        life = DossierLife(
            n=n, id=f"{n:08x}-{self.seed % 65536:04x}-4000-8000-{rng.getrandbits(48):012x}",
            code=f"{self.unit_code}-{day:%y%m%d}-{slot}{seq:03d}", desk_slot=slot, channel=channel,
            procedure=procedure,
            applicant_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {first}",
            phone=f"09{rng.randrange(10**8):08d}", street=f"{rng.randrange(1, 300)} {rng.choice(STREETS)}",
            received_at=received, due_at=legal_due, previous_due_at=None, status=2,
            back_dated=rng.random() < BACK_DATED,
        )
        steps: list[tuple[int | None, int, datetime]] = []
        if channel == 2:
            steps.append((None, 1, received - timedelta(hours=rng.randrange(1, 48))))
            steps.append((1, 2, received))
        else:
            steps.append((None, 2, received))
        roll = rng.random()
        if roll < REFUSED:
            steps.append((2, 3, received + timedelta(minutes=5)))
        elif roll < REFUSED + WITHDRAWN:
            steps.append((2, 7, received + timedelta(days=1)))
        else:
            self._processing(rng, life, steps, day_index, due_index)
            if rng.random() < RECEIPT:
                self._receipt(rng, life, received)
        if channel == 1 and rng.random() < SCANNED:
            for paper in range(1, rng.randrange(2, 5)):
                at = received + timedelta(minutes=2 + paper)
                if rng.random() < 0.05:
                    life.scans.append((paper, at, at + timedelta(minutes=1)))
                    at += timedelta(minutes=1)
                life.scans.append((paper, at, None))
        self._cut_at_now(life, steps)
        return life

    def _processing(self, rng: random.Random, life: DossierLife, steps: list[tuple[int | None, int, datetime]],
                    day_index: int, due_index: int) -> None:
        received = life.received_at
        sent = received + timedelta(minutes=30)
        steps.append((2, 4, sent))
        life.handovers.append(("to_agency", sent, life.due_at, "early"))
        if rng.random() < STOPPED:
            steps.append((4, 8, sent + timedelta(days=2)))
            return
        legal_due = life.due_at
        last = sent
        if rng.random() < SUPPLEMENT:
            asked = sent + (legal_due - sent) * 0.3
            steps.append((4, 5, asked))
            if rng.random() < SUPPLIED:
                supplied = asked + timedelta(days=2)
                legal_due = end_of(self.days[self._working_days_after(due_index, 2)])
                steps.append((5, 4, supplied))
                life.supplement = (asked, supplied, life.due_at, legal_due)
                life.due_changes.append((supplied, legal_due))
                last = supplied
            else:
                life.supplement = (asked, None, life.due_at, None)
                return
        outcome = _weighted(rng, FINISH_WEIGHTS)
        due_day = (legal_due + OFFICE_OFFSET).date()
        if outcome == "early":
            finished = legal_due - timedelta(days=rng.randrange(1, 4), minutes=rng.randrange(600))
        elif outcome == "on_time":
            finished = at_office(due_day, office_minute(rng))
        else:
            finished = legal_due + timedelta(days=rng.randrange(1, 6), minutes=rng.randrange(60))
            if rng.random() < APOLOGY_WHEN_LATE:
                new_due = legal_due + timedelta(days=7)
                apology_at = legal_due - timedelta(hours=20)
                life.apology = (max(apology_at, last + timedelta(minutes=1)), legal_due, new_due)
                life.due_changes.append((life.apology[0], new_due))
        finished = max(finished, last + timedelta(minutes=10))
        steps.append((4, 9, finished))
        in_force = life.due_changes[-1][1] if life.due_changes else legal_due
        life.handovers.append(("from_agency", finished, in_force, outcome))
        if rng.random() < RETURNED:
            method = "post" if rng.random() < RETURN_BY_POST else "desk"
            returned = finished + timedelta(days=rng.randrange(0, 4), minutes=rng.randrange(30, 300))
            steps.append((9, 10, returned))
            life.returned = (method, returned)

    def _receipt(self, rng: random.Random, life: DossierLife, received: datetime) -> None:
        fee, charge = rng.choice(((0, 8_000), (10_000, 0), (2_000, 0), (0, 50_000), (20_000, 30_000)))
        method = "transfer" if rng.random() < RECEIPT_BY_TRANSFER else "cash"
        at = received + timedelta(minutes=3)
        if rng.random() < RECEIPT_CANCELLED:
            life.receipts.append((fee, charge, method, at, at + timedelta(hours=1)))
            at += timedelta(hours=1, minutes=1)
        life.receipts.append((fee, charge, method, at, None))

    def _cut_at_now(self, life: DossierLife, steps: list[tuple[int | None, int, datetime]]) -> None:
        """Keep only what happened by `now`; the status is the last step's."""
        now = self.now
        life.steps = [s for s in steps if s[2] <= now]
        life.status = life.steps[-1][1]
        life.handovers = [h for h in life.handovers if h[1] <= now]
        if life.apology and life.apology[0] > now:
            life.apology = None
        if life.supplement:
            asked, supplied, before, _after = life.supplement
            if asked > now:
                life.supplement = None
            elif supplied is not None and supplied > now:
                life.supplement = (asked, None, before, None)
        for when, new_due in life.due_changes:  # oldest first: the row keeps the last two
            if when <= now:
                life.previous_due_at, life.due_at = life.due_at, new_due
        if life.returned and life.returned[1] > now:
            life.returned = None
        life.receipts = [r if (r[4] is None or r[4] <= now) else (*r[:4], None) for r in life.receipts if r[3] <= now]
        life.scans = [s for s in life.scans if s[1] <= now]


def _weighted(rng: random.Random, weights: tuple[tuple[object, int], ...]) -> object:  # type: ignore[type-arg]
    roll = rng.randrange(sum(w for _, w in weights))
    for value, weight in weights:
        if roll < weight:
            return value
        roll -= weight
    raise AssertionError("unreachable")
