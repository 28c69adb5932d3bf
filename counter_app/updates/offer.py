"""What the province offers and what is staged, as small JSON files in `<data dir>/updates/`.

offer.json: the newest release for this machine's platform when it is newer than the running version
(written after each hello, removed when there is none). `<file>.part`: the download so far.
staged.json beside the verified file: «Sẽ cài khi mở lại». attempted.json: the release whose install was
started (install.py); if the app then starts again still older than it, the file did not hold the version
it was published as, and that release is neither installed nor downloaded again (no install loop). The files are the whole state, so the sync
thread, the screens and the next start agree without touching the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import ValidationError

from counter_app.storage.atomic_file import write_atomically
from counter_app.storage.private_files import make_private_dir
from counter_app.updates.versions import is_newer, this_platform
from sync import bounded
from sync.protocol import ReleaseOffer

UPDATES_DIRNAME = "updates"
OFFER_FILE = "offer.json"
STAGED_FILE = "staged.json"
ERROR_FILE = "error.txt"
ATTEMPT_FILE = "attempted.json"
PART_SUFFIX = ".part"
STATE_BOUNDS = bounded.JsonBounds(max_bytes=16_000, max_depth=4, max_items=50, max_values=200)


def updates_dir(data_dir: Path) -> Path:
    return data_dir / UPDATES_DIRNAME


def _write_atomic(path: Path, text: str) -> None:
    make_private_dir(path.parent)
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _read_offer(path: Path) -> ReleaseOffer | None:
    """The offer in `path`, or None when missing or damaged (a damaged file is the same as none)."""
    try:
        raw = path.read_bytes()[:STATE_BOUNDS.max_bytes + 1]
        bounded.check_shape(raw, STATE_BOUNDS)
        return ReleaseOffer.model_validate_json(raw)
    except (OSError, ValidationError, bounded.Refused):
        return None


def current_offer(data_dir: Path) -> ReleaseOffer | None:
    return _read_offer(updates_dir(data_dir) / OFFER_FILE)


def staged_release(data_dir: Path) -> ReleaseOffer | None:
    """The verified release waiting for the next start, if its file is still there with its size."""
    staged = _read_offer(updates_dir(data_dir) / STAGED_FILE)
    if staged is None:
        return None
    file = updates_dir(data_dir) / staged.file_name
    return staged if file.is_file() and file.stat().st_size == staged.size else None


def mark_staged(data_dir: Path, offer: ReleaseOffer) -> None:
    _write_atomic(updates_dir(data_dir) / STAGED_FILE, offer.model_dump_json())


def mark_attempt(data_dir: Path, offer: ReleaseOffer) -> None:
    """The install of `offer` is starting (the next start must be its version, else it failed)."""
    _write_atomic(updates_dir(data_dir) / ATTEMPT_FILE, offer.model_dump_json())


def failed_attempt(data_dir: Path) -> ReleaseOffer | None:
    """The release installed once already while this app is still older than it: it is not what it says."""
    attempted = _read_offer(updates_dir(data_dir) / ATTEMPT_FILE)
    return attempted if attempted is not None and is_newer(attempted.version) else None


def clear_attempt(data_dir: Path) -> None:
    (updates_dir(data_dir) / ATTEMPT_FILE).unlink(missing_ok=True)


def last_error(data_dir: Path) -> str:
    try:
        return (updates_dir(data_dir) / ERROR_FILE).read_text(encoding="utf-8")[:2_000]
    except OSError:
        return ""


def set_error(data_dir: Path, message: str) -> None:
    if message:
        _write_atomic(updates_dir(data_dir) / ERROR_FILE, message)
    else:
        (updates_dir(data_dir) / ERROR_FILE).unlink(missing_ok=True)


def record_offers(data_dir: Path, offers: list[ReleaseOffer], platform: str | None = None) -> ReleaseOffer | None:
    """Keep the offer for this platform if it is newer than the running version; drop files it replaces."""
    platform = platform or this_platform()
    failed = failed_attempt(data_dir)
    offer = next((o for o in offers if o.platform == platform and is_newer(o.version)
                  and (failed is None or o.sha256 != failed.sha256)), None)
    folder = updates_dir(data_dir)
    if offer is None:
        (folder / OFFER_FILE).unlink(missing_ok=True)
    elif current_offer(data_dir) != offer:
        _write_atomic(folder / OFFER_FILE, offer.model_dump_json())
    discard_other_files(data_dir, keep={offer.file_name} if offer else set())
    return offer


def discard_other_files(data_dir: Path, keep: set[str]) -> None:
    """Remove downloads of releases no longer offered (withdrawn, or overtaken by a newer one)."""
    folder = updates_dir(data_dir)
    staged = _read_offer(folder / STAGED_FILE)
    if staged is not None and staged.file_name not in keep:
        (folder / STAGED_FILE).unlink(missing_ok=True)
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        name = path.name.removesuffix(PART_SUFFIX)
        if path.is_file() and name.startswith("counter-app-") and name not in keep:
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class UpdateStatus:
    """What the sync screen and the status bar say about updates."""

    offered: str = ""  # version offered, "" when none
    downloaded_bytes: int = 0
    size: int = 0
    staged: bool = False
    error: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def short_text(self) -> str:
        """The status bar's few words (empty when nothing is offered)."""
        if not self.offered:
            return ""
        if self.staged:
            return f"Có phiên bản mới {self.offered}: sẽ cài khi mở lại."
        percent = self.downloaded_bytes * 100 // self.size if self.size else 0
        return f"Có phiên bản mới {self.offered}: đang tải {percent}%."

    def text(self) -> str:
        if not self.offered:
            return ""
        if self.staged:
            return f"Có phiên bản mới {self.offered}: đã tải xong và kiểm tra. Sẽ cài khi mở lại ứng dụng."
        percent = self.downloaded_bytes * 100 // self.size if self.size else 0
        line = f"Có phiên bản mới {self.offered}: đang tải về ở nền ({percent}%)."
        return f"{line} {self.error}" if self.error else line


def update_status(data_dir: Path) -> UpdateStatus:
    offer = current_offer(data_dir)
    if offer is None:
        return UpdateStatus()
    staged = staged_release(data_dir)
    if staged is not None and staged.sha256 == offer.sha256:
        return UpdateStatus(offer.version, offer.size, offer.size, True)
    part = updates_dir(data_dir) / (offer.file_name + PART_SUFFIX)
    done = part.stat().st_size if part.is_file() else 0
    return UpdateStatus(offer.version, done, offer.size, False, last_error(data_dir))


