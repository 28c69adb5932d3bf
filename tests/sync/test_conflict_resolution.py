"""A supervisor decides the server's conflicts (issue 13, R): listed per unit, decided once, the effect
applied in the same transaction, the desks told through the change feed; hostile requests refused; the
supervisor's password budget shared by server processes; and, around a duplicate code, what the desk that
gave it twice may still do to the code before and after the decision.

Real parts: a `provincial-server` process on SQLite and on PostgreSQL, real HTTP; the conflicts are made
by real pushes (a restored counter re-using a dossier code; a status changed on both sides).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.accounts import hash_password
from counter_app.domain.codes import office_day
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.domain.serialization import iso_instant
from sync.protocol import API_PREFIX
from sync.server.admin import set_status
from sync.server.auth import new_enrollment_code
from sync.server.models import ClerkAccount, Conflict, ConflictResolution, DossierEvent
from sync.server.models import Dossier as ServerDossier
from tests.sync.harness import ServerProcess, backend_url, new_unit
from tests.sync.invariants import open_server_db
from tests.sync.payloads import dossier_payload, wire

VIETNAMESE = ("ả", "ộ", "ệ", "ư", "đ", "ố", "ị")


@dataclass
class Desk:
    token: str
    device_id: str
    slot: int
    unit: str


@dataclass
class Rig:
    server: ServerProcess
    desk: Desk
    other_unit_desk: Desk
    sibling: Desk  # another desk of the same unit
    numbers: Iterator[int]


def enroll_desk(server: ServerProcess, unit: str | None = None) -> Desk:
    if unit is None:
        unit, code = new_unit(server)
    else:
        db = open_server_db(server.database_url)
        try:
            with db.session() as s:
                code, _ = new_enrollment_code(s, unit, datetime.now(UTC))
        finally:
            db.dispose()
    answer = requests.post(f"{server.url}{API_PREFIX}/enroll", json={"code": code, "device_name": "Quầy thử"}, timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Desk(body["token"], body["device_id"], body["desk_slot"], unit)


def password_of(username: str) -> str:
    return f"mk-{username}-2026"


def add_account(server: ServerProcess, desk: Desk, username: str, role: str, *, disabled: bool = False) -> None:
    now = datetime.now(UTC)
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            s.add(ClerkAccount(unit_code=desk.unit, username=username, full_name=f"Lê Thị {username.title()}", role=role,
                               password_hash=hash_password(password_of(username)), disabled=disabled, version=1,
                               changed_at=now, updated_at=now, source_device_id=desk.device_id))
    finally:
        db.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with ServerProcess(backend_url(request, tmp_path_factory)) as server:
        desk, stranger = enroll_desk(server), enroll_desk(server)
        sibling = enroll_desk(server, desk.unit)
        add_account(server, desk, "giamsat", "supervisor")
        add_account(server, desk, "phogiamsat", "supervisor")  # whose wrong passwords run out its budget
        add_account(server, desk, "tiepnhan", "clerk")
        add_account(server, desk, "nghiviec", "supervisor", disabled=True)
        add_account(server, stranger, "giamsatkhac", "supervisor")
        yield Rig(server, desk, stranger, sibling, iter(range(100, 999)))


def call(rig: Rig, method: str, path: str, desk: Desk | Literal[False] | None = None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {(desk or rig.desk).token}"} if desk is not False else {}
    return requests.request(method, f"{rig.server.url}{API_PREFIX}{path}", headers=headers, timeout=60, **kwargs)


def push(rig: Rig, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answer = call(rig, "POST", "/sync/push", json={"batch_id": str(uuid.uuid4()), "device_epoch": "epoch-r", "ops": ops})
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()["results"]


def duplicate_code(rig: Rig) -> tuple[dict[str, Any], dict[str, Any], int]:
    """A restored counter gives an already used code to another citizen's dossier: conflict duplicate_code."""
    received = datetime.now(UTC) - timedelta(hours=1)
    first = dossier_payload(rig.desk.unit, rig.desk.slot, next(rig.numbers), received_at=received)
    second = {**dossier_payload(rig.desk.unit, rig.desk.slot, 1, received_at=received, name="Phạm Thị Hoa"),
              "code": first["code"]}
    results = push(rig, [wire(1, OpType.DOSSIER_CREATE, first), wire(2, OpType.DOSSIER_CREATE, second)])
    assert [(r["status"], r["code"]) for r in results] == [("accepted", ""), ("conflict", "duplicate_code")]
    return first, second, conflict_id(rig, first["code"])


