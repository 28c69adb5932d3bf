"""The procedure catalog (danh mục thủ tục hành chính): what the counter knows about each procedure.

The catalog tells the counter what each procedure needs: its national code, the time the office has
to return a result (a `TimeRule` per channel: same day with a cut-off, working hours or days, calendar
days; old entries hold working hours, 1 working day = 8 h), the fees and charges, and the papers to
check. This module is the model and its dict shape (stored in the
counter database and sent over sync); checking an entry lives in `catalog_checks`, reading and
writing whole catalog files (JSON, CSV) in `catalog_files`.

Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from counter_app.domain.dossier import Channel, ResultDelivery
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.time_rules import CHANNEL_KEY, HOURS_PER_DAY, TimeRule, TimeUnit

__all__ = ["HOURS_PER_DAY", "TimeRule", "TimeUnit"]  # re-exported: the catalog is where callers look
APPLICANT_FIELDS = ("birth_date", "gender", "address", "email")


class FeeKind(StrEnum):
    """Phí (a fee for a service) or lệ phí (a state charge): receipts and reports keep them apart."""

    FEE = "phí"
    CHARGE = "lệ phí"


@dataclass(frozen=True)
class FeeTier:
    """From unit `start` on (e.g. from page 3) each unit costs `amount_vnd` instead of the item's amount."""

    start: int
    amount_vnd: int


@dataclass(frozen=True)
class FeeExemption:
    """A case the law exempts (percent 100, miễn) or reduces (giảm `percent`%), with the text that says so.

    `key` is what the clerk picks (CLI `--exemption KEY`, the intake screen's list).
    """

    key: str
    reason: str
    basis: str
    percent: int = 100

    @property
    def is_full(self) -> bool:
        return self.percent >= 100


@dataclass(frozen=True)
class FeeItem:
    """One fee or charge and how it is counted (docs/fees.md).

    `amount_vnd` is per `unit` ("trang", "bản", "bản sao", "trường hợp", "giao dịch", …; empty = once per
    dossier), None when the catalog does not know it (`decided_by` names who sets it, e.g. the provincial
    People's Council). `tiers` change the rate from a given unit on; `cap_vnd` bounds one copy of a
    per-page item, or the whole line otherwise. `source` is the legal text the amount comes from.
    """

    name: str
    kind: FeeKind
    amount_vnd: int | None
    note: str = ""
    unit: str = ""
    tiers: tuple[FeeTier, ...] = ()
    cap_vnd: int | None = None
    exemptions: tuple[FeeExemption, ...] = ()
    source: str = ""
    decided_by: str = ""


class DocumentKind(StrEnum):
    """How the law lists a paper: only `required` papers are counted in by default at the desk.

    The others start at 0 and the clerk types what the citizen actually hands in: one paper of each
    `one_of` group (alternatives, "nếu không có thì …"), `conditional` papers only in their case
    ("trường hợp …"), `shown` papers are looked at and handed back (xuất trình), and `online_only`
    papers are the e-forms of a dossier filed online. docs/papers-and-slip.md.
    """

    REQUIRED = "required"
    ONE_OF = "one_of"
    CONDITIONAL = "conditional"
    SHOWN = "shown"
    ONLINE_ONLY = "online_only"

    @property
    def label(self) -> str:
        return DOCUMENT_KIND_LABELS[self]


DOCUMENT_KIND_LABELS = {
    DocumentKind.REQUIRED: "bắt buộc",
    DocumentKind.ONE_OF: "chọn một trong nhóm",
    DocumentKind.CONDITIONAL: "tùy trường hợp",
    DocumentKind.SHOWN: "chỉ xuất trình",
    DocumentKind.ONLINE_ONLY: "chỉ khi nộp trực tuyến",
}


