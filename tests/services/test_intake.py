"""Receiving dossiers: codes, due dates, the outbox, and Vietnamese messages for every bad field."""

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.domain.codes import office_day
from counter_app.domain.dossier import OFFICE_TZ, Channel, ResultDelivery
from counter_app.domain.errors import CodeSpaceExhausted, ValidationErrors
from counter_app.domain.identity import parse_chip_id_qr
from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.unit_setup import NotSetUp
from counter_app.storage.database import Database
from counter_app.storage.outbox import operations_for
from tests.conftest import UNIT_CODE, open_counter

RECEIVED = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)  # a Tuesday


# Cấp bản sao từ sổ gốc: 1 working day (8 office hours) in the sample catalog.
ONE_WORKING_DAY = "2.000908"


def request(**overrides) -> IntakeRequest:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    values = {"procedure_code": "1.001193", "applicant": applicant, "received_at": RECEIVED}
    values.update(overrides)
    return IntakeRequest(**values)


def test_intake_numbers_dates_and_queues_the_dossier(counter_db: Database) -> None:
    dossier = receive_dossier(counter_db, request(), now=RECEIVED)
    assert dossier.code == f"{UNIT_CODE}-260310-1001"
    assert dossier.status is Status.RECEIVED
    assert dossier.processing_hours == 0  # khai sinh: same day (docs/processing-times.md)
    assert dossier.due_at == datetime(2026, 3, 10, 17, 0, tzinfo=OFFICE_TZ)
    assert next(d.name for d in dossier.documents).startswith("Tờ khai đăng ký khai sinh")
    stored = get_dossier(counter_db, dossier.code)
    assert stored.applicant == dossier.applicant
    assert [(c.from_status, c.to_status) for c in stored.history] == [(None, Status.RECEIVED)]
    with counter_db.read() as session:
        ops = operations_for(session, dossier.id)
    assert [(op.op_type, op.state) for op in ops] == [("dossier.create", "pending")]
    assert json.loads(ops[0].payload)["code"] == dossier.code


def test_due_date_skips_tet_2026(counter_db: Database) -> None:
    friday_before_tet = datetime(2026, 2, 13, 15, 0, tzinfo=OFFICE_TZ)
    one_day = request(procedure_code=ONE_WORKING_DAY, received_at=friday_before_tet)
    dossier = receive_dossier(counter_db, one_day, now=friday_before_tet)
    # 1 working day: 2 h left on Friday, Tết 16-20/2 and the weekends skipped, 6 h on Monday 23/2.
    assert dossier.due_at == datetime(2026, 2, 23, 15, 0, tzinfo=OFFICE_TZ)


def test_a_make_up_working_day_counts(tmp_path: Path) -> None:
    from counter_app.services.unit_setup import setup_unit

    db = open_counter(tmp_path)
    setup_unit(db, unit_code=UNIT_CODE, unit_name="Một cửa", desk=1, calendar_config={"working_days": ["2026-03-14"]})
    friday = datetime(2026, 3, 13, 15, 0, tzinfo=OFFICE_TZ)
    one_day = request(procedure_code=ONE_WORKING_DAY, received_at=friday)
    assert receive_dossier(db, one_day, now=friday).due_at == datetime(2026, 3, 14, 15, 0, tzinfo=OFFICE_TZ)
    db.close()


def _day_of_intakes(data_dir: Path, desk: int, count: int) -> list[str]:
    db = open_counter(data_dir, desk=desk)
    codes = [receive_dossier(db, request(), now=RECEIVED).code for _ in range(count)]
    db.close()
    return codes


def test_two_offline_desks_of_one_unit_never_collide(tmp_path: Path) -> None:
    desk_a = _day_of_intakes(tmp_path / "a", desk=0, count=500)
    desk_b = _day_of_intakes(tmp_path / "b", desk=1, count=500)
    assert len(set(desk_a)) == len(set(desk_b)) == 500
    assert not set(desk_a) & set(desk_b)
    assert desk_a[0].endswith("-260310-0001") and desk_a[-1].endswith("-260310-0500")
    assert desk_b[0].endswith("-260310-1001") and desk_b[-1].endswith("-260310-1500")


def test_the_thousandth_dossier_of_a_desk_day_is_refused_not_collided(counter_db: Database) -> None:
    with counter_db.write() as session:
        session.execute(text("INSERT INTO desk_day_counter(day, desk_slot, issued) VALUES ('2026-03-10', 1, 999)"))
    with pytest.raises(CodeSpaceExhausted) as caught:
        receive_dossier(counter_db, request(), now=RECEIVED)
    assert "999" in caught.value.message
    with counter_db.read() as session:
        assert session.execute(text("SELECT count(*) FROM dossier")).scalar() == 0
        assert session.execute(text("SELECT count(*) FROM outbox")).scalar() == 0


