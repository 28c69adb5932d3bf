"""What a citizen owes for one dossier: the fee items of its procedure, counted and totalled.

Phí and lệ phí stay apart from the catalog to the receipt and the reports (domain.md §5); amounts are
whole đồng. This module is the one home of the arithmetic; `services.fees` finds what a dossier owes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from counter_app.domain.catalog import FeeExemption, FeeItem, FeeKind, Procedure
from counter_app.domain.errors import ValidationError
from counter_app.domain.money import format_vnd


@dataclass(frozen=True)
class FeeLine:
    """One line the citizen pays: a catalog item with its count, or 0 with the legal reason it is waived."""

    name: str
    kind: FeeKind
    amount_vnd: int
    quantity: int = 1
    unit: str = ""
    note: str = ""  # how the amount was reached, or the exemption / reduction and its legal basis


@dataclass(frozen=True)
class FeeAssessment:
    """Every line a dossier owes; `unknown` names items whose amount the province sets and the catalog lacks."""

    lines: tuple[FeeLine, ...] = ()
    unknown: tuple[str, ...] = field(default=())

    @property
    def fee_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines if line.kind is FeeKind.FEE)

    @property
    def charge_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines if line.kind is FeeKind.CHARGE)

    @property
    def total_vnd(self) -> int:
        return self.fee_vnd + self.charge_vnd


# What the clerk counts. Each item is counted by its unit: "trang" = pages of the original, for each copy;
# "bản" = copies; "bản sao" = extra copies of an extract, asked for on top of the result (none by default);
# no unit or "hồ sơ" = once per dossier; any other unit ("trường hợp", "giao dịch", "di chúc") = cases.
PAGE_UNIT, COPY_UNIT, EXTRACT_UNIT, DOSSIER_UNIT = "trang", "bản", "bản sao", "hồ sơ"
MAX_PAGES = 10_000  # a very long original; more is a typing slip
MAX_COPIES = 1_000
MAX_CASES = 1_000


class FeeInputError(ValidationError):
    """A count or an exemption the clerk entered that cannot be assessed; the message is Vietnamese."""

    def __init__(self, message: str, field: str = "fees") -> None:
        super().__init__(field, message, "Phí, lệ phí")


@dataclass(frozen=True)
class Quantities:
    """The counts the clerk enters at the desk: pages of the original per copy, copies, cases, extracts."""

    pages: int = 1
    copies: int = 1
    cases: int = 1
    extracts: int = 0

    def checked(self) -> Quantities:
        """Self, or FeeInputError naming the count out of bounds."""
        bounds = (
            ("pages", "Số trang", 1, MAX_PAGES),
            ("copies", "Số bản", 1, MAX_COPIES),
            ("cases", "Số trường hợp", 1, MAX_CASES),
            ("extracts", "Số bản sao trích lục", 0, MAX_COPIES),
        )
        for attr, label, low, high in bounds:
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise FeeInputError(f"{label} phải là số nguyên từ {low} đến {high}, đang ghi {value!r}.")
        return self

    def to_dict(self) -> dict[str, int]:
        return {"pages": self.pages, "copies": self.copies, "cases": self.cases, "extracts": self.extracts}

    @classmethod
    def from_dict(cls, raw: dict) -> Quantities:
        return cls(**{k: raw[k] for k in ("pages", "copies", "cases", "extracts") if k in raw}).checked()


def counted_by(item: FeeItem) -> str:
    """Which count multiplies the item: "pages", "copies", "extracts", "cases" or "once"."""
    unit = item.unit.strip().lower()
    if unit == PAGE_UNIT:
        return "pages"
    if unit == COPY_UNIT:
        return "copies"
    if unit == EXTRACT_UNIT:
        return "extracts"
    if unit in ("", DOSSIER_UNIT):
        return "once"
    return "cases"


def per_copy_of_pages(item: FeeItem, pages: int) -> int:
    """The amount for one copy of `pages` pages under the item's tiers and cap (TT 226/2016: 2.000 đ/trang
    for pages 1-2, 1.000 đ/trang from page 3, at most 200.000 đ a copy)."""
    assert item.amount_vnd is not None
    rates = [(1, item.amount_vnd), *((t.start, t.amount_vnd) for t in item.tiers)]
    total = 0
    for index, (start, rate) in enumerate(rates):
        end = rates[index + 1][0] - 1 if index + 1 < len(rates) else pages
        if pages >= start:
            total += (min(end, pages) - start + 1) * rate
    return total if item.cap_vnd is None else min(total, item.cap_vnd)


def _pages_note(item: FeeItem, pages: int, copies: int, per_copy: int) -> str:
    capped = " (mức tối đa)" if item.cap_vnd is not None and per_copy == item.cap_vnd else ""
    return f"{pages} trang × {copies} bản: {format_vnd(per_copy)} đồng/bản{capped}"


def _line(item: FeeItem, q: Quantities, exemption: FeeExemption | None) -> FeeLine | None:
    """The item's line for these counts; None for an item not asked for (no extract copies)."""
    how = counted_by(item)
    if how == "extracts" and q.extracts == 0:
        return None
    quantity = {"pages": q.copies, "copies": q.copies, "extracts": q.extracts, "cases": q.cases}.get(how, 1)
    unit = COPY_UNIT if how == "pages" else ("" if how == "once" else item.unit)
    assert item.amount_vnd is not None
    if how == "pages":
        per_copy = per_copy_of_pages(item, q.pages)
        amount, note = per_copy * q.copies, _pages_note(item, q.pages, q.copies, per_copy)
    else:
        amount = item.amount_vnd * quantity
        if item.cap_vnd is not None and amount > item.cap_vnd:
            amount, note = item.cap_vnd, f"mức tối đa {format_vnd(item.cap_vnd)} đồng"
        else:
            note = f"{format_vnd(item.amount_vnd)} đồng/{item.unit}" if how != "once" else ""
    if exemption is not None:
        waived = amount * exemption.percent // 100
        amount -= waived
        verb = "Miễn" if exemption.is_full else f"Giảm {exemption.percent}%"
        note = f"{note}; " if note else ""
        note += f"{verb}: {exemption.reason} ({exemption.basis})"
    source = f" — {item.source}" if item.source else ""
    return FeeLine(item.name, item.kind, amount, quantity, unit, (note + source).strip(" —"))


