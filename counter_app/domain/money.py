"""Amounts of đồng as the counter writes them: in figures ("15.000") and in words ("Mười lăm nghìn đồng").

The one home for both (part A of issue 10 owns it; this is the same contract, written early so the
transfer panel can show amounts before the merge). Words come from num2words(lang="vi").
"""

from __future__ import annotations

from num2words import num2words


def format_vnd(amount: int) -> str:
    """Whole đồng with '.' between thousands: 15000 -> "15.000"."""
    return f"{int(amount):,}".replace(",", ".")


def vnd_in_words(amount: int) -> str:
    """The amount in Vietnamese words, capitalised, ending in "đồng": 15000 -> "Mười lăm nghìn đồng"."""
    words = num2words(int(amount), lang="vi")
    return f"{words[:1].upper()}{words[1:]} đồng"