def status_conflict(rig: Rig) -> tuple[str, int]:
    """The province moves a dossier 2 -> 4 while the counter records the citizen's withdrawal 2 -> 7."""
    payload = dossier_payload(rig.desk.unit, rig.desk.slot, next(rig.numbers))
    push(rig, [wire(1, OpType.DOSSIER_CREATE, payload)])
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            set_status(s, payload["code"], Status.PROCESSING, "", "Sở Tư pháp", datetime.now(UTC))
    finally:
        db.dispose()
    step = {"code": payload["code"], "from": 2, "to": 7, "at": payload["received_at"], "actor": "Trần Thị Mai",
            "note": "Công dân xin rút hồ sơ"}
    results = push(rig, [wire(2, OpType.DOSSIER_STATUS, step, base_version=1)])
    assert (results[0]["status"], results[0]["code"]) == ("conflict", "status_conflict")
    return payload["code"], conflict_id(rig, payload["code"])


def conflict_id(rig: Rig, code: str) -> int:
    listed = call(rig, "GET", "/sync/conflicts", params={"state": "open"}).json()["conflicts"]
    return next(c["id"] for c in listed if c["dossier_code"] == code)


def resolve(rig: Rig, number: int, resolution: str, note: str = "Đã đối chiếu với hồ sơ giấy", *,
            username: str = "giamsat", desk: Desk | None = None, **extra: Any) -> requests.Response:
    return call(rig, "POST", f"/sync/conflicts/{number}/resolution", desk,
                json={"resolution": resolution, "supervisor_username": username,
                      "supervisor_password": password_of(username), "note": note, **extra})


def stored(rig: Rig, number: int) -> tuple[Conflict, ConflictResolution | None]:
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            conflict = s.get(Conflict, number)
            assert conflict is not None
            s.expunge(conflict)
            decided = s.get(ConflictResolution, number)
            if decided is not None:
                s.expunge(decided)
            return conflict, decided
    finally:
        db.dispose()


def server_dossier(rig: Rig, code: str) -> tuple[dict[str, Any], int, int, list[tuple[int, int, str]]]:
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            row = s.scalar(select(ServerDossier).where(ServerDossier.code == code))
            assert row is not None
            events = [(e.from_status or 0, e.to_status, e.source) for e in
                      s.scalars(select(DossierEvent).where(DossierEvent.dossier_id == row.id).order_by(DossierEvent.id))]
            return row.data, row.status, row.version, events
    finally:
        db.dispose()


def notices(rig: Rig, desk: Desk | None = None, *, resolutions: bool = True) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"after": 0, "limit": 1000, **({"resolutions": "1"} if resolutions else {})}
    page = call(rig, "GET", "/sync/pull", desk, params=params).json()
    return [c for c in page["changes"] if c["kind"] == "conflict_resolution"]


