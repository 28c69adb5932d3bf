"""The one rule for the province server's address (sync/client/enrollment.check_server_url), used by
`counter-app enroll`, the enrolment dialog and the settings screen (services/server_address.py): an
address with a password in it, control characters or a query is refused without being echoed."""

from __future__ import annotations

import pytest

from counter_app.domain.errors import ValidationError
from counter_app.services.server_address import checked_server_url
from sync.client.enrollment import check_server_url

REFUSED = {
    "https://nhanvien:MatKhau123@dongbo.buudien-tinh.vn": "không được chứa tên đăng nhập hay mật khẩu",
    "http://nhanvien:MatKhau123@127.0.0.1:8740": "không được chứa tên đăng nhập hay mật khẩu",
    "https://dongbo\n.buudien-tinh.vn": "khoảng trắng hoặc ký tự điều khiển",
    "https://dongbo.buudien-tinh.vn/a b": "khoảng trắng hoặc ký tự điều khiển",
    "https://dongbo.buudien-tinh.vn\x07/api": "khoảng trắng hoặc ký tự điều khiển",
    "https://dongbo.buudien-tinh.vn/?token=abc": "không được có phần «?…» hay «#…»",
    "https://dongbo.buudien-tinh.vn#x": "không được có phần «?…» hay «#…»",
}


@pytest.mark.parametrize("address", list(REFUSED))
def test_an_address_with_credentials_control_characters_or_a_query_is_refused(address: str) -> None:
    for check in (check_server_url, checked_server_url):
        with pytest.raises(ValidationError) as refused:
            check(address)
        assert REFUSED[address] in refused.value.message
        assert "MatKhau123" not in refused.value.message


def test_plain_addresses_still_pass() -> None:
    for address in ("https://dongbo.buudien-tinh.vn", "https://dongbo.buudien-tinh.vn:8443/tinh",
                    "http://127.0.0.1:8740", "http://[::1]:8740"):
        assert check_server_url(address) == address
    assert checked_server_url("  https://dongbo.buudien-tinh.vn/  ") == "https://dongbo.buudien-tinh.vn"