def assess(procedure: Procedure, quantities: Quantities | None = None, exemption: str | None = None) -> FeeAssessment:
    """What the procedure's fee items come to for the clerk's counts and the exemption chosen (by key).

    Items whose amount the catalog does not know go to `unknown` (never counted as 0), unless the chosen
    exemption waives them whole; items of 0 đồng without an exemption are left out (nothing to collect).
    Raises FeeInputError for counts out of bounds or an exemption none of the items has.
    """
    q = (quantities or Quantities()).checked()
    if exemption and not any(e.key == exemption for item in procedure.fees for e in item.exemptions):
        keys = sorted({e.key for item in procedure.fees for e in item.exemptions})
        offered = f"; thủ tục này có: {', '.join(keys)}" if keys else "; thủ tục này không có trường hợp miễn, giảm nào"
        raise FeeInputError(f"Không có trường hợp miễn, giảm “{exemption}”{offered}.")
    lines: list[FeeLine] = []
    unknown: list[str] = []
    for item in procedure.fees:
        chosen = next((e for e in item.exemptions if e.key == exemption), None)
        if item.amount_vnd is None:
            if counted_by(item) == "extracts" and q.extracts == 0:
                continue
            if chosen is not None and chosen.is_full:
                basis = f"Miễn: {chosen.reason} ({chosen.basis})"
                lines.append(FeeLine(item.name, item.kind, 0, 1, "", basis))
            else:
                unknown.append(item.name)
            continue
        line = _line(item, q, chosen)
        if line is not None and (line.amount_vnd or chosen is not None):
            lines.append(line)
    return FeeAssessment(tuple(lines), tuple(unknown))


def exemptions_of(procedure: Procedure) -> tuple[FeeExemption, ...]:
    """Every exemption or reduction the procedure's items offer, once per key, in catalog order."""
    seen: dict[str, FeeExemption] = {}
    for item in procedure.fees:
        for e in item.exemptions:
            seen.setdefault(e.key, e)
    return tuple(seen.values())


def line_to_dict(line: FeeLine) -> dict:
    """A line as stored and synced (kind as its Vietnamese value)."""
    return {
        "name": line.name,
        "kind": line.kind.value,
        "amount_vnd": line.amount_vnd,
        "quantity": line.quantity,
        "unit": line.unit,
        "note": line.note,
    }


def line_from_dict(raw: dict) -> FeeLine:
    return FeeLine(raw["name"], FeeKind(raw["kind"]), int(raw["amount_vnd"]), int(raw.get("quantity", 1)),
                   raw.get("unit", ""), raw.get("note", ""))


def owed_text(due: FeeAssessment) -> str:
    """One line for papers that tell the citizen what is still to pay (phí and lệ phí apart), or "" when
    nothing is owed and nothing is unknown. It states a debt, never a payment."""
    if due.total_vnd == 0 and not due.unknown:
        return ""
    parts = []
    if due.fee_vnd:
        parts.append(f"phí {format_vnd(due.fee_vnd)} đồng")
    if due.charge_vnd:
        parts.append(f"lệ phí {format_vnd(due.charge_vnd)} đồng")
    text = "Phí, lệ phí phải nộp (chưa thu): " + ("; ".join(parts) if parts else "chưa xác định")
    if due.unknown:
        text += f"; chưa có mức thu, sẽ thông báo sau: {', '.join(due.unknown)}"
    return text + "."
