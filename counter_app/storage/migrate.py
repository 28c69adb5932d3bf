"""Schema migrations at start: back up, refuse newer files, upgrade to head.

Alembic is configured in code with the migrations shipped as package data (they must exist as files,
also in a PyInstaller build). Before any migration of a non-empty database, a consistent copy is taken
with SQLite's online backup API (a plain file copy can miss pages still in the WAL).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from counter_app.storage.database import NewerDatabaseError
from counter_app.storage.integrity import BACKUP_DIRNAME
from counter_app.storage.private_files import create_private_file, make_private_dir

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def backup_database(path: Path, label: str) -> Path:
    """Copy the live database with the online backup API into `backups/` beside it (0700, files 0600)."""
    target_dir = make_private_dir(path.parent / BACKUP_DIRNAME)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = target_dir / f"{path.stem}-{label}-{stamp}.sqlite"
    create_private_file(target)
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


def upgrade_to_head(engine: Engine, path: Path) -> Path | None:
    """Bring the database to the newest schema; return the backup made first, if any."""
    config = alembic_config()
    scripts = ScriptDirectory.from_config(config)
    current = current_revision(engine)
    head = scripts.get_current_head()
    if current == head:
        return None
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise NewerDatabaseError(
            f"Cơ sở dữ liệu «{path}» được tạo bởi phiên bản mới hơn của ứng dụng (lược đồ {current}). "
            "Hãy cài phiên bản mới nhất của ứng dụng quầy; dữ liệu chưa bị thay đổi."
        )
    backup = backup_database(path, f"before-{head}") if current is not None else None
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return backup
