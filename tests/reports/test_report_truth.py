"""Must show (issue 11): on a generated data set whose ground truth is computed independently from the raw
rows, every figure of every day's daily report, the QĐ 766 indicators over the period and the register
rows are exact, and each drill-down lists exactly the counted dossiers.

The data set is made through the real services (tests/support/report_data.py). The truth here is plain
Python over SELECTed rows, written from the rules in `reports.figures` without `reports.queries`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.reports.figures import DAILY_FIGURES, KPI_COUNTS
from counter_app.reports.model import Period
from counter_app.services import reports
from counter_app.storage.database import Database
from tests.conftest import UNIT_CODE, open_counter
from tests.support.report_data import PERIOD_END, PERIOD_START, RECEIVING_DAYS, build_report_data

pytestmark = pytest.mark.slow  # the data set takes a few seconds to make through the services

CLOSING = {3, 7, 8, 9, 10}


def day_of(instant: datetime) -> date:
    return instant.astimezone(OFFICE_TZ).date()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ)


def aware(value: Any) -> datetime | None:
    """A UTC instant as SQLite hands it back through plain SQL (text, naive UTC)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC)


@dataclass
class Raw:
    dossiers: list[Any]
    events: list[Any]
    apologies: list[Any]
    returns: list[Any]
    handovers: list[Any]
    guidance: list[Any]
    assisted: list[Any]
    receipts: list[Any]
    scanned: set[str]
    closes: list[Any]
    unacked: set[str]  # creations not acknowledged (an acknowledged one may be pruned since)
    not_synced: int


def read_raw(db: Database) -> Raw:
    """Every row the figures are made of, by plain SQL."""
    with db.read() as session:
        def rows(sql: str) -> list[Any]:
            return list(session.execute(text(sql)))

        return Raw(
            dossiers=rows("SELECT code, id, desk_slot, channel, received_at, due_at, status, late_entry_reason "
                          "FROM dossier"),
            events=rows("SELECT d.code, e.at, e.from_status, e.to_status FROM dossier_event e "
                        "JOIN dossier d ON d.pk = e.dossier_pk"),
            apologies=rows("SELECT d.code, a.at, a.previous_due_at FROM apology a JOIN dossier d ON d.pk = a.dossier_pk"),
            returns=rows("SELECT d.code, r.returned_at, r.method FROM result_return r "
                         "JOIN dossier d ON d.pk = r.dossier_pk"),
            handovers=rows("SELECT d.code, h.at, h.direction, h.to_party FROM handover h "
                           "JOIN dossier d ON d.pk = h.dossier_pk"),
            guidance=rows("SELECT reference, at FROM guidance_record"),
            assisted=rows("SELECT id, at FROM assisted_filing"),
            receipts=rows("SELECT dossier_code, form_number, symbol, number, day, method, fee_vnd, charge_vnd, "
                          "total_vnd, status, cancelled_at FROM receipt"),
            scanned={r.code for r in rows("SELECT d.code FROM attachment a JOIN dossier d ON d.pk = a.dossier_pk "
                                          "WHERE a.document_index IS NOT NULL AND a.replaced_at IS NULL")},
            closes=rows("SELECT day, difference FROM day_close"),
            unacked={r.entity_id for r in rows("SELECT entity_id FROM outbox WHERE op_type = 'dossier.create' "
                                               "AND state <> 'acked'")},
            not_synced=rows("SELECT count(*) AS n FROM outbox WHERE state <> 'acked'")[0].n,
        )


