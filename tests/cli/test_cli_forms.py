"""`counter-app intake --guidance/--refuse` and `print form02…form05`, run as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli.test_cli import data_dir, intake, run  # noqa: F401
from tests.conftest import UNIT_CODE


def text_of(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


@pytest.mark.slow  # six counter-app processes
def test_guidance_and_refusal_from_the_command_line_and_their_forms(data_dir: Path) -> None:  # noqa: F811
    reference = intake(data_dir, "--guidance", "--reason", "Thiếu giấy chứng sinh", "--missing", "2=1/0/0").stdout.strip()
    assert reference.startswith("HD4-") and reference.endswith("-001")
    run(data_dir, "print", "form02", reference.lower(), "--out", str(data_dir / "f02.pdf"))
    assert "Thiếu giấy chứng sinh" in text_of(data_dir / "f02.pdf")

    refused = json.loads(intake(data_dir, "--refuse", "--reason", "Không thuộc thẩm quyền", "--json").stdout)
    assert refused["status"] == 3 and refused["code"].startswith(f"{UNIT_CODE}-")  # the first code of the day
    assert refused["code"].endswith("-4001")  # the guidance spent none
    printed = json.loads(run(data_dir, "print", "form03", refused["code"], "--out", str(data_dir / "f03.pdf"),
                             "--json").stdout)
    assert printed["form"] == "form03" and "Không thuộc thẩm quyền" in text_of(data_dir / "f03.pdf")


@pytest.mark.slow  # five counter-app processes
def test_outcome_options_are_refused_in_vietnamese_when_incomplete(data_dir: Path) -> None:  # noqa: F811
    no_reason = run(data_dir, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức", "--phone",
                    "0905123456", "--refuse", ok=False)
    assert no_reason.returncode == 2 and "Lý do từ chối tiếp nhận: chưa nhập." in no_reason.stderr
    missing_alone = run(data_dir, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức",
                        "--missing", "1=1/0/0", ok=False)
    assert missing_alone.returncode == 2 and "--missing chỉ dùng cùng --guidance" in missing_alone.stderr
    both = run(data_dir, "intake", "--procedure", "1.001193", "--guidance", "--refuse", ok=False)
    assert both.returncode == 2
    code = intake(data_dir).stdout.strip()
    wrong = run(data_dir, "print", "form04", code, "--out", str(data_dir / "f04.pdf"), ok=False)
    assert wrong.returncode == 1 and "chưa có phiếu xin lỗi" in wrong.stderr
    assert not (data_dir / "f04.pdf").exists()
