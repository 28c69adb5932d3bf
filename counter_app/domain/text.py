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
