"""The Vietnamese banks a collecting unit's account may be held at, with their NAPAS BIN.

The BIN (6 digits, "acquirer id" in NAPAS terms) is what a VietQR code names the bank by. A short
bundled list covers the banks post offices and communes bank with; any other 6-digit BIN is still
accepted (the list names it "Ngân hàng BIN …"). Sources, checked November 2026: the VietQR.io bank
list API (https://www.vietqr.io/api-bank: VietinBank 970415, BIDV 970418, ABBank 970425, ACB 970416),
the vietqr_gen package's bank enum (pub.dev: Agribank 970405, LPBank 970449, MBBank 970422,
Sacombank 970403, HDBank 970437) and the vietqr-parser Go package (Vietcombank 970436). See docs/payments.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    bin: str
    short_name: str
    name: str


BANKS: tuple[Bank, ...] = (
    Bank("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam (LienVietPostBank)"),
    Bank("970415", "VietinBank", "Ngân hàng TMCP Công Thương Việt Nam"),
    Bank("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    Bank("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    Bank("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"),
    Bank("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    Bank("970422", "MBBank", "Ngân hàng TMCP Quân đội"),
    Bank("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    Bank("970437", "HDBank", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh"),
    Bank("970425", "ABBank", "Ngân hàng TMCP An Bình"),
)
_BY_BIN = {bank.bin: bank for bank in BANKS}


def bank_by_bin(bin_code: str) -> Bank:
    """The bundled bank with this BIN, or a plain entry naming the BIN when it is not in the list."""
    return _BY_BIN.get(bin_code) or Bank(bin_code, f"BIN {bin_code}", f"Ngân hàng có mã BIN {bin_code}")
