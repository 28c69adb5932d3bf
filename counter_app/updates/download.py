"""Downloading the offered release through the sync transport (same server, token and timeouts).

Ranges of RANGE_BYTES are appended to `<file>.part` and fsynced, so a cut link resumes at the last whole
range. Each sync run downloads at most `budget_bytes`, so a big file trickles in over several runs and
never holds the sync behind it for long. The server's Content-Range must name exactly the bytes asked
for; once the size is reached the SHA-256 decides: a mismatch deletes the file and says so.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from counter_app.domain.errors import DomainError
from counter_app.storage.blobstore import file_sha256
from counter_app.storage.private_files import create_private_file, make_private_dir
from counter_app.updates.offer import (
    PART_SUFFIX,
    mark_staged,
    record_offers,
    set_error,
    staged_release,
    updates_dir,
)
from sync.client.transport import PermanentError, TransientError, Transport, parse_response
from sync.protocol import ReleaseOffer

log = logging.getLogger(__name__)
RANGE_BYTES = 262_144  # ~100 s on a weak 2G link: a cut costs at most this much
DEFAULT_BUDGET_BYTES = 16_777_216  # per sync run
MB = 1_048_576
FREE_MARGIN_BYTES = 200 * MB  # the database, its backups and the unpacked bundle need room too


class UpdateRejected(DomainError):
    """The downloaded file is not the one the province published: it was deleted."""


class UpdateDeferred(DomainError):
    """The download cannot go on now (no room on the disk); it resumes at a later sync."""


def _fetch_range(transport: Transport, offer: ReleaseOffer, offset: int) -> bytes:
    end = min(offer.size, offset + RANGE_BYTES) - 1
    response = transport.request("GET", f"/releases/{offer.sha256}",
                                 headers={"Range": f"bytes={offset}-{end}", "Accept-Encoding": "identity"})
    if response.status_code != 206:
        parse_response(response, ReleaseOffer)  # raises the server's refusal (404: withdrawn)
        raise TransientError("Máy chủ tỉnh trả lời tệp cập nhật không đúng cách; sẽ thử lại.", code="release_range")
    expected = f"bytes {offset}-{end}/{offer.size}"
    served = response.headers.get("Content-Range", "")
    found = re.fullmatch(r"bytes (\d{1,15})-(\d{1,15})/(\d{1,15})", served)
    if (found is None or int(found.group(1)) != offset or int(found.group(3)) != offer.size
            or int(found.group(2)) > end or int(found.group(2)) < offset
            or len(response.content) != int(found.group(2)) - offset + 1):
        raise TransientError(f"Máy chủ tỉnh gửi sai đoạn tệp cập nhật (chờ «{expected}»); sẽ thử lại.",
                             code="release_range")
    return response.content


def download(data_dir: Path, transport: Transport, offer: ReleaseOffer,
             budget_bytes: int = DEFAULT_BUDGET_BYTES) -> bool:
    """Continue the download of `offer`; True once it is complete, verified and staged."""
    staged = staged_release(data_dir)
    if staged is not None and staged.sha256 == offer.sha256:
        return True
    folder = make_private_dir(updates_dir(data_dir))
    part = folder / (offer.file_name + PART_SUFFIX)
    if not part.exists():
        create_private_file(part)
    if part.stat().st_size > offer.size:  # not this release's bytes: start again
        part.unlink()
        create_private_file(part)
    missing = offer.size - part.stat().st_size
    free = shutil.disk_usage(folder).free
    if free < missing + FREE_MARGIN_BYTES:
        raise UpdateDeferred(
            f"Chưa tải bản cập nhật {offer.version}: ổ đĩa còn {free // MB} MB, cần {(missing + FREE_MARGIN_BYTES) // MB} MB. "
            "Hồ sơ vẫn đồng bộ bình thường; hãy giải phóng chỗ trống trên ổ đĩa."
        )
    fetched = 0
    with part.open("r+b") as handle:
        offset = handle.seek(0, os.SEEK_END)
        while offset < offer.size and fetched < budget_bytes:
            data = _fetch_range(transport, offer, offset)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            offset += len(data)
            fetched += len(data)
    if offset < offer.size:
        return False
    if file_sha256(part) != offer.sha256:
        part.unlink()
        raise UpdateRejected(
            f"Tệp cập nhật phiên bản {offer.version} tải về không khớp mã băm SHA-256 máy chủ tỉnh công bố, nên đã "
            "bị xóa và không được cài. Ứng dụng sẽ tải lại ở lần đồng bộ sau; nếu lặp lại, hãy báo quản trị máy chủ tỉnh."
        )
    os.replace(part, folder / offer.file_name)
    mark_staged(data_dir, offer)
    return True


def sync_step(data_dir: Path, transport: Transport, offers: list[ReleaseOffer], platform: str | None = None,
              budget_bytes: int = DEFAULT_BUDGET_BYTES) -> bool:
    """The sync run's update step: record what hello offered and download some of it. True once staged.

    A rejected file or a withdrawn release is noted for the sync screen and does not fail the sync;
    network faults do (the run is retried and the download resumes)."""
    offer = record_offers(data_dir, offers, platform)
    if offer is None:
        set_error(data_dir, "")
        return False
    try:
        done = download(data_dir, transport, offer, budget_bytes)
    except (UpdateRejected, UpdateDeferred) as refused:
        set_error(data_dir, refused.message)
        return False
    except PermanentError as refused:
        set_error(data_dir, f"Chưa tải được bản cập nhật: {refused.message}")
        return False
    except OSError as error:  # a full disk: the dossiers' sync must go on; the download waits
        log.warning("Không ghi được tệp cập nhật: %s", error.strerror)
        return False
    set_error(data_dir, "")
    return done
