"""Amounts of đồng for people: "15.000" in figures and "Mười lăm nghìn đồng" in words (num2words, lang="vi").

Placeholder of part A's module (issue 10): the lead keeps A's version when merging; the names and
results are the contract.
"""

from __future__ import annotations


def format_vnd(amount: int) -> str:
    """15000 -> "15.000" (Vietnamese thousands separator); a negative amount keeps its minus sign."""
    text = f"{abs(amount):,}".replace(",", ".")
    return f"-{text}" if amount < 0 else text


def vnd_in_words(amount: int) -> str:
    """15000 -> "Mười lăm nghìn đồng"."""
    from num2words import num2words

    words = num2words(amount, lang="vi")
    return f"{words[:1].upper()}{words[1:]} đồng"
