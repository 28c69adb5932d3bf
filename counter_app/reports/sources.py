"""Where the report queries read: the same named columns over the counter's tables and the province's.

The queries in `counter_app.reports.queries` are written once against these selectables (SQLAlchemy Core
FROM clauses with exactly the columns listed), so the counter and the server apply the same rules and the
province's total can only differ from the sum of its units if their data differ. The counter builds its
sources in `counter_app.reports.counter_sources`, the server in `sync.server.report_sources`.

Every source tied to a dossier also has `key`, the dossier's internal identity (the counter's integer pk, the
server's id): the column its history rows refer to, so a correlation on `key` is an index lookup on the
history table itself (`code` would go through `dossier` first). `code` is for people and for tables that
keep only the code (receipts).

Instants are aware UTC columns (UtcDateTime); filter them with `Period.instants()` so indexes are used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, FromClause


@dataclass(frozen=True)
class ReportSources:
    # key, code, unit_code, desk_slot, channel, procedure_code, procedure_name, applicant_name, received_at,
    # due_at (current), status (current), back_dated (bool), register_book, register_number, sets_count,
    # applicant_address (text), applicant_phone
    dossiers: FromClause
    # key, code, unit_code, desk_slot, at, from_status, to_status, seq: every status step (history), oldest first by
    # (at, seq); seq (the order the steps were recorded) breaks ties of `at`, which the province holds to
    # the second only (two steps of one second, or two typed for the same minute)
    steps: FromClause
    # key, code, unit_code, desk_slot, at, previous_due_at
    apologies: FromClause
    # key, code, unit_code, desk_slot, at, direction ("to_agency" | "from_agency"), to_party
    handovers: FromClause
    # code, unit_code, desk_slot, returned_at, method ("desk" | "post")
    returns: FromClause
    # reference, unit_code, desk_slot, at
    guidance: FromClause
    # id, unit_code, desk_slot, at, outcome
    assisted: FromClause
    # number (text "mẫu số/ký hiệu/số"), code (dossier), unit_code, desk_slot, day (DATE), method,
    # fee_vnd, charge_vnd, total_vnd, status, cancelled_at
    receipts: FromClause
    # code, unit_code, desk_slot, created_at: current scan bundles of a paper (document_index not null)
    scans: FromClause
    # unit_code, desk_slot, day (DATE), clerk, expected_cash, counted_total, difference, explanation
    closes: FromClause
    # key, code, unit_code, desk_slot, synced (bool): whether the province holds the dossier
    sync_state: FromClause
    # the number of operations not yet acknowledged (a scalar; literal 0 on the server)
    not_synced: ColumnElement[int]
    # unit_code -> name, for titles and rows
    unit_names: dict[str, str]
    # (unit_code, desk_slot) the `not_synced` operations belong to (the counter's own desk); None on the server
    local_desk: tuple[str, int] | None = None
    # The same histories without their desk, for per-dossier lookups where the desk is not read (None: the
    # sources above serve). The province's sources join every history row to `dossier` for its unit and
    # desk; a lookup of one dossier's last step, its apologies or its scans needs no such join.
    # key, at, seq, from_status, to_status
    step_history: FromClause | None = None
    # key, at, previous_due_at
    apology_history: FromClause | None = None
    # code: current scan bundles of a paper
    scan_history: FromClause | None = None
    # key, at, direction, to_party
    handover_history: FromClause | None = None
    # key, returned_at, method
    return_history: FromClause | None = None

    def title_of(self, units: Iterable[str]) -> str:
        """A report's title: the names of `units` (their codes where no name is known), comma separated."""
        return ", ".join(self.unit_names.get(unit, unit) for unit in units)
