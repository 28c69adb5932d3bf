"""What a citizen owes for one dossier: the fee items of its procedure, counted and totalled.

Phí and lệ phí stay apart from the catalog to the receipt and the reports (domain.md §5); amounts are
whole đồng. This module is the one home of the arithmetic; `services.fees` finds what a dossier owes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from counter_app.domain.catalog import FeeKind


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