def test_a_merge_takes_the_chosen_fields_records_who_and_tells_the_desks(rig: Rig) -> None:
    first, second, number = duplicate_code(rig)
    listed = call(rig, "GET", "/sync/conflicts").json()["conflicts"]
    view = next(c for c in listed if c["id"] == number)
    assert view["server"]["id"] == first["id"] and view["counter"]["id"] == second["id"]
    assert view["choices"] == ["keep_server", "keep_counter", "merge", "reject"]
    assert "applicant" in view["mergeable"] and "id" not in view["mergeable"] and "code" not in view["mergeable"]
    assert view["title"] == "Hai hồ sơ khác nhau mang cùng một mã"
    assert number not in [c["id"] for c in call(rig, "GET", "/sync/conflicts", rig.other_unit_desk).json()["conflicts"]]

    answer = resolve(rig, number, "merge", "Giữ người nộp của quầy", fields={"applicant": "counter"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["resolution"]["supervisor_name"] == "Lê Thị Giamsat" and body["resolution"]["fields"] == {"applicant": "counter"}
    data, _status, version, _ = server_dossier(rig, first["code"])
    assert data["applicant"] == second["applicant"] and data["id"] == first["id"] and version == 2
    conflict, decided = stored(rig, number)
    assert conflict.resolved_at is not None and decided is not None
    assert (decided.resolution, decided.supervisor_username, decided.note) == ("merge", "giamsat", "Giữ người nộp của quầy")
    assert decided.effect["fields"] == ["applicant"]
    told = [n["payload"] for n in notices(rig) if n["entity_id"] == str(number)]
    assert [(n["op_id"], n["resolution"], n["dossier"]["version"]) for n in told] == [(conflict.op_id, "merge", 2)]
    assert told[0]["dossier"]["data"]["applicant"] == second["applicant"]  # the content, for the desk holding it
    assert told[0]["dossier"]["data"]["id"] == first["id"]
    assert not notices(rig, resolutions=False), "an older counter would refuse a page with this kind"
    assert number in [c["id"] for c in call(rig, "GET", "/sync/conflicts", params={"state": "resolved"}).json()["conflicts"]]


def test_a_second_decision_is_refused_even_when_many_race(rig: Rig) -> None:
    _first, _second, number = duplicate_code(rig)
    attempts = [(kind, desk) for kind in ("reject", "keep_server", "keep_counter") for desk in (rig.desk, rig.sibling)]
    with ThreadPoolExecutor(len(attempts)) as pool:  # two desks, three at once each (four is a desk's limit)
        answers = list(pool.map(lambda attempt: resolve(rig, number, attempt[0], desk=attempt[1]), attempts))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409, 409, 409, 409, 409], [a.text for a in answers]
    winner = next(a.json() for a in answers if a.status_code == 200)
    refused = next(a.json() for a in answers if a.status_code == 409)
    assert refused["error"]["code"] == "already_resolved" and any(ch in refused["error"]["message"] for ch in VIETNAMESE)
    _, decided = stored(rig, number)
    assert decided is not None and decided.resolution == winner["resolution"]["resolution"]
    assert len([n for n in notices(rig) if n["entity_id"] == str(number)]) == 1


def test_keep_counter_on_a_status_conflict_applies_the_counters_step(rig: Rig) -> None:
    code, number = status_conflict(rig)
    view = next(c for c in call(rig, "GET", "/sync/conflicts").json()["conflicts"] if c["id"] == number)
    assert view["server"]["status"] == 4 and view["counter"]["status"] == 7
    assert "merge" not in view["choices"]
    assert resolve(rig, number, "merge").status_code == 422

    answer = resolve(rig, number, "keep_counter", "Công dân đã ký đơn rút")

    assert answer.status_code == 200, answer.text
    _, status, version, events = server_dossier(rig, code)
    assert (status, version) == (7, 3) and events[-1] == (4, 7, "supervisor")
    page = call(rig, "GET", "/sync/pull", params={"after": 0, "limit": 1000}).json()["changes"]
    assert any(c["kind"] == "dossier_status" and c["payload"]["code"] == code and c["payload"]["status"] == 7 for c in page)


def test_reject_keeps_the_provinces_dossier_and_tells_the_counter(rig: Rig) -> None:
    code, number = status_conflict(rig)
    before = server_dossier(rig, code)

    answer = resolve(rig, number, "reject", "Hồ sơ đã chuyển Sở, không rút được")

    assert answer.status_code == 200, answer.text
    assert server_dossier(rig, code) == before
    told = [n["payload"] for n in notices(rig) if n["entity_id"] == str(number)]
    assert told[0]["resolution"] == "reject" and told[0]["dossier"] == {"status": 4, "version": 2}
    assert told[0]["device_id"] == rig.desk.device_id


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"supervisor_username": "tiepnhan"}, 403, "not_supervisor"),
    ({"supervisor_username": "nghiviec"}, 403, "not_supervisor"),
    ({"supervisor_username": "giamsatkhac"}, 403, "not_supervisor"),  # another unit's supervisor
    ({"supervisor_username": "khongco"}, 403, "not_supervisor"),
    ({"note": ""}, 422, None),
    ({"note": "   "}, 422, None),
    ({"note": "có\x00NUL"}, 422, None),
    ({"note": "x" * 501}, 422, None),
    ({"resolution": "delete_everything"}, 422, None),
    ({"resolution": ["merge"]}, 422, None),
    ({"resolution": "reject", "fields": {"applicant": "counter"}}, 422, "fields_without_merge"),
    ({"resolution": "merge", "fields": {"id": "counter"}}, 422, "unknown_field"),
    ({"resolution": "merge", "fields": {"code": "counter"}}, 422, "unknown_field"),
    ({"resolution": "merge", "fields": {"applicant": "both"}}, 422, None),
    ({"resolution": "merge", "fields": {f"f{i}": "counter" for i in range(41)}}, 422, None),
    ({"supervisor_username": 7}, 422, None),
    ({"supervisor_username": "x" * 10_000}, 422, None),
    ({"supervisor_username": "gi\x00amsat"}, 422, None),
    ({"supervisor_username": "khongcoai", "supervisor_password": "doan-mat-khau"}, 403, "not_supervisor"),
    ({"supervisor_password": None}, 422, None),
    ({"supervisor_password": ""}, 422, None),
    ({"supervisor_password": 12345678}, 422, None),
    ({"supervisor_password": "x" * 129}, 422, None),
    ({"supervisor_password": "\ud800lẻ"}, 400, "invalid_json"),  # a lone surrogate: refused with the JSON
    ({"supervisor_password": password_of("giamsat") + " "}, 403, "wrong_supervisor_password"),
    ({"supervisor_password": password_of("giamsatkhac")}, 403, "wrong_supervisor_password"),
    ({"supervisor_username": "tiepnhan", "supervisor_password": password_of("tiepnhan")}, 403, "not_supervisor"),
])
def test_a_hostile_resolution_changes_nothing(rig: Rig, body: dict[str, Any], status: int, code: str | None) -> None:
    first, _second, number = duplicate_code(rig)
    request = {"resolution": "keep_counter", "supervisor_username": "giamsat",
               "supervisor_password": password_of("giamsat"), "note": "Đã kiểm tra", **body}

    answer = call(rig, "POST", f"/sync/conflicts/{number}/resolution", json=request)

    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert code is None or error["code"] == code
    assert any(ch in error["message"] for ch in VIETNAMESE), error
    assert stored(rig, number)[1] is None and stored(rig, number)[0].resolved_at is None
    assert server_dossier(rig, first["code"])[2] == 1