@dataclass(frozen=True)
class RequiredDocument:
    """One paper of the dossier, how many of each form the citizen hands in, and its kind.

    `group` names the alternatives a `one_of` paper belongs to (empty for every other kind).
    """

    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0
    kind: DocumentKind = DocumentKind.REQUIRED
    group: str = ""


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure as the counter uses it to receive a dossier and set its due date."""

    code: str
    name: str
    sector: str
    level: str
    processing_hours: int
    online_processing_hours: int | None = None
    time_unit: TimeUnit = TimeUnit.WORKING_DAYS
    fees: tuple[FeeItem, ...] = ()
    documents: tuple[RequiredDocument, ...] = ()
    result_delivery: tuple[ResultDelivery, ...] = (ResultDelivery.DESK, ResultDelivery.POSTAL)
    required_fields: tuple[str, ...] = ()
    is_sample: bool = False
    source: str = ""
    note: str = ""
    # Time rules per channel (catalog key "times"); a channel not listed has the direct time. Empty for
    # old entries, whose rule comes from processing_hours/online_processing_hours/time_unit.
    times: tuple[tuple[Channel, TimeRule], ...] = ()
    time_source: str = ""  # where the time comes from (legal text, published record), or why unconfirmed

    def time_rule(self, channel: Channel) -> TimeRule:
        """The processing-time rule for a dossier filed through `channel`; due dates: `time_rules.due_at`."""
        if self.times:
            rules = dict(self.times)
            return rules.get(channel, rules[Channel.DIRECT])
        hours = self.processing_hours
        if channel == Channel.ONLINE and self.online_processing_hours is not None:
            hours = self.online_processing_hours
        return TimeRule.from_hours(hours, self.time_unit)

    def hours_for(self, channel: Channel) -> int:
        """Working hours the channel's rule stands for (0 = same day); a summary, not the due date."""
        return self.time_rule(channel).nominal_hours

    def total_fees_vnd(self) -> int:
        """Sum of the amounts the catalog knows; amounts the province sets (None) are not counted."""
        return sum(f.amount_vnd for f in self.fees if f.amount_vnd is not None)


def _time_keys(p: Procedure) -> dict[str, Any]:
    """New entries carry "times" (+ "time_source"); old ones keep the keys they were read with."""
    if p.times:
        times = {CHANNEL_KEY[channel]: rule.to_dict() for channel, rule in p.times}
        return {"times": times, "time_source": p.time_source}
    legacy: dict[str, Any] = {
        "processing_hours": p.processing_hours,
        "online_processing_hours": p.online_processing_hours,
        "time_unit": p.time_unit.value,
    }
    if p.time_source:
        legacy["time_source"] = p.time_source
    return legacy


def fee_item_to_dict(f: FeeItem) -> dict[str, Any]:
    """The item's JSON shape; the counting keys appear only when set, so old entries keep their shape."""
    item: dict[str, Any] = {"name": f.name, "kind": f.kind.value, "amount_vnd": f.amount_vnd, "note": f.note}
    if f.unit:
        item["unit"] = f.unit
    if f.tiers:
        item["tiers"] = [{"from": t.start, "amount_vnd": t.amount_vnd} for t in f.tiers]
    if f.cap_vnd is not None:
        item["cap_vnd"] = f.cap_vnd
    if f.exemptions:
        item["exemptions"] = [
            {"key": e.key, "reason": e.reason, "basis": e.basis, "percent": e.percent} for e in f.exemptions
        ]
    if f.source:
        item["source"] = f.source
    if f.decided_by:
        item["decided_by"] = f.decided_by
    return item


def procedure_to_dict(p: Procedure) -> dict[str, Any]:
    """A JSON-ready dict in the app's catalog format; parse_catalog_json reads it back unchanged."""
    return {
        "code": p.code,
        "name": p.name,
        "sector": p.sector,
        "level": p.level,
        **_time_keys(p),
        "fees": [fee_item_to_dict(f) for f in p.fees],
        "documents": [
            {
                "name": d.name,
                "originals": d.originals,
                "certified_copies": d.certified_copies,
                "photocopies": d.photocopies,
                "kind": d.kind.value,
                **({"group": d.group} if d.group else {}),
            }
            for d in p.documents
        ],
        "result_delivery": [r.value for r in p.result_delivery],
        "required_fields": list(p.required_fields),
        "is_sample": p.is_sample,
        "source": p.source,
        "note": p.note,
    }


def procedure_from_dict(raw: dict[str, Any]) -> Procedure:
    """One procedure in the app's JSON shape (as `procedure_to_dict` writes it), with the same checks."""
    # Imported here: catalog_checks builds the classes above, so it imports this module.
    from counter_app.domain.catalog_checks import build_procedure
    from counter_app.domain.catalog_entry import Entry

    errors: list[ValidationError] = []
    entry = Entry(f"Thủ tục {raw.get('code', '')}".strip(), None, errors)
    procedure = build_procedure(entry, raw)
    if errors or procedure is None:
        raise ValidationErrors(errors)
    return procedure
