"""Migration 0014 on SQLite and PostgreSQL: dossiers stored before it get the report columns exactly as
ingest sets them on new dossiers (`report_sources.report_columns`), apologies get the due date they moved,
and `server_sources` exposes the contract's columns over the migrated tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import column, insert, select
from sqlalchemy import table as table_of

from counter_app.domain.dossier import Address
from counter_app.domain.payloads import DossierCreatePayload
from counter_app.domain.serialization import iso_instant
from counter_app.reports.model import Period
from counter_app.services.clerks import LateEntry
from sync.server.db import ServerDatabase, alembic_config
from sync.server.errors import ApiError
from sync.server.models import Dossier, DossierRecord, Unit
from sync.server.report_sources import LATE_ENTRY_NOTE_PREFIX, report_columns, server_sources
from sync.server.reports import check_register_size
from tests.sync.harness import UNIT_A, UNIT_B
from tests.sync.payloads import dossier_payload

COLUMNS = ("channel", "procedure_code", "procedure_name", "applicant_name", "applicant_address", "applicant_phone",
           "sets_count", "register_book", "register_number", "back_dated")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "postgres":
        yield request.getfixturevalue("postgres_server").create_database()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('migration') / 's.sqlite'}"


def _payloads() -> list[dict[str, Any]]:
    received = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    plain = dossier_payload(UNIT_A, 1, 1, received_at=received)
    late = dossier_payload(UNIT_A, 1, 2, received_at=received, name="Lê Thị Hồng")
    late["history"][0]["note"] = LateEntry("Nhập lại hồ sơ giấy", "giamsat", "Lê Văn Giám").note
    late["applicant"]["address"] = dataclasses.asdict(Address(street="12 Lê Lợi", text=""))
    late.update(channel=3, register_book="01/2026", register_number=42, sets_count=2)
    other = dossier_payload(UNIT_B, 2, 1, received_at=received, name="Trần Văn Bình")
    other["applicant"]["address"] = dataclasses.asdict(Address(street="5 Hùng Vương", text="5 Hùng Vương, phường Hải Châu"))
    other.update(channel=2)
    return [plain, late, other]


def _old(model: Any, *new: str) -> Any:
    """The model's table without the columns 0014 adds: what a server before it could write."""
    table = model.__table__
    return table_of(table.name, *[column(c.name, c.type) for c in table.columns if c.name not in new])


def test_the_backfill_equals_what_ingest_sets_and_the_sources_read_it(database_url: str) -> None:
    assert LateEntry("x", "gs", "Lê Văn Giám").note.startswith(LATE_ENTRY_NOTE_PREFIX)
    config = alembic_config()
    db = ServerDatabase(database_url)
    try:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0013")
        payloads = _payloads()
        now = datetime.now(UTC)
        with db.engine.begin() as connection:  # rows as a server before 0014 stored them: Core, old columns only
            for unit in (UNIT_A, UNIT_B):
                connection.execute(insert(Unit.__table__).values(code=unit, name=f"UBND {unit}", created_at=now))
            for raw in payloads:
                connection.execute(insert(_old(Dossier, "back_dated", *COLUMNS)).values(
                    id=raw["id"], code=raw["code"], unit_code=raw["unit_code"], desk_slot=raw["desk_slot"],
                    status=raw["status"], version=1, data=raw, received_at=datetime.fromisoformat(raw["received_at"]),
                    updated_at=now, due_at=None))
            moved_from = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
            connection.execute(insert(_old(DossierRecord, "previous_due_at")).values(
                id=1, dossier_id=payloads[0]["id"], kind="apology", at=moved_from, actor="Trần Thị Mai", op_id=None,
                data={"code": payloads[0]["code"], "previous_due_at": iso_instant(moved_from),
                      "new_due_at": iso_instant(moved_from + timedelta(days=3))}))
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

        with db.session() as s:
            for raw in payloads:
                row = s.scalar(select(Dossier).where(Dossier.code == raw["code"]))
                assert row is not None
                expected = report_columns(DossierCreatePayload.model_validate(raw))
                assert {c: getattr(row, c) for c in COLUMNS} == expected
                assert row.due_at == datetime.fromisoformat(raw["due_at"])
            assert [report_columns(DossierCreatePayload.model_validate(p))["back_dated"] for p in payloads] == [
                False, True, False]
            assert s.scalar(select(DossierRecord.previous_due_at)) == moved_from

            sources = server_sources(s, UNIT_A)
            assert sources.unit_names == {UNIT_A: f"UBND {UNIT_A}"}
            shown = s.execute(select(sources.dossiers.c.code, sources.dossiers.c.applicant_address,
                                     sources.dossiers.c.back_dated).order_by(sources.dossiers.c.code)).all()
            assert shown == [(payloads[0]["code"], "", False), (payloads[1]["code"], "12 Lê Lợi", True)]
            assert s.execute(select(sources.apologies.c.code, sources.apologies.c.previous_due_at)).all() == [
                (payloads[0]["code"], moved_from)]
            assert s.scalar(select(sources.not_synced)) == 0
            assert len(s.execute(select(server_sources(s).dossiers)).all()) == 3
            # The register is counted before it is built: over the limit, refused in Vietnamese.
            day = Period.day(date(2026, 11, 20))
            check_register_size(s, server_sources(s), day, limit=3)
            with pytest.raises(ApiError, match="có 3 hồ sơ, quá 2 dòng") as refused:
                check_register_size(s, server_sources(s), day, limit=2)
            assert (refused.value.status, refused.value.code) == (400, "report_too_large")
    finally:
        db.dispose()


def test_a_history_without_the_late_entry_words_is_not_back_dated() -> None:
    raw = dossier_payload(UNIT_A, 1, 3)
    raw["history"][0] = {"from_status": None, "to_status": 2, "at": iso_instant(datetime.now(UTC)),
                         "actor": "Trần Thị Mai", "note": "Tiếp nhận hồ sơ (nhập muộn trong ghi chú khác)"}
    assert report_columns(DossierCreatePayload.model_validate(raw))["back_dated"] is False