class Truth:
    """The rules of reports/figures.py, applied row by row in Python."""

    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.received_at = {d.code: aware(d.received_at) for d in raw.dossiers}
        self.events: dict[str, list[tuple[datetime, int | None, int]]] = defaultdict(list)
        for e in raw.events:
            self.events[e.code].append((aware(e.at), e.from_status, e.to_status))
        for steps in self.events.values():
            steps.sort(key=lambda step: step[0])
        first_apology: dict[str, tuple[datetime, datetime]] = {}
        for a in raw.apologies:
            at = aware(a.at)
            if a.code not in first_apology or at < first_apology[a.code][0]:
                first_apology[a.code] = (at, aware(a.previous_due_at))
        self.legal_due = {d.code: first_apology[d.code][1] if d.code in first_apology else aware(d.due_at)
                          for d in raw.dossiers}

    def finished_at(self, code: str) -> datetime | None:
        """The first step into 9, or into 10 when it never went through 9."""
        steps = self.events[code]
        into_nine = [at for at, _f, to in steps if to == 9]
        into_ten = [at for at, _f, to in steps if to == 10]
        return into_nine[0] if into_nine else (into_ten[0] if into_ten else None)

    def pending(self, boundary: datetime, last_day: date | None) -> tuple[list[str], list[str]]:
        """(pending, overdue) at `boundary`; overdue is judged against `last_day` (None: not asked)."""
        pending, overdue = [], []
        for d in self.raw.dossiers:
            if self.received_at[d.code] >= boundary:
                continue
            before = [(at, to) for at, _f, to in self.events[d.code] if at < boundary]
            if any(to in CLOSING for _at, to in before):
                continue
            pending.append(d.code)
            last = before[-1][1] if before else None
            if last_day is not None and last not in (5, 6) and day_of(self.legal_due[d.code]) < last_day:
                overdue.append(d.code)
        return pending, overdue

    def members(self, first: date, last: date) -> dict[str, list[str]]:
        """Figure key -> the codes (references, ids) it counts, a code once per counted row."""
        def within(instant: Any) -> bool:
            return instant is not None and first <= day_of(aware(instant)) <= last

        raw = self.raw
        out: dict[str, list[str]] = defaultdict(list)
        for d in raw.dossiers:
            if within(d.received_at):
                out["received_total"].append(d.code)
                out[{1: "received_direct", 2: "received_online", 3: "received_postal"}[d.channel]].append(d.code)
                if d.late_entry_reason is not None:
                    out["back_dated"].append(d.code)
                if d.code in raw.scanned:
                    out["digitised"].append(d.code)
                if d.id not in raw.unacked:
                    out["synced"].append(d.code)
            finished = self.finished_at(d.code)
            if finished is not None and within(finished):
                done, due = day_of(finished), day_of(self.legal_due[d.code])
                kind = "finished_early" if done < due else "finished_on_time" if done == due else "finished_late"
                out[kind].append(d.code)
                out["finished_total"].append(d.code)
        for code, steps in self.events.items():
            for at, from_status, to in steps:
                if within(at):
                    if to == 3:
                        out["refused"].append(code)
                    if to == 5:
                        out["supplements_requested"].append(code)
                    if from_status == 5 and to == 4:
                        out["supplements_supplied"].append(code)
        out["guided"] = [g.reference for g in raw.guidance if within(g.at)]
        out["assisted"] = [a.id for a in raw.assisted if within(a.at)]
        out["apologies"] = [a.code for a in raw.apologies if within(a.at)]
        for r in raw.returns:
            if within(r.returned_at):
                out["returned_total"].append(r.code)
                out["returned_post" if r.method == "post" else "returned_desk"].append(r.code)
        after = start_of(last + timedelta(days=1))
        out["pending"], out["overdue"] = self.pending(after, last)
        out["pending_overdue"] = out["overdue"]
        out["pending_in_time"] = [code for code in out["pending"] if code not in out["overdue"]]
        out["carried_over"] = self.pending(start_of(first), None)[0]
        for r in raw.receipts:
            day = r.day if isinstance(r.day, date) else date.fromisoformat(str(r.day))
            if r.status == "issued" and first <= day <= last:
                out["receipts_issued"].append(r.dossier_code)
                out["collected_total"].append(r.dossier_code)
                for key, amount in ((f"fee_{r.method}", r.fee_vnd), (f"charge_{r.method}", r.charge_vnd)):
                    if amount > 0:
                        out[key].append(r.dossier_code)
            if r.status == "cancelled" and within(r.cancelled_at):
                out["receipts_cancelled"].append(r.dossier_code)
        return out

    def figures(self, first: date, last: date) -> dict[str, int]:
        members = self.members(first, last)
        values = {key: len(codes) for key, codes in members.items()}
        money: Counter[str] = Counter()
        for r in self.raw.receipts:
            day = r.day if isinstance(r.day, date) else date.fromisoformat(str(r.day))
            if r.status == "issued" and first <= day <= last:
                money[f"fee_{r.method}"] += r.fee_vnd
                money[f"charge_{r.method}"] += r.charge_vnd
                money["collected_total"] += r.total_vnd
        values.update({key: money[key] for key in ("fee_cash", "fee_transfer", "charge_cash", "charge_transfer",
                                                   "collected_total")})
        closes = [c for c in self.raw.closes if first <= date.fromisoformat(str(c.day)) <= last]
        values["closes"], values["close_difference"] = len(closes), sum(c.difference for c in closes)
        values["not_synced"] = self.raw.not_synced
        return values


