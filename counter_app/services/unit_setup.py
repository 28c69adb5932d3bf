"""Setting up this counter: which unit (its QCVN 102 code and name) and which desk slot.

Until the counter enrols with the provincial server, the desk slot is typed at setup; from enrolment on
the province assigns it (the server refuses codes whose slot it did not give). Changing the unit or the
desk of a counter that already issued dossiers is refused: the codes it issued would no longer match its
identity. Once accounts exist, every unit setting is a supervisor's (`by=`): the GUI and the CLI share it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from counter_app.domain import admin_units, labels
from counter_app.domain.calendar import WorkCalendar
from counter_app.domain.codes import validate_desk_slot, validate_unit_code
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.lookup_url import normalize_lookup_url
from counter_app.domain.text import nfc
from counter_app.domain.validation import ErrorCollector, require_text
from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.storage.dossiers import count_dossiers
from counter_app.storage.models import UnitProfile
from counter_app.storage.profile import PROFILE_ID, calendar_overrides, get_profile
from counter_app.storage.sync_store import get_state


class NotSetUp(DomainError):
    """The counter has no unit yet: run the first-run setup."""

    def __init__(self) -> None:
        super().__init__("Quầy chưa được thiết lập đơn vị. Hãy chạy «counter-app setup» (hoặc màn hình thiết lập).")


@dataclass(frozen=True)
class CounterProfile:
    device_id: str
    unit_code: str
    unit_name: str
    authority_name: str
    place_name: str
    desk_slot: int
    clerk_name: str
    province_code: int | None
    ward_code: int | None
    calendar_config: dict[str, Any]
    lookup_url: str = ""  # domain.lookup_url: what the slip's QR opens ("" = the bare code)
    # The account fees paid by transfer go to (services.bank_account); "" = none set.
    bank_bin: str = ""
    bank_account: str = ""
    bank_account_name: str = ""


def _to_profile(row: UnitProfile) -> CounterProfile:
    return CounterProfile(
        device_id=row.device_id,
        unit_code=row.unit_code,
        unit_name=row.unit_name,
        authority_name=row.authority_name,
        place_name=row.place_name,
        desk_slot=row.desk_slot,
        clerk_name=row.clerk_name,
        province_code=row.province_code,
        ward_code=row.ward_code,
        calendar_config=dict(row.calendar_config or {}),
        lookup_url=row.lookup_url or "",
        bank_bin=row.bank_bin or "",
        bank_account=row.bank_account or "",
        bank_account_name=row.bank_account_name or "",
    )


def setup_unit(
    db: Database,
    *,
    unit_code: str,
    unit_name: str,
    desk: int | str,
    clerk_name: str = "",
    ward_code: int | None = None,
    authority_name: str = "",
    place_name: str = "",
    calendar_config: dict[str, Any] | None = None,
    now: datetime | None = None,
    by: str | None = None,
) -> CounterProfile:
    """Create or update this counter's profile; every bad field is reported at once.

    `by`: the signed-in supervisor, needed once the counter has accounts (the first setup has none).
    """
    now = now or utc_now()
    with ErrorCollector() as check:
        code = check(validate_unit_code, unit_code)
        name = check(require_text, unit_name, "unit_name", "Tên đơn vị")
        slot = check(_parse_desk, desk)
        unit = None
        if ward_code is not None:
            try:
                unit = admin_units.ward(int(ward_code))
            except (KeyError, ValueError):
                check.add("ward_code", f"Mã xã/phường «{ward_code}» không có trong danh mục hành chính.", labels.WARD)
        if calendar_config:
            check(WorkCalendar.from_config, calendar_config)
    assert code is not None and name is not None and slot is not None
    with db.write() as session:
        _check_supervisor(session, by, "đổi thiết lập đơn vị")
        row = get_profile(session)
        issued = count_dossiers(session)
        if row is not None and issued and (row.unit_code != code or row.desk_slot != slot):
            raise DomainError(
                f"Quầy này đã cấp {issued} mã hồ sơ cho đơn vị {row.unit_code}, quầy {row.desk_slot}; "
                "không thể đổi mã đơn vị hoặc số quầy. Hãy dùng một thư mục dữ liệu mới."
            )
        if row is None:
            row = UnitProfile(
                id=PROFILE_ID,
                device_id=str(uuid.uuid4()),
                db_generation=str(uuid.uuid4()),
                created_at=now,
                calendar_config={},
            )
            session.add(row)
        row.unit_code = code
        row.unit_name = name
        row.desk_slot = slot
        row.clerk_name = nfc(clerk_name)
        row.ward_code = unit.code if unit else None
        row.province_code = unit.province_code if unit else None
        row.authority_name = authority_name.strip() or (f"UBND {unit.name}".upper() if unit else name.upper())
        row.place_name = place_name.strip() or (_short_place(unit.name) if unit else "")
        if calendar_config is not None:
            row.calendar_config = calendar_config
        session.flush()
        return _to_profile(row)


def set_lookup_url(db: Database, url: str | None, *, by: str = "") -> CounterProfile:
    """Set (or clear, with "") the address the slip's QR opens; validated by domain.lookup_url.

    A unit setting: when clerk accounts exist, only the signed-in supervisor `by` may change it.
    """
    from counter_app.services.accounts import any_account, require_supervisor

    clean = normalize_lookup_url(url)
    if any_account(db):
        require_supervisor(db, by, "đổi địa chỉ tra cứu của đơn vị")
    with db.write() as session:
        row = get_profile(session)
        if row is None:
            raise NotSetUp()
        row.lookup_url = clean
        session.flush()
        return _to_profile(row)


def set_bank_account(db: Database, bank_bin: str, number: str, holder: str, *, by: str | None = "") -> CounterProfile:
    """Set (or clear, with three empty strings) the account fees paid by transfer go to (VietQR).

    BIN and number are checked as the VietQR payload needs them (domain.vietqr); the holder's name is
    what the clerk reads out so the citizen can check the name their bank app shows.
    """
    from counter_app.domain.vietqr import vietqr_payload

    bank_bin, number, holder = str(bank_bin or "").strip(), str(number or "").strip(), nfc(holder).strip()
    if bank_bin or number or holder:
        with ErrorCollector() as check:
            # The payload builder checks the BIN and the number exactly as the QR will need them.
            check(vietqr_payload, bank_bin, number, 1, "KIEMTRA")
            check(require_text, holder, "bank_account_name", "Tên chủ tài khoản", 70)
    with db.write() as session:
        _check_supervisor(session, by, "đổi tài khoản ngân hàng của đơn vị")
        row = get_profile(session)
        if row is None:
            raise NotSetUp()
        row.bank_bin, row.bank_account, row.bank_account_name = bank_bin, number, holder
        session.flush()
        return _to_profile(row)


def _check_supervisor(session: Session, by: str | None, action: str) -> None:
    """Once the counter has accounts, only an enabled supervisor changes a unit setting."""
    from counter_app.services.accounts import supervisor_account
    from counter_app.storage.accounts import has_accounts

    if has_accounts(session):
        supervisor_account(session, by or "", action)


def _desk_locked_reason(session: Session, row: UnitProfile) -> str:
    """Why the desk slot cannot be changed here ("" when it can)."""
    state = get_state(session)
    if state is not None and state.server_url:
        return (f"Số quầy {row.desk_slot} do máy chủ tỉnh cấp khi đăng ký quầy; máy chủ chỉ nhận mã hồ sơ mang số "
                "quầy đã cấp, nên không đổi được tại đây. Muốn đổi, hãy nhờ bộ phận CNTT của tỉnh cấp lại khi đăng ký.")
    issued = count_dossiers(session)
    if issued:
        return (f"Quầy đã cấp {issued} mã hồ sơ mang số quầy {row.desk_slot}; đổi số quầy thì các mã đó không còn "
                "khớp với quầy. Muốn dùng số quầy khác, hãy dùng một thư mục dữ liệu mới.")
    return ""


def desk_locked_reason(db: Database) -> str:
    """Why this counter's desk slot cannot be changed in the unit settings ("" when it can)."""
    with db.read() as session:
        row = get_profile(session)
        if row is None:
            raise NotSetUp()
        return _desk_locked_reason(session, row)


