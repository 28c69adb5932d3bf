"""Enrolling a counter with the provincial server: a one-time code traded for an identity and a token."""

from __future__ import annotations

import platform
import uuid
from dataclasses import dataclass

from counter_app import __version__
from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from counter_app.services.credentials import check_secure_store, save_token
from counter_app.storage.database import Database
from counter_app.storage.models import SyncState, UnitProfile
from counter_app.storage.profile import PROFILE_ID, get_profile
from counter_app.storage.sync_store import SYNC_STATE_ID, epoch_base, get_state
from sync.client.transport import Transport
from sync.protocol import EnrollRequest, EnrollResponse


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    unit_code: str
    unit_name: str
    desk_slot: int
    slot_changed: bool


def enroll(db: Database, server_url: str, code: str, *, transport: Transport | None = None) -> Enrolment:
    """Enrol this counter. A counter not yet set up takes the server's unit; one that is must match it."""
    with db.read() as session:
        profile = get_profile(session)
        preferred = profile.desk_slot if profile else None
        local_unit = profile.unit_code if profile else None
    check_secure_store()  # the one-time code must not be spent on a token this machine cannot keep
    transport = transport or Transport(server_url)
    request = EnrollRequest(code=code.strip().upper(), device_name=platform.node()[:200], app_version=__version__,
                            desk_slot=preferred, expected_unit_code=local_unit)
    answer = transport.call("POST", "/enroll", EnrollResponse, json_body=request.model_dump(mode="json"))
    if local_unit and local_unit != answer.unit_code:
        raise DomainError(
            f"Mã đăng ký thuộc đơn vị {answer.unit_code}, nhưng quầy này đang là đơn vị {local_unit}. "
            "Hãy xin mã đăng ký đúng đơn vị."
        )
    save_token(answer.device_id, answer.token)
    now = utc_now()
    with db.write() as session:
        profile_row = session.get(UnitProfile, PROFILE_ID)
        slot_changed = False
        if profile_row is None:
            profile_row = UnitProfile(id=PROFILE_ID, device_id=answer.device_id, db_generation=str(uuid.uuid4()),
                                      unit_code=answer.unit_code, unit_name=answer.unit_name,
                                      authority_name=answer.unit_name.upper(), place_name="",
                                      desk_slot=answer.desk_slot, clerk_name="", calendar_config={}, created_at=now)
            session.add(profile_row)
        else:
            # Codes already issued keep their slot; new dossiers use the slot the province assigned.
            slot_changed = profile_row.desk_slot != answer.desk_slot
            profile_row.desk_slot = answer.desk_slot
        profile_row.device_id = answer.device_id
        state = get_state(session)
        if state is None:
            state = SyncState(id=SYNC_STATE_ID, server_url=server_url.rstrip("/"), device_id=answer.device_id,
                              device_epoch=str(uuid.uuid4()), epoch_base_seq=epoch_base(session),
                              server_epoch=answer.server_epoch, pull_cursor=0, enrolled_at=now)
            session.add(state)
        else:
            # A re-enrolment is a new device identity on the server: start a fresh epoch and re-pull.
            state.server_url = server_url.rstrip("/")
            state.device_id = answer.device_id
            state.device_epoch = str(uuid.uuid4())
            state.epoch_base_seq = epoch_base(session)
            state.server_epoch = answer.server_epoch
            state.pull_cursor = 0
            state.enrolled_at = now
    return Enrolment(answer.device_id, answer.unit_code, answer.unit_name, answer.desk_slot, slot_changed)