@pytest.fixture(scope="module")
def data_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, Truth, list[str]]:
    folder: Path = tmp_path_factory.mktemp("report-truth")
    db = open_counter(folder / "counter")
    made = build_report_data(db, folder / "counter")
    yield db, Truth(read_raw(db)), made.codes
    db.close()


def every_day() -> list[date]:
    first, last = RECEIVING_DAYS[0], PERIOD_END + timedelta(days=7)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_the_data_set_crosses_every_case(data_set: tuple[Database, Truth, list[str]]) -> None:
    """A guard on the generator: the figures below are not checked on zeros."""
    _db, truth, codes = data_set
    whole = truth.figures(RECEIVING_DAYS[0], PERIOD_END + timedelta(days=7))
    assert 60 <= len(codes) <= 100
    for key in ("received_direct", "received_online", "received_postal", "back_dated", "guided", "refused",
                "assisted", "supplements_requested", "supplements_supplied", "apologies", "finished_early",
                "finished_on_time", "finished_late", "returned_desk", "returned_post", "fee_cash", "fee_transfer",
                "receipts_cancelled", "closes", "close_difference", "digitised", "not_synced"):
        assert whole[key] != 0, key
    assert truth.figures(PERIOD_START, PERIOD_START)["overdue"] or truth.figures(PERIOD_END, PERIOD_END)["overdue"]


def test_every_figure_of_every_day_is_exact(data_set: tuple[Database, Truth, list[str]]) -> None:
    db, truth, _codes = data_set
    for day in every_day():
        report = reports.daily_report(db, Period.day(day))
        expected = truth.figures(day, day)
        got = report.total.values
        assert {key: got[key] for key in got if got[key] != expected.get(key, 0)} == {}, day
        assert [row.desk_slot for row in report.desks] == [1] and report.units[0].values == got
        assert report.units[0].unit_code == UNIT_CODE
        chart = report.received_per_day[day]
        assert (chart[1], chart[2], chart[3]) == (expected.get("received_direct", 0),
                                                  expected.get("received_online", 0),
                                                  expected.get("received_postal", 0))
    whole = reports.daily_report(db, Period(PERIOD_START, PERIOD_END))
    expected = truth.figures(PERIOD_START, PERIOD_END)
    assert {key: (value, expected.get(key, 0)) for key, value in whole.total.values.items()
            if value != expected.get(key, 0)} == {}
    assert sum(sum(by_channel.values()) for by_channel in whole.received_per_day.values()) == \
        expected["received_total"]
    assert [(c.day, c.difference) for c in whole.closes] == [(date(2026, 3, 9), 0), (date(2026, 3, 10), -5_000)]


