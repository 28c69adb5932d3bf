"""Due dates at intake follow the procedure's rule for the dossier's channel; rules survive storage and sync."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from counter_app.domain.catalog import procedure_from_dict, procedure_to_dict
from counter_app.domain.dossier import OFFICE_TZ, Channel
from counter_app.domain.time_rules import TimeRule, TimeUnit, processing_time_text
from counter_app.services.intake import IntakeRequest, PersonInput, preview_due_at, receive_dossier
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.models import ProcedureRow
from counter_app.storage.procedures import get_procedure, upsert_procedures
from counter_app.storage.sync_store import apply_change
from tests.conftest import UNIT_CODE

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "db"
LAND = "1.013952"  # direct 15 days, online 5 days, postal 5 days (calendar days)
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)


def land_request(channel: Channel) -> IntakeRequest:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi")
    # A dossier filed online keeps the code the national portal gave it (no desk code is spent).
    portal_code = f"{UNIT_CODE}-260309-0042" if channel is Channel.ONLINE else ""
    return IntakeRequest(procedure_code=LAND, applicant=applicant, received_at=MONDAY, channel=channel.value,
                         portal_code=portal_code)


def test_a_postal_dossier_of_1_013952_gets_its_postal_time(counter_db: Database) -> None:
    postal = receive_dossier(counter_db, land_request(Channel.POSTAL), now=MONDAY)
    online = receive_dossier(counter_db, land_request(Channel.ONLINE), now=MONDAY)
    direct = receive_dossier(counter_db, land_request(Channel.DIRECT), now=MONDAY)
    # 5 calendar days from Monday 9/3 is Saturday 14/3: moved to Monday 16/3; 15 days is Tuesday 24/3.
    assert postal.due_at == datetime(2026, 3, 16, 9, 0, tzinfo=OFFICE_TZ)
    assert online.due_at == datetime(2026, 3, 16, 9, 0, tzinfo=OFFICE_TZ)
    assert direct.due_at == datetime(2026, 3, 24, 9, 0, tzinfo=OFFICE_TZ)
    assert (postal.processing_hours, direct.processing_hours) == (40, 120)
    # The screen's preview is the same rule.
    assert preview_due_at(counter_db, LAND, Channel.POSTAL, received_at=MONDAY) == postal.due_at


def test_old_procedures_in_the_database_keep_their_hours(counter_db: Database) -> None:
    old = procedure_from_dict({"code": "1.000001", "name": "Thủ tục cũ", "sector": "Thử", "level": "xã",
                               "processing_hours": 12, "time_unit": "working_hours"})
    now = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)
    with counter_db.write() as session:
        upsert_procedures(session, [old], now)
    with counter_db.read() as session:
        row = session.get(ProcedureRow, "1.000001")
        assert row is not None and row.time_rules is None and row.processing_hours == 12
        stored = get_procedure(session, "1.000001")
    assert stored == old
    assert stored.time_rule(Channel.POSTAL) == TimeRule(TimeUnit.WORKING_HOURS, 12)


def test_a_procedure_pulled_from_the_province_keeps_its_rules(counter_db: Database) -> None:
    payload = {"code": "1.000002", "name": "Thủ tục mới", "sector": "Thử", "level": "xã",
               "times": {"direct": {"unit": "same_day", "cutoff": "15:00"},
                         "postal": {"unit": "working_days", "days": 2}},
               "time_source": "Nghị định thử, Điều 1."}
    now = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)
    with counter_db.write() as session:
        apply_change(session, "procedure", payload, "device", now)
    with counter_db.read() as session:
        stored = get_procedure(session, "1.000002")
    assert stored is not None
    assert stored.time_rule(Channel.ONLINE).unit is TimeUnit.SAME_DAY
    assert stored.time_rule(Channel.POSTAL) == TimeRule(TimeUnit.WORKING_DAYS, 2)
    assert stored.time_source == "Nghị định thử, Điều 1."
    assert procedure_to_dict(stored) == procedure_to_dict(procedure_from_dict(payload))


def test_a_counter_database_of_the_previous_release_keeps_its_procedures_times(tmp_path: Path) -> None:
    """Migration 0005 adds the rules as NULL: old rows keep the hours they had, and so their due dates."""
    shutil.copy(FIXTURES / "schema_0003.sqlite", tmp_path / DB_FILENAME)
    db = Database.open(tmp_path)
    try:
        with db.read() as session:
            birth = get_procedure(session, "1.001193")
            assert session.get(ProcedureRow, "1.001193").time_rules is None  # type: ignore[union-attr]
    finally:
        db.close()
    assert birth is not None and birth.times == ()
    assert birth.time_rule(Channel.DIRECT) == TimeRule(TimeUnit.WORKING_DAYS, 1)
    assert processing_time_text(birth.time_rule(Channel.DIRECT)) == "1 ngày làm việc"
