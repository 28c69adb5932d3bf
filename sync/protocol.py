"""The wire format between counters and the provincial server, shared by both sides (version 1).

Endpoints (all JSON, under API_PREFIX; every call but enrolment carries `Authorization: Bearer <token>`):

    POST /enroll                 EnrollRequest   -> EnrollResponse     one-time code -> device id, slot, token
    POST /sync/hello             HelloRequest    -> HelloResponse      versions, limits, epochs, acked seq
    POST /sync/push              PushBatch       -> PushResponse       body may be gzip (Content-Encoding)
    GET  /sync/pull?after=N      -               -> PullPage           changes after server sequence N
    HEAD /blobs/{sha256}                                               Upload-Offset / Upload-Length headers
    POST /blobs/{sha256}         BlobCreate      -> BlobStatus         start (or find) an upload
    PATCH /blobs/{sha256}        raw bytes       -> BlobStatus         header Upload-Offset must equal the server's
    GET  /releases/{sha256}      Range: bytes=N- -> 206 raw bytes      a published counter release (issue 12)

Rules both sides keep:
- An operation's `op_id` is globally unique; the server stores its result under UNIQUE(device, op_id) and
  answers a replay with the stored result (status `duplicate`). The same op_id with another payload hash
  is refused (`rejected`, code `op_id_reused`) and logged as a device fault.
- `seq` is the device's gap-free sequence within its `device_epoch`; the server acknowledges the highest
  contiguous seq it holds (`acked_seq`), so gaps and replays are visible to both sides.
- Every response the client trusts is JSON that echoes what was sent (`batch_id`, `protocol_version`):
  a captive portal's `200` HTML page can never pass for an acknowledgement.
- Errors are JSON `{"error": {"code": ..., "message": <Vietnamese>}}` with a 4xx/5xx status.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from counter_app.domain.payload_fields import (
    MAX_INT32,
    MAX_INT64,
    EventInstant,
    OpId,
    Sha256,
    Text40,
    Text64,
    bounded_text,
    whole,
)
from counter_app.domain.serialization import payload_hash

PROTOCOL_VERSION = 1
SUPPORTED_PROTOCOL_VERSIONS = (1,)
# Versions of operation payloads (counter_app.storage.outbox.PAYLOAD_SCHEMA_VERSION); the server
# accepts the current one and the two before it once they exist.
SUPPORTED_SCHEMA_VERSIONS = (1,)
API_PREFIX = "/api/v1"
# Operations a batch may hold at most, whatever a server announces (Limits.max_ops_per_batch is lower).
MAX_OPS_HARD_LIMIT = 5_000
SHA256_PATTERN = r"^[0-9a-f]{64}$"
# Counter releases (issue 12): MAJOR.MINOR.PATCH, the platforms a bundle is built for, the file's name.
RELEASE_VERSION_PATTERN = r"^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$"
RELEASE_PLATFORMS = ("linux-x86_64", "windows-x86_64")
RELEASE_FILE_PATTERN = r"^counter-app-[0-9.]{5,14}-(linux-x86_64\.tar\.gz|windows-x86_64-setup\.exe)$"
MAX_RELEASE_BYTES = 1_073_741_824
MAX_DICTIONARY_BYTES = 2_000_000  # a published push dictionary document (sync/server/dictionaries.py)


class Capability(StrEnum):
    GZIP_PUSH = "gzip-push"
    BLOBS = "blobs"
    TOKEN_ROTATION = "token-rotation"  # hello may carry new_token (sync/server/token_rotation.py)
    # Issue 13 (sync/wire.py): zstd push bodies with a published dictionary, the packed form, compact results.
    ZSTD_PUSH = "zstd-push"
    # Issue 13 (sync/server/inbox.py): POST /sync/inbox stores a push batch, applied in the background;
    # GET /sync/inbox/{batch_id} gives its answer once applied.
    STORED_PUSH = "stored-push"


class Model(BaseModel):
    """Unknown fields are ignored (a newer peer may send more); known ones are strictly typed."""

    model_config = ConfigDict(extra="ignore")


class Request(Model):
    """What a peer sends: strictly typed ("1" is not a number) and bounded, every string free of control
    characters, NUL and lone surrogates (PostgreSQL and UTF-8 cannot hold the last two)."""

    model_config = ConfigDict(extra="ignore", strict=True)


Epoch = bounded_text(36, required=True)  # a UUID: the columns that keep it hold 36 characters


class ErrorBody(Model):
    code: str
    message: str


class ErrorResponse(Model):
    error: ErrorBody


class Limits(Model):
    max_body_bytes: int = 8_000_000  # raw bytes on the wire
    preferred_batch_bytes: int = 256_000
    max_ops_per_batch: int = 1_000
    blob_chunk_bytes: int = 512 * 1024
    max_blob_bytes: int = 200 * 1024 * 1024
    # Per device: declared bytes of its unfinished uploads, and of every file it ever started uploading
    # (50 GiB: several years of a busy desk's scans); over either, the server answers 413 and the file waits on
    # the counter (`provincial-server serve --limit NAME=N` changes them).
    max_device_uploading_bytes: int = 1024 * 1024 * 1024
    max_device_blob_bytes: int = 50 * 1024 * 1024 * 1024
    # A body after Content-Encoding, and the shape of its JSON: the server refuses beyond these before
    # parsing (413 for sizes, so the counter splits its batch; 400 for depth). See sync/bounded.py.
    max_inflated_bytes: int = 8_000_000
    max_inflate_ratio: int = 100  # checked once a body inflates past 1 MB
    max_json_depth: int = 32
    max_json_items: int = 1_000  # the longest array / the object with most keys (at least max_ops_per_batch)
    max_json_values: int = 250_000


# -- enrolment -------------------------------------------------------------------------------------


class EnrollRequest(Request):
    code: Annotated[bounded_text(64), Field(min_length=4)]
    device_name: bounded_text(200) = ""
    app_version: bounded_text(40) = ""
    # The slot the counter already numbers its dossiers with, kept if no other desk of the unit has it.
    desk_slot: whole(0, 9) | None = None
    # The unit a counter already set up belongs to: a code of another unit is refused unspent.
    expected_unit_code: bounded_text(32) | None = None


class EnrollResponse(Model):
    protocol_version: int = PROTOCOL_VERSION
    device_id: str
    token: str
    unit_code: str
    unit_name: str
    desk_slot: int
    server_epoch: str


# -- handshake -------------------------------------------------------------------------------------


class HelloRequest(Request):
    protocol_versions: Annotated[list[whole(0, 1000)], Field(max_length=16)]
    schema_versions: Annotated[list[whole(0, 1000)], Field(max_length=16)]
    app_version: bounded_text(40) = ""
    device_epoch: Epoch
    # The last seq of the previous epoch: the first operation of this epoch carries epoch_base_seq + 1.
    epoch_base_seq: whole(0, MAX_INT64) = 0
    db_generation: bounded_text(36) = ""
    capabilities: Annotated[list[bounded_text(40)], Field(max_length=32)] = Field(default_factory=list)


class ReleaseOffer(Model):
    """A counter version the province offers; the file is GET /releases/{sha256} (sync/server/releases.py)."""

    version: Annotated[str, Field(pattern=RELEASE_VERSION_PATTERN, max_length=20)]
    platform: Literal["linux-x86_64", "windows-x86_64"]
    file_name: Annotated[str, Field(pattern=RELEASE_FILE_PATTERN, max_length=120)]
    size: Annotated[int, Field(ge=1, le=MAX_RELEASE_BYTES)]
    sha256: Annotated[str, Field(pattern=SHA256_PATTERN)]
    notes: Annotated[str, Field(max_length=2_000)] = ""


class DictionaryOffer(Model):
    """A zstd dictionary and string table the province trained (sync/server/dictionaries.py)."""

    id: Annotated[int, Field(ge=1, lt=2**31)]
    sha256: Annotated[str, Field(pattern=SHA256_PATTERN)]
    size: Annotated[int, Field(ge=1, le=MAX_DICTIONARY_BYTES)]


class HelloResponse(Model):
    protocol_version: int
    schema_versions: list[int]
    server_epoch: str
    server_time: datetime
    limits: Limits
    capabilities: list[str]
    device_id: str
    unit_code: str
    desk_slot: int
    device_epoch: str
    # Highest contiguous seq the server holds for (device, device_epoch); 0 when none.
    acked_seq: int
    # Highest server change sequence visible to this device (for pull cursor sanity checks).
    last_change_seq: int
    # The newest counter release per platform the province publishes (issue 12; older servers send none).
    releases: list[ReleaseOffer] = Field(default_factory=list, max_length=8)
    # A new device token, offered when the current one is due and the counter listed "token-rotation".
    new_token: str | None = Field(default=None, max_length=200)
    # The newest push dictionary (issue 13): GET /sync/dictionaries/{id}; None before one is trained.
    dictionary: DictionaryOffer | None = None


# -- push ------------------------------------------------------------------------------------------


class OpStatus(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class Operation(Request):
    """The envelope of one operation; its payload's shape is checked per `op_type` (domain.operations)."""

    op_id: OpId
    seq: Annotated[StrictInt, Field(ge=1, le=MAX_INT64)]
    entity: bounded_text(30, required=True)
    entity_id: Text64
    op_type: Text40
    base_version: Annotated[StrictInt, Field(ge=0, le=MAX_INT32)] | None = None
    schema_version: Annotated[StrictInt, Field(ge=1, le=1000)]
    created_at: EventInstant
    payload: dict[str, Any]
    payload_hash: Sha256

    def hash_matches(self) -> bool:
        return payload_hash(self.payload) == self.payload_hash


