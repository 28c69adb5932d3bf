"""Who received a dossier, and back-dated (late) entries: a supervisor and a reason, or nothing is saved."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import ValidationErrors
from counter_app.domain.lifecycle import Status
from counter_app.services.accounts import NotAllowed, create_account, disable_account
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import DossierEvent, DossierRow, OutboxOp
from tests.conftest import open_counter

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)  # Tuesday 09:00
MONDAY_AFTERNOON = datetime(2026, 3, 9, 16, 0, tzinfo=OFFICE_TZ)  # before Tuesday's working day began


def request(**overrides) -> IntakeRequest:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    values = {"procedure_code": "1.001193", "applicant": applicant, "clerk_username": "mai"}
    values.update(overrides)
    return IntakeRequest(**values)


@pytest.fixture
def db(tmp_path: Path):
    database = open_counter(tmp_path / "counter")
    create_account(database, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                   by=None, now=NOW)
    create_account(database, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123",
                   by="giamsat", now=NOW)
    yield database
    database.close()


def saved_dossiers(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(DossierRow)) or 0


def test_the_dossier_and_its_history_name_the_signed_in_clerk(db: Database) -> None:
    dossier = receive_dossier(db, request(), now=NOW)
    assert dossier.received_by == "Trần Thị Mai"
    moved = change_status(db, dossier.code, Status.PROCESSING, clerk_username="giamsat", now=NOW + timedelta(hours=1))
    assert [c.actor for c in moved.history] == ["Trần Thị Mai", "Lê Văn Giám"]
    with db.read() as session:
        row = session.scalar(select(DossierRow).where(DossierRow.code == dossier.code))
        assert row is not None and row.received_by_username == "mai" and row.late_entry_reason is None
        assert list(session.scalars(select(DossierEvent.actor_username).order_by(DossierEvent.id))) == ["mai", "giamsat"]


def test_with_accounts_an_action_without_a_clerk_or_by_a_disabled_one_is_refused(db: Database) -> None:
    with pytest.raises(NotAllowed, match="Chưa có người đăng nhập"):
        receive_dossier(db, request(clerk_username=""), now=NOW)
    disable_account(db, "mai", by="giamsat", now=NOW)
    with pytest.raises(NotAllowed, match="vô hiệu hóa"):
        receive_dossier(db, request(), now=NOW)
    assert saved_dossiers(db) == 0


def test_a_back_dated_intake_without_a_supervisor_and_reason_is_refused_and_nothing_saved(db: Database) -> None:
    with db.read() as session:
        ops_before = session.scalar(select(func.count()).select_from(OutboxOp))
    with pytest.raises(ValidationErrors) as caught:
        receive_dossier(db, request(received_at=MONDAY_AFTERNOON), now=NOW)
    message = caught.value.by_field()["received_at"]
    assert "trước ngày làm việc hiện tại" in message and "giám sát viên duyệt và ghi lý do" in message
    # A reason typed by a clerk is not an approval.
    with pytest.raises(NotAllowed, match="Chỉ giám sát viên mới được duyệt hồ sơ nhập muộn"):
        receive_dossier(db, request(received_at=MONDAY_AFTERNOON, late_entry_reason="Mất điện chiều qua"), now=NOW)
    with pytest.raises(ValidationErrors):  # a supervisor without a reason
        receive_dossier(db, request(received_at=MONDAY_AFTERNOON, late_entry_by="giamsat"), now=NOW)
    assert saved_dossiers(db) == 0
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxOp)) == ops_before


def test_a_back_dated_intake_approved_by_a_supervisor_is_kept_flagged_with_its_reason(db: Database) -> None:
    dossier = receive_dossier(db, request(received_at=MONDAY_AFTERNOON, late_entry_by="giamsat",
                                          late_entry_reason="Mất điện chiều qua, nhận giấy tay"), now=NOW)
    assert dossier.received_by == "Trần Thị Mai"  # the clerk received it; the supervisor approved the time
    note = get_dossier(db, dossier.code).history[0].note
    assert "nhập muộn" in note and "Lê Văn Giám" in note and "Mất điện chiều qua, nhận giấy tay" in note
    with db.read() as session:
        row = session.scalar(select(DossierRow).where(DossierRow.code == dossier.code))
        assert row is not None
        assert (row.late_entry_reason, row.late_entry_by) == ("Mất điện chiều qua, nhận giấy tay", "giamsat")


def test_a_time_earlier_today_is_not_a_late_entry(db: Database) -> None:
    dossier = receive_dossier(db, request(received_at=NOW - timedelta(hours=2)), now=NOW)  # 07:00 Tuesday
    assert get_dossier(db, dossier.code).history[0].note == "Tiếp nhận hồ sơ"


def test_a_counter_without_accounts_refuses_back_dating_too(tmp_path: Path) -> None:
    database = open_counter(tmp_path / "old")
    try:
        with pytest.raises(NotAllowed, match="chưa có tài khoản giám sát viên"):
            receive_dossier(database, request(clerk_username="", received_at=datetime(2019, 5, 2, 9, 0, tzinfo=OFFICE_TZ)),
                            now=NOW)
        with pytest.raises(NotAllowed, match="chưa có tài khoản giám sát viên"):
            receive_dossier(database, request(clerk_username="", received_at=MONDAY_AFTERNOON, late_entry_reason="x"),
                            now=NOW)
        assert receive_dossier(database, request(clerk_username=""), now=NOW).received_by == "Trần Thị Mai"
    finally:
        database.close()
