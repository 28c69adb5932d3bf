"""Importing and listing the procedure catalog of this counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from counter_app.domain.catalog import Procedure
from counter_app.domain.catalog_files import parse_catalog_csv, parse_catalog_json
from counter_app.domain.errors import ValidationError
from counter_app.resources import resources_dir
from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.storage.procedures import count_procedures, list_procedures, upsert_procedures


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int

    @property
    def total(self) -> int:
        return self.added + self.updated


def sample_catalog_path() -> Path:
    return resources_dir() / "catalog" / "sample-catalog.json"


def read_catalog_file(path: Path) -> list[Procedure]:
    """Parse a catalog file (JSON or CSV by extension); messages name the file and the faulty entry."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValidationError("file", f"Không đọc được tệp danh mục «{path}»: {error.strerror}.", "Tệp") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "file", f"Tệp danh mục «{path.name}» không phải văn bản UTF-8; hãy lưu lại với mã hóa UTF-8.", "Tệp"
        ) from None
    if path.suffix.lower() == ".csv":
        return parse_catalog_csv(text)
    return parse_catalog_json(text)


def import_catalog(db: Database, path: Path, *, now: datetime | None = None) -> ImportResult:
    """All or nothing: a file with one bad entry changes nothing in the catalog."""
    procedures = read_catalog_file(path)
    with db.write() as session:
        added, updated = upsert_procedures(session, procedures, now or utc_now())
    return ImportResult(added, updated)


def ensure_sample_catalog(db: Database) -> int:
    """Load the shipped sample catalog if this counter has no procedure yet; returns how many were added."""
    with db.read() as session:
        if count_procedures(session):
            return 0
    return import_catalog(db, sample_catalog_path()).added


def procedures(db: Database, query: str = "") -> list[Procedure]:
    with db.read() as session:
        return list_procedures(session, query)


def procedures_with_use(db: Database) -> tuple[list[Procedure], dict[str, int]]:
    """The catalog and how many dossiers this desk holds per procedure (one read), for the picker."""
    from counter_app.storage.dossiers import procedure_use_counts

    with db.read() as session:
        return list_procedures(session), procedure_use_counts(session)