class PushBatch(Request):
    """A batch of operations. Each element of `ops` is an `Operation`, checked on its own: one that is
    malformed is refused alone (`rejected` with a reason) and never costs the others their answer."""

    protocol_version: int = PROTOCOL_VERSION
    batch_id: OpId
    device_epoch: Epoch
    ops: Annotated[list[Any], Field(max_length=MAX_OPS_HARD_LIMIT)]
    # Issue 13 (sync/wire.py): the operations in columnar form instead of `ops` (then empty), and the
    # answer's plain acceptances as seq ranges (`PushResponse.accepted`).
    packed: Any = None
    compact_results: bool = False


class OpResult(Model):
    op_id: str
    seq: int
    status: OpStatus
    code: str = ""
    message: str = ""  # Vietnamese, shown to the clerk for conflicts and rejections
    server_version: int | None = None


class PushResponse(Model):
    protocol_version: int = PROTOCOL_VERSION
    batch_id: str
    results: list[OpResult]
    acked_seq: int
    server_time: datetime
    # The newest audit row the server has chained for this device under the pushed epoch (0 and "": none):
    # the counter's own chain must hold it (services.audit.verify_audit).
    audit_seq: Annotated[int, Field(ge=0, le=MAX_INT64)] = 0
    audit_hash: Annotated[str, Field(pattern=r"^([0-9a-f]{64})?$")] = ""
    # When the batch asked for compact_results: [first seq, last seq, server_version] of operations accepted
    # with no code (not listed in `results`); sync.wire.results_of expands them.
    accepted: list[tuple[int, int, int | None]] = Field(default_factory=list)


