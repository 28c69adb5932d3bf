"""Each paper of a dossier has a digitisation state (DVCQG/THA `TrangThaiSoHoa`, domain.md §3.1).

The state is derived, never stored on its own: a paper with a current scan bundle is "đã số hóa", or
"tái sử dụng" when that bundle was taken from another dossier's paper; a paper without one is "chưa số
hóa". Pure Python. docs/digitisation.md.
"""

from __future__ import annotations

from enum import IntEnum

# Bounds shared by the counter (services/scan_bundle.py) and the sync payload (domain/payloads.py).
MAX_PAGES_PER_PAPER = 500
MAX_PAPER_INDEX = 100  # a dossier keeps at most 100 paper lines (DossierCreatePayload.documents)


class DigitisationState(IntEnum):
    """The national codes: 0 chưa số hóa, 1 được số hóa, 2 tái sử dụng (from another dossier)."""

    NOT_DIGITISED = 0
    DIGITISED = 1
    REUSED = 2

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DigitisationState.NOT_DIGITISED: "Chưa số hóa",
    DigitisationState.DIGITISED: "Đã số hóa",
    DigitisationState.REUSED: "Tái sử dụng",
}


def paper_state(has_bundle: bool, reused_from: str | None) -> DigitisationState:
    if not has_bundle:
        return DigitisationState.NOT_DIGITISED
    return DigitisationState.REUSED if reused_from else DigitisationState.DIGITISED
