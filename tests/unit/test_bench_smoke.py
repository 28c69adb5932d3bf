"""The worklist, scan-bundle, audit-check, receipts and counter report benchmarks run end to end on a tiny size and
their JSON holds what the README says: a figure, a baseline measured in the same run, and the checks that the two agree.
The figures themselves are not asserted (speed is measured in bench/, never in a test)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from counter_app.services.worklists import WorklistKind

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run_bench(script: str, *args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_worklists_bench_reads_every_list_the_same_way_as_a_full_scan() -> None:
    figures = run_bench("worklists.py", "--dossiers", "3000", "--returns-per-state", "20", "--runs", "1",
                        "--baseline-runs", "1")
    assert figures["build"]["template_dossiers"] == 2000  # the rest were copied by the set-based insert
    assert set(figures["lists"]) == {kind.value for kind in WorklistKind}
    # Every list has rows on this data, so "the same rows as the full scan" compares something.
    assert all(figures["lists"][kind]["total"] > 0 for kind in figures["lists"])
    assert figures["lists"]["returned_items"]["total"] == 20
    assert figures["all_same_as_baseline"] is True
    assert any("ix_dossier_status_due_at" in step for step in figures["lists"]["overdue"]["plan"])
    assert figures["all_worklists"]["n"] == 1 and "p95_ms" in figures["all_worklists"]


def test_scan_bundle_bench_bundles_every_page_and_measures_the_baseline() -> None:
    figures = run_bench("scan_bundle.py", "--pages", "3", "--runs", "1")
    assert figures["build_bundle"]["output_pages"] == 3
    assert figures["baseline"]["output_pages"] == 3
    assert figures["scan_set"]["askew_pages"] == 1
    askew = [group for key, group in figures["deskew"]["per_page"].items() if key.endswith("_askew")]
    assert [abs(angle) for group in askew for angle in group["angles_found"]] == [2.0]
    assert figures["build_bundle"]["output_bytes"] > 0 and figures["baseline"]["output_bytes"] > 0


def test_audit_verify_bench_checks_an_intact_trail_and_reads_it_as_the_baseline() -> None:
    figures = run_bench("audit_verify.py", "--rows", "2000", "--runs", "1")["counter_sqlite"]
    assert figures["intact"] is True and figures["rows_checked"] == 2000
    assert figures["verify_ms"] > 0 and figures["baseline_read_ms"] > 0


def test_receipts_bench_collects_every_fee_and_closes_the_day_of_its_receipts() -> None:
    figures = run_bench("receipts.py", "--receipts", "12", "--parts", "4")
    assert figures["collect_fee"]["calls"] == 12 and figures["intake_receive_dossier"]["calls"] == 12
    day = figures["day_close"]
    assert day["receipts"] == day["raw_rows"] == 12
    assert day["cash_expected_vnd"] + day["transfers_total_vnd"] == 12 * 10_000
    assert day["pdf_pages"] >= 1 and day["pdf_bytes"] > 0
    assert figures["baseline_bare_insert_receipt_row"]["one_transaction_each"]["calls"] == 4


def test_report_counter_bench_times_the_three_reports_and_agrees_with_its_baseline(tmp_path: Path) -> None:
    figures = run_bench("report_counter.py", "--dossiers", "3000", "--days", "20", "--runs", "1",
                        "--data-dir", str(tmp_path / "counter"))
    assert figures["build"]["rows"]["dossier"] == 3000
    reports = figures["reports"]
    assert set(reports) == {"daily_last_day", "register_month", "kpi_month"}
    assert reports["daily_last_day"]["figures"]["received_total"] == 150  # 3,000 over 20 office days
    assert reports["register_month"]["figures"]["register_rows"] > 0
    assert reports["kpi_month"]["figures"]["counts"]["finished_total"] > 0
    # The baseline runs without the reports migration's indexes and must compute the same figures.
    assert "ix_dossier_event_to_status_at ON dossier_event" in figures["baseline"]["dropped_indexes"]
    assert all(b["same_figures"] for b in figures["baseline"]["reports"].values())
    assert all(r["slowest_statements"][0]["plan"] for r in reports.values())


def test_outbox_pruning_bench_prunes_every_old_row_and_agrees_with_its_baseline() -> None:
    figures = run_bench("outbox_pruning.py", "--rows", "1200", "--template", "20", "--runs", "1")
    assert figures["acknowledged_pruned"] == 1188 and figures["rows_left"] == 12
    assert figures["answered_through_same_as_baseline"] is True
    assert figures["answered_through_after_pruning_unchanged"] is True
    assert figures["batch_transaction_ms"]["n"] >= 6