class StoredBatch(Model):
    """The answer to a stored push batch not applied yet (202): it is kept, `waiting_before` batches of the
    device go first. Once applied, the batch is answered as `POST /sync/push` would have answered it.

    `answered`: when the store asked with `X-Answers-From`, the answers of the device's batches from that one
    on, in the order stored, as far as they were applied whole (status 200): a counter storing its backlog
    reads earlier answers on the stores it makes anyway instead of asking for each (sync/server/inbox.py)."""

    batch_id: str
    state: Literal["stored"] = "stored"
    waiting_before: int = 0
    answered: list[PushResponse] = Field(default_factory=list)
    # When the province last applied a stored batch of any device (None from a province older than this
    # field): it moves while a province busy with other counters' backlogs keeps this device's batches
    # waiting, and stays put when the province's appliers are stuck (sync/client/stored_push.answer).
    province_applied_at: datetime | None = None


# -- pull ------------------------------------------------------------------------------------------


class ChangeKind(StrEnum):
    PROCEDURE = "procedure"  # payload: a catalog entry (counter_app.domain.catalog.procedure_to_dict)
    CALENDAR = "calendar"  # payload: {"day": "YYYY-MM-DD", "kind": "off"|"work", "note": str}
    DOSSIER_STATUS = "dossier_status"  # payload: {"code", "status", "version", "note", "at", "actor"[, "due_at", "previous_due_at"]}
    DESK_SLOT = "desk_slot"  # payload: {"device_id", "desk_slot"}
    NUMBER_RANGE = "number_range"  # payload: {"series", "first", "last"} (receipt books, postal items)
    ACCOUNT = "account"  # payload: an account.upsert payload, the version every desk of the unit keeps
    # payload: sync.protocol_conflicts.ResolutionNotice; served only to counters asking `resolutions=1`
    CONFLICT_RESOLUTION = "conflict_resolution"


