"""Setting up this counter: which unit (its QCVN 102 code and name) and which desk slot.

Until enrolment with the provincial server exists, the desk slot is typed at setup. Changing the unit
or the desk of a counter that already issued dossiers is refused: the codes it issued would no longer
match its identity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
) -> CounterProfile:
    """Create or update this counter's profile; every bad field is reported at once."""
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
