"""The scan-inbox folder the scanner saves into, watched while the app runs.

A file is taken only once it has settled: seen with the same size and modification time at two polls
in a row (a scanner writes a multi-page TIFF or PDF over seconds; taking it half written would lose
pages). Where a file goes:
- `<inbox>/<dossier code>/<N>/…` (a scanner profile per paper, or the clerk's folder): paper N of that
  dossier; the files of one paper settled at one poll make one addition, in natural name order
  (trang2 before trang10);
- anything at the top of the inbox waits for the clerk, who picks the dossier and paper (or the open
  dossier's selected paper takes it: `assign`).
Taken files move to `_da_nhan/`, files that cannot be used to `_loi/` beside a `.txt` saying why, so
the inbox only ever shows what is still to do. Qt-free: the GUI polls it through ui/tasks.py.
docs/digitisation.md.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from counter_app.domain.digitisation import MAX_PAPER_INDEX
from counter_app.domain.errors import DomainError
from counter_app.domain.payload_fields import DOSSIER_CODE_RE
from counter_app.services.clock import utc_now
from counter_app.services.digitisation import BundleAdded, add_scans
from counter_app.storage.database import Database

DONE_DIR = "_da_nhan"
FAILED_DIR = "_loi"
# Names scanners and copy tools give files still being written.
_PARTIAL = re.compile(r"(^[.~])|(\.(tmp|part|crdownload|partial)$)", re.IGNORECASE)
_DIGITS = re.compile(r"(\d+)")
MAX_FILES_PER_POLL = 2000


@dataclass(frozen=True)
class InboxProblem:
    path: str
    message: str


@dataclass
class InboxReport:
    """What one poll did: bundles made, files set aside with why, files waiting for the clerk."""

    added: list[tuple[str, BundleAdded]] = field(default_factory=list)
    problems: list[InboxProblem] = field(default_factory=list)
    waiting: list[Path] = field(default_factory=list)


def natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part.casefold() for part in _DIGITS.split(path.name)]


def target_of(inbox: Path, path: Path) -> tuple[str, int] | None:
    """(dossier code, paper index) from `<code>/<N>/file`, or None for a file waiting for the clerk."""
    parts = path.relative_to(inbox).parts
    if len(parts) != 3:
        return None
    code, index = parts[0].upper(), parts[1]
    if not DOSSIER_CODE_RE.fullmatch(code) or not index.isdigit() or not 1 <= int(index) <= MAX_PAPER_INDEX:
        return None
    return code, int(index)


class ScanInbox:
    """A folder polled for settled scans; keeps the sizes seen at the previous poll."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seen: dict[Path, tuple[int, int]] = {}

    def _candidates(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.rglob("*"):
            relative = path.relative_to(self.folder).parts
            if relative[0] in (DONE_DIR, FAILED_DIR) or _PARTIAL.search(path.name) or not path.is_file():
                continue
            found.append(path)
            if len(found) >= MAX_FILES_PER_POLL:
                break
        return found

    def settled(self) -> list[Path]:
        """Files unchanged (and not empty) since the previous poll, in natural order."""
        now_seen: dict[Path, tuple[int, int]] = {}
        ready = []
        for path in self._candidates():
            try:
                stat = path.stat()
            except OSError:
                continue
            now_seen[path] = (stat.st_size, stat.st_mtime_ns)
            if stat.st_size > 0 and self._seen.get(path) == now_seen[path]:
                ready.append(path)
        self._seen = now_seen
        return sorted(ready, key=lambda p: (p.parent.as_posix(), natural_key(p)))

    def _set_aside(self, files: Sequence[Path], into: str, why: str = "") -> None:
        stamp = utc_now().isoformat(timespec="seconds")[:19].replace(":", "-")  # a folder name, also on Windows
        for path in files:
            target = self.folder / into / stamp / path.relative_to(self.folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            if why:
                target.with_name(target.name + ".txt").write_text(why + "\n", encoding="utf-8")
            self._seen.pop(path, None)

    def assign(self, db: Database, data_dir: Path, files: Sequence[Path], code: str, index: int, *,
               now: datetime | None = None) -> BundleAdded:
        """The clerk's choice: these inbox files become pages of paper `index` of dossier `code`."""
        added = add_scans(db, data_dir, code, index, files, now=now)
        self._set_aside(files, DONE_DIR)
        return added

    def poll(self, db: Database, data_dir: Path, *, now: datetime | None = None) -> InboxReport:
        """Take every settled file that names its dossier and paper; report the rest."""
        report = InboxReport()
        groups: dict[tuple[str, int], list[Path]] = {}
        for path in self.settled():
            target = target_of(self.folder, path)
            if target is None:
                report.waiting.append(path)
            else:
                groups.setdefault(target, []).append(path)
        for (code, index), files in groups.items():
            try:
                report.added.append((code, add_scans(db, data_dir, code, index, files, now=now)))
            except DomainError as error:
                report.problems.append(InboxProblem(f"{code}/{index}", error.message))
                self._set_aside(files, FAILED_DIR, error.message)
            else:
                self._set_aside(files, DONE_DIR)
        return report
