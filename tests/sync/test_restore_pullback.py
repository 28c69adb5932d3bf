"""`counter-app restore` on an enrolled counter, then the pull-back of its own dossiers (issue 12, C).

Backup -> more work synced -> restore -> intake refused until the pull-back -> sync -> the later dossiers
are back with their steps, nothing is lost or doubled, and the next code is fresh. Real parts: a
`provincial-server` process on SQLite and on PostgreSQL, the counter's files, the CLI's restore, the real sync client.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from counter_app.cli import main
from counter_app.domain.lifecycle import Status
from counter_app.domain.restore import PullBackPendingError
from counter_app.services.credentials import load_token
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.guidance import GuidanceRequest, record_guidance
from counter_app.services.intake import PersonInput
from counter_app.storage.database import Database
from counter_app.storage.models import DossierRow, GuidanceRecord
from counter_app.storage.sync_store import get_state
from sync.client.transport import SyncError, Transport
from sync.protocol import PullBackPage
from sync.server.models import Conflict
from tests.sync.test_restore import (
    NAMES,
    ServerSide,
    enrolled_counter,
    intake,
    local_dossiers,
    server,  # noqa: F401 (the fixture: a server process on SQLite and on PostgreSQL)
    server_dossiers,
    sync,
)


def restore(data_dir: Path, backup: Path) -> int:
    return main(["--data-dir", str(data_dir), "restore", str(backup)])


@pytest.mark.slow
def test_restore_then_pull_back_own_dossiers(server: ServerSide, tmp_path: Path,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "counter"
    db = enrolled_counter(server, data_dir)
    kept = [intake(db, name) for name in NAMES[:3]]
    sync(db, data_dir)
    db.close()
    backup = tmp_path / "usb" / "quay-1.sqlite"
    backup.parent.mkdir()
    assert main(["--data-dir", str(data_dir), "backup", "--out", str(backup)]) == 0

    db = Database.open(data_dir)
    later = [intake(db, name) for name in NAMES[3:6]]  # after the backup: only the province keeps them
    change_status(db, kept[0], Status.PROCESSING, actor="Trần Thị Mai", note="Chuyển phòng chuyên môn")
    change_status(db, later[0], Status.PROCESSING, actor="Trần Thị Mai", note="Chuyển phòng chuyên môn")
    sync(db, data_dir)
    with db.read() as session:
        old_epoch = get_state(session).device_epoch  # type: ignore[union-attr]
    db.close()
    on_server = server_dossiers(server)
    assert sorted(on_server) == sorted(kept + later)

    capsys.readouterr()
    assert restore(data_dir, backup) == 0
    said = capsys.readouterr().out
    assert "Đã khôi phục cơ sở dữ liệu của quầy" in said and "lấy lại từ máy chủ tỉnh" in said

    db = Database.open(data_dir)
    assert sorted(local_dossiers(db)) == sorted(kept)
    with db.read() as session:
        state = get_state(session)
        assert state is not None and state.pullback_pending and state.device_epoch != old_epoch
    # Until the pull-back, the database itself refuses a new code (it could be a lost dossier's code).
    with pytest.raises(PullBackPendingError, match="khôi phục từ bản sao lưu"):
        intake(db, NAMES[6])
    assert sorted(local_dossiers(db)) == sorted(kept)
    # A guidance slip's number too (the day's highest + 1): refused, and nothing of it kept.
    with pytest.raises(PullBackPendingError, match="số phiếu hướng dẫn"):
        record_guidance(db, GuidanceRequest(procedure_code="1.001193", reason="Thiếu ảnh", missing=[], clerk="Trần Thị Mai",
                                            applicant=PersonInput(full_name="Đặng Thu Thảo", phone="0905111222")))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(GuidanceRecord)) == 0

    report = sync(db, data_dir)

    assert report.pulled_back == 4  # three added, one brought up to the province's status
    assert report.restore_detected == ""  # the restore was announced by the new epoch, not detected
    assert local_dossiers(db) == server_dossiers(server)
    moved = get_dossier(db, later[0])
    assert moved.status is Status.PROCESSING
    assert [c.to_status for c in moved.history] == [Status.RECEIVED, Status.PROCESSING]
    assert moved.applicant.full_name == NAMES[3]
    assert get_dossier(db, kept[0]).status is Status.PROCESSING
    with db.read() as session:
        assert not get_state(session).pullback_pending  # type: ignore[union-attr]

    fresh = intake(db, NAMES[6])
    assert fresh not in on_server
    assert fresh.endswith(f"-{int(later[-1][-4:]) + 1:04d}")  # the next number after the lost ones
    sync(db, data_dir)
    final = server_dossiers(server)  # asserts no code twice
    assert sorted(final) == sorted(kept + later + [fresh])
    assert local_dossiers(db) == final
    admin = server.db()
    try:
        with admin.session() as s:
            assert s.scalars(select(Conflict)).all() == []
    finally:
        admin.dispose()
    with db.read() as session:
        assert session.scalar(select(DossierRow.pk).where(DossierRow.code == fresh)) is not None
    db.close()



def transport_of(db: Database) -> Transport:
    with db.read() as session:
        state = get_state(session)
        assert state is not None
    return Transport(state.server_url, load_token(state.device_id))


@pytest.mark.slow
def test_pullback_gives_a_device_only_its_own_dossiers_and_is_bounded(server: ServerSide,  # noqa: F811
                                                                      tmp_path: Path) -> None:
    first = enrolled_counter(server, tmp_path / "desk1")
    mine = sorted(intake(first, name) for name in NAMES[:3])
    sync(first, tmp_path / "desk1")
    second = enrolled_counter(server, tmp_path / "desk2")
    sync(second, tmp_path / "desk2")

    own = transport_of(first)
    pages, after = [], ""
    while True:  # pages of one: the keyset walks every dossier once
        page = own.call("GET", "/sync/pullback", PullBackPage, params={"after": after, "limit": 1})
        pages.append(page)
        if page.next_after is None:
            break
        after = page.next_after
    assert sorted(d.data["code"] for p in pages for d in p.dossiers) == mine
    other = transport_of(second).call("GET", "/sync/pullback", PullBackPage, params={"after": "", "limit": 100})
    assert other.dossiers == [] and other.next_after is None
    with pytest.raises(SyncError) as refused:
        own.call("GET", "/sync/pullback", PullBackPage, params={"after": "", "limit": 100_000})
    assert refused.value.status == 422
    # A cursor the server never gave (a NUL byte, which PostgreSQL's text cannot hold; a control character):
    # refused as a bad request on both backends, never a 500.
    for hostile in ("\x00", "abc\x1f", "\x7f"):
        for path, params in (("/sync/pullback", {"after": hostile}),
                             ("/sync/pullback/desk", {"after": hostile, "kind": "guidance"})):
            with pytest.raises(SyncError) as bad_cursor:
                own.call("GET", path, PullBackPage, params=params)
            assert bad_cursor.value.status == 422, (path, hostile)
    with pytest.raises(SyncError) as anonymous:
        Transport(server.process.url, "").call("GET", "/sync/pullback", PullBackPage)
    assert anonymous.value.status == 401
    own.close()
    first.close()
    second.close()