class Change(Model):
    seq: int
    kind: ChangeKind
    entity_id: str
    payload: dict[str, Any]


class PullPage(Model):
    protocol_version: int = PROTOCOL_VERSION
    server_epoch: str
    after: int
    changes: list[Change]
    last_seq: int  # the cursor to send next time
    has_more: bool


class PulledDossier(Model):
    """One of the device's own dossiers sent back after a restore: as the counter once sent it, and now."""

    data: dict[str, Any]  # the dossier.create payload, checked again by the counter
    status: int
    version: int
    due_at: str | None = None
    previous_due_at: str | None = None
    events: list[dict[str, Any]] = Field(default_factory=list, max_length=1_000)
    # Its receipts, returns, lifecycle records and attachments (sync/server/pullback_records.py).
    records: list[dict[str, Any]] = Field(default_factory=list, max_length=1_000)


class PullBackPage(Model):
    """GET /sync/pullback: a page of the device's own dossiers (after a dossier id), and on the first page
    the highest receipt number the province holds from this device in each book."""

    after: str
    dossiers: list[PulledDossier] = Field(max_length=1_000)
    next_after: str | None  # None: the last page
    receipt_maxima: dict[str, int] = Field(default_factory=dict, max_length=1_000)


class PullBackDeskPage(Model):
    """GET /sync/pullback/desk: a page of the device's own records of one kind that hang on no dossier."""

    kind: str
    after: str
    records: list[dict[str, Any]] = Field(max_length=1_000)
    next_after: str | None  # None: the last page


# -- blobs -----------------------------------------------------------------------------------------


class BlobCreate(Request):
    size: whole(0, 2**40)
    content_type: bounded_text(100) = "application/octet-stream"


class BlobStatus(Model):
    sha256: str
    size: int
    offset: int
    complete: bool
    state: Literal["uploading", "complete"] = "uploading"


# -- audit trail (issue 10, C) ----------------------------------------------------------------------

# The longest before/after text an audit row may carry (canonical JSON of an operation's payload).
MAX_AUDIT_JSON_CHARS = 1_000_000


class AuditEnvelope(Request):
    """The audit row of an operation, carried in its envelope as `"audit"` (counter_app.domain.audit).

    It travels next to the operation, not inside it: the server keeps it even when it refuses the
    operation, and a withdrawn operation carries it too. Parsed on its own, so a damaged audit row never
    costs the operation its answer."""

    seq: Annotated[StrictInt, Field(ge=1, le=MAX_INT64)]
    at: bounded_text(40, required=True)
    device: bounded_text(36)
    clerk_name: bounded_text(300)
    clerk_username: bounded_text(32)
    action: bounded_text(40, required=True)
    subject: bounded_text(64)
    before: bounded_text(MAX_AUDIT_JSON_CHARS) | None
    # null: the operation's own payload as canonical JSON, the usual case, left out to spare the wire (it was
    # half of an envelope, bench/sync_receipts.py); the server rebuilds it from the payload it received.
    after: bounded_text(MAX_AUDIT_JSON_CHARS) | None
    prev_hash: Sha256
    hash: Sha256
