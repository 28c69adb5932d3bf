"""The figures of the reports, their Vietnamese words and the rule that decides what each counts (one home).

Rules (domain.md §8, the THA 766 period rule; all instants compared by office DATE, Asia/Ho_Chi_Minh,
using `Period.instants()` so that indexed UTC columns are compared, never converted row by row):

- received in the period: the dossier's `received_at` in the period, by its channel (1 trực tiếp,
  2 trực tuyến, 3 bưu chính), whatever happened to it later (a dossier refused at the desk was received
  and refused); back-dated: received in the period and entered late (`late_entry_reason`).
- refused: a step into 3 (Không được tiếp nhận) dated in the period; guided: a guidance record
  (Mẫu 02 at intake, no code spent) dated in the period; assisted: a filing helped on the national
  portal dated in the period.
- supplements asked / supplied: steps into 5, and 5 → 4, dated in the period; apologies (Mẫu 04)
  dated in the period. These count steps and records, not distinct dossiers: a dossier asked twice in
  the period counts twice and its drill-down lists it twice (so days add up to the range).
- finished: the dossier's first step into 9 (Đã xử lý xong), or into 10 when it skipped 9, dated in the
  period (NgayKetThucXuLy); as 9 leads only to 10 and 10 nowhere, that is its one step into 9 or 10 from
  another status (the same goes for the first closing step of "pending" below). Early / on
  time / late compare that office date with the office date of the due date the law sets: the dossier's
  due date before any apology moved it (an apology admits the delay, it does not erase it), i.e. the
  `previous_due_at` of its first apology when it has one, else its `due_at` (moved only by supplements).
  Same office day = on time.
- returned: a result return dated in the period, at the desk or by post (BCCI), one per return record.
- pending at the end of the period: received before its end and with no step into 3, 7, 8, 9 or 10
  dated before its end; overdue: pending, not waiting for the citizen (its last step before the end is not
  into 5 or 6; a dossier with no step counts as not waiting), and its legal due date (as for finished)
  falls on an office day before the period's last day. KPI: pending in time = pending − overdue (those
  waiting for the citizen included); carried over = pending at the start of the period's first day.
- fees: receipts whose `day` lies in the period and still issued, by kind (phí/lệ phí) and method
  (cash/transfer), in đồng; their drill-down lists the receipts with a non-zero amount of that kind and
  method. Receipts issued: those same receipts (day in the period, still issued), counted. Cancelled:
  receipts cancelled in the period (by `cancelled_at`), whatever their day. A cancelled receipt's money is
  never counted, and it no longer counts as issued.
- closes: desk-days closed in the period; close difference: the sum of their differences (đồng).
- digitised: dossiers received in the period that have a current scan bundle of a paper.
- not synced: the counter's operations not yet acknowledged by the province (pending, in flight,
  rejected or in conflict), as of now whatever the period (0 on the server); on its own desk's row.
- synced (KPI): dossiers received in the period whose creation the province acknowledged.
- QĐ 766 rates: on time = (early + on time) / finished; online, postal, digitised, synced shares over
  received in the period; postal returns over returned. A rate with nothing under it is None
  (satisfaction until a survey is recorded), never a made-up 0 % or 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FigureDef:
    key: str
    label: str  # Vietnamese, as the screen and every export print it
    section: str  # the sheet / block it belongs to
    unit: str  # "dossier" | "record" | "vnd" | "receipt" | "operation" | "close"
    lists_dossiers: bool = True  # the screen opens the dossiers (or receipts) behind it


SECTION_RECEIVED = "Tiếp nhận"
SECTION_RESULTS = "Giải quyết và trả kết quả"
SECTION_FEES = "Phí, lệ phí"
SECTION_OTHER = "Số hóa và đồng bộ"

DAILY_FIGURES: tuple[FigureDef, ...] = (
    FigureDef("received_direct", "Tiếp nhận trực tiếp", SECTION_RECEIVED, "dossier"),
    FigureDef("received_online", "Tiếp nhận trực tuyến", SECTION_RECEIVED, "dossier"),
    FigureDef("received_postal", "Tiếp nhận qua bưu chính", SECTION_RECEIVED, "dossier"),
    FigureDef("received_total", "Tổng số hồ sơ tiếp nhận", SECTION_RECEIVED, "dossier"),
    FigureDef("back_dated", "Hồ sơ nhập muộn (ghi lùi thời điểm)", SECTION_RECEIVED, "dossier"),
    FigureDef("guided", "Hướng dẫn hoàn thiện (Mẫu 02)", SECTION_RECEIVED, "record"),
    FigureDef("refused", "Từ chối tiếp nhận (Mẫu 03)", SECTION_RECEIVED, "dossier"),
    FigureDef("assisted", "Hỗ trợ nộp trực tuyến", SECTION_RECEIVED, "record"),
    FigureDef("supplements_requested", "Yêu cầu bổ sung", SECTION_RESULTS, "dossier"),
    FigureDef("supplements_supplied", "Đã bổ sung", SECTION_RESULTS, "dossier"),
    FigureDef("apologies", "Thư xin lỗi (Mẫu 04)", SECTION_RESULTS, "record"),
    FigureDef("finished_early", "Giải quyết trước hạn", SECTION_RESULTS, "dossier"),
    FigureDef("finished_on_time", "Giải quyết đúng hạn", SECTION_RESULTS, "dossier"),
    FigureDef("finished_late", "Giải quyết quá hạn", SECTION_RESULTS, "dossier"),
    FigureDef("returned_desk", "Trả kết quả tại quầy", SECTION_RESULTS, "dossier"),
    FigureDef("returned_post", "Trả kết quả qua bưu chính", SECTION_RESULTS, "dossier"),
    FigureDef("pending", "Đang giải quyết (cuối kỳ)", SECTION_RESULTS, "dossier"),
    FigureDef("overdue", "Trong đó quá hạn", SECTION_RESULTS, "dossier"),
    FigureDef("fee_cash", "Phí thu tiền mặt", SECTION_FEES, "vnd"),
    FigureDef("fee_transfer", "Phí thu chuyển khoản", SECTION_FEES, "vnd"),
    FigureDef("charge_cash", "Lệ phí thu tiền mặt", SECTION_FEES, "vnd"),
    FigureDef("charge_transfer", "Lệ phí thu chuyển khoản", SECTION_FEES, "vnd"),
    FigureDef("collected_total", "Tổng số tiền đã thu", SECTION_FEES, "vnd"),
    FigureDef("receipts_issued", "Biên lai đã lập", SECTION_FEES, "receipt"),
    FigureDef("receipts_cancelled", "Biên lai đã hủy", SECTION_FEES, "receipt"),
    FigureDef("closes", "Số lần chốt sổ cuối ngày", SECTION_FEES, "close", lists_dossiers=False),
    FigureDef("close_difference", "Chênh lệch khi chốt sổ", SECTION_FEES, "vnd", lists_dossiers=False),
    FigureDef("digitised", "Hồ sơ đã số hóa", SECTION_OTHER, "dossier"),
    FigureDef("not_synced", "Thao tác chưa đồng bộ", SECTION_OTHER, "operation", lists_dossiers=False),
)

FIGURES_BY_KEY = {f.key: f for f in DAILY_FIGURES}

# QĐ 766 (domain.md §8): each indicator is numerator / denominator over the period.
KPI_COUNTS: tuple[FigureDef, ...] = (
    FigureDef("carried_over", "Tiếp nhận kỳ trước chuyển sang", SECTION_RECEIVED, "dossier"),
    FigureDef("received_total", "Tiếp nhận trong kỳ", SECTION_RECEIVED, "dossier"),
    FigureDef("received_direct", "Trực tiếp", SECTION_RECEIVED, "dossier"),
    FigureDef("received_online", "Trực tuyến", SECTION_RECEIVED, "dossier"),
    FigureDef("received_postal", "Qua bưu chính", SECTION_RECEIVED, "dossier"),
    FigureDef("finished_total", "Đã giải quyết", SECTION_RESULTS, "dossier"),
    FigureDef("finished_early", "Trước hạn", SECTION_RESULTS, "dossier"),
    FigureDef("finished_on_time", "Đúng hạn", SECTION_RESULTS, "dossier"),
    FigureDef("finished_late", "Quá hạn", SECTION_RESULTS, "dossier"),
    FigureDef("pending_in_time", "Đang giải quyết trong hạn", SECTION_RESULTS, "dossier"),
    FigureDef("pending_overdue", "Đang giải quyết quá hạn", SECTION_RESULTS, "dossier"),
    FigureDef("returned_total", "Đã trả kết quả", SECTION_RESULTS, "dossier"),
    FigureDef("returned_post", "Trả qua bưu chính", SECTION_RESULTS, "dossier"),
    FigureDef("digitised", "Số hóa khi tiếp nhận", SECTION_OTHER, "dossier"),
    FigureDef("synced", "Đã đồng bộ lên cấp tỉnh", SECTION_OTHER, "dossier"),
)

KPI_INDICATORS: tuple[FigureDef, ...] = (
    FigureDef("on_time_rate", "Tỷ lệ giải quyết trước hạn, đúng hạn", SECTION_RESULTS, "dossier"),
    FigureDef("online_share", "Tỷ lệ hồ sơ trực tuyến", SECTION_RECEIVED, "dossier"),
    FigureDef("postal_share", "Tỷ lệ hồ sơ nộp qua bưu chính", SECTION_RECEIVED, "dossier"),
    FigureDef("digitisation_rate", "Tỷ lệ số hóa hồ sơ khi tiếp nhận", SECTION_OTHER, "dossier"),
    FigureDef("postal_return_share", "Tỷ lệ trả kết quả qua bưu chính", SECTION_RESULTS, "dossier"),
    FigureDef("synced_rate", "Tỷ lệ hồ sơ đồng bộ lên cấp tỉnh", SECTION_OTHER, "dossier"),
    FigureDef("satisfaction", "Mức độ hài lòng", SECTION_OTHER, "record", lists_dossiers=False),
)
