"""`counter-app attach CODE FILE… --document N`, `--reuse CODE:M` and `counter-app scans CODE`, as a clerk
runs them: real processes on a real counter data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from tests.conftest import open_counter
from tests.sync.harness import counter_cli


@pytest.mark.slow
def test_attach_to_a_paper_reuse_it_and_list_the_states(tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    person = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    first = receive_dossier(db, IntakeRequest("1.001193", person)).code
    second = receive_dossier(db, IntakeRequest("1.001193", person)).code
    db.close()
    Image.new("RGB", (700, 990), "white").save(tmp_path / "to-khai.jpg")
    pages = [Image.new("L", (700 + n, 990), 255) for n in range(3)]
    pages[0].save(tmp_path / "giay-chung-sinh.pdf", save_all=True, append_images=pages[1:])

    added = json.loads(counter_cli(data_dir, "attach", first, str(tmp_path / "to-khai.jpg"),
                                   str(tmp_path / "giay-chung-sinh.pdf"), "--document", "2", "--json").stdout)
    reused = counter_cli(data_dir, "attach", second, "--document", "2", "--reuse", f"{first}:2").stdout
    refused = counter_cli(data_dir, "attach", first, str(tmp_path / "to-khai.jpg"), "--document", "3", check=False)
    listed = json.loads(counter_cli(data_dir, "scans", second, "--json").stdout)

    assert added["pages"] == 4 and added["new"] and added["name"].startswith("02 Giấy chứng sinh")
    assert "Đã số hóa giấy tờ số 2" in reused and "4 trang" in reused
    assert refused.returncode == 2 and "có 2 giấy tờ; không có giấy tờ số 3" in refused.stderr
    assert [(p["document"], p["state_label"], p["pages"], p["reused_from"]) for p in listed] == [
        (1, "Chưa số hóa", 0, None), (2, "Tái sử dụng", 4, first)]
    assert listed[1]["sha256"] == added["sha256"]