def test_every_bad_field_is_reported_at_once_in_vietnamese(counter_db: Database) -> None:
    bad = request(
        procedure_code="9.999999",
        applicant=PersonInput(full_name="  ", id_number="04909000123", phone="12345", email="a@", birth_date="31/02/1990"),
        sets_count="0",
        channel="7",
        result_delivery="nha",
    )
    with pytest.raises(ValidationErrors) as caught:
        receive_dossier(counter_db, bad, now=RECEIVED)
    messages = caught.value.by_field()
    assert set(messages) == {
        "procedure_code", "full_name", "id_number", "phone", "email", "birth_date", "sets_count", "channel", "result_delivery",
    }
    assert "9.999999" in messages["procedure_code"]
    assert messages["full_name"].startswith("Họ và tên")
    assert messages["id_number"].startswith("Số CCCD")
    assert messages["phone"].startswith("Số điện thoại")
    assert messages["sets_count"].startswith("Số lượng hồ sơ")
    assert "Kênh tiếp nhận" in messages["channel"]
    with counter_db.read() as session:
        assert session.execute(text("SELECT count(*) FROM dossier")).scalar() == 0


def test_cccd_century_digit_is_checked_against_the_birth_date(counter_db: Database) -> None:
    bad = request(applicant=PersonInput(full_name="Lê Văn A", id_number="049290001234", phone="0905123456",
                                        birth_date="01/01/1990"))
    with pytest.raises(ValidationErrors) as caught:
        receive_dossier(counter_db, bad, now=RECEIVED)
    assert "2000" in caught.value.by_field()["id_number"]


def test_submitter_errors_name_the_submitter_fields(counter_db: Database) -> None:
    bad = request(submitter=PersonInput(full_name="Trần Thị B", id_number="123", phone="0905123456"))
    with pytest.raises(ValidationErrors) as caught:
        receive_dossier(counter_db, bad, now=RECEIVED)
    assert set(caught.value.by_field()) == {"submitter_id_number"}


def test_received_in_the_future_is_refused(counter_db: Database) -> None:
    with pytest.raises(ValidationErrors) as caught:
        receive_dossier(counter_db, request(received_at=datetime(2026, 3, 11, 9, 0, tzinfo=OFFICE_TZ)), now=RECEIVED)
    assert "tương lai" in caught.value.by_field()["received_at"]


def test_chip_id_qr_fills_the_applicant(counter_db: Database) -> None:
    card = parse_chip_id_qr("049090001234|201234567|Nguyễn Văn Đức|15031990|Nam|Thôn 2, Xã Tam Thăng|01072021",
                            today=office_day(RECEIVED))
    person = card.to_person()
    applicant = PersonInput(
        full_name=person.full_name, id_number=person.id_number, phone="0905123456",
        birth_date=person.birth_date, gender=person.gender.value, address_text=person.address.text,
    )
    dossier = receive_dossier(counter_db, request(applicant=applicant), now=RECEIVED)
    assert dossier.applicant.full_name == "Nguyễn Văn Đức"
    assert dossier.applicant.birth_date.isoformat() == "1990-03-15"
    assert dossier.applicant.address.text == "Thôn 2, Xã Tam Thăng"


def test_online_and_postal_intake(counter_db: Database) -> None:
    dossier = receive_dossier(counter_db, request(channel=3, result_delivery="bcci"), now=RECEIVED)
    assert dossier.channel is Channel.POSTAL
    assert dossier.result_delivery is ResultDelivery.POSTAL


def test_status_changes_follow_the_lifecycle_and_are_queued(counter_db: Database) -> None:
    code = receive_dossier(counter_db, request(), now=RECEIVED).code
    moved = change_status(counter_db, code, Status.PROCESSING, actor="Trần Thị Mai", now=RECEIVED)
    assert moved.status is Status.PROCESSING and moved.version == 2
    from counter_app.domain.errors import InvalidTransition

    with pytest.raises(InvalidTransition) as caught:
        change_status(counter_db, code, Status.RETURNED, actor="Trần Thị Mai", now=RECEIVED)
    assert "Không thể chuyển" in caught.value.message
    with counter_db.read() as session:
        ops = operations_for(session, moved.id)
    assert [op.op_type for op in ops] == ["dossier.create", "dossier.status"]
    assert ops[1].base_version == 1
    assert [op.seq for op in ops] == [ops[0].seq, ops[0].seq + 1]


def test_intake_before_setup_says_so(tmp_path: Path) -> None:
    db = Database.open(tmp_path)
    with pytest.raises(NotSetUp) as caught:
        receive_dossier(db, request(), now=RECEIVED)
    assert "chưa được thiết lập" in caught.value.message
    db.close()
