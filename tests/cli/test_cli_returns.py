"""`counter-app return`, `shipment` and `print handover|label` as a clerk types them (real processes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from counter_app.domain.lifecycle import Status
from counter_app.domain.postal_codes import parse_item_code
from counter_app.services.dossiers import get_dossier
from counter_app.services.returns import returned_items
from counter_app.storage.database import Database
from tests.cli.test_cli import run
from tests.conftest import HAI_CHAU_WARD, open_counter
from tests.support.returns import grant_item_range, result_ready_dossier

BY_POST = ("--by-post", "--recipient", "Trần Thị Bình", "--phone", "0905123456", "--commune-code", str(HAI_CHAU_WARD),
           "--street", "12 Lê Lợi", "--postage", "25000", "--payer", "citizen")


@pytest.mark.slow
def test_return_by_post_then_at_desk_with_papers_and_refusals(tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    posted, at_desk, no_numbers = (result_ready_dossier(db) for _ in range(3))
    grant_item_range(db, 1, 1)
    db.close()

    item = run(data_dir, "return", posted, *BY_POST).stdout.strip()
    assert parse_item_code(item).serial == 1
    shipped = json.loads(run(data_dir, "shipment", item, "--state", "handed", "--json").stdout)
    assert (shipped["code"], shipped["shipment_state"]) == (posted, "handed")
    run(data_dir, "shipment", posted, "--state", "returned")
    label = tmp_path / "nhan.pdf"
    run(data_dir, "print", "label", posted, "--out", str(label), "--size", "100x150")
    spaced = f"{item[:2]} {item[2:6]} {item[6:10]} {item[10]} {item[11:]}"  # as printed under the bars
    assert spaced in " ".join(PdfReader(label).pages[0].extract_text().split())

    run(data_dir, "return", at_desk, "--at-desk", "--receiver", "Lê Văn Cường", "--id-number", "049090001234")
    receipt = tmp_path / "phieu.pdf"
    run(data_dir, "print", "handover", at_desk, "--out", str(receipt))
    assert "Lê Văn Cường" in PdfReader(receipt).pages[0].extract_text()

    refused = run(data_dir, "return", no_numbers, *BY_POST, ok=False)
    assert refused.returncode == 1
    assert "hết mã bưu gửi" in refused.stderr
    missing = run(data_dir, "return", no_numbers, "--at-desk", ok=False)
    assert missing.returncode == 2 and "Người nhận kết quả: chưa nhập" in missing.stderr

    db = Database.open(data_dir)
    try:
        assert get_dossier(db, no_numbers).status is Status.RESULT_READY
        assert get_dossier(db, at_desk).status is Status.RETURNED
        assert [r.dossier_code for r in returned_items(db)] == [posted]
    finally:
        db.close()
