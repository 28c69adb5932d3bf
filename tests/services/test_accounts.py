"""Clerk accounts on a real counter database: first supervisor, sign-in with lockout, supervisor-only changes."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from counter_app.domain.accounts import Role
from counter_app.domain.errors import ValidationErrors
from counter_app.domain.operations import OpType
from counter_app.services.accounts import (
    NotAllowed,
    SignInRefused,
    change_password,
    create_account,
    disable_account,
    list_accounts,
    sign_in,
)
from counter_app.storage.database import Database
from counter_app.storage.models import ClerkAccount, OutboxOp
from tests.conftest import open_counter

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # Monday 09:00 office time


@pytest.fixture
def db(tmp_path: Path):
    database = open_counter(tmp_path / "counter")
    create_account(database, username="giamsat", full_name="Lê Văn Giám", role="supervisor",
                   password="matkhau-gs1", by=None, now=T0)
    yield database
    database.close()


def test_the_first_account_must_be_a_supervisor_and_only_supervisors_add_more(tmp_path: Path) -> None:
    database = open_counter(tmp_path / "c")
    with pytest.raises(NotAllowed, match="giám sát viên"):
        create_account(database, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123", by=None)
    create_account(database, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    with pytest.raises(NotAllowed, match="đã có tài khoản"):
        create_account(database, username="nguoikhac", full_name="Ai Đó", role="supervisor", password="matkhau123", by=None)
    create_account(database, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123", by="giamsat")
    with pytest.raises(NotAllowed, match="Chỉ giám sát viên"):
        create_account(database, username="hoa", full_name="Nguyễn Thị Hoa", role="clerk", password="matkhau123", by="mai")
    assert [(a.username, a.role) for a in list_accounts(database)] == [("giamsat", Role.SUPERVISOR), ("mai", Role.CLERK)]
    database.close()


def test_bad_fields_are_all_reported_in_vietnamese(db: Database) -> None:
    with pytest.raises(ValidationErrors) as caught:
        create_account(db, username="A b", full_name=" ", role="boss", password="ngan", by="giamsat")
    fields = caught.value.by_field()
    assert set(fields) == {"username", "full_name", "role", "password"}
    assert "ít nhất 8 ký tự" in fields["password"]


def test_only_the_hash_is_stored_and_queued_for_the_server(db: Database) -> None:
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123", by="giamsat", now=T0)
    with db.read() as session:
        row = session.get(ClerkAccount, "mai")
        ops = [op for op in session.query(OutboxOp).all() if op.op_type == OpType.ACCOUNT_UPSERT]
        assert row is not None and row.password_hash.startswith("scrypt$14$8$1$")
        assert "matkhau123" not in row.password_hash
        assert [op.entity_id for op in ops] == ["giamsat", "mai"]
        assert all("matkhau" not in op.payload for op in ops)


def test_five_wrong_passwords_lock_the_account_for_five_minutes_across_a_restart(db: Database, tmp_path: Path) -> None:
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123", by="giamsat", now=T0)
    for attempt in range(1, 5):
        with pytest.raises(SignInRefused, match=f"Còn {5 - attempt} lần thử") as caught:
            sign_in(db, "mai", "sai-mat-khau", now=T0 + timedelta(seconds=attempt))
        assert caught.value.reason == "wrong"
    with pytest.raises(SignInRefused, match="bị tạm khóa đến 09:05") as caught:
        sign_in(db, "mai", "sai-mat-khau", now=T0 + timedelta(seconds=5))
    assert caught.value.reason == "locked"
    db.close()
    reopened = Database.open(tmp_path / "counter")  # the lock is in the database, not in memory
    try:
        with pytest.raises(SignInRefused, match="đang tạm khóa") as caught:
            sign_in(reopened, "mai", "matkhau123", now=T0 + timedelta(minutes=4, seconds=59))
        assert caught.value.reason == "locked"
        account = sign_in(reopened, "mai", "matkhau123", now=T0 + timedelta(minutes=5, seconds=6))
        assert account.full_name == "Trần Thị Mai"
        # A success starts the count again: four wrong ones do not lock.
        for attempt in range(4):
            with pytest.raises(SignInRefused):
                sign_in(reopened, "mai", "sai", now=T0 + timedelta(minutes=6, seconds=attempt))
        assert sign_in(reopened, "mai", "matkhau123", now=T0 + timedelta(minutes=7)).username == "mai"
    finally:
        reopened.close()


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(db: Database) -> None:
    with pytest.raises(SignInRefused, match=r"^Sai tên đăng nhập hoặc mật khẩu\.$"):
        sign_in(db, "khongco", "matkhau123")


def test_a_disabled_account_cannot_sign_in_and_a_reset_password_works(db: Database) -> None:
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123", by="giamsat", now=T0)
    change_password(db, "mai", "matkhau-moi", by="giamsat", now=T0 + timedelta(minutes=1))
    with pytest.raises(SignInRefused):
        sign_in(db, "mai", "matkhau123", now=T0 + timedelta(minutes=2))
    assert sign_in(db, "mai", "matkhau-moi", now=T0 + timedelta(minutes=2)).username == "mai"
    with pytest.raises(NotAllowed, match="Chỉ giám sát viên"):
        disable_account(db, "giamsat", by="mai")
    disable_account(db, "mai", by="giamsat", now=T0 + timedelta(minutes=3))
    with pytest.raises(SignInRefused, match="vô hiệu hóa") as caught:
        sign_in(db, "mai", "matkhau-moi", now=T0 + timedelta(minutes=4))
    assert caught.value.reason == "disabled"