def test_each_drill_down_lists_exactly_the_counted_rows(data_set: tuple[Database, Truth, list[str]]) -> None:
    db, truth, _codes = data_set
    keys = [f.key for f in DAILY_FIGURES if f.lists_dossiers]
    periods = [Period(PERIOD_START, PERIOD_END), *(Period.day(day) for day in RECEIVING_DAYS[2:5])]
    for period in periods:
        members = truth.members(period.start, period.end)
        for key in keys:
            listed = [line.code for line in reports.dossiers_behind(db, key, period)]
            assert Counter(listed) == Counter(members.get(key, [])), (key, period)
    for key in ("carried_over", "finished_total", "pending_in_time", "pending_overdue", "returned_total", "synced"):
        period = Period(PERIOD_START, PERIOD_END)
        listed = [line.code for line in reports.dossiers_behind(db, key, period)]
        assert Counter(listed) == Counter(truth.members(period.start, period.end).get(key, [])), key


def test_the_kpi_counts_and_rates_are_exact(data_set: tuple[Database, Truth, list[str]]) -> None:
    db, truth, _codes = data_set
    period = Period(PERIOD_START, PERIOD_END)
    kpi = reports.kpi_report(db, period)
    members = truth.members(period.start, period.end)
    expected = {f.key: len(members.get(f.key, [])) for f in KPI_COUNTS}
    assert kpi.total.counts == expected
    assert [row.unit_code for row in kpi.units] == [UNIT_CODE] and kpi.units[0].counts == expected
    rates = kpi.total.indicators
    assert (rates["on_time_rate"].numerator, rates["on_time_rate"].denominator) == (
        expected["finished_early"] + expected["finished_on_time"], expected["finished_total"])
    assert (rates["postal_return_share"].numerator, rates["postal_return_share"].denominator) == (
        expected["returned_post"], expected["returned_total"])
    for key, numerator in (("online_share", "received_online"), ("postal_share", "received_postal"),
                           ("digitisation_rate", "digitised"), ("synced_rate", "synced")):
        assert (rates[key].numerator, rates[key].denominator) == (expected[numerator], expected["received_total"])
    assert rates["satisfaction"].rate is None  # nothing recorded: no rate, never a made-up 0 %
    for day, indicator in kpi.on_time_per_day.items():
        that_day = truth.members(day, day)
        good = len(that_day.get("finished_early", [])) + len(that_day.get("finished_on_time", []))
        assert (indicator.numerator, indicator.denominator) == (good, len(that_day.get("finished_total", []))), day


def test_the_register_lists_every_dossier_received_with_its_steps(data_set: tuple[Database, Truth, list[str]]) -> None:
    db, truth, _codes = data_set
    period = Period(PERIOD_START, PERIOD_END)
    register = reports.register(db, period)
    raw = truth.raw
    received = sorted((d for d in raw.dossiers if period.start <= day_of(aware(d.received_at)) <= period.end),
                      key=lambda d: (aware(d.received_at), d.code))
    assert [row.code for row in register.rows] == [d.code for d in received]
    assert [row.number for row in register.rows] == list(range(1, len(received) + 1))
    sent = {}
    for h in sorted(raw.handovers, key=lambda h: aware(h.at)):
        sent.setdefault((h.code, h.direction), (aware(h.at), h.to_party))
    returned = {}
    for r in sorted(raw.returns, key=lambda r: aware(r.returned_at)):
        returned.setdefault(r.code, (aware(r.returned_at), r.method))
    for row in register.rows:
        to_agency = sent.get((row.code, "to_agency"))
        assert row.sent_to_agency_at == (to_agency[0] if to_agency else None)
        assert row.agency == (to_agency[1] if to_agency else "")
        from_agency = sent.get((row.code, "from_agency"))
        assert row.result_from_agency_at == (from_agency[0] if from_agency else None)
        assert row.returned_at == (returned[row.code][0] if row.code in returned else None)
        assert ("bưu chính" in row.note) == (row.code in returned and returned[row.code][1] == "post")
        assert row.register_book and row.register_number
    assert any("Nhập muộn" in row.note for row in register.rows)
    assert any("Không được tiếp nhận" in row.note for row in register.rows)