@pytest.mark.parametrize(("path", "status"), [("/sync/conflicts/0/resolution", 422),
                                              ("/sync/conflicts/-1/resolution", 422),
                                              ("/sync/conflicts/99999999999999999999/resolution", 422),
                                              ("/sync/conflicts/abc/resolution", 422),
                                              ("/sync/conflicts/987654321/resolution", 404)])
def test_a_conflict_that_is_not_the_units_is_never_found(rig: Rig, path: str, status: int) -> None:
    answer = call(rig, "POST", path, json={"resolution": "reject", "supervisor_username": "giamsat",
                                           "supervisor_password": password_of("giamsat"), "note": "x"})
    assert answer.status_code == status, answer.text


def test_another_units_desk_and_a_desk_without_token_cannot_decide(rig: Rig) -> None:
    _first, _second, number = duplicate_code(rig)
    answer = resolve(rig, number, "reject", username="giamsatkhac", desk=rig.other_unit_desk)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_conflict"
    assert call(rig, "POST", f"/sync/conflicts/{number}/resolution", False,
                json={"resolution": "reject", "supervisor_username": "giamsat", "note": "x"}).status_code == 401
    assert call(rig, "GET", "/sync/conflicts", False).status_code == 401
    assert call(rig, "GET", "/sync/conflicts", params={"state": "all"}).status_code == 422
    assert stored(rig, number)[1] is None


def test_a_desk_cannot_guess_a_supervisors_password(rig: Rig) -> None:
    """Wrong passwords spend the supervisor's budget (5, then one a minute): the sixth try is refused before
    any hash is computed, even with the right password; the conflict stays open throughout. Another
    supervisor of the unit is not held up by it."""
    _first, _second, number = duplicate_code(rig)
    wrong = [call(rig, "POST", f"/sync/conflicts/{number}/resolution",
                  json={"resolution": "reject", "supervisor_username": "phogiamsat", "supervisor_password": f"doan-{i}",
                        "note": "Thử mật khẩu"}) for i in range(5)]
    assert [(a.status_code, a.json()["error"]["code"]) for a in wrong] == [(403, "wrong_supervisor_password")] * 5
    assert "phogiamsat" in wrong[0].json()["error"]["message"]

    locked = resolve(rig, number, "reject", username="phogiamsat")

    assert (locked.status_code, locked.json()["error"]["code"]) == (429, "too_many_password_attempts")
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    assert "sai mật khẩu giám sát viên" in locked.json()["error"]["message"]
    assert stored(rig, number)[1] is None and stored(rig, number)[0].resolved_at is None
    answer = resolve(rig, number, "reject", "Quyết định của giám sát viên khác")
    assert answer.status_code == 200, answer.text
    assert answer.json()["resolution"]["supervisor_username"] == "giamsat"


