"""Text at the boundary: NFC normalisation and the diacritic fold used by search.

Vietnamese text arrives in both composed (NFC) and decomposed (NFD) forms depending on the input
method; everything is stored as NFC. Search folds tone and vowel marks *and* đ/Đ (which have no
Unicode decomposition) so that "nguyen van duc" finds "Nguyễn Văn Đức".
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control characters (NUL, escape codes a scanner or a pasted file may carry) never belong in a record.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def nfc(value: str | None) -> str:
    """Return `value` in NFC, control characters removed, whitespace collapsed; None becomes ""."""
    if value is None:
        return ""
    return _SPACES.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFC", value))).strip()


def fold(value: str | None) -> str:
    """Lower-case, strip every combining mark and map đ/Đ to d: the form search compares."""
    decomposed = unicodedata.normalize("NFD", nfc(value))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def search_tokens(value: str | None) -> list[str]:
    """Split folded text into the alphanumeric tokens the search index holds."""
    return re.findall(r"[0-9a-z]+", fold(value))


_NAME_PART = re.compile(r"([\s'’\-]+)")


def person_name(value: str | None) -> str:
    """A person's name as the official papers write it: NFC, each word with its first letter capital.

    Vietnamese-aware: "phạm văn tú" and "PHẠM VĂN TÚ" both become "Phạm Văn Tú" (đ → Đ too), and the parts
    of ethnic-minority names joined by an apostrophe or a hyphen ("h'hen niê", "y-moan") each get their
    capital ("H'Hen Niê", "Y-Moan"). See docs/domain.md section 5.1.
    """
    parts = _NAME_PART.split(nfc(value))
    return "".join(part if _NAME_PART.fullmatch(part) else part[:1].upper() + part[1:].lower() for part in parts)


def has_vietnamese_marks(value: str | None) -> bool:
    """True when `value` carries any tone or vowel mark or đ/Đ, i.e. it was typed with an input method.

    Almost every Vietnamese name has one; a name without any ("pham van tu") was most likely typed
    without Telex/VNI and is asked about once before it goes onto an official paper.
    """
    text = nfc(value)
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", text)) or "đ" in text.lower()
