"""A conflict decision's content from the feed is as untrusted as any byte from the network (issue 13).

`apply_change("conflict_resolution", …)` takes a decided dossier's content only when it reads as a valid
`dossier.create` payload of the very dossier the desk holds, and newer than its copy. Anything else raises
one of the errors the puller catches for that one change (sync/client/runner.py `_pull`), or changes
nothing, and the desk's dossier stays as it was. A real counter database; the real apply path.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.domain.errors import DomainError
from counter_app.services.dossiers import get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row
from counter_app.storage.models import DossierFeeRow
from counter_app.storage.sync_store import apply_change
from tests.conftest import open_counter

CAUGHT = (DomainError, KeyError, ValueError, TypeError, ArithmeticError)  # what the puller skips one change for
DEVICE = "c0ffee00-0000-4000-8000-000000000001"


@pytest.fixture
def desk(tmp_path: Path) -> tuple[Database, dict[str, Any]]:
    db = open_counter(tmp_path / "counter")
    dossier = receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name="Nguyễn Văn Đức",
                                                                       id_number="049090001234", phone="0905123456",
                                                                       street="12 Lê Lợi")))
    with db.read() as session:
        row = get_row(session, dossier.code)
        assert row is not None
        data = {"id": row.id, "code": row.code}
    return db, data


def _valid_content(db: Database, code: str) -> dict[str, Any]:
    """The desk's own dossier as a dossier.create payload, with another applicant."""
    from counter_app.domain.serialization import dossier_to_dict

    data = dossier_to_dict(get_dossier(db, code))
    data["applicant"] = {**data["applicant"], "full_name": "Phạm Thị Hoa"}
    return data


def _notice(dossier: Any) -> dict[str, Any]:
    return {"conflict_id": 1, "op_id": "x", "device_id": "another-desk", "code": "duplicate_code",
            "dossier_code": "", "resolution": "merge", "supervisor_username": "giamsat",
            "supervisor_name": "Lê Thị Giám Sát", "note": "Gộp", "at": "2026-12-02T01:00:00+00:00",
            "dossier": dossier}


def _apply(db: Database, dossier: Any) -> None:
    with db.write() as session, session.begin_nested():
        apply_change(session, "conflict_resolution", _notice(dossier), DEVICE, datetime.now(UTC))


def _hostile(db: Database, code: str) -> list[Any]:
    valid = _valid_content(db, code)
    return [
        {"status": 2, "version": 2, "data": "không phải đối tượng"},
        {"status": 2, "version": 2, "data": {}},
        {"status": 2, "version": 2, "data": {**valid, "applicant": None}},
        {"status": 2, "version": 2, "data": {**valid, "summary": "x" * 1_000_000}},
        {"status": 2, "version": 2, "data": {**valid, "unexpected": 1}},
        {"status": 2, "version": 2, "data": {**valid, "documents": [[[[[]]]]] * 1000}},
        {"status": 2, "version": 2, "data": {**valid, "sets_count": 10**30}},
        {"status": 2, "version": "2", "data": valid},
        {"status": 2, "version": 10**30, "data": {**valid, "code": "000.00.00.H00-261202-0001"}},
        {"status": 2, "version": 2, "data": {**valid, "id": "11111111-1111-4111-8111-111111111111"}},  # another dossier
        {"status": 2, "version": 1, "data": valid},  # not newer than the desk's copy
        {"status": 2, "version": None, "data": valid},
    ]


def test_hostile_decided_content_changes_nothing(desk: tuple[Database, dict[str, Any]]) -> None:
    db, held = desk
    before = get_dossier(db, held["code"])
    for dossier in _hostile(db, held["code"]):
        with contextlib.suppress(*CAUGHT):  # refused: the puller logs it and goes on with the next change
            _apply(db, dossier)
        after = get_dossier(db, held["code"])
        assert (after.applicant, after.version, after.summary, after.documents) == (
            before.applicant, before.version, before.summary, before.documents), dossier


def test_valid_decided_content_is_taken_once(desk: tuple[Database, dict[str, Any]]) -> None:
    """The control: the same path does take a well-formed, newer version of the held dossier."""
    db, held = desk
    content = _valid_content(db, held["code"])
    _apply(db, {"status": 2, "version": 2, "data": content})
    _apply(db, {"status": 2, "version": 2, "data": {**content, "summary": "Lần thứ hai"}})  # same version: ignored
    after = get_dossier(db, held["code"])
    assert (after.applicant.full_name, after.version, after.id) == ("Phạm Thị Hoa", 2, held["id"])
    assert after.summary != "Lần thứ hai"


def _fee_rows(db: Database, code: str) -> list[tuple[Any, ...]]:
    with db.read() as session:
        return [(r.source, r.lines, r.unknown, r.quantities, r.exemption, r.reason) for r in
                session.scalars(select(DossierFeeRow).where(DossierFeeRow.dossier_code == code))]


def _fees(**changes: Any) -> dict[str, Any]:
    line = {"name": "Lệ phí đăng ký khai sinh", "kind": "lệ phí", "amount_vnd": 8_000, "quantity": 1, "unit": "",
            "note": ""}
    fees = {"lines": [line], "unknown": [], "quantities": {"pages": 1, "copies": 1, "cases": 1, "extracts": 0},
            "exemption": "", "fee_vnd": 0, "charge_vnd": 8_000}
    return {**fees, **changes}


def test_hostile_decided_fees_change_no_assessment(desk: tuple[Database, dict[str, Any]]) -> None:
    """Decided fees are read with the dossier.create they came in: malformed, overflowing, huge or deep ones
    refuse the whole content, and the desk's assessment stays; well-formed ones become it."""
    db, held = desk
    before = _fee_rows(db, held["code"])
    valid = _valid_content(db, held["code"])
    line = _fees()["lines"][0]
    hostile = [
        "không phải đối tượng",
        _fees(lines="x"),
        _fees(lines=[{**line, "amount_vnd": 10**30}], charge_vnd=10**30),
        _fees(lines=[{**line, "amount_vnd": -8_000}], charge_vnd=-8_000),
        _fees(lines=[{**line, "amount_vnd": 8_000.5}]),
        _fees(lines=[line] * 100_000, charge_vnd=800_000_000),
        _fees(lines=[[[[[[line]]]]]] * 1000),
        _fees(quantities={"pages": 10**30}),
        _fees(exemption="\u0000" * 41),
        _fees(unknown=["x" * 1_000_000]),
        _fees(charge_vnd=9_000),  # totals that do not add up
        {**_fees(), "unexpected": 1},
    ]
    for fees in hostile:
        with contextlib.suppress(*CAUGHT):
            _apply(db, {"status": 2, "version": 2, "data": {**valid, "fees": fees}})
        assert _fee_rows(db, held["code"]) == before and get_dossier(db, held["code"]).version == 1, fees

    _apply(db, {"status": 2, "version": 2, "data": {**valid, "fees": _fees()}})  # the control
    [(source, lines, *_rest)] = _fee_rows(db, held["code"])
    assert (source, lines) == ("intake", [line])