def step(code: str, source: int, target: int, note: str = "") -> dict[str, Any]:
    return {"code": code, "from": source, "to": target, "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "actor": "Trần Thị Mai", "note": note}


def push_as(rig: Rig, desk: Desk, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answer = call(rig, "POST", "/sync/push", desk, json={"batch_id": str(uuid.uuid4()), "device_epoch": "epoch-r",
                                                         "ops": ops})
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()["results"]


def test_a_desks_steps_on_a_code_it_gave_twice_never_reach_the_other_dossier(rig: Rig) -> None:
    """A desk that gave a code to a second dossier (a restore) holds that one, not the province's: its later
    operations on the code carry the code, not the dossier's id, so they are refused with the conflict named
    (recorded: a replay gets the same answer), while the conflict is open and after the province's version was
    kept, and the province's dossier does not move. Another desk of the unit still works on the dossier."""
    first, _second, number = duplicate_code(rig)
    code = first["code"]
    [refused] = push(rig, [wire(3, OpType.DOSSIER_STATUS, step(code, 2, 4), base_version=1)])
    assert (refused["status"], refused["code"]) == ("rejected", "disputed_code")
    assert f"Mã hồ sơ {code}" in refused["message"] and f"số {number}" in refused["message"]
    assert "chưa được giám sát viên giải quyết" in refused["message"]
    assert server_dossier(rig, code)[1:3] == (2, 1)
    now = datetime.now(UTC)
    receipt = {"id": str(uuid.uuid4()), "form_number": "01BLP3-001", "symbol": "AA-26P", "number": 1,
               "dossier_code": code, "payer_name": "Phạm Thị Hoa", "payer_address": "",
               "items": [{"name": "Lệ phí đăng ký khai sinh", "kind": "lệ phí", "amount_vnd": 8_000, "quantity": 1,
                          "unit": "", "note": ""}],
               "fee_vnd": 0, "charge_vnd": 8_000, "total_vnd": 8_000, "method": "cash", "bank_reference": "",
               "collected_at": iso_instant(now), "day": office_day(now).isoformat(), "collector": "Trần Thị Mai",
               "collector_username": "", "issuer_name": "Bưu điện huyện", "issuer_tax_code": ""}
    [paid] = push(rig, [wire(4, OpType.RECEIPT_ISSUE, receipt)])  # the desk's citizen paid: not the province's
    assert (paid["status"], paid["code"]) == ("rejected", "disputed_code")

    assert resolve(rig, number, "keep_server").status_code == 200
    [still] = push(rig, [wire(5, OpType.DOSSIER_STATUS, step(code, 2, 4), base_version=1)])
    assert (still["status"], still["code"]) == ("rejected", "disputed_code")
    assert "«Giữ bản của máy chủ tỉnh»" in still["message"]
    assert server_dossier(rig, code)[1:3] == (2, 1)

    [moved] = push_as(rig, rig.sibling, [wire(1, OpType.DOSSIER_STATUS, step(code, 2, 4), base_version=1)])
    assert (moved["status"], moved["code"]) == ("accepted", "")
    assert server_dossier(rig, code)[1:3] == (4, 2)


def test_a_step_in_the_same_batch_as_the_second_dossier_is_refused_and_a_kept_counter_version_lifts_it(
        rig: Rig) -> None:
    """The restored desk's second dossier and a step on it in one batch (the conflict not yet written when the
    step is judged): the step is refused all the same. Once a supervisor decides the two are one dossier and
    keeps the desk's version, the desk's steps on the code apply again."""
    received = datetime.now(UTC) - timedelta(hours=1)
    first = dossier_payload(rig.desk.unit, rig.desk.slot, next(rig.numbers), received_at=received)
    push(rig, [wire(1, OpType.DOSSIER_CREATE, first)])
    second = {**dossier_payload(rig.desk.unit, rig.desk.slot, 1, received_at=received, name="Phạm Thị Hoa"),
              "code": first["code"]}
    results = push(rig, [wire(2, OpType.DOSSIER_CREATE, second),
                         wire(3, OpType.DOSSIER_STATUS, step(first["code"], 2, 7, "Công dân xin rút"), base_version=1)])
    assert [(r["status"], r["code"]) for r in results] == [("conflict", "duplicate_code"), ("rejected", "disputed_code")]
    assert server_dossier(rig, first["code"])[1:3] == (2, 1)

    number = conflict_id(rig, first["code"])
    assert resolve(rig, number, "keep_counter").status_code == 200
    # A step that still names the desk's own id: the desk has not read the decision (it takes the province's
    # id when it does, then sends its refused steps again in order); held back until then.
    [held] = push(rig, [wire(4, OpType.DOSSIER_STATUS, step(first["code"], 2, 4), base_version=2)])
    assert (held["status"], held["code"]) == ("rejected", "disputed_code") and "chưa nhận quyết định" in held["message"]
    assert server_dossier(rig, first["code"])[1] == 2
    [applied] = push(rig, [{**wire(5, OpType.DOSSIER_STATUS, step(first["code"], 2, 4), base_version=2),
                            "entity_id": first["id"]}])  # the province's id, as the desk names it after the decision
    assert (applied["status"], applied["code"]) == ("accepted", "")
    assert server_dossier(rig, first["code"])[1] == 4


def guess(server: ServerProcess, rig: Rig, number: int, username: str, attempt: int) -> requests.Response:
    """One wrong password for `username`, to `server`, on its own connection."""
    return requests.post(f"{server.url}{API_PREFIX}/sync/conflicts/{number}/resolution",
                         headers={"Authorization": f"Bearer {rig.desk.token}"}, timeout=120,
                         json={"resolution": "reject", "supervisor_username": username,
                               "supervisor_password": f"doan-{attempt}", "note": "Thử mật khẩu"})


def test_every_server_process_spends_one_budget(rig: Rig) -> None:
    """A second server process on the same database (as `serve --workers N` runs, but on its own port so the
    test chooses which process answers): wrong passwords sent to the two in turn spend one budget, and then
    both refuse. With a budget per process each would have let five through."""
    add_account(rig.server, rig.desk, "giamsatca2", "supervisor")
    _first, _second, number = duplicate_code(rig)
    with ServerProcess(rig.server.database_url) as other:
        servers = [rig.server, other]
        answers = [guess(servers[i % 2], rig, number, "giamsatca2", i) for i in range(8)]
        right = requests.post(f"{other.url}{API_PREFIX}/sync/conflicts/{number}/resolution",
                              headers={"Authorization": f"Bearer {rig.desk.token}"}, timeout=120,
                              json={"resolution": "reject", "supervisor_username": "giamsatca2",
                                    "supervisor_password": password_of("giamsatca2"), "note": "Đúng mật khẩu"})

    assert [a.status_code for a in answers] == [403] * 5 + [429] * 3
    assert (right.status_code, right.json()["error"]["code"]) == (429, "too_many_password_attempts")
    assert stored(rig, number)[1] is None


def test_wrong_passwords_sent_at_once_to_two_processes_are_all_counted(rig: Rig) -> None:
    """A real race: 12 wrong passwords at once, half to each of two server processes on one database. Those
    the budget let through (all checked before any was charged, perhaps) are each counted by one atomic
    upsert: the supervisor then waits about a minute for each one past the fourth, never less (a lost
    update, a read then a write another overtook, would forget some and shorten the wait)."""
    add_account(rig.server, rig.desk, "giamsatdua", "supervisor")
    _first, _second, number = duplicate_code(rig)
    with ServerProcess(rig.server.database_url) as other, ThreadPoolExecutor(12) as pool:
        servers = [rig.server, other]
        started = time.time()
        answers = list(pool.map(lambda i: guess(servers[i % 2], rig, number, "giamsatdua", i), range(12)))
        after = guess(other, rig, number, "giamsatdua", 99)

    wrong = sum(a.status_code == 403 for a in answers)
    assert wrong >= 5 and all(a.status_code in (403, 429) for a in answers), [a.text for a in answers]
    assert (after.status_code, after.json()["error"]["code"]) == (429, "too_many_password_attempts")
    elapsed = time.time() - started
    assert int(after.headers["Retry-After"]) >= (wrong - 4) * 60 - elapsed - 1
