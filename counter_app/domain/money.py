"""Amounts of money for people: "15.000" in figures and "Mười lăm nghìn đồng" in words (one home).

Amounts are whole đồng. Words come from num2words (lang="vi"), which every receipt must match: a receipt's
amount in words is what the citizen signs for, so it is never written by hand elsewhere.
"""

from __future__ import annotations

from num2words import num2words


def format_vnd(amount: int) -> str:
    """15000 -> "15.000" (dots between thousands, as Vietnamese forms write them)."""
    return f"{amount:,}".replace(",", ".")


def vnd_in_words(amount: int) -> str:
    """15000 -> "Mười lăm nghìn đồng": num2words(lang="vi") with a capital first letter and "đồng"."""
    words = num2words(amount, lang="vi")
    return f"{words[:1].upper()}{words[1:]} đồng"
