"""Amounts of money, the one home for writing đồng: "15.000" in figures, "Mười lăm nghìn đồng" in words.

Amounts are whole đồng (int) everywhere in the app; receipts, slips and screens format them here so a
figure reads the same on every paper. Words come from num2words (lang="vi"), as the issue's receipts
require. Pure Python.
"""

from __future__ import annotations

from num2words import num2words


def format_vnd(amount: int) -> str:
    """An amount in figures with dots between thousands, the Vietnamese way: 1005000 → "1.005.000"."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


def format_dong(amount: int) -> str:
    """The figure followed by the currency word: 15000 → "15.000 đồng"."""
    return f"{format_vnd(amount)} đồng"


def vnd_in_words(amount: int) -> str:
    """The amount in Vietnamese words, capitalised, ending in "đồng": 15000 → "Mười lăm nghìn đồng"."""
    if amount < 0:
        raise ValueError("Số tiền viết bằng chữ phải không âm.")
    words = num2words(amount, lang="vi")
    return f"{words[:1].upper()}{words[1:]} đồng"