@dataclass(frozen=True)
class UnitSettings:
    """What a supervisor may change of the unit after setup (the unit code never changes)."""

    unit_name: str
    ward_code: int | None
    place_name: str
    desk: int
    lookup_url: str


def unit_settings(profile: CounterProfile) -> UnitSettings:
    return UnitSettings(unit_name=profile.unit_name, ward_code=profile.ward_code, place_name=profile.place_name,
                        desk=profile.desk_slot, lookup_url=profile.lookup_url)


def update_unit_settings(db: Database, wanted: UnitSettings, *, by: str | None) -> CounterProfile:
    """Change the unit's name, commune, place, desk and lookup address in one transaction, as the
    supervisor `by`. Every bad field is reported at once; a desk the province assigned, or one that
    already issued codes, is refused at the field `desk`. A new commune names a new authority (UBND …).
    """
    with ErrorCollector() as check:
        name = check(require_text, wanted.unit_name, "unit_name", "Tên đơn vị")
        slot = check(_parse_desk, wanted.desk)
        if slot == 0:
            check.add("desk", "Số quầy: hãy chọn số quầy từ 1 đến 9.", "Quầy")
        url = check(normalize_lookup_url, wanted.lookup_url)
        unit = None
        if wanted.ward_code is not None:
            try:
                unit = admin_units.ward(int(wanted.ward_code))
            except (KeyError, ValueError):
                check.add("ward_code", f"Mã xã/phường «{wanted.ward_code}» không có trong danh mục hành chính.",
                          "Xã/phường")
        place = nfc(wanted.place_name).strip()
        if len(place) > 120:
            check.add("place_name", "Địa danh dài quá 120 ký tự.", "Địa danh")
    assert name is not None and slot is not None and url is not None
    with db.write() as session:
        _check_supervisor(session, by, "đổi thiết lập đơn vị")
        row = get_profile(session)
        if row is None:
            raise NotSetUp()
        if slot != row.desk_slot:
            reason = _desk_locked_reason(session, row)
            if reason:
                raise ValidationError("desk", reason, "Quầy")
        if (unit.code if unit else None) != row.ward_code:
            row.authority_name = f"UBND {unit.name}".upper() if unit else name.upper()
        row.unit_name = name
        row.desk_slot = slot
        row.ward_code = unit.code if unit else None
        row.province_code = unit.province_code if unit else None
        row.place_name = place or (_short_place(unit.name) if unit else "")
        row.lookup_url = url
        session.flush()
        return _to_profile(row)


def _parse_desk(desk: int | str) -> int:
    try:
        number = int(str(desk).strip())
    except ValueError:
        raise ValidationError("desk", f"Số quầy «{desk}» phải là một số từ 0 đến 9.", "Quầy") from None
    return validate_desk_slot(number)


def _short_place(name: str) -> str:
    """'Phường Hải Châu' -> 'Hải Châu': the place name written before the date on forms."""
    return admin_units.without_unit_kind(name)


def load_profile(db: Database) -> CounterProfile:
    with db.read() as session:
        row = get_profile(session)
        if row is None:
            raise NotSetUp()
        return _to_profile(row)


def build_calendar(session: Any, config: dict[str, Any]) -> WorkCalendar:
    """The unit's working calendar: its config plus the overrides table."""
    days_off, working_days = calendar_overrides(session)
    merged = dict(config)
    merged["days_off"] = sorted({*map(str, config.get("days_off", [])), *(d.isoformat() for d in days_off)})
    merged["working_days"] = sorted(
        {*map(str, config.get("working_days", [])), *(d.isoformat() for d in working_days)}
    )
    return WorkCalendar.from_config(merged)
